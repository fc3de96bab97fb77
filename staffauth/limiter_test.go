package staffauth

import (
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestLimiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(3, time.Hour, nil)
		for i := range 3 {
			if ok, _ := l.Allow("emil@example.com"); !ok {
				t.Fatalf("attempt %d refused", i+1)
			}
			time.Sleep(10 * time.Minute)
		}
		// 30 min after the first attempt: the fourth must wait 30 min more.
		ok, wait := l.Allow("EMIL@example.com")
		if ok || wait != 30*time.Minute {
			t.Errorf("fourth attempt: %v, wait %s", ok, wait)
		}
		if n := l.Remaining("emil@example.com"); n != 0 {
			t.Errorf("remaining = %d", n)
		}
		// Someone else is not affected.
		if ok, _ := l.Allow("ann@example.com"); !ok {
			t.Error("another person was limited")
		}
		// The window slides: once the first attempt is an hour old, one more.
		time.Sleep(30 * time.Minute)
		if ok, _ := l.Allow("emil@example.com"); !ok {
			t.Error("attempt after the window slid was refused")
		}
		if ok, wait := l.Allow("emil@example.com"); ok || wait != 10*time.Minute {
			t.Errorf("next: %v, wait %s", ok, wait)
		}
	})
}

// Attempts read back after a restart count as if they had just been made
// at their own times; those older than the window do not.
func TestLimiter_noteReplaysPastAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(3, time.Hour, nil)
		start := time.Now()
		l.Note("Emil@example.com", start.Add(-20*time.Minute))
		l.Note("emil@example.com", start.Add(-50*time.Minute)) // out of order
		l.Note("emil@example.com", start.Add(-61*time.Minute)) // left the window
		if n := l.Remaining("emil@example.com"); n != 1 {
			t.Fatalf("remaining after two recent attempts = %d, want 1", n)
		}
		if ok, _ := l.Allow("emil@example.com"); !ok {
			t.Fatal("third attempt refused")
		}
		// The oldest noted attempt leaves the window in 10 minutes.
		if ok, wait := l.Allow("emil@example.com"); ok || wait != 10*time.Minute {
			t.Errorf("fourth attempt: %v, wait %s; want a 10m wait", ok, wait)
		}
	})
}

func TestLimiter_zeroAllowsNothing(t *testing.T) {
	l := NewLimiter(0, time.Hour, nil)
	if ok, _ := l.Allow("a@example.com"); ok {
		t.Error("limit 0 allowed an attempt")
	}
}

func TestLimiter_concurrent(t *testing.T) {
	l := NewLimiter(3, time.Hour, nil)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := l.Allow("same@example.com"); ok {
				allowed.Add(1)
			}
			l.Allow("other-" + time.Now().String())
		}()
	}
	wg.Wait()
	if n := allowed.Load(); n != 3 {
		t.Errorf("%d attempts allowed, want 3", n)
	}
}

func TestLimiter_forgetsIdlePeople(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(1, time.Minute, nil)
		for i := range 1023 {
			l.Allow(time.Duration(i).String())
		}
		time.Sleep(2 * time.Minute)
		l.Allow("trigger") // the 1024th call sweeps
		l.mu.Lock()
		n := len(l.hits)
		l.mu.Unlock()
		if n != 1 {
			t.Errorf("%d people remembered, want 1", n)
		}
	})
}
