package fakeonelogin

import (
	"time"
)

// Defaults used when an Options field is left zero.
const (
	DefaultUsers             = 2000
	DefaultRateLimitPerHour  = 5000 // OneLogin's documented v1 quota per account
	DefaultPolicyLockMinutes = 30
	DefaultTokenLifetime     = 10 * time.Hour // documented access token lifetime
	DefaultAccountID         = 98765
	// DefaultMaxCalls is how many calls the call record keeps (the newest)
	// when Options.MaxCalls is zero: plenty for a test, and a bound for a
	// demo that runs for days.
	DefaultMaxCalls = 10000
	// DefaultMaxEvents is how many events the tenant keeps (the newest) when
	// Options.MaxEvents is zero.
	DefaultMaxEvents = 10000
	// DefaultMaxLoginAttempts is the policy's "maximum invalid login
	// attempts" when Options.MaxLoginAttempts is zero.
	DefaultMaxLoginAttempts = 5

	// DemoClientID and DemoClientSecret are the API credential of the fake when
	// Options leaves them empty. They only ever open this fake.
	DemoClientID     = "4c1e0f6e1b8a2d7c9f3e5a6b0d2c4e8f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d"
	DemoClientSecret = "9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddccbbaa99887766554433221100"

	// DemoPassword is the password of every seeded user who has one (all but
	// the unactivated and password-pending ones). CheckPassword accepts it
	// until the password is changed.
	DemoPassword = "Northwind-Demo-2024!"
)

// Scope is the permission level of the fake's API credential (reference §1.9).
type Scope string

// The documented credential scopes.
const (
	ScopeAuthOnly    Scope = "Authentication Only"
	ScopeReadUsers   Scope = "Read Users"
	ScopeManageUsers Scope = "Manage users"
	ScopeReadAll     Scope = "Read All"
	ScopeManageAll   Scope = "Manage All"
)

// PasswordPolicy is the password policy checked by set_password_clear_text
// when the request sets validate_policy to true.
type PasswordPolicy struct {
	MinLength      int
	RequireUpper   bool
	RequireLower   bool
	RequireDigit   bool
	RequireSpecial bool // one of PasswordSpecials
}

// PasswordSpecials are the special characters OneLogin documents as counting
// for a "special character" policy rule (reference §3.12).
const PasswordSpecials = "!@#€%&.,$+§/()=*;:_-"

// DefaultPasswordPolicy is used when Options.PasswordPolicy is nil: at least 8
// characters with an upper-case letter, a lower-case letter, a digit and a
// special character.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{MinLength: 8, RequireUpper: true, RequireLower: true, RequireDigit: true, RequireSpecial: true}
}

// Options configures a Tenant. The zero value is a usable default tenant.
type Options struct {
	// Seed makes the generated tenant deterministic: the same Seed, Users and
	// seeding time give the same people.
	Seed int64
	// Users is the number of people in the tenant, personas included
	// (default DefaultUsers). The personas are always created, so 1 gives a
	// tenant of personas only.
	Users int
	// ClientID and ClientSecret are the one API credential the fake accepts
	// (default DemoClientID / DemoClientSecret).
	ClientID, ClientSecret string
	// AccountID is returned with tokens (default DefaultAccountID).
	AccountID int64
	// Scope of the credential (default ScopeManageAll). Calls it does not
	// cover answer 401 "Insufficient Permission".
	Scope Scope
	// RateLimitPerHour is the v1 call quota per hourly window
	// (default DefaultRateLimitPerHour).
	RateLimitPerHour int
	// PolicyLockMinutes is the "lock effective period" of the users' policy:
	// lock_user with locked_until 0 locks for this long, and shorter periods
	// are refused (default DefaultPolicyLockMinutes).
	PolicyLockMinutes int
	// TokenLifetime is the access token lifetime (default 10h).
	TokenLifetime time.Duration
	// Clock drives all time in the tenant. Nil means real time with an offset
	// that Tenant.AdvanceClock can move.
	Clock Clock
	// PasswordPolicy applies when a clear-text password is set with
	// validate_policy true. Nil means DefaultPasswordPolicy().
	PasswordPolicy *PasswordPolicy
	// MaxCalls bounds the call record (Tenant.Calls): it keeps the newest
	// MaxCalls calls and forgets older ones. 0 means DefaultMaxCalls; a
	// negative value records nothing.
	MaxCalls int
	// MaxEvents bounds the events GET /api/1/events serves: the newest
	// MaxEvents are kept. 0 means DefaultMaxEvents; a negative value
	// records no events.
	MaxEvents int
	// MaxLoginAttempts is the policy's "maximum invalid login attempts":
	// the failed sign-in (Tenant.RecordSignIn, Spray) that reaches it locks
	// the account for PolicyLockMinutes (default DefaultMaxLoginAttempts).
	MaxLoginAttempts int
	// SprayOnStart, when positive, makes the new tenant start just after a
	// password spray against that many ordinary people (see Tenant.Spray).
	SprayOnStart int
}

func (o Options) withDefaults() Options {
	if o.Users <= 0 {
		o.Users = DefaultUsers
	}
	if o.ClientID == "" {
		o.ClientID = DemoClientID
	}
	if o.ClientSecret == "" {
		o.ClientSecret = DemoClientSecret
	}
	if o.AccountID == 0 {
		o.AccountID = DefaultAccountID
	}
	if o.Scope == "" {
		o.Scope = ScopeManageAll
	}
	if o.RateLimitPerHour <= 0 {
		o.RateLimitPerHour = DefaultRateLimitPerHour
	}
	if o.PolicyLockMinutes <= 0 {
		o.PolicyLockMinutes = DefaultPolicyLockMinutes
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = DefaultTokenLifetime
	}
	if o.Clock == nil {
		o.Clock = &shiftClock{}
	}
	if o.MaxCalls == 0 {
		o.MaxCalls = DefaultMaxCalls
	}
	if o.MaxEvents == 0 {
		o.MaxEvents = DefaultMaxEvents
	}
	if o.MaxLoginAttempts <= 0 {
		o.MaxLoginAttempts = DefaultMaxLoginAttempts
	}
	if o.PasswordPolicy == nil {
		p := DefaultPasswordPolicy()
		o.PasswordPolicy = &p
	}
	return o
}
