//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
)

// internals are words that must never reach a person: they mean a raw error
// was shown instead of a message.
var internals = regexp.MustCompile(`(?i)api/[12]/|127\.0\.0\.1|goroutine|panic|dial tcp|EOF|bearer|\{"status"`)

// assertPlain checks that a message is there and says nothing internal.
func assertPlain(t *testing.T, l playwright.Locator, what string) {
	t.Helper()
	must(t, expect.Locator(l).ToBeVisible(), "%s is shown", what)
	must(t, expect.Locator(l).Not().ToContainText(internals), "%s is plain words, without internals", what)
}

// Journey 6: OneLogin failing. Each failure is shown as a plain message,
// and the page keeps working once OneLogin does.
func TestFailures_oneLoginFails(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	locked := s.person(t, fakeonelogin.PersonaLocked)

	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaHelpdesk, "/users")
	s.openUser(t, page, locked)
	status := page.Locator("#panel-status")
	banner := page.GetByTestId("banner")

	t.Run("a 500 from OneLogin", func(t *testing.T) {
		s.Tenant.ResetCalls()
		s.Tenant.FailNext(1, http.StatusInternalServerError)
		unlock := status.GetByRole("button", named("Unlock "+locked.Name))
		must(t, unlock.Click(), "press Unlock while OneLogin fails")
		assertPlain(t, banner, "the failure banner")
		must(t, expect.Locator(banner).ToContainText("OneLogin"), "the banner says it is OneLogin that failed")
		must(t, expect.Locator(status.GetByTestId("status-badge")).ToContainText("Locked"), "the person is still shown locked")
		if u, _ := s.Tenant.User(locked.ID); u.Status != fakeonelogin.StatusLocked {
			t.Errorf("the person was unlocked although OneLogin failed (status %d)", u.Status)
		}
		failed := 0
		for _, c := range s.Tenant.Calls() {
			if c.Status == http.StatusInternalServerError {
				failed++
			}
		}
		if failed != 1 {
			t.Errorf("the fake answered %d calls with 500, want 1; calls:%s", failed, callLines(s.Tenant.Calls()))
		}

		// The page still works: the same button now unlocks.
		must(t, unlock.Click(), "press Unlock again")
		must(t, expect.Locator(status.GetByTestId("notice")).ToHaveText("Unlocked "+locked.Name+". They can sign in now."), "the retry unlocks")
		must(t, expect.Locator(status.GetByTestId("status-badge")).ToHaveText("Active"), "the status reads Active")
		s.wantCall(t, "POST", fmt.Sprintf("/api/2/users/%d/unlock", locked.ID))
	})

	t.Run("a dropped connection", func(t *testing.T) {
		s.openUser(t, page, locked)
		must(t, expect.Locator(banner).ToHaveCount(0), "a fresh page has no banner")
		session := openAction(t, page, "logout", "panel-session")
		s.Tenant.ResetCalls()
		// Go's HTTP client quietly retries a GET whose reused connection was
		// dropped, so one drop never shows. Keep dropping until the console
		// gives up, then let OneLogin answer again.
		s.Tenant.DropNext(20)
		logout := session.GetByRole("button", named("Log "+locked.Name+" out of all sessions"))
		must(t, logout.Click(), "press log out while OneLogin drops the connection")
		assertPlain(t, banner, "the failure banner")
		must(t, expect.Locator(banner).ToContainText("OneLogin"), "the banner says it is OneLogin that failed")
		s.Tenant.DropNext(0)
		dropped := 0
		for _, c := range s.Tenant.Calls() {
			if c.Status == 0 && c.Method == "GET" {
				dropped++
			}
		}
		if dropped == 0 {
			t.Errorf("no call was dropped, so the banner is not about a dropped connection; calls:%s", callLines(s.Tenant.Calls()))
		}
		if n := len(s.writes()); n != 0 {
			t.Errorf("OneLogin was asked to change something although reading the person failed:%s", callLines(s.writes()))
		}

		must(t, logout.Click(), "press log out again")
		answerYes(t, session, "Sign "+locked.Name+" out of every OneLogin session?", "Yes, log "+locked.Name+" out")
		must(t, expect.Locator(session.GetByTestId("notice")).ToHaveText("Logged "+locked.Name+" out of OneLogin. They must sign in again."), "the retry logs them out")
		s.wantCall(t, "PUT", userPath(locked.ID, "/logout"))
	})

	t.Run("rate limit spent", func(t *testing.T) {
		_, err := page.Goto(s.URL + "/users")
		must(t, err, "open search")
		s.Tenant.SpendRateLimit()
		box := page.GetByRole("searchbox", pageNamed("Search people"))
		must(t, box.Fill("dubois"), "search while the quota is spent")
		assertPlain(t, banner, "the rate-limit banner")
		must(t, expect.Locator(banner).ToContainText("quota"), "the banner says the API quota is used up")
		must(t, expect.Locator(banner).ToContainText("Try again after"), "the banner says when to try again")
	})
}
