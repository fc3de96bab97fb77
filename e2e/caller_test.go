//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
)

// Journeys of the Factors panel and of verifying who is calling: an agent
// on a person's page sends a code or a push to one of the person's
// factors and takes what the caller reads out, removes a lost phone and
// gives a temporary MFA token. The person's phone and inbox are the fake
// tenant's own pages.

// factorsPanel waits for the Factors panel to arrive on the person's page.
func factorsPanel(t *testing.T, page playwright.Page) playwright.Locator {
	t.Helper()
	panel := page.Locator("#panel-factors")
	must(t, expect.Locator(panel.GetByTestId("factors-loading")).ToHaveCount(0), "the Factors panel arrives")
	return panel
}

// textedCode reads the newest code texted to p in the fake inbox, as the
// person would on their phone.
func textedCode(t *testing.T, s *consoleServer, p person) string {
	t.Helper()
	inbox := fakePage(t, s, fmt.Sprintf("/_fake/inbox?user=%d", p.ID))
	code, err := inbox.GetByTestId("code").First().TextContent()
	must(t, err, "read the texted code in the fake inbox")
	return strings.TrimSpace(code)
}

// verifyByText verifies the caller of p with a texted code: two
// interactions, pressing the send button and typing the code read out
// (ended with Enter).
func verifyByText(t *testing.T, s *consoleServer, page playwright.Page, p person) {
	t.Helper()
	panel := factorsPanel(t, page)
	must(t, panel.GetByTestId("caller-choice").Filter(hasText("SMS")).Click(), "press Send a code to their SMS")
	must(t, expect.Locator(panel.GetByTestId("caller-sent")).ToBeVisible(), "the panel says the code was sent")
	code := textedCode(t, s, p)
	field := panel.GetByLabel("Code the caller reads out")
	must(t, field.Fill(code), "type the code the caller reads out")
	must(t, field.Press("Enter"), "press Enter")
	must(t, expect.Locator(page.GetByTestId("caller-line")).ToContainText("Caller verified by texted code at "), "the page says the caller is verified")
	must(t, expect.Locator(page.GetByTestId("caller-line")).ToContainText("by tomas.herrera"), "and by whom")
}

// TestCaller_lostPhone is the "I lost my phone" ticket from the person's
// page: verify the caller by a texted code, remove the Protect device,
// give a temporary MFA token, in six interactions.
func TestCaller_lostPhone(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	p := s.person(t, fakeonelogin.PersonaEmployee)
	page := newPage(t, "")
	dialogs := watchDialogs(page)
	s.signIn(t, page, fakeonelogin.PersonaHelpdesk, "/users")
	s.Tenant.ResetCalls()
	s.openUser(t, page, p)
	panel := factorsPanel(t, page)
	must(t, expect.Locator(panel.GetByTestId("factors").Locator("li")).ToHaveCount(2), "both factors are listed")
	must(t, expect.Locator(panel.GetByTestId("factors")).ToContainText("OneLogin Protect"), "the Protect device is listed in words")
	assertAccessible(t, page, "person's page with the Factors panel")

	// 1-2: send a code by text, type what the caller reads out.
	verifyByText(t, s, page, p)
	assertAccessible(t, page, "caller verified")

	// 3-4: remove the Protect device, confirming inside the page.
	var protect int64
	for _, d := range s.Tenant.Devices(p.ID) {
		if d.Factor == fakeonelogin.FactorProtect {
			protect = d.ID
		}
	}
	row := panel.GetByTestId("factors").Locator("li").Filter(hasText("OneLogin Protect"))
	must(t, row.GetByTestId("factor-remove").Click(), "press Remove on the Protect device")
	answerYes(t, panel, "from "+p.Name+"?", "Remove OneLogin Protect on Galaxy S23")
	must(t, expect.Locator(panel.GetByTestId("notice")).ToContainText("Removed OneLogin Protect on Galaxy S23 from "+p.Name), "the removal is confirmed")
	must(t, expect.Locator(panel.GetByTestId("factors").Locator("li")).ToHaveCount(1), "the SMS factor is left")
	must(t, expect.Locator(page.GetByTestId("history-item").First()).ToContainText("Remove factor"), "the history shows the removal")
	s.wantCall(t, "DELETE", userPath(p.ID, fmt.Sprintf("/otp_devices/%d", protect)))

	// 5-6: a temporary MFA token for the new phone's enrolment.
	mfa := openAction(t, page, "mfa-token", "panel-mfa")
	must(t, mfa.GetByRole("button", named("Create a token for "+p.Name)).Click(), "press Create a token")
	must(t, expect.Locator(mfa.GetByTestId("secret")).ToBeVisible(), "the token is shown once")
	s.wantCall(t, "POST", userPath(p.ID, "/mfa_token"))
	assertAccessible(t, page, "token given")
	dialogs.noneOpened(t)

	var calls []string
	for _, c := range s.Tenant.Calls() {
		if strings.HasPrefix(c.Path, "/api/") {
			calls = append(calls, c.Method+" "+c.Path)
		}
	}
	t.Logf("the lost-phone ticket in 6 interactions from the person's page; OneLogin calls from opening the page:\n  %s", strings.Join(calls, "\n  "))
}

