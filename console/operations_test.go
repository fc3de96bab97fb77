package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
	"onelogin-helpdesk/sqlitestore"
)

// These tests check the console's operational promises: request ids reach
// OneLogin and the audit trail, no secret reaches the log, the breaker
// fails fast and recovers, probes and metrics answer without sign-in, and
// ONELOGIN_TIMEOUT bounds a page.

// confirmedRe is the token of the question a destructive action asks.
var confirmedRe = regexp.MustCompile(`name="confirmed" value="([^"]+)"`)

// behindProxy is settings for a console whose staff are who a trusted
// proxy on loopback says they are.
func behindProxy(settings map[string]string) map[string]string {
	env := map[string]string{"HELPDESK_AUTH_MODE": "proxy", "HELPDESK_TRUSTED_PROXIES": "127.0.0.1/32"}
	maps.Copy(env, settings)
	return env
}

// asHelpdesk makes b's requests come through that proxy from helpdesk staff.
func asHelpdesk(b *consoletest.Browser) *consoletest.Browser {
	b.ProxySignIn(fakeonelogin.PersonaHelpdesk, fakeonelogin.GroupHelpdesk)
	return b
}

func TestRequestID_reachesOneLoginTheLogAndTheAuditTrail(t *testing.T) {
	s := consoletest.Start(t, behindProxy(nil))
	b := asHelpdesk(s.Browser(t))
	id := fakeonelogin.PersonaLockedID
	page := userPath(id, "")

	p := b.Request("GET", page, nil, map[string]string{"X-Request-Id": "abc"})
	if p.Status != 200 {
		t.Fatalf("GET %s: %d", page, p.Status)
	}
	if got := p.Header.Get("X-Request-Id"); got != "abc" {
		t.Errorf("response X-Request-Id %q", got)
	}
	calls := 0
	for _, c := range s.Tenant.Calls() {
		if strings.HasPrefix(c.Path, "/api/1/users/"+strconv.FormatInt(id, 10)) {
			calls++
			if got := c.Header.Get("X-Request-Id"); got != "abc" {
				t.Errorf("%s %s sent X-Request-Id %q, want abc", c.Method, c.Path, got)
			}
		}
	}
	if calls < 2 { // the user and their apps
		t.Errorf("%d calls about the user reached OneLogin", calls)
	}
	if !s.Logs.Eventually(t, map[string]any{"msg": "request", "route": "/users/:id", "request_id": "abc"}) {
		t.Error("no access log line with request_id abc")
	}

	form := url.Values{"csrf_token": {b.CSRF()}, "ticket": {"INC-1"}}
	p = b.Request("POST", page+"/unlock", form, map[string]string{"Origin": s.URL, "X-Request-Id": "unlock-7f3a", "HX-Request": "true"})
	if p.Status != 200 {
		t.Fatalf("unlock: %d", p.Status)
	}
	var unlockCall *fakeonelogin.Call
	for _, c := range s.Tenant.Calls() {
		if c.Method != "GET" && strings.Contains(c.Path, strconv.FormatInt(id, 10)) {
			unlockCall = &c
		}
	}
	if unlockCall == nil || unlockCall.Header.Get("X-Request-Id") != "unlock-7f3a" {
		t.Errorf("the unlock call to OneLogin did not carry the request id: %+v", unlockCall)
	}

	store, err := sqlitestore.Open(s.Config.Audit.DB, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	recs, err := store.ForTarget(context.Background(), id, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || recs[0].Action != "unlock" || recs[0].RequestID != "unlock-7f3a" {
		t.Errorf("audit record %+v, want the unlock with request id unlock-7f3a", recs)
	}
}

var secretRe = regexp.MustCompile(`class="secret-value">([^<]+)<`)

// TestLogs_carryNoSecret signs in, searches, opens a page, creates an MFA
// token and resets a password twice (typed and generated) with the log at
// debug level, then looks for every secret in the log.
func TestLogs_carryNoSecret(t *testing.T) {
	s := consoletest.Start(t, nil)
	b := s.Browser(t)
	b.SignIn("admin")
	if p := b.Request("GET", "/users?q=marguerite", nil, map[string]string{"HX-Request": "true", "HX-Target": "search-results"}); p.Status != 200 {
		t.Fatalf("search: %d", p.Status)
	}
	id := fakeonelogin.PersonaLockedID
	page := userPath(id, "")
	if p := b.Get(page); p.Status != 200 {
		t.Fatalf("user page: %d", p.Status)
	}
	token := b.CSRF()

	secrets := map[string]string{"client secret": s.Tenant.ClientSecret(), "CSRF token": token}
	post := func(action string, form url.Values) string {
		t.Helper()
		form.Set("csrf_token", token)
		p := b.Request("POST", page+"/"+action, form, map[string]string{"Origin": s.URL, "HX-Request": "true"})
		if m := confirmedRe.FindStringSubmatch(p.Body); m != nil { // a destructive action asks first
			form.Set("confirmed", m[1])
			p = b.Request("POST", page+"/"+action, form, map[string]string{"Origin": s.URL, "HX-Request": "true"})
		}
		if p.Status != 200 {
			t.Fatalf("%s: %d", action, p.Status)
		}
		return p.Body
	}
	m := secretRe.FindStringSubmatch(post("mfa-token", url.Values{"expires_in": {"600"}}))
	if m == nil {
		t.Fatal("no MFA token shown")
	}
	secrets["MFA token"] = html.UnescapeString(m[1])
	typed := "Typed-Secret-Pass-42!"
	post("password", url.Values{"mode": {"set"}, "password": {typed}, "password_confirmation": {typed}})
	secrets["typed password"] = typed
	m = secretRe.FindStringSubmatch(post("password", url.Values{"mode": {"generate"}}))
	if m == nil {
		t.Fatal("no generated password shown")
	}
	generated := html.UnescapeString(m[1])
	secrets["generated password"] = generated
	if !s.Tenant.CheckPassword(id, generated) {
		t.Fatal("the generated password shown is not the one OneLogin has")
	}
	secrets["access token"] = fakeAccessToken(t, s)
	for _, c := range b.Cookies() {
		secrets["cookie "+c.Name] = c.Value
	}

	logs := s.Logs.String()
	for _, want := range []string{`"msg":"signed in"`, `"route":"/users/:id/mfa-token"`, `"route":"/users/:id/password"`} {
		if !strings.Contains(logs, want) {
			t.Fatalf("the log lacks %s: the test saw nothing", want)
		}
	}
	for name, secret := range secrets {
		if len(secret) < 6 {
			t.Fatalf("%s %q is too short to search for", name, secret)
		}
		quoted, _ := json.Marshal(secret) // as a JSON log would write it
		if strings.Contains(logs, secret) || strings.Contains(logs, strings.Trim(string(quoted), `"`)) {
			t.Errorf("the log contains the %s", name)
		}
	}
}

// fakeAccessToken is the access token the console got: the fake hands the
// current token out again to the same credential until it expires.
func fakeAccessToken(t *testing.T, s *consoletest.Console) string {
	t.Helper()
	req, _ := http.NewRequest("POST", s.App.Fake().URL+"/auth/oauth2/v2/token", strings.NewReader(`{"grant_type":"client_credentials"}`))
	req.SetBasicAuth(s.Tenant.ClientID(), s.Tenant.ClientSecret())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	if n := s.Tenant.CallCount("POST", "/auth/oauth2/v2/token"); n != 2 {
		t.Fatalf("%d token requests: the console's and ours expected", n)
	}
	return tok.AccessToken
}

// TestBreaker_failsFastThenRecovers: after repeated 5xx answers the console
// stops calling OneLogin, answers at once with the OneLogin banner, reports
// it in /readyz and /metrics, and calls again after the open period.
//
// It runs on the real clock, briefly: the whole console shares its state
// store with goroutines of its own (the bulk-job runner, the janitor) that a
// testing/synctest bubble cannot hold, and virtual time would leap past
// their brief holds on the store. The breaker's timing is tested in
// virtual time in package breaker.
func TestBreaker_failsFastThenRecovers(t *testing.T) {
	s := consoletest.New(t, behindProxy(map[string]string{"HELPDESK_BREAKER_FAILURES": "3", "HELPDESK_BREAKER_OPEN": "300ms"}))
	{
		b, anonymous := asHelpdesk(s.InProcessBrowser(t)), s.InProcessBrowser(t)
		page := userPath(fakeonelogin.PersonaLockedID, "")
		if p := b.Get(page); p.Status != 200 {
			t.Fatalf("GET %s: %d", page, p.Status)
		}

		s.Tenant.FailNext(1000, http.StatusServiceUnavailable)
		for i := range 3 {
			if p := b.Get(page); p.Status < 500 || !strings.Contains(p.Body, "OneLogin") {
				t.Fatalf("page %d with OneLogin failing: %d", i, p.Status)
			}
		}
		before := len(s.Tenant.Calls())
		start := time.Now()
		p := b.Get(page)
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Errorf("failing fast took %s", elapsed)
		}
		if p.Status < 500 || !strings.Contains(p.Body, `id="banner"`) || !strings.Contains(p.Body, "OneLogin") {
			t.Errorf("page with the breaker open: %d", p.Status)
		}
		if n := len(s.Tenant.Calls()) - before; n != 0 {
			t.Errorf("%d calls reached OneLogin with the breaker open", n)
		}
		if ready := anonymous.Get("/readyz").Body; !strings.Contains(ready, "not ready: OneLogin has failed repeatedly; the console stopped asking for 300ms") {
			t.Errorf("/readyz: %q", ready)
		}
		metrics := anonymous.Get("/metrics").Body
		for _, want := range []string{`helpdesk_onelogin_breaker_state{state="open"} 1`, `status="503"`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if !regexp.MustCompile(`(?m)^helpdesk_onelogin_breaker_rejected_total [1-9]`).MatchString(metrics) {
			t.Error("/metrics counts no rejected calls")
		}
		if !s.Logs.Has(t, map[string]any{"msg": "OneLogin circuit breaker", "to": "open", "level": "WARN"}) {
			t.Error("the breaker opening was not logged")
		}

		s.Tenant.FailNext(0, 0)
		time.Sleep(350 * time.Millisecond) // the open period, on the real clock (see above)
		if p := b.Get(page); p.Status != 200 {
			t.Errorf("after the open period with OneLogin back: %d", p.Status)
		}
		if metrics := anonymous.Get("/metrics").Body; !strings.Contains(metrics, `helpdesk_onelogin_breaker_state{state="closed"} 1`) {
			t.Error("the breaker did not close again")
		}
	}
}

// TestBreaker_fourHundredsNeverOpenIt: OneLogin answering "no such user"
// many times is OneLogin working.
func TestBreaker_fourHundredsNeverOpenIt(t *testing.T) {
	s := consoletest.Start(t, behindProxy(map[string]string{"HELPDESK_BREAKER_FAILURES": "2"}))
	b := asHelpdesk(s.Browser(t))
	for i := range 5 {
		if p := b.Get(fmt.Sprintf("/users/%d", 990000+i)); p.Status != 404 {
			t.Fatalf("unknown user: %d", p.Status)
		}
	}
	if p := b.Get(userPath(fakeonelogin.PersonaLockedID, "")); p.Status != 200 {
		t.Errorf("after five 404s: %d", p.Status)
	}
}

// TestOps_probesAndMetricsNeedNoSignIn: the probes and /metrics answer a
// request with no identity at all, and metrics count pages by route.
func TestOps_probesAndMetricsNeedNoSignIn(t *testing.T) {
	s := consoletest.Start(t, behindProxy(nil))
	b := asHelpdesk(s.Browser(t))
	id := fakeonelogin.PersonaLockedID
	b.Get(userPath(id, ""))
	b.Get("/users?q=secret-search-term")

	anonymous := s.Browser(t)
	cases := []struct{ path, want string }{
		{"/healthz", "ok"},
		{"/readyz", "ready"},
		{"/metrics", `helpdesk_http_request_duration_seconds_count{method="GET",route="/users/:id",status="200"} 1`},
		{"/metrics", `helpdesk_onelogin_request_duration_seconds_count{op="GetUser",status="200"} 1`},
		{"/metrics", `helpdesk_onelogin_token_fetches_total{outcome="ok"} 1`},
		{"/metrics", `helpdesk_audit_write_failures_total{op="begin"} 0`},
	}
	for _, c := range cases {
		if p := anonymous.Get(c.path); p.Status != 200 || !strings.Contains(p.Body, c.want) {
			t.Errorf("GET %s: %d, want 200 with %q", c.path, p.Status, c.want)
		}
	}
	metrics := anonymous.Get("/metrics").Body
	if strings.Contains(metrics, "secret-search-term") || strings.Contains(metrics, strconv.FormatInt(id, 10)+`"`) {
		t.Error("metrics carry a search term or a user id")
	}
	if !regexp.MustCompile(`(?m)^helpdesk_onelogin_rate_limit_remaining [1-9]`).MatchString(metrics) {
		t.Error("no remaining rate limit in /metrics")
	}
}

// TestTimeout_fromConfiguration: ONELOGIN_TIMEOUT bounds every OneLogin
// call, so a OneLogin that does not answer costs a page that long, not more.
//
// Like the breaker test it runs on the real clock, for the same reason.
func TestTimeout_fromConfiguration(t *testing.T) {
	s := consoletest.New(t, behindProxy(map[string]string{"ONELOGIN_TIMEOUT": "200ms", "HELPDESK_FAKE_LATENCY": "5s"}))
	{
		b, anonymous := asHelpdesk(s.InProcessBrowser(t)), s.InProcessBrowser(t)
		// The start's token fetch outlives the start's own wait by a hair;
		// a page that joined it would fail with it, early.
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(anonymous.Get("/metrics").Body, `helpdesk_onelogin_token_fetches_total{outcome="error"} 1`); {
			if time.Now().After(deadline) {
				t.Fatal("the token fetch at start was never counted as an error")
			}
			time.Sleep(10 * time.Millisecond)
		}
		start := time.Now()
		p := b.Get(userPath(fakeonelogin.PersonaLockedID, ""))
		elapsed := time.Since(start)
		if p.Status < 500 || !strings.Contains(p.Body, `id="banner"`) {
			t.Errorf("page with OneLogin not answering: %d", p.Status)
		}
		if elapsed < 200*time.Millisecond || elapsed > 2*time.Second {
			t.Errorf("the page took %s with a 200ms OneLogin timeout", elapsed)
		}
		// One at start, where the protected roles are checked, one for the page.
		if metrics := anonymous.Get("/metrics").Body; !strings.Contains(metrics, `helpdesk_onelogin_token_fetches_total{outcome="error"} 2`) {
			t.Error("the timed-out token request was not counted as an error")
		}
	}
}

// TestConsole_realTenant: with ONELOGIN_URL the console is no demo: it
// calls that tenant over the network with the credential it was given,
// and shows the person with their apps and no demo banner.
func TestConsole_realTenant(t *testing.T) {
	tenant := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: 50})
	defer tenant.Close()
	s := consoletest.Start(t, behindProxy(map[string]string{
		"ONELOGIN_URL": tenant.URL, "ONELOGIN_CLIENT_ID": tenant.ClientID, "ONELOGIN_CLIENT_SECRET": tenant.ClientSecret,
		"HELPDESK_SESSION_KEYS":    strings.Repeat("ab", 32),
		"HELPDESK_HELPDESK_GROUPS": fakeonelogin.GroupHelpdesk,
	}))
	b := asHelpdesk(s.Browser(t))
	if s.App.Fake() != nil || s.Tenant != nil {
		t.Fatal("a console on a real tenant started a fake one")
	}
	u, _ := tenant.Tenant.User(fakeonelogin.PersonaLockedID)
	p := b.Get(userPath(u.ID, ""))
	if p.Status != 200 || p.Text("[data-testid=user-name]") != strings.TrimSpace(u.Firstname+" "+u.Lastname) {
		t.Fatalf("user page: %d for %q", p.Status, p.Text("[data-testid=user-name]"))
	}
	if p.Doc.Find("[data-testid=app]").Length() == 0 || p.Doc.Find("[data-testid=partial-note]").Length() != 0 {
		t.Error("the page does not list the person's apps")
	}
	if p.Doc.Find("[data-testid=demo-banner]").Length() != 0 {
		t.Error("a console on a real tenant says it is a demo")
	}
	if n := tenant.Tenant.CallCount("GET", "/api/1/users/"+strconv.FormatInt(u.ID, 10)); n == 0 {
		t.Error("the tenant at ONELOGIN_URL was not asked")
	}
}
