package handlers_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/views"
)

// actWrites lists the calls that asked OneLogin to change something (every
// resource call but a GET), as "METHOD path".
func actWrites(c *console) []string {
	var out []string
	for _, call := range c.fake.Tenant.Calls() {
		if call.Method != http.MethodGet && strings.HasPrefix(call.Path, "/api/") {
			out = append(out, call.Method+" "+call.Path)
		}
	}
	return out
}

// actPath is the URL of an action on a user.
func actPath(id int64, action string) string {
	return "/users/" + strconv.FormatInt(id, 10) + "/" + action
}

// actName is the display name of a seeded user, as the console shows it.
func actName(t *testing.T, c *console, id int64) string {
	t.Helper()
	u, ok := c.fake.Tenant.User(id)
	if !ok {
		t.Fatalf("no user %d", id)
	}
	return u.Firstname + " " + u.Lastname
}

// actNotice is the text of the notice in an answer.
func actNotice(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	return strings.TrimSpace(doc(t, rec).Find("[data-testid=notice]").First().Text())
}

// actOneRecord returns the only audit record, failing if there is not exactly one.
func actOneRecord(t *testing.T, c *console) audit.Record {
	t.Helper()
	recs := c.records()
	if len(recs) != 1 {
		t.Fatalf("audit records = %d, want 1: %+v", len(recs), recs)
	}
	return recs[0]
}

// actFragment checks that an htmx answer is just the panel: no page shell,
// the section with the panel id at the top, and Vary set.
func actFragment(t *testing.T, rec *httptest.ResponseRecorder, panelID string) *goquery.Document {
	t.Helper()
	body := rec.Body.String()
	if strings.Contains(body, "<html") || strings.Contains(body, "<header") {
		t.Errorf("htmx answer holds a whole page")
	}
	d := doc(t, rec)
	if d.Find("section#"+panelID).Length() != 1 {
		t.Errorf("answer has no section#%s: %.300s", panelID, body)
	}
	if !strings.HasPrefix(strings.TrimSpace(body), `<section id="`+panelID+`"`) {
		t.Errorf("answer does not start with the panel: %.120s", body)
	}
	if !slices.Contains(rec.Header().Values("Vary"), "HX-Request") {
		t.Errorf("Vary = %v, want HX-Request", rec.Header().Values("Vary"))
	}
	return d
}

