//go:build e2e

package e2e

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
)

// readmeShots rewrites the README's screenshots (docs/search.png and
// docs/user.png) from the pages as they are now:
//
//	go test -tags e2e -run TestREADME_screenshots ./e2e -readme-shots
var readmeShots = flag.Bool("readme-shots", false, "rewrite docs/search.png and docs/user.png")

// TestREADME_screenshots takes the README's pictures: the search page with
// results as an agent types, and a locked person's page with the fix at the
// top and the lock form open. Without -readme-shots it takes them into
// e2e/screenshots only, so the journey still runs and cannot rot.
func TestREADME_screenshots(t *testing.T) {
	t.Parallel()
	s := startConsole(t, map[string]string{"HELPDESK_ONELOGIN_USER_URL": "https://northwind.onelogin.com/users/{id}/edit"})
	locked := s.person(t, fakeonelogin.PersonaLocked)
	dir := "screenshots"
	if *readmeShots {
		dir = filepath.Join("..", "docs")
	}

	page := newPage(t, "", viewport(1280, 900))
	s.signIn(t, page, fakeonelogin.PersonaHelpdesk, "/users")
	must(t, page.GetByLabel("Working on ticket").Fill("INC-40417"), "type the ticket")
	must(t, page.GetByLabel("Working on ticket").Press("Enter"), "set the ticket")
	must(t, expect.Locator(page.GetByTestId("ticket-clear")).ToBeVisible(), "the ticket is set")
	box := page.GetByRole("searchbox", pageNamed("Search people"))
	must(t, box.PressSequentially("marg", playwright.LocatorPressSequentiallyOptions{Delay: playwright.Float(30)}), "type part of a name")
	must(t, expect.Locator(page.GetByTestId("user-row").Filter(hasText(locked.Email))).ToBeVisible(), "results appear")
	shoot(t, page, filepath.Join(dir, "search.png"))

	must(t, page.GetByTestId("user-row").Filter(hasText(locked.Email)).GetByRole("link", named(locked.Name)).Click(), "open the person")
	must(t, expect.Locator(page.GetByTestId("user-name")).ToHaveText(locked.Name), "the person's page opens")
	must(t, page.SetViewportSize(1280, 1100), "a taller window for the person")
	must(t, expect.Locator(page.GetByTestId("manager-link")).ToHaveText("Priya Raman"), "the manager's name arrives")
	_, err := page.Evaluate(`() => document.activeElement && document.activeElement.blur()`)
	must(t, err, "take focus off the link")
	shoot(t, page, filepath.Join(dir, "user.png"))
}

// viewport sets the browser window's size.
func viewport(w, h int) contextOption {
	return func(o *playwright.BrowserNewContextOptions) { o.Viewport = &playwright.Size{Width: w, Height: h} }
}

// shoot saves what the window shows (not the whole page) as a PNG.
func shoot(t *testing.T, page playwright.Page, path string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(path), 0o755), "make %s", filepath.Dir(path))
	_, err := page.Screenshot(playwright.PageScreenshotOptions{Path: playwright.String(path), Animations: playwright.ScreenshotAnimationsDisabled})
	must(t, err, "screenshot %s", path)
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("no screenshot at %s: %v", path, err)
	}
	t.Logf("screenshot: %s", path)
}
