// Package handlers is the console's HTTP layer: the route table, thin
// handlers that parse and validate input, call OneLogin and render a view,
// and the single door (act) every account action passes through.
//
//	e, err := handlers.New(handlers.Config{OneLogin: c, Logger: log, ...})
//	http.ListenAndServe(addr, e)
package handlers

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"iter"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/config"
	dirindex "onelogin-helpdesk/directory"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/jobs/bulk"
	"onelogin-helpdesk/limits"
	"onelogin-helpdesk/notify"
	"onelogin-helpdesk/search"
	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/views"
)

// OneLogin is what the console needs from the OneLogin client. The real
// *client.Client satisfies it; tests use it against the fake tenant.
type OneLogin interface {
	ListUsers(ctx context.Context, q client.ListUsersQuery) ([]client.User, client.Page, error)
	GetUser(ctx context.Context, id int64) (*client.User, error)
	CreateUser(ctx context.Context, u client.UserCreate) (*client.User, error)
	UpdateUser(ctx context.Context, id int64, u client.UserUpdate) (*client.User, error)
	DeleteUser(ctx context.Context, id int64) error
	UserApps(ctx context.Context, id int64) ([]client.App, error)
	UserRoleIDs(ctx context.Context, id int64) ([]int64, error)
	AddRoles(ctx context.Context, id int64, roleIDs []int64) error
	RemoveRoles(ctx context.Context, id int64, roleIDs []int64) error
	CustomAttributeNames(ctx context.Context) ([]string, error)
	SetCustomAttributes(ctx context.Context, id int64, attrs map[string]string) error
	SetPassword(ctx context.Context, id int64, password string, validatePolicy bool) error
	SetPasswordHash(ctx context.Context, id int64, p client.HashedPassword) error
	SetState(ctx context.Context, id int64, s client.State) error
	LockUser(ctx context.Context, id int64, minutes int) error
	UnlockUser(ctx context.Context, id int64) error
	LogoutUser(ctx context.Context, id int64) error
	GenerateMFAToken(ctx context.Context, id int64, expiresIn time.Duration, reusable bool) (*client.MFAToken, error)
	GetInviteLink(ctx context.Context, email string) (*client.InviteLink, error)
	SendInviteLink(ctx context.Context, email, personalEmail string) (sentTo string, err error)
	AllRoles(ctx context.Context, q client.ListRolesQuery) iter.Seq2[client.Role, error]
	ListEvents(ctx context.Context, q client.EventQuery) ([]client.Event, client.Page, error)
	EventTypes(ctx context.Context) ([]client.EventType, error)
	EventTypeIDs(ctx context.Context, names ...string) (ids map[string]int, missing []string, err error)
	RateLimit() client.RateLimit
	// MFA, for the public unlock page and the helpdesk to check who is
	// asking, and to remove a lost factor.
	selfunlock.MFA
	RemoveOTPDevice(ctx context.Context, userID, deviceID int64) error
	RateLimitStatus(ctx context.Context) (client.RateLimit, error)
}

