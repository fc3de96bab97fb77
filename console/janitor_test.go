package console

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/sqlitestore"
)

// TestJanitor_retention: each sweep deletes the records older than the
// retention as of that sweep, and nothing newer; without a retention it
// deletes nothing.
func TestJanitor_retention(t *testing.T) {
	day := 24 * time.Hour
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		retention time.Duration
		want      []int // records (by age in days) left after each of two sweeps, 10 days apart
	}{
		{"keep everything", 0, []int{30, 30}},
		{"90 days", 90 * day, []int{10, 0}},
		{"400 days", 400 * day, []int{30, 30}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "a.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			// One record a day, from 110 days ago to 81 days ago.
			for i := range 30 {
				r := audit.Record{Time: t0.Add(-time.Duration(110-i) * day), ActorEmail: "a@example.com", Action: access.Lock, TargetID: 1}
				if _, err := st.Begin(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			var now atomic.Int64 // the janitor reads the clock while the test moves it
			now.Store(t0.UnixNano())
			j := &janitor{st: st, retention: tc.retention, now: func() time.Time { return time.Unix(0, now.Load()).UTC() }, log: slog.New(slog.DiscardHandler)}
			tick := make(chan time.Time)
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			j.sweep(ctx) // as startJanitor does, before the console serves
			go func() { j.run(runCtx, tick); close(done) }()
			count := func() int {
				p, err := st.List(ctx, audit.Filter{Limit: audit.MaxPageSize})
				if err != nil {
					t.Fatal(err)
				}
				return len(p.Records)
			}
			if got := count(); got != tc.want[0] {
				t.Errorf("after the first sweep: %d records, want %d", got, tc.want[0])
			}
			now.Store(t0.Add(10 * day).UnixNano())
			// A tick is taken only when no sweep runs: the second send
			// waits for the sweep the first began, after the clock moved.
			tick <- t0
			tick <- t0
			if got := count(); got != tc.want[1] {
				t.Errorf("after a sweep 10 days later: %d records, want %d", got, tc.want[1])
			}
			cancel()
			<-done
		})
	}
}
