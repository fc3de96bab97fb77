package staffauth

import (
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/config"
)

// Mode is how the console learns who is signed in.
type Mode string

// The modes.
const (
	// ModeProxy believes identity headers (or a signed assertion) set by a
	// trusted reverse proxy in front of the console.
	ModeProxy Mode = "proxy"
	// ModeOIDC signs people in itself with OpenID Connect.
	ModeOIDC Mode = "oidc"
	// ModeDemo offers a persona switcher; it only runs on the fake tenant.
	ModeDemo Mode = "demo"
)

// Persona is someone the demo mode can sign in as.
type Persona struct {
	Key    string // short name in the form: admin, helpdesk, viewer, employee
	Email  string
	Name   string
	Groups []string
	// Role, when set, is the persona's role; otherwise it follows from
	// Groups through the group settings like everyone else's.
	Role access.Role
}

// DefaultPersonas are the demo personas when main gives none. Main should
// give personas whose emails exist in the fake tenant, so that self-service
// works for the employee.
func DefaultPersonas() []Persona {
	return []Persona{
		{Key: "admin", Email: "admin@example.com", Name: "Ada Admin", Role: access.RoleAdmin},
		{Key: "helpdesk", Email: "helpdesk@example.com", Name: "Hal Helpdesk", Role: access.RoleHelpdesk},
		{Key: "viewer", Email: "viewer@example.com", Name: "Vera Viewer", Role: access.RoleViewer},
		{Key: "employee", Email: "employee@example.com", Name: "Emil Employee", Role: access.RoleEmployee},
	}
}

// Config is every auth setting; the console builds it from the typed
// configuration, tests directly.
type Config struct {
	Mode Mode
	// PublicURL is the console's own origin as people reach it (no trailing
	// slash). Requests whose Origin matches it pass the CSRF origin check
	// even when a proxy rewrote the Host header.
	PublicURL string

	// TrustedProxies are the peers (by TCP address) whose identity headers
	// and X-Forwarded-For are believed. Empty trusts nobody.
	TrustedProxies []netip.Prefix
	EmailHeader    string
	UserHeader     string
	GroupsHeader   string

	// Signed assertion from the proxy. When JWTHeader is set, the identity
	// comes from that verified JWT only and the plain headers are ignored.
	JWTHeader      string
	JWKSURL        string
	JWTAudience    string
	JWTIssuer      string
	JWTGroupsClaim string
	JWTLeeway      time.Duration // clock skew allowed on exp/nbf
	// JWKSRefresh is how often the JWKS is fetched again, so that a key
	// the provider removes stops verifying within it. Zero means
	// DefaultJWKSRefresh; it must be at least a minute.
	JWKSRefresh time.Duration

	OIDCIssuer       string
	OIDCClientID     string
	OIDCClientSecret string
	OIDCRedirectURL  string
	OIDCGroupsClaim  string
	OIDCScopes       []string

	// SessionKeys sign and encrypt the session cookie. The first key is used
	// for new cookies; every key is tried when reading, so a key can be
	// retired by moving it to the end for one session lifetime.
	SessionKeys     [][]byte
	SecureCookies   bool
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	// RoleRecheck is how long a session's role is believed: after it, demo
	// mode derives it again and oidc mode sends the person through the
	// provider (prompt=none first). Proxy mode reads it on every request.
	// Zero means DefaultRoleRecheck.
	RoleRecheck time.Duration
	// ProxySignOutURL is where proxy mode's sign-out sends the browser
	// after ending the console's session (oauth2-proxy: /oauth2/sign_out).
	ProxySignOutURL string

	AdminGroups    []string
	HelpdeskGroups []string
	ViewerGroups   []string
	// GroupsSeparator splits group names that arrive as one string: the
	// proxy's groups header, and a groups claim (assertion or ID token)
	// given as a string rather than a list. Empty means ","; set another
	// for an IdP whose group names contain commas, such as LDAP DNs.
	GroupsSeparator string
	// GroupsCaseInsensitive compares group names ignoring the case of
	// A-Z only. The zero value compares them exactly. Unicode case folding
	// is never used (see RoleFor).
	GroupsCaseInsensitive bool

	// FrameAncestors is the CSP frame-ancestors source list.
	FrameAncestors []string
	// ImgSources are added to the CSP img-src, e.g. the OneLogin base URL
	// origin that app icons come from.
	ImgSources []string
	// MaxBodyBytes caps request bodies; 0 means 1 MiB.
	MaxBodyBytes int64

	DemoPersonas []Persona
	// UnlockURL, when set, is the public unlock page the sign-in pages
	// link to as "Locked out?".
	UnlockURL string
	// DemoTenant marks every sign-in page as a demo: the console runs on
	// the embedded fake tenant.
	DemoTenant bool
}

