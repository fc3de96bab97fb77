// Package staffauth decides who is using the console and protects what they
// do: it resolves the signed-in person (from a trusted proxy, from its own
// OpenID Connect sign-in, or from the demo persona switcher), maps their
// groups to a role, keeps their session (the cookie carries a random token,
// the session lives in a sessions.Store shared by the replicas, so signing
// out or an admin's revocation ends it everywhere), derives the role again
// every RoleRecheck, checks CSRF on every state-changing request and sets
// the security headers.
//
// Wiring into Echo, in the order the console's middleware runs:
//
//	cfg := staffauth.Config{Mode: staffauth.config.ModeOIDC, ...} // from package config
//	auth, err := staffauth.New(cfg, logger, staffauth.WithSessionStore(store))
//	e.IPExtractor = auth.IPExtractor()
//	auth.Routes(e) // /auth/login, /auth/callback, /auth/demo, /auth/logout, /auth/signed-out
//	app := e.Group("", staffauth.SecurityHeaders(cfg), auth.Middleware(), auth.CSRF())
//	app.GET("/users", func(c echo.Context) error {
//		me, _ := staffauth.IdentityFrom(c.Request().Context())
//		token := staffauth.CSRFToken(c.Request().Context()) // for forms and hx-headers
//		...
//	})
//
// Unsigned-in requests get a redirect to sign-in (a GET), an HX-Redirect
// header (an htmx request) or 401; in proxy mode always 401, except 400 for
// a request that repeats an identity header.
package staffauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/config"
	staff "onelogin-helpdesk/sessions"
)

// Auth is the configured sign-in machinery. It is safe for concurrent use.
type Auth struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	http     *http.Client
	cookies  *cookieJar
	store    staff.Store
	blocks   staff.Blocks // proxy mode: who an admin's revocation keeps out
	jwt      *jwtVerifier // proxy mode with a signed assertion
	oidc     *oidcClient  // oidc mode
	personas map[string]Persona
	groups   access.StaffGroups
}

// Option adjusts an Auth, mostly for tests.
type Option func(*Auth)

// WithClock sets the clock for session timeouts and token expiry.
func WithClock(now func() time.Time) Option { return func(a *Auth) { a.now = now } }

// WithSessionStore keeps sessions in st: the console's state store, shared
// by its replicas. The default keeps them in this process's memory.
func WithSessionStore(st staff.Store) Option { return func(a *Auth) { a.store = st } }

// WithHTTPClient sets the client used to reach the OIDC provider and the
// proxy's JWKS. The default has a 10 s timeout.
func WithHTTPClient(c *http.Client) Option { return func(a *Auth) { a.http = c } }

// New builds an Auth from a Config that package config checked and the
// console completed. A Config without a sign-in mode, demo sign-in without
// personas, or no session key is refused.
func New(cfg Config, logger *slog.Logger, opts ...Option) (*Auth, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("staffauth: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &Auth{cfg: cfg, log: logger, now: time.Now, http: &http.Client{Timeout: 10 * time.Second}, groups: StaffGroups(cfg.Auth)}
	for _, o := range opts {
		o(a)
	}
	keys := make([][]byte, len(cfg.Session.Keys))
	for i, k := range cfg.Session.Keys {
		keys[i] = k
	}
	a.cookies = newCookieJar(keys, cfg.Session.MaxAge)
	if a.store == nil {
		// Sessions outlive a request and must reach every replica: the
		// console's state store keeps them, never a map nobody chose.
		return nil, errors.New("staffauth: no session store (WithSessionStore)")
	}
	switch cfg.Auth.Mode {
	case config.ModeProxy:
		// Ending a proxy-mode session signs nobody out: the proxy's
		// headers would begin a new one at once. A revocation blocks.
		b, ok := a.store.(staff.Blocks)
		if !ok {
			return nil, errors.New("staffauth: proxy mode needs a session store that keeps blocks (sessions.Blocks)")
		}
		a.blocks = b
		if cfg.Auth.Proxy.JWTHeader != "" {
			a.jwt = newJWTVerifier(a.cfg, a.http, a.clock, logger)
		}
	case config.ModeOIDC:
		a.oidc = newOIDCClient(cfg, a.http, a.clock)
	case config.ModeDemo:
		a.personas = map[string]Persona{}
		for _, p := range cfg.DemoPersonas {
			a.personas[p.Key] = p
		}
	}
	return a, nil
}

// Close stops the scheduled refresh of the proxy's JWKS. The Auth keeps
// working: an unknown key id still fetches the key set. It is safe to call
// more than once, and on an Auth that has nothing to stop.
func (a *Auth) Close() {
	if a.jwt != nil {
		a.jwt.close()
	}
}

// clock indirects through a.now so WithClock applies to helpers built in
// New before or after the option.
func (a *Auth) clock() time.Time { return a.now() }

// Mode is the configured mode.
func (a *Auth) Mode() config.AuthMode { return a.cfg.Auth.Mode }

// SignOutURL is where a sign-out form posts (with its CSRF token). In
// proxy mode too: it ends the console's session, then sends the browser to
// the proxy's own sign-out (ProxySignOutURL) when one is configured.
func (a *Auth) SignOutURL() string { return logoutPath }

// The routes Auth serves.
const (
	authPrefix    = "/auth/"
	loginPath     = "/auth/login"
	callbackPath  = "/auth/callback"
	demoPath      = "/auth/demo"
	logoutPath    = "/auth/logout"
	signedOutPath = "/auth/signed-out"
)

type identityKey struct{}

// IdentityFrom returns the signed-in person that Middleware resolved.
func IdentityFrom(ctx context.Context) (access.Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(access.Identity)
	return id, ok
}

// WithIdentity returns ctx carrying id, as Middleware does. Tests of other
// packages use it to act as someone.
func WithIdentity(ctx context.Context, id access.Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// Middleware resolves the signed-in person and puts them in the request's
// context (IdentityFrom). Requests under /auth/ pass untouched, so the
// middleware may also be installed globally.
func (a *Auth) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if strings.HasPrefix(r.URL.Path, authPrefix) {
				return next(c)
			}
			var id access.Identity
			var err error
			if a.cfg.Auth.Mode == config.ModeProxy {
				id, err = a.proxyIdentity(r)
			} else {
				id, err = a.sessionIdentity(c)
			}
			if err != nil {
				return a.challenge(c, err)
			}
			c.SetRequest(r.WithContext(WithIdentity(r.Context(), id)))
			return next(c)
		}
	}
}

