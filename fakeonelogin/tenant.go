package fakeonelogin

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// User status codes (reference §4.2). There is no status 6.
const (
	StatusUnactivated       = 0
	StatusActive            = 1
	StatusSuspended         = 2
	StatusLocked            = 3
	StatusPasswordExpired   = 4
	StatusAwaitingReset     = 5
	StatusPasswordPending   = 7
	StatusSecurityQuestions = 8
)

// User state codes (reference §4.3).
const (
	StateUnapproved = 0
	StateApproved   = 1
	StateRejected   = 2
	StateUnlicensed = 3
)

// user is the fake's own record of a person. Pointer fields are the ones the
// real API returns as null when unset; the seed mixes "" and null like real
// data does.
type user struct {
	id                  int64
	email               string
	username            *string
	firstname, lastname string
	company             *string
	department          *string
	title               *string
	comment             string
	phone               *string
	groupID             *int64
	roleIDs             []int64 // sorted; empty renders as null
	status              int
	state               int
	invalidLogins       *int
	lockedUntil         *time.Time
	activatedAt         *time.Time
	createdAt           time.Time
	updatedAt           time.Time
	invitationSentAt    *time.Time
	lastLogin           *time.Time
	passwordChangedAt   *time.Time
	openidName          string
	localeCode          *string
	preferredLocale     *string
	directoryID         *int64
	distinguishedName   *string
	memberOf            *string
	samAccountName      *string
	userPrincipalName   *string
	externalID          any // nil, string or int64: the wire has both
	managerADID         any // nil, string or int64
	managerUserID       *int64
	trustedIDPID        *int64
	custom              map[string]*string
	passwordSalt        string // hex-free: the salt as given
	passwordHash        string // lowercase hex sha256(salt + clear text)
	sessions            int
	mfa                 []mfaToken
	forbidden           bool // answers 403 to every call naming it
	freshlyCreated      bool // status renders null in the create reply only
	loginIDSeed         uint64
	devices             []*otpDevice // enrolled MFA factors, oldest first (mfa.go)
}

// mfaToken keeps only a hash of the token: the clear token is returned once.
type mfaToken struct {
	hash      string
	expiresAt time.Time
	reusable  bool
	used      bool
}

type role struct {
	id   int64
	name string
}

type app struct {
	id        int64
	slug      string
	name      string
	iconStyle int // 0 absolute URL to the fake, 1 relative path, 2 missing-connector path
	extension bool
	roles     []string
}

type token struct {
	access    string
	refresh   string
	createdAt time.Time
	expiresAt time.Time
	expiresIn int // seconds, as first issued; re-issues repeat it
	revoked   bool
}

// Tenant is the state of the fake OneLogin account and its HTTP API.
// All methods are safe for concurrent use.
type Tenant struct {
	opts  Options
	clock Clock

	mu          sync.Mutex // guards everything below up to faults
	users       map[int64]*user
	order       []int64 // user ids, ascending
	byEmail     map[string]int64
	roles       []role // ascending id
	apps        []app
	customAttrs []string
	nextID      int64
	tokens      map[string]*token
	current     *token // the v2 endpoint hands this out again until it expires
	seedTime    time.Time
	// events is the event record, a ring of at most opts.MaxEvents like
	// calls: once full, the oldest event sits at eventsHead.
	events      []*event
	eventsHead  int
	lastEventID int64
	sprays      int // Spray calls so far, so each picks other people

	rlMu        sync.Mutex
	rlLimit     int
	rlUsed      int
	rlWindowEnd time.Time

	fMu        sync.Mutex
	latency    time.Duration
	failN      int
	failStatus int
	failTokN   int
	failTokSt  int
	dropN      int

	cMu sync.Mutex
	// calls is the call record, a ring of at most opts.MaxCalls: once
	// full, the oldest call sits at callsHead and is replaced next.
	calls     []*Call
	callsHead int

	icons      map[string][]byte // slug -> svg; read-only after seeding
	missingPNG []byte

	// mfa holds state tokens, pushes, the fake phone's inbox and invites
	// (mfa.go, phone.go, invite.go).
	mfa mfaState
}

