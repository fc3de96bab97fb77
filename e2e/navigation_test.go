//go:build e2e

package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
)

// resultIDs are the user ids in the search results, in order.
func resultIDs(t *testing.T, page playwright.Page) []string {
	t.Helper()
	rows, err := page.GetByTestId("user-row").All()
	must(t, err, "list result rows")
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		id, err := r.GetAttribute("data-user-id")
		must(t, err, "read a row's user id")
		ids = append(ids, id)
	}
	return ids
}

// search puts q into the search box at once and waits for its results:
// one search, one history entry. (Typed a key at a time, a busy machine's
// pause longer than the box's debounce would search, and push, a prefix.)
func search(t *testing.T, page playwright.Page, q, wantEmail string) {
	t.Helper()
	box := page.GetByRole("searchbox", pageNamed("Search people"))
	must(t, box.Fill(q), "enter %q", q)
	must(t, expect.Locator(page.GetByTestId("user-row").Filter(hasText(wantEmail))).ToBeVisible(), "%q finds %s", q, wantEmail)
	must(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/users\?q=`+regexp.QuoteMeta(q)+`$`)), "the URL holds the search %q", q)
}

// Journey 7a: back and forward restore a search, and a pasted search URL
// shows the same results.
func TestNavigation_historyAndPastedURL(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	locked := s.person(t, fakeonelogin.PersonaLocked)
	helpdesk := s.person(t, fakeonelogin.PersonaHelpdesk)

	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaAdmin, "/users")
	box := page.GetByRole("searchbox", pageNamed("Search people"))

	search(t, page, "dubois", locked.Email)
	first := resultIDs(t, page)
	search(t, page, "herrera", helpdesk.Email)

	_, err := page.GoBack()
	must(t, err, "go back")
	must(t, expect.Locator(box).ToHaveValue("dubois"), "back restores the first search in the box")
	must(t, expect.Locator(page.GetByTestId("user-row").Filter(hasText(locked.Email))).ToBeVisible(), "back restores the first results")
	must(t, expect.Locator(page.GetByTestId("user-row").Filter(hasText(helpdesk.Email))).ToHaveCount(0), "the second results are gone")

	_, err = page.GoForward()
	must(t, err, "go forward")
	must(t, expect.Locator(box).ToHaveValue("herrera"), "forward restores the second search in the box")
	must(t, expect.Locator(page.GetByTestId("user-row").Filter(hasText(helpdesk.Email))).ToBeVisible(), "forward restores the second results")

	// Open a person and come back: the search is still there.
	_, err = page.GoBack()
	must(t, err, "go back to the first search")
	row := page.GetByTestId("user-row").Filter(hasText(locked.Email))
	must(t, row.GetByRole("link", named(locked.Name)).Click(), "open %s", locked.Name)
	must(t, expect.Locator(page.GetByTestId("user-name")).ToHaveText(locked.Name), "the person's page opens")
	_, err = page.GoBack()
	must(t, err, "go back from the person")
	must(t, expect.Locator(box).ToHaveValue("dubois"), "back from a person restores the search")
	must(t, expect.Locator(row).ToBeVisible(), "and its results")

	// Someone else pastes the URL into a fresh browser.
	other := newPage(t, "pasted")
	s.signIn(t, other, fakeonelogin.PersonaHelpdesk, "/users?q=dubois")
	must(t, expect.Locator(other.GetByRole("searchbox", pageNamed("Search people"))).ToHaveValue("dubois"), "the pasted URL fills the box")
	must(t, expect.Locator(other.GetByTestId("user-row").Filter(hasText(locked.Email))).ToBeVisible(), "the pasted URL shows results")
	if got := resultIDs(t, other); !slices.Equal(got, first) {
		t.Errorf("the pasted URL shows users %v, the original search showed %v", got, first)
	}
}

// Journey 7b: the whole unlock by keyboard alone: / to search, Tab to the
// person, Enter to open, Tab to the unlock controls, Enter to act.
func TestNavigation_unlockByKeyboard(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	locked := s.person(t, fakeonelogin.PersonaLocked)

	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaHelpdesk, "/users")
	kb := page.Keyboard()
	box := page.GetByRole("searchbox", pageNamed("Search people"))

	// Start away from the box, as after reading something else on the page.
	must(t, page.GetByRole("link", pageNamed("OneLogin Helpdesk")).Focus(), "focus the brand link")
	must(t, expect.Locator(box).Not().ToBeFocused(), "the box starts without focus")
	must(t, kb.Press("/"), "press /")
	must(t, expect.Locator(box).ToBeFocused(), "/ moves focus to the search box")
	must(t, kb.Type("marguerite"), "type the name")
	must(t, expect.Locator(box).ToHaveValue("marguerite"), "the / was not typed into the box")
	link := page.GetByTestId("user-row").Filter(hasText(locked.Email)).GetByRole("link", named(locked.Name))
	must(t, expect.Locator(link).ToBeVisible(), "the person appears")

	tabTo(t, page, link, "the person's link")
	must(t, kb.Press("Enter"), "press Enter on the link")
	must(t, expect.Page(page).ToHaveURL(fmt.Sprintf("%s/users/%d", s.URL, locked.ID)), "Enter opens the person")

	status := page.Locator("#panel-status")
	ticket := status.GetByTestId("unlock-form").GetByLabel("Ticket / reason")
	tabTo(t, page, ticket, "the unlock ticket field")
	must(t, kb.Type("INC-777"), "type the ticket")
	unlock := status.GetByRole("button", named("Unlock "+locked.Name))
	tabTo(t, page, unlock, "the Unlock button")
	must(t, kb.Press("Enter"), "press Enter on Unlock")
	must(t, expect.Locator(status.GetByTestId("notice")).ToHaveText("Unlocked "+locked.Name+". They can sign in now."), "the unlock is confirmed")
	must(t, expect.Locator(status.GetByTestId("status-badge")).ToHaveText("Active"), "the status reads Active")
	s.wantCall(t, "POST", fmt.Sprintf("/api/2/users/%d/unlock", locked.ID))
}

// tabTo presses Tab until target has focus, failing after 80 presses: a
// control that Tab never reaches cannot be used from the keyboard.
func tabTo(t *testing.T, page playwright.Page, target playwright.Locator, what string) {
	t.Helper()
	for range 80 {
		focused, err := target.Evaluate(`el => el === document.activeElement`, nil)
		must(t, err, "check focus on %s", what)
		if focused == true {
			return
		}
		must(t, page.Keyboard().Press("Tab"), "press Tab")
	}
	active, _ := page.Evaluate(`() => document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : "none"`)
	t.Fatalf("80 presses of Tab never reached %s; focus is on %v", what, active)
}