// TestCaller_requiredBeforePasswordReset: with require, a password reset
// is refused (and nothing sent) until the agent verified the caller, and
// allowed after.
func TestCaller_requiredBeforePasswordReset(t *testing.T) {
	t.Parallel()
	s := startConsole(t, map[string]string{"HELPDESK_CALLER_VERIFICATION": "require"})
	p := s.person(t, fakeonelogin.PersonaLockedSMS)
	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaHelpdesk, "/users")
	s.openUser(t, page, p)
	must(t, expect.Locator(page.GetByTestId("caller-needed")).ToContainText("a password reset"), "the page says a password reset waits for a verified caller")

	s.Tenant.ResetCalls()
	pw := openAction(t, page, "password", "panel-password")
	must(t, pw.GetByRole("button", named("Generate a strong password")).Click(), "press Generate")
	must(t, expect.Locator(page.Locator("#banner")).ToContainText("Verify the caller first"), "the reset is refused with the reason")
	for _, c := range s.writes() {
		if strings.Contains(c.Path, "password") {
			t.Errorf("refused, yet the console asked OneLogin %s %s", c.Method, c.Path)
		}
	}
	assertAccessible(t, page, "password reset refused")

	verifyByText(t, s, page, p)
	pw = openAction(t, page, "password", "panel-password")
	must(t, pw.GetByRole("button", named("Generate a strong password")).Click(), "press Generate again")
	answerYes(t, pw, "Replace "+p.Name+"'s password with a generated one?", "Yes, generate and set a password")
	must(t, expect.Locator(pw.GetByTestId("notice")).ToContainText("Set a new password for "+p.Name), "the reset goes ahead once the caller is verified")
}

// TestCaller_deniedPush: the page follows a push live; one the person
// denies is a warning that the caller may not be who they say.
func TestCaller_deniedPush(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	p := s.person(t, fakeonelogin.PersonaLockedPush)
	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaHelpdesk, "/users")
	s.openUser(t, page, p)
	panel := factorsPanel(t, page)
	must(t, panel.GetByTestId("caller-choice").Filter(hasText("Send a push")).Click(), "press Send a push")
	must(t, expect.Locator(panel.GetByTestId("caller-waiting")).ToContainText("Pixel 7a"), "the panel waits for the push on the named phone")
	assertAccessible(t, page, "waiting for a push")
	answerPush(t, s, p, "deny")
	must(t, expect.Locator(panel.GetByTestId("notice")).ToContainText("denied the push: the caller may not be who they say"), "the page warns by itself")
	must(t, expect.Locator(page.Locator(`[data-testid="caller-line"][data-tone="warning"]`)).ToContainText("denied"), "the why panel carries the warning")
	assertAccessible(t, page, "push denied")
}
