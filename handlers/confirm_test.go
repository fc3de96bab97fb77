package handlers_test

import (
	"strconv"
	"strings"
	"testing"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client/onelogintest"
)

// TestUserPage_destructiveActionsAskFirst: every control that takes
// something away from the person asks before it posts, naming them.
func TestUserPage_destructiveActionsAskFirst(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	name := "Marguerite Dubois"
	locked := doc(t, c.get("/users/"+strconv.FormatInt(onelogintest.PersonaLockedID, 10)))
	active := doc(t, c.get("/users/"+strconv.FormatInt(onelogintest.PersonaAdminID, 10)))
	cases := []struct {
		what, selector, want string
		page                 string
	}{
		{"log out", `[data-testid="logout-form"]`, "Sign " + name + " out of every OneLogin session?", "locked"},
		{"password", `[data-testid="password-form"]`, "Replace " + name + "'s password?", "locked"},
		{"hash import", `[data-testid="password-hash-form"]`, "Replace " + name + "'s password with the imported hash?", "locked"},
		{"remove a role", `[data-testid="roles-remove-form"] button[name="role_id"]`, " from " + name + "?", "locked"},
		{"lock", `[data-testid="lock-form"]`, "Lock Priya Raman's account?", "active"},
	}
	for _, tc := range cases {
		d := locked
		if tc.page == "active" {
			d = active
		}
		sel := d.Find(tc.selector)
		if sel.Length() == 0 {
			t.Errorf("%s: no %s on the page", tc.what, tc.selector)
			continue
		}
		q, ok := sel.First().Attr("hx-confirm")
		if !ok || !strings.Contains(q, tc.want) {
			t.Errorf("%s: hx-confirm = %q, want it to contain %q", tc.what, q, tc.want)
		}
	}
}