func TestActions_succeed(t *testing.T) {
	adminHash := client.HashPassword("pepper-1", "Imported-Pass1")
	for _, tc := range []struct {
		name    string
		persona string
		setup   func(c *console, id int64)
		action  string
		form    url.Values
		panel   string
		notice  func(name string) string
		audit   access.Action
		params  map[string]string
		check   func(t *testing.T, c *console, id int64, d *goquery.Document)
	}{
		{
			name: "unlock", persona: fakeonelogin.PersonaLocked, action: "unlock",
			form: url.Values{"ticket": {"INC-100"}}, panel: "panel-status",
			notice: func(n string) string { return "Unlocked " + n + ". They can sign in now." },
			audit:  access.Unlock,
			check: func(t *testing.T, c *console, id int64, d *goquery.Document) {
				if u, _ := c.fake.Tenant.User(id); u.Status != fakeonelogin.StatusActive {
					t.Errorf("status after unlock = %d", u.Status)
				}
				if d.Find("[data-testid=unlock-form]").Length() != 0 {
					t.Errorf("after an unlock the panel should not offer unlock")
				}
			},
		},
		{
			name: "lock for an hour", persona: fakeonelogin.PersonaNoRoles, action: "lock",
			form: url.Values{"minutes": {"60"}}, panel: "panel-lock",
			notice: func(n string) string { return "Locked " + n + " for 1 hour." },
			audit:  access.Lock, params: map[string]string{"minutes": "60"},
			check: func(t *testing.T, c *console, id int64, d *goquery.Document) {
				u, _ := c.fake.Tenant.User(id)
				if u.Status != fakeonelogin.StatusLocked {
					t.Errorf("status after lock = %d", u.Status)
				}
				if left := time.Until(u.LockedUntil); left < 59*time.Minute || left > 61*time.Minute {
					t.Errorf("locked until %v, want about an hour from now", u.LockedUntil)
				}
				if d.Find("[data-testid=unlock-form]").Length() != 1 {
					t.Errorf("after a lock the panel should offer unlock")
				}
			},
		},
		{
			name: "lock for the policy period", persona: fakeonelogin.PersonaNoRoles, action: "lock",
			form: url.Values{"minutes": {"0"}}, panel: "panel-lock",
			notice: func(n string) string { return "Locked " + n + " for the period their policy sets." },
			audit:  access.Lock, params: map[string]string{"minutes": "0"},
			check: func(t *testing.T, c *console, id int64, _ *goquery.Document) {
				u, _ := c.fake.Tenant.User(id)
				if left := time.Until(u.LockedUntil); left < 29*time.Minute || left > 31*time.Minute {
					t.Errorf("locked until %v, want the fake's 30-minute policy period", u.LockedUntil)
				}
			},
		},
		{
			name: "lock until unlocked", persona: fakeonelogin.PersonaNoRoles, action: "lock",
			form: url.Values{"minutes": {"525600"}}, panel: "panel-lock",
			notice: func(n string) string { return "Locked " + n + " until someone unlocks them." },
			audit:  access.Lock, params: map[string]string{"minutes": "525600"},
			check: func(t *testing.T, c *console, id int64, _ *goquery.Document) {
				u, _ := c.fake.Tenant.User(id)
				if left := time.Until(u.LockedUntil); left < 364*24*time.Hour {
					t.Errorf("locked until %v, want a year from now", u.LockedUntil)
				}
			},
		},
		{
			name: "log out everywhere", persona: fakeonelogin.PersonaHelpdesk, action: "logout",
			setup:  func(c *console, id int64) { c.fake.Tenant.StartSession(id); c.fake.Tenant.StartSession(id) },
			panel:  "panel-session",
			notice: func(n string) string { return "Logged " + n + " out of OneLogin. They must sign in again." },
			audit:  access.Logout,
			check: func(t *testing.T, c *console, id int64, _ *goquery.Document) {
				if n := c.fake.Tenant.Sessions(id); n != 0 {
					t.Errorf("sessions after logout = %d", n)
				}
			},
		},
		{
			name: "typed password", persona: fakeonelogin.PersonaPasswordExpired, action: "password",
			form:  url.Values{"mode": {"set"}, "password": {"Typed-Pass-2024!"}, "password_confirmation": {"Typed-Pass-2024!"}},
			panel: "panel-password", notice: func(n string) string { return "Set a new password for " + n + "." },
			audit: access.ResetPassword, params: map[string]string{"method": "typed", "validate_policy": "false"},
			check: func(t *testing.T, c *console, id int64, d *goquery.Document) {
				if !c.fake.Tenant.CheckPassword(id, "Typed-Pass-2024!") {
					t.Errorf("the typed password was not set")
				}
				if d.Find("[data-testid=secret]").Length() != 0 {
					t.Errorf("a typed password is shown back")
				}
			},
		},
		{
			name: "typed password checked against the policy", persona: fakeonelogin.PersonaPasswordExpired, action: "password",
			form:  url.Values{"password": {"Typed-Pass-2024!"}, "password_confirmation": {"Typed-Pass-2024!"}, "validate_policy": {"true"}},
			panel: "panel-password", notice: func(n string) string {
				return "Set a new password for " + n + ". It meets OneLogin's password policy."
			},
			audit: access.ResetPassword, params: map[string]string{"method": "typed", "validate_policy": "true"},
			check: func(t *testing.T, c *console, id int64, _ *goquery.Document) {
				if !c.fake.Tenant.CheckPassword(id, "Typed-Pass-2024!") {
					t.Errorf("the typed password was not set")
				}
			},
		},
		{
			name: "imported hash", persona: fakeonelogin.PersonaPasswordPending, action: "password-hash",
			form:  url.Values{"password_hash": {adminHash}, "password_salt": {"pepper-1"}, "ticket": {"CHG-7"}},
			panel: "panel-password", notice: func(n string) string { return "Imported the pre-hashed password for " + n + "." },
			audit: access.ImportPasswordHash, params: map[string]string{"algorithm": "salt+sha256"},
			check: func(t *testing.T, c *console, id int64, _ *goquery.Document) {
				if !c.fake.Tenant.CheckPassword(id, "Imported-Pass1") {
					t.Errorf("the imported hash does not open the account")
				}
			},
		},
		{
			name: "reject", persona: fakeonelogin.PersonaNoRoles, action: "state",
			form: url.Values{"state": {"2"}}, panel: "panel-state",
			notice: func(n string) string { return "Rejected " + n + ". They cannot sign in." },
			audit:  access.SetState, params: map[string]string{"state": "2", "state_name": "Rejected", "previous_state": "Approved"},
			check: func(t *testing.T, c *console, id int64, d *goquery.Document) {
				if u, _ := c.fake.Tenant.User(id); u.State != fakeonelogin.StateRejected {
					t.Errorf("state = %d", u.State)
				}
				if got := d.Find("[data-testid=state]").Text(); got != "Rejected" {
					t.Errorf("panel shows state %q", got)
				}
			},
		},
		{
			name: "add a role", persona: fakeonelogin.PersonaNoRoles, action: "roles/add",
			form: url.Values{"role_id": {strconv.FormatInt(fakeonelogin.RoleIDViewers, 10)}}, panel: "panel-roles",
			notice: func(n string) string { return "Gave " + n + " the role " + fakeonelogin.GroupViewers + "." },
			audit:  access.AddRoles,
			params: map[string]string{"role_ids": strconv.FormatInt(fakeonelogin.RoleIDViewers, 10), "roles": fakeonelogin.GroupViewers},
			check: func(t *testing.T, c *console, id int64, d *goquery.Document) {
				if u, _ := c.fake.Tenant.User(id); !slices.Contains(u.RoleIDs, fakeonelogin.RoleIDViewers) {
					t.Errorf("roles = %v", u.RoleIDs)
				}
				if got := d.Find("[data-testid=role] .role-name").Text(); got != fakeonelogin.GroupViewers {
					t.Errorf("panel lists roles %q", got)
				}
			},
		},
		{
			name: "remove a role", persona: fakeonelogin.PersonaAdmin, action: "roles/remove",
			form: url.Values{"role_id": {strconv.FormatInt(fakeonelogin.RoleIDAdmins, 10)}}, panel: "panel-roles",
			notice: func(n string) string { return "Removed the role " + fakeonelogin.GroupAdmins + " from " + n + "." },
			audit:  access.RemoveRoles,
			check: func(t *testing.T, c *console, id int64, d *goquery.Document) {
				if u, _ := c.fake.Tenant.User(id); slices.Contains(u.RoleIDs, fakeonelogin.RoleIDAdmins) {
					t.Errorf("role still assigned: %v", u.RoleIDs)
				}
				if strings.Contains(d.Find("[data-testid=roles]").Text(), fakeonelogin.GroupAdmins) {
					t.Errorf("the panel still lists the removed role")
				}
			},
		},
		{
			name: "set custom attributes", persona: fakeonelogin.PersonaNoRoles, action: "custom-attributes",
			form: url.Values{"attr.cost_center": {"CC-4711"}}, panel: "panel-attributes",
			notice: func(n string) string { return "Saved cost_center for " + n + "." },
			audit:  access.SetCustomAttributes, params: map[string]string{"attributes": "cost_center=CC-4711"},
			check: func(t *testing.T, c *console, id int64, d *goquery.Document) {
				if u, _ := c.fake.Tenant.User(id); u.CustomAttributes["cost_center"] != "CC-4711" {
					t.Errorf("cost_center = %q", u.CustomAttributes["cost_center"])
				}
				if v, _ := d.Find(`input[name="attr.cost_center"]`).Attr("value"); v != "CC-4711" {
					t.Errorf("form shows cost_center %q", v)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleAdmin)
			id := c.userID(tc.persona)
			if tc.setup != nil {
				tc.setup(c, id)
			}
			name := actName(t, c, id)
			rec := c.postConfirmed(actPath(id, tc.action), tc.form)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			d := actFragment(t, rec, tc.panel)
			if got, want := actNotice(t, rec), tc.notice(name); got != want {
				t.Errorf("notice = %q, want %q", got, want)
			}
			r := actOneRecord(t, c)
			if r.Action != tc.audit || r.Outcome != audit.OutcomeSucceeded || r.TargetID != id || r.TargetName != name {
				t.Errorf("audit record = %+v", r)
			}
			if r.ActorEmail != "staff@example.com" || r.Status != http.StatusOK {
				t.Errorf("audit actor/status = %q/%d", r.ActorEmail, r.Status)
			}
			if tc.form.Get("ticket") != r.Ticket {
				t.Errorf("audit ticket = %q, want %q", r.Ticket, tc.form.Get("ticket"))
			}
			for k, v := range tc.params {
				if r.Params[k] != v {
					t.Errorf("audit param %s = %q, want %q (all %v)", k, r.Params[k], v, r.Params)
				}
			}
			for k, v := range r.Params {
				for _, secret := range []string{tc.form.Get("password"), tc.form.Get("password_hash"), tc.form.Get("password_salt")} {
					if secret != "" && strings.Contains(v, secret) {
						t.Errorf("audit param %s carries a secret", k)
					}
				}
			}
			if tc.check != nil {
				tc.check(t, c, id, d)
			}
		})
	}
}

