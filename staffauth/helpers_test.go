package staffauth

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/sessions/sessionstest"
)

// newClock is a clock shared by the code under test (WithClock) and the
// test, which moves it; for tests that talk HTTP to a test server, where a
// testing/synctest bubble cannot go.
func newClock() *fakeonelogin.ManualClock {
	return fakeonelogin.NewManualClock(time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC))
}

var (
	key1 = bytes.Repeat([]byte{1}, 32)
	key2 = bytes.Repeat([]byte{2}, 32)
)

// settings is a Config as the console builds it from these environment
// variables on top of a test tenant's, so that defaults and checks are
// package config's, as in production. Demo mode gets testPersonas.
func settings(env map[string]string) Config {
	all := map[string]string{
		"ONELOGIN_SUBDOMAIN": "acme", "ONELOGIN_CLIENT_ID": "id", "ONELOGIN_CLIENT_SECRET": "s",
		"HELPDESK_SESSION_KEYS": hex.EncodeToString(key1), "HELPDESK_ADMIN_GROUPS": "helpdesk-admins",
		"HELPDESK_HELPDESK_GROUPS": "helpdesk", "HELPDESK_VIEWER_GROUPS": "it-readers",
	}
	if env["HELPDESK_DEMO"] == "true" {
		delete(all, "ONELOGIN_SUBDOMAIN")
		delete(all, "ONELOGIN_CLIENT_ID")
		delete(all, "ONELOGIN_CLIENT_SECRET")
	}
	maps.Copy(all, env)
	c, err := config.Load(func(k string) string { return all[k] })
	if err != nil {
		panic(err)
	}
	cfg := Config{Auth: c.Auth, Session: c.Session, PublicURL: c.HTTP.PublicURL}
	if c.Auth.Mode == config.ModeDemo {
		cfg.DemoPersonas, cfg.DemoTenant = testPersonas(), true
	}
	return cfg
}

// testPersonas are one persona per role.
func testPersonas() []Persona {
	return []Persona{
		{Key: "admin", Email: "admin@example.com", Name: "Ada Admin", Role: access.RoleAdmin},
		{Key: "helpdesk", Email: "helpdesk@example.com", Name: "Hal Helpdesk", Role: access.RoleHelpdesk},
		{Key: "viewer", Email: "viewer@example.com", Name: "Vera Viewer", Role: access.RoleViewer},
		{Key: "employee", Email: "employee@example.com", Name: "Emil Employee", Role: access.RoleEmployee},
	}
}

func demoConfig() Config { return settings(map[string]string{"HELPDESK_DEMO": "true"}) }

// whoami is what the test app's protected route reports.
type whoami struct {
	Email  string
	Name   string
	Role   string
	Groups []string
	CSRF   string
}

// newApp serves a console-shaped app: the auth routes, and a protected
// group with GET /whoami and POST /act.
func newApp(t *testing.T, a *Auth) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(appHandler(a))
	t.Cleanup(srv.Close)
	return srv
}

func appHandler(a *Auth) http.Handler {
	e := echo.New()
	e.IPExtractor = a.IPExtractor()
	a.Routes(e)
	app := e.Group("", a.SecurityHeaders(), a.Middleware(), a.CSRF())
	app.GET("/whoami", func(c echo.Context) error {
		id, ok := IdentityFrom(c.Request().Context())
		if !ok {
			return c.String(http.StatusInternalServerError, "no identity")
		}
		return c.JSON(http.StatusOK, whoami{Email: id.Email, Name: id.Name, Role: id.Role.String(),
			Groups: id.Groups, CSRF: CSRFToken(c.Request().Context())})
	})
	app.POST("/act", func(c echo.Context) error { return c.String(http.StatusOK, "done") })
	app.GET("/ip", func(c echo.Context) error { return c.String(http.StatusOK, c.RealIP()) })
	return e
}

// browser is a cookie-keeping client that does not follow redirects, so
// each step of a flow can be checked.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}

func (b *browser) get(path string, hdr ...string) (*http.Response, string) {
	b.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.base + path
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.do(req)
}

// post sends a same-origin form post, as the console's own pages would.
func (b *browser) post(path string, form url.Values, hdr ...string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.do(req)
}

func (b *browser) whoami() (whoami, int) {
	b.t.Helper()
	res, body := b.get("/whoami")
	var w whoami
	if res.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &w); err != nil {
			b.t.Fatalf("whoami: %v: %s", err, body)
		}
	}
	return w, res.StatusCode
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// demoSignIn signs in as a persona through the switcher page.
func (b *browser) demoSignIn(persona string) {
	b.t.Helper()
	res, page := b.get("/auth/login")
	if res.StatusCode != http.StatusOK {
		b.t.Fatalf("login page: %d", res.StatusCode)
	}
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no CSRF token on the sign-in page:\n%s", page)
	}
	res, _ = b.post("/auth/demo", url.Values{"persona": {persona}, "csrf_token": {m[1]}, "next": {"/whoami"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/whoami" {
		b.t.Fatalf("demo sign-in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func cookieNamed(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func mustNew(t *testing.T, cfg Config, opts ...Option) *Auth {
	t.Helper()
	a, err := New(cfg, slog.New(slog.DiscardHandler), append([]Option{WithSessionStore(sessionstest.NewMemory())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
