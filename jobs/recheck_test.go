package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/sqlitestore/sqlitetest"
)

// demotable is a worker whose job's starter loses their role at a given
// time, and whose role cannot be read for a while before that.
type demotable struct {
	*worker
	mu         sync.Mutex
	unreadable time.Time // from then until demoted, the role cannot be read
	demoted    time.Time
	checks     []time.Time
}

func (d *demotable) StillAllowed(_ context.Context, _ jobs.Job) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	d.checks = append(d.checks, now)
	switch {
	case !now.Before(d.demoted):
		return "ada@example.com is no longer an admin", nil
	case !now.Before(d.unreadable):
		return "", errors.New("OneLogin unavailable")
	}
	return "", nil
}

// TestRunner_stopsWhenTheStartersRoleLapses: a job keeps its starter's
// role only while they hold it. The runner asks again at the first person
// and then every RoleEvery; while the role cannot be read the job waits
// rather than go on, and once it has lapsed the job stops, naming why,
// and the rest are not done.
func TestRunner_stopsWhenTheStartersRoleLapses(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q := &quota{limit: 10, lowest: 10} // 7 people an hour
		s := sqlitetest.Open(t)
		start := time.Now()
		w := &demotable{worker: newWorker(q), unreadable: start.Add(50 * time.Minute), demoted: start.Add(70 * time.Minute)}
		r := jobs.NewRunner(s, jobs.Options{Owner: "a", Quota: q.read, RefreshQuota: q.refresh, ReservePercent: 20,
			Lease: leaseForTests, Poll: pollForTests, RoleEvery: 15 * time.Minute})
		r.Start(w)
		defer r.Close()
		if err := r.Create(context.Background(), newJob("000000000000bb01"), people(25)); err != nil {
			t.Fatal(err)
		}
		j := waitFor(t, s, "000000000000bb01")
		if j.State != jobs.StateStopped || j.StoppedBy != "ada@example.com is no longer an admin" {
			t.Fatalf("job ended %s, stopped by %q; want stopped, naming the lapsed role", j.State, j.StoppedBy)
		}
		if j.Counts.Done != 7 || j.Counts.NotDone != 18 {
			t.Errorf("counts %+v, want the first hour's 7 done and the rest not done", j.Counts)
		}
		if len(w.checks) == 0 || w.checks[0] != start {
			t.Fatalf("checks at %v, want one at the first person", w.checks)
		}
		for _, at := range w.at {
			if !at.Before(w.unreadable) {
				t.Errorf("a person was done at %v, while the role could not be read or after it lapsed", at.Sub(start))
			}
		}
		if end := j.Ended.Sub(start); end < 70*time.Minute || end > 75*time.Minute {
			t.Errorf("stopped after %v, want soon after the demotion at 70m", end)
		}
	})
}
