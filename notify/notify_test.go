package notify_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/notify"
	"onelogin-helpdesk/notify/notifytest"
)

var (
	at     = time.Date(2026, 12, 7, 10, 2, 0, 0, time.UTC)
	berlin = mustLoad("Europe/Berlin")
)

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func unlock() notify.Notice {
	return notify.Notice{Kind: notify.KindUnlock, By: notify.ByHelpdesk, UserID: 42, Email: "ada@example.com",
		Name: "Ada Lovelace", At: at, Ticket: "INC-123", AuditID: 9}
}

// notified queues n through a Notifier on a memory store and returns the
// one mail queued.
func notified(t *testing.T, n notify.Notice, o notify.Options) notify.Mail {
	t.Helper()
	st := &notifytest.Memory{}
	queued, err := notify.New(st, &notifytest.Sender{}, o).Notify(context.Background(), n)
	if err != nil || !queued {
		t.Fatalf("Notify = %v, %v", queued, err)
	}
	ms, _ := st.Mails(context.Background(), notify.Filter{})
	if len(ms) != 1 {
		t.Fatalf("%d mails queued, want 1", len(ms))
	}
	return ms[0]
}

// TestNotify_theMailSaysWhatWhoWhenAndWhomToCall: the whole mail of a
// staff unlock, in the console's time zone.
func TestNotify_theMailSaysWhatWhoWhenAndWhomToCall(t *testing.T) {
	m := notified(t, unlock(), notify.Options{Contact: "+49 30 1234 5678 or https://help.example.com", Location: berlin})
	want := "Hello Ada Lovelace,\n\n" +
		"Your account was unlocked by the IT helpdesk at 11:02 on Monday 7 December 2026 (CET), ticket INC-123.\n\n" +
		"If this was not you, or you did not ask for it, contact the IT helpdesk at once: +49 30 1234 5678 or https://help.example.com.\n\n" +
		"This message was sent automatically about the account ada@example.com; there is no need to reply.\n"
	if m.To != "ada@example.com" || m.Subject != "Your account was unlocked" || m.Body != want {
		t.Errorf("mail to %q, subject %q, body:\n%s\nwant to ada@example.com, subject Your account was unlocked, body:\n%s", m.To, m.Subject, m.Body, want)
	}
	if m.AuditID != 9 || m.UserID != 42 || m.Kind != notify.KindUnlock {
		t.Errorf("mail = %+v, want audit 9, user 42, unlock", m)
	}
}

func TestNotify_eachChange(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(*notify.Notice)
		subject string
		says    []string
		never   []string
	}{
		{name: "self-service unlock", change: func(n *notify.Notice) { n.By, n.Ticket = notify.BySelf, "" },
			subject: "Your account was unlocked", says: []string{"Your account was unlocked on the self-service page at 10:02 on Monday 7 December 2026 (UTC)."},
			never: []string{"ticket", "IT helpdesk at 10:02"}},
		{name: "password reset", change: func(n *notify.Notice) { n.Kind = notify.KindPasswordReset },
			subject: "Your password was changed", says: []string{"Your password was changed by the IT helpdesk at 10:02"}},
		{name: "set-password link", change: func(n *notify.Notice) { n.Kind = notify.KindPasswordLink },
			subject: "A link to set your password was made", says: []string{"A link to set a new password for your account was made by the IT helpdesk"}},
		{name: "factor removed", change: func(n *notify.Notice) { n.Kind, n.Factor = notify.KindFactorRemoved, "Google Authenticator" },
			subject: "A sign-in factor was removed from your account", says: []string{"The sign-in factor \u201cGoogle Authenticator\u201d was removed from your account by the IT helpdesk"}},
		{name: "factor removed, name unknown", change: func(n *notify.Notice) { n.Kind = notify.KindFactorRemoved },
			subject: "A sign-in factor was removed from your account", says: []string{"A sign-in factor was removed from your account by the IT helpdesk"}},
		{name: "temporary MFA token", change: func(n *notify.Notice) { n.Kind, n.Until = notify.KindTempToken, at.Add(30*time.Minute) },
			subject: "A temporary MFA token was issued for your account", says: []string{"A temporary MFA token was issued for your account by the IT helpdesk at 10:02", "It works until 10:32."}},
		{name: "no contact configured", change: func(*notify.Notice) {},
			subject: "Your account was unlocked", says: []string{"contact the IT helpdesk at once.\n"}},
		{name: "no name", change: func(n *notify.Notice) { n.Name = "" },
			subject: "Your account was unlocked", says: []string{"Hello,\n\n"}},
		// A ticket or name cannot add lines (a fake signature, a link on
		// a line of its own) to the mail.
		{name: "line breaks in fields", change: func(n *notify.Notice) {
			n.Ticket, n.Name = "INC-1\r\n\r\nCall +1 900 555 0199 now", "Ada\nBcc: x@example.com"
		}, subject: "Your account was unlocked",
			says: []string{"Hello Ada Bcc: x@example.com,\n\n", ", ticket INC-1 Call +1 900 555 0199 now."}, never: []string{"\r"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := unlock()
			tc.change(&n)
			m := notified(t, n, notify.Options{})
			if m.Subject != tc.subject {
				t.Errorf("subject = %q, want %q", m.Subject, tc.subject)
			}
			for _, s := range tc.says {
				if !strings.Contains(m.Body, s) {
					t.Errorf("body does not say %q:\n%s", s, m.Body)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(m.Body, s) {
					t.Errorf("body says %q:\n%s", s, m.Body)
				}
			}
		})
	}
}

