package handlers_test

import (
	"encoding/json"
	"fmt"
	"html"
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

func TestActions_invalidInputNeverReachesOneLogin(t *testing.T) {
	long := strings.Repeat("x", 201)
	for _, tc := range []struct {
		name    string
		persona string
		action  string
		form    url.Values
		status  int
		field   string // data-testid="error-<field>" beside the input; "" when none
		panel   string
	}{
		{"bad minutes", fakeonelogin.PersonaNoRoles, "lock", url.Values{"minutes": {"-5"}}, 422, "minutes", "panel-lock"},
		{"minutes not offered", fakeonelogin.PersonaNoRoles, "lock", url.Values{"minutes": {"45"}}, 422, "minutes", "panel-lock"},
		{"ticket too long", fakeonelogin.PersonaLocked, "unlock", url.Values{"ticket": {long}}, 422, "ticket", "panel-status"},
		{"logout ticket too long", fakeonelogin.PersonaNoRoles, "logout", url.Values{"ticket": {long}}, 422, "ticket", "panel-session"},
		{"passwords differ", fakeonelogin.PersonaNoRoles, "password", url.Values{"password": {"Abc-12345"}, "password_confirmation": {"Abc-12346"}}, 422, "password_confirmation", "panel-password"},
		{"password missing", fakeonelogin.PersonaNoRoles, "password", url.Values{"mode": {"set"}}, 422, "password", "panel-password"},
		{"hash not hex", fakeonelogin.PersonaNoRoles, "password-hash", url.Values{"password_hash": {strings.Repeat("z", 64)}}, 422, "password_hash", "panel-password"},
		{"hash too short", fakeonelogin.PersonaNoRoles, "password-hash", url.Values{"password_hash": {"abc123"}}, 422, "password_hash", "panel-password"},
		{"salt too long", fakeonelogin.PersonaNoRoles, "password-hash", url.Values{"password_hash": {strings.Repeat("a", 64)}, "password_salt": {strings.Repeat("s", 41)}}, 422, "password_salt", "panel-password"},
		{"unknown state", fakeonelogin.PersonaNoRoles, "state", url.Values{"state": {"7"}}, 422, "state", "panel-state"},
		{"state unapproved not offered", fakeonelogin.PersonaNoRoles, "state", url.Values{"state": {"0"}}, 422, "state", "panel-state"},
		{"expires_in too long", fakeonelogin.PersonaNoRoles, "mfa-token", url.Values{"expires_in": {"259201"}}, 422, "expires_in", "panel-mfa"},
		{"expires_in not a number", fakeonelogin.PersonaNoRoles, "mfa-token", url.Values{"expires_in": {"soon"}}, 422, "expires_in", "panel-mfa"},
		{"unknown role", fakeonelogin.PersonaNoRoles, "roles/add", url.Values{"role_id": {"999999"}}, 422, "role_id", "panel-roles"},
		{"no role chosen", fakeonelogin.PersonaNoRoles, "roles/add", url.Values{"role_id": {""}}, 422, "role_id", "panel-roles"},
		{"remove unknown role", fakeonelogin.PersonaAdmin, "roles/remove", url.Values{"role_id": {"abc"}}, 422, "role_id", "panel-roles"},
		{"unknown attribute", fakeonelogin.PersonaNoRoles, "custom-attributes", url.Values{"attr.shoe_size": {"44"}}, 422, "form", "panel-attributes"},
		{"attribute unchanged", fakeonelogin.PersonaNoRoles, "custom-attributes", url.Values{}, 422, "form", "panel-attributes"},
		{"delete not confirmed", fakeonelogin.PersonaNoRoles, "delete", url.Values{"confirm": {"someone.else@example.com"}}, 422, "confirm", "panel-danger"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleAdmin)
			id := c.userID(tc.persona)
			before, _ := c.fake.Tenant.User(id)
			rec := c.post(actPath(id, tc.action), tc.form)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %.300s", rec.Code, tc.status, rec.Body)
			}
			d := actFragment(t, rec, tc.panel)
			msg := d.Find("[data-testid=error-" + tc.field + "]")
			if msg.Length() != 1 || strings.TrimSpace(msg.Text()) == "" {
				t.Errorf("no message for %s: %.500s", tc.field, rec.Body)
			}
			if w := actWrites(c); len(w) != 0 {
				t.Errorf("OneLogin was asked to change something: %v", w)
			}
			if recs := c.records(); len(recs) != 0 {
				t.Errorf("invalid input was audited as an attempt: %+v", recs)
			}
			after, _ := c.fake.Tenant.User(id)
			if after.UpdatedAt != before.UpdatedAt {
				t.Errorf("the user changed")
			}
			for _, secret := range []string{tc.form.Get("password"), tc.form.Get("password_confirmation"), tc.form.Get("password_hash"), tc.form.Get("password_salt")} {
				if secret != "" && strings.Contains(rec.Body.String(), secret) {
					t.Errorf("a password, hash or salt was sent back into the page")
				}
			}
		})
	}
}

