package console_test

import (
	"net/http"
	"net/url"
	"testing"

	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
)

// TestConsole_reportsAndTicketSettings: HELPDESK_REPORT_VIEWERS and
// HELPDESK_TICKET_URL reach the pages: helpdesk staff read the reports
// only when named, and a ticket on the audit page links to its page.
func TestConsole_reportsAndTicketSettings(t *testing.T) {
	for _, tc := range []struct {
		viewers string
		want    int
	}{{"admin", http.StatusForbidden}, {"admin,helpdesk", http.StatusOK}} {
		s := consoletest.Start(t, map[string]string{"HELPDESK_REPORT_VIEWERS": tc.viewers,
			"HELPDESK_TICKET_URL": "https://acme.atlassian.net/browse/{ticket}"})
		b := s.Browser(t)
		b.SignIn("helpdesk")
		if p := b.Get("/reports"); p.Status != tc.want {
			t.Errorf("HELPDESK_REPORT_VIEWERS=%s: helpdesk GET /reports = %d, want %d", tc.viewers, p.Status, tc.want)
		}
		if p := b.Act(userPath(fakeonelogin.PersonaLockedID, "unlock"), url.Values{"ticket": {"INC-123"}}); p.Status != http.StatusOK {
			t.Fatalf("unlock: %d", p.Status)
		}
		admin := s.Browser(t)
		admin.SignIn("admin")
		p := admin.Get("/audit?ticket=INC-123")
		if href, _ := p.Doc.Find("a[data-testid=ticket-link]").Attr("href"); href != "https://acme.atlassian.net/browse/INC-123" {
			t.Errorf("the audit page links the ticket to %q", href)
		}
		if p := admin.Get("/reports"); p.Status != http.StatusOK || p.Text("[data-testid=total-unlocks]") != "1" {
			t.Errorf("admin GET /reports = %d, unlocks %q; want 200 and 1", p.Status, p.Text("[data-testid=total-unlocks]"))
		}
	}
}
