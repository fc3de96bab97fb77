package audittest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
)

var _ audit.Reporter = (*Memory)(nil)

// inRange is the records that began in [from, to), oldest first.
func (m *Memory) inRange(from, to time.Time) []audit.Record {
	var out []audit.Record
	for _, r := range m.Records() {
		if t := r.Time.UnixMicro(); t >= from.UnixMicro() && t < to.UnixMicro() {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b audit.Record) int { return a.Time.Compare(b.Time) })
	return out
}

// Tallies implements audit.Reporter.
func (m *Memory) Tallies(_ context.Context, from, to time.Time) ([]audit.Tally, error) {
	type key struct {
		slot    int64
		action  access.Action
		outcome audit.Outcome
		actor   string
	}
	counts := map[key]int{}
	for _, r := range m.inRange(from, to) {
		slot := r.Time.UnixMicro() / audit.TallySlot.Microseconds() * audit.TallySlot.Microseconds()
		counts[key{slot, r.Action, r.Outcome, r.ActorEmail}]++
	}
	out := make([]audit.Tally, 0, len(counts))
	for k, n := range counts {
		out = append(out, audit.Tally{Slot: time.UnixMicro(k.slot).UTC(), Action: k.action, Outcome: k.outcome, Actor: k.actor, Count: n})
	}
	SortTallies(out)
	return out, nil
}

// LockEvents implements audit.Reporter.
func (m *Memory) LockEvents(_ context.Context, from, to time.Time) ([]audit.LockEvent, error) {
	var out []audit.LockEvent
	for _, r := range m.inRange(from, to) {
		if audit.IsLockEvent(r) {
			out = append(out, audit.LockEvent{TargetID: r.TargetID, Time: r.Time, Action: r.Action})
		}
	}
	return out, nil
}

// Sources implements audit.Reporter.
func (m *Memory) Sources(_ context.Context, action access.Action, from, to time.Time, limit int) ([]audit.SourceCount, error) {
	counts := map[string]int{}
	for _, r := range m.inRange(from, to) {
		if r.Action == action && r.SourceIP != "" {
			counts[r.SourceIP]++
		}
	}
	out := make([]audit.SourceCount, 0, len(counts))
	for a, n := range counts {
		out = append(out, audit.SourceCount{Address: a, Count: n})
	}
	slices.SortFunc(out, func(a, b audit.SourceCount) int { return cmp.Or(b.Count-a.Count, cmp.Compare(a.Address, b.Address)) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// SortTallies puts tallies in one order (slot, action, outcome, actor), so
// that stores' answers compare.
func SortTallies(ts []audit.Tally) {
	slices.SortFunc(ts, func(a, b audit.Tally) int {
		return cmp.Or(a.Slot.Compare(b.Slot), cmp.Compare(a.Action, b.Action), cmp.Compare(a.Outcome, b.Outcome), cmp.Compare(a.Actor, b.Actor))
	})
}

// ReporterOpener opens a fresh, empty store that is also a Reporter.
type ReporterOpener func(t *testing.T) interface {
	audit.Store
	audit.Reporter
}

// ReporterConformance is what every Reporter answers for one trail: the
// memory store's answers, which follow the interface's words.
func ReporterConformance(t *testing.T, open ReporterOpener) {
	ctx := context.Background()
	s := open(t)
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	recs := []audit.Record{
		{Time: at(0), ActorEmail: "ann@example.com", Action: access.Lock, TargetID: 1, Outcome: audit.OutcomeSucceeded},
		{Time: at(5), ActorEmail: "ann@example.com", Action: access.Unlock, TargetID: 1, Outcome: audit.OutcomeSucceeded},
		{Time: at(14), ActorEmail: "Ann@example.com", Action: access.Unlock, TargetID: 2, Outcome: audit.OutcomeSucceeded},
		{Time: at(16), ActorEmail: "ann@example.com", Action: access.Unlock, TargetID: 3, Outcome: audit.OutcomeFailed},
		{Time: at(20), ActorEmail: "bob@example.com", Action: access.Unlock, TargetID: 4, Outcome: audit.OutcomeDenied},
		{Time: at(21), ActorEmail: "unverified: c@example.com", ActorRole: "public", SourceIP: "203.0.113.9", Action: access.UnlockRequest, TargetID: 5, Outcome: audit.OutcomeSucceeded},
		{Time: at(22), ActorEmail: "unverified: c@example.com", ActorRole: "public", SourceIP: "203.0.113.9", Action: access.UnlockRequest, TargetID: 5, Outcome: audit.OutcomeDenied},
		{Time: at(23), ActorEmail: "unverified: x@example.com", ActorRole: "public", SourceIP: "198.51.100.1", Action: access.UnlockRequest, Outcome: audit.OutcomeSucceeded},
		{Time: at(30), ActorEmail: "c@example.com", ActorRole: "employee", SourceIP: "203.0.113.9", Action: access.SelfUnlock, TargetID: 5, Outcome: audit.OutcomeSucceeded},
		{Time: at(24 * 60), ActorEmail: "ann@example.com", Action: access.ResetPassword, TargetID: 6, Outcome: audit.OutcomeSucceeded},
		{Time: at(8 * 24 * 60), ActorEmail: "ann@example.com", Action: access.Unlock, TargetID: 7, Outcome: audit.OutcomeSucceeded},
	}
	ref := NewMemory(nil)
	for _, r := range recs {
		for _, st := range []audit.Store{s, ref} {
			if _, err := st.Begin(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	from, to := base, base.Add(7*24*time.Hour) // leaves out the last record

	t.Run("tallies", func(t *testing.T) {
		got, err := s.Tallies(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		SortTallies(got)
		want, _ := ref.Tallies(ctx, from, to)
		if len(want) != 10 || !slices.EqualFunc(got, want, func(a, b audit.Tally) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
			t.Errorf("tallies:\n got %v\nwant %v", got, want)
		}
		// The unlocks at :05 and :14 share the first quarter-hour; ann's
		// two spellings stay apart (the page folds them).
		if want[1] != (audit.Tally{Slot: base, Action: access.Unlock, Outcome: audit.OutcomeSucceeded, Actor: "Ann@example.com", Count: 1}) {
			t.Errorf("the reference counts %+v", want[1])
		}
	})
	t.Run("lockEvents", func(t *testing.T) {
		got, err := s.LockEvents(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := ref.LockEvents(ctx, from, to)
		if len(want) != 6 || !slices.EqualFunc(got, want, func(a, b audit.LockEvent) bool {
			return a.TargetID == b.TargetID && a.Action == b.Action && a.Time.Equal(b.Time)
		}) {
			t.Errorf("lock events:\n got %v\nwant %v", got, want)
		}
	})
	t.Run("sources", func(t *testing.T) {
		got, err := s.Sources(ctx, access.UnlockRequest, from, to, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []audit.SourceCount{{Address: "203.0.113.9", Count: 2}, {Address: "198.51.100.1", Count: 1}}
		if !slices.Equal(got, want) {
			t.Errorf("sources = %v, want %v", got, want)
		}
		if got, _ := s.Sources(ctx, access.UnlockRequest, from, to, 1); !slices.Equal(got, want[:1]) {
			t.Errorf("sources limited to 1 = %v", got)
		}
	})
}
