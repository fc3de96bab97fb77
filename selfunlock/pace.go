package selfunlock

import (
	"context"
	"sync"
	"time"
)

// maxFloor caps how long an answer is held back: a OneLogin that has
// become slow makes the page slow for everyone, not without end.
const maxFloor = 5 * time.Second

// pacer holds a step's answers back to a floor measured from its slow path
// (the one that asks OneLogin about a real account), so that how long an
// answer takes says nothing about the account. The floor follows the slow
// path: it jumps up to a slower answer and eases down by a sixteenth of
// the gap for a faster one.
type pacer struct {
	mu    sync.Mutex
	floor time.Duration
}

// observe takes the time the slow path took.
func (p *pacer) observe(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d = min(d, maxFloor)
	if d > p.floor {
		p.floor = d
		return
	}
	p.floor -= (p.floor - d) / 16
}

func (p *pacer) current() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.floor
}

// Clock is the time the page's answers are paced on: Now and a Sleep that
// ends early when ctx does.
type Clock struct {
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration)
}

// realClock is the wall clock (under testing/synctest, the bubble's).
var realClock = Clock{Now: time.Now, Sleep: func(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}}

// pace ends a step begun at begun: it records a slow path's time and holds
// any answer back to the floor.
func (s *Service) pace(ctx context.Context, p *pacer, begun time.Time, slow bool) {
	took := s.clock.Now().Sub(begun)
	if slow {
		p.observe(took)
	}
	if wait := p.current() - took; wait > 0 {
		s.clock.Sleep(ctx, wait)
	}
}
