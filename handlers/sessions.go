package handlers

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/sessions"
	"onelogin-helpdesk/views"
)

// The console sessions page: GET /sessions (everyone: their own sessions;
// admins: everyone's), POST /sessions/others/revoke ("sign out my other
// sessions"), POST /sessions/:id/revoke (admins: end anyone's session).
// Ending a session is recorded in the audit trail before it happens, like
// an account action, and refused when the record cannot be written.

// SessionAdmin is what the page needs from staff sign-in; *staffauth.Auth
// has it. Blocks are what revocations left in proxy mode (none in the
// other modes): whom the proxy would otherwise sign straight back in.
type SessionAdmin interface {
	Sessions(ctx context.Context) ([]sessions.Session, error)
	Revoke(ctx context.Context, id string) (sessions.Session, bool, error)
	RevokeOthers(ctx context.Context, email, current string) (int, error)
	Blocks(ctx context.Context) ([]sessions.Block, error)
	Unblock(ctx context.Context, email string) (bool, error)
}

// errNoSessions answers when the console was built without session admin.
var errNoSessions = &problem{Status: http.StatusNotFound, Heading: "Not found",
	Message: "This console does not list its sessions."}

func (h *Handler) sessionsView(c echo.Context, notice *views.Notice) (views.SessionsView, int) {
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	v := views.SessionsView{Page: h.page(c, "Sessions", "sessions"), Notice: notice,
		Current: h.sessionID(ctx), Now: h.now(), Loc: h.loc}
	all, err := h.sessions.Sessions(ctx)
	if err != nil {
		h.log.ErrorContext(ctx, "sessions unreadable", "error", err)
		v.Unavailable = "The store did not answer. Try again in a minute; if it persists, tell whoever runs the console."
		return v, http.StatusServiceUnavailable
	}
	for _, s := range all {
		if access.SameEmail(s.Email, who.Email) {
			v.Own = append(v.Own, s)
		}
	}
	if who.Role.Can(access.RevokeSession) {
		v.All = append([]sessions.Session{}, all...)
		if v.Blocks, err = h.sessions.Blocks(ctx); err != nil {
			h.log.ErrorContext(ctx, "console blocks unreadable", "error", err)
			v.Unavailable = "The store did not answer. Try again in a minute; if it persists, tell whoever runs the console."
			return v, http.StatusServiceUnavailable
		}
	}
	return v, http.StatusOK
}

func (h *Handler) sessionsAnswer(c echo.Context, notice *views.Notice, status int) error {
	v, code := h.sessionsView(c, notice)
	if code != http.StatusOK {
		status = code
	}
	return h.render(c, status, v.Page, views.SessionsPage(v))
}

// sessionsList shows the page.
func (h *Handler) sessionsList(c echo.Context) error {
	if h.sessions == nil {
		return errNoSessions
	}
	return h.sessionsAnswer(c, nil, http.StatusOK)
}

