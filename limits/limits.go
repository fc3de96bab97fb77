// Package limits holds people, addresses and pages to allowances: so many
// events per key in a sliding window, counted in a Store so that a count
// survives a restart and, on a shared database, holds across replicas.
//
//	unlocks := limits.Limit{Store: st, Name: "self-unlock", Max: 3, Window: time.Hour}
//	ok, retryAt, err := unlocks.Take(ctx, email)
//	if err != nil { ... } // fail closed: the count is unknown
//	if !ok { ... }        // "try again after retryAt"
package limits

import (
	"context"
	"errors"
	"time"
)

// MaxWindow is the longest window a Store must support; events older than
// that may be forgotten.
const MaxWindow = 24 * time.Hour

// Store counts events per key. Implementations are safe for concurrent use
// and Take is atomic: two callers never both take the last unit.
type Store interface {
	// Take records one event for key at now if fewer than max were recorded
	// in the window ending at now. When the allowance is used up it records
	// nothing and returns false with the time the oldest counted event
	// leaves the window.
	Take(ctx context.Context, key string, max int, window time.Duration, now time.Time) (ok bool, retryAt time.Time, err error)
	// Count is how many events key has in the window ending at now.
	Count(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)
}

// ErrBadLimit is a limit that cannot be counted: an empty key, a window
// outside (0, MaxWindow], a negative maximum.
var ErrBadLimit = errors.New("limits: bad limit")

// Check validates a Take or Count call's arguments; stores call it first.
func Check(key string, max int, window time.Duration) error {
	if key == "" || max < 0 || window <= 0 || window > MaxWindow {
		return ErrBadLimit
	}
	return nil
}

// Limit is one allowance: at most Max events per key in any Window. The
// key is prefixed with Name, so limits share a store without mixing.
type Limit struct {
	Store  Store
	Name   string
	Max    int
	Window time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (l Limit) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Take uses one unit of key's allowance, if there is one left.
func (l Limit) Take(ctx context.Context, key string) (ok bool, retryAt time.Time, err error) {
	return l.Store.Take(ctx, l.Name+":"+key, l.Max, l.Window, l.now())
}

// Remaining is how many units key has left now.
func (l Limit) Remaining(ctx context.Context, key string) (int, error) {
	n, err := l.Store.Count(ctx, l.Name+":"+key, l.Window, l.now())
	if err != nil {
		return 0, err
	}
	return max(l.Max-n, 0), nil
}
