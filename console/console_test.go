package console_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/console"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
)

// These tests run the whole console as main does, through console.New with
// settings read by config.Load, in front of the embedded fake tenant, and
// talk to it over HTTP with a cookie jar as a browser would (consoletest).

func userPath(id int64, action string) string {
	p := "/users/" + strconv.FormatInt(id, 10)
	if action != "" {
		p += "/" + action
	}
	return p
}

// exportRows reads the audit export as rows keyed by column name.
func exportRows(t *testing.T, b *consoletest.Browser, query string) []map[string]string {
	t.Helper()
	p := b.Get("/audit.csv?" + query)
	if p.Status != http.StatusOK {
		t.Fatalf("export: %d %.300s", p.Status, p.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
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
	s := consoletest.Start(t, nil)
	cases := []struct {
		persona, email, role, landing string
		audit                         int
	}{
		{"admin", fakeonelogin.PersonaAdmin, "admin", "/users", http.StatusOK},
		{"helpdesk", fakeonelogin.PersonaHelpdesk, "helpdesk", "/users", http.StatusForbidden},
		{"viewer", fakeonelogin.PersonaViewer, "viewer", "/users", http.StatusForbidden},
		{"employee", fakeonelogin.PersonaEmployee, "employee", "/me", http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.persona, func(t *testing.T) {
			b := s.Browser(t)
			if p := b.Get("/me"); p.URL.Path != "/auth/login" {
				t.Fatalf("signed out, /me ended at %s, want the sign-in page", p.URL)
			}
			p := b.SignIn(tc.persona)
			if p.URL.Path != tc.landing {
				t.Errorf("landed on %s, want %s", p.URL.Path, tc.landing)
			}
			me := b.Get("/me")
			if me.Status != http.StatusOK || me.Text("[data-testid=whoami]") != tc.email || me.Text(".whoami .role-badge") != tc.role {
				t.Errorf("/me = %d as %q (%q), want 200 as %s (%s)", me.Status, me.Text("[data-testid=whoami]"), me.Text(".whoami .role-badge"), tc.email, tc.role)
			}
			if got := me.Text("[data-testid=me-email]"); got != tc.email {
				t.Errorf("own account shown = %q, want %q", got, tc.email)
			}
			if got := me.Doc.Find("nav a[href='/audit']").Length() == 1; got != (tc.audit == http.StatusOK) {
				t.Errorf("audit link shown = %v", got)
			}
			if a := b.Get("/audit"); a.Status != tc.audit {
				t.Errorf("/audit = %d, want %d", a.Status, tc.audit)
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
	s := consoletest.Start(t, nil)
	b := s.Browser(t)
	b.SignIn("helpdesk")
	tok := b.CSRF()
	locked := fakeonelogin.PersonaLockedID
	path := userPath(locked, "unlock")
	cases := []struct {
		name    string
		form    url.Values
		headers map[string]string
	}{
		{"no token", url.Values{"ticket": {"INC-1"}}, map[string]string{"Origin": s.URL}},
		{"wrong token", url.Values{"csrf_token": {tok + "x"}}, map[string]string{"Origin": s.URL}},
		{"wrong header token", url.Values{}, map[string]string{"Origin": s.URL, "X-CSRF-Token": "not-the-token", "HX-Request": "true"}},
		{"cross-origin", url.Values{"csrf_token": {tok}}, map[string]string{"Origin": "https://evil.example"}},
		{"cross-origin referer", url.Values{"csrf_token": {tok}}, map[string]string{"Referer": "https://evil.example/page"}},
		{"null origin", url.Values{"csrf_token": {tok}}, map[string]string{"Origin": "null"}},
		{"no origin or referer", url.Values{"csrf_token": {tok}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.Tenant.ResetCalls()
			p := b.Request("POST", path, tc.form, tc.headers)
			if p.Status != http.StatusForbidden {
				t.Errorf("status = %d, want 403", p.Status)
			}
			if calls := s.Tenant.Calls(); len(calls) != 0 {
				t.Errorf("OneLogin was called: %s %s", calls[0].Method, calls[0].Path)
			}
		})
	}
	// The self-service routes are guarded the same way.
	s.Tenant.ResetCalls()
	if p := b.Request("POST", "/me/logout", url.Values{"csrf_token": {tok}}, map[string]string{"Origin": "https://evil.example"}); p.Status != http.StatusForbidden {
		t.Errorf("cross-origin /me/logout = %d", p.Status)
	}
	if n := len(s.Tenant.Calls()); n != 0 {
		t.Errorf("cross-origin /me/logout made %d calls", n)
	}
	if u, _ := s.Tenant.User(locked); u.Status != fakeonelogin.StatusLocked {
		t.Fatal("the account was unlocked by a refused request")
	}
	if p := b.Post(path, url.Values{"csrf_token": {tok}}); p.Status != http.StatusOK {
		t.Fatalf("the proper request = %d", p.Status)
	}
	if u, _ := s.Tenant.User(locked); u.Status != fakeonelogin.StatusActive {
		t.Error("the proper request did not unlock")
	}
}

// ---- the audit trail ----

// TestConsole_auditOnePerActionNoSecrets: an unlock, a typed password and an
// MFA token through the real routes leave exactly one record each, naming
// the admin and the ticket; neither the password, the token nor the API
// secret is in the SQLite files, the export or the log.
func TestConsole_auditOnePerActionNoSecrets(t *testing.T) {
	s := consoletest.Start(t, nil)
	b := s.Browser(t)
	b.SignIn("admin")
	locked, other := fakeonelogin.PersonaLockedID, fakeonelogin.PersonaNoRolesID

	if p := b.Act(userPath(locked, "unlock"), url.Values{"ticket": {"INC-11"}}); p.Status != http.StatusOK {
		t.Fatalf("unlock: %d", p.Status)
	}
	password := "Vx7#unique-Passw0rd-9931"
	if p := actConfirmed(t, b, userPath(other, "password"), url.Values{"mode": {"set"}, "password": {password},
		"password_confirmation": {password}, "ticket": {"INC-12"}}); p.Status != http.StatusOK {
		t.Fatalf("password: %d %.300s", p.Status, p.Body)
	}
	if !s.Tenant.CheckPassword(other, password) {
		t.Fatal("the password was not set")
	}
	p := b.Act(userPath(other, "mfa-token"), url.Values{"expires_in": {"3600"}, "ticket": {"INC-13"}})
	token := p.Text(".secret-value")
	if p.Status != http.StatusOK || token == "" || !s.Tenant.UseMFAToken(other, token) {
		t.Fatalf("mfa token: %d, token %q", p.Status, token)
	}

	rows := exportRows(t, b, "actor="+url.QueryEscape(fakeonelogin.PersonaAdmin))
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

	secrets := map[string]string{"password": password, "MFA token": token, "API client secret": s.App.Fake().ClientSecret}
	files, err := filepath.Glob(s.Config.Audit.DB + "*")
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
	page := b.Get("/audit").Body
	for what, secret := range secrets {
		if strings.Contains(s.Logs.String(), secret) {
			t.Errorf("the %s is in the log", what)
		}
		if strings.Contains(page, secret) {
			t.Errorf("the %s is on the audit page", what)
		}
	}
	if !strings.Contains(s.Logs.String(), `"action":"reset_password"`) {
		t.Error("the log has no audit line, so its scan proves nothing")
	}

	// The person's page shows the history from the same trail.
	u := b.Get(userPath(other, ""))
	var items []string
	u.Doc.Find("[data-testid=history-item]").Each(func(_ int, s *goquery.Selection) {
		items = append(items, strings.Join(strings.Fields(s.Text()), " "))
	})
	if len(items) != 2 || !strings.Contains(items[0], "temporary MFA token") || !strings.Contains(items[1], "Set a new password") ||
		!strings.Contains(items[0], fakeonelogin.PersonaAdmin) || !strings.Contains(items[1], "INC-12") {
		t.Errorf("history on the user page = %q", items)
	}
}

// TestConsole_auditSurvivesRestart: records written before a restart are on
// the audit page after it.
func TestConsole_auditSurvivesRestart(t *testing.T) {
	trail := map[string]string{"HELPDESK_AUDIT_DB": filepath.Join(t.TempDir(), "demo-audit.db")}
	s := consoletest.Start(t, trail)
	b := s.Browser(t)
	b.SignIn("helpdesk")
	if p := b.Act(userPath(fakeonelogin.PersonaLockedID, "unlock"), url.Values{"ticket": {"INC-RESTART"}}); p.Status != http.StatusOK {
		t.Fatalf("unlock: %d", p.Status)
	}
	s.Stop()

	s2 := consoletest.Start(t, trail)
	admin := s2.Browser(t)
	admin.SignIn("admin")
	p := admin.Get("/audit?target=" + strconv.FormatInt(fakeonelogin.PersonaLockedID, 10))
	row := p.Doc.Find("[data-testid=audit-row]")
	if row.Length() != 1 {
		t.Fatalf("rows after restart = %d, want 1: %.500s", row.Length(), p.Body)
	}
	text := strings.Join(strings.Fields(row.Text()), " ")
	for _, want := range []string{"INC-RESTART", fakeonelogin.PersonaHelpdesk, fakeonelogin.PersonaLocked, "Unlocked", "OneLogin confirmed"} {
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
			cfg := consoletest.Config(t, map[string]string{"HELPDESK_AUDIT_DB": path})
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
	s := consoletest.Start(t, map[string]string{"HELPDESK_SELF_UNLOCKS_PER_HOUR": "1"})
	b := s.Browser(t)
	b.SignIn("employee")
	own, other := fakeonelogin.PersonaEmployeeID, fakeonelogin.PersonaLockedID
	s.Tenant.ResetCalls()

	p := b.Act("/me/unlock?id="+strconv.FormatInt(other, 10), url.Values{"id": {strconv.FormatInt(other, 10)}, "email": {fakeonelogin.PersonaLocked}})
	if p.Status != http.StatusOK || p.Text("[data-testid=notice]") != "Your account is unlocked. You can sign in again now." {
		t.Fatalf("self unlock: %d %q", p.Status, p.Text("[data-testid=notice]"))
	}
	ids := regexp.MustCompile(`/users/([0-9]+)`)
	for _, c := range s.Tenant.Calls() {
		if m := ids.FindStringSubmatch(c.Path); m != nil && m[1] != strconv.FormatInt(own, 10) {
			t.Errorf("call %s %s is about user %s, not the employee", c.Method, c.Path, m[1])
		}
		if c.Path == "/api/1/users" && c.Query.Get("email") != fakeonelogin.PersonaEmployee {
			t.Errorf("lookup by %q, want the sign-in email", c.Query.Get("email"))
		}
	}
	if u, _ := s.Tenant.User(own); u.Status != fakeonelogin.StatusActive {
		t.Error("the employee's account is still locked")
	}
	if u, _ := s.Tenant.User(other); u.Status != fakeonelogin.StatusLocked {
		t.Error("the other account was unlocked")
	}

	// HELPDESK_SELF_UNLOCKS_PER_HOUR=1 reached the handlers.
	api, err := client.New(s.App.Fake().URL, s.App.Fake().ClientID, s.App.Fake().ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := api.LockUser(context.Background(), own, 60); err != nil {
		t.Fatal(err)
	}
	if p := b.Act("/me/unlock", nil); p.Status != http.StatusTooManyRequests ||
		!strings.HasPrefix(p.Text("[data-testid=notice]"), "You have unlocked your account once in the last hour; try again at ") {
		t.Errorf("second unlock = %d %q", p.Status, p.Text("[data-testid=notice]"))
	}

	tok := b.CSRF()
	s.Tenant.ResetCalls()
	for _, path := range []string{userPath(other, "unlock"), userPath(other, "logout")} {
		if p := b.Post(path, url.Values{"csrf_token": {tok}}); p.Status != http.StatusForbidden {
			t.Errorf("employee POST %s = %d, want 403", path, p.Status)
		}
	}
	if p := b.Get(userPath(other, "")); p.Status != http.StatusForbidden {
		t.Errorf("employee GET a user page = %d, want 403", p.Status)
	}
	for _, c := range s.Tenant.Calls() {
		if strings.HasPrefix(c.Path, "/api/") {
			t.Errorf("a refused request called %s %s", c.Method, c.Path)
		}
	}

	admin := s.Browser(t)
	admin.SignIn("admin")
	rows := exportRows(t, admin, "actor="+url.QueryEscape(fakeonelogin.PersonaEmployee))
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
	s := consoletest.Start(t, map[string]string{"HELPDESK_REQUIRE_TICKET": "true"})
	b := s.Browser(t)
	b.SignIn("helpdesk")
	locked := fakeonelogin.PersonaLockedID
	s.Tenant.ResetCalls()
	p := b.Act(userPath(locked, "unlock"), nil)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Give a ticket number or reason") {
		t.Errorf("unlock without a ticket = %d: %.300s", p.Status, p.Body)
	}
	if n := s.Tenant.CallCount("POST", "/api/2/users/"); n != 0 {
		t.Errorf("%d unlock calls without a ticket", n)
	}
	if p := b.Act(userPath(locked, "unlock"), url.Values{"ticket": {"INC-9"}}); p.Status != http.StatusOK {
		t.Errorf("unlock with a ticket = %d", p.Status)
	}
}

// ---- OIDC ----

// oidcStart follows the sign-in to the fake provider's person picker and
// returns the picker's form action and fields.
func oidcStart(t *testing.T, b *consoletest.Browser, next string) (string, url.Values) {
	t.Helper()
	p := b.Get(next)
	if !strings.HasSuffix(p.URL.Path, "/oidc/2/auth") {
		t.Fatalf("signed-out %s ended at %s, want the provider's picker", next, p.URL)
	}
	form := p.Doc.Find("form[method=post]")
	action, _ := form.Attr("action")
	fields := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		fields.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	u, err := p.URL.Parse(action)
	if err != nil || fields.Get("state") == "" {
		t.Fatalf("picker form: action %q, fields %v", action, fields)
	}
	return u.String(), fields
}

func pick(t *testing.T, b *consoletest.Browser, action string, fields url.Values) consoletest.Page {
	t.Helper()
	return b.Request("POST", action, fields, nil)
}

// TestConsole_oidc signs in through the fake tenant's OpenID Connect
// provider: the person picked is who the console shows, with the role
// their OneLogin roles give; a callback whose state this browser did not
// start is refused and leaves it signed out.
func TestConsole_oidc(t *testing.T) {
	s := consoletest.Start(t, map[string]string{"HELPDESK_AUTH_MODE": "oidc"})

	t.Run("sign in", func(t *testing.T) {
		b := s.Browser(t)
		action, fields := oidcStart(t, b, "/users")
		fields.Set("person", strconv.FormatInt(fakeonelogin.PersonaHelpdeskID, 10))
		p := pick(t, b, action, fields)
		if p.Status != http.StatusOK || p.URL.Path != "/users" {
			t.Fatalf("after sign-in: %d at %s: %.300s", p.Status, p.URL, p.Body)
		}
		if p.Text("[data-testid=whoami]") != fakeonelogin.PersonaHelpdesk || p.Text(".whoami .role-badge") != "helpdesk" {
			t.Errorf("signed in as %q (%q)", p.Text("[data-testid=whoami]"), p.Text(".whoami .role-badge"))
		}
		if p := b.Get("/audit"); p.Status != http.StatusForbidden {
			t.Errorf("helpdesk /audit = %d, want 403", p.Status)
		}
	})

	t.Run("state mismatch", func(t *testing.T) {
		b := s.Browser(t)
		action, fields := oidcStart(t, b, "/me")
		fields.Set("person", strconv.FormatInt(fakeonelogin.PersonaAdminID, 10))
		fields.Set("state", fields.Get("state")+"-forged")
		p := pick(t, b, action, fields)
		if p.Status != http.StatusBadRequest || p.URL.Path != "/auth/callback" {
			t.Errorf("forged state: %d at %s, want 400 at the callback", p.Status, p.URL.Path)
		}
		if p := b.Get("/me"); !strings.HasSuffix(p.URL.Path, "/oidc/2/auth") {
			t.Errorf("after a forged state /me ended at %s, want sign-in again", p.URL)
		}
	})

	t.Run("someone else's state", func(t *testing.T) {
		victim, attacker := s.Browser(t), s.Browser(t)
		action, fields := oidcStart(t, attacker, "/me")
		fields.Set("person", strconv.FormatInt(fakeonelogin.PersonaAdminID, 10))
		// The attacker's code and state, delivered to the victim's browser.
		noFollow := *attacker.Client()
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
		vp := victim.Do(mustRequest(t, "GET", callback))
		if vp.Status != http.StatusBadRequest {
			t.Errorf("a callback started in another browser = %d, want 400", vp.Status)
		}
		if p := victim.Get("/me"); strings.HasPrefix(p.URL.Path, "/me") {
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
	s := consoletest.Start(t, map[string]string{
		"HELPDESK_AUTH_MODE":       "proxy",
		"HELPDESK_TRUSTED_PROXIES": "127.0.0.1/32",
		"HELPDESK_SESSION_KEYS":    strings.Repeat("ab", 32),
	})
	helpdesk := map[string]string{"X-Forwarded-Email": fakeonelogin.PersonaHelpdesk, "X-Forwarded-Groups": fakeonelogin.GroupHelpdesk}

	t.Run("trusted peer", func(t *testing.T) {
		b := s.Browser(t)
		p := b.Request("GET", "/me", nil, helpdesk)
		if p.Status != http.StatusOK || p.Text("[data-testid=whoami]") != fakeonelogin.PersonaHelpdesk || p.Text(".whoami .role-badge") != "helpdesk" {
			t.Fatalf("trusted /me = %d as %q (%q)", p.Status, p.Text("[data-testid=whoami]"), p.Text(".whoami .role-badge"))
		}
		tok, _ := p.Doc.Find("input[name=csrf_token]").First().Attr("value")
		h := map[string]string{"Origin": s.URL}
		for k, v := range helpdesk {
			h[k] = v
		}
		locked := fakeonelogin.PersonaLockedID
		if p := b.Request("POST", userPath(locked, "unlock"), url.Values{"csrf_token": {tok}, "ticket": {"INC-P"}}, h); p.Status != http.StatusOK {
			t.Errorf("proxy-mode unlock = %d", p.Status)
		}
		if u, _ := s.Tenant.User(locked); u.Status != fakeonelogin.StatusActive {
			t.Error("proxy-mode unlock did not unlock")
		}
		// Without the identity headers the proxy's peer is nobody.
		if p := b.Request("GET", "/me", nil, nil); p.Status != http.StatusUnauthorized {
			t.Errorf("trusted peer without headers = %d, want 401", p.Status)
		}
	})

	cases := []struct {
		name    string
		remote  string
		headers map[string]string
	}{
		{"untrusted peer", "192.0.2.1:1234", helpdesk},
		{"untrusted peer as admin", "192.0.2.1:1234", map[string]string{"X-Forwarded-Email": fakeonelogin.PersonaAdmin, "X-Forwarded-Groups": fakeonelogin.GroupAdmins}},
		{"spoofed forwarded-for", "192.0.2.1:1234", map[string]string{"X-Forwarded-Email": fakeonelogin.PersonaAdmin,
			"X-Forwarded-Groups": fakeonelogin.GroupAdmins, "X-Forwarded-For": "127.0.0.1", "X-Real-Ip": "127.0.0.1"}},
		{"neighbouring address", "127.0.0.2:1234", helpdesk},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, target := range []string{"/me", "/audit", "/users/" + strconv.FormatInt(fakeonelogin.PersonaNoRolesID, 10)} {
				s.Tenant.ResetCalls()
				req := httptest.NewRequest("GET", target, nil)
				req.RemoteAddr = tc.remote
				for k, v := range tc.headers {
					req.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				s.App.Handler().ServeHTTP(rec, req)
				if rec.Code != http.StatusUnauthorized {
					t.Errorf("GET %s = %d, want 401", target, rec.Code)
				}
				if strings.Contains(rec.Body.String(), fakeonelogin.PersonaAdmin) || strings.Contains(rec.Body.String(), fakeonelogin.PersonaHelpdesk) {
					t.Errorf("GET %s answered with the claimed identity", target)
				}
				if n := len(s.Tenant.Calls()); n != 0 {
					t.Errorf("GET %s made %d calls to OneLogin", target, n)
				}
			}
		})
	}
}

// TestConsole_demoSaysSoOnEveryPage: a demo never passes for the real thing.
func TestConsole_demoSaysSoOnEveryPage(t *testing.T) {
	s := consoletest.Start(t, nil)
	b := s.Browser(t)
	if p := b.Get("/auth/login"); p.Text("[data-testid=demo-banner]") != "Demo tenant: nothing here is real." {
		t.Errorf("sign-in page has no demo banner: %.400s", p.Body)
	}
	b.SignIn("helpdesk")
	for _, path := range []string{"/users", "/me", userPath(fakeonelogin.PersonaLockedID, ""), "/no-such-page"} {
		if p := b.Get(path); p.Text("[data-testid=demo-banner]") == "" {
			t.Errorf("%s (%d) has no demo banner", path, p.Status)
		}
	}
}

// TestConsole_oneEmployeeCannotExhaustTheSharedQuota: an employee reloading
// /me uses up their own hourly budget and is told so (429, with when), and
// the helpdesk keeps working; the refusals show in the metrics.
func TestConsole_oneEmployeeCannotExhaustTheSharedQuota(t *testing.T) {
	s := consoletest.Start(t, map[string]string{"HELPDESK_BUDGET_EMPLOYEE": "6"})
	employee := s.Browser(t)
	employee.SignIn("employee")
	var last consoletest.Page
	for range 10 {
		if last = employee.Get("/me"); last.Status == http.StatusTooManyRequests {
			break
		}
	}
	if last.Status != http.StatusTooManyRequests || !strings.Contains(last.Body, "budget of 6 OneLogin calls for this hour") {
		t.Fatalf("after 10 reloads: %d %.300s", last.Status, last.Text("[data-testid=banner]"))
	}
	agent := s.Browser(t)
	agent.SignIn("helpdesk")
	if p := agent.Get(userPath(fakeonelogin.PersonaLockedID, "")); p.Status != http.StatusOK {
		t.Errorf("the helpdesk was refused after an employee's budget ran out: %d", p.Status)
	}
	metrics := agent.Get("/metrics")
	if !strings.Contains(metrics.Body, `helpdesk_quota_refusals_total{reason="budget"} 1`) ||
		!strings.Contains(metrics.Body, `helpdesk_quota_calls_total{role="employee"} 6`) {
		t.Errorf("quota metrics:\n%s", grepLines(metrics.Body, "helpdesk_quota"))
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
