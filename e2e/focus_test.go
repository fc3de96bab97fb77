//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
)

// Journeys of keyboard focus after htmx answers: focus goes where the
// answer is, never back to the top of the page, and what the answer
// changed elsewhere on the page follows.

// focused is the element that holds keyboard focus now.
func focused(page playwright.Page) playwright.Locator { return page.Locator("*:focus") }

// TestFocus_personPageUnlock: after Unlock on a person's page focus is on
// the notice, the action bar offers Lock again, and the sign-in activity is
// read again.
func TestFocus_personPageUnlock(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	p := s.person(t, fakeonelogin.PersonaLocked)
	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaAdmin, fmt.Sprintf("/users/%d", p.ID))
	must(t, expect.Locator(page.GetByTestId("activity-summary")).ToBeVisible(), "the sign-in activity arrives")
	must(t, expect.Locator(page.GetByTestId("open-lock")).ToHaveCount(0), "a locked person is offered no Lock")

	var activity atomic.Int32
	page.OnRequest(func(r playwright.Request) {
		if strings.HasPrefix(r.URL(), fmt.Sprintf("%s/users/%d/activity", s.URL, p.ID)) {
			activity.Add(1)
		}
	})
	status := page.Locator("#panel-status")
	must(t, status.GetByRole("button", named("Unlock "+p.Name)).Click(), "press Unlock")
	must(t, expect.Locator(focused(page)).ToHaveAttribute("data-testid", "notice"), "focus moves to the notice")
	must(t, expect.Locator(focused(page)).ToContainText("Unlocked "+p.Name), "the focused notice says what happened")
	must(t, expect.Locator(page.GetByTestId("action-bar").GetByTestId("open-lock")).ToBeVisible(), "the action bar offers Lock again")
	must(t, expect.Locator(page.GetByTestId("activity-summary")).ToBeVisible(), "the sign-in activity is back")
	if activity.Load() == 0 {
		t.Errorf("the sign-in activity was not read again after the unlock")
	}
	assertAccessible(t, page, "person page after an unlock")
}

// TestFocus_lockedNowNextRow: after a row's Unlock on Locked now, focus
// moves to the next row's Unlock, so an agent works down the list with the
// keyboard alone.
func TestFocus_lockedNowNextRow(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaHelpdesk, "/locked")
	rows := sprayedRows(page)
	first, second := rowPerson(t, rows.Nth(0)), rowPerson(t, rows.Nth(1))
	must(t, page.GetByLabel("Ticket / reason").Fill("INC-77"), "type the ticket")
	must(t, page.Locator(fmt.Sprintf("#locked-%d", first)).GetByTestId("row-unlock").Click(), "press the first row's Unlock")
	must(t, expect.Locator(page.Locator(fmt.Sprintf("#locked-%d", first)).GetByTestId("notice")).ToBeVisible(), "the row confirms the unlock")
	next := page.Locator(fmt.Sprintf("#locked-%d", second)).GetByTestId("row-unlock")
	must(t, expect.Locator(next).ToBeFocused(), "focus is on the next row's Unlock")
	must(t, page.Keyboard().Press("Enter"), "press Enter")
	must(t, expect.Locator(page.Locator(fmt.Sprintf("#locked-%d", second)).GetByTestId("notice")).ToBeVisible(), "Enter unlocked the next person")
}

// TestFocus_publicUnlockSteps: /unlock opens with the username field
// focused; each step then focuses its own heading or code field.
func TestFocus_publicUnlockSteps(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	p := s.person(t, fakeonelogin.PersonaLockedTOTP)
	page := newPage(t, "")
	f := openUnlock(t, s, page)
	must(t, expect.Locator(page.GetByLabel("Username or email")).ToBeFocused(), "the username field has focus on load")
	must(t, page.Keyboard().Type(p.Email), "type the login")
	must(t, page.Keyboard().Press("Enter"), "press Enter")
	f.step("choose")
	must(t, expect.Locator(focused(page)).ToHaveText("Prove it is you"), "the factor step focuses its heading")
	f.choose("authenticator", "code")
	must(t, expect.Locator(page.GetByLabel("Code", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)})).ToBeFocused(), "the code step focuses the code field")
	must(t, page.Keyboard().Type("000000"), "type a wrong code")
	must(t, page.Keyboard().Press("Enter"), "press Enter")
	must(t, expect.Locator(page.GetByTestId("unlock-error")).ToBeVisible(), "the wrong code is refused")
	must(t, expect.Locator(page.GetByLabel("Code", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)})).ToBeFocused(), "focus stays on the code field to try again")
	f.code(s.Tenant.TOTP(p.ID, s.Tenant.Clock().Now()))
	f.unlocked(s, p)
}

