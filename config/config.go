// Package config declares every setting of the console once (name, default,
// meaning, parser and checks), reads them from the environment into one
// typed tree and validates the whole before anything starts. --help and the
// README's table are made from the same declaration:
//
//	cfg, err := config.Load(os.Getenv)
//	if err != nil {
//		fmt.Fprintln(os.Stderr, err) // lists every problem
//		os.Exit(2)
//	}
//
// Nothing else in the console reads the environment: packages receive the
// typed values they need.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Setting documents and parses one environment variable.
type Setting struct {
	Name    string
	Default string // as a person would type it; "" means unset
	Help    string
	// parse stores the value (or the default) in c. raw is trimmed; it is
	// "" when neither the environment nor the default gives a value.
	parse func(p *parser, c *Config, raw string)
}

// secretSettings may also be given as a file, NAME_FILE, the way container
// platforms mount secrets (Docker and Kubernetes secrets).
var secretSettings = []string{"ONELOGIN_CLIENT_SECRET", "HELPDESK_OIDC_CLIENT_SECRET", "HELPDESK_SESSION_KEYS", "HELPDESK_DATABASE_URL"}

// FileName is the variable naming a file that holds the setting's value
// (NAME_FILE), or "" when the setting is only read from the environment.
func (s Setting) FileName() string {
	if slices.Contains(secretSettings, s.Name) {
		return s.Name + "_FILE"
	}
	return ""
}

// FileHelp documents FileName.
func (s Setting) FileHelp() string {
	return "A file holding " + s.Name + " (a mounted secret such as /run/secrets/...), read at start less one trailing line break; set it or " + s.Name + ", not both."
}

// Config is the validated configuration, one section per concern.
type Config struct {
	// Demo runs the console on the embedded fake tenant with demo sign-in:
	// nothing it shows or does is real.
	Demo bool

	HTTP        HTTP
	OneLogin    OneLogin
	Breaker     Breaker
	Fake        Fake
	Auth        Auth
	Session     Session
	Audit       Audit
	State       State
	Policy      Policy
	Quota       Quota
	SelfService SelfService
	// PublicUnlock is the unlock page for people who cannot sign in.
	PublicUnlock PublicUnlock
	// Caller is verifying who calls the helpdesk.
	Caller    Caller
	Bulk      Bulk
	Mail      Mail
	Tickets   Tickets
	Reports   Reports
	Directory Directory
	Ops       Ops
}

// HTTP is how people reach the console.
type HTTP struct {
	Addr string
	// PublicURL is the console's origin as people reach it, without a
	// trailing slash; default http://Addr.
	PublicURL string
	// FrameAncestors is the Content-Security-Policy frame-ancestors list.
	FrameAncestors []string
	// Location is the time zone pages show times in.
	Location *time.Location
}

// OneLogin is the API credential and where to use it. In demo mode it is
// empty: the console fills it in with the embedded fake tenant's.
type OneLogin struct {
	BaseURL      string
	ClientID     string
	ClientSecret string
	Timeout      time.Duration
	// UserURL is a person's page in OneLogin's admin portal, with {id}
	// for their user id; "" shows no link.
	UserURL string
}

// String hides the secret.
func (o OneLogin) String() string {
	return fmt.Sprintf("OneLogin{BaseURL:%s ClientID:%s ClientSecret:redacted}", o.BaseURL, o.ClientID)
}

// GoString hides the secret from %#v.
func (o OneLogin) GoString() string { return o.String() }

// Breaker configures the circuit breaker in front of OneLogin.
type Breaker struct {
	Failures int // 0: never open
	OpenFor  time.Duration
}

// Fake configures the embedded fake tenant (demo mode only).
type Fake struct {
	Seed      int64
	Users     int
	Latency   time.Duration
	RateLimit int // calls per hour
}

// Auth is how staff are identified and which groups make which role.
type Auth struct {
	Mode  AuthMode
	Proxy Proxy
	OIDC  OIDC

	AdminGroups    []string
	HelpdeskGroups []string
	ViewerGroups   []string
	// GroupsSeparator splits group names given as one string.
	GroupsSeparator       string
	GroupsCaseInsensitive bool
}

