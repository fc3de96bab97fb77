package limits

import "time"

// Decide is Take's decision, the same in every store: seen are the times of
// key's events in the window ending at now, oldest first. Below max the
// take goes ahead (the store records now); otherwise it is refused until
// enough of seen leave the window, as RetryAt says. Stores read seen and
// write the event inside one atomic step; they never decide themselves.
func Decide(seen []time.Time, max int, window time.Duration, now time.Time) (ok bool, retryAt time.Time) {
	if len(seen) < max {
		return true, time.Time{}
	}
	retryAt, _ = RetryAt(len(seen), max, window, now, func(i int) (time.Time, error) { return seen[i], nil })
	return false, retryAt
}
