// Package jobs runs work on many people (unlock, log out) one person at a
// time, in the background, paced to OneLogin's hourly quota. A job and its
// people live in a Store, so a job survives the browser that started it and
// the console process that ran it: a restarted console resumes it (or, if
// told not to, marks the rest not done), and with a shared store one replica
// runs it under a lease while the others show its progress.
//
//	r := jobs.NewRunner(store, jobs.Options{Quota: quota, RefreshQuota: refresh, ReservePercent: 20})
//	r.Start(worker) // worker.Do unlocks one person, audited
//	defer r.Close()
//	err := r.Create(ctx, jobs.Job{ID: jobs.NewID(), Kind: jobs.KindUnlock, ...}, people)
//	j, _ := r.Job(ctx, id) // progress, from any replica
//
// The rule the store and the runner keep between them: a person's change is
// asked of OneLogin at most once. An item moves from pending to working
// under the runner's lease before the worker calls OneLogin, and from
// working to its outcome afterwards; an item a stopped runner left working
// is settled by Worker.Recover, which looks but never changes anything.
//
// The stores: sqlitestore (one SQLite file) and pgstore (PostgreSQL shared by
// replicas). They read and write rows; what a change may do (the lease
// check, a stop, the counts) is decided here (rules.go). jobs/jobstest has
// the conformance suite every store passes.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"
)

// Kind is what a job does to each person.
type Kind string

// The kinds of job.
const (
	KindUnlock Kind = "unlock"
	KindLogout Kind = "logout"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindUnlock || k == KindLogout }

// State is where a job is.
type State string

// The job states. Running and stopping jobs are unfinished: a runner works
// on them (or will, once a lease is free).
const (
	StateRunning  State = "running"
	StateStopping State = "stopping" // stop asked; ends after the person in hand
	StateDone     State = "done"     // every person handled
	StateStopped  State = "stopped"  // stopped when asked; the rest not done
	// StateInterrupted is a job the console stopped running (a restart)
	// and was told not to resume: the rest not done.
	StateInterrupted State = "interrupted"
)

// Finished reports whether no more work will be done on the job.
func (s State) Finished() bool {
	return s == StateDone || s == StateStopped || s == StateInterrupted
}

// ItemState is where one person of a job is.
type ItemState string

// The item states.
const (
	ItemPending ItemState = "pending"
	// ItemWorking: OneLogin is being asked (or was, when a runner stopped
	// in between: Worker.Recover settles it).
	ItemWorking ItemState = "working"
	ItemDone    ItemState = "done"
	ItemFailed  ItemState = "failed"
	// ItemSkipped: nothing to do or not allowed (no longer locked, a
	// protected account, gone from OneLogin).
	ItemSkipped ItemState = "skipped"
	// ItemNotDone: the job stopped before this person.
	ItemNotDone ItemState = "not_done"
	// ItemUnknown: OneLogin was asked and did not answer, or the console
	// stopped while it was being asked: the change may have been made.
	ItemUnknown ItemState = "unknown"
)

// Final reports whether the state is an outcome (not pending or working).
func (s ItemState) Final() bool {
	switch s {
	case ItemDone, ItemFailed, ItemSkipped, ItemNotDone, ItemUnknown:
		return true
	}
	return false
}

// Actor is who started a job: each person's audit record names them.
type Actor struct {
	Email string
	Name  string
	Role  string // access.Role.String()
}

// Job is one bulk job.
type Job struct {
	ID   string // NewID
	Kind Kind
	// Actor, SourceIP and RequestID are who started the job, from where,
	// with which request; Ticket is the ticket they gave.
	Actor     Actor
	SourceIP  string
	RequestID string
	Ticket    string
	Created   time.Time
	State     State
	// Ended is when the job finished; zero while it is unfinished.
	Ended time.Time
	// StoppedBy is who asked the job to stop, if anyone did.
	StoppedBy string
	// Runs counts the runners that have claimed the job: more than one
	// after a resume.
	Runs int
	// Owner and LeaseUntil are the runner working on the job and until when
	// its lease holds; "" and zero when none holds it.
	Owner      string
	LeaseUntil time.Time
	// Wait and WaitUntil say why and until when the runner is waiting
	// instead of working (for the progress view); "" when it is not.
	Wait      Wait
	WaitUntil time.Time
	// Counts are the job's people by state; the store fills them in.
	Counts Counts
}

// Wait is why a runner is waiting.
type Wait string

// The reasons to wait.
const (
	// WaitQuota: the part of OneLogin's hourly quota the job may use is
	// spent; it goes on when the quota renews.
	WaitQuota Wait = "quota"
	// WaitRetry: OneLogin refused or failed for a while (rate limited,
	// unavailable); the job tries the same person again later.
	WaitRetry Wait = "retry"
)

// Counts are a job's people by state.
type Counts struct {
	Total, Pending, Working, Done, Failed, Skipped, NotDone, Unknown int
}

// Handled is how many people have an outcome.
func (c Counts) Handled() int { return c.Done + c.Failed + c.Skipped + c.NotDone + c.Unknown }