// validSessionID is a store id: 64 lower-case hex digits.
func validSessionID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for _, r := range id {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

// revokeSession ends someone's session (admins).
func (h *Handler) revokeSession(c echo.Context) error {
	if h.sessions == nil {
		return errNoSessions
	}
	ctx := c.Request().Context()
	id := c.Param("id")
	if !validSessionID(id) {
		return badRequest("This link is damaged. Reload the sessions page.")
	}
	if id == h.sessionID(ctx) {
		return h.sessionsAnswer(c, &views.Notice{Kind: "error", Message: "That is this session: use Sign out to end it."}, http.StatusConflict)
	}
	all, err := h.sessions.Sessions(ctx)
	if err != nil {
		return &problem{Status: http.StatusServiceUnavailable, Heading: "Sessions unavailable",
			Message: "The sessions could not be read, so nothing was ended. Try again in a minute.", Err: err}
	}
	var target *sessions.Session
	for i := range all {
		if all[i].ID == id {
			target = &all[i]
		}
	}
	if target == nil {
		return h.sessionsAnswer(c, &views.Notice{Kind: "warning", Message: "That session has already ended."}, http.StatusNotFound)
	}
	if c.FormValue("confirmed") != id {
		// Asked inside the page first, as every destructive action is.
		v, code := h.sessionsView(c, nil)
		v.Asking = id
		return h.render(c, code, v.Page, views.SessionsPage(v))
	}
	rec := h.record(c, access.RevokeSession, Target{Email: target.Email, Name: target.Name})
	rec.Params = map[string]string{"session_role": target.Role.String(), "session_source": target.SourceIP}
	err = h.recorded(ctx, rec, func() error {
		_, _, err := h.sessions.Revoke(ctx, id)
		return err
	})
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("The session of %s has ended on every replica.", target.Email)
	if b, ok := h.blockOf(ctx, target.Email); ok {
		msg = fmt.Sprintf("Every session of %s has ended, and they cannot use the console until %s: the sign-in proxy would otherwise sign them straight back in. Lift the block below to let them back sooner.",
			target.Email, b.Until.In(h.loc).Format("2 Jan 15:04 MST"))
	}
	return h.sessionsAnswer(c, &views.Notice{Kind: "success", Message: msg}, http.StatusOK)
}

// blockOf is email's console block, if a revocation left one.
func (h *Handler) blockOf(ctx context.Context, email string) (sessions.Block, bool) {
	bs, err := h.sessions.Blocks(ctx)
	if err != nil {
		return sessions.Block{}, false
	}
	for _, b := range bs {
		if access.SameEmail(b.Email, email) {
			return b, true
		}
	}
	return sessions.Block{}, false
}

// liftBlock lets a blocked person back into the console (admins).
func (h *Handler) liftBlock(c echo.Context) error {
	if h.sessions == nil {
		return errNoSessions
	}
	ctx := c.Request().Context()
	email := c.FormValue("email")
	b, ok := h.blockOf(ctx, email)
	if !ok {
		return h.sessionsAnswer(c, &views.Notice{Kind: "warning", Message: "That person is not blocked (any more)."}, http.StatusNotFound)
	}
	rec := h.record(c, access.RevokeSession, Target{Email: b.Email})
	rec.Params = map[string]string{"block": "lifted"}
	err := h.recorded(ctx, rec, func() error {
		_, err := h.sessions.Unblock(ctx, b.Email)
		return err
	})
	if err != nil {
		return err
	}
	return h.sessionsAnswer(c, &views.Notice{Kind: "success",
		Message: fmt.Sprintf("%s may use the console again.", b.Email)}, http.StatusOK)
}

// revokeOthers ends every session of the signed-in person but this one.
func (h *Handler) revokeOthers(c echo.Context) error {
	if h.sessions == nil {
		return errNoSessions
	}
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	n := 0
	rec := h.record(c, access.SelfSessions, Target{Email: who.Email, Name: who.Name})
	err := h.recorded(ctx, rec, func() error {
		var err error
		n, err = h.sessions.RevokeOthers(ctx, who.Email, h.sessionID(ctx))
		return err
	})
	if err != nil {
		return err
	}
	msg := "You had no other sessions."
	switch {
	case n == 1:
		msg = "Your other session has ended."
	case n > 1:
		msg = fmt.Sprintf("Your %d other sessions have ended.", n)
	}
	return h.sessionsAnswer(c, &views.Notice{Kind: "success", Message: msg}, http.StatusOK)
}

// recorded writes rec before change runs and its outcome after: the rule
// for every change the console makes, here for changes to its own sessions.
func (h *Handler) recorded(ctx context.Context, rec audit.Record, change func() error) error {
	id, err := h.audit.Begin(ctx, rec)
	if err != nil {
		h.log.ErrorContext(ctx, "audit write failed; change refused", "action", rec.Action, "error", err)
		return errNotRecorded
	}
	res := audit.Result{Outcome: audit.OutcomeSucceeded}
	changeErr := change()
	if changeErr != nil {
		res = audit.Result{Outcome: audit.OutcomeFailed, Message: "the session store did not answer"}
	}
	if err := h.audit.Complete(context.WithoutCancel(ctx), id, res); err != nil {
		h.log.ErrorContext(ctx, "audit completion failed", "action", rec.Action, "audit_id", id, "error", err)
	}
	if changeErr != nil {
		return &problem{Status: http.StatusServiceUnavailable, Heading: "Sessions unavailable",
			Message: "The session store did not answer, so nothing was ended. Try again in a minute.", Err: changeErr}
	}
	return nil
}
