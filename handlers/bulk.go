package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/views"
)

// A bulk job starts from the Locked now page: the people selected (or all
// shown) and a ticket, then one confirmation naming the count and the
// ticket, then the job, which a jobs.Runner works through in the
// background. Starting it passes through the door (act) as bulk_unlock or
// bulk_logout, where the access policy decides how many people the role may
// name; each person then passes through it again as an unlock or log-out of
// their own, in the name of whoever started the job, with the job's id.

// maxBulkForm bounds the people one form may name before any setting is
// asked: a form with more is not a selection from the page.
const maxBulkForm = 10000

// bulkForm is the bulk form of the Locked now page and of its confirmation.
type bulkForm struct {
	IDs       []string
	All       bool
	Shown     []string
	Ticket    string
	Confirmed string // the count the person confirmed; "" before

	ids       []int64
	confirmed int
}

func readBulkForm(v url.Values) bulkForm {
	return bulkForm{IDs: v["id"], All: v.Get("all") == "1", Shown: v["shown"], Ticket: field(v, "ticket"),
		Confirmed: field(v, "confirmed")}
}

// Validate reads the people (the selected, plus every one shown when All is
// ticked), each once, in the order of the page.
func (f *bulkForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	raw := f.IDs
	if f.All {
		raw = append(slices.Clone(f.Shown), f.IDs...)
	}
	if len(raw) > maxBulkForm {
		errs.add("id", fmt.Sprintf("A bulk job names at most %d people.", maxBulkForm))
		return errs.result()
	}
	seen := map[int64]bool{}
	f.ids = nil
	for _, s := range raw {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			errs.add("id", "The selection holds something that is not a OneLogin user id. Reload the page and select again.")
			break
		}
		if !seen[id] {
			seen[id] = true
			f.ids = append(f.ids, id)
		}
	}
	if len(f.ids) == 0 && errs["id"] == "" {
		errs.add("id", "Select at least one person, or tick “All shown”.")
	}
	if f.Confirmed != "" {
		n, err := strconv.Atoi(f.Confirmed)
		if err != nil || n < 1 {
			errs.add("form", "The confirmation could not be read. Select the people again.")
		}
		f.confirmed = n
	}
	return errs.result()
}

func (h *Handler) bulkUnlock(c echo.Context) error { return h.bulkStart(c, jobs.KindUnlock) }
func (h *Handler) bulkLogout(c echo.Context) error { return h.bulkStart(c, jobs.KindLogout) }

// bulkAction is the access action that starts a job of the kind, and the
// one each person of it passes as.
func bulkAction(k jobs.Kind) (start, each access.Action) {
	if k == jobs.KindLogout {
		return access.BulkLogout, access.Logout
	}
	return access.BulkUnlock, access.Unlock
}

// bulkStart asks for the confirmation, or, once confirmed, starts the job
// and sends the browser to its progress.
func (h *Handler) bulkStart(c echo.Context, kind jobs.Kind) error {
	form, err := formValues(c)
	if err != nil {
		return err
	}
	f := readBulkForm(form)
	errs := f.Validate()
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	start, _ := bulkAction(kind)
	if errs == nil && h.requireTicket && f.Ticket == "" {
		errs = fieldErrors{"ticket": errTicketRequired.Message}
	}
	if errs == nil && h.jobs == nil {
		return &problem{Status: http.StatusServiceUnavailable, Heading: "Bulk jobs unavailable",
			Message: "Bulk jobs are not set up on this console. Nothing was changed."}
	}
	snap := h.locked.current()
	if errs != nil {
		return h.bulkInvalid(c, snap, f, http.StatusUnprocessableEntity, errs)
	}
	// Asked here for a clear answer before the confirmation; the door asks
	// again when the job starts, and that answer is the one recorded.
	if r := access.Check(who, start, access.Subject{People: len(f.ids), BulkMax: h.bulk.MaxFor(who.Role)}); r != nil {
		return h.bulkInvalid(c, snap, f, http.StatusForbidden, fieldErrors{"form": r.Message})
	}
	v := h.lockedView(c, snap)
	v.Confirm = &views.BulkConfirm{Kind: kind, IDs: f.ids, Ticket: f.Ticket}
	if f.confirmed != len(f.ids) {
		status := http.StatusOK
		if f.confirmed != 0 {
			// The confirmed count is not what the form names: ask again.
			status = http.StatusUnprocessableEntity
		}
		v.Page.Title = v.Confirm.Question()
		return h.render(c, status, v.Page, views.BulkConfirmPage(v, bulkNames(snap, f.ids)))
	}

	id := jobs.NewID()
	people := make([]jobs.Item, len(f.ids))
	for i, pid := range f.ids {
		people[i] = jobs.Item{TargetID: pid}
		if r, ok := snap.row(pid); ok {
			people[i].Email, people[i].Name = r.User.Email, r.User.Name()
		}
	}
	job := jobs.Job{ID: id, Kind: kind, Ticket: f.Ticket, Created: h.now(),
		Actor:    jobs.Actor{Email: who.Email, Name: who.Name, Role: who.Role.String()},
		SourceIP: c.RealIP(), RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	params := map[string]string{"job": id, "people": strconv.Itoa(len(f.ids))}
	err = h.act(c, Attempt{Action: start, Ticket: f.Ticket, Params: params, People: len(f.ids)}, func(ctx context.Context) error {
		return h.jobs.Create(ctx, job, people)
	})
	if err != nil {
		return err
	}
	return h.seeOther(c, views.JobPath(id))
}

// bulkInvalid sends the Locked now page back with the form's messages;
// nothing was started.
func (h *Handler) bulkInvalid(c echo.Context, snap lockedSnapshot, f bulkForm, status int, errs fieldErrors) error {
	v := h.lockedView(c, snap)
	v.Form = views.Form{Values: map[string]string{"ticket": f.Ticket}, Errors: errs}
	return h.render(c, status, v.Page, views.LockedPage(v))
}

// bulkNames names the people of a confirmation, as the list has them.
func bulkNames(snap lockedSnapshot, ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if r, ok := snap.row(id); ok {
			out[i] = r.User.Name() + " (" + r.User.Email + ")"
		} else {
			out[i] = "User " + strconv.FormatInt(id, 10)
		}
	}
	return out
}

