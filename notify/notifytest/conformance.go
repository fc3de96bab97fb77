package notifytest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"onelogin-helpdesk/notify"
)

// Conformance is the behaviour every notify.Store shares; each store's
// tests call it with a way to open an empty store.
func Conformance(t *testing.T, open func(t *testing.T) notify.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const ttl = 2 * time.Minute

	mail := func(auditID int64, at time.Time) notify.Mail {
		return notify.Mail{AuditID: auditID, UserID: 1000 + auditID, Kind: notify.KindUnlock,
			To: fmt.Sprintf("p%d@example.com", auditID), Subject: "Your account was unlocked",
			Body: "Hello,\n\nYour account was unlocked by the IT helpdesk.\n", Created: at}
	}
	enqueue := func(t *testing.T, s notify.Store, m notify.Mail) int64 {
		t.Helper()
		id, err := s.EnqueueMail(ctx, m)
		if err != nil || id <= 0 {
			t.Fatalf("EnqueueMail = %d, %v", id, err)
		}
		return id
	}
	claim := func(t *testing.T, s notify.Store, owner string, now time.Time) notify.Mail {
		t.Helper()
		m, ok, err := s.ClaimMail(ctx, owner, now, ttl)
		if err != nil || !ok {
			t.Fatalf("ClaimMail by %s at %s = %v, %v; want a mail", owner, now.Format(time.TimeOnly), ok, err)
		}
		return m
	}
	none := func(t *testing.T, s notify.Store, now time.Time) {
		t.Helper()
		if m, ok, err := s.ClaimMail(ctx, "other", now, ttl); ok || err != nil {
			t.Fatalf("ClaimMail at %s = mail %d, %v; want none due", now.Format(time.TimeOnly), m.ID, err)
		}
	}
	only := func(t *testing.T, s notify.Store, f notify.Filter) notify.Mail {
		t.Helper()
		ms, err := s.Mails(ctx, f)
		if err != nil || len(ms) != 1 {
			t.Fatalf("Mails(%+v) = %d mails, %v; want 1", f, len(ms), err)
		}
		return ms[0]
	}

	t.Run("queueAndReadBack", func(t *testing.T) {
		s := open(t)
		at := t0.Add(123456 * time.Microsecond)
		want := mail(7, at)
		want.Body = "Hello Zoë,\n\nÜnicode and \u201cquotes\u201d survive.\n"
		id := enqueue(t, s, want)
		got := only(t, s, notify.Filter{AuditID: 7})
		if got.ID != id || got.AuditID != 7 || got.UserID != 1007 || got.Kind != want.Kind || got.To != want.To ||
			got.Subject != want.Subject || got.Body != want.Body || !got.Created.Equal(at) {
			t.Errorf("read back %+v, want the fields of %+v", got, want)
		}
		if got.State != notify.StatePending || got.Attempts != 0 || !got.Next.Equal(at) || got.Owner != "" ||
			!got.LeaseUntil.IsZero() || got.LastError != "" || !got.Ended.IsZero() {
			t.Errorf("a new mail = %+v; want pending, due at once, never tried", got)
		}
		if c, err := s.MailCounts(ctx); err != nil || c != (notify.Counts{Pending: 1}) {
			t.Errorf("MailCounts = %+v, %v; want 1 pending", c, err)
		}
	})

	t.Run("refusesIncompleteMail", func(t *testing.T) {
		s := open(t)
		for name, change := range map[string]func(*notify.Mail){
			"no recipient": func(m *notify.Mail) { m.To = "" },
			"no subject":   func(m *notify.Mail) { m.Subject = "" },
			"no body":      func(m *notify.Mail) { m.Body = "" },
			"unknown kind": func(m *notify.Mail) { m.Kind = "wipe" },
		} {
			m := mail(1, t0)
			change(&m)
			if _, err := s.EnqueueMail(ctx, m); !errors.Is(err, notify.ErrInvalid) {
				t.Errorf("%s: EnqueueMail = %v, want ErrInvalid", name, err)
			}
		}
		if ms, err := s.Mails(ctx, notify.Filter{}); err != nil || len(ms) != 0 {
			t.Errorf("after refusals the queue has %d mails, %v", len(ms), err)
		}
	})

	t.Run("claimsTheOldestDueOnceUnderALease", func(t *testing.T) {
		s := open(t)
		first := enqueue(t, s, mail(1, t0))
		second := enqueue(t, s, mail(2, t0.Add(time.Second)))
		none(t, s, t0.Add(-time.Second)) // nothing is due before it was queued
		m := claim(t, s, "a", t0.Add(time.Second))
		if m.ID != first || m.State != notify.StateSending || m.Owner != "a" || m.Attempts != 1 ||
			!m.LeaseUntil.Equal(t0.Add(time.Second+ttl)) {
			t.Errorf("first claim = %+v; want mail %d held by a, attempt 1, lease until %s", m, first, t0.Add(time.Second+ttl))
		}
		if m2 := claim(t, s, "b", t0.Add(time.Second)); m2.ID != second {
			t.Errorf("second claim = mail %d, want %d (the first is held)", m2.ID, second)
		}
		none(t, s, t0.Add(time.Minute))
		// a's lease runs out (a stopped mid-send): b takes the mail over,
		// and the attempt is counted.
		m = claim(t, s, "b", t0.Add(time.Second+ttl))
		if m.ID != first || m.Owner != "b" || m.Attempts != 2 {
			t.Errorf("claim after the lease ran out = %+v; want mail %d, owner b, attempt 2", m, first)
		}
		if err := s.MailSent(ctx, first, "a", t0.Add(3*time.Minute)); !errors.Is(err, notify.ErrLeaseLost) {
			t.Errorf("MailSent by the courier that lost the lease = %v, want ErrLeaseLost", err)
		}
	})

	t.Run("sent", func(t *testing.T) {
		s := open(t)
		id := enqueue(t, s, mail(1, t0))
		claim(t, s, "a", t0)
		if err := s.MailSent(ctx, id, "a", t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		got := only(t, s, notify.Filter{State: notify.StateSent})
		if got.ID != id || !got.Ended.Equal(t0.Add(time.Second)) || got.Owner != "" || got.Attempts != 1 {
			t.Errorf("sent mail = %+v", got)
		}
		none(t, s, t0.Add(24*time.Hour))
		if err := s.MailSent(ctx, id, "a", t0.Add(2*time.Second)); !errors.Is(err, notify.ErrLeaseLost) {
			t.Errorf("MailSent twice = %v, want ErrLeaseLost", err)
		}
		if err := s.MailSent(ctx, 9999, "a", t0); !errors.Is(err, notify.ErrNotFound) {
			t.Errorf("MailSent of an unknown mail = %v, want ErrNotFound", err)
		}
	})

	t.Run("retryWaitsUntilDue", func(t *testing.T) {
		s := open(t)
		id := enqueue(t, s, mail(1, t0))
		claim(t, s, "a", t0)
		next := t0.Add(time.Minute)
		if err := s.MailRetry(ctx, id, "a", next, "dial tcp 192.0.2.1:587: connection refused"); err != nil {
			t.Fatal(err)
		}
		got := only(t, s, notify.Filter{AuditID: 1})
		if got.State != notify.StatePending || !got.Next.Equal(next) || got.Owner != "" ||
			got.LastError != "dial tcp 192.0.2.1:587: connection refused" || got.Attempts != 1 {
			t.Errorf("after a retry = %+v", got)
		}
		none(t, s, next.Add(-time.Microsecond))
		if m := claim(t, s, "b", next); m.ID != id || m.Attempts != 2 {
			t.Errorf("claim when due = %+v; want mail %d, attempt 2", m, id)
		}
	})

	t.Run("failedIsListedForAdmins", func(t *testing.T) {
		s := open(t)
		enqueue(t, s, mail(1, t0))
		id := enqueue(t, s, mail(2, t0))
		claim(t, s, "a", t0)
		m := claim(t, s, "a", t0)
		long := strings.Repeat("é", notify.MaxErrorLen)
		if err := s.MailFailed(ctx, id, "a", t0.Add(time.Second), long); err != nil {
			t.Fatal(err)
		}
		if m.ID != id {
			t.Fatalf("claimed %d, want %d", m.ID, id)
		}
		got := only(t, s, notify.Filter{State: notify.StateFailed})
		if got.ID != id || !got.Ended.Equal(t0.Add(time.Second)) || len(got.LastError) > notify.MaxErrorLen || !strings.HasPrefix(long, got.LastError) {
			t.Errorf("failed mail = id %d ended %s, error of %d bytes", got.ID, got.Ended, len(got.LastError))
		}
		if c, err := s.MailCounts(ctx); err != nil || c != (notify.Counts{Sending: 1, Failed: 1}) {
			t.Errorf("MailCounts = %+v, %v; want 1 sending, 1 failed", c, err)
		}
		none(t, s, t0.Add(time.Minute))
	})

	t.Run("listsNewestFirstWithALimit", func(t *testing.T) {
		s := open(t)
		var ids []int64
		for i := range 5 {
			ids = append(ids, enqueue(t, s, mail(int64(i+1), t0.Add(time.Duration(i)*time.Second))))
		}
		ms, err := s.Mails(ctx, notify.Filter{Limit: 3})
		if err != nil || len(ms) != 3 {
			t.Fatalf("Mails = %d, %v", len(ms), err)
		}
		for i, m := range ms {
			if m.ID != ids[4-i] {
				t.Errorf("Mails[%d] = %d, want %d", i, m.ID, ids[4-i])
			}
		}
	})

	t.Run("pruneKeepsWhatIsNotEnded", func(t *testing.T) {
		s := open(t)
		old := enqueue(t, s, mail(1, t0))
		claim(t, s, "a", t0)
		if err := s.MailSent(ctx, old, "a", t0); err != nil {
			t.Fatal(err)
		}
		recent := enqueue(t, s, mail(2, t0))
		claim(t, s, "a", t0)
		if err := s.MailFailed(ctx, recent, "a", t0.Add(time.Hour), "refused"); err != nil {
			t.Fatal(err)
		}
		enqueue(t, s, mail(3, t0)) // pending
		n, err := s.PruneMails(ctx, t0.Add(time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("PruneMails = %d, %v; want 1", n, err)
		}
		if c, err := s.MailCounts(ctx); err != nil || c != (notify.Counts{Pending: 1, Failed: 1}) {
			t.Errorf("after pruning: %+v, %v; want the pending and the recent failed mail", c, err)
		}
	})

	t.Run("concurrentClaimsTakeEachMailOnce", func(t *testing.T) {
		s := open(t)
		const mails = 20
		for i := range mails {
			enqueue(t, s, mail(int64(i+1), t0))
		}
		if got := ClaimConcurrently(t, t0, s); len(got) != mails {
			t.Errorf("%d mails claimed, want %d", len(got), mails)
		}
	})
}

// ClaimConcurrently has four couriers per store claim mails due at now
// until none is left, reports a mail claimed twice as an error, and returns
// who claimed each mail. Several stores on one database stand for
// replicas.
func ClaimConcurrently(t *testing.T, now time.Time, stores ...notify.Store) map[int64]string {
	t.Helper()
	var (
		mu  sync.Mutex
		got = map[int64]string{}
		wg  sync.WaitGroup
	)
	for r, s := range stores {
		for c := range 4 {
			owner := fmt.Sprintf("replica%d-courier%d", r, c)
			wg.Go(func() {
				for {
					m, ok, err := s.ClaimMail(context.Background(), owner, now, time.Minute)
					if err != nil {
						t.Errorf("%s: %v", owner, err)
					}
					if !ok {
						return
					}
					mu.Lock()
					if prev, dup := got[m.ID]; dup {
						t.Errorf("mail %d claimed by %s and %s", m.ID, prev, owner)
					}
					got[m.ID] = owner
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return got
}
