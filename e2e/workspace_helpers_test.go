//go:build e2e

package e2e

import (
	"testing"

	"github.com/playwright-community/playwright-go"
)

// The person's page opens each action on demand from its action bar, and
// a destructive action asks inside the page; these helpers do both the way
// a person does.

// openAction presses an action in the person's action bar and waits for
// its panel in the action area.
func openAction(t *testing.T, page playwright.Page, path, panelID string) playwright.Locator {
	t.Helper()
	// A panel already open is replaced by the one the click loads: the old
	// one is marked, so the wait is for the new one, and nothing is pressed
	// in a panel about to be swapped out.
	if _, err := page.Evaluate(`id => document.querySelector("#action-area #" + id)?.setAttribute("data-replaced", "")`, panelID); err != nil {
		t.Fatalf("mark the open %s panel: %v", path, err)
	}
	must(t, page.GetByTestId("action-bar").GetByTestId("open-"+path).Click(), "open %s from the action bar", path)
	panel := page.Locator("#action-area #" + panelID)
	must(t, expect.Locator(page.Locator("#action-area #"+panelID+":not([data-replaced])")).ToBeVisible(), "the %s panel opens in the action area", path)
	return panel
}

// answerYes checks that the question asked inside scope names what it is
// about, and presses its button.
func answerYes(t *testing.T, scope playwright.Locator, question, button string) {
	t.Helper()
	box := scope.GetByTestId("confirm")
	must(t, expect.Locator(box).ToBeVisible(), "the question is asked inside the page")
	must(t, expect.Locator(box).ToContainText(question), "the question says %q", question)
	must(t, box.GetByRole("button", named(button)).Click(), "press %q", button)
}

// watchDialogs records any browser dialog the page opens (answering yes,
// so a journey that wrongly relies on one still ends); noneOpened fails t
// if there was one: every question is asked inside the page.
func watchDialogs(page playwright.Page) *confirms { return acceptConfirms(page) }

func (c *confirms) noneOpened(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.questions) > 0 {
		t.Errorf("the page asked with the browser's own dialog: %q", c.questions)
	}
}
