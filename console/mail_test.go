package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
)

// TestConsole_demoTellsInTheFakeInbox: in a demo without an SMTP server
// the mails go to the fake tenant's inbox, so the demo shows what a person
// is told: a staff unlock reaches the person's inbox with its ticket.
func TestConsole_demoTellsInTheFakeInbox(t *testing.T) {
	s := consoletest.Start(t, map[string]string{"HELPDESK_CONTACT": "+44 20 7946 0000"})
	b := s.Browser(t)
	b.SignIn("helpdesk")
	id := fakeonelogin.PersonaLockedID
	if p := b.Act(userPath(id, "unlock"), url.Values{"ticket": {"INC-123"}}); p.Status != http.StatusOK {
		t.Fatalf("unlock: %d", p.Status)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, m := range s.Tenant.Inbox(id) {
			if m.Subject == "Your account was unlocked" {
				for _, w := range []string{"by the IT helpdesk", "ticket INC-123", "+44 20 7946 0000"} {
					if !strings.Contains(m.Body, w) {
						t.Errorf("the mail does not say %q:\n%s", w, m.Body)
					}
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail in the fake inbox: %+v", s.Tenant.Inbox(id))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
