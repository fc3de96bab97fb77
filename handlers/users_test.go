package handlers_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/fakeonelogin"
)

// ---- helpers ----

// getHX sends a GET as htmx does when it swaps into the element with id target.
func (c *console) getHX(target, hxTarget string) *httptest.ResponseRecorder {
	c.t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("HX-Request", "true")
	if hxTarget != "" {
		req.Header.Set("HX-Target", hxTarget)
	}
	rec := httptest.NewRecorder()
	c.http.ServeHTTP(rec, req)
	return rec
}

// userListCalls are the GET /api/1/users calls the fake received.
func (c *console) userListCalls() []fakeonelogin.Call {
	var out []fakeonelogin.Call
	for _, call := range c.fake.Tenant.Calls() {
		if call.Method == "GET" && call.Path == "/api/1/users" {
			out = append(out, call)
		}
	}
	return out
}

// rowIDs are the user ids of the search result rows, in page order.
func rowIDs(d *goquery.Document) []string {
	var ids []string
	d.Find(`[data-testid="user-row"]`).Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, s.AttrOr("data-user-id", ""))
	})
	return ids
}

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d; body:\n%s", rec.Code, want, clipBody(rec.Body.String()))
	}
}

func clipBody(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

func text(d *goquery.Document, sel string) string {
	return strings.Join(strings.Fields(d.Find(sel).Text()), " ")
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func TestUser_whyCannotSignIn(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	tests := []struct {
		name     string
		id       int64
		badge    string
		headline string
		details  []string
	}{
		{"locked with an end", fakeonelogin.PersonaLockedID, "Locked until ", "Locked until ", []string{"6 failed sign-in attempts"}},
		{"locked until unlocked", fakeonelogin.PersonaEmployeeID, "Locked until unlocked", "Locked until someone unlocks", []string{"5 failed sign-in attempts"}},
		{"suspended", fakeonelogin.PersonaSuspendedID, "Suspended", "Suspended", []string{"suspended the account"}},
		{"password expired", fakeonelogin.PersonaPasswordExpiredID, "Password expired", "Password expired", []string{"policy"}},
		{"unactivated", fakeonelogin.PersonaUnactivatedID, "Unactivated", "Not activated", []string{"never activated"}},
		{"awaiting reset", fakeonelogin.PersonaAwaitingResetID, "Awaiting password reset", "Waiting for a password reset", nil},
		{"password pending", fakeonelogin.PersonaPasswordPendingID, "Password pending", "No password set yet", nil},
		{"active", fakeonelogin.PersonaAdminID, "Active", "Nothing in OneLogin blocks sign-in", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := c.get("/users/" + id(tt.id))
			wantStatus(t, rec, 200)
			d := doc(t, rec)
			if got := text(d, `#user-status-badge [data-testid="status-badge"]`); !strings.HasPrefix(got, tt.badge) {
				t.Errorf("header badge %q, want %q…", got, tt.badge)
			}
			panel := d.Find("section#panel-status")
			if panel.Length() != 1 {
				t.Fatal("no status panel")
			}
			if got := strings.TrimSpace(panel.Find(`[data-testid="why-headline"]`).Text()); !strings.HasPrefix(got, tt.headline) {
				t.Errorf("headline %q, want %q…", got, tt.headline)
			}
			why := strings.Join(strings.Fields(panel.Find(`[data-testid="why"]`).Text()), " ")
			for _, w := range tt.details {
				if !strings.Contains(why, w) {
					t.Errorf("explanation %q lacks %q", why, w)
				}
			}
			if panel.Find(`[data-testid="why-fix"]`).Text() == "" {
				t.Error("no fix given")
			}
		})
	}

	// The locked persona's lock ends 20 minutes after the seed: the panel
	// gives the time and what is left.
	d := doc(t, c.get("/users/"+id(fakeonelogin.PersonaLockedID)))
	snap, _ := c.fake.Tenant.User(fakeonelogin.PersonaLockedID)
	until := snap.LockedUntil.UTC().Format("15:04")
	headline := text(d, `[data-testid="why-headline"]`)
	if !strings.Contains(headline, until) || !strings.Contains(headline, "left") {
		t.Errorf("headline %q lacks the end %s and the time left", headline, until)
	}
	if got := d.Find(`[data-testid="locked-until"] time`).AttrOr("datetime", ""); got != snap.LockedUntil.UTC().Format(time.RFC3339) {
		t.Errorf("locked-until datetime %q", got)
	}
	if got := text(d, `[data-testid="failed-attempts"]`); got != "6" {
		t.Errorf("failed attempts %q", got)
	}
}

func TestUser_page(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	c.fake.Tenant.ResetCalls()
	rec := c.get("/users/" + id(fakeonelogin.PersonaAdminID))
	wantStatus(t, rec, 200)
	d := doc(t, rec)

	if got := text(d, `[data-testid="user-name"]`); got != "Priya Raman" {
		t.Errorf("name %q", got)
	}
	if got := text(d, "title"); !strings.HasPrefix(got, "Priya Raman") {
		t.Errorf("title %q", got)
	}
	// Every panel appears once under its stable id.
	for _, panel := range []string{"panel-status", "panel-profile", "panel-apps", "panel-history"} {
		if n := d.Find("section#" + panel).Length(); n != 1 {
			t.Errorf("%d sections #%s", n, panel)
		}
	}
	if n := d.Find("#user-status-badge").Length(); n != 1 {
		t.Errorf("%d header badges", n)
	}

	// Roles by name, not id.
	roles := text(d, `#panel-profile [data-testid="roles"]`)
	if !strings.Contains(roles, fakeonelogin.GroupAdmins) {
		t.Errorf("roles panel %q lacks %q", roles, fakeonelogin.GroupAdmins)
	}
	if strings.Contains(roles, id(fakeonelogin.RoleIDAdmins)) {
		t.Errorf("roles panel shows a role id: %q", roles)
	}

	// Apps with name and icon; relative icons resolved against the tenant.
	apps := d.Find(`#panel-apps [data-testid="app"]`)
	if apps.Length() == 0 {
		t.Fatal("no apps shown")
	}
	relative := false
	apps.Each(func(_ int, s *goquery.Selection) {
		src := s.Find("img").AttrOr("src", "")
		if !strings.HasPrefix(src, c.fake.URL+"/") {
			t.Errorf("app %q icon %q is not an absolute tenant URL", s.Find(".app-name").Text(), src)
		}
		if s.Find(".app-name").Text() == "" {
			t.Error("app without a name")
		}
		if strings.Contains(src, "google-workspace") {
			relative = true
		}
	})
	if !relative {
		t.Error("the relative icon (Google Workspace) was not shown")
	}

	// Custom attribute values and the profile.
	if got := text(d, `#panel-profile [data-testid="attributes"]`); !strings.Contains(got, "CC-7100") {
		t.Errorf("attributes panel %q lacks cost_center's value", got)
	}
	if got := text(d, "#panel-profile"); !strings.Contains(got, fakeonelogin.PersonaAdmin) {
		t.Errorf("profile %q lacks the email", got)
	}
	if d.Find(`[data-testid="apps-missing"]`).Length() != 0 || d.Find(`[data-testid="partial-note"]`).Length() != 0 {
		t.Error("page says parts are missing")
	}
	// No style attributes or inline scripts (the CSP forbids them).
	if d.Find("[style]").Length() != 0 || d.Find("script:not([src])").Length() != 0 {
		t.Error("inline style or script on the page")
	}
	// The apps call was made, with the user, concurrently (one call each).
	if n := c.fake.Tenant.CallCount("GET", "/api/1/users/"+id(fakeonelogin.PersonaAdminID)+"/apps"); n != 1 {
		t.Errorf("%d apps calls", n)
	}
}

// TestUser_concurrentCalls shows the page's calls overlap: with latency on
// every OneLogin call, the user and apps calls arrive together.
func TestUser_concurrentCalls(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	c.get("/users/" + id(fakeonelogin.PersonaAdminID)) // token, roles and attributes cached
	c.fake.Tenant.SetLatency(latency)
	c.fake.Tenant.ResetCalls()
	start := time.Now()
	wantStatus(t, c.get("/users/"+id(fakeonelogin.PersonaLockedID)), 200)
	t.Logf("user page with %s per OneLogin call: %s", latency, time.Since(start))
	calls := c.fake.Tenant.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want the user and the apps", len(calls))
	}
	overlapping(t, calls)
}