// Config is everything the handlers need; main builds it from the environment.
type Config struct {
	OneLogin OneLogin
	Logger   *slog.Logger

	// Identity reads the signed-in person that the auth middleware resolved.
	Identity func(ctx context.Context) (access.Identity, bool)
	// CSRFToken returns the token that state-changing requests must carry.
	CSRFToken func(ctx context.Context) string
	// Sessions lists and ends staff sessions (the sessions page); nil
	// serves no such page. SessionID names the request's own session.
	Sessions  SessionAdmin
	SessionID func(ctx context.Context) string
	// Middleware runs after recovery and request ids and before the routes:
	// security headers, identity, CSRF, in that order.
	Middleware []echo.MiddlewareFunc
	// Register adds routes owned by other packages (sign-in, health, metrics).
	Register func(e *echo.Echo)

	// Audit records every account action; it is required.
	Audit Recorder

	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// CacheTTL is how long role names and custom attribute definitions are
	// reused; 0 means one minute.
	CacheTTL time.Duration
	// SearchCacheTTL is how long a search's answer is reused; 0 means
	// search.DefaultCacheTTL (5 s), negative turns the cache off.
	SearchCacheTTL time.Duration
	// Location is the time zone pages show times in; nil means UTC.
	Location *time.Location
	// SignOutURL is where the layout's sign-out button posts; "" hides it.
	SignOutURL string
	// Demo marks every page as running on the embedded fake tenant.
	Demo bool
	// OneLoginUserURL is a person's page in OneLogin's admin portal, with
	// {id} for their user id (HELPDESK_ONELOGIN_USER_URL); "" shows no link.
	OneLoginUserURL string
	// SecureCookies marks the console's own cookies (the working ticket,
	// recent people) Secure even without TLS (HELPDESK_SECURE_COOKIES).
	SecureCookies bool
	// CookieKey signs those cookies; the console makes it from the session
	// keys, so that every replica reads them. Nil: a random key, so they
	// last as long as this process.
	CookieKey []byte
	// ProtectedRoles are OneLogin role names whose holders only admins may
	// act on (HELPDESK_PROTECTED_ROLES and the staff groups), compared as
	// groups are.
	ProtectedRoles access.Names
	// AdminRoles and HelpdeskRoles are the role names that make a person
	// console staff (the admin and helpdesk groups): granting one asks
	// first and says what the person becomes.
	AdminRoles, HelpdeskRoles access.Names
	// PasswordPolicy checks every password set through the console against
	// OneLogin's policy (HELPDESK_PASSWORD_POLICY); off, staff choose.
	PasswordPolicy bool
	// ViewersSeeHistory shows viewers the history panel
	// (HELPDESK_VIEWERS_SEE_HISTORY).
	ViewersSeeHistory bool
	// LockPolicyMinutes and PasswordMinLength are the OneLogin policy's
	// lock period and shortest password (HELPDESK_POLICY_LOCK_MINUTES,
	// HELPDESK_POLICY_PASSWORD_LENGTH), so forms offer only what it accepts.
	LockPolicyMinutes int
	PasswordMinLength int

	// RequireTicket refuses sensitive staff actions that carry no ticket
	// (HELPDESK_REQUIRE_TICKET).
	RequireTicket bool
	// Limits counts what limits count (self-service unlocks), so that an
	// allowance survives a restart and holds across replicas.
	Limits limits.Store
	// SelfUnlocksPerHour is how often a person may unlock their own account
	// in a sliding hour (HELPDESK_SELF_UNLOCKS_PER_HOUR); 0 turns
	// self-service unlock off.
	SelfUnlocksPerHour int
	// Contact is how people reach the helpdesk (HELPDESK_CONTACT), named
	// when self-service refuses to unlock.
	Contact string

	// PublicUnlock is the unlock page for people who cannot sign in
	// (HELPDESK_PUBLIC_UNLOCK*), as config parsed it; off unless Enabled.
	// It counts its allowances in Limits. UnlockPage is its wiring.
	PublicUnlock config.PublicUnlock
	UnlockPage   UnlockPage
	// Jobs runs bulk jobs (unlock, log out); handlers.New starts it with
	// the console's worker, and whoever built it closes it. Nil: the
	// console offers no bulk jobs.
	Jobs *jobs.Runner
	// StaffGroups are the groups of each staff role, which are OneLogin
	// role names: a job's starter's role is derived from them again while
	// the job runs. Empty: jobs keep their starter's role.
	StaffGroups access.StaffGroups
	// Bulk is how many people one bulk job may name, per role
	// (HELPDESK_BULK_MAX, HELPDESK_BULK_HELPDESK_MAX).
	Bulk access.Bulk
	// Directory is the index of the tenant's people
	// (HELPDESK_DIRECTORY_INDEX): once its first listing is complete,
	// search and Locked now read it instead of OneLogin, and every person
	// the handlers read live refreshes their row. Nil: search asks OneLogin.
	Directory *dirindex.Index
	// QuotaLow is how many OneLogin calls left in the hour count as low:
	// below it, optional reads (sign-in activity, a Locked now refresh)
	// are skipped with a note so that actions keep working
	// (HELPDESK_QUOTA_LOW). 0 never skips.
	QuotaLow int
	// Notifier tells people by mail of changes to their account; nil
	// tells nobody (no HELPDESK_SMTP_URL).
	Notifier *notify.Notifier
	// TicketURL links every ticket shown, with {ticket} for it
	// (HELPDESK_TICKET_URL); "" shows tickets as text.
	TicketURL string
	// Reports answers the Reports page from the audit trail; nil offers
	// no reports. ReportsHelpdesk lets helpdesk staff read them besides
	// admins (HELPDESK_REPORT_VIEWERS).
	Reports         audit.Reporter
	ReportsHelpdesk bool
	// Caller is verifying who calls the helpdesk
	// (HELPDESK_CALLER_VERIFICATION*); a zero Mode is off. It counts the
	// pushes and codes it sends in Limits, with the public unlock page's.
	Caller config.Caller
}

// Handler holds the dependencies of every route.
type Handler struct {
	ol         OneLogin
	log        *slog.Logger
	identity   func(ctx context.Context) (access.Identity, bool)
	csrf       func(ctx context.Context) string
	sessions   SessionAdmin
	sessionID  func(ctx context.Context) string
	now        func() time.Time
	loc        *time.Location
	dir        *directory
	searches   *search.Searcher
	audit      Recorder
	signOutURL string
	demo       bool
	userURL    string       // OneLoginUserURL
	secure     bool         // SecureCookies
	cookieKey  []byte       // signs the workspace cookies
	protected  access.Names // role names
	staffRoles map[access.Role]access.Names

	passwordPolicy    bool
	policy            views.Policy
	viewersSeeHistory bool

	requireTicket bool
	// selfUnlocks limits self-service unlocks per person; nil when they are off.
	selfUnlocks        *limits.Limit
	denials            denials // a person's refusals, so a flood is tallied
	selfUnlocksPerHour int
	contact            string
	staff              access.StaffGroups
	// public is the public unlock page's flow; nil when it is off.
	public     *selfunlock.Service
	unlockPage UnlockPage // the public unlock page's wiring

	jobs       *jobs.Runner // nil: no bulk jobs
	bulk       access.Bulk
	quotaLow   int
	activities *activityCache
	factors    *briefCache[[]client.OTPDevice]
	caller     *callerDesk
	locked     *lockedBoard
	notifier   *notify.Notifier // nil: mail is off
	ticketURL  string
	// reports is nil when the console keeps no trail to report on.
	reports         audit.Reporter
	reportsHelpdesk bool
	index           *dirindex.Index // nil: no directory index
}

