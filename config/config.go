// Package config reads the console's settings from the environment,
// validates them all at once and documents them. Every setting is declared
// once in Settings, which also feeds --help and the README's table:
//
//	cfg, err := config.Load(os.Getenv)
//	if err != nil {
//		fmt.Fprintln(os.Stderr, err) // lists every problem
//		os.Exit(2)
//	}
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Setting documents one environment variable.
type Setting struct {
	Name    string
	Default string // as the person would type it; "" means unset
	Help    string
}

// Settings is every variable the console reads, in the order --help and the
// README show them. Auth settings that package staffauth parses are listed
// here too, so that nothing is read that is not documented (a test checks).
var Settings = []Setting{
	{"HELPDESK_ADDR", "127.0.0.1:8080", "Address the console listens on."},
	{"HELPDESK_PUBLIC_URL", "", "URL people use to reach the console (for OIDC redirects and origin checks); default http://HELPDESK_ADDR."},
	{"ONELOGIN_SUBDOMAIN", "", "OneLogin tenant subdomain: https://<subdomain>.onelogin.com. Unset (with ONELOGIN_URL) starts the embedded fake tenant."},
	{"ONELOGIN_URL", "", "Full OneLogin base URL; overrides ONELOGIN_SUBDOMAIN (regional hosts, proxies)."},
	{"ONELOGIN_CLIENT_ID", "", "OneLogin API credential client id (Manage All scope for every action)."},
	{"ONELOGIN_CLIENT_SECRET", "", "OneLogin API credential secret. Never logged or shown."},
	{"ONELOGIN_TIMEOUT", "10s", "Deadline for each OneLogin call."},
	{"HELPDESK_BREAKER_FAILURES", "5", "Consecutive OneLogin failures (no answer or 5xx) after which the console stops calling it for a while; 0 never stops."},
	{"HELPDESK_BREAKER_OPEN", "10s", "How long the console stops calling a failing OneLogin before trying one call again."},
	{"HELPDESK_FAKE_SEED", "1", "Seed of the embedded fake tenant (demo mode)."},
	{"HELPDESK_FAKE_USERS", "2000", "Number of people in the embedded fake tenant."},
	{"HELPDESK_FAKE_LATENCY", "0s", "Latency the embedded fake tenant adds to every call (benchmarks)."},
	{"HELPDESK_FAKE_RATE_LIMIT", "5000", "API calls per hour the embedded fake tenant allows, like OneLogin's quota (raise it for benchmarks)."},
	{"HELPDESK_AUTH_MODE", "demo with the fake tenant", "How staff are identified: proxy, oidc, or demo (fake tenant only)."},
	{"HELPDESK_TRUSTED_PROXIES", "", "proxy mode: comma-separated CIDRs whose identity headers are believed."},
	{"HELPDESK_PROXY_EMAIL_HEADER", "X-Forwarded-Email", "proxy mode: header with the person's email."},
	{"HELPDESK_PROXY_USER_HEADER", "X-Forwarded-User", "proxy mode: header with the person's name or user id."},
	{"HELPDESK_PROXY_GROUPS_HEADER", "X-Forwarded-Groups", "proxy mode: header with comma-separated groups."},
	{"HELPDESK_PROXY_JWT_HEADER", "", "proxy mode: header carrying a signed identity assertion (JWT) to verify."},
	{"HELPDESK_PROXY_JWKS_URL", "", "proxy mode: JWKS URL for the assertion's keys."},
	{"HELPDESK_PROXY_JWT_AUDIENCE", "", "proxy mode: expected audience of the assertion."},
	{"HELPDESK_PROXY_JWT_ISSUER", "", "proxy mode: expected issuer of the assertion."},
	{"HELPDESK_PROXY_JWT_GROUPS_CLAIM", "groups", "proxy mode: claim holding the groups."},
	{"HELPDESK_OIDC_ISSUER", "", "oidc mode: issuer URL; default the fake tenant's provider in demo setups."},
	{"HELPDESK_OIDC_CLIENT_ID", "", "oidc mode: client id."},
	{"HELPDESK_OIDC_CLIENT_SECRET", "", "oidc mode: client secret. Never logged or shown."},
	{"HELPDESK_OIDC_REDIRECT_URL", "", "oidc mode: callback URL; default HELPDESK_PUBLIC_URL/auth/callback."},
	{"HELPDESK_OIDC_GROUPS_CLAIM", "groups", "oidc mode: ID-token claim holding the groups."},
	{"HELPDESK_ADMIN_GROUPS", "", "Groups whose members are admins (comma-separated)."},
	{"HELPDESK_HELPDESK_GROUPS", "", "Groups whose members are helpdesk staff."},
	{"HELPDESK_VIEWER_GROUPS", "", "Groups whose members may search and read."},
	{"HELPDESK_SESSION_KEYS", "", "Comma-separated session keys (base64 or hex, 32+ bytes); the first signs, all verify. Generated in demo mode."},
	{"HELPDESK_SECURE_COOKIES", "false", "Mark cookies Secure even without TLS (behind a TLS-terminating proxy)."},
	{"HELPDESK_SESSION_IDLE_TIMEOUT", "30m", "Sign out after this long without a request."},
	{"HELPDESK_SESSION_MAX_AGE", "12h", "Sign out this long after sign-in, whatever happens."},
	{"HELPDESK_FRAME_ANCESTORS", "'none'", "Content-Security-Policy frame-ancestors: who may embed the console."},
	{"HELPDESK_AUDIT_DB", "helpdesk-audit.db", "Path of the SQLite audit trail."},
	{"HELPDESK_REQUIRE_TICKET", "false", "Require a ticket or reason on sensitive actions."},
	{"HELPDESK_SELF_UNLOCKS_PER_HOUR", "3", "How often an employee may unlock their own account per hour."},
	{"HELPDESK_TIMEZONE", "UTC", "Time zone for times shown on pages (IANA name)."},
	{"HELPDESK_LOG_LEVEL", "info", "Log level: debug, info, warn, error."},
	{"HELPDESK_METRICS_ADDR", "", "Serve /metrics on this separate address; unset serves it on the main one."},
}

