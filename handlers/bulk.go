package handlers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/jobs/bulk"
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
	// Anyway are the people ticked one by one in the confirmation to be
	// unlocked although their lock was placed through the console.
	Anyway []string

	ids       []int64
	confirmed int
	anyway    map[int64]bool
}

func readBulkForm(v url.Values) bulkForm {
	return bulkForm{IDs: v["id"], All: v.Get("all") == "1", Shown: v["shown"], Ticket: field(v, "ticket"),
		Confirmed: field(v, "confirmed"), Anyway: v["anyway"]}
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
	f.anyway = map[int64]bool{}
	for _, a := range f.Anyway {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || !seen[id] {
			errs.add("form", "The confirmation ticks someone it does not name. Select the people again.")
			break
		}
		f.anyway[id] = true
	}
	return errs.result()
}

func (h *Handler) bulkUnlock(c echo.Context) error { return h.bulkStart(c, jobs.KindUnlock) }
func (h *Handler) bulkLogout(c echo.Context) error { return h.bulkStart(c, jobs.KindLogout) }

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
	start, _ := bulk.Actions(kind)
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
	if kind == jobs.KindUnlock {
		if v.Confirm.Locks, err = h.consoleLocks(ctx, snap, f.ids); err != nil {
			return err
		}
	}
	listed := func(id int64) bool {
		return slices.ContainsFunc(v.Confirm.Locks, func(l views.ConsoleLock) bool { return l.ID == id })
	}
	for id := range f.anyway {
		if f.confirmed == 0 || !listed(id) {
			// Only the confirmation's own boxes tick a person, and only one
			// it lists as locked through the console (as read now).
			v.Confirm.Problem = "Only the people listed as locked through the console can be ticked, one by one. Nothing was started; check the list and tick again."
		}
	}
	if f.confirmed != len(f.ids) || v.Confirm.Problem != "" {
		status := http.StatusOK
		if f.confirmed != 0 || v.Confirm.Problem != "" {
			// The confirmed count or ticks are not what the form names:
			// ask again, nothing ticked.
			status = http.StatusUnprocessableEntity
		}
		v.Page.Title = v.Confirm.Question()
		return h.render(c, status, v.Page, views.BulkConfirmPage(v, bulkNames(snap, slices.DeleteFunc(slices.Clone(f.ids), listed))))
	}

	id := jobs.NewID()
	people := make([]jobs.Item, len(f.ids))
	var ticked []string
	for i, pid := range f.ids {
		people[i] = jobs.Item{TargetID: pid, UnlockAnyway: f.anyway[pid]}
		if f.anyway[pid] {
			ticked = append(ticked, strconv.FormatInt(pid, 10))
		}
		if r, ok := snap.row(pid); ok {
			people[i].Email, people[i].Name = r.User.Email, r.User.Name()
		}
	}
	job := jobs.Job{ID: id, Kind: kind, Ticket: f.Ticket, Created: h.now(),
		Actor:    jobs.Actor{Email: who.Email, Name: who.Name, Role: who.Role.String()},
		SourceIP: c.RealIP(), RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	params := map[string]string{"job": id, "people": strconv.Itoa(len(f.ids))}
	if len(ticked) > 0 {
		params["unlock_anyway"] = strings.Join(ticked, ",")
	}
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
		out[i] = bulkName(snap, id)
	}
	return out
}

func bulkName(snap lockedSnapshot, id int64) string {
	if r, ok := snap.row(id); ok {
		return r.User.Name() + " (" + r.User.Email + ")"
	}
	return "User " + strconv.FormatInt(id, 10)
}

