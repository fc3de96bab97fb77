//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"onelogin-helpdesk/fakeonelogin"
)

// Journey 5: an employee (in no staff group) sees their own account at /me,
// unlocks it themselves, and may not search other people.
func TestEmployee_selfService(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	me := s.person(t, fakeonelogin.PersonaEmployee)

	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaEmployee, "/me")
	main := page.Locator("main")
	must(t, expect.Locator(main).ToContainText(me.Name), "/me shows their name")
	must(t, expect.Locator(main).ToContainText(me.Email), "/me shows their email")
	must(t, expect.Locator(main.GetByTestId("status-badge").First()).ToContainText("Locked"), "/me shows the account is locked")
	must(t, expect.Locator(page.GetByRole("navigation", pageNamed("Main")).GetByRole("link", named("People"))).ToHaveCount(0), "no People link for an employee")

	s.Tenant.ResetCalls()
	must(t, main.GetByRole("button", named("Unlock my account")).Click(), "press Unlock my account")
	must(t, expect.Locator(main.GetByTestId("notice")).ToContainText(regexp.MustCompile(`(?i)unlocked`)), "a notice confirms the unlock")
	must(t, expect.Locator(main.GetByTestId("status-badge").First()).ToHaveText("Active"), "the status reads Active")
	s.wantCall(t, "POST", fmt.Sprintf("/api/2/users/%d/unlock", me.ID))
	if u, _ := s.Tenant.User(me.ID); u.Status != fakeonelogin.StatusActive {
		t.Errorf("the fake tenant has %s at status %d after the self-unlock", me.Email, u.Status)
	}

	s.Tenant.ResetCalls()
	res, err := page.Goto(s.URL + "/users?q=dubois")
	must(t, err, "open /users")
	if res.Status() != http.StatusForbidden {
		t.Errorf("/users answered an employee with %d, want 403", res.Status())
	}
	must(t, expect.Locator(page.GetByTestId("error-page")).ToContainText("Not allowed"), "the page says the search is not allowed")
	must(t, expect.Locator(page.GetByTestId("users-table")).ToHaveCount(0), "no results are shown")
	if n := s.Tenant.CallCount("GET", "/api/1/users"); n != 0 {
		t.Errorf("a refused search still made %d user calls to the fake tenant:%s", n, callLines(s.Tenant.Calls()))
	}
}
