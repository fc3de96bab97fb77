package fakeonelogin

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestDeliverMail_showsInTheInbox: a mail the console sends lands in the
// person's fake inbox, newest first, and on the inbox page with its lines.
func TestDeliverMail_showsInTheInbox(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	u, ok := f.srv.Tenant.FindByEmail(PersonaLockedSMS)
	if !ok {
		t.Fatalf("no persona %s", PersonaLockedSMS)
	}
	f.clock.Advance(time.Minute)
	body := "Hello,\n\nYour account was unlocked by the IT helpdesk at 10:02, ticket INC-123.\n"
	if err := f.srv.Tenant.DeliverMail(strings.ToUpper(PersonaLockedSMS), "Your account was unlocked", body); err != nil {
		t.Fatal(err)
	}
	msgs := f.srv.Tenant.Inbox(u.ID)
	if len(msgs) == 0 {
		t.Fatal("the inbox is empty")
	}
	m := msgs[0]
	if m.Channel != ChannelEmail || m.Subject != "Your account was unlocked" || m.Body != body || m.Code != "" || !m.At.Equal(f.clock.Now()) {
		t.Errorf("newest message = %+v, want the mail", m)
	}
	r, page := f.page("GET", "/_fake/inbox?user="+url.QueryEscape(PersonaLockedSMS), "")
	if r.StatusCode != 200 || !strings.Contains(page, "<strong>Your account was unlocked</strong>") ||
		!strings.Contains(page, `<span style="white-space:pre-line">`+body+`</span>`) {
		t.Errorf("the inbox page does not show the mail:\n%s", page)
	}

	if err := f.srv.Tenant.DeliverMail("someone@elsewhere.example", "s", "b"); err != nil {
		t.Fatal(err)
	}
	if all := f.srv.Tenant.Inbox(0); all[0].To != "someone@elsewhere.example" || all[0].UserID != 0 {
		t.Errorf("a mail outside the tenant = %+v, want it kept under nobody", all[0])
	}
	for _, bad := range []string{"", " ", "a@example.com\r\nBcc: b@example.com"} {
		if err := f.srv.Tenant.DeliverMail(bad, "s", "b"); err == nil {
			t.Errorf("DeliverMail(%q) = nil, want an error", bad)
		}
	}
}