// Defaults used when a setting is unset.
const (
	DefaultEmailHeader     = "X-Forwarded-Email"
	DefaultUserHeader      = "X-Forwarded-User"
	DefaultGroupsHeader    = "X-Forwarded-Groups"
	DefaultGroupsClaim     = "groups"
	DefaultGroupsSeparator = ","
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
	DefaultRoleRecheck     = 15 * time.Minute
	DefaultJWTLeeway       = 30 * time.Second
	DefaultJWKSRefresh     = 15 * time.Minute
	DefaultMaxBodyBytes    = 1 << 20
	minKeyLen              = 32
)

// DefaultScopes are asked of the OIDC provider.
var defaultScopes = []string{"openid", "email", "profile", "groups"}

// LogValue keeps the client secret and session keys out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("mode", string(c.Mode)),
		slog.Int("trusted_proxies", len(c.TrustedProxies)),
		slog.String("jwt_header", c.JWTHeader),
		slog.String("oidc_issuer", c.OIDCIssuer),
		slog.String("oidc_client_id", c.OIDCClientID),
		slog.Int("session_keys", len(c.SessionKeys)),
		slog.Duration("idle_timeout", c.IdleTimeout),
		slog.Duration("absolute_timeout", c.AbsoluteTimeout),
	)
}

// String is LogValue's text, so a Config printed with %v hides secrets too.
func (c Config) String() string { return c.LogValue().String() }

