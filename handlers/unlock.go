package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/views"
)

// The public unlock page: GET and POST /unlock, POST /unlock/factor,
// /unlock/code and /unlock/push. It serves people who cannot sign in, so it
// sits outside staff sign-in (security headers and CSRF still apply). The
// flow itself (who may verify how, the made-up factors that keep accounts
// from being told apart, the allowances) is selfunlock's; these handlers
// read the form, run a step and render its State. A verified person's
// unlock goes through the same door as /me (unlockOwn).

// UnlockPage is the public unlock page's wiring beside its settings
// (config.PublicUnlock).
type UnlockPage struct {
	// Middleware runs before the page's routes in place of
	// Config.Middleware: security headers and CSRF, and no sign-in.
	Middleware []echo.MiddlewareFunc
	// DecoyKey keys the made-up factors (selfunlock.Options.DecoyKey).
	DecoyKey []byte
	// Shapes counts the shapes of real factor lists the made-up ones are
	// drawn from (selfunlock.Options.Shapes); nil counts in memory.
	Shapes selfunlock.ShapeStore
	// Demo, in demo mode, points people at the fake tenant's phone, inbox
	// and push pages.
	Demo *views.UnlockDemo
	// QuotaReserve is HELPDESK_QUOTA_RESERVE: the page's share of the
	// tenant's quota comes out of what lies above it.
	QuotaReserve int
	// SignInURL is where "Go to sign-in" leads after an unlock
	// (HELPDESK_SIGNIN_URL, by default the tenant's own sign-in page).
	SignInURL string
	// Flows keeps the flows between steps: a selfunlock.SealedStore in
	// the state store, so replicas share them; nil keeps them in memory.
	Flows selfunlock.Store
}

// unlockCookie holds the flow's id, scoped to /unlock: the browser never
// sees more of the flow than that.
const unlockCookie = "helpdesk_unlock"

// newUnlockFlow is the page's flow over the handlers' OneLogin client,
// limits and audit trail.
func (h *Handler) newUnlockFlow(cfg Config) (*selfunlock.Service, error) {
	return selfunlock.New(cfg.PublicUnlock, selfunlock.Options{
		OneLogin: cfg.OneLogin, Limits: cfg.Limits, Trail: unlockTrail{h}, Failed: failedResult,
		QuotaReserve: cfg.UnlockPage.QuotaReserve, Flows: cfg.UnlockPage.Flows, DecoyKey: cfg.UnlockPage.DecoyKey,
		Shapes: cfg.UnlockPage.Shapes, Logger: h.log, Now: h.now,
	})
}

// unlockTrail is the handlers' audit trail as the flow writes to it.
type unlockTrail struct{ h *Handler }

func (t unlockTrail) Begin(ctx context.Context, r audit.Record) (int64, error) {
	return t.h.audit.Begin(ctx, r)
}

// Tally adds an unverified step to its address's record; a store that
// cannot tally refuses the step, as one that cannot write.
func (t unlockTrail) Tally(ctx context.Context, r audit.Record, within time.Duration, sample string) (int64, error) {
	tl, ok := t.h.audit.(audit.Tallier)
	if !ok {
		return 0, fmt.Errorf("%w: the audit store %T cannot tally", audit.ErrUnavailable, t.h.audit)
	}
	return tl.Tally(ctx, r, within, sample)
}

func (t unlockTrail) Denied(ctx context.Context, r audit.Record, reason string) {
	t.h.recordDenied(ctx, r, reason)
}

// failedResult is the audit result of a OneLogin call that failed.
func failedResult(err error) audit.Result {
	return audit.Result{Outcome: audit.OutcomeFailed, Status: oneLoginStatus(err), Message: safeMessage(err)}
}

