package limitstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"onelogin-helpdesk/limits"
)

var _ limits.Adder = (*Memory)(nil)

// Add implements limits.Adder.
func (m *Memory) Add(_ context.Context, key string, n, max int, window time.Duration, now time.Time) (int, time.Time, error) {
	if err := limits.CheckAdd(key, n, max, window); err != nil {
		return 0, time.Time{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ev := m.inWindow(key, window, now)
	for range n {
		ev = append(ev, now)
	}
	m.events[key] = ev
	retry, err := limits.RetryAt(len(ev), max, window, now, func(i int) (time.Time, error) { return ev[i], nil })
	return len(ev), retry, err
}

// AddConformance is the behaviour every limits.Adder shares, on top of
// Conformance.
func AddConformance(t *testing.T, open func(t *testing.T) limits.Adder) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()

	t.Run("addCountsAndReturnsTheWindow", func(t *testing.T) {
		s := open(t)
		if n, retry, err := s.Add(ctx, "k", 3, 5, time.Hour, t0); n != 3 || !retry.IsZero() || err != nil {
			t.Fatalf("first add: %d, %v, %v; want 3 below the max", n, retry, err)
		}
		if ok, _, _ := s.Take(ctx, "k", 5, time.Hour, t0.Add(time.Minute)); !ok {
			t.Fatal("a take after adding 3 of 5 was refused")
		}
		if n, _, err := s.Add(ctx, "k", 0, 5, time.Hour, t0.Add(2*time.Minute)); n != 4 || err != nil {
			t.Errorf("adding nothing reads %d, %v; want 4", n, err)
		}
		if ok, _, _ := s.Take(ctx, "k", 4, time.Hour, t0.Add(3*time.Minute)); ok {
			t.Error("Take ignored the added events")
		}
		// 3 at t0, 1 at t0+1m, 2 more now: at max 5, one has to leave.
		n, retry, err := s.Add(ctx, "k", 2, 5, time.Hour, t0.Add(10*time.Minute))
		if n != 6 || !retry.Equal(t0.Add(time.Hour)) || err != nil {
			t.Errorf("over the max: %d, retry %v, %v; want 6, retry when the first three leave at %v", n, retry, err, t0.Add(time.Hour))
		}
		if _, retry, _ := s.Add(ctx, "k", 0, 3, time.Hour, t0.Add(10*time.Minute)); !retry.Equal(t0.Add(time.Hour + time.Minute)) {
			t.Errorf("max 3: retry %v, want %v (the fourth event leaving)", retry, t0.Add(time.Hour+time.Minute))
		}
		if n, _, _ := s.Add(ctx, "k", 0, 5, time.Hour, t0.Add(time.Hour)); n != 3 {
			t.Errorf("an hour on: %d in the window, want 3 (the first 3 left it)", n)
		}
		if n, _ := s.Count(ctx, "other", time.Hour, t0.Add(time.Hour)); n != 0 {
			t.Errorf("another key counts %d", n)
		}
	})
	t.Run("addBadLimits", func(t *testing.T) {
		s := open(t)
		for _, tc := range []struct {
			key    string
			n, max int
			window time.Duration
		}{{"", 1, 1, time.Minute}, {"k", -1, 1, time.Minute}, {"k", 1, -1, time.Minute}, {"k", 1, 1, 0}, {"k", 1, 1, 25 * time.Hour}} {
			if _, _, err := s.Add(ctx, tc.key, tc.n, tc.max, tc.window, t0); !errors.Is(err, limits.ErrBadLimit) {
				t.Errorf("Add(%q, %d, %d, %v) = %v, want ErrBadLimit", tc.key, tc.n, tc.max, tc.window, err)
			}
		}
		if n, _ := s.Count(ctx, "k", time.Hour, t0); n != 0 {
			t.Errorf("a refused add recorded %d", n)
		}
	})
}