// add counts n more items in state s.
func (c *Counts) add(s ItemState, n int) {
	c.Total += n
	switch s {
	case ItemPending:
		c.Pending += n
	case ItemWorking:
		c.Working += n
	case ItemDone:
		c.Done += n
	case ItemFailed:
		c.Failed += n
	case ItemSkipped:
		c.Skipped += n
	case ItemNotDone:
		c.NotDone += n
	case ItemUnknown:
		c.Unknown += n
	}
}

// Item is one person of a job.
type Item struct {
	Seq      int // 1, 2, ... in the order the job works
	TargetID int64
	Email    string
	Name     string
	State    ItemState
	// UnlockAnyway: the starter ticked this person, one by one, in the
	// confirmation that listed the locks placed through the console, so
	// the job may lift such a lock on them (one placed before the job).
	// Without it a job skips every console lock.
	UnlockAnyway bool
	// Message says why a person failed or was skipped, in words.
	Message string
	// Updated is when the state last changed.
	Updated time.Time
}

// Errors a Store returns.
var (
	ErrNotFound = errors.New("jobs: no such job")
	ErrExists   = errors.New("jobs: a job with this id exists")
	// ErrLeaseLost is a change by a runner that does not hold the job's
	// lease (it expired and another runner claimed the job).
	ErrLeaseLost = errors.New("jobs: the job's lease is held by another runner")
	// ErrItemState is a change an item's current state does not allow
	// (starting an item that is not pending, finishing one not working).
	ErrItemState = errors.New("jobs: the item is not in the state this change needs")
	// ErrFinished is a change to a finished job.
	ErrFinished = errors.New("jobs: the job has finished")
	// ErrInvalid is a job or item that cannot be stored as given.
	ErrInvalid = errors.New("jobs: invalid job")
)

// Store keeps jobs and their people. Implementations are safe for
// concurrent use, and every change is atomic: two runners never both start
// the same item, and a runner without the lease changes nothing.
type Store interface {
	// CreateJob stores a new job, running and unclaimed, with its people
	// all pending, numbered 1..n in the order given (their Seq is ignored).
	// It fails with ErrExists for an id in use and ErrInvalid for a job
	// without an id, a valid kind, or people.
	CreateJob(ctx context.Context, j Job, people []Item) error
	// Job returns a job with its counts, or ErrNotFound.
	Job(ctx context.Context, id string) (Job, error)
	// Jobs returns up to limit jobs, newest first, with their counts.
	Jobs(ctx context.Context, limit int) ([]Job, error)
	// Items returns a job's people in order, or ErrNotFound.
	Items(ctx context.Context, id string) ([]Item, error)

	// Claim leases one unfinished job whose lease is free or ran out at
	// now to owner until now+ttl, counting one more run, oldest job first.
	// ok is false when there is none.
	Claim(ctx context.Context, owner string, now time.Time, ttl time.Duration) (j Job, ok bool, err error)
	// Renew extends owner's lease to now+ttl. It fails with ErrLeaseLost
	// when another runner holds the lease, ErrFinished when the job ended.
	Renew(ctx context.Context, id, owner string, now time.Time, ttl time.Duration) error
	// Release gives up owner's lease, leaving the job unfinished for the
	// next Claim (a console shutting down). Releasing a lease one does not
	// hold does nothing.
	Release(ctx context.Context, id, owner string) error
	// Next is the first pending item of the job, ok false when none is left.
	Next(ctx context.Context, id string) (it Item, ok bool, err error)
	// StartItem moves a pending item to working, under owner's lease held
	// at now: ErrLeaseLost without it, ErrItemState when the item is not
	// pending.
	StartItem(ctx context.Context, id string, seq int, owner string, now time.Time) error
	// FinishItem moves a working item to state (an outcome, or pending to
	// try it again) with its message. Only the lease's owner may, expired
	// or not, as long as no other runner claimed the job since (then
	// ErrLeaseLost); ErrItemState when the item is not working.
	FinishItem(ctx context.Context, id string, seq int, owner string, state ItemState, message string, now time.Time) error
	// SetWait records why and until when the runner waits ("" and zero:
	// it is working), under owner's lease (ErrLeaseLost).
	SetWait(ctx context.Context, id, owner string, why Wait, until time.Time) error
	// RequestStop asks an unfinished job to stop: running becomes
	// stopping, with who asked. Asking again changes nothing; a finished
	// job gives ErrFinished.
	RequestStop(ctx context.Context, id, by string, now time.Time) error
	// End finishes the job in state (done, stopped or interrupted) under
	// owner's lease (ErrLeaseLost): its pending items become not done, the
	// wait is cleared and the lease released. Working items stay as they
	// are; the runner settles them first.
	End(ctx context.Context, id, owner string, state State, now time.Time) error
}

// NewID returns a new job id: 16 random hex digits.
func NewID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ValidID reports whether s looks like a job id, so a URL with anything
// else is refused before a store is asked.
func ValidID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
