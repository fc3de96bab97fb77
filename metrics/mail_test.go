package metrics

import (
	"context"
	"testing"
	"time"

	"onelogin-helpdesk/notify"
	"onelogin-helpdesk/notify/notifytest"
)

// TestMail_attemptsAndQueue: outcomes are counted, and a scrape reads the
// queue's failed and pending mails from the store.
func TestMail_attemptsAndQueue(t *testing.T) {
	m := New()
	st := &notifytest.Memory{}
	obs := m.Mail(st)
	out := scrape(t, m)
	for _, o := range []string{"sent", "retried", "failed"} {
		if v := value(t, out, "helpdesk_mail_attempts_total", `outcome="`+o+`"`); v != 0 {
			t.Errorf("before any mail, %s = %v, want 0", o, v)
		}
	}
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		if _, err := st.EnqueueMail(ctx, notify.Mail{Kind: notify.KindUnlock, To: "ada@example.com", Subject: "s", Body: "b", Created: now, AuditID: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	got, _, _ := st.ClaimMail(ctx, "c", now, time.Minute)
	if err := st.MailFailed(ctx, got.ID, "c", now, "535 refused"); err != nil {
		t.Fatal(err)
	}
	obs.MailOutcome(notify.OutcomeRetried)
	obs.MailOutcome(notify.OutcomeFailed)
	out = scrape(t, m)
	for series, want := range map[string]float64{
		`outcome="retried"`: 1, `outcome="failed"`: 1, `outcome="sent"`: 0,
	} {
		if v := value(t, out, "helpdesk_mail_attempts_total", series); v != want {
			t.Errorf("attempts{%s} = %v, want %v", series, v, want)
		}
	}
	for series, want := range map[string]float64{`state="pending"`: 2, `state="sending"`: 0, `state="failed"`: 1} {
		if v := value(t, out, "helpdesk_mail_queue", series); v != want {
			t.Errorf("queue{%s} = %v, want %v", series, v, want)
		}
	}
}
