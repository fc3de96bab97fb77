// Package bulk is the worker of the console's bulk jobs (unlock, log out):
// a jobs.Worker that performs a job person by person, at the pace the
// jobs.Runner sets, and the adapter that lets the Runner read OneLogin's
// quota from the client.
//
// It owns how one person of a job goes: read the person, pass the change
// through the console's action door in the name of whoever started the job,
// and tell done from skipped, failed, unknown, or "try again later". It must
// never change an account except through that Door (which checks the access
// policy and writes the audit trail), never ask OneLogin for a change twice
// for one person (Recover only looks), and knows nothing of HTTP or pages.
package bulk

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/quota"
)

// OneLogin is what the worker reads and changes a person with.
type OneLogin interface {
	GetUser(ctx context.Context, id int64) (*client.User, error)
	UnlockUser(ctx context.Context, id int64) error
	LogoutUser(ctx context.Context, id int64) error
	RateLimit() client.RateLimit
}

// Change is one person's change as a job asks for it: who acts (whoever
// started the job), the audit record already begun (who, from where, on
// whom), and the call to OneLogin, which the Door makes at most once.
type Change struct {
	Who    access.Identity
	Record audit.Record
	Action access.Action
	User   *client.User
	Ticket string
	Params map[string]string
	Call   func(ctx context.Context) error
	// UnlockAnyway: the starter ticked this person in the confirmation, so
	// a lock placed through the console before Confirmed (when the job was
	// created) may be lifted; without it the Door skips every such lock.
	UnlockAnyway bool
	Confirmed    time.Time
}

// Door is the console's single action door: it asks the access policy,
// records the attempt, makes the call and completes the record. Its errors,
// which the worker tells apart with errors.Is and errors.As:
//   - *access.Refusal: the policy refused; the person is skipped.
//   - ErrNoAnswer: OneLogin was asked and did not answer in time.
//   - ErrNotRecorded, ErrUndecided: nothing was asked, because the audit
//     trail could not be written or who may act could not be told; the
//     person is tried again later.
//   - anything else fails the person, in the words of Explain.
type Door interface {
	Act(ctx context.Context, c Change) error
	// Explain words an error for a person's line on the job page; it
	// carries no secret.
	Explain(err error) string
}

var (
	// ErrNoAnswer marks a change sent that OneLogin did not answer in time.
	ErrNoAnswer = errors.New("OneLogin did not answer in time")
	// ErrNotRecorded marks a change not sent because its attempt could not
	// be written down.
	ErrNotRecorded = errors.New("the audit trail could not be written")
	// ErrUndecided marks a change not sent because who may act could not be
	// told (role names or lock provenance unavailable).
	ErrUndecided = errors.New("who may act could not be told")
)

// RetryAfter is how long a job waits before it tries a person again when
// OneLogin or the audit trail was not available.
const RetryAfter = 30 * time.Second

// Worker is the console's jobs.Worker: each person of a job passes through
// the same door as a one-person action. It reads the person (for the
// policy) and asks OneLogin for the change: two calls a person, and one for
// a person it skips.
type Worker struct {
	OneLogin OneLogin
	Door     Door
	Log      *slog.Logger
	// Locked tells whether a person is locked now, as the console judges it.
	Locked func(u *client.User) bool
	// Allowed tells whether a job's starter may still run it (their role
	// as it is now); "" means yes. Nil checks nothing.
	Allowed func(ctx context.Context, j jobs.Job) (reason string, err error)
}

var _ jobs.Rechecker = Worker{}

// StillAllowed implements jobs.Rechecker.
func (w Worker) StillAllowed(ctx context.Context, j jobs.Job) (string, error) {
	if w.Allowed == nil {
		return "", nil
	}
	return w.Allowed(ctx, j)
}

// charged makes ctx's OneLogin calls count against the starter's hourly
// budget, as their own requests do: a job is an action of theirs, so it
// may use the reserve kept for actions.
func charged(ctx context.Context, j jobs.Job) context.Context {
	return quota.WithCaller(ctx, quota.Caller{Key: audit.LowerASCII(strings.TrimSpace(j.Actor.Email)),
		Role: access.ParseRole(j.Actor.Role), Action: true})
}