// Config is the validated configuration.
type Config struct {
	Addr      string
	PublicURL string

	// OneLogin is the real tenant; a zero BaseURL means the embedded fake.
	OneLogin OneLogin
	Fake     Fake
	Breaker  Breaker

	// Auth holds the raw auth settings for staffauth.ConfigFromEnv, which
	// owns their meaning; AuthMode is resolved here because it decides what
	// the rest of the process does.
	AuthMode string
	Env      func(string) string

	AuditDB            string
	RequireTicket      bool
	SelfUnlocksPerHour int
	Location           *time.Location
	LogLevel           slog.Level
	MetricsAddr        string
}

// OneLogin is the API credential and where to use it.
type OneLogin struct {
	BaseURL      string
	ClientID     string
	ClientSecret string
	Timeout      time.Duration
}

// String hides the secret.
func (o OneLogin) String() string {
	return fmt.Sprintf("OneLogin{BaseURL:%s ClientID:%s ClientSecret:redacted}", o.BaseURL, o.ClientID)
}

// Breaker configures the circuit breaker in front of OneLogin.
type Breaker struct {
	Failures int // 0: never open
	OpenFor  time.Duration
}

// Fake configures the embedded fake tenant.
type Fake struct {
	Seed      int64
	Users     int
	Latency   time.Duration
	RateLimit int // calls per hour
}

// UsesFake reports whether the console runs on the embedded fake tenant.
func (c Config) UsesFake() bool { return c.OneLogin.BaseURL == "" }