// AuthMode is how the console learns who is signed in.
type AuthMode string

// The sign-in modes.
const (
	ModeProxy AuthMode = "proxy"
	ModeOIDC  AuthMode = "oidc"
	ModeDemo  AuthMode = "demo"
)

// Proxy is the trusted reverse proxy in front of the console (proxy mode).
type Proxy struct {
	TrustedProxies []netip.Prefix
	EmailHeader    string
	UserHeader     string
	GroupsHeader   string
	// SignOutURL is the proxy's own sign-out, where the console's sign-out
	// sends the browser.
	SignOutURL string

	// A signed assertion: when JWTHeader is set, the identity comes from
	// the verified JWT only.
	JWTHeader      string
	JWKSURL        string
	JWTAudience    string
	JWTIssuer      string
	JWTGroupsClaim string
	JWKSRefresh    time.Duration
}

// OIDC is the console's own OpenID Connect sign-in (oidc mode). In demo
// mode an empty Issuer means the fake tenant's provider.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string
	GroupsClaim  string
}

// LogValue keeps the client secret out of logs.
func (o OIDC) LogValue() slog.Value {
	return slog.GroupValue(slog.String("issuer", o.Issuer), slog.String("client_id", o.ClientID))
}

// String hides the secret.
func (o OIDC) String() string { return o.LogValue().String() }

// GoString hides the secret from %#v.
func (o OIDC) GoString() string { return o.String() }

// Session is the staff session cookie.
type Session struct {
	// Keys sign and encrypt the cookie: the first signs, all verify. Empty
	// only in demo mode, where the console makes a random one.
	Keys          []Secret
	SecureCookies bool
	IdleTimeout   time.Duration
	MaxAge        time.Duration
	// RoleRecheck is how long a session's role is believed before it is
	// derived again from the identity provider.
	RoleRecheck time.Duration
	// RevokeBlock is how long an admin's revocation keeps a person out in
	// proxy mode, where ending the session alone signs nobody out.
	RevokeBlock time.Duration
}

// Audit is the audit trail.
type Audit struct {
	// DB is the SQLite file. Empty in demo mode without HELPDESK_AUDIT_DB:
	// the console then keeps the trail in a temporary file it removes.
	DB string
}

// State is where the console keeps what outlives a request: the audit
// trail, limit counters and staff sessions.
type State struct {
	// DatabaseURL selects PostgreSQL; empty keeps state in the SQLite file
	// Audit.DB.
	DatabaseURL DatabaseURL
	// Retention is how long audit records are kept; 0 keeps them all.
	Retention time.Duration
}

// DatabaseURL is a postgres:// URL. It prints without its password, which
// may be in the user information (postgres://user:PASSWORD@host), in the
// query (?password=PASSWORD, or sslpassword=) or, for a keyword connection
// string, as password=PASSWORD.
type DatabaseURL string

// redactedPassword replaces a password wherever it is shown.
const redactedPassword = "xxxxx"

// Redacted is the URL with every password replaced, for logs and messages.
func (u DatabaseURL) Redacted() string {
	s := string(u)
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return keywordPassword.ReplaceAllString(s, "${1}${2}="+redactedPassword)
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		if user, _, ok := strings.Cut(authority[:at], ":"); ok {
			authority = user + ":" + redactedPassword + authority[at:]
		}
	}
	if path, query, ok := strings.Cut(tail, "?"); ok {
		query, frag, hasFrag := strings.Cut(query, "#")
		kvs := strings.Split(query, "&")
		for i, kv := range kvs {
			if k, _, _ := strings.Cut(kv, "="); isPasswordKey(k) {
				kvs[i] = k + "=" + redactedPassword
			}
		}
		tail = path + "?" + strings.Join(kvs, "&")
		if hasFrag {
			tail += "#" + frag
		}
	}
	return scheme + "://" + authority + tail
}

