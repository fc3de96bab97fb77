package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// jobID is a bulk job's id as the jobs package makes them.
const jobID = "00000000000000a7"

// seedRecords writes finished records to the console's trail.
func seedRecords(t *testing.T, c *console, recs ...audit.Record) {
	t.Helper()
	for _, r := range recs {
		if r.Outcome == "" {
			r.Outcome = audit.OutcomeSucceeded
		}
		if _, err := c.mem.Begin(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTickets_areLinks: with HELPDESK_TICKET_URL every ticket shown (the
// audit page, a person's history, My recent actions) links to its page in
// the ticketing system, the ticket path-escaped into the template; without
// it, tickets are text.
func TestTickets_areLinks(t *testing.T) {
	const ticket = "INC 9/../x"
	const want = "https://acme.atlassian.net/browse/INC%209%2F..%2Fx"
	for _, withURL := range []bool{true, false} {
		var opts []option
		if withURL {
			opts = append(opts, withConfig(func(c *handlers.Config) { c.TicketURL = "https://acme.atlassian.net/browse/{ticket}" }))
		}
		c := newConsole(t, access.RoleAdmin, opts...)
		id := c.userID(fakeonelogin.PersonaNoRoles)
		seedRecords(t, c, audit.Record{ActorEmail: "staff@example.com", ActorRole: "admin", TargetID: id,
			TargetName: "Soren Aalto", Action: access.Unlock, Ticket: ticket})
		for _, page := range []string{"/audit", "/users/" + idStr(id), "/users"} {
			rec := c.get(page)
			wantCode(t, rec, http.StatusOK)
			links := doc(t, rec).Find("a[data-testid=ticket-link]")
			switch {
			case withURL && (links.Length() != 1 || links.AttrOr("href", "") != want || !strings.HasPrefix(links.Text(), ticket)):
				t.Errorf("%s: ticket links %d, href %q; want one to %s", page, links.Length(), links.AttrOr("href", ""), want)
			case !withURL && links.Length() != 0:
				t.Errorf("%s: a ticket is linked without HELPDESK_TICKET_URL", page)
			case !withURL && !strings.Contains(rec.Body.String(), ticket):
				t.Errorf("%s: the ticket is not shown", page)
			}
		}
	}
}

// TestAudit_filtersByTicketAndJob: the audit page finds every record of a
// ticket (whatever its case) and of a bulk job, links each record to its
// ticket's and job's records, and refuses a job that is not a job's id.
func TestAudit_filtersByTicketAndJob(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	staff := audit.Record{ActorEmail: "staff@example.com", ActorRole: "admin", TargetName: "Someone", Action: access.Unlock}
	with := func(target int64, ticket, job string) audit.Record {
		r := staff
		r.TargetID, r.Ticket = target, ticket
		if job != "" {
			r.Params = map[string]string{"job": job}
		}
		return r
	}
	seedRecords(t, c, with(1, "INC-1", ""), with(2, "INC-2", jobID), with(3, "INC-2", jobID), with(4, "", ""))
	for _, tc := range []struct {
		query string
		rows  int
	}{
		{"ticket=inc-2", 2},
		{"ticket=INC-1", 1},
		{"ticket=INC-3", 0},
		{"job=" + jobID, 2},
		{"job=" + jobID + "&ticket=INC-1", 0},
	} {
		rec := c.get("/audit?" + tc.query)
		wantCode(t, rec, http.StatusOK)
		if got := doc(t, rec).Find("[data-testid=audit-row]").Length(); got != tc.rows {
			t.Errorf("?%s: %d rows, want %d", tc.query, got, tc.rows)
		}
	}
	d := doc(t, c.get("/audit"))
	if got := d.Find("a[data-testid=audit-same-job]").First().AttrOr("href", ""); got != "/audit?job="+jobID {
		t.Errorf("a job's record links to %q, want its job's records", got)
	}
	if got := d.Find("a[data-testid=audit-same-ticket]").First().AttrOr("href", ""); got != "/audit?ticket=INC-2" {
		t.Errorf("a record links to %q, want its ticket's records", got)
	}
	wantCode(t, c.get("/audit?job=7"), http.StatusBadRequest)
	wantCode(t, c.get("/audit?ticket="+strings.Repeat("x", 201)), http.StatusBadRequest)
}

// TestHome_aJobIsOneLine: a bulk job's records (its start and each
// person's) read as one line of My recent actions, with its count, its
// number and its ticket; other actions keep a line each.
func TestHome_aJobIsOneLine(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	staff := audit.Record{ActorEmail: "staff@example.com", ActorRole: "admin", Ticket: "INC-9000"}
	start := staff
	start.Action, start.Params = access.BulkUnlock, map[string]string{"job": jobID, "people": "3"}
	recs := []audit.Record{start}
	for i, o := range []audit.Outcome{audit.OutcomeSucceeded, audit.OutcomeSucceeded, audit.OutcomeFailed, audit.OutcomeSucceeded} {
		r := staff
		r.Action, r.TargetID, r.TargetName, r.Outcome = access.Unlock, int64(100+i), "Person", o
		r.Params = map[string]string{"job": jobID}
		recs = append(recs, r)
	}
	single := staff
	single.Action, single.TargetID, single.TargetName, single.Ticket = access.Unlock, 7, "Jane Doe", "INC-1"
	seedRecords(t, c, append(recs, single)...)

	mine := doc(t, c.get("/users")).Find("[data-testid=my-action]")
	if mine.Length() != 2 {
		t.Fatalf("%d lines in My recent actions, want 2 (the unlock, the job)", mine.Length())
	}
	job := strings.Join(strings.Fields(mine.Eq(1).Find("[data-testid=my-job]").Text()), " ")
	if want := "Unlocked 3 people, job " + jobID + ", ticket INC-9000"; job != want {
		t.Errorf("the job reads %q, want %q", job, want)
	}
	if href := mine.Eq(1).Find("a").First().AttrOr("href", ""); href != "/jobs/"+jobID {
		t.Errorf("the job links to %q", href)
	}
}
