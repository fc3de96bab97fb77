// Package console assembles the running console from its configuration:
// the OneLogin client (or the embedded fake tenant and its OIDC provider),
// staff sign-in, the audit trail, bulk jobs and the handlers. main and the browser
// tests build the same thing through it:
//
//	cfg, _ := config.Load(os.Getenv) // HELPDESK_DEMO=true for the fake tenant
//	app, err := console.New(cfg, logger)
//	defer app.Close()
//	http.Serve(listener, app.Handler())
package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/directory"
	"onelogin-helpdesk/fakeoidc"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/jobs/bulk"
	"onelogin-helpdesk/staffauth"
)

// App is an assembled console.
type App struct {
	handler http.Handler
	metrics http.Handler
	fake    *fakeonelogin.Server
	client  *client.Client
	state   stateStore
	janitor *janitor
	settler *background
	// flowSweeper sweeps the public unlock page's expired flows; nil when
	// the page is off.
	flowSweeper *background
	jobs        *jobs.Runner
	dir         *directorySync
	ops         *ops
	mail        *mailer // nil: nobody is told by mail
	// tempDir holds a demo's audit trail; Close removes it.
	tempDir string
	auth    *staffauth.Auth
	// helpdeskLocked is the demo's person locked by the helpdesk at start.
	helpdeskLocked string
}

// fakeOIDCClientID is the console's registration with the fake tenant's
// OIDC provider; its secret is random per process.
const fakeOIDCClientID = "onelogin-helpdesk"

// consoleAppName is the app a sign-in through the demo's provider is
// recorded for.
const consoleAppName = "OneLogin Helpdesk"

// demoSpray is how many people the demo tenant's password spray locked just
// before the console started, so the Locked now page has people on it.
const demoSpray = 24

// fakeCallRecord is how many calls the embedded fake remembers: enough to
// look back over a test or a demo session, and a tenth of the default,
// which at a few hundred bytes a call held megabytes nobody reads.
const fakeCallRecord = 1000