// TestOptions_deleteAndGrantStaffRole: an admin gives a person the admin
// group's role only after a question saying they become a console admin
// and a protected account; after deleting another person, the page says
// who was deleted and Recent people no longer lists them.
func TestOptions_deleteAndGrantStaffRole(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	page := newPage(t, "")
	dialogs := watchDialogs(page)
	grantee := s.person(t, fakeonelogin.PersonaNoRoles)
	s.signIn(t, page, fakeonelogin.PersonaAdmin, fmt.Sprintf("/users/%d", grantee.ID))

	roles := openAction(t, page, "roles", "panel-roles")
	_, err := roles.GetByLabel("Add a role").SelectOption(playwright.SelectOptionValues{Labels: &[]string{fakeonelogin.GroupAdmins}})
	must(t, err, "choose the admin group's role")
	must(t, roles.GetByRole("button", named("Add the role")).Click(), "press Add the role")
	answerYes(t, page.Locator("#panel-roles"), grantee.Name+" becomes a console admin and a protected account", "Yes, give "+fakeonelogin.GroupAdmins)
	must(t, expect.Locator(page.Locator("#panel-roles").GetByTestId("notice")).ToContainText("Gave "+grantee.Name), "the role is given")
	assertAccessible(t, page, "roles panel after a staff role")

	gone := s.person(t, fakeonelogin.PersonaPasswordExpired)
	s.openUser(t, page, gone)
	danger := openAction(t, page, "delete", "panel-danger")
	del := danger.GetByTestId("delete-form")
	must(t, del.GetByLabel("Their email").Fill(gone.Email), "type the email")
	must(t, del.GetByRole("button", named("Delete "+gone.Name)).Click(), "press Delete")
	must(t, expect.Page(page).ToHaveURL(s.URL+"/users"), "the browser goes back to search")
	must(t, expect.Locator(page.GetByTestId("notice")).ToHaveText("Deleted "+gone.Name+" ("+gone.Email+") from OneLogin."), "the page says who was deleted")
	recent := page.GetByTestId("recent-people")
	must(t, expect.Locator(recent.GetByRole("link", named(grantee.Name))).ToBeVisible(), "Recent people keeps the others")
	must(t, expect.Locator(recent.GetByRole("link", named(gone.Name))).ToHaveCount(0), "Recent people drops the deleted person")
	assertAccessible(t, page, "search after a deletion")
	_, err = page.Reload()
	must(t, err, "reload")
	must(t, expect.Locator(page.GetByTestId("notice")).ToHaveCount(0), "the notice is shown once")
	dialogs.noneOpened(t)
}

// TestPhone_lockedNowAndHeader: at 390 px Locked now is a list of
// labelled cards, the selection bar stays in reach, and the staff header
// takes one line; at 1280 px the header does not wrap either.
func TestPhone_lockedNowAndHeader(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	for _, tc := range []struct {
		name  string
		width int
		opts  []contextOption
	}{
		{"phone", 390, nil},
		{"phone dark", 390, []contextOption{darkMode}},
		{"desktop", 1280, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := newPage(t, "", append(tc.opts, viewport(tc.width, 844))...)
			s.signIn(t, page, fakeonelogin.PersonaAdmin, "/locked")
			must(t, expect.Locator(page.GetByTestId("locked-row").First()).ToBeVisible(), "Locked now lists people")
			topbar, err := page.Locator(".topbar").BoundingBox()
			must(t, err, "measure the header")
			if topbar.Height > 56 {
				t.Errorf("the header is %.0f px tall at %d px: it wraps", topbar.Height, tc.width)
			}
			if tc.width > 640 {
				return
			}
			row := page.GetByTestId("locked-row").First()
			must(t, expect.Locator(row.GetByTestId("locked-failures")).ToHaveAttribute("data-label", "Failed sign-ins"), "each value is labelled")
			rows, err := page.GetByTestId("locked-row").Count()
			must(t, err, "count the rows")
			table, err := page.GetByTestId("locked-table").BoundingBox()
			must(t, err, "measure the list")
			// Each row was 277 px tall (19,983 px for 72 people) before
			// the cards.
			if per := table.Height / float64(rows); per > 240 {
				t.Errorf("a card is %.0f px tall on a phone on average, want a compact card", per)
			}
			must(t, page.GetByTestId("locked-row").Last().ScrollIntoViewIfNeeded(), "scroll to the end of the list")
			must(t, expect.Locator(page.GetByTestId("bulk-unlock")).ToBeInViewport(), "the selection bar stays in reach")
			assertAccessible(t, page, "Locked now on a phone")

			// The job page's people are labelled cards too.
			for i := range 2 {
				must(t, page.GetByTestId("select-row").Nth(i).Check(), "select row %d", i+1)
			}
			must(t, page.GetByTestId("bulk-unlock").Click(), "press Unlock selected")
			must(t, page.GetByTestId("confirm-start").Click(), "confirm")
			progress := page.GetByTestId("job-progress")
			must(t, expect.Locator(progress).ToHaveAttribute("data-state", "done"), "the job finishes")
			must(t, expect.Locator(progress.GetByTestId("job-person").First().Locator("td").Nth(1)).ToHaveAttribute("data-label", "Outcome"), "the outcome is labelled")
			assertAccessible(t, page, "a finished job on a phone")
		})
	}
}

// TestPhone_touchedPagesAccessible: the sessions page with a question
// asked passes the accessibility check at phone width, light and dark. (A
// person's page and the public unlock page at phone width are
// TestAccessibility_mainPages's.)
func TestPhone_touchedPagesAccessible(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	for _, scheme := range []struct {
		name string
		opts []contextOption
	}{{"light", nil}, {"dark", []contextOption{darkMode}}} {
		t.Run(scheme.name, func(t *testing.T) {
			opts := append(scheme.opts, viewport(390, 844))
			other := newPage(t, "other", opts...)
			s.signIn(t, other, fakeonelogin.PersonaViewer, "/me")
			admin := newPage(t, "admin", opts...)
			s.signIn(t, admin, fakeonelogin.PersonaAdmin, "/sessions")
			row := admin.GetByTestId("all-sessions").Locator(`[data-email="` + fakeonelogin.PersonaViewer + `"]`).First()
			must(t, row.GetByTestId("revoke-session").Click(), "press End session")
			must(t, expect.Locator(row.GetByTestId("confirm")).ToBeVisible(), "the question is asked in the page")
			must(t, expect.Locator(row.GetByRole("button", named("Yes, end the session"))).ToBeFocused(), "focus is on the answer")
			assertAccessible(t, admin, "the sessions page asking, on a phone")
			must(t, row.GetByRole("button", named("Cancel")).Click(), "cancel")
			must(t, expect.Locator(row.GetByTestId("confirm")).ToHaveCount(0), "Cancel takes the question back")
		})
	}
}