func TestActions_badIDIsRefusedWithoutACall(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	for _, action := range []string{"unlock", "lock", "logout", "password", "password-hash", "state", "mfa-token",
		"roles/add", "roles/remove", "custom-attributes", "delete"} {
		for _, id := range []string{"abc", "-4", "0", "12x"} {
			c.fake.Tenant.ResetCalls()
			rec := c.post("/users/"+id+"/"+action, url.Values{"minutes": {"60"}, "state": {"1"}})
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%s on id %q: status %d, want 400", action, id, rec.Code)
			}
			if calls := c.fake.Tenant.Calls(); len(calls) != 0 {
				t.Errorf("%s on id %q called OneLogin: %v", action, id, calls[0].Path)
			}
		}
	}
	if recs := c.records(); len(recs) != 0 {
		t.Errorf("audited: %+v", recs)
	}
}

func TestActions_oneLoginRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		persona string
		action  string
		form    url.Values
		panel   string
		want    string
	}{
		{"role already assigned", fakeonelogin.PersonaAdmin, "roles/add",
			url.Values{"role_id": {strconv.FormatInt(fakeonelogin.RoleIDAdmins, 10)}}, "panel-roles",
			"OneLogin rejected the role change: input role_id_array is already included as user roles"},
		{"role not assigned", fakeonelogin.PersonaNoRoles, "roles/remove",
			url.Values{"role_id": {strconv.FormatInt(fakeonelogin.RoleIDAdmins, 10)}}, "panel-roles",
			"OneLogin rejected the role change: input role_id_array is not included as user roles"},
		{"state unchanged", fakeonelogin.PersonaNoRoles, "state", url.Values{"state": {"1"}}, "panel-state",
			"OneLogin rejected the state change: user is already in this state"},
		{"lock shorter than the policy", fakeonelogin.PersonaNoRoles, "lock", url.Values{"minutes": {"15"}}, "panel-lock",
			"OneLogin rejected the lock: locked_until should not be less than the policy lock period of 30 minutes"},
		{"password against the policy", fakeonelogin.PersonaNoRoles, "password",
			url.Values{"password": {"short"}, "password_confirmation": {"short"}, "validate_policy": {"true"}}, "panel-password",
			"OneLogin rejected the password: Validation failed: Password is too short (minimum is 8 characters)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleAdmin)
			id := c.userID(tc.persona)
			rec := c.postConfirmed(actPath(id, tc.action), tc.form)
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d: %.300s", rec.Code, rec.Body)
			}
			actFragment(t, rec, tc.panel)
			if got := actNotice(t, rec); got != tc.want {
				t.Errorf("notice = %q, want %q", got, tc.want)
			}
			if rec.Header().Get("HX-Retarget") != "" {
				t.Errorf("a refusal belongs beside the action, not in the banner")
			}
			r := actOneRecord(t, c)
			if r.Outcome != audit.OutcomeFailed || r.Status != http.StatusBadRequest || !strings.HasSuffix(tc.want, r.Message) {
				t.Errorf("audit record = %+v", r)
			}
			if strings.Contains(rec.Body.String(), "short") && tc.action == "password" &&
				doc(t, rec).Find(`input[value="short"]`).Length() != 0 {
				t.Errorf("the rejected password is sent back into the form")
			}
		})
	}
}

// OneLogin failing (here: its hourly quota running out between reading the
// person and acting; a token request is not retried) is the banner's business, and the attempt is recorded
// as failed.
func TestActions_upstreamFailureShowsTheBanner(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	id := c.userID(fakeonelogin.PersonaNoRoles)
	// Leave exactly one call in the window: the GET of the person.
	used := c.fake.Tenant.CallCount("", "/api/")
	c.fake.Tenant.SetRateLimit(used + 1)
	rec := c.post(actPath(id, "mfa-token"), url.Values{"expires_in": {"600"}})
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d: %.300s", rec.Code, rec.Body)
	}
	if rec.Header().Get("HX-Retarget") != "#banner" {
		t.Errorf("HX-Retarget = %q, want #banner", rec.Header().Get("HX-Retarget"))
	}
	if doc(t, rec).Find("[data-testid=banner]").Length() != 1 {
		t.Errorf("no banner: %s", rec.Body)
	}
	r := actOneRecord(t, c)
	if r.Outcome != audit.OutcomeFailed || r.Status != http.StatusTooManyRequests {
		t.Errorf("audit record = %+v", r)
	}
	if n := c.fake.Tenant.ActiveMFATokens(id); n != 0 {
		t.Errorf("a token was created anyway")
	}
}