// New builds the console's Echo instance with every route.
func New(cfg Config) (*echo.Echo, error) {
	if cfg.OneLogin == nil {
		return nil, errors.New("handlers: OneLogin client is required")
	}
	if cfg.Audit == nil {
		return nil, errors.New("handlers: an audit trail is required: no action may go unrecorded")
	}
	h := &Handler{
		ol:         cfg.OneLogin,
		log:        cfg.Logger,
		identity:   cfg.Identity,
		csrf:       cfg.CSRFToken,
		sessions:   cfg.Sessions,
		sessionID:  cfg.SessionID,
		now:        cfg.Now,
		loc:        cfg.Location,
		signOutURL: cfg.SignOutURL,
		demo:       cfg.Demo,
		userURL:    cfg.OneLoginUserURL,
		secure:     cfg.SecureCookies,
		cookieKey:  cfg.CookieKey,
	}
	if h.cookieKey == nil {
		h.cookieKey = []byte(rand.Text())
	}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if h.identity == nil {
		h.identity = func(context.Context) (access.Identity, bool) { return access.Identity{}, false }
	}
	if h.csrf == nil {
		h.csrf = func(context.Context) string { return "" }
	}
	if h.sessionID == nil {
		h.sessionID = func(context.Context) string { return "" }
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.loc == nil {
		h.loc = time.UTC
	}
	h.passwordPolicy, h.viewersSeeHistory = cfg.PasswordPolicy, cfg.ViewersSeeHistory
	h.policy = views.Policy{LockMinutes: cfg.LockPolicyMinutes, PasswordMinLength: cfg.PasswordMinLength}
	h.protected = cfg.ProtectedRoles
	h.staffRoles = map[access.Role]access.Names{access.RoleAdmin: cfg.AdminRoles, access.RoleHelpdesk: cfg.HelpdeskRoles}
	h.audit = cfg.Audit
	ttl := cfg.CacheTTL
	if ttl == 0 {
		ttl = time.Minute
	}
	if cfg.Directory != nil {
		h.index = cfg.Directory
		h.ol = indexing{OneLogin: cfg.OneLogin, ix: cfg.Directory, log: h.log}
		cfg.OneLogin = h.ol // the public unlock page's reads and unlocks too
	}
	h.dir = newDirectory(cfg.OneLogin, ttl, h.now)
	searchTTL := cfg.SearchCacheTTL
	if searchTTL == 0 {
		searchTTL = search.DefaultCacheTTL
	}
	h.searches = search.New(cfg.OneLogin, searchTTL, h.now)
	h.requireTicket = cfg.RequireTicket
	h.denials = newDenials(cfg.Limits, h.now)
	h.contact = cfg.Contact
	h.staff = cfg.StaffGroups
	if cfg.SelfUnlocksPerHour > 0 {
		h.selfUnlocksPerHour = cfg.SelfUnlocksPerHour
		if cfg.Limits == nil {
			return nil, errors.New("handlers: self-service unlocks need a Limits store to count them in")
		}
		h.selfUnlocks = &limits.Limit{Store: cfg.Limits, Name: "self-unlock", Max: cfg.SelfUnlocksPerHour, Window: time.Hour, Now: h.now}
	}

	if cfg.PublicUnlock.Enabled {
		u, err := h.newUnlockFlow(cfg)
		if err != nil {
			return nil, err
		}
		h.public, h.unlockPage = u, cfg.UnlockPage
	}
	h.bulk, h.quotaLow = cfg.Bulk, cfg.QuotaLow
	h.notifier, h.ticketURL = cfg.Notifier, cfg.TicketURL
	h.reports, h.reportsHelpdesk = cfg.Reports, cfg.ReportsHelpdesk
	h.activities = newActivityCache()
	h.factors = newBriefCache[[]client.OTPDevice]()
	caller, err := newCallerDesk(h, cfg)
	if err != nil {
		return nil, err
	}
	h.caller = caller
	h.locked = &lockedBoard{}
	if cfg.Jobs != nil {
		h.jobs = cfg.Jobs
		w := bulk.Worker{OneLogin: h.ol, Door: bulkDoor{h}, Log: h.log,
			Locked: func(u *client.User) bool { return lockedNow(u, h.now()) }}
		if !h.staff.Admin.Empty() {
			w.Allowed = h.jobStillAllowed
		}
		cfg.Jobs.Start(w)
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.errorHandler
	h.routes(e, cfg)
	return e, nil
}
