package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// Options that fit the person and the policy: what a page offers and says
// follows who the person is, who is reading, and the OneLogin policy.

// staffGroups names the fake tenant's staff roles as the console's admin
// and helpdesk groups, which makes them protected too.
func staffGroups(cfg *handlers.Config) {
	protectStaff(cfg)
	cfg.AdminRoles = access.NewNames([]string{fakeonelogin.GroupAdmins}, false)
	cfg.HelpdeskRoles = access.NewNames([]string{fakeonelogin.GroupHelpdesk}, false)
}

// TestOptions_protectedLockIsForAnAdmin: a helpdesk agent reading a locked
// protected account is told to ask an admin or wait until the lock ends,
// not to unlock; Locked now says "admin only" where the Unlock would be.
// An admin still gets the Unlock.
func TestOptions_protectedLockIsForAnAdmin(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, withConfig(staffGroups), tenantOnConsoleClock())
	protected := fakeonelogin.PersonaAdminID
	if err := c.ol.LockUser(context.Background(), protected, 0); err != nil {
		t.Fatal(err)
	}
	until := clockStart.Add(fakeonelogin.DefaultPolicyLockMinutes * 60e9).Format("15:04")

	d := doc(t, c.get("/users/"+idStr(protected)))
	if fix := text(d, "[data-testid=why-fix]"); fix != "What to do: Protected account: an admin must do this. Ask an admin to unlock, or wait until "+until+"." {
		t.Errorf("why panel fix = %q", fix)
	}
	if n := d.Find("[data-testid=unlock-form]").Length(); n != 0 {
		t.Errorf("helpdesk is offered %d unlock forms for a protected account", n)
	}

	rows := lockedRows(doc(t, c.get("/locked")))
	row, ok := rows[protected]
	if !ok {
		t.Fatal("the protected account is not on Locked now")
	}
	if got := cell(row, "admin-only"); got != "admin only" {
		t.Errorf("the row's action cell says %q, want %q", got, "admin only")
	}

	c.who = access.Identity{Email: "ada.admin@example.com", Role: access.RoleAdmin}
	d = doc(t, c.get("/users/"+idStr(protected)))
	if fix := text(d, "[data-testid=why-fix]"); !strings.HasPrefix(fix, "What to do: Unlock the account now") {
		t.Errorf("an admin's why panel fix = %q", fix)
	}
	if cell(lockedRows(doc(t, c.get("/locked")))[protected], "admin-only") != "" {
		t.Error("an admin's Locked now says admin only")
	}
}

// TestOptions_lockMenuFollowsThePolicy: with a 30-minute policy the lock
// menu names the policy's period and offers nothing shorter; a forged
// shorter period is refused beside the menu and OneLogin is not asked.
func TestOptions_lockMenuFollowsThePolicy(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, withConfig(func(cfg *handlers.Config) { cfg.LockPolicyMinutes = 30 }))
	target := fakeonelogin.PersonaNoRolesID
	d := doc(t, c.do("GET", "/users/"+idStr(target)+"/lock", nil, true))
	var offered []string
	d.Find("#lock-minutes option").Each(func(_ int, o *goquery.Selection) { offered = append(offered, o.Text()) })
	want := []string{"The policy's period (30 minutes)", "1 hour", "24 hours", "Until unlocked (a year)"}
	if strings.Join(offered, "|") != strings.Join(want, "|") {
		t.Errorf("lock menu offers %q, want %q", offered, want)
	}
	c.fake.Tenant.ResetCalls()
	rec := c.post("/users/"+idStr(target)+"/lock", url.Values{"minutes": {"15"}})
	wantCode(t, rec, http.StatusUnprocessableEntity)
	if !strings.Contains(rec.Body.String(), `data-testid="error-minutes"`) {
		t.Errorf("no message beside the menu: %.300s", rec.Body)
	}
	if w := actWrites(c); len(w) != 0 {
		t.Errorf("OneLogin was asked to %v", w)
	}
}