// Load reads and validates every setting, reporting all problems at once.
func Load(getenv func(string) string) (Config, error) {
	p := parser{getenv: getenv}
	c := Config{Env: p.get}
	c.Addr = p.str("HELPDESK_ADDR")
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		p.fail("HELPDESK_ADDR", "must be host:port, e.g. 127.0.0.1:8080")
	}
	c.PublicURL = strings.TrimSuffix(p.str("HELPDESK_PUBLIC_URL"), "/")
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	} else if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail("HELPDESK_PUBLIC_URL", "must be an absolute http(s) URL")
	}

	c.OneLogin.BaseURL = p.str("ONELOGIN_URL")
	if c.OneLogin.BaseURL == "" {
		if sub := p.str("ONELOGIN_SUBDOMAIN"); sub != "" {
			if strings.ContainsAny(sub, "./:") {
				p.fail("ONELOGIN_SUBDOMAIN", "must be the bare subdomain (acme for acme.onelogin.com); use ONELOGIN_URL for a full URL")
			}
			c.OneLogin.BaseURL = "https://" + sub + ".onelogin.com"
		}
	} else if u, err := url.Parse(c.OneLogin.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail("ONELOGIN_URL", "must be an absolute http(s) URL")
	}
	c.OneLogin.ClientID = p.str("ONELOGIN_CLIENT_ID")
	c.OneLogin.ClientSecret = p.str("ONELOGIN_CLIENT_SECRET")
	c.OneLogin.Timeout = p.duration("ONELOGIN_TIMEOUT")
	switch {
	case c.OneLogin.BaseURL != "" && (c.OneLogin.ClientID == "" || c.OneLogin.ClientSecret == ""):
		p.fail("ONELOGIN_CLIENT_ID", "ONELOGIN_CLIENT_ID and ONELOGIN_CLIENT_SECRET are required with a real tenant")
	case c.OneLogin.BaseURL == "" && (c.OneLogin.ClientID != "" || c.OneLogin.ClientSecret != ""):
		p.fail("ONELOGIN_SUBDOMAIN", "credentials are set but no tenant: set ONELOGIN_SUBDOMAIN or ONELOGIN_URL")
	}

	c.Breaker.Failures = p.integer("HELPDESK_BREAKER_FAILURES", 0, 1000)
	c.Breaker.OpenFor = p.duration("HELPDESK_BREAKER_OPEN")
	if c.Breaker.OpenFor == 0 {
		p.fail("HELPDESK_BREAKER_OPEN", "must be longer than 0s; set HELPDESK_BREAKER_FAILURES=0 to turn the breaker off")
	}

	c.Fake.Seed = int64(p.integer("HELPDESK_FAKE_SEED", 0, 1<<31))
	c.Fake.Users = p.integer("HELPDESK_FAKE_USERS", 10, 100000)
	c.Fake.Latency = p.duration("HELPDESK_FAKE_LATENCY")
	c.Fake.RateLimit = p.integer("HELPDESK_FAKE_RATE_LIMIT", 1, 1<<30)

	c.AuthMode = p.get("HELPDESK_AUTH_MODE")
	switch {
	case c.AuthMode == "" && c.UsesFake():
		c.AuthMode = "demo"
	case c.AuthMode == "":
		p.fail("HELPDESK_AUTH_MODE", "must be proxy or oidc with a real tenant")
	case c.AuthMode == "demo" && !c.UsesFake():
		p.fail("HELPDESK_AUTH_MODE", "demo mode signs anyone in as anyone: it only runs with the embedded fake tenant")
	case c.AuthMode != "demo" && c.AuthMode != "proxy" && c.AuthMode != "oidc":
		p.fail("HELPDESK_AUTH_MODE", "must be proxy, oidc or demo")
	}

	c.AuditDB = p.str("HELPDESK_AUDIT_DB")
	c.RequireTicket = p.boolean("HELPDESK_REQUIRE_TICKET")
	c.SelfUnlocksPerHour = p.integer("HELPDESK_SELF_UNLOCKS_PER_HOUR", 0, 1000)
	if tz := p.str("HELPDESK_TIMEZONE"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			p.fail("HELPDESK_TIMEZONE", "unknown time zone "+strconv.Quote(tz))
		}
		c.Location = loc
	}
	if err := c.LogLevel.UnmarshalText([]byte(p.str("HELPDESK_LOG_LEVEL"))); err != nil {
		p.fail("HELPDESK_LOG_LEVEL", "must be debug, info, warn or error")
	}
	c.MetricsAddr = p.str("HELPDESK_METRICS_ADDR")
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			p.fail("HELPDESK_METRICS_ADDR", "must be host:port")
		}
	}
	return c, p.err()
}

// parser reads settings with their defaults and collects every problem.
type parser struct {
	getenv   func(string) string
	problems []string
}

var defaults = func() map[string]string {
	m := make(map[string]string, len(Settings))
	for _, s := range Settings {
		m[s.Name] = s.Default
	}
	return m
}()

// get returns the raw value without applying a default; it is what other
// packages (staffauth) read their settings through.
func (p *parser) get(name string) string { return strings.TrimSpace(p.getenv(name)) }

// str returns the value or its documented default.
func (p *parser) str(name string) string {
	if v := p.get(name); v != "" {
		return v
	}
	return defaults[name]
}

func (p *parser) fail(name, msg string) { p.problems = append(p.problems, name+": "+msg) }

func (p *parser) duration(name string) time.Duration {
	d, err := time.ParseDuration(p.str(name))
	if err != nil || d < 0 {
		p.fail(name, "must be a duration such as 30s or 5m")
	}
	return d
}

func (p *parser) integer(name string, min, max int) int {
	n, err := strconv.Atoi(p.str(name))
	if err != nil || n < min || n > max {
		p.fail(name, fmt.Sprintf("must be a whole number from %d to %d", min, max))
	}
	return n
}

func (p *parser) boolean(name string) bool {
	b, err := strconv.ParseBool(p.str(name))
	if err != nil {
		p.fail(name, "must be true or false")
	}
	return b
}

func (p *parser) err() error {
	if len(p.problems) == 0 {
		return nil
	}
	return errors.New("configuration problems:\n  " + strings.Join(p.problems, "\n  "))
}

// Usage is the --help text: every setting with its default.
func Usage() string {
	var b strings.Builder
	b.WriteString("OneLogin Helpdesk: a web console for a OneLogin tenant's accounts.\n\n")
	b.WriteString("Usage: helpdesk [-healthcheck]\n\nEvery setting comes from the environment:\n\n")
	for _, s := range Settings {
		def := s.Default
		if def == "" {
			def = "(unset)"
		}
		fmt.Fprintf(&b, "  %s\n      %s\n      default: %s\n", s.Name, s.Help, def)
	}
	return b.String()
}

// MarkdownTable renders Settings as the README's configuration table.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| Variable | Default | Meaning |\n|---|---|---|\n")
	for _, s := range Settings {
		def := s.Default
		if def != "" {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", s.Name, def, s.Help)
	}
	return b.String()
}
