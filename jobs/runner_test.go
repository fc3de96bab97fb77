package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/sqlitestore/sqlitetest"
)

// quota is a OneLogin quota in virtual time: limit calls per hour, the
// window renewing an hour after its first call.
type quota struct {
	mu        sync.Mutex
	limit     int
	used      int
	windowEnd time.Time
	lowest    int // the least Remaining ever reported
	refreshes int
}

func (q *quota) roll(now time.Time) {
	if q.windowEnd.IsZero() || !now.Before(q.windowEnd) {
		q.windowEnd, q.used = now.Add(time.Hour), 0
	}
}

// spend is one call; false when the quota is spent (OneLogin's 429).
func (q *quota) spend() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll(time.Now())
	if q.used >= q.limit {
		return false
	}
	q.used++
	q.lowest = min(q.lowest, q.limit-q.used)
	return true
}

func (q *quota) read() jobs.Quota {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	if q.windowEnd.IsZero() {
		return jobs.Quota{}
	}
	return jobs.Quota{Limit: q.limit, Remaining: q.limit - q.used, Reset: q.windowEnd.Sub(now), Observed: now}
}

func (q *quota) refresh(context.Context) (jobs.Quota, error) {
	q.mu.Lock()
	q.refreshes++
	q.roll(time.Now())
	q.mu.Unlock()
	return q.read(), nil
}

// worker spends one call of the quota per person and counts what it did.
type worker struct {
	q         *quota
	mu        sync.Mutex
	did       map[int64]int // person -> changes asked
	recovered []int64
	at        []time.Time
	retryOnce map[int64]bool
	block     chan struct{} // when set, Do waits on it
}

func newWorker(q *quota) *worker {
	return &worker{q: q, did: map[int64]int{}, retryOnce: map[int64]bool{}}
}

func (w *worker) Do(_ context.Context, _ jobs.Job, it jobs.Item) jobs.Result {
	if w.block != nil {
		<-w.block
	}
	if !w.q.spend() {
		return jobs.Result{Retry: true, RetryAfter: time.Minute}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.retryOnce[it.TargetID] {
		delete(w.retryOnce, it.TargetID)
		return jobs.Result{Retry: true, RetryAfter: 5 * time.Second}
	}
	w.did[it.TargetID]++
	w.at = append(w.at, time.Now())
	return jobs.Result{State: jobs.ItemDone}
}

func (w *worker) Recover(_ context.Context, _ jobs.Job, it jobs.Item) jobs.Result {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.recovered = append(w.recovered, it.TargetID)
	return jobs.Result{State: jobs.ItemDone, Message: "confirmed after the restart"}
}

func (w *worker) changes() map[int64]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[int64]int{}
	for k, v := range w.did {
		out[k] = v
	}
	return out
}

func people(n int) []jobs.Item {
	out := make([]jobs.Item, n)
	for i := range out {
		out[i] = jobs.Item{TargetID: int64(i + 1), Email: fmt.Sprintf("p%d@example.com", i+1)}
	}
	return out
}

func newJob(id string) jobs.Job {
	return jobs.Job{ID: id, Kind: jobs.KindUnlock, Created: time.Now(), Actor: jobs.Actor{Email: "ada@example.com", Role: "admin"}}
}

// The lease and the idle poll are longer than the console's defaults, so
// that hours of virtual time are a few looks at the store rather than
// thousands: each is a transaction on a real store.
const (
	leaseForTests = 20 * time.Minute
	pollForTests  = time.Minute
)

func runner(s jobs.Store, q *quota, owner string, resume bool) *jobs.Runner {
	return jobs.NewRunner(s, jobs.Options{Owner: owner, Quota: q.read, RefreshQuota: q.refresh,
		ReservePercent: 20, Resume: resume, Lease: leaseForTests, Poll: pollForTests})
}