func TestActions_auditFailureRefusesTheAction(t *testing.T) {
	for _, tc := range []struct {
		action string
		form   url.Values
	}{
		{"unlock", nil},
		{"lock", url.Values{"minutes": {"60"}}},
		{"logout", nil},
		{"password", url.Values{"mode": {"generate"}}},
		{"password-hash", url.Values{"password_hash": {strings.Repeat("ab", 32)}}},
		{"state", url.Values{"state": {"2"}}},
		{"mfa-token", url.Values{"expires_in": {"600"}}},
		{"roles/add", url.Values{"role_id": {strconv.FormatInt(fakeonelogin.RoleIDViewers, 10)}}},
		{"custom-attributes", url.Values{"attr.location": {"Lyon"}}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			c := newConsole(t, access.RoleAdmin)
			id := c.userID(fakeonelogin.PersonaLocked)
			c.audit.Fail(true)
			if tc.form == nil {
				tc.form = url.Values{}
			}
			rec := c.post(actPath(id, tc.action), tc.form)
			if rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("status %d, want 503: %.300s", rec.Code, rec.Body)
			}
			// A locked person's lock author is read first; either way the
			// answer says the trail is why.
			if !strings.Contains(rec.Body.String(), "audit trail could not be") {
				t.Errorf("answer does not say why: %s", rec.Body)
			}
			if w := actWrites(c); len(w) != 0 {
				t.Errorf("OneLogin was called without an audit record: %v", w)
			}
			if strings.Contains(rec.Body.String(), "data-testid=\"secret\"") {
				t.Errorf("a secret was shown for an action that did not happen")
			}
		})
	}
}

// Roles below the action's minimum get 403, OneLogin is not called, and the
// refusal is recorded.
func TestActions_roleRefused(t *testing.T) {
	for _, tc := range []struct {
		role   access.Role
		action string
		form   url.Values
	}{
		{access.RoleViewer, "unlock", url.Values{}},
		{access.RoleViewer, "password", url.Values{"mode": {"generate"}}},
		{access.RoleHelpdesk, "roles/add", url.Values{"role_id": {strconv.FormatInt(fakeonelogin.RoleIDAdmins, 10)}}},
		{access.RoleHelpdesk, "password-hash", url.Values{"password_hash": {strings.Repeat("ab", 32)}}},
		{access.RoleHelpdesk, "custom-attributes", url.Values{"attr.location": {"Lyon"}}},
		{access.RoleHelpdesk, "delete", url.Values{"confirm": {fakeonelogin.PersonaNoRoles}}},
	} {
		t.Run(tc.role.String()+" "+tc.action, func(t *testing.T) {
			c := newConsole(t, tc.role)
			id := c.userID(fakeonelogin.PersonaNoRoles)
			rec := c.post(actPath(id, tc.action), tc.form)
			if rec.Code != http.StatusForbidden {
				t.Fatalf("status %d", rec.Code)
			}
			if calls := c.fake.Tenant.CallCount("", "/api/"); calls != 0 {
				t.Errorf("OneLogin called %d times", calls)
			}
			r := actOneRecord(t, c)
			if r.Outcome != audit.OutcomeDenied || r.TargetID != id {
				t.Errorf("audit record = %+v", r)
			}
		})
	}
}

// secretShownOnce checks that a one-time secret is in the answer exactly
// once, as the text of its element, and nowhere else: not in headers, the
// log or the audit trail.
func secretShownOnce(t *testing.T, c *console, rec *httptest.ResponseRecorder, elementID string) string {
	t.Helper()
	d := doc(t, rec)
	secret := strings.TrimSpace(d.Find("#" + elementID).Text())
	if secret == "" {
		t.Fatalf("no #%s in %s", elementID, rec.Body)
	}
	// The page holds the secret HTML-escaped (the generator's special
	// characters include & and '), so count that form.
	if n := strings.Count(rec.Body.String(), html.EscapeString(secret)); n != 1 {
		t.Errorf("secret appears %d times in the answer, want 1", n)
	}
	if sel, _ := d.Find(`[data-copy="#` + elementID + `"]`).Attr("type"); sel != "button" {
		t.Errorf("no copy button for #%s", elementID)
	}
	for k, vs := range rec.Header() {
		for _, v := range vs {
			if strings.Contains(v, secret) {
				t.Errorf("secret in header %s", k)
			}
		}
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", rec.Header().Get("Cache-Control"))
	}
	// JSON logs escape <, > and &, so look for the encoded form too.
	encoded, _ := json.Marshal(secret)
	if log := c.logBuf.String(); strings.Contains(log, secret) || strings.Contains(log, strings.Trim(string(encoded), `"`)) {
		t.Errorf("secret in the log")
	}
	for _, r := range c.records() {
		if strings.Contains(fmt.Sprintf("%+v", r), secret) {
			t.Errorf("secret in audit record %+v", r)
		}
	}
	return secret
}

