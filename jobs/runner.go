package jobs

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Worker does a job's work on one person. The console's worker reads the
// person, asks the access policy, writes the audit record and calls
// OneLogin, all through the same door as a one-person action.
type Worker interface {
	// Do handles one person. It asks OneLogin for the change at most once.
	Do(ctx context.Context, j Job, it Item) Result
	// Recover settles a person a stopped runner left working: whether the
	// change was made can only be looked at, never asked for again.
	Recover(ctx context.Context, j Job, it Item) Result
}

// Rechecker is a Worker that can tell whether a job's starter may still
// run it: their role may have lapsed since they started it (a demotion).
// A reason other than "" stops the job; an error means it cannot be told
// now, and the job waits rather than go on.
type Rechecker interface {
	StillAllowed(ctx context.Context, j Job) (reason string, err error)
}

// Result is how one person went.
type Result struct {
	State   ItemState // an outcome: done, failed, skipped or unknown
	Message string
	// Retry puts the person back as pending: nothing was changed
	// (OneLogin was out of quota or unavailable). The runner waits
	// RetryAfter, or for the quota to renew, before going on.
	Retry      bool
	RetryAfter time.Duration
}

// Quota is OneLogin's hourly call quota as last reported.
type Quota struct {
	Limit, Remaining int
	Reset            time.Duration // from Observed until the window renews
	Observed         time.Time
}

func (q Quota) renewsAt() time.Time { return q.Observed.Add(q.Reset) }

