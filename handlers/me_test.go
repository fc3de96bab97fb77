package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// userCalls lists the fake's calls that name a user, as "METHOD path?query".
func userCalls(c *console) []string {
	var out []string
	for _, call := range c.fake.Tenant.Calls() {
		if strings.Contains(call.Path, "/users") {
			out = append(out, call.Method+" "+call.Path+"?"+call.RawQuery)
		}
	}
	return out
}

// userIDInPath finds the user ids named in API paths.
var userIDInPath = regexp.MustCompile(`/users/(?:set_password_[a-z_]+/)?([0-9]+)`)

// textOf is the trimmed text of the elements matching sel.
func textOf(d *goquery.Document, sel string) string { return strings.TrimSpace(d.Find(sel).Text()) }

// wantCode fails the test unless the answer has the status.
func wantCode(t *testing.T, rec *httptest.ResponseRecorder, code int) {
	t.Helper()
	if rec.Code != code {
		t.Fatalf("status = %d, want %d: %.400s", rec.Code, code, rec.Body.String())
	}
}

func idStr(n int64) string { return strconv.FormatInt(n, 10) }

// writesOf lists the calls that asked OneLogin to change something.
func writesOf(c *console) []string {
	var out []string
	for _, call := range c.fake.Tenant.Calls() {
		if call.Method != http.MethodGet && strings.HasPrefix(call.Path, "/api/") {
			out = append(out, call.Method+" "+call.Path)
		}
	}
	return out
}

// oneRecord returns the only audit record, failing if there is not exactly one.
func oneRecord(t *testing.T, c *console) audit.Record {
	t.Helper()
	recs := c.records()
	if len(recs) != 1 {
		t.Fatalf("audit records = %d, want 1: %+v", len(recs), recs)
	}
	return recs[0]
}

// ---- GET /me ----