func TestActions_generatedPassword(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	id := c.userID(fakeonelogin.PersonaPasswordExpired)
	rec := c.postConfirmed(actPath(id, "password"), url.Values{"mode": {"generate"}, "validate_policy": {"true"}, "ticket": {"INC-55"},
		"password": {"ignored-typed"}, "password_confirmation": {"ignored-other"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	actFragment(t, rec, "panel-password")
	pw := secretShownOnce(t, c, rec, "generated-password")
	if len(pw) != 19 || strings.Count(pw, "-") != 3 {
		t.Errorf("generated password %d characters long; want four groups of four", len(pw))
	}
	if !c.fake.Tenant.CheckPassword(id, pw) {
		t.Errorf("the shown password is not the one set")
	}
	if c.fake.Tenant.CheckPassword(id, "ignored-typed") {
		t.Errorf("the typed password was used")
	}
	r := actOneRecord(t, c)
	if r.Params["method"] != "generated" || r.Params["validate_policy"] != "true" || r.Ticket != "INC-55" {
		t.Errorf("audit params = %v ticket %q", r.Params, r.Ticket)
	}
	// Each generation gives a new password.
	rec2 := c.postConfirmed(actPath(id, "password"), url.Values{"mode": {"generate"}})
	if pw2 := strings.TrimSpace(doc(t, rec2).Find("#generated-password").Text()); pw2 == "" || pw2 == pw {
		t.Errorf("second generation gave %q", pw2)
	}
}

// Without JavaScript the generated password cannot survive a redirect, so
// the answer is a page that shows it.
func TestActions_generatedPasswordWithoutJavaScript(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	id := c.userID(fakeonelogin.PersonaPasswordExpired)
	rec := c.doConfirmed("POST", actPath(id, "password"), url.Values{"mode": {"generate"}}, false)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if doc(t, rec).Find("html [data-testid=action-page] #panel-password").Length() != 1 {
		t.Errorf("want a whole page with the password panel")
	}
	pw := secretShownOnce(t, c, rec, "generated-password")
	if !c.fake.Tenant.CheckPassword(id, pw) {
		t.Errorf("the shown password is not the one set")
	}
}

func TestActions_mfaToken(t *testing.T) {
	for _, tc := range []struct {
		expires  string
		reusable bool
		valid    time.Duration
	}{
		{"600", false, 10 * time.Minute},
		{"259200", true, 72 * time.Hour},
	} {
		t.Run(tc.expires, func(t *testing.T) {
			c := newConsole(t, access.RoleHelpdesk)
			id := c.userID(fakeonelogin.PersonaNoRoles)
			form := url.Values{"expires_in": {tc.expires}, "ticket": {"INC-77"}}
			if tc.reusable {
				form.Set("reusable", "true")
			}
			rec := c.post(actPath(id, "mfa-token"), form)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			d := actFragment(t, rec, "panel-mfa")
			tok := secretShownOnce(t, c, rec, "mfa-token")
			until, ok := d.Find("[data-testid=secret] time").Attr("datetime")
			exp, err := time.Parse(time.RFC3339, until)
			if !ok || err != nil {
				t.Fatalf("no expiry shown: %v", err)
			}
			if d := time.Until(exp); d < tc.valid-time.Minute || d > tc.valid+time.Minute {
				t.Errorf("token valid for %v, want %v", d, tc.valid)
			}
			if n := c.fake.Tenant.ActiveMFATokens(id); n != 1 {
				t.Errorf("active tokens = %d", n)
			}
			if !c.fake.Tenant.UseMFAToken(id, tok) {
				t.Errorf("the shown token does not work")
			}
			if again := c.fake.Tenant.UseMFAToken(id, tok); again != tc.reusable {
				t.Errorf("second use worked = %v, want %v", again, tc.reusable)
			}
			r := actOneRecord(t, c)
			want := map[string]string{"expires_in": tc.expires, "reusable": strconv.FormatBool(tc.reusable)}
			if fmt.Sprint(r.Params) != fmt.Sprint(want) || r.Outcome != audit.OutcomeSucceeded {
				t.Errorf("audit = %+v, want params %v", r, want)
			}
		})
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
