//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
)

// Journey: with the directory index filled, an agent types a name the way
// agents do, without its accents, and finds the person at once; Enter on a
// single match opens their page.
func TestIndex_findsANameTypedWithoutAccents(t *testing.T) {
	t.Parallel()
	// A quota large enough that the first listing is not paced.
	s := startConsole(t, map[string]string{"HELPDESK_DIRECTORY_INDEX": "true", "HELPDESK_FAKE_RATE_LIMIT": "1000000"})
	s.waitForIndex(t)
	jose, ok := s.Tenant.User(fakeonelogin.PersonaAccentsID)
	if !ok {
		t.Fatal("the fake tenant has no José Müller")
	}
	name := jose.Firstname + " " + jose.Lastname

	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaHelpdesk, "/users")
	box := page.GetByRole("searchbox", pageNamed("Search people"))
	must(t, box.PressSequentially("muller jose", playwright.LocatorPressSequentiallyOptions{Delay: playwright.Float(30)}), "type his name without accents")
	first := page.GetByTestId("user-row").First()
	must(t, expect.Locator(first).ToHaveAttribute("data-user-id", fmt.Sprint(jose.ID)), "José Müller is the first result")
	must(t, expect.Locator(first.GetByRole("link", named(name))).ToBeVisible(), "his name shows with its accents")
	must(t, expect.Locator(page.GetByTestId("as-of")).ToContainText("as of "), "the results say how fresh they are")
	assertAccessible(t, page, "the search page with the index's filters and status views")

	// Arrow down reaches the first result, arrow up returns to the box.
	must(t, box.Press("ArrowDown"), "arrow down from the box")
	must(t, expect.Locator(first.GetByRole("link", named(name))).ToBeFocused(), "the first result has focus")
	must(t, page.Keyboard().Press("ArrowUp"), "arrow up from the first result")
	must(t, expect.Locator(box).ToBeFocused(), "the box has focus again")

	// A single match: Enter opens it.
	single := page.GetByTestId("user-row")
	if n, _ := single.Count(); n != 1 {
		// Another José Müller (or a near spelling) in the random tenant: narrow it by his email.
		must(t, box.Fill(jose.Email), "type his email")
		must(t, expect.Locator(single).ToHaveCount(1), "one match for his email")
	}
	must(t, box.Press("Enter"), "press Enter")
	must(t, expect.Page(page).ToHaveURL(fmt.Sprintf("%s/users/%d", s.URL, jose.ID)), "Enter opens the single match")
}

// waitForIndex waits for the first listing into the directory index.
func (s *consoleServer) waitForIndex(t *testing.T) {
	t.Helper()
	ix := s.App.Directory()
	if ix == nil {
		t.Fatal("the console keeps no directory index")
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := ix.Status(context.Background()); err == nil && st.Complete {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the directory index's first listing did not complete within a minute")
}
