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
	"time"

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

// ---- POST /me/unlock ----

// TestMe_unlock: a locked employee unlocks themselves; OneLogin is asked to
// unlock exactly their account, the audit trail names them as actor and
// target, and the page shows the account active.
func TestMe_unlock(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		t.Run("htmx="+strconv.FormatBool(htmx), func(t *testing.T) {
			c := newConsole(t, access.RoleEmployee, signedInAs(fakeonelogin.PersonaEmployee), withSelfUnlocks(3))
			id := fakeonelogin.PersonaEmployeeID
			rec := c.do("POST", "/me/unlock", url.Values{}, htmx)
			wantCode(t, rec, http.StatusOK)
			body := rec.Body.String()
			if htmx != !strings.Contains(body, "<html") {
				t.Errorf("htmx=%v but whole page = %v", htmx, strings.Contains(body, "<html"))
			}
			if htmx && !strings.HasPrefix(strings.TrimSpace(body), `<section id="me"`) {
				t.Errorf("htmx answer does not start with section#me: %.100s", body)
			}
			d := doc(t, rec)
			if got := textOf(d, "[data-testid=notice]"); got != "Your account is unlocked. You can sign in again now." {
				t.Errorf("notice = %q", got)
			}
			if got := textOf(d, "[data-testid=me-account] [data-testid=status-badge]"); got != "Active" {
				t.Errorf("status after unlock = %q, want Active", got)
			}
			if d.Find("[data-testid=me-unlock-form]").Length() != 0 {
				t.Error("unlock still offered after the unlock")
			}
			if u, _ := c.fake.Tenant.User(id); u.Status != fakeonelogin.StatusActive {
				t.Errorf("fake status = %d, want active", u.Status)
			}
			if w := writesOf(c); len(w) != 1 || w[0] != "POST /api/2/users/"+strconv.FormatInt(id, 10)+"/unlock" {
				t.Errorf("changing calls = %v, want the unlock of %d only", w, id)
			}
			r := oneRecord(t, c)
			if r.Action != access.SelfUnlock || r.ActorEmail != fakeonelogin.PersonaEmployee || r.ActorRole != "employee" ||
				r.TargetID != id || r.TargetEmail != fakeonelogin.PersonaEmployee || r.Outcome != audit.OutcomeSucceeded {
				t.Errorf("audit record = %+v", r)
			}
		})
	}
}

// TestMe_targetOnlyFromSession: a forged id or email in the form or the URL
// is ignored: the fake sees calls for the person's own account only, and the
// other (locked) account stays locked.
func TestMe_targetOnlyFromSession(t *testing.T) {
	c := newConsole(t, access.RoleEmployee, signedInAs(fakeonelogin.PersonaEmployee), withSelfUnlocks(3))
	own, other := fakeonelogin.PersonaEmployeeID, fakeonelogin.PersonaLockedID
	c.fake.Tenant.StartSession(other)
	forged := url.Values{
		"id": {idStr(other)}, "user_id": {idStr(other)}, "target": {idStr(other)},
		"email": {fakeonelogin.PersonaLocked}, "target_email": {fakeonelogin.PersonaLocked},
	}
	for _, path := range []string{"/me/unlock", "/me/logout"} {
		target := path + "?id=" + idStr(other) + "&email=" + url.QueryEscape(fakeonelogin.PersonaLocked)
		rec := c.do("POST", target, forged, false)
		wantCode(t, rec, http.StatusOK)
	}
	for _, call := range userCalls(c) {
		for _, m := range userIDInPath.FindAllStringSubmatch(call, -1) {
			if m[1] != idStr(own) {
				t.Errorf("call %s names user %s, not the signed-in person %d", call, m[1], own)
			}
		}
		if strings.Contains(call, "marguerite") {
			t.Errorf("call %s looks up the forged email", call)
		}
	}
	if n := c.fake.Tenant.CallCount("POST", "/api/2/users/"+idStr(own)+"/unlock"); n != 1 {
		t.Errorf("own unlocks = %d, want 1", n)
	}
	if n := c.fake.Tenant.CallCount("PUT", "/api/1/users/"+idStr(own)+"/logout"); n != 1 {
		t.Errorf("own logouts = %d, want 1", n)
	}
	if u, _ := c.fake.Tenant.User(other); u.Status != fakeonelogin.StatusLocked {
		t.Errorf("the other account's status = %d, want still locked", u.Status)
	}
	if n := c.fake.Tenant.Sessions(other); n != 1 {
		t.Errorf("the other account's sessions = %d, want still 1", n)
	}
	for _, r := range c.records() {
		if r.TargetID != own {
			t.Errorf("audit record about %d (%s), want only %d", r.TargetID, r.TargetEmail, own)
		}
	}
}