// NewTenant builds and seeds a tenant.
func NewTenant(opts Options) *Tenant {
	opts = opts.withDefaults()
	t := &Tenant{
		opts:        opts,
		clock:       opts.Clock,
		users:       map[int64]*user{},
		byEmail:     map[string]int64{},
		tokens:      map[string]*token{},
		rlLimit:     opts.RateLimitPerHour,
		lastEventID: firstEventID,
	}
	t.seed()
	t.seedHistory()
	if opts.SprayOnStart > 0 {
		t.Spray(opts.SprayOnStart)
	}
	return t
}

// Clock returns the clock the tenant runs on.
func (t *Tenant) Clock() Clock { return t.clock }

// AdvanceClock moves the tenant's clock by d if it can be moved (a
// ManualClock or the default clock) and reports whether it did.
func (t *Tenant) AdvanceClock(d time.Duration) bool {
	c, ok := t.clock.(adjustableClock)
	if ok {
		c.Advance(d)
	}
	return ok
}

// SeedTime is the time the tenant was seeded at; seeded timestamps are
// relative to it.
func (t *Tenant) SeedTime() time.Time { return t.seedTime }

// ClientID returns the credential's client id.
func (t *Tenant) ClientID() string { return t.opts.ClientID }

// ClientSecret returns the credential's client secret.
func (t *Tenant) ClientSecret() string { return t.opts.ClientSecret }

// ---- knobs ----

// SetLatency adds d to every request before it is answered. A request whose
// context ends while it waits is abandoned.
func (t *Tenant) SetLatency(d time.Duration) {
	t.fMu.Lock()
	t.latency = d
	t.fMu.Unlock()
}

// FailNext makes the next n resource calls (/api/... and /auth/rate_limit)
// answer status with a v1 error envelope. Token calls are not affected; see
// FailNextToken.
func (t *Tenant) FailNext(n int, status int) {
	t.fMu.Lock()
	t.failN, t.failStatus = n, status
	t.fMu.Unlock()
}

// FailNextToken makes the next n token calls (v2 and legacy) answer status
// with a v1 error envelope.
func (t *Tenant) FailNextToken(n int, status int) {
	t.fMu.Lock()
	t.failTokN, t.failTokSt = n, status
	t.fMu.Unlock()
}

// DropNext makes the next n resource calls close the connection without
// answering.
func (t *Tenant) DropNext(n int) {
	t.fMu.Lock()
	t.dropN = n
	t.fMu.Unlock()
}

// ExpireAllTokens ends every issued access token, as if their lifetime ran out.
func (t *Tenant) ExpireAllTokens() {
	now := t.clock.Now()
	t.mu.Lock()
	for _, tk := range t.tokens {
		if tk.expiresAt.After(now) {
			tk.expiresAt = now
		}
	}
	t.mu.Unlock()
}

// SetRateLimit changes the hourly quota. The calls already made in the
// current window still count.
func (t *Tenant) SetRateLimit(perHour int) {
	t.rlMu.Lock()
	t.rlLimit = perHour
	t.rlMu.Unlock()
}

// SpendRateLimit uses up the rest of the current window's quota, so the next
// v1 resource call answers 429 until the window resets.
func (t *Tenant) SpendRateLimit() {
	now := t.clock.Now()
	t.rlMu.Lock()
	t.rollWindow(now)
	t.rlUsed = t.rlLimit
	t.rlMu.Unlock()
}

// SetForbidden makes every call naming user id answer 403 "user is not
// authorized to access this User" (or stop doing so), as when the credential
// may not manage that user.
func (t *Tenant) SetForbidden(id int64, forbidden bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[id]
	if ok {
		u.forbidden = forbidden
	}
	return ok
}

// ---- read access ----

// UserSnapshot is a copy of one user's state. Times are zero when the API
// would return null; strings are "" for null.
type UserSnapshot struct {
	ID                   int64
	Email                string
	Username             string
	Firstname            string
	Lastname             string
	Company              string
	Department           string
	Title                string
	Phone                string
	Comment              string
	Status               int
	State                int
	InvalidLoginAttempts int
	LockedUntil          time.Time
	ActivatedAt          time.Time
	CreatedAt            time.Time
	UpdatedAt            time.Time
	LastLogin            time.Time
	PasswordChangedAt    time.Time
	ManagerUserID        int64
	RoleIDs              []int64
	CustomAttributes     map[string]string
	HasPassword          bool
}

