package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/notify"
	"onelogin-helpdesk/notify/notifytest"
)

// withMail tells people through a Notifier queueing in q (its courier is
// not run: the queue is what the handlers promise).
func withMail(q notify.Store) option {
	return withConfig(func(c *handlers.Config) {
		c.Notifier = notify.New(q, &notifytest.Sender{}, notify.Options{Contact: "+44 20 7946 0000"})
	})
}

// queued lists the mails in q, oldest first.
func queued(t *testing.T, q notify.Store) []notify.Mail {
	t.Helper()
	ms, err := q.Mails(context.Background(), notify.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	return ms
}

// TestMail_everyKindTellsThePerson: each change a person is told of,
// by staff or by themselves, queues one mail to their OneLogin email that
// says what was done, by whom and under which ticket, carries no secret
// shown on the page, and is tied to the audit record, which says the
// person is told.
func TestMail_everyKindTellsThePerson(t *testing.T) {
	for _, tc := range []struct {
		name, persona, path string
		role                access.Role
		form                url.Values
		kind                notify.Kind
		words               []string
	}{
		{name: "staff unlock", persona: fakeonelogin.PersonaLocked, path: "unlock", role: access.RoleHelpdesk,
			form: url.Values{"ticket": {"INC-123"}}, kind: notify.KindUnlock,
			words: []string{"Your account was unlocked by the IT helpdesk", "ticket INC-123", "+44 20 7946 0000"}},
		{name: "password reset", persona: fakeonelogin.PersonaPasswordExpired, path: "password", role: access.RoleHelpdesk,
			form: url.Values{"mode": {"generate"}, "ticket": {"INC-124"}}, kind: notify.KindPasswordReset,
			words: []string{"Your password was changed by the IT helpdesk", "ticket INC-124"}},
		{name: "set-password link", persona: fakeonelogin.PersonaAwaitingReset, path: "invite", role: access.RoleHelpdesk,
			form: url.Values{"delivery": {"link"}}, kind: notify.KindPasswordLink,
			words: []string{"A link to set a new password for your account was made by the IT helpdesk"}},
		{name: "temporary MFA token", persona: fakeonelogin.PersonaNoRoles, path: "mfa-token", role: access.RoleHelpdesk,
			form: url.Values{"expires_in": {"600"}}, kind: notify.KindTempToken,
			words: []string{"A temporary MFA token was issued for your account by the IT helpdesk", "It works until 13:14."}},
		{name: "self-service unlock", persona: fakeonelogin.PersonaEmployee, path: "/me/unlock", role: access.RoleEmployee,
			form: url.Values{}, kind: notify.KindUnlock,
			words: []string{"Your account was unlocked on the self-service page"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &notifytest.Memory{}
			opts := []option{withMail(q)}
			if tc.role == access.RoleEmployee {
				opts = append(opts, signedInAs(tc.persona), withSelfUnlocks(3))
			}
			c := newConsole(t, tc.role, opts...)
			id := c.userID(tc.persona)
			target := tc.path
			if !strings.HasPrefix(target, "/") {
				target = actPath(id, tc.path)
			}
			rec := c.postConfirmed(target, tc.form)
			wantCode(t, rec, http.StatusOK)
			r := oneRecord(t, c)
			if r.Outcome != audit.OutcomeSucceeded || r.Message != "the person is told by mail" {
				t.Errorf("audit record = %s %q, want succeeded and told", r.Outcome, r.Message)
			}
			ms := queued(t, q)
			if len(ms) != 1 {
				t.Fatalf("queued %d mails, want 1: %+v", len(ms), ms)
			}
			m := ms[0]
			if m.Kind != tc.kind || m.To != tc.persona || m.UserID != id || m.AuditID != r.ID || m.State != notify.StatePending {
				t.Errorf("mail = %+v, want %s to %s about record %d", m, tc.kind, tc.persona, r.ID)
			}
			for _, w := range tc.words {
				if !strings.Contains(m.Body, w) {
					t.Errorf("the mail does not say %q:\n%s", w, m.Body)
				}
			}
			if secret := textOf(doc(t, rec), ".secret-value"); secret != "" && strings.Contains(m.Subject+m.Body, secret) {
				t.Errorf("the mail carries the secret shown on the page:\n%s", m.Body)
			}
		})
	}
}

// TestMail_notToldOfOtherChanges: a lock, a log-out and a refused unlock
// tell nobody.
func TestMail_notToldOfOtherChanges(t *testing.T) {
	q := &notifytest.Memory{}
	c := newConsole(t, access.RoleHelpdesk, withMail(q))
	wantCode(t, c.postConfirmed(actPath(c.userID(fakeonelogin.PersonaNoRoles), "lock"), url.Values{"minutes": {"60"}}), http.StatusOK)
	wantCode(t, c.postConfirmed(actPath(c.userID(fakeonelogin.PersonaNoRoles), "logout"), url.Values{}), http.StatusOK)
	c.post(actPath(c.userID(fakeonelogin.PersonaAdmin), "unlock"), url.Values{}) // protected: refused
	if ms := queued(t, q); len(ms) != 0 {
		t.Errorf("queued %d mails, want none: %+v", len(ms), ms)
	}
}

// brokenQueue is a mail queue that cannot be written.
type brokenQueue struct{ notifytest.Memory }

func (*brokenQueue) EnqueueMail(context.Context, notify.Mail) (int64, error) {
	return 0, errors.New("disk full")
}

// TestMail_failingNeverBlocksTheAction: when the mail cannot be queued, or
// mail is off, the unlock still happens and answers as usual; the record
// says the person was not told and why.
func TestMail_failingNeverBlocksTheAction(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []option
		want string
	}{
		{"queue fails", []option{withMail(&brokenQueue{})}, "not told: the mail could not be queued"},
		{"mail off", nil, "not told: mail is off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleHelpdesk, tc.opts...)
			id := c.userID(fakeonelogin.PersonaLocked)
			rec := c.post(actPath(id, "unlock"), url.Values{"ticket": {"INC-9"}})
			wantCode(t, rec, http.StatusOK)
			if u, _ := c.fake.Tenant.User(id); u.Status != fakeonelogin.StatusActive {
				t.Errorf("status after the unlock = %d, want active", u.Status)
			}
			r := oneRecord(t, c)
			if r.Outcome != audit.OutcomeSucceeded || r.Message != tc.want {
				t.Errorf("audit record = %s %q, want succeeded, %q", r.Outcome, r.Message, tc.want)
			}
			if got := textOf(doc(t, rec), "[data-testid=notice]"); !strings.HasPrefix(got, "Unlocked") {
				t.Errorf("notice = %q, want the unlock confirmed", got)
			}
		})
	}
}

