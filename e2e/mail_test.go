//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/notify/notifytest"
)

// Journeys of the mail that tells a person what was done to their account,
// through a real SMTP server: mailpit (v1.33.1, `make testservers`, named in
// MAILPIT_BIN by `make e2e`), read back through its API. Once for a staff
// unlock and once for an unlock on the public page.

const mailContact = "+44 20 7946 0000"

// startMailpit runs mailpit until the test ends. Without MAILPIT_BIN the
// test fails with the fix: these journeys exist to use the real server.
func startMailpit(t *testing.T) mailpit {
	t.Helper()
	bin := os.Getenv("MAILPIT_BIN")
	if _, err := os.Stat(bin); bin == "" || err != nil {
		t.Fatal("MAILPIT_BIN does not name a mailpit binary; run `make e2e`, which builds it (`make testservers`) and passes it")
	}
	return mailpit{notifytest.StartMailpit(t, bin)}
}

// mailpit is a running mailpit on loopback, without TLS or login: the
// console reaches it as smtp://host:port?starttls=off.
type mailpit struct{ notifytest.Mailpit }

// settings point the console's mail at mp.
func (mp mailpit) settings() map[string]string {
	return map[string]string{
		"HELPDESK_SMTP_URL":  "smtp://" + mp.SMTP + "?starttls=off",
		"HELPDESK_MAIL_FROM": "IT Helpdesk <helpdesk@example.com>",
		"HELPDESK_CONTACT":   mailContact,
	}
}

// mailTo waits for the one message to addr and returns it.
func (mp mailpit) mailTo(t *testing.T, addr string) notifytest.MailpitMessage {
	t.Helper()
	var got []notifytest.MailpitMessage
	eventually(t, "a mail to "+addr, func() bool {
		got = got[:0]
		for _, m := range mp.Messages(t) {
			if len(m.To) == 1 && strings.EqualFold(m.To[0].Address, addr) {
				got = append(got, m)
			}
		}
		return len(got) > 0
	})
	if len(got) != 1 {
		t.Fatalf("mailpit holds %d mails to %s, want 1", len(got), addr)
	}
	return got[0]
}

// eventually polls done until it holds; the mail goes out from the
// console's courier, in its own time.
func eventually(t *testing.T, what string, done func() bool) {
	t.Helper()
	for deadline := time.Now().Add(expectTimeoutMS * time.Millisecond); !done(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// wantTold checks a mail says what it must and holds none of secrets.
func wantTold(t *testing.T, m notifytest.MailpitMessage, subject string, words, secrets []string) {
	t.Helper()
	if m.Subject != subject || m.From.Address != "helpdesk@example.com" {
		t.Errorf("mail from %s, subject %q; want from helpdesk@example.com, %q", m.From.Address, m.Subject, subject)
	}
	for _, w := range append(words, mailContact) {
		if !strings.Contains(m.Text, w) {
			t.Errorf("the mail does not say %q:\n%s", w, m.Text)
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(m.Subject+m.Text, s) {
			t.Errorf("the mail carries a secret:\n%s", m.Text)
		}
	}
}

// TestMail_staffUnlockTellsThePerson: an agent unlocks a locked person
// with a ticket; the person gets a mail at their OneLogin address saying
// the helpdesk unlocked it, under which ticket, and whom to call.
func TestMail_staffUnlockTellsThePerson(t *testing.T) {
	t.Parallel()
	mp := startMailpit(t)
	s := startConsole(t, mp.settings())
	locked := s.person(t, fakeonelogin.PersonaLocked)
	const ticket = "INC-52210"

	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaHelpdesk, fmt.Sprintf("/users/%d", locked.ID))
	status := page.Locator("#panel-status")
	unlock := status.GetByTestId("unlock-form")
	must(t, unlock.GetByLabel("Ticket / reason").Fill(ticket), "type the ticket")
	must(t, unlock.GetByRole("button", named("Unlock "+locked.Name)).Click(), "press Unlock")
	must(t, expect.Locator(status.GetByTestId("notice")).ToHaveText("Unlocked "+locked.Name+". They can sign in now."), "a notice confirms the unlock")

	m := mp.mailTo(t, locked.Email)
	wantTold(t, m, "Your account was unlocked",
		[]string{"Your account was unlocked by the IT helpdesk", "ticket " + ticket, "If this was not you"},
		[]string{s.App.Fake().ClientSecret})
}

// TestMail_publicUnlockTellsThePerson: a locked-out person unlocks their
// account on the public page with their authenticator; they get a mail
// saying it was done on the self-service page, without the code they
// typed.
func TestMail_publicUnlockTellsThePerson(t *testing.T) {
	t.Parallel()
	mp := startMailpit(t)
	s := startConsole(t, mp.settings())
	p := s.person(t, fakeonelogin.PersonaLockedTOTP)

	page := newPage(t, "")
	f := openUnlock(t, s, page)
	f.start(p.Email)
	f.choose("authenticator", "code")
	code := s.Tenant.TOTP(p.ID, s.Tenant.Clock().Now())
	f.code(code)
	f.unlocked(s, p)

	m := mp.mailTo(t, p.Email)
	wantTold(t, m, "Your account was unlocked",
		[]string{"Your account was unlocked on the self-service page", "If this was not you"},
		[]string{code, s.App.Fake().ClientSecret})
}
