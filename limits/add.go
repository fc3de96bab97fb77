package limits

import (
	"context"
	"time"
)

// Adder is a Store that also records several events at once, so that a
// count kept in memory reaches the store in one step however many events it
// holds.
type Adder interface {
	Store
	// Add records n events (n >= 0; 0 only reads) for key at now and
	// returns how many key has in the window ending at now, those included.
	// Unlike Take it refuses nothing, the caller having decided already;
	// when the count is max or more, retryAt is when it falls below max as
	// events leave the window.
	Add(ctx context.Context, key string, n, max int, window time.Duration, now time.Time) (count int, retryAt time.Time, err error)
}

// CheckAdd validates an Add call's arguments; stores call it first.
func CheckAdd(key string, n, max int, window time.Duration) error {
	if n < 0 {
		return ErrBadLimit
	}
	return Check(key, max, window)
}

// RetryAt is Add's retryAt for count events in the window ending at now:
// zero below max, else when the event nth(count-max) (0 the oldest) leaves
// the window. With max 0 the count never falls below it; the window's end
// is given, as Take does.
func RetryAt(count, max int, window time.Duration, now time.Time, nth func(i int) (time.Time, error)) (time.Time, error) {
	if count < max {
		return time.Time{}, nil
	}
	if max == 0 {
		return now.Add(window), nil
	}
	at, err := nth(count - max)
	if err != nil {
		return time.Time{}, err
	}
	return at.Add(window).UTC(), nil
}