// TestMail_adminPage: admins see the mails that failed or still wait,
// with why; sent ones only when asked; an unknown state is refused; and a
// console without mail says so.
func TestMail_adminPage(t *testing.T) {
	ctx := context.Background()
	q := &notifytest.Memory{}
	now := time.Now()
	for _, to := range []string{"failed@example.com", "waiting@example.com", "sent@example.com"} {
		if _, err := q.EnqueueMail(ctx, notify.Mail{AuditID: 7, Kind: notify.KindUnlock, To: to, Subject: "Your account was unlocked", Body: "b", Created: now}); err != nil {
			t.Fatal(err)
		}
	}
	end := func(want string, done func(m notify.Mail) error) {
		m, ok, err := q.ClaimMail(ctx, "test", now, time.Minute)
		if err != nil || !ok || m.To != want {
			t.Fatalf("claimed %+v %v %v, want %s", m, ok, err, want)
		}
		if err := done(m); err != nil {
			t.Fatal(err)
		}
	}
	end("failed@example.com", func(m notify.Mail) error {
		return q.MailFailed(ctx, m.ID, "test", now, "550 mailbox unavailable")
	})
	end("waiting@example.com", func(m notify.Mail) error {
		return q.MailRetry(ctx, m.ID, "test", now.Add(time.Hour), "connection refused")
	})
	end("sent@example.com", func(m notify.Mail) error { return q.MailSent(ctx, m.ID, "test", now) })

	c := newConsole(t, access.RoleAdmin, withMail(q))
	rec := c.get("/mail")
	wantCode(t, rec, http.StatusOK)
	d := doc(t, rec)
	if got := d.Find("[data-testid=mail-row]").Length(); got != 2 {
		t.Errorf("rows = %d, want the failed and the waiting mail", got)
	}
	for _, w := range []string{"failed@example.com", "550 mailbox unavailable", "waiting@example.com", "connection refused"} {
		if !strings.Contains(d.Find("[data-testid=mail-table]").Text(), w) {
			t.Errorf("the page does not show %q", w)
		}
	}
	if strings.Contains(rec.Body.String(), "sent@example.com") {
		t.Error("a sent mail is listed by default")
	}
	if d := doc(t, c.get("/mail?state=sent")); !strings.Contains(d.Find("[data-testid=mail-table]").Text(), "sent@example.com") {
		t.Error("?state=sent does not list the sent mail")
	}
	wantCode(t, c.get("/mail?state=lost"), http.StatusBadRequest)

	off := newConsole(t, access.RoleAdmin)
	if d := doc(t, off.get("/mail")); d.Find("[data-testid=mail-off]").Length() != 1 {
		t.Error("without mail the page does not say mail is off")
	}
}