// TestNotify_whoCannotBeTold: no mail is queued, and queued says so, when
// mail is off or the person has no usable address.
func TestNotify_whoCannotBeTold(t *testing.T) {
	ctx := context.Background()
	var off *notify.Notifier
	if queued, err := off.Notify(ctx, unlock()); queued || err != nil {
		t.Errorf("nil Notifier: Notify = %v, %v; want not queued, no error", queued, err)
	}
	st := &notifytest.Memory{}
	if queued, err := notify.New(st, nil, notify.Options{}).Notify(ctx, unlock()); queued || err != nil {
		t.Errorf("no sender: Notify = %v, %v; want not queued, no error", queued, err)
	}
	n := notify.New(st, &notifytest.Sender{}, notify.Options{})
	for _, email := range []string{"", "not an address", "Ada <ada@example.com>", "ada@example.com, eve@example.com", " ada@example.com"} {
		nt := unlock()
		nt.Email = email
		if queued, err := n.Notify(ctx, nt); queued || !errors.Is(err, notify.ErrNoAddress) {
			t.Errorf("email %q: Notify = %v, %v; want ErrNoAddress", email, queued, err)
		}
	}
	bad := unlock()
	bad.Kind = "wipe"
	if queued, err := n.Notify(ctx, bad); queued || !errors.Is(err, notify.ErrInvalid) {
		t.Errorf("unknown kind: Notify = %v, %v; want ErrInvalid", queued, err)
	}
	if ms, _ := st.Mails(ctx, notify.Filter{}); len(ms) != 0 {
		t.Errorf("%d mails queued, want none", len(ms))
	}
}

type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) MailOutcome(o string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[o]++
}

func (c *counter) get() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

// courier runs n until the test's bubble ends.
func courier(t *testing.T, n *notify.Notifier) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func mails(t *testing.T, st notify.Store) []notify.Mail {
	t.Helper()
	ms, err := st.Mails(context.Background(), notify.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestRun_sendsAtOnceWithoutHoldingUpTheAction: Notify returns before the
// mail goes out, even when the server takes its time; the courier then
// sends it, from the configured sender.
func TestRun_sendsAtOnceWithoutHoldingUpTheAction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &notifytest.Memory{}
		slow := &notifytest.Sender{Fail: func(notify.Message) error { time.Sleep(20 * time.Second); return nil }}
		obs := &counter{}
		n := notify.New(st, slow, notify.Options{From: "IT Helpdesk <helpdesk@example.com>", Observer: obs})
		courier(t, n)
		start := time.Now()
		if queued, err := n.Notify(context.Background(), unlock()); !queued || err != nil {
			t.Fatalf("Notify = %v, %v", queued, err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("Notify took %s of virtual time, want none", d)
		}
		time.Sleep(20 * time.Second)
		synctest.Wait()
		as := slow.Attempts()
		if len(as) != 1 || as[0].Message.From != "IT Helpdesk <helpdesk@example.com>" || as[0].Message.To != "ada@example.com" ||
			as[0].Message.Subject != "Your account was unlocked" {
			t.Fatalf("attempts = %+v, want one from the helpdesk to ada", as)
		}
		if ms := mails(t, st); ms[0].State != notify.StateSent || ms[0].Attempts != 1 {
			t.Errorf("mail = %s after %d attempts, want sent after 1", ms[0].State, ms[0].Attempts)
		}
		if got := obs.get(); got[notify.OutcomeSent] != 1 || len(got) != 1 {
			t.Errorf("outcomes = %v, want 1 sent", got)
		}
	})
}

