package limitstest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"onelogin-helpdesk/limits"
)

// Opener opens a fresh, empty store for one test.
type Opener func(t *testing.T) limits.Store

// Conformance is the behaviour every limits.Store shares; each store's
// tests call it with a way to open an empty store.
func Conformance(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"allowanceAndWindow", allowanceAndWindow},
		{"zeroAllowsNothing", zeroAllowsNothing},
		{"badLimits", badLimits},
		{"concurrentTakesNeverOverspend", concurrentTakesNeverOverspend},
		{"limitNamesKeepKeysApart", limitNamesKeepKeysApart},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func allowanceAndWindow(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	for i := range 3 {
		if ok, _, err := s.Take(ctx, "k", 3, time.Hour, t0.Add(time.Duration(i)*time.Minute)); !ok || err != nil {
			t.Fatalf("take %d: %v %v", i+1, ok, err)
		}
	}
	ok, retry, err := s.Take(ctx, "k", 3, time.Hour, t0.Add(10*time.Minute))
	if ok || err != nil || !retry.Equal(t0.Add(time.Hour)) {
		t.Errorf("fourth take: ok %v retry %v err %v; want refused until %v", ok, retry, err, t0.Add(time.Hour))
	}
	if n, _ := s.Count(ctx, "k", time.Hour, t0.Add(10*time.Minute)); n != 3 {
		t.Errorf("count %d, want 3 (a refused take records nothing)", n)
	}
	if ok, _, _ := s.Take(ctx, "k", 3, time.Hour, t0.Add(time.Hour+time.Second)); !ok {
		t.Error("the first event left the window, but the take was refused")
	}
	if n, _ := s.Count(ctx, "other", time.Hour, t0); n != 0 {
		t.Errorf("another key counts %d", n)
	}
}

func zeroAllowsNothing(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	if ok, _, err := s.Take(ctx, "k", 0, time.Minute, t0); ok || err != nil {
		t.Errorf("max 0: ok %v, %v", ok, err)
	}
	// Events a larger allowance recorded do not change that: the count
	// never falls below 0, so the retry is a whole window away.
	if ok, _, err := s.Take(ctx, "k", 1, time.Minute, t0); !ok || err != nil {
		t.Fatalf("max 1: ok %v, %v", ok, err)
	}
	ok, retry, err := s.Take(ctx, "k", 0, time.Minute, t0.Add(time.Second))
	if ok || err != nil || !retry.Equal(t0.Add(time.Second+time.Minute)) {
		t.Errorf("max 0 after an event: ok %v retry %v err %v; want refused until %v", ok, retry, err, t0.Add(time.Second+time.Minute))
	}
}

func badLimits(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	for _, tc := range []struct {
		key    string
		max    int
		window time.Duration
	}{{"", 1, time.Minute}, {"k", -1, time.Minute}, {"k", 1, 0}, {"k", 1, 25 * time.Hour}} {
		if _, _, err := s.Take(ctx, tc.key, tc.max, tc.window, t0); !errors.Is(err, limits.ErrBadLimit) {
			t.Errorf("Take(%q, %d, %v) = %v, want ErrBadLimit", tc.key, tc.max, tc.window, err)
		}
	}
}

func concurrentTakesNeverOverspend(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := s.Take(ctx, "shared", 5, time.Hour, t0)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				taken++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if taken != 5 {
		t.Errorf("%d takes succeeded, want exactly 5", taken)
	}
}

func limitNamesKeepKeysApart(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	a := limits.Limit{Store: s, Name: "a", Max: 1, Window: time.Hour, Now: func() time.Time { return t0 }}
	b := limits.Limit{Store: s, Name: "b", Max: 1, Window: time.Hour, Now: func() time.Time { return t0 }}
	if ok, _, _ := a.Take(ctx, "ann"); !ok {
		t.Fatal("a refused")
	}
	if ok, _, _ := b.Take(ctx, "ann"); !ok {
		t.Error("b counted a's event")
	}
	if n, _ := a.Remaining(ctx, "ann"); n != 0 {
		t.Errorf("a has %d left, want 0", n)
	}
}
