package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/jobs"
)

// TestTicketLink: the ticket is escaped into the template (for a path, or
// for a query), so it cannot leave its place in the URL; without a template or a ticket there
// is no link.
func TestTicketLink(t *testing.T) {
	const tmpl = "https://acme.atlassian.net/browse/{ticket}"
	for _, tc := range []struct{ template, ticket, want string }{
		{tmpl, "INC-9000", "https://acme.atlassian.net/browse/INC-9000"},
		{tmpl, "INC 1/../../admin?x=1#y", "https://acme.atlassian.net/browse/INC%201%2F..%2F..%2Fadmin%3Fx=1%23y"},
		{"https://tickets.example/?id={ticket}", "A&B c", "https://tickets.example/?id=A%26B+c"},
		{"", "INC-1", ""},
		{tmpl, "", ""},
	} {
		if got := TicketLink(tc.template, tc.ticket); got != tc.want {
			t.Errorf("TicketLink(%q, %q) = %q, want %q", tc.template, tc.ticket, got, tc.want)
		}
	}
}

// TestJobPage_ticketAndRecords: a job's page links its ticket to the
// ticketing system and, for admins, its records on the audit page.
func TestJobPage_ticketAndRecords(t *testing.T) {
	v := JobView{Now: time.Now(), Loc: time.UTC,
		Page: Page{SignedIn: true, Identity: access.Identity{Role: access.RoleAdmin}, TicketURL: "https://acme.atlassian.net/browse/{ticket}"},
		Job:  jobs.Job{ID: "00000000000000a7", Kind: jobs.KindUnlock, Ticket: "INC-9000", State: jobs.StateDone}}
	var b strings.Builder
	if err := JobPage(v).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`href="https://acme.atlassian.net/browse/INC-9000"`, `href="/audit?job=00000000000000a7"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the job page has no %s:\n%s", want, b.String())
		}
	}
}
