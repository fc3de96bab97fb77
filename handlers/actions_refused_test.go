package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/fakeonelogin"
)

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
