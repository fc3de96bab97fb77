package limits_test

import (
	"testing"
	"time"

	"onelogin-helpdesk/limits"
)

func TestDecide(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(minutes ...int) []time.Time {
		var out []time.Time
		for _, m := range minutes {
			out = append(out, t0.Add(time.Duration(m)*time.Minute))
		}
		return out
	}
	now := t0.Add(30 * time.Minute)
	for _, tc := range []struct {
		name      string
		seen      []time.Time
		max       int
		wantOK    bool
		wantRetry time.Time
	}{
		{"nothing seen, allowance left", nil, 3, true, time.Time{}},
		{"one below the max", at(0, 10), 3, true, time.Time{}},
		{"at the max: the oldest must leave", at(0, 10, 20), 3, false, t0.Add(time.Hour)},
		{"over the max: enough must leave to fall below it", at(0, 10, 20, 25), 3, false, t0.Add(time.Hour + 10*time.Minute)},
		{"max 1: the newest must leave", at(0, 10, 20), 1, false, t0.Add(time.Hour + 20*time.Minute)},
		{"max 0, nothing seen: a whole window from now", nil, 0, false, now.Add(time.Hour)},
		{"max 0, events seen: a whole window from now", at(0, 10), 0, false, now.Add(time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, retry := limits.Decide(tc.seen, tc.max, time.Hour, now)
			if ok != tc.wantOK || !retry.Equal(tc.wantRetry) {
				t.Errorf("Decide(%d seen, max %d) = %v, %v; want %v, %v", len(tc.seen), tc.max, ok, retry, tc.wantOK, tc.wantRetry)
			}
		})
	}
}
