// Package consoletest starts the whole console for a test, as main does
// (config.Load, console.New, served on 127.0.0.1), normally on its embedded
// fake tenant, and drives it as a browser would:
//
//	c := consoletest.Start(t, map[string]string{"HELPDESK_REQUIRE_TICKET": "true"})
//	b := c.Browser(t)
//	b.SignIn("helpdesk")
//	p := b.Act("/users/30100052/unlock", url.Values{"ticket": {"INC-9"}})
//	if p.Status != http.StatusOK { ... }
//	c.Tenant.User(fakeonelogin.PersonaLockedID) // what OneLogin now holds
//
// Settings are environment variables laid over test defaults (see Config).
// The process environment is never read, so a developer's ONELOGIN_*
// cannot point a test at a real tenant.
//
// A test that needs the console as its own process (replicas, signals)
// starts it with StartProcess, and another server program (oauth2-proxy)
// with StartProgram: on a free loopback port, serving, and killed when the
// test ends.
package consoletest

import (
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"onelogin-helpdesk/config"
	"onelogin-helpdesk/console"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/testlog"
)

// defaults are the settings every test console starts from: a demo on a
// small fake tenant (the personas are always there) with demo sign-in,
// logging everything, and no directory index, whose sync would call the
// tenant in the background of tests that count calls (a test that wants
// it sets HELPDESK_DIRECTORY_INDEX=true).
var defaults = map[string]string{
	"HELPDESK_DEMO":            "true",
	"HELPDESK_FAKE_USERS":      "100",
	"HELPDESK_LOG_LEVEL":       "debug",
	"HELPDESK_DIRECTORY_INDEX": "false",
}

// Config loads settings over the test defaults (a demo on a small fake
// tenant, demo sign-in, debug logging) with the audit trail in the test's
// temporary directory, and fails t on a problem. When the settings name a
// real tenant (ONELOGIN_URL or ONELOGIN_SUBDOMAIN) the demo defaults are
// left out.
func Config(t testing.TB, settings map[string]string) config.Config {
	t.Helper()
	env := maps.Clone(defaults)
	if settings["ONELOGIN_URL"] != "" || settings["ONELOGIN_SUBDOMAIN"] != "" {
		delete(env, "HELPDESK_DEMO")
		delete(env, "HELPDESK_FAKE_USERS")
	}
	env["HELPDESK_AUDIT_DB"] = filepath.Join(t.TempDir(), "demo-audit.db")
	maps.Copy(env, settings)
	cfg, err := config.Load(func(name string) string { return env[name] })
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	return cfg
}

// Console is a console built for one test.
type Console struct {
	// URL is where the console is (or will be) served: http://127.0.0.1:port.
	URL    string
	Config config.Config
	App    *console.App
	// Tenant is the embedded fake tenant; nil when the settings name a
	// real one (ONELOGIN_URL or ONELOGIN_SUBDOMAIN).
	Tenant *fakeonelogin.Tenant
	// Logs is the console's JSON log; Logger writes to it.
	Logs   *testlog.Buffer
	Logger *slog.Logger
	// Listener is the console's socket: Serve serves it, or a test serves
	// it its own way (main's tests with main's serve).
	Listener net.Listener

	srv      *httptest.Server
	stopOnce sync.Once
}

// Start builds a console from settings and serves it until the test ends.
func Start(t testing.TB, settings map[string]string) *Console {
	t.Helper()
	c := New(t, settings)
	c.Serve()
	return c
}

// New builds a console from Config(settings) on a 127.0.0.1 listener,
// which is its address and public URL, without serving it. The test's end
// stops it (see Stop); a failed test prints its log.
func New(t testing.TB, settings map[string]string) *Console {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() }) // when New fails; Stop closes it otherwise
	env := map[string]string{"HELPDESK_ADDR": ln.Addr().String(), "HELPDESK_PUBLIC_URL": "http://" + ln.Addr().String()}
	maps.Copy(env, settings)
	cfg := Config(t, env)
	logs := &testlog.Buffer{}
	logger := logs.Logger(cfg.Ops.LogLevel)
	app, err := console.New(cfg, logger)
	if err != nil {
		t.Fatalf("console.New: %v", err)
	}
	c := &Console{URL: "http://" + ln.Addr().String(), Config: cfg, App: app,
		Logs: logs, Logger: logger, Listener: ln}
	if app.Fake() != nil {
		c.Tenant = app.Fake().Tenant
	}
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			t.Logf("console log:\n%s", logs.String())
		}
	})
	return c
}

// Serve serves the console on its listener until Stop.
func (c *Console) Serve() {
	c.srv = &httptest.Server{Listener: c.Listener, Config: &http.Server{Handler: c.App.Handler()}}
	c.srv.Start()
}

// Stop stops serving, waiting for requests under way, and closes the
// console: its audit trail and fake tenant. Later calls do nothing. A test
// that serves the listener itself stops that first (its cleanup runs
// before New's).
func (c *Console) Stop() {
	c.stopOnce.Do(func() {
		if c.srv != nil {
			c.srv.CloseClientConnections()
			c.srv.Close()
		} else {
			c.Listener.Close()
		}
		c.App.Close()
	})
}
