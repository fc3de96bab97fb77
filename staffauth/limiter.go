package staffauth

import (
	"slices"
	"sync"
	"time"
)

// Limiter allows each person a number of actions per sliding window, e.g.
// three self-service unlocks an hour:
//
//	lim := staffauth.NewLimiter(3, time.Hour, nil)
//	if ok, wait := lim.Allow(me.Email); !ok {
//		return fmt.Errorf("try again in %s", wait.Round(time.Minute))
//	}
//
// It is safe for concurrent use and forgets people whose attempts have all
// left the window.
type Limiter struct {
	n      int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	hits  map[string][]time.Time // oldest first, all inside the window
	calls int
}

// NewLimiter allows n actions per window per key. now may be nil
// (time.Now). With n <= 0 nothing is ever allowed.
func NewLimiter(n int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{n: n, window: window, now: now, hits: map[string][]time.Time{}}
}

// Allow records an attempt by key (an email; compared case-insensitively)
// if it is within the limit. When it is not, it returns false and how long
// until the next attempt will be allowed (0 when never, n <= 0).
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l.n <= 0 {
		return false, 0
	}
	key = limiterKey(key)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%1024 == 0 {
		l.sweep(now)
	}
	hits := l.recent(key, now)
	if len(hits) >= l.n {
		l.hits[key] = hits
		return false, hits[0].Add(l.window).Sub(now)
	}
	l.hits[key] = append(hits, now)
	return true, 0
}

// limiterKey is how a key is compared: an email, whatever the case of its
// A-Z. Never Unicode lower-casing, which turns the Kelvin sign into k: a
// twin address would share, and could spend, its owner's allowance.
func limiterKey(key string) string { return asciiLower(trimASCIISpace(key)) }

// Note counts an attempt key made at a past time, such as one read back
// from an audit trail after a restart, without asking whether it was
// allowed. Attempts that have already left the window are ignored.
func (l *Limiter) Note(key string, at time.Time) {
	key = limiterKey(key)
	now := l.now()
	if !now.Before(at.Add(l.window)) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	hits := l.recent(key, now)
	i := len(hits)
	for i > 0 && hits[i-1].After(at) { // keep them oldest first
		i--
	}
	l.hits[key] = slices.Insert(hits, i, at)
}

// Remaining reports how many attempts key has left in the current window,
// without using one.
func (l *Limiter) Remaining(key string) int {
	if l.n <= 0 {
		return 0
	}
	key = limiterKey(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n - len(l.recent(key, l.now()))
}

// recent drops key's attempts that have left the window; the caller holds mu.
func (l *Limiter) recent(key string, now time.Time) []time.Time {
	hits := l.hits[key]
	i := 0
	for i < len(hits) && !now.Before(hits[i].Add(l.window)) {
		i++
	}
	return hits[i:]
}

func (l *Limiter) sweep(now time.Time) {
	for k := range l.hits {
		if len(l.recent(k, now)) == 0 {
			delete(l.hits, k)
		}
	}
}