// relock locks the account again through the API, as failed sign-ins would.
func (c *console) relock(t *testing.T, id int64) {
	t.Helper()
	if err := c.ol.LockUser(context.Background(), id, 60); err != nil {
		t.Fatal(err)
	}
}

// TestMe_unlockLimit: three unlocks in an hour, then a clear refusal that
// says when to come back, recorded as denied, with no call to OneLogin; an
// hour after the first it works again.
func TestMe_unlockLimit(t *testing.T) {
	c := newConsole(t, access.RoleEmployee, signedInAs(fakeonelogin.PersonaEmployee), withSelfUnlocks(3))
	own := fakeonelogin.PersonaEmployeeID
	unlockPath := "/api/2/users/" + idStr(own) + "/unlock"

	// 13:04:30, 13:09:30, 13:14:30.
	for i := 1; i <= 3; i++ {
		wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusOK)
		c.relock(t, own)
		if i == 1 {
			d := doc(t, c.get("/me"))
			if got := textOf(d, "[data-testid=me-unlocks-left]"); !strings.Contains(got, "twice more") {
				t.Errorf("after one unlock: %q, want “twice more”", got)
			}
		}
		if i < 3 {
			c.clock.Advance(5 * time.Minute)
		}
	}
	if n := c.fake.Tenant.CallCount("POST", unlockPath); n != 3 {
		t.Fatalf("unlock calls = %d, want 3", n)
	}

	rec := c.do("POST", "/me/unlock", url.Values{}, true)
	wantCode(t, rec, http.StatusTooManyRequests)
	d := doc(t, rec)
	want := "You have unlocked your account 3 times in the last hour; try again at 14:05 or call the helpdesk."
	if got := textOf(d, "[data-testid=notice]"); got != want {
		t.Errorf("notice = %q\nwant     %q", got, want)
	}
	if d.Find("[data-testid=me-unlock-form]").Length() != 0 || d.Find("[data-testid=me-unlock-used]").Length() != 1 {
		t.Error("the page still offers the unlock, or does not say the allowance is used up")
	}
	if n := c.fake.Tenant.CallCount("POST", unlockPath); n != 3 {
		t.Errorf("OneLogin was asked to unlock beyond the limit (%d calls, want 3)", n)
	}
	if u, _ := c.fake.Tenant.User(own); u.Status != fakeonelogin.StatusLocked {
		t.Errorf("status after the refusal = %d, want still locked", u.Status)
	}
	recs := c.records()
	last := recs[len(recs)-1]
	if len(recs) != 4 || last.Action != access.SelfUnlock || last.Outcome != audit.OutcomeDenied ||
		!strings.Contains(last.Reason, "limit of 3") || last.TargetID != own || last.ActorEmail != fakeonelogin.PersonaEmployee {
		t.Errorf("records = %d, refusal record = %+v", len(recs), last)
	}

	// The first unlock was at 13:04:30: at 14:04:31 one is free again.
	c.clock.Advance(50*time.Minute + time.Second)
	wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusOK)
	if u, _ := c.fake.Tenant.User(own); u.Status != fakeonelogin.StatusActive {
		t.Errorf("status after the allowance came back = %d, want active", u.Status)
	}
}