// RoleInfo is a role of the tenant.
type RoleInfo struct {
	ID   int64
	Name string
}

// Person is the identity view of a user, for the OIDC provider and the demo.
// Groups are the names of the user's OneLogin roles.
type Person struct {
	ID     int64
	Email  string
	Name   string
	Groups []string
}

func strOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func timeOf(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

func (u *user) snapshot() UserSnapshot {
	s := UserSnapshot{
		ID: u.id, Email: u.email, Username: strOf(u.username), Firstname: u.firstname, Lastname: u.lastname,
		Company: strOf(u.company), Department: strOf(u.department), Title: strOf(u.title), Phone: strOf(u.phone),
		Comment: u.comment, Status: u.status, State: u.state, LockedUntil: timeOf(u.lockedUntil),
		ActivatedAt: timeOf(u.activatedAt), CreatedAt: u.createdAt, UpdatedAt: u.updatedAt,
		LastLogin: timeOf(u.lastLogin), PasswordChangedAt: timeOf(u.passwordChangedAt),
		RoleIDs: slices.Clone(u.roleIDs), CustomAttributes: map[string]string{}, HasPassword: u.passwordHash != "",
	}
	if u.invalidLogins != nil {
		s.InvalidLoginAttempts = *u.invalidLogins
	}
	if u.managerUserID != nil {
		s.ManagerUserID = *u.managerUserID
	}
	for k, v := range u.custom {
		s.CustomAttributes[k] = strOf(v)
	}
	return s
}

// settle applies what time has done to u: a lock whose locked_until has
// passed is over, as OneLogin shows it when the user is next read.
func (u *user) settle(now time.Time) {
	if u.status == StatusLocked && u.lockedUntil != nil && !now.Before(*u.lockedUntil) {
		u.status = StatusActive
		u.lockedUntil = nil
		zero := 0
		u.invalidLogins = &zero
	}
}

// User returns a copy of user id's current state.
func (t *Tenant) User(id int64) (UserSnapshot, bool) {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[id]
	if !ok {
		return UserSnapshot{}, false
	}
	u.settle(now)
	return u.snapshot(), true
}

// FindByEmail returns the user with this email (case-insensitive).
func (t *Tenant) FindByEmail(email string) (UserSnapshot, bool) {
	t.mu.Lock()
	id, ok := t.byEmail[strings.ToLower(email)]
	t.mu.Unlock()
	if !ok {
		return UserSnapshot{}, false
	}
	return t.User(id)
}

// Roles returns the tenant's roles in id order.
func (t *Tenant) Roles() []RoleInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]RoleInfo, len(t.roles))
	for i, r := range t.roles {
		out[i] = RoleInfo{ID: r.id, Name: r.name}
	}
	return out
}

// RoleID returns the id of the role with this name.
func (t *Tenant) RoleID(name string) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.roles {
		if r.name == name {
			return r.id, true
		}
	}
	return 0, false
}

func (t *Tenant) roleName(id int64) string {
	i, ok := slices.BinarySearchFunc(t.roles, id, func(r role, id int64) int { return cmpInt(r.id, id) })
	if !ok {
		return ""
	}
	return t.roles[i].name
}

// Persons lists every user as an identity, in id order.
func (t *Tenant) Persons() []Person {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Person, 0, len(t.order))
	for _, id := range t.order {
		u := t.users[id]
		p := Person{ID: u.id, Email: u.email, Name: strings.TrimSpace(u.firstname + " " + u.lastname)}
		for _, rid := range u.roleIDs {
			p.Groups = append(p.Groups, t.roleName(rid))
		}
		out = append(out, p)
	}
	return out
}

// UserCount is the number of users in the tenant.
func (t *Tenant) UserCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.order)
}

func hashPassword(salt, clear string) string {
	sum := sha256.Sum256([]byte(salt + clear))
	return hex.EncodeToString(sum[:])
}

