//go:build e2e

package e2e

import (
	"fmt"
	"testing"

	"onelogin-helpdesk/fakeonelogin"
)

// Journey 8: axe-core finds no serious or critical problems on the pages
// people use most: search with results, a person's page with every control,
// the audit page with an entry, the reports and the mails to people
// after it, Locked now, the sessions and directory index pages, /me and the
// public unlock page; in the light and the dark scheme, whose colours (and
// so contrast) differ, on a desktop and on a phone, whose layouts differ.
//
// The four variants run side by side, each on its own console. Within one,
// the unlock comes first and the pages that show it follow in order; the
// pages that do not depend on it then run side by side.
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

	t.Run("user page", func(t *testing.T) {
		page := newPage(t, "", opts...)
		// An admin sees every panel and control.
		s.signIn(t, page, fakeonelogin.PersonaAdmin, fmt.Sprintf("/users/%d", locked.ID))
		must(t, expect.Locator(page.GetByTestId("user-name")).ToHaveText(locked.Name), "the page shows the person")
		assertAccessible(t, page, "user page")

		// And after an action: the notice, the re-rendered panel.
		status := page.Locator("#panel-status")
		must(t, status.GetByRole("button", named("Unlock "+locked.Name)).Click(), "unlock")
		must(t, expect.Locator(status.GetByTestId("notice")).ToBeVisible(), "the notice appears")
		assertAccessible(t, page, "user page after an unlock")
	})

	t.Run("audit page", func(t *testing.T) {
		page := newPage(t, "", opts...)
		s.signIn(t, page, fakeonelogin.PersonaAdmin, "/audit")
		must(t, expect.Locator(page.GetByRole("row").Filter(hasText(locked.Email)).First()).ToBeVisible(), "the audit page lists the unlock")
		assertAccessible(t, page, "audit page")
	})

	t.Run("reports", func(t *testing.T) {
		page := newPage(t, "", opts...)
		s.signIn(t, page, fakeonelogin.PersonaAdmin, "/reports")
		must(t, expect.Locator(page.GetByTestId("total-unlocks")).ToHaveText("1"), "the reports count the unlock")
		assertAccessible(t, page, "reports page")
	})

	t.Run("mails to people", func(t *testing.T) {
		page := newPage(t, "", opts...)
		s.signIn(t, page, fakeonelogin.PersonaAdmin, "/mail?state=sent")
		must(t, expect.Locator(page.GetByTestId("mail-row").Filter(hasText(locked.Email)).First()).ToBeVisible(), "the mail about the unlock is listed as sent")
		assertAccessible(t, page, "mail page")
	})

	// From here on nothing depends on what came before.
	t.Run("search results", func(t *testing.T) {
		t.Parallel()
		page := newPage(t, "", opts...)
		s.signIn(t, page, fakeonelogin.PersonaHelpdesk, "/users?q=dubois")
		must(t, expect.Locator(page.GetByTestId("user-row").Filter(hasText(locked.Email))).ToBeVisible(), "results are shown")
		assertAccessible(t, page, "search page with results")
	})

	for _, p := range []struct{ name, path, testid string }{
		{"Locked now", "/locked", "locked-page"},
		{"sessions page", "/sessions", "sessions"},
		{"directory index page", "/directory", "directory-page"},
	} {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			on := s
			if p.path == "/directory" {
				// The harness's consoles search OneLogin; this page needs an index.
				on = startConsole(t, map[string]string{"HELPDESK_DIRECTORY_INDEX": "true"})
			}
			page := newPage(t, "", opts...)
			on.signIn(t, page, fakeonelogin.PersonaAdmin, p.path)
			must(t, expect.Locator(page.GetByTestId(p.testid)).ToBeVisible(), "%s is shown", p.name)
			assertAccessible(t, page, p.name)
		})
	}

	t.Run("public unlock page", func(t *testing.T) {
		t.Parallel()
		page := newPage(t, "", opts...)
		_, err := page.Goto(s.URL + "/unlock")
		must(t, err, "open /unlock")
		must(t, expect.Locator(page.GetByTestId("unlock-start")).ToBeVisible(), "the first step is shown")
		assertAccessible(t, page, "public unlock page")
	})

	t.Run("my account", func(t *testing.T) {
		t.Parallel()
		page := newPage(t, "", opts...)
		s.signIn(t, page, fakeonelogin.PersonaEmployee, "/me")
		must(t, expect.Locator(page.Locator("main")).ToContainText(fakeonelogin.PersonaEmployee), "/me shows the account")
		assertAccessible(t, page, "/me")
	})
}
