package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
)

// Attempt is one account action as the audit trail records it. Params holds
// only non-secret parameters (lock minutes, roles, new state); never a
// password, hash, salt or MFA token.
type Attempt struct {
	Action    access.Action
	Actor     access.Identity
	SourceIP  string
	RequestID string
	Target    Target
	Params    map[string]string
	Ticket    string
}

// Target is the account an action is about.
type Target struct {
	ID    int64
	Email string
	Name  string
}

// Outcome is how an attempt ended.
type Outcome struct {
	Result string // "succeeded", "failed" or "denied"
	// Status is OneLogin's HTTP status, 0 if OneLogin was not reached.
	Status  int
	Message string // safe to show; never a secret
}

// Recorder keeps the audit trail. Begin is called before OneLogin is; if it
// fails the action is refused, so nothing happens unrecorded.
type Recorder interface {
	Begin(ctx context.Context, a Attempt) (id int64, err error)
	Complete(ctx context.Context, id int64, o Outcome) error
	// Denied records an attempt refused before it started (role, CSRF, limits).
	Denied(ctx context.Context, a Attempt, reason string) error
}

// errNotRecorded refuses an action whose attempt could not be written down.
var errNotRecorded = &problem{Status: http.StatusServiceUnavailable, Heading: "Audit trail unavailable",
	Message: "The action was not carried out because the audit trail could not be written. Try again later or tell whoever runs the console."}

// act is the single door every account action passes through: it checks the
// caller's role, records the attempt before OneLogin is called, runs the call
// and completes the record with the outcome. It returns the call's error.
func (h *Handler) act(c echo.Context, a Attempt, call func(ctx context.Context) error) error {
	ctx := c.Request().Context()
	id, _ := h.identity(ctx)
	a.Actor = id
	a.SourceIP = c.RealIP()
	a.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
	if !id.Role.Can(a.Action) {
		if err := h.audit.Denied(ctx, a, "role "+id.Role.String()+" may not "+string(a.Action)); err != nil {
			h.log.ErrorContext(ctx, "audit write failed", "action", a.Action, "error", err)
		}
		return forbidden("Your role does not allow this action.")
	}
	rec, err := h.audit.Begin(ctx, a)
	if err != nil {
		h.log.ErrorContext(ctx, "audit write failed; action refused", "action", a.Action, "error", err)
		return errNotRecorded
	}
	callErr := call(ctx)
	out := Outcome{Result: "succeeded", Status: http.StatusOK}
	if callErr != nil {
		out = Outcome{Result: "failed", Status: oneLoginStatus(callErr), Message: safeMessage(callErr)}
	}
	// The action has happened (or failed) at OneLogin by now, so a failure to
	// complete the record cannot undo it; the pending record still shows it.
	if err := h.audit.Complete(context.WithoutCancel(ctx), rec, out); err != nil {
		h.log.ErrorContext(ctx, "audit completion failed", "action", a.Action, "audit_id", rec, "error", err)
	}
	return callErr
}

// require refuses a route to anyone whose role may not take the action: a
// 403 page, and OneLogin is never called. Refused account actions are
// recorded in the audit trail.
func (h *Handler) require(a access.Action) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			id, ok := h.identity(ctx)
			if !ok {
				return echo.NewHTTPError(http.StatusUnauthorized)
			}
			if id.Role.Can(a) {
				return next(c)
			}
			if a.Sensitive() {
				t := Target{}
				t.ID, _ = strconv.ParseInt(c.Param("id"), 10, 64)
				at := Attempt{Action: a, Actor: id, SourceIP: c.RealIP(), Target: t,
					RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
				if err := h.audit.Denied(ctx, at, "role "+id.Role.String()+" may not "+string(a)); err != nil {
					h.log.ErrorContext(ctx, "audit write failed", "action", a, "error", err)
				}
			}
			return forbidden("Your role (" + id.Role.String() + ") does not allow this. Ask an administrator if you need it.")
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
	switch {
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