// A successful plain-form post (no JavaScript) goes back to the user page.
func TestActions_plainPostRedirects(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	id := c.userID(fakeonelogin.PersonaLocked)
	rec := c.do("POST", actPath(id, "unlock"), url.Values{"csrf_token": {"test-csrf-token"}}, false)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/users/"+strconv.FormatInt(id, 10) {
		t.Fatalf("status %d Location %q, want 303 to the user page", rec.Code, rec.Header().Get("Location"))
	}
	if u, _ := c.fake.Tenant.User(id); u.Status != fakeonelogin.StatusActive {
		t.Errorf("not unlocked")
	}
}

// A plain-form post with a mistake gets a whole page with the panel and the message.
func TestActions_plainPostInvalidIsAPage(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	id := c.userID(fakeonelogin.PersonaNoRoles)
	rec := c.do("POST", actPath(id, "lock"), url.Values{"minutes": {"7"}}, false)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", rec.Code)
	}
	d := doc(t, rec)
	if d.Find("html").Length() != 1 || d.Find("[data-testid=action-page] section#panel-lock").Length() != 1 {
		t.Errorf("want a whole page holding the status panel: %.400s", rec.Body)
	}
	if d.Find("[data-testid=error-minutes]").Length() != 1 {
		t.Errorf("no message beside the lock period")
	}
	if w := actWrites(c); len(w) != 0 {
		t.Errorf("OneLogin was asked to change something: %v", w)
	}
}