// The hourly allowance survives a restart: the count lives in the limits
// store, refusals not included.
func TestMe_unlockLimitSurvivesRestart(t *testing.T) {
	var cfg handlers.Config
	c := newConsole(t, access.RoleEmployee, signedInAs(fakeonelogin.PersonaEmployee), withConfig(func(hc *handlers.Config) {
		hc.SelfUnlocksPerHour = 3
		cfg = *hc
	}))
	own := fakeonelogin.PersonaEmployeeID
	for range 2 {
		wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusOK)
		c.relock(t, own)
		c.clock.Advance(5 * time.Minute)
	}
	restart := func() {
		t.Helper()
		e, err := handlers.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.http = e
	}

	restart()
	if got := textOf(doc(t, c.get("/me")), "[data-testid=me-unlocks-left]"); !strings.Contains(got, "once more") {
		t.Errorf("after two unlocks and a restart: %q, want “once more”", got)
	}
	wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusOK)
	c.relock(t, own)
	wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusTooManyRequests)

	// The refusal just recorded does not use up an attempt after the next
	// restart either: an hour after the first unlock, one is free again.
	restart()
	c.clock.Advance(50*time.Minute + time.Second)
	wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusOK)
}

// TestMe_unlockRefusedCases: nothing to unlock, self-unlock turned off,
// OneLogin refusing, and an audit trail that cannot be written. None
// unlocks anything it should not.
func TestMe_unlockRefusedCases(t *testing.T) {
	cases := []struct {
		name    string
		email   string
		perHour int
		setup   func(c *console)
		status  int
		notice  string // "" when the answer is not the page
		records []audit.Outcome
		unlocks int
	}{
		{name: "not locked", email: fakeonelogin.PersonaNoRoles, perHour: 3, status: http.StatusConflict,
			notice: "Your account is not locked, so there is nothing to unlock."},
		{name: "turned off", email: fakeonelogin.PersonaEmployee, perHour: 0, status: http.StatusForbidden,
			notice:  "Unlocking your own account is turned off here. Call the helpdesk to have it unlocked.",
			records: []audit.Outcome{audit.OutcomeDenied}},
		{name: "OneLogin refuses", email: fakeonelogin.PersonaEmployee, perHour: 3,
			setup:  func(c *console) { c.fake.Tenant.SetForbidden(fakeonelogin.PersonaEmployeeID, true) },
			status: http.StatusForbidden, notice: "OneLogin did not unlock your account",
			records: []audit.Outcome{audit.OutcomeFailed}, unlocks: 1},
		{name: "audit trail down", email: fakeonelogin.PersonaEmployee, perHour: 3,
			setup:  func(c *console) { c.audit.Fail(true) },
			status: http.StatusServiceUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleEmployee, signedInAs(tc.email), withSelfUnlocks(tc.perHour))
			if tc.setup != nil {
				tc.setup(c)
			}
			before, _ := c.fake.Tenant.FindByEmail(tc.email)
			rec := c.do("POST", "/me/unlock", url.Values{}, false)
			wantCode(t, rec, tc.status)
			if tc.notice != "" && !strings.HasPrefix(textOf(doc(t, rec), "[data-testid=notice]"), tc.notice) {
				t.Errorf("notice = %q, want it to start %q", textOf(doc(t, rec), "[data-testid=notice]"), tc.notice)
			}
			if n := c.fake.Tenant.CallCount("POST", "/api/2/users/"); n != tc.unlocks {
				t.Errorf("unlock calls = %d, want %d", n, tc.unlocks)
			}
			if after, _ := c.fake.Tenant.FindByEmail(tc.email); after.Status != before.Status {
				t.Errorf("status changed from %d to %d", before.Status, after.Status)
			}
			var got []audit.Outcome
			for _, r := range c.mem.Records() {
				got = append(got, r.Outcome)
			}
			if strings.Join(outcomes(got), ",") != strings.Join(outcomes(tc.records), ",") {
				t.Errorf("audit outcomes = %v, want %v", got, tc.records)
			}
		})
	}
}

func outcomes(os []audit.Outcome) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = string(o)
	}
	return out
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