// TestMe_showsOwnAccount: every signed-in role sees their own account,
// found by an exact email lookup, with its status in words; the unlock is
// offered only when the account is locked.
func TestMe_showsOwnAccount(t *testing.T) {
	cases := []struct {
		name       string
		role       access.Role
		email      string
		badge      string
		status     string
		wantUnlock bool
	}{
		{"employee locked", access.RoleEmployee, fakeonelogin.PersonaEmployee, "Locked until unlocked", "Your account is locked until it is unlocked", true},
		{"viewer", access.RoleViewer, fakeonelogin.PersonaViewer, "Active", "Your account is active", false},
		{"helpdesk", access.RoleHelpdesk, fakeonelogin.PersonaHelpdesk, "Active", "Your account is active", false},
		{"admin", access.RoleAdmin, fakeonelogin.PersonaAdmin, "Active", "Your account is active", false},
		{"suspended", access.RoleEmployee, fakeonelogin.PersonaSuspended, "Suspended", "Your account is suspended", false},
		{"password expired", access.RoleEmployee, fakeonelogin.PersonaPasswordExpired, "Password expired", "Your password has expired", false},
		// The SSO may send the email in another case; OneLogin's match is
		// case-insensitive and so is the console's check.
		{"email in capitals", access.RoleEmployee, strings.ToUpper(fakeonelogin.PersonaEmployee), "Locked until unlocked", "locked", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, tc.role, signedInAs(tc.email), withSelfUnlocks(3))
			rec := c.get("/me")
			wantCode(t, rec, http.StatusOK)
			d := doc(t, rec)
			if got := textOf(d, "[data-testid=me-email]"); !strings.EqualFold(got, tc.email) {
				t.Errorf("account email = %q, want %q", got, tc.email)
			}
			if got := textOf(d, "[data-testid=me-account] [data-testid=status-badge]"); got != tc.badge {
				t.Errorf("status badge = %q, want %q", got, tc.badge)
			}
			if got := textOf(d, "[data-testid=me-status]"); !strings.Contains(got, tc.status) {
				t.Errorf("status sentence = %q, want it to contain %q", got, tc.status)
			}
			if got := d.Find("[data-testid=me-unlock-form]").Length() == 1; got != tc.wantUnlock {
				t.Errorf("unlock offered = %v, want %v", got, tc.wantUnlock)
			}
			if tc.wantUnlock && !strings.Contains(textOf(d, "[data-testid=me-unlocks-left]"), "3 times more") {
				t.Errorf("unlocks left = %q, want 3 times more", textOf(d, "[data-testid=me-unlocks-left]"))
			}
			if d.Find("[data-testid=me-logout-form]").Length() != 1 {
				t.Error("no sign-out-everywhere form")
			}
			if d.Find("form[action='/me/unlock'] input[name=csrf_token][value=test-csrf-token]").Length() != boolInt(tc.wantUnlock) {
				t.Error("the unlock form does not carry the CSRF token for a browser without JavaScript")
			}
			// One exact lookup by the sign-in email, nothing else.
			calls := userCalls(c)
			if len(calls) != 1 || !strings.HasPrefix(calls[0], "GET /api/1/users?") {
				t.Fatalf("user calls = %v, want one listing", calls)
			}
			q := c.fake.Tenant.Calls()
			for _, call := range q {
				if call.Path == "/api/1/users" && call.Query.Get("email") != tc.email {
					t.Errorf("lookup email = %q, want exactly %q (no wildcard)", call.Query.Get("email"), tc.email)
				}
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestMe_accountNotTold: no account, several accounts, or an email that
// cannot be looked up exactly: a clear page, no action offered, and a post
// changes nothing.
func TestMe_accountNotTold(t *testing.T) {
	cases := []struct {
		name    string
		email   string
		twins   bool // OneLogin returns two accounts for the email
		status  int
		heading string
		lookups int // listings sent to OneLogin
	}{
		{"no account", "nobody.here@example.com", false, http.StatusNotFound, "No OneLogin account found", 1},
		{"several accounts", fakeonelogin.PersonaNoRoles, true, http.StatusConflict, "More than one OneLogin account", 1},
		{"wildcard in email", "*@example.com", false, http.StatusNotFound, "Your account cannot be looked up", 0},
		{"negated email", "!" + fakeonelogin.PersonaEmployee, false, http.StatusNotFound, "Your account cannot be looked up", 0},
		{"no email", "", false, http.StatusNotFound, "Your account cannot be looked up", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleEmployee, signedInAs(tc.email), withConfig(func(cfg *handlers.Config) {
				cfg.SelfUnlocksPerHour = 3
				if tc.twins {
					cfg.OneLogin = twinLister{cfg.OneLogin}
				}
			}))
			for _, r := range []struct{ method, path string }{{"GET", "/me"}, {"POST", "/me/unlock"}, {"POST", "/me/logout"}} {
				c.fake.Tenant.ResetCalls()
				rec := c.do(r.method, r.path, url.Values{}, false)
				wantCode(t, rec, tc.status)
				d := doc(t, rec)
				if got := textOf(d, "[data-testid=me-problem] h2"); got != tc.heading {
					t.Errorf("%s %s: heading = %q, want %q", r.method, r.path, got, tc.heading)
				}
				if n := d.Find("[data-testid=me] form").Length(); n != 0 {
					t.Errorf("%s %s: %d forms offered on an account that is not told apart", r.method, r.path, n)
				}
				if n := c.fake.Tenant.CallCount("GET", "/api/1/users"); n != tc.lookups {
					t.Errorf("%s %s: %d lookups, want %d", r.method, r.path, n, tc.lookups)
				}
				if w := writesOf(c); len(w) != 0 {
					t.Errorf("%s %s: OneLogin was asked to change %v", r.method, r.path, w)
				}
			}
			if recs := c.records(); len(recs) != 0 {
				t.Errorf("audit records = %+v, want none: nothing was attempted on an account", recs)
			}
		})
	}
}

// twinLister answers every listing with the first account found twice, as
// a tenant with a duplicated email would.
type twinLister struct{ handlers.OneLogin }

func (t twinLister) ListUsers(ctx context.Context, q client.ListUsersQuery) ([]client.User, client.Page, error) {
	users, pg, err := t.OneLogin.ListUsers(ctx, q)
	if err != nil || len(users) == 0 {
		return users, pg, err
	}
	twin := users[0]
	twin.ID++
	return append(users, twin), pg, nil
}

// ---- POST /me/logout ----

// TestMe_logout ends the person's own OneLogin sessions, audited with them
// as actor; with the audit trail down nothing happens.
func TestMe_logout(t *testing.T) {
	c := newConsole(t, access.RoleViewer, signedInAs(fakeonelogin.PersonaViewer), withSelfUnlocks(3))
	own := fakeonelogin.PersonaViewerID
	c.fake.Tenant.StartSession(own)
	c.fake.Tenant.StartSession(own)
	open := c.fake.Tenant.Sessions(own)

	c.audit.Fail(true)
	rec := c.do("POST", "/me/logout", url.Values{}, true)
	wantCode(t, rec, http.StatusServiceUnavailable)
	if n := c.fake.Tenant.Sessions(own); n != open {
		t.Fatalf("sessions after a refused logout = %d, want %d", n, open)
	}
	if w := writesOf(c); len(w) != 0 {
		t.Fatalf("OneLogin was asked %v with the audit trail down", w)
	}

	c.audit.Fail(false)
	rec = c.do("POST", "/me/logout", url.Values{}, true)
	wantCode(t, rec, http.StatusOK)
	if got := textOf(doc(t, rec), "[data-testid=notice]"); !strings.HasPrefix(got, "You are signed out of OneLogin on every device.") {
		t.Errorf("notice = %q", got)
	}
	if n := c.fake.Tenant.Sessions(own); n != 0 {
		t.Errorf("sessions = %d, want 0", n)
	}
	r := oneRecord(t, c)
	if r.Action != access.SelfLogout || r.ActorEmail != fakeonelogin.PersonaViewer || r.TargetID != own || r.Outcome != audit.OutcomeSucceeded {
		t.Errorf("audit record = %+v", r)
	}
}

// TestMe_navigationPerRole: the layout shows each role only the sections it
// may use; every role has "My account".
func TestMe_navigationPerRole(t *testing.T) {
	cases := []struct {
		role   access.Role
		email  string
		people bool
		audit  bool
	}{
		{access.RoleEmployee, fakeonelogin.PersonaEmployee, false, false},
		{access.RoleViewer, fakeonelogin.PersonaViewer, true, false},
		{access.RoleHelpdesk, fakeonelogin.PersonaHelpdesk, true, false},
		{access.RoleAdmin, fakeonelogin.PersonaAdmin, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.role.String(), func(t *testing.T) {
			c := newConsole(t, tc.role, signedInAs(tc.email), withSelfUnlocks(3))
			rec := c.get("/me")
			wantCode(t, rec, http.StatusOK)
			d := doc(t, rec)
			nav := d.Find("nav[aria-label=Main]")
			if got := nav.Find("a[href='/users']").Length() == 1; got != tc.people {
				t.Errorf("People link shown = %v, want %v", got, tc.people)
			}
			if got := nav.Find("a[href='/audit']").Length() == 1; got != tc.audit {
				t.Errorf("Audit link shown = %v, want %v", got, tc.audit)
			}
			if cur, _ := nav.Find("a[href='/me']").Attr("aria-current"); cur != "page" {
				t.Errorf("My account link aria-current = %q, want page", cur)
			}
			if got := textOf(d, "[data-testid=me-identity]"); got != tc.email {
				t.Errorf("signed in as %q, want %q", got, tc.email)
			}
		})
	}
}