func TestUser_invalidAndUnknown(t *testing.T) {
	tests := []struct {
		path   string
		status int
		want   string
		calls  bool
	}{
		{"/users/abc", 400, "is not a user id", false},
		{"/users/-5", 400, "is not a user id", false},
		{"/users/0", 400, "is not a user id", false},
		{"/users/99999999999999999999", 400, "is not a user id", false},
		{"/users/12", 404, "OneLogin has no user with id 12", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c := newConsole(t, access.RoleViewer)
			rec := c.get(tt.path)
			wantStatus(t, rec, tt.status)
			d := doc(t, rec)
			if got := text(d, `[data-testid="error-page"]`); !strings.Contains(got, tt.want) {
				t.Errorf("error page %q lacks %q", got, tt.want)
			}
			if d.Find("html").Length() != 1 {
				t.Error("not a whole page")
			}
			if n := len(c.fake.Tenant.Calls()); (n > 0) != tt.calls {
				t.Errorf("%d calls to OneLogin", n)
			}
		})
	}
}

func TestUser_forbidden(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	c.fake.Tenant.SetForbidden(fakeonelogin.PersonaAdminID, true)
	rec := c.get("/users/" + id(fakeonelogin.PersonaAdminID))
	wantStatus(t, rec, 403)
}

// TestUser_slowApps: apps that take longer than their budget (1.5 s) leave
// the page whole and on time, with the apps marked missing and the page
// saying so.
func TestUser_slowApps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { // the budget passes in virtual time
		stalled := onApps(func(r *http.Request, next http.RoundTripper) (*http.Response, error) {
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
				return nil, r.Context().Err()
			}
			return next.RoundTrip(r)
		})
		c := newConsole(t, access.RoleViewer, inProcess(), withFront(stalled))
		start := time.Now()
		rec := c.get("/users/" + id(fakeonelogin.PersonaLockedID))
		took := time.Since(start)
		t.Logf("user page with apps stalled: %s", took)
		wantStatus(t, rec, 200)
		d := doc(t, rec)
		if d.Find(`[data-testid="apps-missing"]`).Length() != 1 {
			t.Error("apps not marked missing")
		}
		if note := text(d, `[data-testid="partial-note"]`); !strings.Contains(note, "did not arrive from OneLogin in time (apps") {
			t.Errorf("page does not say the apps are missing: %q", note)
		}
		if got := text(d, `[data-testid="why-headline"]`); !strings.HasPrefix(got, "Locked until") {
			t.Errorf("status panel missing with slow apps: %q", got)
		}
		if took > 3*time.Second {
			t.Errorf("page took %s; the apps budget is 1.5 s", took)
		}
	})
}