// Do performs one person of job j.
func (w Worker) Do(ctx context.Context, j jobs.Job, it jobs.Item) jobs.Result {
	reqID := "job-" + j.ID + "-" + strconv.Itoa(it.Seq)
	ctx = charged(client.WithRequestID(ctx, reqID), j)
	u, err := w.OneLogin.GetUser(ctx, it.TargetID)
	switch {
	case errors.Is(err, client.ErrNotFound):
		return jobs.Result{State: jobs.ItemSkipped, Message: "No longer in OneLogin."}
	case err != nil:
		return w.notAsked(ctx, err)
	}
	_, action := Actions(j.Kind)
	call := func(ctx context.Context) error { return w.OneLogin.UnlockUser(ctx, u.ID) }
	done := "Unlocked."
	if j.Kind == jobs.KindLogout {
		call = func(ctx context.Context) error { return w.OneLogin.LogoutUser(ctx, u.ID) }
		done = "Logged out of OneLogin."
	}
	who := access.Identity{Email: j.Actor.Email, Name: j.Actor.Name, Role: access.ParseRole(j.Actor.Role)}
	rec := audit.Record{ActorEmail: who.Email, ActorRole: who.Role.String(), SourceIP: j.SourceIP, RequestID: reqID,
		TargetID: u.ID, TargetEmail: u.Email, TargetName: u.Name(), Action: action}
	asked := false
	err = w.Door.Act(ctx, Change{Who: who, Record: rec, Action: action, User: u, Ticket: j.Ticket,
		Params: map[string]string{"job": j.ID}, UnlockAnyway: it.UnlockAnyway, Confirmed: j.Created,
		Call: func(ctx context.Context) error {
			asked = true
			return call(ctx)
		}})
	var refusal *access.Refusal
	switch {
	case err == nil:
		return jobs.Result{State: jobs.ItemDone, Message: done}
	case errors.As(err, &refusal):
		return jobs.Result{State: jobs.ItemSkipped, Message: refusal.Message}
	case !asked:
		// Stopped at the door before OneLogin was asked (the audit trail,
		// role names or lock provenance unavailable).
		return w.notAsked(ctx, err)
	case errors.Is(err, ErrNoAnswer):
		return jobs.Result{State: jobs.ItemUnknown, Message: w.Door.Explain(err) + ": check this person."}
	case errors.Is(err, client.ErrRateLimited), errors.As(err, new(*quota.ExceededError)):
		// OneLogin refused for want of quota, or the starter's budget
		// refused before it was sent: nothing was changed.
		return w.notAsked(ctx, err)
	}
	return jobs.Result{State: jobs.ItemFailed, Message: w.Door.Explain(err)}
}

// notAsked answers a person the job could not get to the change for:
// OneLogin unavailable or out of quota, or the audit trail down. Nothing
// was changed, so the person goes back and the job waits; any other error
// fails the person.
func (w Worker) notAsked(ctx context.Context, err error) jobs.Result {
	var spent *quota.ExceededError
	switch {
	case errors.As(err, &spent):
		return jobs.Result{Retry: true, RetryAfter: max(time.Until(spent.RetryAt), time.Second)}
	case errors.Is(err, client.ErrRateLimited):
		wait := time.Minute
		if rl := w.OneLogin.RateLimit(); rl.Reset > 0 {
			wait = rl.Reset - time.Since(rl.Observed) + time.Second
		}
		return jobs.Result{Retry: true, RetryAfter: max(wait, time.Second)}
	case errors.Is(err, client.ErrUnavailable), errors.Is(err, ErrNotRecorded):
		return jobs.Result{Retry: true, RetryAfter: RetryAfter}
	case errors.Is(err, ErrUndecided):
		w.Log.WarnContext(ctx, "bulk job: who may act could not be told; trying the person later", "error", err)
		return jobs.Result{Retry: true, RetryAfter: RetryAfter}
	case errors.Is(err, client.ErrForbidden):
		return jobs.Result{State: jobs.ItemFailed, Message: "OneLogin does not let the console's credential access this user."}
	}
	return jobs.Result{State: jobs.ItemFailed, Message: w.Door.Explain(err)}
}

// Recover settles a person a stopped runner left in hand, by looking: the
// change is never asked for again.
func (w Worker) Recover(ctx context.Context, j jobs.Job, it jobs.Item) jobs.Result {
	const stopped = "The console stopped while OneLogin was being asked"
	u, err := w.OneLogin.GetUser(ctx, it.TargetID)
	switch {
	case err != nil:
		return jobs.Result{State: jobs.ItemUnknown, Message: stopped + ", and the account could not be read afterwards: check this person."}
	case j.Kind == jobs.KindLogout:
		return jobs.Result{State: jobs.ItemUnknown, Message: stopped + ": whether they were logged out is not known. Log them out again if it matters."}
	case !w.Locked(u):
		return jobs.Result{State: jobs.ItemDone, Message: "Not locked any more (checked after the console restarted)."}
	}
	return jobs.Result{State: jobs.ItemUnknown, Message: stopped + ", and the person is still locked: unlock them from Locked now if they should be."}
}

// Actions is the access action that starts a job of the kind, and the one
// each person of it passes as.
func Actions(k jobs.Kind) (start, each access.Action) {
	if k == jobs.KindLogout {
		return access.BulkLogout, access.Logout
	}
	return access.BulkUnlock, access.Unlock
}

// quotaReader is what a job's pacing needs from the OneLogin client.
type quotaReader interface {
	RateLimit() client.RateLimit
	RateLimitStatus(ctx context.Context) (client.RateLimit, error)
}

// Quota adapts the client's reading of OneLogin's quota (after every call,
// and on request) to a jobs.Runner's pacing.
func Quota(ol quotaReader) (read func() jobs.Quota, refresh func(context.Context) (jobs.Quota, error)) {
	conv := func(rl client.RateLimit) jobs.Quota {
		return jobs.Quota{Limit: rl.Limit, Remaining: rl.Remaining, Reset: rl.Reset, Observed: rl.Observed}
	}
	read = func() jobs.Quota { return conv(ol.RateLimit()) }
	refresh = func(ctx context.Context) (jobs.Quota, error) {
		rl, err := ol.RateLimitStatus(ctx)
		return conv(rl), err
	}
	return read, refresh
}
