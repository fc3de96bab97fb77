package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/quota"
)

// Attempt is one account action as the handlers describe it; act turns it
// into an audit record. Params holds only non-secret parameters (lock
// minutes, roles, new state); never a password, hash, salt or MFA token.
type Attempt struct {
	Action access.Action
	Target Target
	// User is the account acted on as OneLogin has it, for the access
	// policy (protected roles, status, lock); nil when there is none yet.
	User   *client.User
	Params map[string]string
	Ticket string
	// Actor is who acts when it is not the signed-in person: someone the
	// public unlock page verified with an MFA factor. nil means the
	// signed-in person.
	Actor *access.Identity
	// People is how many people a bulk action names.
	People int
}

// Target is the account an action is about.
type Target struct {
	ID    int64
	Email string
	Name  string
}

// Recorder keeps the audit trail (sqlitestore, or audittest.Memory in
// tests). Begin is called before OneLogin is; if it fails the action is
// refused, so nothing happens unrecorded. A refused attempt is a Deny.
type Recorder interface {
	Begin(ctx context.Context, r audit.Record) (int64, error)
	Complete(ctx context.Context, id int64, r audit.Result) error
	Deny(ctx context.Context, r audit.Record, within time.Duration) (int64, error)
}

// denyWindow is how long repeats of the same refused attempt by the same
// person are counted on one record instead of each writing its own.
const denyWindow = time.Minute

// errNotRecorded refuses an action whose attempt could not be written down.
var errNotRecorded = &problem{Status: http.StatusServiceUnavailable, Heading: "Audit trail unavailable",
	Message: "The action was not carried out because the audit trail could not be written. Try again later or tell whoever runs the console."}

// errTicketRequired refuses a sensitive action without a ticket when
// HELPDESK_REQUIRE_TICKET is on. It is a 422: the person's input is what is
// missing, and it belongs beside the form's ticket field.
var errTicketRequired = &problem{Status: http.StatusUnprocessableEntity, Heading: "Ticket required",
	Message: "Give a ticket number or reason: this console requires one for every change to an account. Nothing was changed."}

// needsTicket reports whether the attempt is refused for want of a ticket.
// Self-service is exempt: employees fixing their own account have no ticket.
func (h *Handler) needsTicket(a Attempt) bool {
	if a.Action.SelfService() {
		return false
	}
	return h.requireTicket && a.Action.Sensitive() && strings.TrimSpace(a.Ticket) == ""
}

// act is the single door every account action passes through: it asks the
// access policy whether the caller may take the action on this person and,
// when required, checks the ticket, records the attempt before OneLogin is
// called, runs the call and completes the record with the outcome. It
// returns the call's error (a *maybeDone when OneLogin did not answer in
// time), or a *problem when it refused.
func (h *Handler) act(c echo.Context, a Attempt, call func(ctx context.Context) error) error {
	return h.actCreating(c, a, func(ctx context.Context) (int64, error) { return 0, call(ctx) })
}

// actCreating is act for an action that creates its target: call returns
// the id OneLogin gave the new person, which completes the record, so that
// the creation is in that person's history.
func (h *Handler) actCreating(c echo.Context, a Attempt, call func(ctx context.Context) (int64, error)) error {
	ctx := c.Request().Context()
	if strings.TrimSpace(a.Ticket) == "" && !a.Action.SelfService() {
		// The ticket set for the work in hand, unless the form gave another.
		a.Ticket = h.workingTicket(c)
	}
	who, _ := h.identity(ctx)
	rec := h.record(c, a.Action, a.Target)
	if a.Actor != nil {
		who = *a.Actor
		rec.ActorEmail, rec.ActorRole = who.Email, who.Role.String()
	}
	return h.actAs(ctx, who, rec, a, call)
}

