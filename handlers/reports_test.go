package handlers_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/handlers"
)

// seedReport writes a day of work: two staff unlocks, three self-service
// unlocks (one timed from its request on the public page), a password
// reset and a refusal.
func seedReport(t *testing.T, c *console) {
	at := func(h, m int) time.Time { return time.Date(2025, 3, 3, h, m, 0, 0, time.UTC) }
	staff := func(when time.Time, a access.Action, target int64) audit.Record {
		return audit.Record{Time: when, ActorEmail: "agent@example.com", ActorRole: "helpdesk", Action: a, TargetID: target}
	}
	denied := staff(at(11, 0), access.Unlock, 9)
	denied.Outcome = audit.OutcomeDenied
	request := audit.Record{Time: at(8, 0), ActorEmail: "unverified: p", ActorRole: "public", SourceIP: "203.0.113.9",
		Action: access.UnlockRequest, TargetID: 3}
	seedRecords(t, c,
		staff(at(9, 0), access.Unlock, 1), staff(at(9, 30), access.Unlock, 2),
		request,
		audit.Record{Time: at(8, 12), ActorEmail: "p@example.com", Action: access.SelfUnlock, TargetID: 3},
		audit.Record{Time: at(10, 0), ActorEmail: "q@example.com", Action: access.SelfUnlock, TargetID: 4},
		audit.Record{Time: at(10, 5), ActorEmail: "r@example.com", Action: access.SelfUnlock, TargetID: 5},
		staff(at(10, 30), access.ResetPassword, 6),
		denied,
	)
}

// TestReports_page: an admin sees the totals (the self-service share, the
// median time to unlock), a chart per number with its table, and the
// addresses; every chart is SVG without inline style.
func TestReports_page(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	seedReport(t, c)
	rec := c.get("/reports")
	wantCode(t, rec, http.StatusOK)
	d := doc(t, rec)
	for sel, want := range map[string]string{
		"[data-testid=total-unlocks]":  "2",
		"[data-testid=total-self]":     "3",
		"[data-testid=total-share]":    "60 %",
		"[data-testid=total-refusals]": "1",
		"[data-testid=total-median]":   "12 minutes",
	} {
		if got := strings.Join(strings.Fields(textOf(d, sel)), " "); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	for _, id := range []string{"chart-unlocks", "chart-changes", "chart-median", "chart-agents", "chart-sources"} {
		if d.Find("[data-testid="+id+"] svg[role=img] rect").Length() == 0 {
			t.Errorf("%s draws no bars", id)
		}
	}
	if d.Find("[style]").Length() != 0 || strings.Contains(rec.Body.String(), "<script>") {
		t.Error("the page has an inline style or script, which the CSP forbids")
	}
	if got := d.Find("[data-testid=table-agents] tbody tr").Length(); got != 2 {
		t.Errorf("agents table has %d rows, want the agent and self-service", got)
	}
	if !strings.Contains(textOf(d, "[data-testid=table-sources]"), "203.0.113.9") {
		t.Error("the sources table does not name the address")
	}
	if d.Find("nav a[href='/reports']").Length() != 1 {
		t.Error("the navigation does not offer Reports to an admin")
	}
	if got := d.Find("[data-testid=table-activity] tbody tr").Length(); got != 30 {
		t.Errorf("the default report has %d days, want 30", got)
	}
}

// TestReports_csv: each table downloads as CSV with its header and the
// same rows as the page; an unknown table or a bad range is refused.
func TestReports_csv(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	seedReport(t, c)
	rec := c.get("/reports.csv?table=activity&period=week&from=2025-03-03&to=2025-03-09")
	wantCode(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, rec.Header().Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "Period" || strings.Join(rows[1][:9], ",") != "week of 2025-03-03,2,3,60,1,0,0,1,12" {
		t.Errorf("activity CSV = %q", rows)
	}
	for _, bad := range []string{"table=people", "table=agents&from=2025-03-09&to=2025-03-01",
		"table=agents&from=2023-01-01&to=2025-03-01", "table=agents&period=month", "table=agents&to=yesterday"} {
		wantCode(t, c.get("/reports.csv?"+bad), http.StatusBadRequest)
	}
}

// TestReports_whoReads: admins read the reports; helpdesk staff only when
// HELPDESK_REPORT_VIEWERS names them; viewers never.
func TestReports_whoReads(t *testing.T) {
	for _, tc := range []struct {
		role     access.Role
		helpdesk bool
		want     int
	}{
		{access.RoleAdmin, false, http.StatusOK},
		{access.RoleHelpdesk, false, http.StatusForbidden},
		{access.RoleHelpdesk, true, http.StatusOK},
		{access.RoleViewer, true, http.StatusForbidden},
		{access.RoleNone, true, http.StatusUnauthorized},
	} {
		c := newConsole(t, tc.role, withConfig(func(cfg *handlers.Config) { cfg.ReportsHelpdesk = tc.helpdesk }))
		for _, path := range []string{"/reports", "/reports.csv?table=sources"} {
			if got := c.get(path).Code; got != tc.want {
				t.Errorf("%s as %s (helpdesk may: %v) = %d, want %d", path, tc.role, tc.helpdesk, got, tc.want)
			}
		}
	}
}
