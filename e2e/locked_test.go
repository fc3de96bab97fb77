//go:build e2e

package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
)

// sprayedRows are the Locked now rows of people locked after failed
// sign-ins: the demo tenant starts just after a password spray.
func sprayedRows(page playwright.Page) playwright.Locator {
	return page.GetByTestId("locked-row").Filter(playwright.LocatorFilterOptions{
		Has: page.GetByTestId("locked-why").Filter(hasText(regexp.MustCompile(`^\s*After \d+ failed sign-ins? from `))),
	})
}

// rowPerson is the id of the person on a Locked now row.
func rowPerson(t *testing.T, row playwright.Locator) int64 {
	t.Helper()
	raw, err := row.GetAttribute("data-user-id")
	must(t, err, "read the row's person")
	id, err := strconv.ParseInt(raw, 10, 64)
	must(t, err, "parse the row's person %q", raw)
	return id
}

// Journey: after a password spray, a helpdesk agent opens Locked now from
// the navigation, sees who is locked, how and from where, unlocks one
// person with a ticket in one click, then reads another's page: the sign-in
// activity arrives after the page, and the why panel says when and after
// how many failed sign-ins from where the lock came.
func TestLocked_nowAfterSpray(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaHelpdesk, "/users")

	must(t, page.GetByRole("navigation", pageNamed("Main")).GetByRole("link", named("Locked now")).Click(), "open Locked now")
	must(t, expect.Page(page).ToHaveURL(s.URL+"/locked"), "Locked now opens")
	must(t, expect.Locator(page.GetByTestId("locked-freshness")).ToContainText("Read from OneLogin at"), "the page says how current it is")
	rows := sprayedRows(page)
	// Each row's reason arrives with the events after the page: wait for
	// 20 of them before counting.
	must(t, expect.Locator(rows.Nth(19)).ToBeVisible(), "at least 20 people locked after failed sign-ins are listed")
	n, err := rows.Count()
	must(t, err, "count the rows")
	if n < 20 {
		t.Fatalf("%d people locked after failed sign-ins are listed, want the demo's spray of 24", n)
	}
	assertAccessible(t, page, "Locked now")

	first := rows.First()
	id := rowPerson(t, first)
	p := s.person(t, s.emailOf(t, id))
	must(t, expect.Locator(first.GetByTestId("locked-sources")).ToContainText(regexp.MustCompile(`\d+\.\d+\.\d+\.\d+`)), "the row names where the failures came from")
	must(t, expect.Locator(first.GetByTestId("status-badge")).ToContainText("Locked"), "the row shows the lock")

	s.Tenant.ResetCalls()
	must(t, page.GetByLabel("Ticket / reason").Fill("INC-5151"), "type the ticket")
	must(t, first.GetByRole("button", named("Unlock "+p.Name)).Click(), "press the row's Unlock")
	row := page.Locator(fmt.Sprintf("#locked-%d", id))
	must(t, expect.Locator(row.GetByTestId("notice")).ToHaveText("Unlocked "+p.Name+"."), "the row confirms the unlock")
	must(t, expect.Locator(row.GetByTestId("status-badge")).ToHaveText("Active"), "the row shows the person active")
	s.wantCall(t, "POST", fmt.Sprintf("/api/2/users/%d/unlock", id))
	if u, _ := s.Tenant.User(id); u.Status != fakeonelogin.StatusActive {
		t.Errorf("the fake tenant has %s at status %d after the unlock", p.Email, u.Status)
	}

	// Another sprayed person's page: the activity comes after the page.
	other := sprayedRows(page).Nth(1)
	otherID := rowPerson(t, other)
	s.openUser(t, page, s.person(t, s.emailOf(t, otherID)))
	activity := page.Locator("#panel-activity")
	must(t, expect.Locator(activity.GetByTestId("activity-summary")).ToContainText(regexp.MustCompile(`\d+ failed sign-ins? from \d+ address`)), "the activity sums up the failures")
	must(t, expect.Locator(activity.GetByTestId("activity-hint")).ToContainText("looks like someone else"), "the activity tells an attack from a forgotten password")
	must(t, expect.Locator(activity.Locator(`[data-type="USER_LOCKED"]`).First()).ToContainText("Locked after too many failed sign-ins"), "the lock is in the activity")
	must(t, expect.Locator(page.Locator("#panel-status").GetByTestId("why-events")).ToHaveText(
		regexp.MustCompile(`^Locked at \d\d:\d\d after \d+ failed sign-ins? from \d+\.\d+\.\d+\.\d+`)), "the why panel says how the lock came about")
	assertAccessible(t, page, "user page with its sign-in activity")
}