// TestRun_retriesWithBackoffThenFails: a server that never answers gets
// the mail at the first attempt and after 1, 2, 4 and 4 minutes (the cap),
// then the mail fails, with the last error, for an admin to see.
func TestRun_retriesWithBackoffThenFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &notifytest.Memory{}
		down := &notifytest.Sender{Fail: func(notify.Message) error { return errors.New("dial tcp 192.0.2.1:587: connection refused") }}
		obs := &counter{}
		n := notify.New(st, down, notify.Options{FirstRetry: time.Minute, MaxRetry: 4 * time.Minute, Attempts: 5, Observer: obs})
		courier(t, n)
		start := time.Now()
		if _, err := n.Notify(context.Background(), unlock()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		var got []time.Duration
		for _, a := range down.Attempts() {
			got = append(got, a.At.Sub(start))
		}
		want := []time.Duration{0, time.Minute, 3 * time.Minute, 7 * time.Minute, 11 * time.Minute}
		if len(got) != len(want) {
			t.Fatalf("attempts at %v, want at %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("attempt %d at %s, want %s", i+1, got[i], want[i])
			}
		}
		ms := mails(t, st)
		if ms[0].State != notify.StateFailed || ms[0].Attempts != 5 || ms[0].LastError != "dial tcp 192.0.2.1:587: connection refused" ||
			!ms[0].Ended.Equal(start.Add(11*time.Minute)) {
			t.Errorf("mail = %+v, want failed after 5 attempts with the last error", ms[0])
		}
		if o := obs.get(); o[notify.OutcomeRetried] != 4 || o[notify.OutcomeFailed] != 1 || o[notify.OutcomeSent] != 0 {
			t.Errorf("outcomes = %v, want 4 retried, 1 failed", o)
		}
	})
}

// TestRun_permanentErrorFailsAtOnce: a refused login is not tried again.
func TestRun_permanentErrorFailsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &notifytest.Memory{}
		refused := &notifytest.Sender{Fail: func(notify.Message) error {
			return notify.Permanent(errors.New("535 authentication failed"))
		}}
		n := notify.New(st, refused, notify.Options{})
		courier(t, n)
		if _, err := n.Notify(context.Background(), unlock()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if as := refused.Attempts(); len(as) != 1 {
			t.Errorf("%d attempts, want 1", len(as))
		}
		if ms := mails(t, st); ms[0].State != notify.StateFailed || ms[0].LastError != "535 authentication failed" {
			t.Errorf("mail = %s (%q), want failed with the server's answer", ms[0].State, ms[0].LastError)
		}
	})
}

// TestRun_sentOnceTheServerIsBack: two failed attempts, then the server
// answers and the mail is sent, once.
func TestRun_sentOnceTheServerIsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &notifytest.Memory{}
		var mu sync.Mutex
		calls := 0
		flaky := &notifytest.Sender{Fail: func(notify.Message) error {
			mu.Lock()
			defer mu.Unlock()
			if calls++; calls <= 2 {
				return errors.New("421 try again later")
			}
			return nil
		}}
		n := notify.New(st, flaky, notify.Options{})
		courier(t, n)
		if _, err := n.Notify(context.Background(), unlock()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if as := flaky.Attempts(); len(as) != 3 {
			t.Errorf("%d attempts, want 3", len(as))
		}
		if ms := mails(t, st); ms[0].State != notify.StateSent || ms[0].Attempts != 3 {
			t.Errorf("mail = %s after %d attempts, want sent after 3", ms[0].State, ms[0].Attempts)
		}
	})
}

// TestRun_replicasSendEachMailOnce: couriers of three replicas on one
// store, each told of different notices: every mail goes out once.
func TestRun_replicasSendEachMailOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &notifytest.Memory{}
		sender := &notifytest.Sender{Fail: func(notify.Message) error { time.Sleep(time.Second); return nil }}
		var replicas []*notify.Notifier
		for range 3 {
			n := notify.New(st, sender, notify.Options{Poll: 5 * time.Second})
			courier(t, n)
			replicas = append(replicas, n)
		}
		const people = 30
		for i := range people {
			nt := unlock()
			nt.AuditID = int64(i + 1)
			if _, err := replicas[i%3].Notify(context.Background(), nt); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if as := sender.Attempts(); len(as) != people {
			t.Errorf("%d sends, want %d", len(as), people)
		}
		if c, _ := st.MailCounts(context.Background()); c != (notify.Counts{Sent: people}) {
			t.Errorf("counts = %+v, want %d sent", c, people)
		}
	})
}

func TestTold(t *testing.T) {
	for _, tc := range []struct {
		queued bool
		err    error
		want   string
	}{
		{true, nil, "the person is told by mail"},
		{false, nil, "not told: mail is off"},
		{false, notify.ErrNoAddress, "not told: no usable email address"},
		{false, errors.New("database is locked"), "not told: the mail could not be queued"},
	} {
		if got := notify.Told(tc.queued, tc.err); got != tc.want {
			t.Errorf("Told(%v, %v) = %q, want %q", tc.queued, tc.err, got, tc.want)
		}
	}
}

// TestFilter_PageSize: a filter without a limit lists DefaultLimit mails.
func TestFilter_PageSize(t *testing.T) {
	for _, tc := range []struct {
		limit, want int
	}{{0, notify.DefaultLimit}, {-1, notify.DefaultLimit}, {1, 1}, {500, 500}} {
		if got := (notify.Filter{Limit: tc.limit}).PageSize(); got != tc.want {
			t.Errorf("Filter{Limit: %d}.PageSize() = %d, want %d", tc.limit, got, tc.want)
		}
	}
}