// CheckPassword reports whether clear is user id's password. Only a salted
// SHA-256 hash is kept, so this is a hash comparison.
func (t *Tenant) CheckPassword(id int64, clear string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[id]
	if !ok || u.passwordHash == "" {
		return false
	}
	got := hashPassword(u.passwordSalt, clear)
	return subtle.ConstantTimeCompare([]byte(got), []byte(u.passwordHash)) == 1
}

// ActiveMFATokens counts user id's temporary MFA tokens that are neither
// expired nor used up.
func (t *Tenant) ActiveMFATokens(id int64) int {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[id]
	if !ok {
		return 0
	}
	n := 0
	for _, m := range u.mfa {
		if !m.used && now.Before(m.expiresAt) {
			n++
		}
	}
	return n
}

// UseMFAToken checks a temporary MFA token of user id as a sign-in would:
// it must be current, and a non-reusable token works once.
func (t *Tenant) UseMFAToken(id int64, tok string) bool {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[id]
	return ok && u.useMFAToken(tok, now)
}

// Sessions is the number of OneLogin sessions user id has open. Logout ends them.
func (t *Tenant) Sessions(id int64) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if u, ok := t.users[id]; ok {
		return u.sessions
	}
	return 0
}

// StartSession records a sign-in of user id (for the OIDC provider): it opens
// a session and sets last_login. It reports whether the user exists.
func (t *Tenant) StartSession(id int64) bool {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[id]
	if ok {
		u.sessions++
		n := now.UTC()
		u.lastLogin = &n
		touchSignIn(u, n)
	}
	return ok
}

// ---- call record ----

// Call is one request the fake received. Authorization values and secret
// body fields (client_secret, passwords, tokens) are redacted.
type Call struct {
	Method   string
	Path     string
	RawQuery string
	Query    url.Values
	Body     []byte
	Header   http.Header
	Time     time.Time // tenant clock
	Status   int       // 0 when the connection was dropped

	// hdr is Header as kept in the record, name and value pairs: Calls
	// makes Header and Query from hdr and RawQuery, since a map or two per
	// call would be most of the record's memory.
	hdr []string
}

// keep adds c to the call record, replacing the oldest call when the
// record holds Options.MaxCalls already.
func (t *Tenant) keep(c *Call) {
	t.cMu.Lock()
	defer t.cMu.Unlock()
	if len(t.calls) < t.opts.MaxCalls {
		t.calls = append(t.calls, c)
		return
	}
	t.calls[t.callsHead] = c
	t.callsHead = (t.callsHead + 1) % len(t.calls)
}

// recorded calls fn on each kept call, oldest first; cMu must be held.
func (t *Tenant) recorded(fn func(*Call)) {
	for i := range t.calls {
		fn(t.calls[(t.callsHead+i)%len(t.calls)])
	}
}

// Calls returns a copy of the recorded calls, oldest first: every call
// received since the last ResetCalls, or the newest Options.MaxCalls of them.
// A full record stays the same length, so to count the calls a step makes,
// call ResetCalls before it rather than comparing lengths.
func (t *Tenant) Calls() []Call {
	t.cMu.Lock()
	defer t.cMu.Unlock()
	out := make([]Call, 0, len(t.calls))
	t.recorded(func(c *Call) {
		cp := *c
		cp.Query, _ = url.ParseQuery(c.RawQuery)
		cp.Header = make(http.Header, len(c.hdr)/2)
		for i := 0; i+1 < len(c.hdr); i += 2 {
			cp.Header[c.hdr[i]] = append(cp.Header[c.hdr[i]], c.hdr[i+1])
		}
		cp.hdr = nil
		out = append(out, cp)
	})
	return out
}

// ResetCalls forgets the recorded calls.
func (t *Tenant) ResetCalls() {
	t.cMu.Lock()
	t.calls, t.callsHead = nil, 0
	t.cMu.Unlock()
}

// CallCount counts recorded calls with this method ("" for any) whose path
// starts with pathPrefix. It counts what the record keeps: calls older than
// the newest Options.MaxCalls are no longer counted.
func (t *Tenant) CallCount(method, pathPrefix string) int {
	t.cMu.Lock()
	defer t.cMu.Unlock()
	n := 0
	t.recorded(func(c *Call) {
		if (method == "" || c.Method == method) && strings.HasPrefix(c.Path, pathPrefix) {
			n++
		}
	})
	return n
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
