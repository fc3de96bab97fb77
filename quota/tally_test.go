package quota_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/limits"
	"onelogin-helpdesk/limits/limitstest"
	"onelogin-helpdesk/quota"
)

// flakyStore is a limits store whose writes can be made to fail, and which
// counts them.
type flakyStore struct {
	*limitstest.Memory
	down   atomic.Bool
	writes atomic.Int64
}

func (s *flakyStore) Add(ctx context.Context, key string, n, max int, window time.Duration, now time.Time) (int, time.Time, error) {
	if s.down.Load() {
		return 0, time.Time{}, errors.New("database is down")
	}
	if n > 0 {
		s.writes.Add(1)
	}
	return s.Memory.Add(ctx, key, n, max, window, now)
}

// stored is ann's count in the store.
func stored(t *testing.T, s limits.Store) int {
	t.Helper()
	n, err := s.Count(context.Background(), "onelogin-calls:ann@example.com", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// replica is one console's budgets on the shared store, flushing every
// second; it stops with the test.
func replica(t *testing.T, s limits.Adder, perHour int, onErr func(error)) *quota.Budgets {
	b := &quota.Budgets{Limits: s, PerHour: map[access.Role]int{access.RoleHelpdesk: perHour}, OnFlushError: onErr}
	b.Start()
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	return b
}

var ann = quota.Caller{Key: "ann@example.com", Role: access.RoleHelpdesk}

// calls charges n of ann's calls to b (in the bubble, without a network,
// which synctest cannot wait on) and returns how many were let through,
// and the last refusal.
func calls(t *testing.T, b *quota.Budgets, n int) (int, *quota.ExceededError) {
	t.Helper()
	sent := 0
	var refused *quota.ExceededError
	for range n {
		err := b.Charge(context.Background(), ann)
		switch {
		case err == nil:
			sent++
		case errors.As(err, &refused):
		default:
			t.Fatalf("call: %v", err)
		}
	}
	return sent, refused
}

func TestBudgets_countedInMemoryWrittenInBatches(t *testing.T) {
	t.Run("exact per replica before any flush; one write a flush", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := &flakyStore{Memory: limitstest.NewMemory()}
			b := replica(t, s, 5, nil)
			if sent, refused := calls(t, b, 7); sent != 5 || refused == nil || refused.Reason != quota.ReasonBudget {
				t.Fatalf("%d of 7 calls let through (refusal %v), want exactly the budget of 5", sent, refused)
			}
			time.Sleep(time.Second)
			synctest.Wait()
			if n := stored(t, s); n != 5 {
				t.Errorf("after a flush the store counts %d, want 5", n)
			}
			if w := s.writes.Load(); w > 2 {
				t.Errorf("%d writes for 5 calls, want them batched (the refusal's and the flush's at most)", w)
			}
		})
	})
	t.Run("a refusal says when the first calls leave the hour", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			b := replica(t, limitstest.NewMemory(), 3, nil)
			start := time.Now()
			calls(t, b, 3)
			_, refused := calls(t, b, 1)
			if refused == nil || !refused.RetryAt.Equal(start.Add(time.Hour)) {
				t.Fatalf("refusal %v, want one until %v", refused, start.Add(time.Hour))
			}
			time.Sleep(time.Hour)
			if sent, _ := calls(t, b, 3); sent != 3 {
				t.Errorf("an hour later %d of 3 calls let through", sent)
			}
		})
	})
	t.Run("replicas share the budget after a flush", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := limitstest.NewMemory()
			a, b := replica(t, s, 10, nil), replica(t, s, 10, nil)
			if sent, _ := calls(t, a, 6); sent != 6 {
				t.Fatalf("replica a let %d of 6 through", sent)
			}
			time.Sleep(time.Second)
			synctest.Wait()
			if sent, _ := calls(t, b, 6); sent != 4 {
				t.Errorf("after a's flush replica b let %d of 6 through, want the 4 left", sent)
			}
			// b's calls reach the store at b's flush, and a at a's: within
			// two flushes a sees them.
			time.Sleep(2 * time.Second)
			synctest.Wait()
			if sent, _ := calls(t, a, 1); sent != 0 {
				t.Errorf("replica a let a call through with the budget spent on both")
			}
			if n := stored(t, s); n != 10 {
				t.Errorf("the store counts %d, want 10", n)
			}
		})
	})
	t.Run("a restarted replica reads what was spent before", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := limitstest.NewMemory()
			before := replica(t, s, 4, nil)
			calls(t, before, 3)
			if err := before.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			after := replica(t, s, 4, nil)
			if sent, _ := calls(t, after, 3); sent != 1 {
				t.Errorf("after the restart %d of 3 calls let through, want the 1 left", sent)
			}
		})
	})
	t.Run("close writes what was counted", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := limitstest.NewMemory()
			b := replica(t, s, 100, nil)
			calls(t, b, 7)
			if n := stored(t, s); n != 0 {
				t.Fatalf("the store counts %d before any flush; want the calls in memory", n)
			}
			if err := b.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := stored(t, s); n != 7 {
				t.Errorf("after Close the store counts %d, want 7", n)
			}
		})
	})
	t.Run("a store failure keeps the count and says so", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := &flakyStore{Memory: limitstest.NewMemory()}
			var failures atomic.Int64
			b := replica(t, s, 5, func(error) { failures.Add(1) })
			calls(t, b, 2)
			s.down.Store(true)
			calls(t, b, 2)
			time.Sleep(time.Second)
			synctest.Wait()
			if n := failures.Load(); n != 1 {
				t.Fatalf("%d flush failures reported, want 1", n)
			}
			if sent, _ := calls(t, b, 1); sent != 1 {
				t.Error("the fifth call was refused while the store was down; the count here allows it")
			}
			if err := b.Charge(context.Background(), ann); err == nil {
				t.Error("a call beyond the budget went through while the store was down")
			}
			if err := b.Close(context.Background()); err == nil {
				t.Error("Close with the store down reported nothing")
			}
			s.down.Store(false)
			if err := b.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := stored(t, s); n != 5 {
				t.Errorf("once the store is back it counts %d, want all 5 calls", n)
			}
		})
	})
}