// Action forms post to their action, swap their own panel, and carry the
// CSRF token for a browser without JavaScript.
func TestActions_formsTargetTheirPanel(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	id := c.userID(fakeonelogin.PersonaAdmin)
	rec := c.postConfirmed(actPath(id, "logout"), url.Values{})
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	d := actFragment(t, rec, "panel-session")
	if d.Find(`input[name="csrf_token"][value="test-csrf-token"]`).Length() != 1 {
		t.Errorf("the form lacks the CSRF token")
	}
	form := d.Find("form[data-testid=logout-form]")
	if a, _ := form.Attr("hx-post"); a != actPath(id, "logout") {
		t.Errorf("hx-post = %q", a)
	}
	if a, _ := form.Attr("action"); a != actPath(id, "logout") {
		t.Errorf("action = %q", a)
	}
	if a, _ := form.Attr("hx-target"); a != "#panel-session" {
		t.Errorf("hx-target = %q", a)
	}
}

// TestStatusPanel_outOfBandBadge: the status panel as an action's answer
// carries the header badge out of band; the page has each id once.
func TestStatusPanel_outOfBandBadge(t *testing.T) {
	now := time.Date(2026, 5, 1, 14, 0, 0, 0, time.UTC)
	v := views.UserView{User: client.User{ID: 7, Firstname: "Ann", Lastname: "Lee", Status: client.StatusLocked,
		LockedUntil: now.Add(25 * time.Minute), InvalidLoginAttempts: 3}, Now: now, Loc: time.UTC}
	var buf bytes.Buffer
	if err := views.StatusPanel(v).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	d, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	badge := d.Find(`#user-status-badge[hx-swap-oob="true"]`)
	if badge.Length() != 1 {
		t.Fatalf("no out-of-band badge in %s", buf.String())
	}
	if got := strings.TrimSpace(badge.Text()); got != "Locked until 14:25" {
		t.Errorf("badge %q", got)
	}
	if got := text(d, `[data-testid="why-headline"]`); got != "Locked until 14:25 (25 minutes left)" {
		t.Errorf("headline %q", got)
	}
	if got := text(d, `[data-testid="why"]`); !strings.Contains(got, "3 failed sign-in attempts") {
		t.Errorf("why %q", got)
	}
}
