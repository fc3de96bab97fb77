// Package breaker is a circuit breaker for calls to an upstream service
// (OneLogin): after a run of consecutive failures it refuses calls for a
// while instead of letting requests pile up behind a service that is down,
// then lets one trial call through to see whether it is back.
//
// It sits in the HTTP transport of the OneLogin client, so it sees every
// exchange (token requests included) and judges each by what came back:
// no answer or a 5xx is a failure; any other status, 4xx included, means
// OneLogin is up. A call its caller cancelled counts for nothing.
//
//	b := breaker.New(breaker.Options{Upstream: "OneLogin", Failures: 5, OpenFor: 10 * time.Second})
//	hc := &http.Client{Transport: b.Transport(http.DefaultTransport)}
//	c, _ := client.New(url, id, secret, client.WithHTTPClient(hc))
//
// While the breaker is open, calls fail at once with an *OpenError, which
// the client reports as a transport failure (client.ErrUnavailable).
package breaker

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// State is where the breaker stands.
type State int

// The breaker's states: Closed lets calls through, Open refuses them, and
// HalfOpen lets one trial call through after the open period.
const (
	Closed State = iota
	HalfOpen
	Open
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half-open"
	case Open:
		return "open"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Outcome is how a call that the breaker let through ended.
type Outcome int

// Success resets the run of failures; Failure extends it; Ignore (the caller
// gave up) says nothing about the upstream.
const (
	Success Outcome = iota
	Failure
	Ignore
)

// Defaults for Options left zero.
const (
	DefaultFailures = 5
	DefaultOpenFor  = 10 * time.Second
)

// Options configures a Breaker.
type Options struct {
	// Upstream names the service in OpenError's message (default "the upstream service").
	Upstream string
	// Failures is how many consecutive failures open the breaker
	// (default DefaultFailures). Negative turns the breaker off: it never opens.
	Failures int
	// OpenFor is how long the breaker refuses calls before a trial call
	// (default DefaultOpenFor).
	OpenFor time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OnStateChange is told about every change of state, for metrics and
	// logs. It is called without the breaker's lock held.
	OnStateChange func(from, to State)
	// OnReject is told about every call refused, for metrics.
	OnReject func()
}

// Breaker counts consecutive failures and refuses calls while open. It is
// safe for concurrent use.
type Breaker struct {
	upstream string
	limit    int
	openFor  time.Duration
	now      func() time.Time
	onChange func(from, to State)
	onReject func()

	mu       sync.Mutex
	state    State
	failures int           // consecutive, while closed
	until    time.Time     // end of the open period
	trial    bool          // a half-open trial call is under way
	settled  chan struct{} // closed when the current trial has an outcome
	gen      uint64        // bumped on every state change; stale outcomes are dropped
}

// New returns a closed breaker.
func New(o Options) *Breaker {
	b := &Breaker{
		upstream: o.Upstream,
		limit:    o.Failures,
		openFor:  o.OpenFor,
		now:      o.Now,
		onChange: o.OnStateChange,
		onReject: o.OnReject,
	}
	if b.upstream == "" {
		b.upstream = "the upstream service"
	}
	if b.limit == 0 {
		b.limit = DefaultFailures
	}
	if b.openFor <= 0 {
		b.openFor = DefaultOpenFor
	}
	if b.now == nil {
		b.now = time.Now
	}
	return b
}

// OpenError is the answer to a call refused while the breaker is open. Its
// message is fit to show to staff.
type OpenError struct {
	Upstream string
	OpenFor  time.Duration
	// Until is when the breaker will let a trial call through.
	Until time.Time
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("%s has failed repeatedly; the console stopped asking for %s", e.Upstream, e.OpenFor)
}

// State is the breaker's current state. An open breaker whose period has
// run out reports HalfOpen: the next call will be its trial.
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == Open && !b.now().Before(b.until) {
		return HalfOpen
	}
	return b.state
}

// Allow asks to make a call. It returns an *OpenError while the breaker is
// open (or while a half-open trial is under way); otherwise the caller makes
// the call and must report how it ended through done, exactly once.
func (b *Breaker) Allow() (done func(Outcome), err error) {
	done, _, err = b.try()
	return done, err
}

// AllowWait is Allow for a caller that can wait: while a half-open trial is
// under way it waits for the trial's outcome (or ctx) instead of failing, so
// the calls of one page that arrive together with the trial are not refused
// the moment the upstream is back.
func (b *Breaker) AllowWait(ctx context.Context) (done func(Outcome), err error) {
	for {
		done, settled, err := b.try()
		if settled == nil {
			return done, err
		}
		select {
		case <-settled:
		case <-ctx.Done():
			if b.onReject != nil {
				b.onReject()
			}
			return nil, err
		}
	}
}

// try is one attempt to get a call through. When a trial is deciding, it
// also returns the channel that closes when the trial has its outcome.
func (b *Breaker) try() (done func(Outcome), settled <-chan struct{}, err error) {
	if b.limit < 0 {
		return func(Outcome) {}, nil, nil
	}
	b.mu.Lock()
	var change []State
	if b.state == Open && !b.now().Before(b.until) {
		change = b.setLocked(HalfOpen)
	}
	switch {
	case b.state == Open, b.state == HalfOpen && b.trial:
		until := b.until
		if b.state == HalfOpen {
			until = b.now() // a trial is deciding right now
			settled = b.settled
		}
		b.mu.Unlock()
		b.notify(change)
		if b.onReject != nil && settled == nil {
			b.onReject()
		}
		return nil, settled, &OpenError{Upstream: b.upstream, OpenFor: b.openFor, Until: until}
	case b.state == HalfOpen:
		b.trial = true
		b.settled = make(chan struct{})
	}
	gen, trial := b.gen, b.state == HalfOpen
	b.mu.Unlock()
	b.notify(change)

	var once sync.Once
	return func(o Outcome) { once.Do(func() { b.report(gen, trial, o) }) }, nil, nil
}

func (b *Breaker) report(gen uint64, trial bool, o Outcome) {
	b.mu.Lock()
	var change []State
	if gen == b.gen { // an outcome from before the last change says nothing now
		switch {
		case trial && o == Ignore:
			b.trial = false // let another call be the trial
			b.settle()
		case trial && o == Success:
			b.failures = 0
			change = b.setLocked(Closed)
		case trial && o == Failure:
			change = b.openLocked()
		case o == Success:
			b.failures = 0
		case o == Failure:
			b.failures++
			if b.failures >= b.limit {
				change = b.openLocked()
			}
		}
	}
	b.mu.Unlock()
	b.notify(change)
}

func (b *Breaker) openLocked() []State {
	b.until = b.now().Add(b.openFor)
	b.failures = 0
	return b.setLocked(Open)
}

// setLocked moves to s and returns the change to notify about once the lock
// is released (nil when s is the current state).
func (b *Breaker) setLocked(s State) []State {
	from := b.state
	b.state = s
	b.trial = false
	b.settle()
	b.gen++
	if from == s {
		return nil
	}
	return []State{from, s}
}

// settle wakes the callers waiting on a trial; they try again.
func (b *Breaker) settle() {
	if b.settled != nil {
		close(b.settled)
		b.settled = nil
	}
}

func (b *Breaker) notify(change []State) {
	if change != nil && b.onChange != nil {
		b.onChange(change[0], change[1])
	}
}
