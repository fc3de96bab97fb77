package audit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
)

// TestSettler_settlesWhatACrashLeftPending: a record still pending after
// OneLogin's timeout can no longer be waiting for an answer. The settler
// completes it as unknown with what the account reads now (or that it
// could not be read), never asks for a change, and leaves recent pending
// and completed records alone.
func TestSettler_settlesWhatACrashLeftPending(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	now := t0
	mem := audittest.NewMemory(nil, audit.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	begin := func(target int64, a access.Action) int64 {
		id, err := mem.Begin(ctx, audit.Record{ActorEmail: "ann@example.com", ActorRole: "admin", TargetID: target, Action: a})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	locked := begin(42, access.Lock)
	unreadable := begin(43, access.Unlock)
	created := begin(0, access.CreateUser)
	done := begin(42, access.Logout)
	if err := mem.Complete(ctx, done, audit.Result{Outcome: audit.OutcomeSucceeded}); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(59 * time.Second)
	recent := begin(42, access.Unlock)
	now = t0.Add(time.Minute + time.Second)

	var read []int64
	s := audit.Settler{Store: mem, After: 30 * time.Second, Now: func() time.Time { return now },
		Read: func(_ context.Context, id int64) (string, error) {
			read = append(read, id)
			if id == 43 {
				return "", errors.New("OneLogin unavailable")
			}
			return "Locked, locked until 2026-12-07 10:00 UTC", nil
		}}
	n, err := s.Settle(ctx)
	if err != nil || n != 3 {
		t.Fatalf("settled %d, %v; want 3", n, err)
	}
	want := map[int64]string{
		locked:     "The account now reads: Locked, locked until 2026-12-07 10:00 UTC.",
		unreadable: "could not be read afterwards",
		created:    "the change may have been made.",
	}
	for _, r := range mem.Records() {
		switch w, settled := want[r.ID]; {
		case settled && (r.Outcome != audit.OutcomeUnknown || !strings.Contains(r.Message, w)):
			t.Errorf("record %d: %s %q, want unknown saying %q", r.ID, r.Outcome, r.Message, w)
		case r.ID == recent && r.Outcome != audit.OutcomePending:
			t.Errorf("a recent pending record was settled: %s", r.Outcome)
		case r.ID == done && r.Outcome != audit.OutcomeSucceeded:
			t.Errorf("a completed record changed: %s", r.Outcome)
		}
	}
	if len(read) != 2 {
		t.Errorf("accounts read: %v, want 42 and 43 once each", read)
	}
	if n, err := s.Settle(ctx); n != 0 || err != nil {
		t.Errorf("a second pass settled %d, %v", n, err)
	}
}