// Options configure a Runner.
type Options struct {
	// Owner names this runner in leases; default a random id, so each
	// process is its own owner.
	Owner string
	// Lease is how long a claim holds without renewal (default 30s): a
	// runner that dies leaves its job to another after this long.
	Lease time.Duration
	// Poll is how often an idle runner looks for work (default 2s); a
	// job created through this runner is picked up at once.
	Poll time.Duration
	// Quota reads OneLogin's quota as the client last saw it (after every
	// call); RefreshQuota asks OneLogin for it. Without them the runner
	// does not pace itself.
	Quota        func() Quota
	RefreshQuota func(ctx context.Context) (Quota, error)
	// ReservePercent of the hourly limit is left for everyone else: the
	// job waits for the quota to renew rather than spend it.
	ReservePercent int
	// CallsPerItem is the most OneLogin calls one person takes (default
	// 2); the job starts a person only when that many are spendable.
	CallsPerItem int
	// RoleEvery is how often a job's starter's role is checked again
	// (HELPDESK_ROLE_RECHECK), when the Worker is a Rechecker: at the
	// first person a runner handles and then at least this often. 0 never
	// checks.
	RoleEvery time.Duration
	// Resume makes a runner that claims a job another runner left
	// unfinished (a restart) carry on with it; without it the rest of the
	// job is marked not done.
	Resume bool
	Logger *slog.Logger
	// Now is the clock (default time.Now). Waits use timers, so tests run
	// the runner in a synctest bubble; a program that moves a clock of its
	// own (a benchmark on the fake tenant's movable clock) sets Sleep too,
	// which then does the runner's waits for the quota and for retries.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Runner claims unfinished jobs from a Store and works through them, one
// job and one person at a time. Safe for concurrent use.
type Runner struct {
	store   Store
	o       Options
	log     *slog.Logger
	worker  Worker
	kick    chan struct{}
	cancel  context.CancelFunc
	done    sync.WaitGroup
	started bool
}

// NewRunner returns a runner on store; Start sets it working.
func NewRunner(store Store, o Options) *Runner {
	if o.Owner == "" {
		o.Owner = "runner-" + NewID()
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.CallsPerItem <= 0 {
		o.CallsPerItem = 2
	}
	o.ReservePercent = min(max(o.ReservePercent, 0), 100)
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{store: store, o: o, log: log, kick: make(chan struct{}, 1)}
}

// Store is the runner's store.
func (r *Runner) Store() Store { return r.store }

// Owner is the name this runner's leases carry.
func (r *Runner) Owner() string { return r.o.Owner }

// ReservePercent is the share of the hourly quota jobs leave to others.
func (r *Runner) ReservePercent() int { return r.o.ReservePercent }

// Start sets the runner working with w until Close. Call it once.
func (r *Runner) Start(w Worker) {
	if r.started {
		panic("jobs: Runner started twice")
	}
	r.started, r.worker = true, w
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done.Add(1)
	go func() {
		defer r.done.Done()
		r.loop(ctx)
	}()
}

// Close stops the runner: the person in hand is finished, the lease is
// released (the job stays unfinished for the next runner) and Close returns.
func (r *Runner) Close() {
	if r.cancel != nil {
		r.cancel()
	}
	r.done.Wait()
}

// Create stores a new job and wakes the runner for it.
func (r *Runner) Create(ctx context.Context, j Job, people []Item) error {
	if err := r.store.CreateJob(ctx, j, people); err != nil {
		return err
	}
	r.wake()
	return nil
}

// Stop asks a job to stop after the person in hand; by is who asked.
func (r *Runner) Stop(ctx context.Context, id, by string) error {
	if err := r.store.RequestStop(ctx, id, by, r.o.Now()); err != nil {
		return err
	}
	r.wake()
	return nil
}

// Job, Jobs and Items read the store, for progress views.
func (r *Runner) Job(ctx context.Context, id string) (Job, error) { return r.store.Job(ctx, id) }

// Jobs lists the newest jobs.
func (r *Runner) Jobs(ctx context.Context, limit int) ([]Job, error) { return r.store.Jobs(ctx, limit) }

// Items lists a job's people.
func (r *Runner) Items(ctx context.Context, id string) ([]Item, error) { return r.store.Items(ctx, id) }

// wake makes an idle or waiting runner look at once.
func (r *Runner) wake() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

func (r *Runner) loop(ctx context.Context) {
	for ctx.Err() == nil {
		j, ok, err := r.store.Claim(ctx, r.o.Owner, r.o.Now(), r.o.Lease)
		if err != nil && ctx.Err() == nil {
			r.log.Error("bulk jobs: looking for work failed", "error", err)
		}
		if ok {
			r.run(ctx, j)
			continue
		}
		t := time.NewTimer(r.o.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-r.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// errStopping ends a wait because the job was asked to stop.
var errStopping = errors.New("jobs: stop requested")

// run works on a claimed job until it ends, the runner closes or the lease
// is lost.
func (r *Runner) run(ctx context.Context, j Job) {
	log := r.log.With("job", j.ID, "kind", j.Kind)
	bg := context.WithoutCancel(ctx)
	log.Info("bulk job claimed", "run", j.Runs, "people", j.Counts.Total, "handled", j.Counts.Handled())
	if j.Runs > 1 {
		if err := r.settle(bg, j); err != nil {
			log.Error("bulk job: settling people a stopped runner left in hand failed", "error", err)
			return
		}
		if !r.o.Resume && j.State == StateRunning {
			r.end(bg, log, j.ID, StateInterrupted)
			return
		}
	}
	var retryAt, recheckAt time.Time
	for {
		if ctx.Err() != nil {
			if err := r.store.Release(bg, j.ID, r.o.Owner); err != nil {
				log.Error("bulk job: releasing the lease failed", "error", err)
			}
			log.Info("bulk job left for the next runner: this one is closing")
			return
		}
		cur, err := r.store.Job(ctx, j.ID)
		if err != nil {
			log.Error("bulk job: reading it failed", "error", err)
			return
		}
		if cur.State == StateStopping {
			r.end(bg, log, j.ID, StateStopped)
			return
		}
		if err := r.store.Renew(ctx, j.ID, r.o.Owner, r.o.Now(), r.o.Lease); err != nil {
			log.Warn("bulk job: lease lost; another runner has it", "error", err)
			return
		}
		switch err := r.pace(ctx, cur, &retryAt); {
		case errors.Is(err, errStopping):
			r.end(bg, log, j.ID, StateStopped)
			return
		case errors.Is(err, ErrLeaseLost):
			log.Warn("bulk job: lease lost while waiting")
			return
		case err != nil:
			continue // closing, or a store error: the top of the loop decides
		}
		if stop, err := r.recheck(ctx, cur, &recheckAt); stop != "" {
			log.Warn("bulk job stopped: its starter may no longer run it", "reason", stop)
			if err := r.store.RequestStop(bg, j.ID, stop, r.o.Now()); err != nil && !errors.Is(err, ErrFinished) {
				log.Error("bulk job: recording the stop failed", "error", err)
			}
			r.end(bg, log, j.ID, StateStopped)
			return
		} else if err != nil {
			log.Warn("bulk job: its starter's role could not be checked; waiting", "error", err)
			retryAt = r.o.Now().Add(r.o.Poll)
			continue
		}
		it, ok, err := r.store.Next(ctx, j.ID)
		if err != nil {
			log.Error("bulk job: reading the next person failed", "error", err)
			continue
		}
		if !ok {
			r.end(bg, log, j.ID, StateDone)
			return
		}
		if err := r.store.StartItem(ctx, j.ID, it.Seq, r.o.Owner, r.o.Now()); err != nil {
			if errors.Is(err, ErrLeaseLost) {
				log.Warn("bulk job: lease lost before a person")
				return
			}
			log.Error("bulk job: starting a person failed", "seq", it.Seq, "error", err)
			continue
		}
		// The person in hand is finished even when the runner is closing:
		// an answer OneLogin gives is recorded, not abandoned.
		res := r.worker.Do(bg, cur, it)
		state, msg := res.State, res.Message
		switch {
		case res.Retry:
			state, msg = ItemPending, ""
			wait := res.RetryAfter
			if wait <= 0 {
				wait = r.o.Poll
			}
			retryAt = r.o.Now().Add(wait)
		case !state.Final() || state == ItemNotDone:
			state, msg = ItemFailed, "the console could not tell how this went"
		}
		if err := r.store.FinishItem(bg, j.ID, it.Seq, r.o.Owner, state, msg, r.o.Now()); err != nil {
			log.Error("bulk job: recording a person's outcome failed", "seq", it.Seq, "state", state, "error", err)
			return
		}
	}
}

// recheck asks the worker, when it is due, whether j's starter may still
// run it; stop is why not.
func (r *Runner) recheck(ctx context.Context, j Job, at *time.Time) (stop string, err error) {
	rc, ok := r.worker.(Rechecker)
	now := r.o.Now()
	if !ok || r.o.RoleEvery <= 0 || now.Before(*at) {
		return "", nil
	}
	if stop, err = rc.StillAllowed(ctx, j); err == nil {
		*at = now.Add(r.o.RoleEvery)
	}
	return stop, err
}

// settle gives every person a stopped runner left working an outcome, by
// looking (Worker.Recover), never by asking OneLogin again.
func (r *Runner) settle(ctx context.Context, j Job) error {
	items, err := r.store.Items(ctx, j.ID)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.State != ItemWorking {
			continue
		}
		res := r.worker.Recover(ctx, j, it)
		state := res.State
		if !state.Final() || state == ItemNotDone || res.Retry {
			state = ItemUnknown
		}
		if err := r.store.FinishItem(ctx, j.ID, it.Seq, r.o.Owner, state, res.Message, r.o.Now()); err != nil {
			return err
		}
	}
	return nil
}

func (r *Runner) end(ctx context.Context, log *slog.Logger, id string, state State) {
	if err := r.store.End(ctx, id, r.o.Owner, state, r.o.Now()); err != nil {
		log.Error("bulk job: ending it failed", "state", state, "error", err)
		return
	}
	j, err := r.store.Job(ctx, id)
	if err != nil {
		log.Info("bulk job ended", "state", state)
		return
	}
	c := j.Counts
	log.Info("bulk job ended", "state", state, "people", c.Total, "done", c.Done, "failed", c.Failed,
		"skipped", c.Skipped, "not_done", c.NotDone, "unknown", c.Unknown)
}

// pace returns when the job may work on its next person: after any retry
// wait, and once OneLogin's quota has CallsPerItem calls above the reserve
// left (waiting for the hourly window to renew otherwise).
func (r *Runner) pace(ctx context.Context, j Job, retryAt *time.Time) error {
	stale := false
	for {
		now := r.o.Now()
		if now.Before(*retryAt) {
			if err := r.wait(ctx, &j, WaitRetry, *retryAt); err != nil {
				return err
			}
			*retryAt, stale = time.Time{}, true
			continue
		}
		if r.o.Quota == nil {
			return r.clearWait(ctx, &j)
		}
		q := r.o.Quota()
		if (stale || q.Limit <= 0 || q.Observed.IsZero() || !now.Before(q.renewsAt())) && r.o.RefreshQuota != nil {
			// Unknown, or from before the window renewed, or read before a
			// wait: ask.
			if fresh, err := r.o.RefreshQuota(ctx); err == nil {
				q = fresh
			} else if ctx.Err() != nil {
				return ctx.Err()
			} else {
				r.log.Warn("bulk job: reading OneLogin's quota failed", "job", j.ID, "error", err)
			}
			stale = false
		}
		if q.Limit <= 0 {
			// Unknown: go on. Should OneLogin refuse for want of quota, the
			// person goes back and the job waits.
			return r.clearWait(ctx, &j)
		}
		reserve := q.Limit * r.o.ReservePercent / 100
		if q.Remaining-reserve >= r.o.CallsPerItem {
			return r.clearWait(ctx, &j)
		}
		until := q.renewsAt().Add(time.Second)
		if !until.After(now) {
			until = now.Add(r.o.Poll)
		}
		if err := r.wait(ctx, &j, WaitQuota, until); err != nil {
			return err
		}
		stale = true
	}
}

func (r *Runner) clearWait(ctx context.Context, j *Job) error {
	if j.Wait == "" {
		return nil
	}
	if err := r.store.SetWait(ctx, j.ID, r.o.Owner, "", time.Time{}); err != nil {
		return err
	}
	j.Wait, j.WaitUntil = "", time.Time{}
	return nil
}

// sleep waits d, or less when someone creates a job or asks for a stop.
func (r *Runner) sleep(ctx context.Context, d time.Duration) error {
	if r.o.Sleep != nil {
		return r.o.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-r.kick:
		// Someone created a job or asked for a stop; look now.
	case <-t.C:
	}
	return nil
}

// wait sleeps until `until`, saying why in the job, in slices short enough
// to keep the lease and to notice a stop request.
func (r *Runner) wait(ctx context.Context, j *Job, why Wait, until time.Time) error {
	if err := r.store.SetWait(ctx, j.ID, r.o.Owner, why, until); err != nil {
		return err
	}
	j.Wait, j.WaitUntil = why, until
	slice := r.o.Lease / 3
	for {
		left := until.Sub(r.o.Now())
		if left <= 0 {
			return nil
		}
		if err := r.sleep(ctx, min(left, slice)); err != nil {
			return err
		}
		cur, err := r.store.Job(ctx, j.ID)
		if err != nil {
			return err
		}
		if cur.State == StateStopping {
			return errStopping
		}
		if err := r.store.Renew(ctx, j.ID, r.o.Owner, r.o.Now(), r.o.Lease); err != nil {
			return err
		}
	}
}