// withDefaults fills unset fields.
func (c Config) withDefaults() Config {
	if c.Mode == "" {
		c.Mode = ModeDemo
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.EmailHeader, DefaultEmailHeader)
	def(&c.UserHeader, DefaultUserHeader)
	def(&c.GroupsHeader, DefaultGroupsHeader)
	def(&c.JWTGroupsClaim, DefaultGroupsClaim)
	def(&c.OIDCGroupsClaim, DefaultGroupsClaim)
	def(&c.GroupsSeparator, DefaultGroupsSeparator)
	if c.JWTLeeway == 0 {
		c.JWTLeeway = DefaultJWTLeeway
	}
	if c.JWKSRefresh == 0 {
		c.JWKSRefresh = DefaultJWKSRefresh
	}
	if len(c.OIDCScopes) == 0 {
		c.OIDCScopes = defaultScopes
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.AbsoluteTimeout == 0 {
		c.AbsoluteTimeout = DefaultAbsoluteTimeout
	}
	if c.RoleRecheck == 0 {
		c.RoleRecheck = DefaultRoleRecheck
	}
	if len(c.FrameAncestors) == 0 {
		c.FrameAncestors = []string{"'none'"}
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Mode == ModeDemo && len(c.DemoPersonas) == 0 {
		c.DemoPersonas = DefaultPersonas()
	}
	return c
}

// Validate reports every problem with a config (after defaults), each
// naming the environment variable to fix. New calls it.
func (c Config) Validate() []error {
	c = c.withDefaults()
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}
	switch c.Mode {
	case ModeProxy:
		if len(c.TrustedProxies) == 0 {
			bad("HELPDESK_TRUSTED_PROXIES", "is required in proxy mode (the CIDRs of the proxy in front); nothing is trusted by default")
		}
		if c.JWTHeader != "" {
			if c.JWKSURL == "" {
				bad("HELPDESK_PROXY_JWKS_URL", "is required when HELPDESK_PROXY_JWT_HEADER is set")
			} else if !isHTTPURL(c.JWKSURL) {
				bad("HELPDESK_PROXY_JWKS_URL", "must be an absolute http(s) URL")
			}
			if c.JWTAudience == "" {
				bad("HELPDESK_PROXY_JWT_AUDIENCE", "is required when HELPDESK_PROXY_JWT_HEADER is set")
			}
			if c.JWTIssuer == "" {
				bad("HELPDESK_PROXY_JWT_ISSUER", "is required when HELPDESK_PROXY_JWT_HEADER is set")
			}
			if c.JWKSRefresh < jwksRefetchInterval {
				bad("HELPDESK_PROXY_JWKS_REFRESH", "must be at least %s", jwksRefetchInterval)
			}
		}
	case ModeOIDC:
		if c.OIDCIssuer == "" {
			bad("HELPDESK_OIDC_ISSUER", "is required in oidc mode")
		} else if !isHTTPURL(c.OIDCIssuer) {
			bad("HELPDESK_OIDC_ISSUER", "must be an absolute http(s) URL")
		}
		if c.OIDCClientID == "" {
			bad("HELPDESK_OIDC_CLIENT_ID", "is required in oidc mode")
		}
		if c.OIDCClientSecret == "" {
			bad("HELPDESK_OIDC_CLIENT_SECRET", "is required in oidc mode")
		}
		if c.OIDCRedirectURL == "" {
			bad("HELPDESK_OIDC_REDIRECT_URL", "is required in oidc mode (or set HELPDESK_PUBLIC_URL)")
		} else if u, err := url.Parse(c.OIDCRedirectURL); err != nil || !isHTTPURL(c.OIDCRedirectURL) || u.Path != callbackPath {
			bad("HELPDESK_OIDC_REDIRECT_URL", "must be an absolute http(s) URL ending in %s", callbackPath)
		}
	case ModeDemo:
		for i, p := range c.DemoPersonas {
			if p.Key == "" || p.Email == "" {
				bad("demo personas", "persona %d needs a key and an email", i+1)
			}
		}
	default:
		bad("HELPDESK_AUTH_MODE", "must be proxy, oidc or demo, not %q", c.Mode)
	}
	if len(c.SessionKeys) == 0 && c.Mode != ModeDemo {
		bad("HELPDESK_SESSION_KEYS", "is required outside demo mode: one or more comma-separated keys of 32+ random bytes, base64 or hex (openssl rand -base64 32)")
	}
	for i, k := range c.SessionKeys {
		if len(k) < minKeyLen {
			bad("HELPDESK_SESSION_KEYS", "key %d is %d bytes; at least %d are needed", i+1, len(k), minKeyLen)
		}
	}
	if c.IdleTimeout < 0 || c.AbsoluteTimeout < 0 {
		bad("HELPDESK_SESSION_IDLE_TIMEOUT", "timeouts must be positive")
	}
	if c.IdleTimeout > c.AbsoluteTimeout {
		bad("HELPDESK_SESSION_IDLE_TIMEOUT", "(%s) must not exceed HELPDESK_SESSION_MAX_AGE (%s)", c.IdleTimeout, c.AbsoluteTimeout)
	}
	for _, fa := range c.FrameAncestors {
		if !config.ValidSource(fa) {
			bad("HELPDESK_FRAME_ANCESTORS", "%q is not a CSP source ('none', 'self', or an origin such as https://intranet.example.com)", fa)
		}
	}
	for _, s := range c.ImgSources {
		if !config.ValidSource(s) {
			bad("img sources", "%q is not a CSP source", s)
		}
	}
	if c.PublicURL != "" && !isHTTPURL(c.PublicURL) {
		bad("HELPDESK_PUBLIC_URL", "must be an absolute http(s) URL")
	}
	return errs
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// origin returns scheme://host of an absolute URL, or "".
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}