// jobParam reads a job id from the URL; anything else is not found.
func (h *Handler) jobParam(c echo.Context) (string, error) {
	id := c.Param("id")
	if h.jobs == nil || !jobs.ValidID(id) {
		return "", notFound("There is no bulk job at this address.")
	}
	return id, nil
}

// jobShow is a job's progress: a page, or the fragment it polls for.
func (h *Handler) jobShow(c echo.Context) error {
	id, err := h.jobParam(c)
	if err != nil {
		return err
	}
	return h.jobAnswer(c, id, http.StatusOK, nil)
}

func (h *Handler) jobAnswer(c echo.Context, id string, status int, n *views.Notice) error {
	ctx := c.Request().Context()
	j, err := h.jobs.Job(ctx, id)
	if errors.Is(err, jobs.ErrNotFound) {
		return notFound("There is no bulk job at this address.")
	}
	if err != nil {
		return err
	}
	items, err := h.jobs.Items(ctx, id)
	if err != nil {
		return err
	}
	v := views.JobView{Page: h.page(c, "", "locked"), Now: h.now(), Loc: h.loc, Job: j, Items: items,
		CanStop: h.canAct(ctx, access.StopJob), ReservePercent: h.jobs.ReservePercent(), Notice: n}
	v.Page.Title = v.Title()
	if wantsFragment(c) {
		return h.fragment(c, status, views.JobProgress(v))
	}
	return h.render(c, status, v.Page, views.JobPage(v))
}

// jobStop asks a job to stop after the person in hand.
func (h *Handler) jobStop(c echo.Context) error {
	id, err := h.jobParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	err = h.act(c, Attempt{Action: access.StopJob, Params: map[string]string{"job": id}}, func(ctx context.Context) error {
		return h.jobs.Stop(ctx, id, who.Email)
	})
	switch {
	case errors.Is(err, jobs.ErrNotFound):
		return notFound("There is no bulk job at this address.")
	case errors.Is(err, jobs.ErrFinished):
		return h.jobAnswer(c, id, http.StatusConflict, &views.Notice{Kind: "warning", Message: "The job had already finished; nothing was stopped."})
	case err != nil:
		return err
	}
	if !wantsFragment(c) {
		return h.seeOther(c, views.JobPath(id))
	}
	return h.jobAnswer(c, id, http.StatusOK, &views.Notice{Kind: "success",
		Message: "Stopping: the person in hand is finished, and the rest are marked not done."})
}

// bulkWorker is the console's jobs.Worker: each person of a job passes
// through the same door as a one-person action, in the name of whoever
// started the job. It reads the person (for the policy) and asks OneLogin
// for the change: two calls a person, and one for a person it skips.
type bulkWorker struct{ h *Handler }

// bulkRetryAfter is how long a job waits before it tries a person again
// when OneLogin or the audit trail was not available.
const bulkRetryAfter = 30 * time.Second