// waitFor waits in virtual time until the job is finished, looking every
// second at first and less often as the wait grows (each look is a read of
// a real store).
func waitFor(t *testing.T, s jobs.Store, id string) jobs.Job {
	t.Helper()
	step := time.Second
	for deadline := time.Now().Add(1000 * time.Hour); time.Now().Before(deadline); step = min(2*step, time.Minute) {
		j, err := s.Job(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State.Finished() {
			return j
		}
		time.Sleep(step)
	}
	t.Fatal("the job never finished")
	return jobs.Job{}
}

// TestRunner_pacesToQuota: 25 people against a quota of 10 calls an hour
// with 20% kept for others: a person may take 2 calls, so the job starts
// one only while 2 + the reserve of 2 are left, which is 7 people an hour;
// it waits for the window to renew, never spends the reserve, and never
// meets a refusal.
func TestRunner_pacesToQuota(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q := &quota{limit: 10, lowest: 10}
		s := sqlitetest.Open(t)
		w := newWorker(q)
		r := runner(s, q, "a", true)
		r.Start(w)
		defer r.Close()
		start := time.Now()
		if err := r.Create(context.Background(), newJob("000000000000aa01"), people(25)); err != nil {
			t.Fatal(err)
		}
		j := waitFor(t, s, "000000000000aa01")
		if j.State != jobs.StateDone || j.Counts.Done != 25 {
			t.Fatalf("job ended %s with %+v, want all 25 done", j.State, j.Counts)
		}
		for id, n := range w.changes() {
			if n != 1 {
				t.Errorf("person %d changed %d times", id, n)
			}
		}
		if q.lowest < 2 {
			t.Errorf("the quota went down to %d, into the reserve of 2", q.lowest)
		}
		// 7 an hour: people 1-7 at once, 8-14 after an hour, 15-21 after
		// two, 22-25 after three.
		hours := func(i int) int { return int(w.at[i].Sub(start) / time.Hour) }
		for i, want := range map[int]int{0: 0, 6: 0, 7: 1, 13: 1, 14: 2, 20: 2, 21: 3, 24: 3} {
			if got := hours(i); got != want {
				t.Errorf("person %d was done in hour %d, want %d", i+1, got, want)
			}
		}
		if j.Wait != "" {
			t.Errorf("a finished job still says it waits (%s)", j.Wait)
		}
	})
}

// TestRunner_waitShowsInJob: while the quota is spent, the job says it
// waits for the quota and until when.
func TestRunner_waitShowsInJob(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q := &quota{limit: 5, lowest: 5}
		s := sqlitetest.Open(t)
		r := runner(s, q, "a", true)
		r.Start(newWorker(q))
		defer r.Close()
		start := time.Now()
		if err := r.Create(context.Background(), newJob("000000000000aa02"), people(6)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		j, _ := s.Job(context.Background(), "000000000000aa02")
		if j.Wait != jobs.WaitQuota || j.WaitUntil.Before(start.Add(time.Hour)) || j.Counts.Done != 3 {
			t.Errorf("after a minute: wait %q until %v, %d done; want waiting for the quota until the hour is up, 3 done", j.Wait, j.WaitUntil, j.Counts.Done)
		}
		if j := waitFor(t, s, j.ID); j.Counts.Done != 6 {
			t.Errorf("done %d, want 6", j.Counts.Done)
		}
	})
}

// TestRunner_stop: a stop request while the job waits ends it at once;
// the people not reached are not done and nobody is changed afterwards.
func TestRunner_stop(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q := &quota{limit: 10, lowest: 10}
		s := sqlitetest.Open(t)
		w := newWorker(q)
		r := runner(s, q, "a", true)
		r.Start(w)
		defer r.Close()
		ctx := context.Background()
		if err := r.Create(ctx, newJob("000000000000aa03"), people(20)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Minute) // 7 done, waiting for the window
		if err := r.Stop(ctx, "000000000000aa03", "hal@example.com"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		j, _ := s.Job(ctx, "000000000000aa03")
		if j.State != jobs.StateStopped || j.StoppedBy != "hal@example.com" {
			t.Fatalf("after the stop: %s by %q, want stopped at once", j.State, j.StoppedBy)
		}
		if j.Counts != (jobs.Counts{Total: 20, Done: 7, NotDone: 13}) {
			t.Errorf("counts = %+v, want 7 done and 13 not done", j.Counts)
		}
		time.Sleep(3 * time.Hour)
		if n := len(w.changes()); n != 7 {
			t.Errorf("%d people changed, want the 7 before the stop", n)
		}
	})
}