// New builds the console. In demo mode it starts the embedded fake tenant
// and signs staff in against it.
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
	// Staff sign-in's part of the configuration, built here only.
	authCfg := staffauth.Config{Auth: cfg.Auth, Session: cfg.Session, PublicURL: cfg.HTTP.PublicURL, DemoTenant: cfg.Demo}
	var transport http.RoundTripper // a connection pool to the tenant
	if cfg.Demo {
		app.fake = fakeonelogin.NewServer(fakeonelogin.Options{
			Seed: cfg.Fake.Seed, Users: cfg.Fake.Users, RateLimitPerHour: cfg.Fake.RateLimit,
			MaxCalls: fakeCallRecord, SprayOnStart: demoSpray,
		})
		app.fake.Tenant.SetLatency(cfg.Fake.Latency)
		ol.BaseURL, ol.ClientID, ol.ClientSecret = app.fake.URL, app.fake.ClientID, app.fake.ClientSecret
		// API calls stay in the process; browsers still reach the fake's
		// port for app icons and its sign-in pages.
		transport = app.fake.Transport()
		app.demoSignIn(cfg, &authCfg)
	}

	app.ops = newOps(cfg, logger)
	app.metrics = app.ops.metrics.Handler()
	c, err := client.New(ol.BaseURL, ol.ClientID, ol.ClientSecret, app.ops.clientOptions(ol.Timeout, transport)...)
	if err != nil {
		return nil, fmt.Errorf("OneLogin client: %w", err)
	}
	app.client = c
	app.ops.budgets.Tenant = c.RateLimit

	if o := origin(ol.BaseURL); o != "" {
		authCfg.ImgSources = append(authCfg.ImgSources, o) // app icons live on the tenant host
	}
	if cfg.PublicUnlock.Enabled {
		authCfg.UnlockURL = unlockPath // "Locked out?" on the sign-in pages
	}
	st, err := app.openState(cfg, logger)
	if err != nil {
		return nil, err
	}
	app.state = st
	app.ops.budgets.Limits = st
	app.ops.budgets.Start()
	auth, err := staffauth.New(authCfg, logger, staffauth.WithSessionStore(st))
	if err != nil {
		return nil, err
	}
	app.auth = auth
	notifier, err := app.startMail(cfg, st, logger)
	if err != nil {
		return nil, err
	}
	app.janitor = startJanitor(st, cfg.State.Retention, auth.SweepSessions, logger)
	app.settler = startSettler(st, c, ol.Timeout, logger)
	protectedList, protected := protectedNames(cfg, authCfg.Auth)
	guard := newProtection(protected, c)
	ctx, cancel := context.WithTimeout(context.Background(), ol.Timeout)
	unconfirmed, err := guard.atStart(ctx)
	cancel()
	if err != nil {
		return nil, err
	}
	if unconfirmed != nil {
		logger.Warn("the protected roles could not be checked against the tenant; not ready until they are",
			"roles", protectedList, "error", unconfirmed)
	}

	if app.fake != nil && cfg.PublicUnlock.Enabled {
		app.helpdeskLocked = demoHelpdeskLock(context.Background(), app.fake.Tenant, st, fakeonelogin.PersonaHelpdesk, logger)
	}
	// Bulk jobs live in the state store (both stores keep them); the runner
	// is started by the handlers with their worker and stopped by Close.
	// With PostgreSQL every replica runs one, and the leases in the store
	// decide which replica works on a job.
	quota, refreshQuota := bulk.Quota(c)
	app.jobs = jobs.NewRunner(st, jobs.Options{Quota: quota, RefreshQuota: refreshQuota,
		ReservePercent: cfg.Bulk.ReservePercent, Resume: cfg.Bulk.Resume, Logger: logger,
		RoleEvery: cfg.Session.RoleRecheck})

	app.dir = startDirectory(cfg.Directory, st, c, logger)

	e, err := handlers.New(handlers.Config{
		OneLogin:   c,
		Logger:     logger,
		Audit:      app.ops.audit(st),
		Limits:     st,
		Identity:   staffauth.IdentityFrom,
		CSRFToken:  staffauth.CSRFToken,
		Sessions:   auth,
		SessionID:  staffauth.SessionID,
		Middleware: []echo.MiddlewareFunc{auth.SecurityHeaders(), auth.Middleware(), auth.CSRF()},
		Register: func(e *echo.Echo) {
			e.IPExtractor = auth.IPExtractor()
			app.ops.routes(e, c, st, guard.ready)
			auth.Routes(e)
		},
		Location:   cfg.HTTP.Location,
		SignOutURL: auth.SignOutURL(),
		Demo:       cfg.Demo,

		OneLoginUserURL:    cfg.OneLogin.UserURL,
		SecureCookies:      cfg.Session.SecureCookies,
		CookieKey:          auth.DeriveKey("helpdesk workspace cookies"),
		RequireTicket:      cfg.Policy.RequireTicket,
		ProtectedRoles:     protected,
		AdminRoles:         access.NewNames(authCfg.Auth.AdminGroups, authCfg.Auth.GroupsCaseInsensitive),
		HelpdeskRoles:      access.NewNames(authCfg.Auth.HelpdeskGroups, authCfg.Auth.GroupsCaseInsensitive),
		PasswordPolicy:     cfg.Policy.PasswordPolicy,
		ViewersSeeHistory:  cfg.Policy.ViewersSeeHistory,
		LockPolicyMinutes:  cfg.Policy.LockMinutes,
		PasswordMinLength:  cfg.Policy.PasswordMinLength,
		SelfUnlocksPerHour: cfg.SelfService.UnlocksPerHour,
		Contact:            cfg.Mail.Contact,
		PublicUnlock:       cfg.PublicUnlock,
		UnlockPage:         app.unlockPage(cfg, auth, logger),
		Jobs:               app.jobs,
		Bulk:               access.Bulk{Max: cfg.Bulk.Max, HelpdeskMax: cfg.Bulk.HelpdeskMax},
		StaffGroups:        staffauth.StaffGroups(authCfg.Auth),
		QuotaLow:           cfg.Bulk.QuotaLow,
		Notifier:           notifier,
		TicketURL:          cfg.Tickets.URL,
		Reports:            st,
		ReportsHelpdesk:    cfg.Reports.Helpdesk,
		Directory:          app.dir.Index(),
		Caller:             cfg.Caller,
	})
	if err != nil {
		return nil, err
	}
	app.handler = e
	return app, nil
}

