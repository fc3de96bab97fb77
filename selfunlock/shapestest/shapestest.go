// Package shapestest is the conformance suite every selfunlock.ShapeStore
// passes (selfunlock.MemoryShapes, sqlitestore, pgstore). It holds tests
// only; it never runs in the console.
package shapestest

import (
	"context"
	"maps"
	"strings"
	"sync"
	"testing"

	"onelogin-helpdesk/selfunlock"
)

// Conformance runs the suite against stores open makes, each fresh.
func Conformance(t *testing.T, open func(t *testing.T) selfunlock.ShapeStore) {
	ctx := context.Background()
	count := func(t *testing.T, s selfunlock.ShapeStore, shape string, times, maxShapes, maxTotal int) {
		t.Helper()
		for range times {
			if err := s.CountFactorShape(ctx, shape, maxShapes, maxTotal); err != nil {
				t.Fatalf("CountFactorShape(%q): %v", shape, err)
			}
		}
	}
	want := func(t *testing.T, s selfunlock.ShapeStore, want map[string]int) {
		t.Helper()
		got, err := s.FactorShapes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("FactorShapes = %v, want %v", got, want)
		}
	}

	t.Run("counts each shape", func(t *testing.T) {
		s := open(t)
		want(t, s, map[string]int{})
		count(t, s, "protect", 3, 64, 1000)
		count(t, s, "protect+sms", 1, 64, 1000)
		want(t, s, map[string]int{"protect": 3, "protect+sms": 1})
	})

	t.Run("a new shape past maxShapes is dropped; kept ones still count", func(t *testing.T) {
		s := open(t)
		for _, shape := range []string{"protect", "sms", "email", "yubikey"} {
			count(t, s, shape, 1, 3, 1000)
		}
		count(t, s, "protect", 1, 3, 1000)
		want(t, s, map[string]int{"protect": 2, "sms": 1, "email": 1})
	})

	t.Run("past maxTotal every count halves and noughts go", func(t *testing.T) {
		s := open(t)
		count(t, s, "protect", 8, 64, 10)
		count(t, s, "sms", 1, 64, 10)
		count(t, s, "email", 1, 64, 10)
		want(t, s, map[string]int{"protect": 8, "sms": 1, "email": 1}) // 10: not past
		count(t, s, "sms", 1, 64, 10)                                  // 11: halved
		want(t, s, map[string]int{"protect": 4, "sms": 1})
	})

	t.Run("bad arguments are refused and change nothing", func(t *testing.T) {
		s := open(t)
		for _, c := range []struct {
			shape               string
			maxShapes, maxTotal int
		}{
			{"", 64, 1000},
			{strings.Repeat("authenticator+", 10), 64, 1000},
			{"protect", 0, 1000},
			{"protect", 64, 0},
		} {
			if err := s.CountFactorShape(ctx, c.shape, c.maxShapes, c.maxTotal); err == nil {
				t.Errorf("CountFactorShape(%.20q, %d, %d) = nil, want an error", c.shape, c.maxShapes, c.maxTotal)
			}
		}
		want(t, s, map[string]int{})
	})

	t.Run("replicas counting at once lose nothing", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 25 {
					if err := s.CountFactorShape(ctx, "authenticator", 64, 1000); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		want(t, s, map[string]int{"authenticator": 100})
	})
}
