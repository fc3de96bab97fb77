package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/client/onelogintest"
	"onelogin-helpdesk/sqlitestore"
)

// These tests run the assembled console (console.New, served by serve)
// against its embedded fake tenant and check the operational promises:
// request ids reach OneLogin and the audit trail, no secret reaches the
// log, the breaker fails fast and recovers, probes and metrics answer
// without sign-in, and a slow apps listing does not hold up a page.

// confirmedRe is the token of the question a destructive action asks.
var confirmedRe = regexp.MustCompile(`name="confirmed" value="([^"]+)"`)

func TestRequestID_reachesOneLoginTheLogAndTheAuditTrail(t *testing.T) {
	tc := startConsole(t, nil)
	id := tc.userID(t, onelogintest.PersonaLocked)
	page := fmt.Sprintf("/users/%d", id)

	code, body, hdr := tc.do(t, agent, "GET", page, nil, map[string]string{"X-Request-Id": "abc"})
	if code != 200 {
		t.Fatalf("GET %s: %d", page, code)
	}
	if got := hdr.Get("X-Request-Id"); got != "abc" {
		t.Errorf("response X-Request-Id %q", got)
	}
	calls := 0
	for _, c := range tc.Tenant.Calls() {
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
	// The access line is written once the answer has gone out, so it may
	// land just after the client has read it.
	if !logEventually(t, tc.Logs.String, map[string]any{"msg": "request", "route": "/users/:id", "request_id": "abc"}) {
		t.Error("no access log line with request_id abc")
	}

	form := url.Values{"csrf_token": {csrf(t, body)}, "ticket": {"INC-1"}}
	code, _, _ = tc.do(t, agent, "POST", page+"/unlock", form, map[string]string{"X-Request-Id": "unlock-7f3a", "HX-Request": "true"})
	if code != 200 {
		t.Fatalf("unlock: %d", code)
	}
	var unlockCall *onelogintest.Call
	for _, c := range tc.Tenant.Calls() {
		if c.Method != "GET" && strings.Contains(c.Path, strconv.FormatInt(id, 10)) {
			unlockCall = &c
		}
	}
	if unlockCall == nil || unlockCall.Header.Get("X-Request-Id") != "unlock-7f3a" {
		t.Errorf("the unlock call to OneLogin did not carry the request id: %+v", unlockCall)
	}

	store, err := sqlitestore.Open(tc.cfg.Audit.DB, nil)
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

// logHas reports whether some JSON log line has all of want's fields.
func logHas(t *testing.T, logs string, want map[string]any) bool {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		match := true
		for k, v := range want {
			if m[k] != v {
				match = false
			}
		}
		if match {
			return true
		}
	}
	return false
}

// logEventually is logHas for a line that may still be on its way: it looks
// again for up to five seconds.
func logEventually(t *testing.T, logs func() string, want map[string]any) bool {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if logHas(t, logs(), want) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var secretRe = regexp.MustCompile(`class="secret-value">([^<]+)<`)

// TestLogs_carryNoSecret signs in, searches, opens a page, creates an MFA
// token and resets a password twice (typed and generated) with the log at
// debug level, then looks for every secret in the log.
func TestLogs_carryNoSecret(t *testing.T) {
	tc := startConsole(t, map[string]string{"HELPDESK_AUTH_MODE": "demo"})
	nobody := staff{}

	code, body, _ := tc.do(t, nobody, "GET", "/auth/login", nil, nil)
	if code != 200 {
		t.Fatalf("sign-in page: %d", code)
	}
	code, _, _ = tc.do(t, nobody, "POST", "/auth/demo", url.Values{"persona": {"admin"}, "csrf_token": {csrf(t, body)}, "next": {"/"}}, nil)
	if code != http.StatusSeeOther {
		t.Fatalf("demo sign-in: %d", code)
	}
	code, _, _ = tc.do(t, nobody, "GET", "/users?q=marguerite", nil, map[string]string{"HX-Request": "true", "HX-Target": "search-results"})
	if code != 200 {
		t.Fatalf("search: %d", code)
	}
	id := tc.userID(t, onelogintest.PersonaLocked)
	page := fmt.Sprintf("/users/%d", id)
	code, body, _ = tc.do(t, nobody, "GET", page, nil, nil)
	if code != 200 {
		t.Fatalf("user page: %d", code)
	}
	token := csrf(t, body)

	secrets := map[string]string{"client secret": tc.Tenant.ClientSecret(), "CSRF token": token}
	post := func(action string, form url.Values) string {
		t.Helper()
		form.Set("csrf_token", token)
		code, body, _ := tc.do(t, nobody, "POST", page+"/"+action, form, map[string]string{"HX-Request": "true"})
		if m := confirmedRe.FindStringSubmatch(body); m != nil { // a destructive action asks first
			form.Set("confirmed", m[1])
			code, body, _ = tc.do(t, nobody, "POST", page+"/"+action, form, map[string]string{"HX-Request": "true"})
		}
		if code != 200 {
			t.Fatalf("%s: %d", action, code)
		}
		return body
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
	if !tc.Tenant.CheckPassword(id, generated) {
		t.Fatal("the generated password shown is not the one OneLogin has")
	}
	secrets["access token"] = fakeAccessToken(t, tc)
	for _, c := range tc.Client.Jar.Cookies(mustURL(t, tc.URL)) {
		secrets["cookie "+c.Name] = c.Value
	}

	logs := tc.Logs.String()
	for _, want := range []string{`"msg":"signed in"`, `"route":"/users/:id/mfa-token"`, `"route":"/users/:id/password"`} {
		if !strings.Contains(logs, want) {
			t.Fatalf("the log lacks %s: the test saw nothing", want)
		}
	}
	for name, s := range secrets {
		if len(s) < 6 {
			t.Fatalf("%s %q is too short to search for", name, s)
		}
		quoted, _ := json.Marshal(s) // as a JSON log would write it
		if strings.Contains(logs, s) || strings.Contains(logs, strings.Trim(string(quoted), `"`)) {
			t.Errorf("the log contains the %s", name)
		}
	}
}

// fakeAccessToken is the access token the console got: the fake hands the
// current token out again to the same credential until it expires.
func fakeAccessToken(t *testing.T, tc *testConsole) string {
	t.Helper()
	req, _ := http.NewRequest("POST", tc.App.Fake().URL+"/auth/oauth2/v2/token", strings.NewReader(`{"grant_type":"client_credentials"}`))
	req.SetBasicAuth(tc.Tenant.ClientID(), tc.Tenant.ClientSecret())
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
	if n := tc.Tenant.CallCount("POST", "/auth/oauth2/v2/token"); n != 2 {
		t.Fatalf("%d token requests: the console's and ours expected", n)
	}
	return tok.AccessToken
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestBreaker_failsFastThenRecovers: after repeated 5xx answers the console
// stops calling OneLogin, answers at once with the OneLogin banner, reports
// it in /readyz and /metrics, and calls again after the open period.
func TestBreaker_failsFastThenRecovers(t *testing.T) {
	tc := startConsole(t, map[string]string{"HELPDESK_BREAKER_FAILURES": "3", "HELPDESK_BREAKER_OPEN": "700ms"})
	id := tc.userID(t, onelogintest.PersonaLocked)
	page := fmt.Sprintf("/users/%d", id)
	if code, _, _ := tc.do(t, agent, "GET", page, nil, nil); code != 200 {
		t.Fatalf("GET %s: %d", page, code)
	}

	tc.Tenant.FailNext(1000, http.StatusServiceUnavailable)
	for i := 0; i < 3; i++ {
		code, body, _ := tc.do(t, agent, "GET", page, nil, nil)
		if code < 500 || !strings.Contains(body, "OneLogin") {
			t.Fatalf("page %d with OneLogin failing: %d", i, code)
		}
	}
	before := len(tc.Tenant.Calls())
	start := time.Now()
	code, body, _ := tc.do(t, agent, "GET", page, nil, nil)
	elapsed := time.Since(start)
	if code < 500 || !strings.Contains(body, `id="banner"`) || !strings.Contains(body, "OneLogin") {
		t.Errorf("page with the breaker open: %d", code)
	}
	if n := len(tc.Tenant.Calls()) - before; n != 0 {
		t.Errorf("%d calls reached OneLogin with the breaker open", n)
	}
	if elapsed > time.Second {
		t.Errorf("failing fast took %s", elapsed)
	}
	_, ready, _ := tc.do(t, staff{}, "GET", "/readyz", nil, nil)
	if !strings.Contains(ready, "not ready: OneLogin has failed repeatedly; the console stopped asking for 700ms") {
		t.Errorf("/readyz: %q", ready)
	}
	_, metrics, _ := tc.do(t, staff{}, "GET", "/metrics", nil, nil)
	for _, want := range []string{`helpdesk_onelogin_breaker_state{state="open"} 1`, `status="503"`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !regexp.MustCompile(`(?m)^helpdesk_onelogin_breaker_rejected_total [1-9]`).MatchString(metrics) {
		t.Error("/metrics counts no rejected calls")
	}
	if !logHas(t, tc.Logs.String(), map[string]any{"msg": "OneLogin circuit breaker", "to": "open", "level": "WARN"}) {
		t.Error("the breaker opening was not logged")
	}

	tc.Tenant.FailNext(0, 0)
	time.Sleep(800 * time.Millisecond)
	if code, _, _ := tc.do(t, agent, "GET", page, nil, nil); code != 200 {
		t.Errorf("after the open period with OneLogin back: %d", code)
	}
	_, metrics, _ = tc.do(t, staff{}, "GET", "/metrics", nil, nil)
	if !strings.Contains(metrics, `helpdesk_onelogin_breaker_state{state="closed"} 1`) {
		t.Error("the breaker did not close again")
	}
}

// TestBreaker_fourHundredsNeverOpenIt: OneLogin answering "no such user"
// many times is OneLogin working.
func TestBreaker_fourHundredsNeverOpenIt(t *testing.T) {
	tc := startConsole(t, map[string]string{"HELPDESK_BREAKER_FAILURES": "2"})
	for i := 0; i < 5; i++ {
		if code, _, _ := tc.do(t, agent, "GET", fmt.Sprintf("/users/%d", 990000+i), nil, nil); code != 404 {
			t.Fatalf("unknown user: %d", code)
		}
	}
	id := tc.userID(t, onelogintest.PersonaLocked)
	if code, _, _ := tc.do(t, agent, "GET", fmt.Sprintf("/users/%d", id), nil, nil); code != 200 {
		t.Errorf("after five 404s: %d", code)
	}
}

// TestOps_probesAndMetricsNeedNoSignIn: the probes and /metrics answer a
// request with no identity at all, and metrics count pages by route.
func TestOps_probesAndMetricsNeedNoSignIn(t *testing.T) {
	tc := startConsole(t, nil)
	id := tc.userID(t, onelogintest.PersonaLocked)
	tc.do(t, agent, "GET", fmt.Sprintf("/users/%d", id), nil, nil)
	tc.do(t, agent, "GET", "/users?q=secret-search-term", nil, nil)

	cases := []struct{ path, want string }{
		{"/healthz", "ok"},
		{"/readyz", "ready"},
		{"/metrics", `helpdesk_http_request_duration_seconds_count{method="GET",route="/users/:id",status="200"} 1`},
		{"/metrics", `helpdesk_onelogin_request_duration_seconds_count{op="GetUser",status="200"} 1`},
		{"/metrics", `helpdesk_onelogin_token_fetches_total{outcome="ok"} 1`},
		{"/metrics", `helpdesk_audit_write_failures_total{op="begin"} 0`},
	}
	for _, c := range cases {
		code, body, _ := tc.do(t, staff{}, "GET", c.path, nil, nil)
		if code != 200 || !strings.Contains(body, c.want) {
			t.Errorf("GET %s: %d, want 200 with %q", c.path, code, c.want)
		}
	}
	_, metrics, _ := tc.do(t, staff{}, "GET", "/metrics", nil, nil)
	if strings.Contains(metrics, "secret-search-term") || strings.Contains(metrics, strconv.FormatInt(id, 10)+`"`) {
		t.Error("metrics carry a search term or a user id")
	}
	if !regexp.MustCompile(`(?m)^helpdesk_onelogin_rate_limit_remaining [1-9]`).MatchString(metrics) {
		t.Error("no remaining rate limit in /metrics")
	}
}

// TestUserPage_slowAppsDoNotHoldThePage puts a proxy in front of a fake
// tenant that delays only the apps listing, and checks that the page comes
// within the apps budget (1.5 s) and says the apps are missing.
func TestUserPage_slowAppsDoNotHoldThePage(t *testing.T) {
	fake := onelogintest.NewServer(onelogintest.Options{Seed: 1, Users: 50})
	defer fake.Close()
	target, _ := url.Parse(fake.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	appsRe := regexp.MustCompile(`^/api/1/users/\d+/apps$`)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if appsRe.MatchString(r.URL.Path) {
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	defer slow.Close()

	tc := startConsole(t, map[string]string{
		"ONELOGIN_URL": slow.URL, "ONELOGIN_CLIENT_ID": fake.ClientID, "ONELOGIN_CLIENT_SECRET": fake.ClientSecret,
		"HELPDESK_SESSION_KEYS":    strings.Repeat("ab", 32),
		"HELPDESK_HELPDESK_GROUPS": onelogintest.GroupHelpdesk,
	})
	u, _ := fake.Tenant.FindByEmail(onelogintest.PersonaLocked)
	tc.do(t, agent, "GET", "/healthz", nil, nil)
	start := time.Now()
	code, body, _ := tc.do(t, agent, "GET", fmt.Sprintf("/users/%d", u.ID), nil, nil)
	elapsed := time.Since(start)
	if code != 200 {
		t.Fatalf("user page: %d", code)
	}
	if elapsed > 3*time.Second {
		t.Errorf("the page took %s with apps taking 5 s; the apps budget is 1.5 s", elapsed)
	}
	if !strings.Contains(body, "did not arrive from OneLogin in time (apps") {
		t.Error("the page does not say the apps are missing")
	}
	t.Logf("user page with 5 s apps: %s", elapsed.Round(time.Millisecond))
}

// TestTimeout_fromConfiguration: ONELOGIN_TIMEOUT bounds every OneLogin
// call, so a OneLogin that does not answer costs a page that long, not more.
func TestTimeout_fromConfiguration(t *testing.T) {
	tc := startConsole(t, map[string]string{"ONELOGIN_TIMEOUT": "300ms", "HELPDESK_FAKE_LATENCY": "5s"})
	id := tc.userID(t, onelogintest.PersonaLocked)
	start := time.Now()
	code, body, _ := tc.do(t, agent, "GET", fmt.Sprintf("/users/%d", id), nil, nil)
	elapsed := time.Since(start)
	if code < 500 || !strings.Contains(body, `id="banner"`) {
		t.Errorf("page with OneLogin not answering: %d", code)
	}
	if elapsed < 300*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("the page took %s with a 300ms OneLogin timeout", elapsed)
	}
	_, metrics, _ := tc.do(t, staff{}, "GET", "/metrics", nil, nil)
	if !strings.Contains(metrics, `helpdesk_onelogin_token_fetches_total{outcome="error"} 1`) {
		t.Error("the timed-out token request was not counted as an error")
	}
}
