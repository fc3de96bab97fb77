//go:build e2e

package e2e

import (
	"fmt"
	"testing"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
)

// Journey 8: axe-core finds no serious or critical problems on the pages
// people use most: search with results, a person's page with every control,
// the audit page with an entry, the reports and the mails to people
// after it, Locked now, the sessions and directory index pages, /me and the
// public unlock page; in the light and the dark scheme, whose colours (and
// so contrast) differ, on a desktop and on a phone, whose layouts differ.
//
// The four variants run side by side, each on its own console. A browser
// context costs Chromium about half a second of CPU to make, so within a
// variant each person walks their pages in one.
func TestAccessibility_mainPages(t *testing.T) {
	t.Parallel()
	for _, v := range []struct {
		name string
		opts []contextOption
	}{
		{"light", nil},
		{"dark", []contextOption{darkMode}},
		{"phone light", []contextOption{phone}},
		{"phone dark", []contextOption{phone, darkMode}},
	} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			checkMainPages(t, v.opts...)
		})
	}
}

func checkMainPages(t *testing.T, opts ...contextOption) {
	s := startConsole(t, nil)
	locked := s.person(t, fakeonelogin.PersonaLocked)

	// An admin sees every panel and control; the unlock comes first, so
	// that the pages after it have something to show.
	admin := newPage(t, "admin", opts...)
	s.signIn(t, admin, fakeonelogin.PersonaAdmin, fmt.Sprintf("/users/%d", locked.ID))
	must(t, expect.Locator(admin.GetByTestId("user-name")).ToHaveText(locked.Name), "the page shows the person")
	assertAccessible(t, admin, "user page")
	// And after an action: the notice, the re-rendered panel.
	status := admin.Locator("#panel-status")
	must(t, status.GetByRole("button", named("Unlock "+locked.Name)).Click(), "unlock")
	must(t, expect.Locator(status.GetByTestId("notice")).ToBeVisible(), "the notice appears")
	assertAccessible(t, admin, "user page after an unlock")

	visible := func(l playwright.Locator) func() error {
		return func() error { return expect.Locator(l).ToBeVisible() }
	}
	for _, p := range []struct {
		name, path string
		shown      func() error // what the page shows of the unlock, or that it is there
	}{
		{"audit page", "/audit", visible(admin.GetByRole("row").Filter(hasText(locked.Email)).First())},
		{"reports", "/reports", func() error { return expect.Locator(admin.GetByTestId("total-unlocks")).ToHaveText("1") }},
		{"mail page", "/mail?state=sent", visible(admin.GetByTestId("mail-row").Filter(hasText(locked.Email)).First())},
		{"Locked now", "/locked", visible(admin.GetByTestId("locked-page"))},
		{"sessions page", "/sessions", visible(admin.GetByTestId("sessions"))},
	} {
		_, err := admin.Goto(s.URL + p.path)
		must(t, err, "open %s", p.path)
		must(t, p.shown(), "the %s is shown", p.name)
		assertAccessible(t, admin, p.name)
	}

	helpdesk := newPage(t, "helpdesk", opts...)
	s.signIn(t, helpdesk, fakeonelogin.PersonaHelpdesk, "/users?q=dubois")
	must(t, expect.Locator(helpdesk.GetByTestId("user-row").Filter(hasText(locked.Email))).ToBeVisible(), "results are shown")
	assertAccessible(t, helpdesk, "search page with results")

	employee := newPage(t, "employee", opts...)
	s.signIn(t, employee, fakeonelogin.PersonaEmployee, "/me")
	must(t, expect.Locator(employee.Locator("main")).ToContainText(fakeonelogin.PersonaEmployee), "/me shows the account")
	assertAccessible(t, employee, "/me")

	anonymous := newPage(t, "anonymous", opts...)
	_, err := anonymous.Goto(s.URL + "/unlock")
	must(t, err, "open /unlock")
	must(t, expect.Locator(anonymous.GetByTestId("unlock-start")).ToBeVisible(), "the first step is shown")
	assertAccessible(t, anonymous, "public unlock page")

	// The harness's consoles search OneLogin; this page needs an index.
	indexed := startConsole(t, map[string]string{"HELPDESK_DIRECTORY_INDEX": "true"})
	page := newPage(t, "directory", opts...)
	indexed.signIn(t, page, fakeonelogin.PersonaAdmin, "/directory")
	must(t, expect.Locator(page.GetByTestId("directory-page")).ToBeVisible(), "the directory index page is shown")
	assertAccessible(t, page, "directory index page")
}