// errStoreUnavailable answers every request that needs a session while the
// session store does not answer: nobody is let in on a guess.
var errStoreUnavailable = echo.NewHTTPError(http.StatusServiceUnavailable,
	"Sign-in cannot be checked just now. Try again in a minute; if it persists, tell whoever runs the console.")

// errSignedOut is the quiet case of no identity: no session, or it ended.
var errSignedOut = errors.New("not signed in")

// challenge answers a request without a usable identity.
func (a *Auth) challenge(c echo.Context, reason error) error {
	r := c.Request()
	if errors.Is(reason, errSessionStore) {
		return errStoreUnavailable
	}
	login := loginPath + "?"
	if errors.Is(reason, errRecheck) {
		// The provider is asked first without a page (prompt=none).
		login += "reauth=1&"
	}
	if !errors.Is(reason, errSignedOut) && !errors.Is(reason, errRecheck) {
		a.log.LogAttrs(r.Context(), slog.LevelWarn, "sign-in refused",
			slog.String("mode", string(a.cfg.Auth.Mode)), slog.String("reason", reason.Error()),
			slog.String("peer", r.RemoteAddr), slog.String("path", r.URL.Path))
	}
	if rep := (*repeatedHeaderError)(nil); errors.As(reason, &rep) {
		return echo.NewHTTPError(http.StatusBadRequest, "Your request carried conflicting sign-in details. Reload the page; if it persists, contact whoever runs the console.")
	}
	if a.cfg.Auth.Mode == config.ModeProxy {
		return echo.NewHTTPError(http.StatusUnauthorized, "Your sign-in could not be confirmed. Reload the page; if it persists, contact whoever runs the console.")
	}
	if r.Header.Get("HX-Request") == "true" {
		next := "/"
		if u, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil {
			next = localPath(u.RequestURI())
		}
		c.Response().Header().Set("HX-Redirect", login+"next="+url.QueryEscape(next))
		return c.NoContent(http.StatusUnauthorized)
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return c.Redirect(http.StatusFound, login+"next="+url.QueryEscape(localPath(r.URL.RequestURI())))
	}
	return echo.NewHTTPError(http.StatusUnauthorized, "Your session has ended. Sign in again.")
}

// localPath keeps a post-sign-in destination on this site: anything that is
// not a plain absolute path becomes "/", so "next" cannot be an open
// redirect.
func localPath(p string) string {
	if p == "" || p[0] != '/' || len(p) > 2048 || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.HasPrefix(p, authPrefix) || strings.ContainsAny(p, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return p
}

// IPExtractor gives Echo the client's address: X-Forwarded-For is believed
// only hop by hop through TrustedProxies, so a client cannot choose the
// source IP that the audit trail records.
func (a *Auth) IPExtractor() echo.IPExtractor {
	return func(r *http.Request) string {
		peer, ok := peerAddr(r)
		if !ok {
			return r.RemoteAddr
		}
		if !a.trusted(peer) {
			return peer.String()
		}
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				return peer.String()
			}
			ip = ip.Unmap()
			if !a.trusted(ip) {
				return ip.String()
			}
			peer = ip
		}
		return peer.String()
	}
}

// peerAddr is the TCP peer of the request: never a header.
func peerAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, err := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap(), err == nil
	}
	return ap.Addr().Unmap(), true
}

func (a *Auth) trusted(ip netip.Addr) bool {
	for _, p := range a.cfg.Auth.Proxy.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// scheme is the scheme the browser used. A forwarded proto is believed from
// anyone: a forged one only changes the answer to the forger's own request.
func (a *Auth) scheme(r *http.Request) string {
	if r.TLS != nil || a.cfg.Session.SecureCookies {
		return "https"
	}
	if p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ","); strings.EqualFold(strings.TrimSpace(p), "https") {
		return "https"
	}
	return "http"
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