// demoSignIn mounts an OIDC provider on the fake tenant (at OneLogin's own
// issuer path) and points staff sign-in at it where the configuration is
// silent; it also gives the demo a fresh session key, its staff groups
// and, for demo sign-in, its personas.
func (a *App) demoSignIn(cfg config.Config, ac *staffauth.Config) {
	tenant := a.fake.Tenant
	if ac.Auth.OIDC.Issuer == "" {
		issuer := a.fake.URL + "/oidc/2"
		secret := randomHex(32)
		redirect := ac.Auth.OIDC.RedirectURL
		if redirect == "" {
			redirect = cfg.HTTP.PublicURL + config.OIDCCallbackPath
		}
		provider := fakeoidc.NewProvider(issuer, fakeoidc.DirectoryFunc(func() []fakeoidc.Person {
			ps := tenant.Persons()
			out := make([]fakeoidc.Person, len(ps))
			for i, p := range ps {
				out[i] = fakeoidc.Person{ID: p.ID, Email: p.Email, Name: p.Name, Groups: p.Groups}
			}
			return out
		}), fakeoidc.WithClient(fakeoidc.Client{ID: fakeOIDCClientID, Secret: secret, RedirectURIs: []string{redirect}}),
			fakeoidc.OnSignIn(func(r *http.Request, p fakeoidc.Person) {
				// Signing in through the tenant's provider is a sign-in to
				// OneLogin and to the console's app: it shows in the events.
				tenant.RecordSignIn(fakeonelogin.SignIn{UserID: p.ID, Success: true, IP: remoteHost(r),
					App: consoleAppName, UserAgent: r.UserAgent()})
			}))
		a.fake.Mount("/oidc/2/", provider)
		ac.Auth.OIDC.Issuer, ac.Auth.OIDC.ClientID, ac.Auth.OIDC.ClientSecret = issuer, fakeOIDCClientID, secret
		if ac.Auth.Mode == config.ModeOIDC {
			ac.Auth.OIDC.RedirectURL = redirect
		}
	}
	if len(ac.Session.Keys) == 0 {
		// The demo tenant starts afresh each run, so sessions may too.
		ac.Session.Keys = []config.Secret{randomBytes(32)}
	}
	if len(ac.Auth.AdminGroups)+len(ac.Auth.HelpdeskGroups)+len(ac.Auth.ViewerGroups) == 0 {
		ac.Auth.AdminGroups = []string{fakeonelogin.GroupAdmins}
		ac.Auth.HelpdeskGroups = []string{fakeonelogin.GroupHelpdesk}
		ac.Auth.ViewerGroups = []string{fakeonelogin.GroupViewers}
	}
	if ac.Auth.Mode != config.ModeDemo {
		return // signed in by a proxy or the provider, not as a persona
	}

	// The demo personas are the fake's well-known staff and employee, with
	// their names and groups (role names) as the tenant has them.
	byEmail := map[string]fakeonelogin.Person{}
	for _, p := range tenant.Persons() {
		byEmail[p.Email] = p
	}
	for _, p := range []struct{ key, email string }{
		{"admin", fakeonelogin.PersonaAdmin}, {"helpdesk", fakeonelogin.PersonaHelpdesk},
		{"viewer", fakeonelogin.PersonaViewer}, {"employee", fakeonelogin.PersonaEmployee},
	} {
		if pp, ok := byEmail[p.email]; ok {
			ac.DemoPersonas = append(ac.DemoPersonas, staffauth.Persona{Key: p.key, Email: pp.Email, Name: pp.Name, Groups: pp.Groups})
		}
	}
}

// Handler serves the console.
func (a *App) Handler() http.Handler { return a.handler }

// MetricsHandler serves /metrics on its own address.
func (a *App) MetricsHandler() http.Handler { return a.metrics }

// Directory is the index of the tenant's people, nil when
// HELPDESK_DIRECTORY_INDEX is off.
func (a *App) Directory() *directory.Index { return a.dir.Index() }

// Fake is the embedded fake tenant, nil with a real one.
func (a *App) Fake() *fakeonelogin.Server { return a.fake }

// Close releases the audit trail (removing a demo's) and stops the fake
// tenant.
func (a *App) Close() {
	if a == nil {
		return
	}
	if a.auth != nil {
		a.auth.Close()
	}
	if a.jobs != nil {
		// The person in hand is finished and the job's lease released, so
		// the next start resumes it at once.
		a.jobs.Close()
	}
	if a.janitor != nil {
		a.janitor.stop()
	}
	if a.mail != nil {
		a.mail.stop()
	}
	if a.settler != nil {
		a.settler.stop()
	}
	if a.flowSweeper != nil {
		a.flowSweeper.stop()
	}
	a.dir.stop() // before the state store it writes to closes
	if a.ops != nil {
		a.ops.closeBudgets()
	}
	if a.state != nil {
		_ = a.state.Close()
	}
	if a.tempDir != "" {
		_ = os.RemoveAll(a.tempDir)
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

// remoteHost is the address a request came from, without the port.
func remoteHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
