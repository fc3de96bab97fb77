package console_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/client/onelogintest"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/console"
)

// These tests run the whole console as main does, through console.New with
// settings read by config.Load, in front of the embedded fake tenant, and
// talk to it over HTTP with a cookie jar as a browser would.

// stack is one running console.
type stack struct {
	t   *testing.T
	app *console.App
	srv *httptest.Server
	log *syncBuffer
	dir string // holds the audit database
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// settings are the environment every stack starts from: a small fake
// tenant and the audit database in dir.
func settings(dir string, over map[string]string) map[string]string {
	env := map[string]string{
		"HELPDESK_DEMO":       "true",
		"HELPDESK_AUDIT_DB":   filepath.Join(dir, "demo-audit.db"),
		"HELPDESK_FAKE_USERS": "40",
	}
	for k, v := range over {
		env[k] = v
	}
	return env
}

// start runs a console with the settings. The listener is opened first so
// that HELPDESK_PUBLIC_URL (and with it the OIDC redirect URL) can name it.
func start(t *testing.T, dir string, over map[string]string) *stack {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	env := settings(dir, over)
	if _, ok := env["HELPDESK_PUBLIC_URL"]; !ok {
		env["HELPDESK_PUBLIC_URL"] = "http://" + srv.Listener.Addr().String()
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	app, err := console.New(cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		srv.Close()
		t.Fatalf("console.New: %v", err)
	}
	srv.Config.Handler = app.Handler()
	srv.Start()
	s := &stack{t: t, app: app, srv: srv, log: logs, dir: dir}
	t.Cleanup(s.stop)
	return s
}

var stopMu sync.Mutex

// stop closes the server and the app; a second call does nothing.
func (s *stack) stop() {
	stopMu.Lock()
	defer stopMu.Unlock()
	if s.app == nil {
		return
	}
	s.srv.Close()
	s.app.Close()
	s.app = nil
}

func (s *stack) tenant() *onelogintest.Tenant { return s.app.Fake().Tenant }

// browser is one person's browser: a cookie jar and the console's origin.
type browser struct {
	t    *testing.T
	s    *stack
	http *http.Client
}

func (s *stack) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return &browser{t: s.t, s: s, http: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

// page is a response with its body read and parsed.
type page struct {
	status int
	url    *url.URL
	header http.Header
	body   string
	doc    *goquery.Document
}

func (p page) text(sel string) string { return strings.TrimSpace(p.doc.Find(sel).First().Text()) }

func (b *browser) send(req *http.Request) page {
	b.t.Helper()
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	return page{status: res.StatusCode, url: res.Request.URL, header: res.Header, body: string(body), doc: d}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.s.srv.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.send(req)
}

// post submits a form from the console's own pages: same Origin.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	return b.postWith(path, form, map[string]string{"Origin": b.s.srv.URL})
}

func (b *browser) postWith(path string, form url.Values, headers map[string]string) page {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.s.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return b.send(req)
}

// csrf reads the CSRF token the console put in a page for its forms.
func (b *browser) csrf() string {
	b.t.Helper()
	p := b.get("/me")
	tok, ok := p.doc.Find("input[name=csrf_token]").First().Attr("value")
	if !ok || tok == "" {
		b.t.Fatalf("no CSRF token on /me (%d): %.300s", p.status, p.body)
	}
	return tok
}

// signIn uses the demo persona switcher and returns where it landed.
func (b *browser) signIn(persona string) page {
	b.t.Helper()
	login := b.get("/auth/login")
	tok, _ := login.doc.Find("form.persona-list input[name=csrf_token]").Attr("value")
	if tok == "" {
		b.t.Fatalf("no persona form: %.300s", login.body)
	}
	p := b.post("/auth/demo", url.Values{"persona": {persona}, "csrf_token": {tok}, "next": {"/"}})
	if p.status != http.StatusOK {
		b.t.Fatalf("demo sign-in as %s: %d %.300s", persona, p.status, p.body)
	}
	return p
}

// act posts an action form with the session's token.
func (b *browser) act(path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.csrf())
	return b.post(path, form)
}

func userPath(id int64, action string) string {
	p := "/users/" + strconv.FormatInt(id, 10)
	if action != "" {
		p += "/" + action
	}
	return p
}

// exportRows reads the audit export as rows keyed by column name.
func (b *browser) exportRows(query string) []map[string]string {
	b.t.Helper()
	p := b.get("/audit.csv?" + query)
	if p.status != http.StatusOK {
		b.t.Fatalf("export: %d %.300s", p.status, p.body)
	}
	rows, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil {
		b.t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, k := range rows[0] {
			m[k] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// ---- demo sign-in ----

// TestConsole_demoPersonas: each demo persona signs in, lands where their
// role starts, is shown with their role, and is let into the audit page
// only as an admin.
func TestConsole_demoPersonas(t *testing.T) {
	s := start(t, t.TempDir(), nil)
	cases := []struct {
		persona, email, role, landing string
		audit                         int
	}{
		{"admin", onelogintest.PersonaAdmin, "admin", "/users", http.StatusOK},
		{"helpdesk", onelogintest.PersonaHelpdesk, "helpdesk", "/users", http.StatusForbidden},
		{"viewer", onelogintest.PersonaViewer, "viewer", "/users", http.StatusForbidden},
		{"employee", onelogintest.PersonaEmployee, "employee", "/me", http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.persona, func(t *testing.T) {
			b := s.browser()
			if p := b.get("/me"); p.url.Path != "/auth/login" {
				t.Fatalf("signed out, /me ended at %s, want the sign-in page", p.url)
			}
			p := b.signIn(tc.persona)
			if p.url.Path != tc.landing {
				t.Errorf("landed on %s, want %s", p.url.Path, tc.landing)
			}
			me := b.get("/me")
			if me.status != http.StatusOK || me.text("[data-testid=whoami]") != tc.email || me.text(".whoami .role-badge") != tc.role {
				t.Errorf("/me = %d as %q (%q), want 200 as %s (%s)", me.status, me.text("[data-testid=whoami]"), me.text(".whoami .role-badge"), tc.email, tc.role)
			}
			if got := me.text("[data-testid=me-email]"); got != tc.email {
				t.Errorf("own account shown = %q, want %q", got, tc.email)
			}
			if got := me.doc.Find("nav a[href='/audit']").Length() == 1; got != (tc.audit == http.StatusOK) {
				t.Errorf("audit link shown = %v", got)
			}
			if a := b.get("/audit"); a.status != tc.audit {
				t.Errorf("/audit = %d, want %d", a.status, tc.audit)
			}
		})
	}
}

// ---- CSRF ----

// TestConsole_csrf: a state-changing request without the token, with a
// wrong one, from another origin, or with no origin at all is refused with
// 403 before the handler, so OneLogin is not called; the same request done
// properly goes through.
func TestConsole_csrf(t *testing.T) {
	s := start(t, t.TempDir(), nil)
	b := s.browser()
	b.signIn("helpdesk")
	tok := b.csrf()
	locked := onelogintest.PersonaLockedID
	path := userPath(locked, "unlock")
	cases := []struct {
		name    string
		form    url.Values
		headers map[string]string
	}{
		{"no token", url.Values{"ticket": {"INC-1"}}, map[string]string{"Origin": s.srv.URL}},
		{"wrong token", url.Values{"csrf_token": {tok + "x"}}, map[string]string{"Origin": s.srv.URL}},
		{"wrong header token", url.Values{}, map[string]string{"Origin": s.srv.URL, "X-CSRF-Token": "not-the-token", "HX-Request": "true"}},
		{"cross-origin", url.Values{"csrf_token": {tok}}, map[string]string{"Origin": "https://evil.example"}},
		{"cross-origin referer", url.Values{"csrf_token": {tok}}, map[string]string{"Referer": "https://evil.example/page"}},
		{"null origin", url.Values{"csrf_token": {tok}}, map[string]string{"Origin": "null"}},
		{"no origin or referer", url.Values{"csrf_token": {tok}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.tenant().ResetCalls()
			p := b.postWith(path, tc.form, tc.headers)
			if p.status != http.StatusForbidden {
				t.Errorf("status = %d, want 403", p.status)
			}
			if calls := s.tenant().Calls(); len(calls) != 0 {
				t.Errorf("OneLogin was called: %s %s", calls[0].Method, calls[0].Path)
			}
		})
	}
	// The self-service routes are guarded the same way.
	s.tenant().ResetCalls()
	if p := b.postWith("/me/logout", url.Values{"csrf_token": {tok}}, map[string]string{"Origin": "https://evil.example"}); p.status != http.StatusForbidden {
		t.Errorf("cross-origin /me/logout = %d", p.status)
	}
	if n := len(s.tenant().Calls()); n != 0 {
		t.Errorf("cross-origin /me/logout made %d calls", n)
	}
	if u, _ := s.tenant().User(locked); u.Status != onelogintest.StatusLocked {
		t.Fatal("the account was unlocked by a refused request")
	}
	if p := b.post(path, url.Values{"csrf_token": {tok}}); p.status != http.StatusOK {
		t.Fatalf("the proper request = %d", p.status)
	}
	if u, _ := s.tenant().User(locked); u.Status != onelogintest.StatusActive {
		t.Error("the proper request did not unlock")
	}
}

// ---- the audit trail ----

// TestConsole_auditOnePerActionNoSecrets: an unlock, a typed password and an
// MFA token through the real routes leave exactly one record each, naming
// the admin and the ticket; neither the password, the token nor the API
// secret is in the SQLite files, the export or the log.
func TestConsole_auditOnePerActionNoSecrets(t *testing.T) {
	s := start(t, t.TempDir(), nil)
	b := s.browser()
	b.signIn("admin")
	locked, other := onelogintest.PersonaLockedID, onelogintest.PersonaNoRolesID

	if p := b.act(userPath(locked, "unlock"), url.Values{"ticket": {"INC-11"}}); p.status != http.StatusOK {
		t.Fatalf("unlock: %d", p.status)
	}
	password := "Vx7#unique-Passw0rd-9931"
	if p := b.actConfirmed(userPath(other, "password"), url.Values{"mode": {"set"}, "password": {password},
		"password_confirmation": {password}, "ticket": {"INC-12"}}); p.status != http.StatusOK {
		t.Fatalf("password: %d %.300s", p.status, p.body)
	}
	if !s.tenant().CheckPassword(other, password) {
		t.Fatal("the password was not set")
	}
	p := b.act(userPath(other, "mfa-token"), url.Values{"expires_in": {"3600"}, "ticket": {"INC-13"}})
	token := p.text(".secret-value")
	if p.status != http.StatusOK || token == "" || !s.tenant().UseMFAToken(other, token) {
		t.Fatalf("mfa token: %d, token %q", p.status, token)
	}

	rows := b.exportRows("actor=" + url.QueryEscape(onelogintest.PersonaAdmin))
	byAction := map[string][]map[string]string{}
	for _, r := range rows {
		byAction[r["action"]] = append(byAction[r["action"]], r)
	}
	for action, ticket := range map[string]string{"unlock": "INC-11", "reset_password": "INC-12", "mfa_token": "INC-13"} {
		rs := byAction[action]
		if len(rs) != 1 {
			t.Errorf("%d %s records, want 1", len(rs), action)
			continue
		}
		if rs[0]["ticket"] != ticket || rs[0]["outcome"] != "succeeded" || rs[0]["actor_role"] != "admin" || rs[0]["source_ip"] != "127.0.0.1" {
			t.Errorf("%s record = %v", action, rs[0])
		}
	}
	if len(rows) != 3 {
		t.Errorf("%d records, want 3: %v", len(rows), rows)
	}

	secrets := map[string]string{"password": password, "MFA token": token, "API client secret": s.app.Fake().ClientSecret}
	files, err := filepath.Glob(filepath.Join(s.dir, "demo-audit.db*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no audit database files: %v", err)
	}
	sawTicket := false
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sawTicket = sawTicket || bytes.Contains(data, []byte("INC-12"))
		for what, secret := range secrets {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("the %s is in %s", what, filepath.Base(f))
			}
		}
	}
	if !sawTicket {
		t.Error("the scan found no record in the database files at all, so it proves nothing")
	}
	page := b.get("/audit").body
	for what, secret := range secrets {
		if strings.Contains(s.log.String(), secret) {
			t.Errorf("the %s is in the log", what)
		}
		if strings.Contains(page, secret) {
			t.Errorf("the %s is on the audit page", what)
		}
	}
	if !strings.Contains(s.log.String(), `"action":"reset_password"`) {
		t.Error("the log has no audit line, so its scan proves nothing")
	}

	// The person's page shows the history from the same trail.
	u := b.get(userPath(other, ""))
	var items []string
	u.doc.Find("[data-testid=history-item]").Each(func(_ int, s *goquery.Selection) {
		items = append(items, strings.Join(strings.Fields(s.Text()), " "))
	})
	if len(items) != 2 || !strings.Contains(items[0], "temporary MFA token") || !strings.Contains(items[1], "Set a new password") ||
		!strings.Contains(items[0], onelogintest.PersonaAdmin) || !strings.Contains(items[1], "INC-12") {
		t.Errorf("history on the user page = %q", items)
	}
}

// TestConsole_auditSurvivesRestart: records written before a restart are on
// the audit page after it.
func TestConsole_auditSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir, nil)
	b := s.browser()
	b.signIn("helpdesk")
	if p := b.act(userPath(onelogintest.PersonaLockedID, "unlock"), url.Values{"ticket": {"INC-RESTART"}}); p.status != http.StatusOK {
		t.Fatalf("unlock: %d", p.status)
	}
	s.stop()

	s2 := start(t, dir, nil)
	admin := s2.browser()
	admin.signIn("admin")
	p := admin.get("/audit?target=" + strconv.FormatInt(onelogintest.PersonaLockedID, 10))
	row := p.doc.Find("[data-testid=audit-row]")
	if row.Length() != 1 {
		t.Fatalf("rows after restart = %d, want 1: %.500s", row.Length(), p.body)
	}
	text := strings.Join(strings.Fields(row.Text()), " ")
	for _, want := range []string{"INC-RESTART", onelogintest.PersonaHelpdesk, onelogintest.PersonaLocked, "Unlocked", "OneLogin confirmed"} {
		if !strings.Contains(text, want) {
			t.Errorf("row after restart lacks %q: %s", want, text)
		}
	}
}