// TestRunner_resumesAfterRestart: a console that closes mid-job leaves it
// to the next runner, which carries on where it stopped; nobody is
// changed twice.
func TestRunner_resumesAfterRestart(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q := &quota{limit: 10, lowest: 10}
		s := sqlitetest.Open(t)
		w := newWorker(q)
		first := runner(s, q, "first", true)
		first.Start(w)
		ctx := context.Background()
		if err := first.Create(ctx, newJob("000000000000aa04"), people(20)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Minute)
		first.Close()
		if j, _ := s.Job(ctx, "000000000000aa04"); j.State != jobs.StateRunning || j.Counts.Done != 7 {
			t.Fatalf("after the close: %s, %+v; want running with 7 done", j.State, j.Counts)
		}
		second := runner(s, q, "second", true)
		second.Start(w)
		defer second.Close()
		j := waitFor(t, s, "000000000000aa04")
		if j.State != jobs.StateDone || j.Counts.Done != 20 || j.Runs != 2 {
			t.Errorf("resumed job ended %s, %+v, run %d; want done, 20 done, run 2", j.State, j.Counts, j.Runs)
		}
		for id, n := range w.changes() {
			if n != 1 {
				t.Errorf("person %d changed %d times", id, n)
			}
		}
		if len(w.changes()) != 20 {
			t.Errorf("%d people changed, want 20", len(w.changes()))
		}
	})
}

// TestRunner_crashSettlesPersonInHand: a runner that died while OneLogin
// was being asked about a person leaves them working; the next runner,
// once the lease runs out, settles them by looking (Recover) and never
// asks again.
func TestRunner_crashSettlesPersonInHand(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q := &quota{limit: 100, lowest: 100}
		s := sqlitetest.Open(t)
		ctx := context.Background()
		if err := s.CreateJob(ctx, newJob("000000000000aa05"), people(3)); err != nil {
			t.Fatal(err)
		}
		// The dead runner claimed the job and started person 1.
		if _, ok, _ := s.Claim(ctx, "dead", time.Now(), 30*time.Second); !ok {
			t.Fatal("no claim")
		}
		if err := s.StartItem(ctx, "000000000000aa05", 1, "dead", time.Now()); err != nil {
			t.Fatal(err)
		}
		w := newWorker(q)
		r := runner(s, q, "next", true)
		r.Start(w)
		defer r.Close()
		j := waitFor(t, s, "000000000000aa05")
		if j.State != jobs.StateDone || j.Counts.Done != 3 {
			t.Errorf("job = %s %+v", j.State, j.Counts)
		}
		if len(w.recovered) != 1 || w.recovered[0] != 1 {
			t.Errorf("recovered %v, want person 1", w.recovered)
		}
		if c := w.changes(); c[1] != 0 || c[2] != 1 || c[3] != 1 {
			t.Errorf("changes %v: person 1 must not be asked again", c)
		}
		items, _ := s.Items(ctx, j.ID)
		if items[0].Message != "confirmed after the restart" {
			t.Errorf("person 1's message = %q", items[0].Message)
		}
	})
}

// TestRunner_noResume: told not to resume, a runner that finds a job
// another runner left marks the rest not done.
func TestRunner_noResume(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q := &quota{limit: 10, lowest: 10}
		s := sqlitetest.Open(t)
		w := newWorker(q)
		first := runner(s, q, "first", false)
		first.Start(w)
		ctx := context.Background()
		if err := first.Create(ctx, newJob("000000000000aa06"), people(12)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		first.Close()
		second := runner(s, q, "second", false)
		second.Start(w)
		defer second.Close()
		j := waitFor(t, s, "000000000000aa06")
		if j.State != jobs.StateInterrupted || j.Counts != (jobs.Counts{Total: 12, Done: 7, NotDone: 5}) {
			t.Errorf("job = %s %+v, want interrupted with 7 done and 5 not done", j.State, j.Counts)
		}
	})
}