func TestUser_failingApps(t *testing.T) {
	failing := onApps(func(*http.Request, http.RoundTripper) (*http.Response, error) {
		rec := httptest.NewRecorder()
		http.Error(rec, `{"status":{"error":true,"code":500,"type":"internal","message":"boom"}}`, 500)
		return rec.Result(), nil
	})
	c := newConsole(t, access.RoleViewer, withFront(failing))
	rec := c.get("/users/" + id(fakeonelogin.PersonaAdminID))
	wantStatus(t, rec, 200)
	if doc(t, rec).Find(`[data-testid="apps-missing"]`).Length() != 1 {
		t.Error("apps not marked missing")
	}
}

// onApps is a front (withFront) that answers OneLogin's apps listings with
// answer, which may pass the call on to next, and passes every other call on.
func onApps(answer func(r *http.Request, next http.RoundTripper) (*http.Response, error)) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/apps") {
				return answer(r, next)
			}
			return next.RoundTrip(r)
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestNoSecretsInLog: the client secret and the access token never reach
// the log, whatever the pages did (including failures).
func TestNoSecretsInLog(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	c.get("/users?q=ann")
	c.get("/users/" + id(fakeonelogin.PersonaLockedID))
	c.get("/users/12")
	c.get("/users?since=bad")
	c.fake.Tenant.FailNext(10, 500)
	c.get("/users?q=zqxterm")
	c.fake.Tenant.ExpireAllTokens()
	c.get("/users/" + id(fakeonelogin.PersonaAdminID))

	// The fake hands the same token to every caller of the credential until
	// it expires, so asking for one shows the token the console holds.
	body, _ := json.Marshal(map[string]string{"grant_type": "client_credentials"})
	req, _ := http.NewRequest("POST", c.fake.URL+"/auth/oauth2/v2/token", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(c.fake.ClientID, c.fake.ClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("no token from the fake: %v", err)
	}

	log := c.logBuf.String()
	if log == "" {
		t.Fatal("nothing was logged")
	}
	for name, secret := range map[string]string{"client secret": c.fake.ClientSecret, "access token": tok.AccessToken} {
		if strings.Contains(log, secret) {
			t.Errorf("the log contains the %s", name)
		}
	}
	// Search terms are personal data: the access log has the route, not the URL.
	if strings.Contains(log, "zqxterm") {
		t.Error("the log contains a search term")
	}
}
