package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/fakeonelogin"
)

// TestInvite_insteadOfReadingAPasswordAloud: OneLogin mails the link to
// the person (or another address), or makes one shown once; both are
// audited, and the link is nowhere but the page that shows it.
func TestInvite_insteadOfReadingAPasswordAloud(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	target := fakeonelogin.PersonaUnactivatedID
	email := fakeonelogin.PersonaUnactivated

	rec := c.post(actPath(target, "invite"), url.Values{"delivery": {"email"}, "ticket": {"INC-31"}})
	wantStatus(t, rec, 200)
	if got := actNotice(t, rec); got != "OneLogin mailed Aarav Shah a set-password link at "+email+"." {
		t.Errorf("notice %q", got)
	}
	if inbox := c.fake.Tenant.Inbox(target); len(inbox) != 1 || inbox[0].To != email || inbox[0].Link == "" {
		t.Errorf("inbox %+v", inbox)
	}

	rec = c.post(actPath(target, "invite"), url.Values{"delivery": {"email"}, "personal_email": {"aarav@home.example"}})
	wantStatus(t, rec, 200)
	if inbox := c.fake.Tenant.Inbox(target); len(inbox) != 2 || inbox[0].To != "aarav@home.example" {
		t.Errorf("inbox %+v", inbox)
	}

	rec = c.post(actPath(target, "invite"), url.Values{"delivery": {"link"}})
	wantStatus(t, rec, 200)
	link := textOf(doc(t, rec), "#invite-link")
	if !strings.Contains(link, "/password/reset?token=") {
		t.Fatalf("link shown %q", link)
	}
	if inv := c.fake.Tenant.Invites(target); len(inv) != 3 || inv[0].Link != link || inv[0].SentTo != "" {
		t.Errorf("the link shown is not the one OneLogin made: %+v", inv)
	}

	recs := c.records()
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	for i, want := range []map[string]string{
		{"delivery": "email", "sent_to": email}, {"delivery": "email", "sent_to": "aarav@home.example"}, {"delivery": "link"},
	} {
		if r := recs[i]; r.Action != access.InviteLink || r.Outcome != audit.OutcomeSucceeded || !sameParams(r.Params, want) {
			t.Errorf("record %d = %+v, want params %v", i, r, want)
		}
	}
	if recs[0].Ticket != "INC-31" {
		t.Errorf("ticket %q", recs[0].Ticket)
	}
	token := link[strings.Index(link, "token=")+len("token="):]
	for where, s := range map[string]string{"log": c.logBuf.String(), "page": c.get("/users/" + id(target)).Body.String()} {
		if strings.Contains(s, token) {
			t.Errorf("the link's token is in the %s", where)
		}
	}

	c.fake.Tenant.ResetCalls()
	rec = c.post(actPath(target, "invite"), url.Values{"delivery": {"email"}, "personal_email": {"not an email"}})
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if textOf(doc(t, rec), `[data-testid="error-personal_email"]`) == "" || len(actWrites(c)) != 0 {
		t.Errorf("a bad address was not refused beside the field before OneLogin")
	}
}
