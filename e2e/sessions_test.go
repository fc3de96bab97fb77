//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
)

// TestSessions_adminEndsASession: an admin sees every console session on
// the sessions page and ends the agent's; the agent's next click lands on
// the sign-in, and the page passes the accessibility check.
func TestSessions_adminEndsASession(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	agent := newPage(t, "agent")
	s.signIn(t, agent, fakeonelogin.PersonaHelpdesk, "/sessions")
	must(t, expect.Locator(agent.GetByTestId("this-session")).ToHaveCount(1), "the agent sees this session marked")

	admin := newPage(t, "admin")
	s.signIn(t, admin, fakeonelogin.PersonaAdmin, "/sessions")
	assertAccessible(t, admin, "the sessions page")
	row := admin.GetByTestId("all-sessions").Locator(`[data-email="` + fakeonelogin.PersonaHelpdesk + `"]`)
	must(t, expect.Locator(row).ToHaveCount(1), "the admin sees the agent's session")
	must(t, row.GetByRole("button", named("End session of "+fakeonelogin.PersonaHelpdesk)).Click(), "end the agent's session")
	must(t, expect.Locator(admin.GetByTestId("notice")).ToContainText("has ended on every replica"), "a notice confirms it")
	must(t, expect.Locator(admin.GetByTestId("all-sessions").Locator(`[data-email="`+fakeonelogin.PersonaHelpdesk+`"]`)).ToHaveCount(0), "the agent's session is gone from the list")

	// The agent's browser, cookies and all, asks for a page: it is sent to
	// sign in (followed no further: the provider's page is not the point).
	res, err := agent.Request().Get(s.URL+"/me", playwright.APIRequestContextGetOptions{MaxRedirects: playwright.Int(0)})
	must(t, err, "the agent opens a page")
	if loc := res.Headers()["location"]; res.Status() != 302 || !strings.HasPrefix(loc, "/auth/login") {
		t.Errorf("the agent's next page: %d to %q, want a redirect to sign in", res.Status(), loc)
	}
}