// TestOptions_typedPasswordMeetsThePolicyLengthFirst: a typed password
// shorter than the policy is refused beside the field, before any
// question and without a call to OneLogin.
func TestOptions_typedPasswordMeetsThePolicyLengthFirst(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, withConfig(func(cfg *handlers.Config) { cfg.PasswordMinLength = 12 }))
	target := fakeonelogin.PersonaNoRolesID
	c.fake.Tenant.ResetCalls()
	rec := c.post("/users/"+idStr(target)+"/password", url.Values{"mode": {"set"}, "password": {"Short-Pw1"}, "password_confirmation": {"Short-Pw1"}})
	wantCode(t, rec, http.StatusUnprocessableEntity)
	d := doc(t, rec)
	if msg := text(d, "[data-testid=error-password]"); msg != "OneLogin's password policy needs at least 12 characters; this one has 9." {
		t.Errorf("message beside the password = %q", msg)
	}
	if d.Find("[data-testid=confirm]").Length() != 0 {
		t.Error("a too-short password was asked about")
	}
	if w := actWrites(c); len(w) != 0 {
		t.Errorf("OneLogin was asked to %v", w)
	}
	if strings.Contains(rec.Body.String(), "Short-Pw1") {
		t.Error("the password came back in the page")
	}
}

// TestOptions_grantingAStaffRoleAsksFirst: giving a role behind the admin
// or helpdesk groups asks first and says what the person becomes; an
// ordinary role is given at once.
func TestOptions_grantingAStaffRoleAsksFirst(t *testing.T) {
	for _, tc := range []struct {
		name    string
		role    int64
		becomes string
	}{
		{"admin group", fakeonelogin.RoleIDAdmins, "becomes a console admin and a protected account"},
		{"helpdesk group", fakeonelogin.RoleIDHelpdesk, "becomes a helpdesk agent in this console and a protected account"},
		{"ordinary role", fakeonelogin.RoleIDViewers, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleAdmin, withConfig(staffGroups))
			target := fakeonelogin.PersonaNoRolesID
			form := url.Values{"role_id": {strconv.FormatInt(tc.role, 10)}}
			c.fake.Tenant.ResetCalls()
			rec := c.post("/users/"+idStr(target)+"/roles/add", form)
			question := text(doc(t, rec), "[data-testid=confirm]")
			if tc.becomes == "" {
				if question != "" {
					t.Errorf("an ordinary role asked %q", question)
				}
				if len(actWrites(c)) != 1 {
					t.Errorf("the role was not given at once: %v", actWrites(c))
				}
				return
			}
			if !strings.Contains(question, "Søren Aalto "+tc.becomes) {
				t.Errorf("question = %q, want it to say the person %s", question, tc.becomes)
			}
			if w := actWrites(c); len(w) != 0 {
				t.Fatalf("asking changed something: %v", w)
			}
			wantCode(t, c.postConfirmed("/users/"+idStr(target)+"/roles/add", form), http.StatusOK)
			if len(actWrites(c)) != 1 {
				t.Errorf("the confirmed grant made %v", actWrites(c))
			}
		})
	}
}

// TestOptions_suspendedPersonHasNoPasswordOrToken: a suspended person
// cannot sign in whatever their password or factor, so their page offers
// neither; an active person's does.
func TestOptions_suspendedPersonHasNoPasswordOrToken(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	for _, tc := range []struct {
		id      int64
		offered bool
	}{{fakeonelogin.PersonaSuspendedID, false}, {fakeonelogin.PersonaNoRolesID, true}} {
		d := doc(t, c.get("/users/"+idStr(tc.id)))
		n := d.Find("[data-testid=open-password], [data-testid=open-mfa-token]").Length()
		if tc.offered != (n == 2) || !tc.offered && n != 0 {
			t.Errorf("person %d: %d of Password and MFA token offered, want offered=%v", tc.id, n, tc.offered)
		}
		if d.Find("[data-testid=open-lock], [data-testid=open-roles]").Length() == 0 {
			t.Errorf("person %d: the other actions went too", tc.id)
		}
	}
}
