package breaker

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

type changes struct {
	mu  sync.Mutex
	got []string
}

func (c *changes) record(from, to State) {
	c.mu.Lock()
	c.got = append(c.got, from.String()+"->"+to.String())
	c.mu.Unlock()
}

// newTestBreaker opens for 10 s after failures failures. Tests whose time
// passes run in a testing/synctest bubble, where time.Sleep moves the
// breaker's clock at once.
func newTestBreaker(failures int) (*Breaker, *changes) {
	ch := &changes{}
	b := New(Options{Upstream: "OneLogin", Failures: failures, OpenFor: 10 * time.Second, OnStateChange: ch.record})
	return b, ch
}

// call makes one call with the given outcome; it reports whether the
// breaker let it through.
func call(t *testing.T, b *Breaker, o Outcome) bool {
	t.Helper()
	done, err := b.Allow()
	if err != nil {
		var oe *OpenError
		if !errors.As(err, &oe) {
			t.Fatalf("Allow: %v, want *OpenError", err)
		}
		return false
	}
	done(o)
	return true
}

func TestBreaker_sequences(t *testing.T) {
	S, F, I := Success, Failure, Ignore
	cases := []struct {
		name     string
		outcomes []Outcome
		want     State
		allowed  int // how many of the outcomes' calls were let through
	}{
		{"four failures stay closed", []Outcome{F, F, F, F}, Closed, 4},
		{"five failures open", []Outcome{F, F, F, F, F}, Open, 5},
		{"open refuses the next call", []Outcome{F, F, F, F, F, S}, Open, 5},
		{"a success resets the run", []Outcome{F, F, F, F, S, F, F, F, F}, Closed, 9},
		{"cancelled calls neither count nor reset", []Outcome{F, F, I, F, I, F, F}, Open, 7},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := newTestBreaker(5)
			allowed := 0
			for _, o := range tc.outcomes {
				if call(t, b, o) {
					allowed++
				}
			}
			if got := b.State(); got != tc.want {
				t.Errorf("state %s, want %s", got, tc.want)
			}
			if allowed != tc.allowed {
				t.Errorf("%d calls let through, want %d", allowed, tc.allowed)
			}
		})
	}
}

func TestBreaker_openThenHalfOpenTrial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, ch := newTestBreaker(2)
		call(t, b, Failure)
		call(t, b, Failure)

		_, err := b.Allow()
		var oe *OpenError
		if !errors.As(err, &oe) {
			t.Fatalf("open breaker allowed a call: %v", err)
		}
		if want := "OneLogin has failed repeatedly; the console stopped asking for 10s"; oe.Error() != want {
			t.Errorf("message %q, want %q", oe.Error(), want)
		}
		if want := time.Now().Add(10 * time.Second); !oe.Until.Equal(want) {
			t.Errorf("Until %v, want %v", oe.Until, want)
		}

		time.Sleep(9 * time.Second)
		if call(t, b, Success) {
			t.Fatal("a call got through before the open period ended")
		}
		time.Sleep(time.Second)
		if got := b.State(); got != HalfOpen {
			t.Fatalf("after the open period: %s, want half-open", got)
		}

		// One trial at a time: while it runs, other calls are refused.
		trialDone, err := b.Allow()
		if err != nil {
			t.Fatalf("trial refused: %v", err)
		}
		if call(t, b, Success) {
			t.Error("a second call got through during the trial")
		}
		trialDone(Failure)
		if got := b.State(); got != Open {
			t.Fatalf("after a failed trial: %s, want open", got)
		}

		time.Sleep(10 * time.Second)
		if !call(t, b, Success) {
			t.Fatal("second trial refused")
		}
		if got := b.State(); got != Closed {
			t.Fatalf("after a good trial: %s, want closed", got)
		}
		want := []string{"closed->open", "open->half-open", "half-open->open", "open->half-open", "half-open->closed"}
		if !slices.Equal(ch.got, want) {
			t.Errorf("changes %v, want %v", ch.got, want)
		}
	})
}

func TestBreaker_ignoredTrialFreesTheSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _ := newTestBreaker(1)
		call(t, b, Failure)
		time.Sleep(10 * time.Second)
		if !call(t, b, Ignore) {
			t.Fatal("trial refused")
		}
		if got := b.State(); got != HalfOpen {
			t.Fatalf("after an ignored trial: %s, want half-open", got)
		}
		if !call(t, b, Success) {
			t.Fatal("the next call was not allowed to be the trial")
		}
		if got := b.State(); got != Closed {
			t.Errorf("state %s, want closed", got)
		}
	})
}

func TestBreaker_staleOutcomesAreDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _ := newTestBreaker(1)
		slow, _ := b.Allow() // started while closed, ends much later
		call(t, b, Failure)  // opens
		time.Sleep(10 * time.Second)
		trial, err := b.Allow()
		if err != nil {
			t.Fatal(err)
		}
		slow(Success) // says nothing about now: must not close the breaker or end the trial
		if got := b.State(); got != HalfOpen {
			t.Fatalf("stale success changed the state to %s", got)
		}
		trial(Success)
		if got := b.State(); got != Closed {
			t.Errorf("state %s, want closed", got)
		}
	})
}

func TestBreaker_doneTwiceCountsOnce(t *testing.T) {
	b, _ := newTestBreaker(2)
	done, _ := b.Allow()
	done(Failure)
	done(Failure)
	if got := b.State(); got != Closed {
		t.Errorf("one call reported twice opened the breaker")
	}
}

func TestBreaker_disabled(t *testing.T) {
	b := New(Options{Failures: -1})
	for range 100 {
		if !call(t, b, Failure) {
			t.Fatal("a disabled breaker refused a call")
		}
	}
}

func TestBreaker_concurrent(t *testing.T) {
	rejected := 0
	var mu sync.Mutex
	b := New(Options{Failures: 5, OpenFor: time.Hour, OnReject: func() { mu.Lock(); rejected++; mu.Unlock() }})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 20 {
				if done, err := b.Allow(); err == nil {
					done(Failure)
				}
			}
		})
	}
	wg.Wait()
	if b.State() != Open {
		t.Fatalf("state %s after 1000 failures", b.State())
	}
	// At most 5 failures in a row before it opened, plus the calls already
	// let through at that moment (one per goroutine).
	if rejected < 1000-5-50 {
		t.Errorf("only %d of 1000 calls refused", rejected)
	}
}

// TestBreaker_callsWaitForTheTrial: the calls of one page that arrive while
// a half-open trial is deciding wait for it: they go through when it
// succeeds and are refused when it fails, or when their caller gives up.
func TestBreaker_callsWaitForTheTrial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, tc := range []struct {
			trial    Outcome
			wantPass bool
		}{{Success, true}, {Failure, false}, {Ignore, true}} {
			b, _ := newTestBreaker(1)
			call(t, b, Failure) // opens
			time.Sleep(11 * time.Second)
			trialDone, err := b.Allow()
			if err != nil {
				t.Fatalf("trial refused: %v", err)
			}
			got := make(chan error, 1)
			go func() {
				done, err := b.AllowWait(context.Background())
				if err == nil {
					done(Success)
				}
				got <- err
			}()
			synctest.Wait() // until the second call waits, or has its answer
			select {
			case err := <-got:
				t.Fatalf("trial %v: the second call did not wait (err %v)", tc.trial, err)
			default:
			}
			trialDone(tc.trial)
			err = <-got
			if (err == nil) != tc.wantPass {
				t.Errorf("trial %v: waiting call err = %v, want pass %t", tc.trial, err, tc.wantPass)
			}
		}

		b, _ := newTestBreaker(1)
		call(t, b, Failure)
		time.Sleep(11 * time.Second)
		if _, err := b.Allow(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var open *OpenError
		if _, err := b.AllowWait(ctx); !errors.As(err, &open) {
			t.Errorf("a caller that gave up: err = %v, want *OpenError", err)
		}
	})
}