// consoleLocks are the people of a bulk unlock whose lock the audit trail
// says was placed through the console, read now rather than from the
// list: the confirmation lists them apart, and only they may be ticked.
func (h *Handler) consoleLocks(ctx context.Context, snap lockedSnapshot, ids []int64) ([]views.ConsoleLock, error) {
	var out []views.ConsoleLock
	now := h.now()
	for _, id := range ids {
		src, err := h.lockSource(ctx, &client.User{ID: id}, now)
		if err != nil {
			return nil, &problem{Status: http.StatusServiceUnavailable, Heading: "Audit trail unavailable",
				Message: "The audit trail could not be read, so the console cannot tell who locked these people. Nothing was started; try again later.", Err: err}
		}
		if src.Console {
			out = append(out, views.ConsoleLock{ID: id, Name: bulkName(snap, id), Lock: *src})
		}
	}
	return out, nil
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
	who, _ := h.identity(ctx)
	v := views.JobView{Page: h.page(c, "", "locked"), Now: h.now(), Loc: h.loc, Job: j, Items: items,
		CanStop:        access.Check(who, access.StopJob, access.Subject{JobStarter: j.Actor.Email}) == nil,
		ReservePercent: h.jobs.ReservePercent(), Notice: n}
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
	j, err := h.jobs.Job(ctx, id)
	if errors.Is(err, jobs.ErrNotFound) {
		return notFound("There is no bulk job at this address.")
	} else if err != nil {
		return err
	}
	if r := access.Check(who, access.StopJob, access.Subject{JobStarter: j.Actor.Email}); r != nil {
		rec := h.record(c, access.StopJob, Target{})
		rec.Params = map[string]string{"job": id}
		return h.refuse(ctx, rec, r)
	}
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

// jobStillAllowed is whether j's starter may still run it, with the role
// OneLogin gives them now: the staff groups are OneLogin role names (the
// console checks at start that the tenant has them). "" means yes; a
// starter OneLogin no longer has, or has twice, may not.
func (h *Handler) jobStillAllowed(ctx context.Context, j jobs.Job) (string, error) {
	users, _, err := h.ol.ListUsers(ctx, client.ListUsersQuery{Email: j.Actor.Email, Limit: 2})
	if err != nil {
		return "", err
	}
	var mine []client.User
	for _, u := range users {
		if sameEmail(u.Email, j.Actor.Email) {
			mine = append(mine, u)
		}
	}
	if len(mine) != 1 {
		return j.Actor.Email + " no longer has exactly one OneLogin account", nil
	}
	roles, err := h.dir.Roles(ctx)
	if err != nil {
		return "", err
	}
	var names []string
	for _, r := range roles {
		if slices.Contains(mine[0].RoleIDs, r.ID) {
			names = append(names, r.Name)
		}
	}
	who := access.Identity{Email: j.Actor.Email, Role: h.staff.RoleFor(names)}
	start, _ := bulk.Actions(j.Kind)
	if r := access.Check(who, start, access.Subject{People: j.Counts.Total, BulkMax: h.bulk.MaxFor(who.Role)}); r != nil {
		return j.Actor.Email + "'s role is now " + who.Role.String() + ": " + r.Reason, nil
	}
	return "", nil
}

// bulkDoor lets a bulk job's worker through the door, actAs, and words
// its errors the way the worker tells them apart.
type bulkDoor struct{ h *Handler }

func (d bulkDoor) Act(ctx context.Context, c bulk.Change) error {
	if c.Action == access.Unlock && c.User != nil {
		// A lock placed through the console is deliberate, whoever placed
		// it: a job lifts one only where the starter ticked the person,
		// and only a lock they could have seen (placed before the job).
		// A subject that cannot be read is left to the door, which
		// refuses the same way.
		if _, src, err := d.h.subject(ctx, c.User); err == nil && src != nil && src.Console {
			if !c.UnlockAnyway || src.At.After(c.Confirmed) {
				rec := c.Record
				rec.Params, rec.Ticket = c.Params, c.Ticket
				return d.h.refuse(ctx, rec, deliberateLock(src, c.UnlockAnyway))
			}
			c.Params = maps.Clone(c.Params)
			c.Params["unlock_anyway"] = "locked by " + lockedBy(src)
		}
	}
	a := Attempt{Action: c.Action, Target: actionTarget(c.User), User: c.User, Ticket: c.Ticket, Params: c.Params}
	err := d.h.actAs(ctx, c.Who, c.Record, a, func(ctx context.Context) (int64, error) { return 0, c.Call(ctx) })
	var md *maybeDone
	var p *problem
	switch {
	case errors.As(err, &md):
		return fmt.Errorf("%w: %w", bulk.ErrNoAnswer, err)
	case errors.Is(err, errNotRecorded):
		return fmt.Errorf("%w: %w", bulk.ErrNotRecorded, err)
	case errors.As(err, &p) && p.Status == http.StatusServiceUnavailable:
		return fmt.Errorf("%w: %w", bulk.ErrUndecided, err)
	}
	return err
}

// lockedBy names who placed a console lock: "hal@example.com (helpdesk,
// ticket SEC-311)".
func lockedBy(src *views.LockSource) string {
	ticket := "no ticket"
	if src.Ticket != "" {
		ticket = "ticket " + src.Ticket
	}
	return src.By + " (" + src.Role + ", " + ticket + ")"
}

// deliberateLock is why a job skips a lock placed through the console,
// naming who placed it and under which ticket; ticked is a person the
// starter ticked whose lock was placed after the job started.
func deliberateLock(src *views.LockSource, ticked bool) *access.Refusal {
	who := lockedBy(src)
	if ticked {
		return &access.Refusal{Reason: "bulk jobs skip locks placed through the console; locked after the job started by " + who,
			Message: "Locked again through the console by " + who + " after the job started, so your tick does not cover it. Unlock this person on their own page if the lock should end."}
	}
	return &access.Refusal{Reason: "bulk jobs skip locks placed through the console; locked by " + who,
		Message: "Locked through the console by " + who + ": a bulk job does not lift it. Unlock this person on their own page if the lock should end."}
}

func (d bulkDoor) Explain(err error) string {
	if errors.Is(err, bulk.ErrNoAnswer) {
		return noAnswerMessage
	}
	return safeMessage(err)
}
