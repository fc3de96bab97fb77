// Package console assembles the running console from its configuration:
// the OneLogin client (or the embedded fake tenant and its OIDC provider),
// staff sign-in, the audit trail and the handlers. main and the browser
// tests build the same thing through it:
//
//	cfg, _ := config.Load(os.Getenv)
//	app, err := console.New(cfg, logger)
//	defer app.Close()
//	http.Serve(listener, app.Handler())
package console

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/client/onelogintest"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/staffauth"
	"onelogin-helpdesk/staffauth/oidctest"
)

// App is an assembled console.
type App struct {
	handler http.Handler
	metrics http.Handler
	fake    *onelogintest.Server
	client  *client.Client
	trail   audit.Store
	ops     *ops
}

// fakeOIDCClientID is the console's registration with the fake tenant's
// OIDC provider; its secret is random per process.
const fakeOIDCClientID = "onelogin-helpdesk"

// fakeCallRecord is how many calls the embedded fake remembers: enough to
// look back over a test or a demo session, and a tenth of the default,
// which at a few hundred bytes a call held megabytes nobody reads.
const fakeCallRecord = 1000

// New builds the console. With no OneLogin tenant configured it starts the
// embedded fake tenant on a loopback port and signs staff in against it.
func New(cfg config.Config, logger *slog.Logger) (_ *App, err error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	app := &App{}
	defer func() {
		if err != nil {
			app.Close() // whatever was started before the failure
		}
	}()

	ol := cfg.OneLogin
	env := cfg.Env
	var personas []staffauth.Persona
	var transport http.RoundTripper // a connection pool to the tenant
	if cfg.UsesFake() {
		app.fake = onelogintest.NewServer(onelogintest.Options{
			Seed: cfg.Fake.Seed, Users: cfg.Fake.Users, RateLimitPerHour: cfg.Fake.RateLimit,
			MaxCalls: fakeCallRecord,
		})
		app.fake.Tenant.SetLatency(cfg.Fake.Latency)
		ol.BaseURL, ol.ClientID, ol.ClientSecret = app.fake.URL, app.fake.ClientID, app.fake.ClientSecret
		// API calls stay in the process; browsers still reach the fake's
		// port for app icons and its sign-in pages.
		transport = app.fake.Transport()
		env, personas = app.serveFakeSignIn(cfg)
	}

	app.ops = newOps(cfg, logger)
	app.metrics = app.ops.metrics.Handler()
	c, err := client.New(ol.BaseURL, ol.ClientID, ol.ClientSecret, app.ops.clientOptions(ol.Timeout, transport)...)
	if err != nil {
		return nil, fmt.Errorf("OneLogin client: %w", err)
	}
	app.client = c

	authCfg, problems := staffauth.ConfigFromEnv(env)
	if len(problems) > 0 {
		return nil, fmt.Errorf("configuration problems:\n  %w", errors.Join(problems...))
	}
	if err := authCfg.CheckTenant(cfg.UsesFake()); err != nil {
		return nil, err
	}
	authCfg.DemoPersonas = personas
	if o := origin(ol.BaseURL); o != "" {
		authCfg.ImgSources = append(authCfg.ImgSources, o) // app icons live on the tenant host
	}
	auth, err := staffauth.New(authCfg, logger)
	if err != nil {
		return nil, err
	}

	// Through a local: a nil *SQLiteStore in app.trail would be a non-nil
	// interface, and Close would call it.
	trail, err := audit.OpenSQLite(cfg.AuditDB, logger)
	if err != nil {
		return nil, fmt.Errorf("audit trail %s: %w", cfg.AuditDB, err)
	}
	app.trail = trail

	e, err := handlers.New(handlers.Config{
		OneLogin:   c,
		Logger:     logger,
		Audit:      app.ops.audit(app.trail),
		Identity:   staffauth.IdentityFrom,
		CSRFToken:  staffauth.CSRFToken,
		Middleware: []echo.MiddlewareFunc{staffauth.SecurityHeaders(authCfg), auth.Middleware(), auth.CSRF()},
		Register: func(e *echo.Echo) {
			e.IPExtractor = auth.IPExtractor()
			app.ops.routes(e, c)
			auth.Routes(e)
		},
		Location:   cfg.Location,
		SignOutURL: auth.SignOutURL(),

		RequireTicket:      cfg.RequireTicket,
		SelfUnlocksPerHour: cfg.SelfUnlocksPerHour,
	})
	if err != nil {
		return nil, err
	}
	app.handler = e
	return app, nil
}