// TestRunner_retryPutsBack: a person the worker could not do for want of
// quota goes back and is done after the wait, once.
func TestRunner_retryPutsBack(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q := &quota{limit: 100, lowest: 100}
		s := sqlitetest.Open(t)
		w := newWorker(q)
		w.retryOnce[2] = true
		r := runner(s, q, "a", true)
		r.Start(w)
		defer r.Close()
		if err := r.Create(context.Background(), newJob("000000000000aa07"), people(3)); err != nil {
			t.Fatal(err)
		}
		j := waitFor(t, s, "000000000000aa07")
		if j.Counts.Done != 3 || w.changes()[2] != 1 {
			t.Errorf("job %+v, person 2 changed %d times", j.Counts, w.changes()[2])
		}
	})
}

// TestRunner_sleepsOnItsOwnClock: with Now and Sleep given, the runner
// waits for the quota on that clock, through Sleep.
func TestRunner_sleepsOnItsOwnClock(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		renews := now.Add(10 * time.Minute)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		var slept time.Duration
		read := func() jobs.Quota {
			n := clock()
			if n.Before(renews) {
				return jobs.Quota{Limit: 100, Remaining: 0, Reset: renews.Sub(n), Observed: n}
			}
			return jobs.Quota{Limit: 100, Remaining: 100, Reset: time.Hour, Observed: n}
		}
		s := sqlitetest.Open(t)
		r := jobs.NewRunner(s, jobs.Options{Owner: "a", Now: clock, Quota: read,
			RefreshQuota: func(context.Context) (jobs.Quota, error) { return read(), nil },
			Sleep: func(_ context.Context, d time.Duration) error {
				mu.Lock()
				defer mu.Unlock()
				now, slept = now.Add(d), slept+d
				return nil
			}})
		r.Start(newWorker(&quota{limit: 1000, lowest: 1000}))
		defer r.Close()
		if err := r.Create(context.Background(), newJob("000000000000aa08"), people(2)); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if j := waitFor(t, s, "000000000000aa08"); j.Counts.Done != 2 {
			t.Errorf("job %+v", j.Counts)
		}
		mu.Lock()
		defer mu.Unlock()
		if slept < 10*time.Minute || slept > 11*time.Minute {
			t.Errorf("slept %v on the runner's clock, want the 10 minutes to the renewal and a second", slept)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("the runner waited %v on timers besides its clock", d)
		}
	})
}

// TestRunner_oneReplicaRunsAJob: two runners on one store (two replicas
// of the console on a shared database): one claims the job and does every
// person; the other does none, and both read its progress.
func TestRunner_oneReplicaRunsAJob(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		q := &quota{limit: 100, lowest: 100}
		s := sqlitetest.Open(t)
		wa, wb := newWorker(q), newWorker(q)
		a, b := runner(s, q, "a", true), runner(s, q, "b", true)
		a.Start(wa)
		b.Start(wb)
		defer a.Close()
		defer b.Close()
		if err := a.Create(context.Background(), newJob("000000000000aa09"), people(30)); err != nil {
			t.Fatal(err)
		}
		j := waitFor(t, s, "000000000000aa09")
		na, nb := len(wa.changes()), len(wb.changes())
		if j.Counts.Done != 30 || (na != 30 || nb != 0) && (na != 0 || nb != 30) || j.Runs != 1 {
			t.Errorf("replica a did %d, b did %d, runs %d; want one replica doing all 30 in one run", na, nb, j.Runs)
		}
		if jb, err := b.Job(context.Background(), j.ID); err != nil || jb.Counts != j.Counts {
			t.Errorf("the other replica reads %+v, %v", jb.Counts, err)
		}
	})
}