// TestConsole_auditStoreUnusable: a trail that cannot be opened stops the
// console from starting, with an error naming the setting's path.
func TestConsole_auditStoreUnusable(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "demo-dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"a directory":       filepath.Join(dir, "demo-dir"),
		"missing directory": filepath.Join(dir, "no", "such", "dir", "demo-audit.db"),
	}
	for name, path := range cases {
		t.Run(name, func(t *testing.T) {
			env := settings(dir, map[string]string{"HELPDESK_AUDIT_DB": path})
			cfg, err := config.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			app, err := console.New(cfg, nil)
			if err == nil {
				app.Close()
				t.Fatal("console.New started without a usable audit trail")
			}
			if !strings.Contains(err.Error(), "audit trail "+path) {
				t.Errorf("error = %q, want it to name the audit trail and %s", err, path)
			}
		})
	}
}

// ---- self-service ----

// TestConsole_selfServiceOwnAccountOnly: the employee unlocks themselves with
// a forged target in the form and URL; only their own account is touched,
// and the staff routes stay closed to them.
func TestConsole_selfServiceOwnAccountOnly(t *testing.T) {
	s := start(t, t.TempDir(), map[string]string{"HELPDESK_SELF_UNLOCKS_PER_HOUR": "1"})
	b := s.browser()
	b.signIn("employee")
	own, other := onelogintest.PersonaEmployeeID, onelogintest.PersonaLockedID
	s.tenant().ResetCalls()

	p := b.act("/me/unlock?id="+strconv.FormatInt(other, 10), url.Values{"id": {strconv.FormatInt(other, 10)}, "email": {onelogintest.PersonaLocked}})
	if p.status != http.StatusOK || p.text("[data-testid=notice]") != "Your account is unlocked. You can sign in again now." {
		t.Fatalf("self unlock: %d %q", p.status, p.text("[data-testid=notice]"))
	}
	ids := regexp.MustCompile(`/users/([0-9]+)`)
	for _, c := range s.tenant().Calls() {
		if m := ids.FindStringSubmatch(c.Path); m != nil && m[1] != strconv.FormatInt(own, 10) {
			t.Errorf("call %s %s is about user %s, not the employee", c.Method, c.Path, m[1])
		}
		if c.Path == "/api/1/users" && c.Query.Get("email") != onelogintest.PersonaEmployee {
			t.Errorf("lookup by %q, want the sign-in email", c.Query.Get("email"))
		}
	}
	if u, _ := s.tenant().User(own); u.Status != onelogintest.StatusActive {
		t.Error("the employee's account is still locked")
	}
	if u, _ := s.tenant().User(other); u.Status != onelogintest.StatusLocked {
		t.Error("the other account was unlocked")
	}

	// HELPDESK_SELF_UNLOCKS_PER_HOUR=1 reached the handlers.
	api, err := client.New(s.app.Fake().URL, s.app.Fake().ClientID, s.app.Fake().ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := api.LockUser(context.Background(), own, 60); err != nil {
		t.Fatal(err)
	}
	if p := b.act("/me/unlock", nil); p.status != http.StatusTooManyRequests ||
		!strings.HasPrefix(p.text("[data-testid=notice]"), "You have unlocked your account once in the last hour; try again at ") {
		t.Errorf("second unlock = %d %q", p.status, p.text("[data-testid=notice]"))
	}

	tok := b.csrf()
	s.tenant().ResetCalls()
	for _, path := range []string{userPath(other, "unlock"), userPath(other, "logout")} {
		if p := b.post(path, url.Values{"csrf_token": {tok}}); p.status != http.StatusForbidden {
			t.Errorf("employee POST %s = %d, want 403", path, p.status)
		}
	}
	if p := b.get(userPath(other, "")); p.status != http.StatusForbidden {
		t.Errorf("employee GET a user page = %d, want 403", p.status)
	}
	for _, c := range s.tenant().Calls() {
		if strings.HasPrefix(c.Path, "/api/") {
			t.Errorf("a refused request called %s %s", c.Method, c.Path)
		}
	}

	admin := s.browser()
	admin.signIn("admin")
	rows := admin.exportRows("actor=" + url.QueryEscape(onelogintest.PersonaEmployee))
	want := map[string]int{"self_unlock succeeded": 1, "self_unlock denied": 1, "unlock denied": 1, "logout denied": 1}
	got := map[string]int{}
	for _, r := range rows {
		got[r["action"]+" "+r["outcome"]]++
		if r["action"] == "self_unlock" && (r["target_id"] != strconv.FormatInt(own, 10) || r["actor_role"] != "employee") {
			t.Errorf("self-service record = %v", r)
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%d %q records, want %d (all: %v)", got[k], k, n, got)
		}
	}
}

// TestConsole_requireTicket: HELPDESK_REQUIRE_TICKET reaches act: an unlock
// without a ticket is refused and OneLogin is not asked.
func TestConsole_requireTicket(t *testing.T) {
	s := start(t, t.TempDir(), map[string]string{"HELPDESK_REQUIRE_TICKET": "true"})
	b := s.browser()
	b.signIn("helpdesk")
	locked := onelogintest.PersonaLockedID
	s.tenant().ResetCalls()
	p := b.act(userPath(locked, "unlock"), nil)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Give a ticket number or reason") {
		t.Errorf("unlock without a ticket = %d: %.300s", p.status, p.body)
	}
	if n := s.tenant().CallCount("POST", "/api/2/users/"); n != 0 {
		t.Errorf("%d unlock calls without a ticket", n)
	}
	if p := b.act(userPath(locked, "unlock"), url.Values{"ticket": {"INC-9"}}); p.status != http.StatusOK {
		t.Errorf("unlock with a ticket = %d", p.status)
	}
}