// passwords are the URL's passwords, each as typed and percent-decoded, so
// that text quoting the URL either way can be scrubbed.
func (u DatabaseURL) passwords() []string {
	var out []string
	add := func(raw string) {
		if raw == "" {
			return
		}
		out = append(out, raw)
		if dec, err := url.QueryUnescape(raw); err == nil && dec != raw {
			out = append(out, dec)
		}
		if enc := url.QueryEscape(raw); enc != raw {
			out = append(out, enc)
		}
	}
	s := string(u)
	if _, rest, ok := strings.Cut(s, "://"); ok {
		// The user information ends at the last @ before the path.
		if slash := strings.IndexAny(rest, "/?#"); slash >= 0 {
			rest = rest[:slash]
		}
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				add(pw)
			}
		}
		if _, query, ok := strings.Cut(s, "?"); ok {
			query, _, _ = strings.Cut(query, "#")
			for _, kv := range strings.Split(query, "&") {
				k, v, _ := strings.Cut(kv, "=")
				if isPasswordKey(k) {
					add(v)
				}
			}
		}
	}
	for _, m := range keywordPassword.FindAllStringSubmatch(s, -1) {
		add(strings.Trim(m[3], "'"))
	}
	return out
}

// keywordPassword finds password=VALUE in a keyword connection string
// (host=db password=secret), the value quoted or not.
var keywordPassword = regexp.MustCompile(`(?i)(^|\s)((?:ssl)?password)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// isPasswordKey reports whether a query key names a password, however it
// is spelt (password, PASSWORD, pass%77ord, sslpassword).
func isPasswordKey(k string) bool {
	if dec, err := url.QueryUnescape(k); err == nil {
		k = dec
	}
	k = strings.ToLower(k)
	return k == "password" || k == "sslpassword"
}

// Scrub replaces each of the URL's passwords in text (an error from the
// driver, a log line) with xxxxx. A short password may mask more than
// itself: that is the safe side.
func (u DatabaseURL) Scrub(text string) string {
	if u == "" {
		return text
	}
	text = strings.ReplaceAll(text, string(u), u.Redacted())
	pws := u.passwords()
	// Longest first, so a password containing another is replaced whole.
	slices.SortFunc(pws, func(a, b string) int { return len(b) - len(a) })
	for _, pw := range pws {
		text = strings.ReplaceAll(text, pw, redactedPassword)
	}
	return text
}

// ScrubError is err with the URL's passwords scrubbed from its text; nil
// stays nil.
func (u DatabaseURL) ScrubError(err error) error {
	if err == nil {
		return nil
	}
	if msg := u.Scrub(err.Error()); msg != err.Error() {
		return errors.New(msg)
	}
	return err
}

// String hides the password.
func (u DatabaseURL) String() string { return u.Redacted() }

// GoString hides the password from %#v.
func (u DatabaseURL) GoString() string { return u.Redacted() }

// MarshalText hides the password from encoders (JSON logs of a struct
// holding the URL).
func (u DatabaseURL) MarshalText() ([]byte, error) { return []byte(u.Redacted()), nil }

// LogValue hides the password from slog.
func (u DatabaseURL) LogValue() slog.Value { return slog.StringValue(u.Redacted()) }

// Policy is what staff actions require and whom they may touch.
type Policy struct {
	RequireTicket bool
	// ProtectedRoles are the OneLogin roles whose holders only admins may
	// act on; nil means the admin and helpdesk groups (resolved once the
	// groups are known, which in demo mode is in the console).
	ProtectedRoles []string
	// PasswordPolicy checks typed passwords against OneLogin's policy.
	PasswordPolicy bool
	// ViewersSeeHistory shows viewers the helpdesk history panel.
	ViewersSeeHistory bool
	// LockMinutes is the OneLogin policy's lock period (0: none); the lock
	// menu offers nothing shorter.
	LockMinutes int
	// PasswordMinLength is the policy's shortest password (0: unchecked).
	PasswordMinLength int
}

// Quota shares the tenant's OneLogin API quota: budgets of calls per hour
// by role (0: none) and a reserve kept for account actions.
type Quota struct {
	Employee, Viewer, Helpdesk, Admin int
	Reserve                           int
}

// SelfService is what employees may do to their own account.
type SelfService struct {
	UnlocksPerHour int
}

// PublicUnlock is the public unlock page (/unlock): who may use it how
// often, and with which factors. selfunlock takes it as checked here.
type PublicUnlock struct {
	// Enabled serves the page; in demo mode it is on unless
	// HELPDESK_PUBLIC_UNLOCK is set to false.
	Enabled bool
	// Factors are the factor kinds the page accepts, from
	// UnlockFactorNames and "yubikey".
	Factors []string
	// Attempts is how many verifications an account gets within CoolDown.
	Attempts int
	CoolDown time.Duration
	// UnlocksPerDay is how often an account may be unlocked in 24 hours.
	UnlocksPerDay int
	// PerIP is how many requests that cost OneLogin a call or send a
	// code one source address may make in an hour.
	PerIP int
	// QuotaShare is the percentage of the tenant's hourly API quota the
	// page may use.
	QuotaShare int
	// SignInURL is where "Go to sign-in" leads after an unlock; "" is
	// the tenant's own sign-in page.
	SignInURL string
}

// UnlockFactorNames are the factors the public unlock page accepts by
// default; "yubikey" may be added.
var UnlockFactorNames = []string{"protect", "authenticator", "sms", "email"}

// Bulk is bulk jobs (unlock or log out many people from Locked now) and
// how the console spends OneLogin's hourly quota.
type Bulk struct {
	// Max is the most people one job may name; HelpdeskMax the most a
	// helpdesk member's job may (0: only admins start jobs).
	Max, HelpdeskMax int
	// ReservePercent of the hourly quota a job leaves for everyone else.
	ReservePercent int
	// Resume carries on after a restart with jobs the console was running.
	Resume bool
	// QuotaLow is the number of calls left in the hour below which
	// optional reads are skipped.
	QuotaLow int
}

// Directory is the index of the tenant's people (package directory).
type Directory struct {
	// Index keeps and searches the index; false searches OneLogin's API.
	Index bool
	// Sync is how often changes are asked for; Reconcile how often
	// everyone is listed again.
	Sync, Reconcile time.Duration
}

// Ops is logging and metrics.
type Ops struct {
	LogLevel    slog.Level
	MetricsAddr string
	// ReadinessCache is how long a readiness verdict is reused.
	ReadinessCache time.Duration
}

// Secret is a byte string that never prints.
type Secret []byte

// String hides the value.
func (Secret) String() string { return "[redacted]" }

// GoString hides the value from %#v.
func (Secret) GoString() string { return "[redacted]" }

// demoAuditPrefix is the start of every audit file name a demo may write, so
// that a demo pointed at a production trail refuses to start.
const demoAuditPrefix = "demo-"

// Load reads and validates every setting, reporting all problems at once.
// It has no side effects: no file, listener or tenant is created; it only
// reads the files that secret settings name (NAME_FILE).
func Load(getenv func(string) string) (Config, error) {
	p := &parser{set: map[string]bool{}}
	var c Config
	for _, s := range Settings {
		p.cur = s.Name
		raw := strings.TrimSpace(getenv(s.Name))
		if file := s.FileName(); file != "" {
			raw = p.fromFile(s.Name, file, raw, strings.TrimSpace(getenv(file)))
		}
		if raw != "" {
			p.set[s.Name] = true
		} else {
			raw = s.Default
		}
		s.parse(p, &c, raw)
	}
	p.cur = ""
	resolve(p, &c)
	return c, p.err()
}

// resolve derives the defaults that depend on other settings and checks
// the settings against each other.
func resolve(p *parser, c *Config) {
	if c.HTTP.PublicURL == "" {
		c.HTTP.PublicURL = "http://" + c.HTTP.Addr
	}
	if c.Auth.Mode == ModeOIDC && c.Auth.OIDC.RedirectURL == "" {
		c.Auth.OIDC.RedirectURL = c.HTTP.PublicURL + OIDCCallbackPath
	}

	ol := c.OneLogin
	tenant := ol.BaseURL != "" || ol.ClientID != "" || ol.ClientSecret != ""
	if c.Demo {
		resolveDemo(p, c, tenant)
	} else {
		var missing []string
		if ol.BaseURL == "" {
			missing = append(missing, "ONELOGIN_SUBDOMAIN (or ONELOGIN_URL)")
		}
		if ol.ClientID == "" {
			missing = append(missing, "ONELOGIN_CLIENT_ID")
		}
		if ol.ClientSecret == "" && !p.failed("ONELOGIN_CLIENT_SECRET") {
			missing = append(missing, "ONELOGIN_CLIENT_SECRET (or ONELOGIN_CLIENT_SECRET_FILE)")
		}
		if len(missing) > 0 {
			p.failAt("ONELOGIN", "a real tenant needs "+strings.Join(missing, ", ")+
				"; or set HELPDESK_DEMO=true (or run with -demo) to try the console on an embedded fake tenant")
		}
		for _, name := range []string{"HELPDESK_FAKE_SEED", "HELPDESK_FAKE_USERS", "HELPDESK_FAKE_LATENCY", "HELPDESK_FAKE_RATE_LIMIT"} {
			if p.set[name] {
				p.failAt(name, "configures the embedded fake tenant, which only runs with HELPDESK_DEMO=true")
			}
		}
		switch c.Auth.Mode {
		case "":
			p.failAt("HELPDESK_AUTH_MODE", "is required: proxy (behind a signing-in proxy) or oidc (the console signs people in)")
		case ModeDemo:
			p.failAt("HELPDESK_AUTH_MODE", "demo signs anyone in as anyone: it only runs with HELPDESK_DEMO=true")
		}
		if len(c.Session.Keys) == 0 && !p.failed("HELPDESK_SESSION_KEYS") {
			p.failAt("HELPDESK_SESSION_KEYS", "is required (or HELPDESK_SESSION_KEYS_FILE): one or more comma-separated keys of 32+ random bytes, base64 or hex (openssl rand -base64 32)")
		}
		if c.Audit.DB == "" && c.State.DatabaseURL == "" {
			c.Audit.DB = defaultAuditDB
		}
	}

	if c.Demo && !p.set["HELPDESK_PUBLIC_UNLOCK"] {
		c.PublicUnlock.Enabled = true // people in a demo should find it
	}
	if c.PublicUnlock.Enabled && len(c.PublicUnlock.Factors) == 0 && !p.failed("HELPDESK_PUBLIC_UNLOCK_FACTORS") {
		p.failAt("HELPDESK_PUBLIC_UNLOCK_FACTORS", "needs at least one factor when HELPDESK_PUBLIC_UNLOCK is on")
	}

	switch c.Auth.Mode {
	case ModeProxy:
		resolveProxy(p, c.Auth.Proxy)
	case ModeOIDC:
		resolveOIDC(p, c)
	}
	if c.State.DatabaseURL != "" && p.set["HELPDESK_AUDIT_DB"] {
		p.failAt("HELPDESK_AUDIT_DB", "is the SQLite file, but HELPDESK_DATABASE_URL keeps the state in PostgreSQL: unset one of them")
	}
	if c.Bulk.HelpdeskMax > c.Bulk.Max && !p.failed("HELPDESK_BULK_HELPDESK_MAX") && !p.failed("HELPDESK_BULK_MAX") {
		p.failAt("HELPDESK_BULK_HELPDESK_MAX", fmt.Sprintf("(%d) must not exceed HELPDESK_BULK_MAX (%d)", c.Bulk.HelpdeskMax, c.Bulk.Max))
	}
	resolveMail(p, c.Mail)
	if c.Session.IdleTimeout > c.Session.MaxAge {
		p.failAt("HELPDESK_SESSION_IDLE_TIMEOUT", fmt.Sprintf("(%s) must not exceed HELPDESK_SESSION_MAX_AGE (%s)",
			c.Session.IdleTimeout, c.Session.MaxAge))
	}
}

func resolveDemo(p *parser, c *Config, tenant bool) {
	if tenant {
		p.failAt("HELPDESK_DEMO", "runs the embedded fake tenant: unset ONELOGIN_SUBDOMAIN, ONELOGIN_URL, ONELOGIN_CLIENT_ID and ONELOGIN_CLIENT_SECRET, or unset HELPDESK_DEMO to use the real tenant")
	}
	if c.Auth.Mode == "" {
		c.Auth.Mode = ModeDemo
	}
	if c.Auth.OIDC.Issuer == "" {
		// The fake tenant's provider brings its own client; never mix a
		// configured client with it.
		for _, name := range []string{"HELPDESK_OIDC_CLIENT_ID", "HELPDESK_OIDC_CLIENT_SECRET"} {
			if p.set[name] {
				p.failAt(name, "is set without HELPDESK_OIDC_ISSUER; the demo's own provider has its own client")
			}
		}
	}
	if c.State.DatabaseURL != "" {
		if u, err := url.Parse(string(c.State.DatabaseURL)); err == nil && !strings.HasPrefix(strings.TrimPrefix(u.Path, "/"), demoAuditPrefix[:4]) {
			p.failAt("HELPDESK_DATABASE_URL", "in demo mode the database name must start with demo (e.g. .../demo_helpdesk) so that a demo never writes into a real audit trail")
		}
	}
	if c.Audit.DB != "" && !strings.HasPrefix(baseName(c.Audit.DB), demoAuditPrefix) {
		p.failAt("HELPDESK_AUDIT_DB", "in demo mode the file name must start with "+demoAuditPrefix+
			" so that a demo never writes into a real audit trail; unset it for a temporary file")
	}
}

func resolveProxy(p *parser, px Proxy) {
	if len(px.TrustedProxies) == 0 && !p.failed("HELPDESK_TRUSTED_PROXIES") {
		p.failAt("HELPDESK_TRUSTED_PROXIES", "is required in proxy mode (the CIDRs of the proxy in front); nothing is trusted by default")
	}
	if px.JWTHeader == "" {
		return
	}
	for name, v := range map[string]string{
		"HELPDESK_PROXY_JWKS_URL": px.JWKSURL, "HELPDESK_PROXY_JWT_AUDIENCE": px.JWTAudience, "HELPDESK_PROXY_JWT_ISSUER": px.JWTIssuer,
	} {
		if v == "" && !p.failed(name) {
			p.failAt(name, "is required when HELPDESK_PROXY_JWT_HEADER is set")
		}
	}
}

func resolveOIDC(p *parser, c *Config) {
	o := c.Auth.OIDC
	if c.Demo && o.Issuer == "" {
		return // the fake tenant's provider
	}
	if o.Issuer == "" && !p.failed("HELPDESK_OIDC_ISSUER") {
		p.failAt("HELPDESK_OIDC_ISSUER", "is required in oidc mode")
	}
	if o.ClientID == "" {
		p.failAt("HELPDESK_OIDC_CLIENT_ID", "is required in oidc mode")
	}
	if o.ClientSecret == "" && !p.failed("HELPDESK_OIDC_CLIENT_SECRET") {
		p.failAt("HELPDESK_OIDC_CLIENT_SECRET", "is required in oidc mode (or HELPDESK_OIDC_CLIENT_SECRET_FILE)")
	}
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

// Usage is the --help text: every setting with its default.
func Usage() string {
	var b strings.Builder
	b.WriteString("OneLogin Helpdesk: a web console for a OneLogin tenant's accounts.\n\n")
	b.WriteString("Usage: helpdesk [-demo] [-healthcheck]\n\n")
	b.WriteString("  -demo         run on an embedded fake tenant with demo sign-in (same as HELPDESK_DEMO=true)\n")
	b.WriteString("  -healthcheck  check that a console on HELPDESK_ADDR answers /healthz, then exit\n\n")
	b.WriteString("Every setting comes from the environment:\n\n")
	for _, s := range Settings {
		def := s.Default
		if def == "" {
			def = "(unset)"
		}
		fmt.Fprintf(&b, "  %s\n      %s\n      default: %s\n", s.Name, s.Help, def)
		if f := s.FileName(); f != "" {
			fmt.Fprintf(&b, "  %s\n      %s\n      default: (unset)\n", f, s.FileHelp())
		}
	}
	return b.String()
}