// unlockCaller is who a step answers.
func unlockCaller(c echo.Context) selfunlock.Caller {
	return selfunlock.Caller{IP: c.RealIP(), UserAgent: c.Request().UserAgent(),
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
}

// unlockDoor lifts a verified person's lock through unlockOwn, telling the
// flow which of its outcomes an error is.
func (h *Handler) unlockDoor(c echo.Context) selfunlock.Unlocker {
	return func(_ context.Context, who access.Identity, u *client.User, params map[string]string) error {
		err := h.unlockOwn(c, who, u, params)
		var md *maybeDone
		switch {
		case errors.As(err, &md):
			return fmt.Errorf("%w: %w", selfunlock.ErrMaybeUnlocked, err)
		case errors.Is(err, errStillLocked):
			return selfunlock.ErrStillLocked
		}
		return err
	}
}

// flowCookie is the Set-Cookie for a flow id; "" deletes it.
func (h *Handler) flowCookie(c echo.Context, id string) *http.Cookie {
	r := c.Request()
	ck := &http.Cookie{Name: unlockCookie, Value: id, Path: "/unlock", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		MaxAge: int(selfunlock.FlowTTL.Seconds()),
		Secure: h.secure || r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")}
	if id == "" {
		ck.MaxAge = -1
	}
	return ck
}

// flowID is the id the request's cookie names, "" when none.
func flowID(c echo.Context) string {
	ck, err := c.Cookie(unlockCookie)
	if err != nil {
		return ""
	}
	return ck.Value
}

// unlockSteps are the page's steps for the flow's.
var unlockSteps = map[selfunlock.Step]views.UnlockStep{
	selfunlock.StepStart: views.UnlockStart, selfunlock.StepChoose: views.UnlockChoose,
	selfunlock.StepCode: views.UnlockCode, selfunlock.StepPush: views.UnlockPush, selfunlock.StepDone: views.UnlockDone,
}

// unlockView is the page model for a step's State.
func (h *Handler) unlockView(c echo.Context, st selfunlock.State) views.UnlockView {
	v := views.UnlockView{Page: h.page(c, "Unlock your account", ""), Step: unlockSteps[st.Step], Now: h.now(), Loc: h.loc,
		PollEvery: selfunlock.PollEvery, Demo: h.unlockPage.Demo, Login: st.Login, Error: st.Error, Expires: st.Expires,
		Contact: h.contact, SignInURL: h.unlockPage.SignInURL}
	for _, o := range st.Factors {
		v.Factors = append(v.Factors, views.UnlockFactor{Choice: o.Choice, Kind: o.Name, Label: o.Label})
	}
	if st.Chosen >= 0 {
		v.Factor = v.Factors[st.Chosen]
	}
	switch {
	case st.Pending:
		v.Notice = &views.Notice{Kind: "warning", Message: st.Notice}
	case st.Notice != "":
		v.Notice = &views.Notice{Kind: "error", Message: st.Notice}
	}
	return v
}

// unlockAnswer renders a step: its State, with a form error 422; a
// *selfunlock.Stop as the stopped step; anything else goes to the error
// handler.
func (h *Handler) unlockAnswer(c echo.Context, st selfunlock.State, err error) error {
	if st.Ended {
		c.SetCookie(h.flowCookie(c, ""))
	}
	v := h.unlockView(c, st)
	status := http.StatusOK
	if st.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	var stop *selfunlock.Stop
	switch {
	case errors.As(err, &stop):
		v.Step, v.Heading, v.Message, status = views.UnlockStopped, stop.Heading, stop.Message, stop.Status
		if !stop.RetryAt.IsZero() {
			v.Message += " Try again after " + views.ClockTime(nextMinute(stop.RetryAt), h.now(), h.loc) + "."
		}
	case errors.Is(err, selfunlock.ErrNotRecorded):
		return errNotRecorded
	case errors.Is(err, selfunlock.ErrNoFlows):
		return &problem{Status: http.StatusServiceUnavailable, Heading: "Try again later",
			Message: "This page cannot keep track of your steps just now. Try again in a minute.", Err: err}
	case errors.Is(err, selfunlock.ErrUncounted):
		return &problem{Status: http.StatusServiceUnavailable, Heading: "Try again later",
			Message: "The console cannot count attempts just now, so it checks nothing. Try again in a minute or call the IT helpdesk.", Err: err}
	case err != nil:
		return err
	}
	return h.render(c, status, v.Page, views.UnlockPage(v))
}

// unlockForm shows the first step.
func (h *Handler) unlockForm(c echo.Context) error {
	return h.unlockAnswer(c, selfunlock.State{Step: selfunlock.StepStart, Chosen: -1}, nil)
}

// unlockLookup takes the username or email and offers the factors.
func (h *Handler) unlockLookup(c echo.Context) error {
	id, st, err := h.public.Start(c.Request().Context(), unlockCaller(c), strings.TrimSpace(c.FormValue("login")))
	if id != "" {
		c.SetCookie(h.flowCookie(c, id))
	}
	return h.unlockAnswer(c, st, err)
}

// unlockFactor takes the chosen factor: it sends the push or the code, or
// asks for an app's code. With no factor it shows the list again.
func (h *Handler) unlockFactor(c echo.Context) error {
	st, err := h.public.Choose(c.Request().Context(), unlockCaller(c), flowID(c), c.FormValue("factor"))
	return h.unlockAnswer(c, st, err)
}

// unlockCode checks a typed code and, when it is right, unlocks.
func (h *Handler) unlockCode(c echo.Context) error {
	st, err := h.public.Code(c.Request().Context(), unlockCaller(c), flowID(c), c.FormValue("code"), h.unlockDoor(c))
	return h.unlockAnswer(c, st, err)
}

// unlockPush asks whether the push was approved. The page polls it (htmx
// every selfunlock.PollEvery, answered 204 while nothing changed) and a
// button posts it without JavaScript.
func (h *Handler) unlockPush(c echo.Context) error {
	st, err := h.public.Push(c.Request().Context(), unlockCaller(c), flowID(c), h.unlockDoor(c))
	if err == nil && st.Pending && isHTMX(c) && c.Request().Header.Get(hxTrigger) == "push-poll" {
		return c.NoContent(http.StatusNoContent)
	}
	return h.unlockAnswer(c, st, err)
}