// ---- OIDC ----

// oidcStart follows the sign-in to the fake provider's person picker and
// returns the picker's form action and fields.
func (b *browser) oidcStart(next string) (string, url.Values) {
	b.t.Helper()
	p := b.get(next)
	if !strings.HasSuffix(p.url.Path, "/oidc/2/auth") {
		b.t.Fatalf("signed-out %s ended at %s, want the provider's picker", next, p.url)
	}
	form := p.doc.Find("form[method=post]")
	action, _ := form.Attr("action")
	fields := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		fields.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	u, err := p.url.Parse(action)
	if err != nil || fields.Get("state") == "" {
		b.t.Fatalf("picker form: action %q, fields %v", action, fields)
	}
	return u.String(), fields
}

func (b *browser) pick(action string, fields url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest("POST", action, strings.NewReader(fields.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req)
}

// TestConsole_oidc signs in through the fake tenant's OpenID Connect
// provider: the person picked is who the console shows, with the role
// their OneLogin roles give; a callback whose state this browser did not
// start is refused and leaves it signed out.
func TestConsole_oidc(t *testing.T) {
	s := start(t, t.TempDir(), map[string]string{"HELPDESK_AUTH_MODE": "oidc"})

	t.Run("sign in", func(t *testing.T) {
		b := s.browser()
		action, fields := b.oidcStart("/users")
		fields.Set("person", strconv.FormatInt(onelogintest.PersonaHelpdeskID, 10))
		p := b.pick(action, fields)
		if p.status != http.StatusOK || p.url.Path != "/users" {
			t.Fatalf("after sign-in: %d at %s: %.300s", p.status, p.url, p.body)
		}
		if p.text("[data-testid=whoami]") != onelogintest.PersonaHelpdesk || p.text(".whoami .role-badge") != "helpdesk" {
			t.Errorf("signed in as %q (%q)", p.text("[data-testid=whoami]"), p.text(".whoami .role-badge"))
		}
		if p := b.get("/audit"); p.status != http.StatusForbidden {
			t.Errorf("helpdesk /audit = %d, want 403", p.status)
		}
	})

	t.Run("state mismatch", func(t *testing.T) {
		b := s.browser()
		action, fields := b.oidcStart("/me")
		fields.Set("person", strconv.FormatInt(onelogintest.PersonaAdminID, 10))
		fields.Set("state", fields.Get("state")+"-forged")
		p := b.pick(action, fields)
		if p.status != http.StatusBadRequest || p.url.Path != "/auth/callback" {
			t.Errorf("forged state: %d at %s, want 400 at the callback", p.status, p.url.Path)
		}
		if p := b.get("/me"); !strings.HasSuffix(p.url.Path, "/oidc/2/auth") {
			t.Errorf("after a forged state /me ended at %s, want sign-in again", p.url)
		}
	})

	t.Run("someone else's state", func(t *testing.T) {
		victim, attacker := s.browser(), s.browser()
		action, fields := attacker.oidcStart("/me")
		fields.Set("person", strconv.FormatInt(onelogintest.PersonaAdminID, 10))
		// The attacker's code and state, delivered to the victim's browser.
		noFollow := *attacker.http
		noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		req, _ := http.NewRequest("POST", action, strings.NewReader(fields.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		callback := res.Header.Get("Location")
		if !strings.Contains(callback, "/auth/callback?") {
			t.Fatalf("provider redirect = %q", callback)
		}
		vp := victim.send(mustRequest(t, "GET", callback))
		if vp.status != http.StatusBadRequest {
			t.Errorf("a callback started in another browser = %d, want 400", vp.status)
		}
		if p := victim.get("/me"); strings.HasPrefix(p.url.Path, "/me") {
			t.Error("the victim's browser got signed in with the attacker's sign-in")
		}
	})
}

func mustRequest(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// ---- proxy ----

// TestConsole_proxy: behind a trusted proxy the identity headers sign the
// person in with the role their groups give, and actions work with CSRF as
// usual; the same headers from any other peer, or a forwarded-for claiming
// to be the proxy, get 401 and OneLogin is not called.
func TestConsole_proxy(t *testing.T) {
	s := start(t, t.TempDir(), map[string]string{
		"HELPDESK_AUTH_MODE":       "proxy",
		"HELPDESK_TRUSTED_PROXIES": "127.0.0.1/32",
		"HELPDESK_SESSION_KEYS":    strings.Repeat("ab", 32),
	})
	helpdesk := map[string]string{"X-Forwarded-Email": onelogintest.PersonaHelpdesk, "X-Forwarded-Groups": onelogintest.GroupHelpdesk}

	t.Run("trusted peer", func(t *testing.T) {
		b := s.browser()
		p := b.withHeaders("GET", "/me", nil, helpdesk)
		if p.status != http.StatusOK || p.text("[data-testid=whoami]") != onelogintest.PersonaHelpdesk || p.text(".whoami .role-badge") != "helpdesk" {
			t.Fatalf("trusted /me = %d as %q (%q)", p.status, p.text("[data-testid=whoami]"), p.text(".whoami .role-badge"))
		}
		tok, _ := p.doc.Find("input[name=csrf_token]").First().Attr("value")
		h := map[string]string{"Origin": s.srv.URL}
		for k, v := range helpdesk {
			h[k] = v
		}
		locked := onelogintest.PersonaLockedID
		if p := b.withHeaders("POST", userPath(locked, "unlock"), url.Values{"csrf_token": {tok}, "ticket": {"INC-P"}}, h); p.status != http.StatusOK {
			t.Errorf("proxy-mode unlock = %d", p.status)
		}
		if u, _ := s.tenant().User(locked); u.Status != onelogintest.StatusActive {
			t.Error("proxy-mode unlock did not unlock")
		}
		// Without the identity headers the proxy's peer is nobody.
		if p := b.withHeaders("GET", "/me", nil, nil); p.status != http.StatusUnauthorized {
			t.Errorf("trusted peer without headers = %d, want 401", p.status)
		}
	})

	cases := []struct {
		name    string
		remote  string
		headers map[string]string
	}{
		{"untrusted peer", "192.0.2.1:1234", helpdesk},
		{"untrusted peer as admin", "192.0.2.1:1234", map[string]string{"X-Forwarded-Email": onelogintest.PersonaAdmin, "X-Forwarded-Groups": onelogintest.GroupAdmins}},
		{"spoofed forwarded-for", "192.0.2.1:1234", map[string]string{"X-Forwarded-Email": onelogintest.PersonaAdmin,
			"X-Forwarded-Groups": onelogintest.GroupAdmins, "X-Forwarded-For": "127.0.0.1", "X-Real-Ip": "127.0.0.1"}},
		{"neighbouring address", "127.0.0.2:1234", helpdesk},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, target := range []string{"/me", "/audit", "/users/" + strconv.FormatInt(onelogintest.PersonaNoRolesID, 10)} {
				s.tenant().ResetCalls()
				req := httptest.NewRequest("GET", target, nil)
				req.RemoteAddr = tc.remote
				for k, v := range tc.headers {
					req.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				s.app.Handler().ServeHTTP(rec, req)
				if rec.Code != http.StatusUnauthorized {
					t.Errorf("GET %s = %d, want 401", target, rec.Code)
				}
				if strings.Contains(rec.Body.String(), onelogintest.PersonaAdmin) || strings.Contains(rec.Body.String(), onelogintest.PersonaHelpdesk) {
					t.Errorf("GET %s answered with the claimed identity", target)
				}
				if n := len(s.tenant().Calls()); n != 0 {
					t.Errorf("GET %s made %d calls to OneLogin", target, n)
				}
			}
		})
	}
}

func (b *browser) withHeaders(method, path string, form url.Values, headers map[string]string) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.s.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return b.send(req)
}

// TestConsole_demoSaysSoOnEveryPage: a demo never passes for the real thing.
func TestConsole_demoSaysSoOnEveryPage(t *testing.T) {
	s := start(t, t.TempDir(), nil)
	b := s.browser()
	if p := b.get("/auth/login"); p.text("[data-testid=demo-banner]") != "Demo tenant: nothing here is real." {
		t.Errorf("sign-in page has no demo banner: %.400s", p.body)
	}
	b.signIn("helpdesk")
	for _, path := range []string{"/users", "/me", userPath(onelogintest.PersonaLockedID, ""), "/no-such-page"} {
		if p := b.get(path); p.text("[data-testid=demo-banner]") == "" {
			t.Errorf("%s (%d) has no demo banner", path, p.status)
		}
	}
}

// TestConsole_oneEmployeeCannotExhaustTheSharedQuota: an employee reloading
// /me uses up their own hourly budget and is told so (429, with when), and
// the helpdesk keeps working; the refusals show in the metrics.
func TestConsole_oneEmployeeCannotExhaustTheSharedQuota(t *testing.T) {
	s := start(t, t.TempDir(), map[string]string{"HELPDESK_BUDGET_EMPLOYEE": "6"})
	employee := s.browser()
	employee.signIn("employee")
	var last page
	for range 10 {
		if last = employee.get("/me"); last.status == http.StatusTooManyRequests {
			break
		}
	}
	if last.status != http.StatusTooManyRequests || !strings.Contains(last.body, "budget of 6 OneLogin calls for this hour") {
		t.Fatalf("after 10 reloads: %d %.300s", last.status, last.text("[data-testid=banner]"))
	}
	agent := s.browser()
	agent.signIn("helpdesk")
	if p := agent.get(userPath(onelogintest.PersonaLockedID, "")); p.status != http.StatusOK {
		t.Errorf("the helpdesk was refused after an employee's budget ran out: %d", p.status)
	}
	metrics := agent.get("/metrics")
	if !strings.Contains(metrics.body, `helpdesk_quota_refusals_total{reason="budget"} 1`) ||
		!strings.Contains(metrics.body, `helpdesk_quota_calls_total{role="employee"} 6`) {
		t.Errorf("quota metrics:\n%s", grepLines(metrics.body, "helpdesk_quota"))
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