// emailOf is the email of a person in the fake tenant.
func (s *consoleServer) emailOf(t *testing.T, id int64) string {
	t.Helper()
	u, ok := s.Tenant.User(id)
	if !ok {
		t.Fatalf("the fake tenant has no user %d", id)
	}
	return u.Email
}

// Journey: an admin selects three people on Locked now, names the ticket,
// confirms once ("Unlock 3 people under ticket …?"), and follows the job's
// progress until it is done; each person is unlocked once, and the audit
// trail has each of them under the job with the ticket.
func TestLocked_smallBulkUnlock(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaAdmin, "/locked")
	rows := sprayedRows(page)
	var ids []int64
	for i := range 3 {
		row := rows.Nth(i)
		ids = append(ids, rowPerson(t, row))
		must(t, row.GetByTestId("select-row").Check(), "select row %d", i+1)
	}
	const ticket = "INC-9090"
	must(t, page.GetByLabel("Ticket / reason").Fill(ticket), "type the ticket")
	s.Tenant.ResetCalls()
	must(t, page.GetByTestId("bulk-unlock").Click(), "press Unlock selected")

	must(t, expect.Locator(page.GetByRole("heading", pageNamed("Unlock 3 people under ticket "+ticket+"?"))).ToBeVisible(), "one confirmation names the count and the ticket")
	must(t, expect.Locator(page.GetByTestId("confirm-names").Locator("li")).ToHaveCount(3), "the confirmation lists the three")
	if w := s.writes(); len(w) != 0 {
		t.Fatalf("the confirmation changed something:%s", callLines(w))
	}
	assertAccessible(t, page, "bulk confirmation")
	must(t, page.GetByRole("button", pageNamed("Unlock 3 people")).Click(), "confirm")

	must(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/jobs/[0-9a-f]{16}$`)), "the job's progress opens")
	progress := page.GetByTestId("job-progress")
	must(t, expect.Locator(progress).ToHaveAttribute("data-state", "done"), "the progress follows the job until it is done")
	must(t, expect.Locator(progress.GetByTestId("job-done")).ToHaveText("3"), "three people done")
	must(t, expect.Locator(progress.GetByTestId("job-person")).ToHaveCount(3), "each person is listed with an outcome")
	must(t, expect.Locator(progress.GetByTestId("job-stop")).ToHaveCount(0), "a finished job offers no stop")
	assertAccessible(t, page, "finished job")

	for _, id := range ids {
		s.wantCall(t, "POST", fmt.Sprintf("/api/2/users/%d/unlock", id))
		if u, _ := s.Tenant.User(id); u.Status != fakeonelogin.StatusActive {
			t.Errorf("person %d has status %d after the job", id, u.Status)
		}
	}

	// The audit trail has each person under the job, with the ticket.
	_, err := page.Goto(s.URL + "/audit?action=unlock")
	must(t, err, "open the audit page")
	entries := page.GetByRole("row").Filter(hasText(ticket))
	must(t, expect.Locator(entries).ToHaveCount(3), "three unlocks with ticket %s", ticket)
	must(t, expect.Locator(entries.First()).ToContainText(regexp.MustCompile(`job: [0-9a-f]{16}`)), "each names the job")
}