func (w bulkWorker) Do(ctx context.Context, j jobs.Job, it jobs.Item) jobs.Result {
	h := w.h
	reqID := "job-" + j.ID + "-" + strconv.Itoa(it.Seq)
	ctx = client.WithRequestID(ctx, reqID)
	u, err := h.ol.GetUser(ctx, it.TargetID)
	switch {
	case errors.Is(err, client.ErrNotFound):
		return jobs.Result{State: jobs.ItemSkipped, Message: "No longer in OneLogin."}
	case err != nil:
		return w.notAsked(ctx, err)
	}
	_, action := bulkAction(j.Kind)
	call := func(ctx context.Context) (int64, error) { return 0, h.ol.UnlockUser(ctx, u.ID) }
	done := "Unlocked."
	if j.Kind == jobs.KindLogout {
		call = func(ctx context.Context) (int64, error) { return 0, h.ol.LogoutUser(ctx, u.ID) }
		done = "Logged out of OneLogin."
	}
	who := access.Identity{Email: j.Actor.Email, Name: j.Actor.Name, Role: access.ParseRole(j.Actor.Role)}
	rec := audit.Record{ActorEmail: who.Email, ActorRole: who.Role.String(), SourceIP: j.SourceIP, RequestID: reqID,
		TargetID: u.ID, TargetEmail: u.Email, TargetName: u.Name(), Action: action}
	asked := false
	err = h.actAs(ctx, who, rec, Attempt{Action: action, Target: actionTarget(u), User: u, Ticket: j.Ticket,
		Params: map[string]string{"job": j.ID}}, func(ctx context.Context) (int64, error) {
		asked = true
		return call(ctx)
	})
	var refusal *access.Refusal
	var md *maybeDone
	switch {
	case err == nil:
		return jobs.Result{State: jobs.ItemDone, Message: done}
	case errors.As(err, &refusal):
		return jobs.Result{State: jobs.ItemSkipped, Message: refusal.Message}
	case !asked:
		// Stopped at the door before OneLogin was asked (the audit trail,
		// role names or lock provenance unavailable).
		return w.notAsked(ctx, err)
	case errors.As(err, &md):
		return jobs.Result{State: jobs.ItemUnknown, Message: noAnswerMessage + ": check this person."}
	case errors.Is(err, client.ErrRateLimited):
		// OneLogin refused for want of quota: nothing was changed.
		return w.notAsked(ctx, err)
	}
	return jobs.Result{State: jobs.ItemFailed, Message: safeMessage(err)}
}

// notAsked answers a person the job could not get to the change for:
// OneLogin unavailable or out of quota, or the audit trail down. Nothing
// was changed, so the person goes back and the job waits; any other error
// fails the person.
func (w bulkWorker) notAsked(ctx context.Context, err error) jobs.Result {
	h := w.h
	switch {
	case errors.Is(err, client.ErrRateLimited):
		wait := time.Minute
		if rl := h.ol.RateLimit(); rl.Reset > 0 {
			wait = rl.Reset - time.Since(rl.Observed) + time.Second
		}
		return jobs.Result{Retry: true, RetryAfter: max(wait, time.Second)}
	case errors.Is(err, client.ErrUnavailable), errors.Is(err, errNotRecorded):
		return jobs.Result{Retry: true, RetryAfter: bulkRetryAfter}
	}
	var p *problem
	if errors.As(err, &p) && p.Status == http.StatusServiceUnavailable {
		h.log.WarnContext(ctx, "bulk job: who may act could not be told; trying the person later", "error", err)
		return jobs.Result{Retry: true, RetryAfter: bulkRetryAfter}
	}
	if errors.Is(err, errTicketRequired) {
		return jobs.Result{State: jobs.ItemFailed, Message: errTicketRequired.Message}
	}
	if errors.Is(err, client.ErrForbidden) {
		return jobs.Result{State: jobs.ItemFailed, Message: "OneLogin does not let the console's credential access this user."}
	}
	return jobs.Result{State: jobs.ItemFailed, Message: safeMessage(err)}
}

// Recover settles a person a stopped runner left in hand, by looking: the
// change is never asked for again.
func (w bulkWorker) Recover(ctx context.Context, j jobs.Job, it jobs.Item) jobs.Result {
	const stopped = "The console stopped while OneLogin was being asked"
	u, err := w.h.ol.GetUser(ctx, it.TargetID)
	switch {
	case err != nil:
		return jobs.Result{State: jobs.ItemUnknown, Message: stopped + ", and the account could not be read afterwards: check this person."}
	case j.Kind == jobs.KindLogout:
		return jobs.Result{State: jobs.ItemUnknown, Message: stopped + ": whether they were logged out is not known. Log them out again if it matters."}
	case !lockedNow(u, w.h.now()):
		return jobs.Result{State: jobs.ItemDone, Message: "Not locked any more (checked after the console restarted)."}
	}
	return jobs.Result{State: jobs.ItemUnknown, Message: stopped + ", and the person is still locked: unlock them from Locked now if they should be."}
}

// quotaReader is what a job's pacing needs from the OneLogin client.
type quotaReader interface {
	RateLimit() client.RateLimit
	RateLimitStatus(ctx context.Context) (client.RateLimit, error)
}

// JobQuota adapts the client's reading of OneLogin's quota (after every
// call, and on request) to a jobs.Runner's pacing.
func JobQuota(ol quotaReader) (read func() jobs.Quota, refresh func(context.Context) (jobs.Quota, error)) {
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