// actAs is the door itself, for an actor and an audit record already
// begun (who, from where, on whom): requests pass through it via act, and a
// bulk job's worker for each person, in the name of whoever started the job.
func (h *Handler) actAs(ctx context.Context, who access.Identity, rec audit.Record, a Attempt, call func(ctx context.Context) (int64, error)) error {
	rec.Params, rec.Ticket = a.Params, a.Ticket
	var subject access.Subject
	if a.User != nil && who.Role.Can(a.Action) {
		s, err := h.subjectFor(ctx, a.Action, a.User)
		if err != nil {
			return err
		}
		subject = s
	}
	if a.Action.IsBulk() {
		subject.People, subject.BulkMax = a.People, h.bulk.MaxFor(who.Role)
	}
	if r := access.Check(who, a.Action, subject); r != nil {
		return h.refuse(ctx, rec, r)
	}
	if r := h.callerRefusal(ctx, who, a); r != nil {
		return h.refuse(ctx, rec, r)
	}
	if h.needsTicket(a) {
		h.recordDenied(ctx, rec, "no ticket given, and this console requires one for "+string(a.Action))
		return errTicketRequired
	}
	id, err := h.audit.Begin(ctx, rec)
	if err != nil {
		h.log.ErrorContext(ctx, "audit write failed; action refused", "action", a.Action, "error", err)
		return errNotRecorded
	}
	created, callErr := call(ctx)
	// Whatever happened, a search answered before it may now be wrong.
	h.searches.Forget()
	res := audit.Result{Outcome: audit.OutcomeSucceeded, Status: http.StatusOK, TargetID: created}
	switch {
	case callErr != nil && noAnswer(callErr):
		res = audit.Result{Outcome: audit.OutcomeUnknown, Status: oneLoginStatus(callErr), Message: noAnswerMessage}
		callErr = &maybeDone{callErr}
	case callErr != nil:
		res = audit.Result{Outcome: audit.OutcomeFailed, Status: oneLoginStatus(callErr), Message: safeMessage(callErr)}
	default:
		res.Message = h.tell(ctx, a, id)
	}
	// The action has happened (or failed) at OneLogin by now, so a failure to
	// complete the record cannot undo it; the pending record still shows it.
	if err := h.audit.Complete(context.WithoutCancel(ctx), id, res); err != nil {
		h.log.ErrorContext(ctx, "audit completion failed", "action", a.Action, "audit_id", id, "error", err)
	}
	return callErr
}

// record starts an audit record with who is acting, from where, on whom.
func (h *Handler) record(c echo.Context, a access.Action, t Target) audit.Record {
	who, _ := h.identity(c.Request().Context())
	return audit.Record{
		ActorEmail: who.Email, ActorRole: who.Role.String(),
		SourceIP: c.RealIP(), RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
		TargetID: t.ID, TargetEmail: t.Email, TargetName: t.Name,
		Action: a,
	}
}

func (h *Handler) canAct(ctx context.Context, a access.Action) bool {
	who, ok := h.identity(ctx)
	return ok && who.Role.Can(a)
}

// deny records a refused attempt and answers 403.
func (h *Handler) deny(c echo.Context, rec audit.Record) error {
	h.recordDenied(c.Request().Context(), rec, "role "+rec.ActorRole+" may not "+string(rec.Action))
	return forbidden("Your role (" + rec.ActorRole + ") does not allow this. Ask an administrator if you need it.")
}

// refuse records what the access policy refused and answers with its
// words: 409 when the account's state is why, 403 otherwise. The refusal
// stays reachable with errors.As: pages word it for their reader, a bulk
// job tells a person it skips from one it failed.
func (h *Handler) refuse(ctx context.Context, rec audit.Record, r *access.Refusal) error {
	h.recordDenied(ctx, rec, r.Reason)
	if r.State {
		return &problem{Status: http.StatusConflict, Heading: "Not possible now", Message: r.Message + " Nothing was changed.", Err: r}
	}
	return &problem{Status: http.StatusForbidden, Heading: "Not allowed", Message: r.Message, Err: r}
}

// recordDenied writes a refused attempt, already complete, with the reason;
// repeats within denyWindow add to one record, and a flood on many targets
// is tallied (writeDenied). The refusal stands whether or not it could be
// written down.
func (h *Handler) recordDenied(ctx context.Context, rec audit.Record, reason string) {
	rec.Outcome = audit.OutcomeDenied
	rec.Reason = reason
	if err := h.writeDenied(ctx, rec); err != nil {
		h.log.ErrorContext(ctx, "audit write failed", "action", rec.Action, "error", err)
	}
}

// require refuses a route to anyone whose role may not take the action: a
// 403 page, and OneLogin is never called. Refused account actions are
// recorded in the audit trail.
func (h *Handler) require(a access.Action) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if _, ok := h.identity(c.Request().Context()); !ok {
				return echo.NewHTTPError(http.StatusUnauthorized)
			}
			if h.canAct(c.Request().Context(), a) {
				return next(c)
			}
			if !a.Sensitive() {
				return forbidden("Your role does not allow this. Ask an administrator if you need it.")
			}
			t := Target{}
			t.ID, _ = strconv.ParseInt(c.Param("id"), 10, 64)
			return h.deny(c, h.record(c, a, t))
		}
	}
}

// oneLoginStatus is the HTTP status OneLogin answered with, 0 if none.
func oneLoginStatus(err error) int {
	var e *client.Error
	if errors.As(err, &e) {
		return e.HTTPStatus
	}
	return 0
}

// safeMessage is an error's text fit for an audit record or a page: OneLogin's
// own sentence, or a generic description. Client errors never carry secrets.
func safeMessage(err error) string {
	var e *client.Error
	var p *problem
	var q *quota.ExceededError
	switch {
	case errors.As(err, &q):
		return "not sent: " + q.Error()
	case errors.As(err, &e):
		return e.Message
	case errors.As(err, &p):
		return p.Message
	case errors.Is(err, client.ErrUnavailable):
		return "OneLogin unavailable"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	return "internal error"
}