// serveFakeSignIn mounts an OIDC provider on the fake tenant (at OneLogin's
// own issuer path) and returns the settings that point staff sign-in at it
// where the environment is silent, plus the demo personas.
func (a *App) serveFakeSignIn(cfg config.Config) (func(string) string, []staffauth.Persona) {
	issuer := a.fake.URL + "/oidc/2"
	secret := randomHex(32)
	redirect := cfg.Env("HELPDESK_OIDC_REDIRECT_URL")
	if redirect == "" {
		redirect = cfg.PublicURL + "/auth/callback"
	}
	tenant := a.fake.Tenant
	provider := oidctest.NewProvider(issuer, oidctest.DirectoryFunc(func() []oidctest.Person {
		ps := tenant.Persons()
		out := make([]oidctest.Person, len(ps))
		for i, p := range ps {
			out[i] = oidctest.Person{ID: p.ID, Email: p.Email, Name: p.Name, Groups: p.Groups}
		}
		return out
	}), oidctest.WithClient(oidctest.Client{ID: fakeOIDCClientID, Secret: secret, RedirectURIs: []string{redirect}}))
	a.fake.Mount("/oidc/2/", provider)

	defaults := map[string]string{
		"HELPDESK_AUTH_MODE":          cfg.AuthMode,
		"HELPDESK_PUBLIC_URL":         cfg.PublicURL,
		"HELPDESK_OIDC_ISSUER":        issuer,
		"HELPDESK_OIDC_CLIENT_ID":     fakeOIDCClientID,
		"HELPDESK_OIDC_CLIENT_SECRET": secret,
		// The demo tenant starts afresh each run, so sessions may too.
		"HELPDESK_SESSION_KEYS":    randomHex(32),
		"HELPDESK_ADMIN_GROUPS":    onelogintest.GroupAdmins,
		"HELPDESK_HELPDESK_GROUPS": onelogintest.GroupHelpdesk,
		"HELPDESK_VIEWER_GROUPS":   onelogintest.GroupViewers,
	}
	// A custom issuer brings its own client; never mix it with ours.
	custom := cfg.Env("HELPDESK_OIDC_ISSUER") != ""
	env := func(name string) string {
		if v := cfg.Env(name); v != "" || (custom && strings.HasPrefix(name, "HELPDESK_OIDC_")) {
			return v
		}
		return defaults[name]
	}

	// The demo personas are the fake's well-known staff and employee, with
	// their names and groups (role names) as the tenant has them.
	byEmail := map[string]onelogintest.Person{}
	for _, p := range tenant.Persons() {
		byEmail[p.Email] = p
	}
	var personas []staffauth.Persona
	for _, p := range []struct{ key, email string }{
		{"admin", onelogintest.PersonaAdmin}, {"helpdesk", onelogintest.PersonaHelpdesk},
		{"viewer", onelogintest.PersonaViewer}, {"employee", onelogintest.PersonaEmployee},
	} {
		if pp, ok := byEmail[p.email]; ok {
			personas = append(personas, staffauth.Persona{Key: p.key, Email: pp.Email, Name: pp.Name, Groups: pp.Groups})
		}
	}
	return env, personas
}

// Handler serves the console.
func (a *App) Handler() http.Handler { return a.handler }

// MetricsHandler serves /metrics on its own address.
func (a *App) MetricsHandler() http.Handler { return a.metrics }

// Fake is the embedded fake tenant, nil with a real one.
func (a *App) Fake() *onelogintest.Server { return a.fake }

// Close releases the audit trail and stops the fake tenant.
func (a *App) Close() {
	if a == nil {
		return
	}
	if a.trail != nil {
		_ = a.trail.Close()
	}
	if a.fake != nil {
		a.fake.Close()
	}
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
