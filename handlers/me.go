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
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/views"
)

// Self-service: GET /me, POST /me/unlock, POST /me/logout. The account is
// always the one whose email is the signed-in person's sign-in email; the
// request carries no id, and any id or email it does carry is ignored, so
// nobody can aim these routes at someone else.

// ownAccount finds the signed-in person's OneLogin account by their sign-in
// email, exactly. It returns a *problem (404 none, 409 several) when the
// email does not pick out one account, so no action is offered on a guess.
func (h *Handler) ownAccount(ctx context.Context, email string) (*client.User, error) {
	email = strings.Trim(email, " \t")
	// OneLogin reads * as a wildcard (and the fake a leading ! as "not"):
	// such an email would not be an exact lookup.
	if email == "" || !strings.Contains(email, "@") || strings.ContainsAny(email, "*, ") || strings.HasPrefix(email, "!") {
		return nil, &problem{Status: http.StatusNotFound, Heading: "Your account cannot be looked up",
			Message: fmt.Sprintf("Your sign-in email %q cannot be looked up in OneLogin exactly, so the console will not guess which account is yours.", clip(email))}
	}
	users, _, err := h.ol.ListUsers(ctx, client.ListUsersQuery{Email: email, Limit: 2})
	if err != nil {
		return nil, err
	}
	// OneLogin's search may match more loosely than the console will act:
	// only an account whose email is the sign-in email, ignoring the case
	// of A-Z, is the person's own.
	var mine []client.User
	for _, u := range users {
		if sameEmail(u.Email, email) {
			mine = append(mine, u)
		}
	}
	switch len(mine) {
	case 0:
		return nil, &problem{Status: http.StatusNotFound, Heading: "No OneLogin account found",
			Message: "OneLogin has no account with the email you signed in with, so there is nothing to show or change here."}
	case 1:
		return &mine[0], nil
	}
	return nil, &problem{Status: http.StatusConflict, Heading: "More than one OneLogin account",
		Message: "OneLogin has more than one account with the email you signed in with, so the console cannot tell which is yours and changes none of them."}
}

// sameEmail compares two emails ignoring ASCII spaces around them and the
// case of A-Z, and nothing else. Unicode case folding (strings.EqualFold)
// would make the Kelvin sign a k and U+017F an s, so a sign-in email spelt
// with them would act on someone else's account.
func sameEmail(a, b string) bool {
	a, b = strings.Trim(a, " \t"), strings.Trim(b, " \t")
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// meView starts the self-service page model.
func (h *Handler) meView(c echo.Context) views.MeView {
	v := views.MeView{Page: h.page(c, "My account", "me"), Now: h.now(), Loc: h.loc,
		UnlocksPerHour: h.selfUnlocksPerHour}
	if h.selfUnlocks != nil {
		v.UnlocksLeft = h.unlocksLeft(c.Request().Context(), v.Page.Identity.Email)
	}
	return v
}

// meAnswer renders the page; a *problem from ownAccount becomes the page's
// explanation with its status, anything else goes to the error handler.
func (h *Handler) meAnswer(c echo.Context, status int, v views.MeView, u *client.User, err error) error {
	var p *problem
	if errors.As(err, &p) {
		v.Account, v.ProblemHeading, v.Problem = nil, p.Heading, p.Message
		status = p.Status
	} else if err != nil {
		return err
	}
	if u != nil {
		v.Account = u
	}
	return h.render(c, status, v.Page, views.MePage(v))
}

// me shows the signed-in person their own account.
func (h *Handler) me(c echo.Context) error {
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	u, err := h.ownAccount(ctx, who.Email)
	return h.meAnswer(c, http.StatusOK, h.meView(c), u, err)
}

// unlocksLeft is the person's remaining self-unlocks this hour; 0 when the
// count cannot be read, which is also what Take will then refuse.
func (h *Handler) unlocksLeft(ctx context.Context, email string) int {
	n, err := h.selfUnlocks.Remaining(ctx, selfKey(email))
	if err != nil {
		h.log.WarnContext(ctx, "self-unlock allowance unreadable", "error", err)
		return 0
	}
	return n
}

// selfKey is whose allowance a self-unlock uses: the sign-in email, with
// ASCII letters lower-cased only (as access.SameEmail compares them).
func selfKey(email string) string {
	b := []byte(strings.TrimSpace(email))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// selfUnlock unlocks the signed-in person's own account, if it is locked and
// they have not used up their unlocks for the hour.
func (h *Handler) selfUnlock(c echo.Context) error {
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	v := h.meView(c)
	u, err := h.ownAccount(ctx, who.Email)
	if err != nil {
		return h.meAnswer(c, 0, v, nil, err)
	}
	switch {
	case !lockedNow(u, h.now()):
		v.Notice = &views.Notice{Kind: "error", Message: "Your account is not locked, so there is nothing to unlock."}
		return h.meAnswer(c, http.StatusConflict, v, u, nil)
	case h.selfUnlocks == nil:
		h.recordDenied(ctx, h.record(c, access.SelfUnlock, ownTarget(u)), "self-service unlock is turned off")
		v.Notice = &views.Notice{Kind: "error", Message: "Unlocking your own account is turned off here. Call the helpdesk to have it unlocked."}
		return h.meAnswer(c, http.StatusForbidden, v, u, nil)
	case u.Status != client.StatusLocked:
		// Locked until later under another status (an expired password):
		// the policy refuses and says what fits, without spending an
		// unlock of the person's allowance.
		return h.selfFailed(c, v, u, "unlock your account", h.unlockOwn(c, who, u, nil))
	}
	ok, retryAt, err := h.selfUnlocks.Take(ctx, selfKey(who.Email))
	if err != nil {
		return &problem{Status: http.StatusServiceUnavailable, Heading: "Try again later",
			Message: "The console cannot count your unlocks just now, so it unlocks nothing. Try again in a minute or call the helpdesk.", Err: err}
	}
	if !ok {
		h.recordDenied(ctx, h.record(c, access.SelfUnlock, ownTarget(u)),
			fmt.Sprintf("self-service unlock limit of %d an hour reached", h.selfUnlocksPerHour))
		v.UnlocksLeft = 0
		v.Notice = &views.Notice{Kind: "error", Message: fmt.Sprintf(
			"You have unlocked your account %s in the last hour; try again at %s or call the helpdesk.",
			selfunlock.Times(h.selfUnlocksPerHour), views.ClockTime(nextMinute(retryAt), h.now(), h.loc))}
		return h.meAnswer(c, http.StatusTooManyRequests, v, u, nil)
	}
	v.UnlocksLeft = h.unlocksLeft(ctx, who.Email)

	err = h.unlockOwn(c, who, u, nil)
	if err != nil {
		return h.selfFailed(c, v, u, "unlock your account", err)
	}
	after := h.rereadOwn(ctx, u)
	v.Notice = &views.Notice{Kind: "success", Message: "Your account is unlocked. You can sign in again now."}
	return h.meAnswer(c, http.StatusOK, v, after, nil)
}

// unlockOwn lifts the lock on u for who, its owner: signed in at /me, or
// verified with an MFA factor on the public unlock page. Both go through
// this one path: act asks the access policy (access.SelfUnlock: only a
// locked account whose lock no staff placed through the console, never a
// suspended or unactivated one), records the attempt before OneLogin is
// called, and unlockAndCheck reads the account back after the unlock.
func (h *Handler) unlockOwn(c echo.Context, who access.Identity, u *client.User, params map[string]string) error {
	return h.act(c, Attempt{Action: access.SelfUnlock, Target: ownTarget(u), User: u, Params: params, Actor: &who},
		func(ctx context.Context) error { return h.unlockAndCheck(ctx, u.ID) })
}

// selfLogout ends every OneLogin session of the signed-in person.
func (h *Handler) selfLogout(c echo.Context) error {
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	v := h.meView(c)
	u, err := h.ownAccount(ctx, who.Email)
	if err != nil {
		return h.meAnswer(c, 0, v, nil, err)
	}
	err = h.act(c, Attempt{Action: access.SelfLogout, Target: ownTarget(u), User: u}, func(ctx context.Context) error {
		return h.ol.LogoutUser(ctx, u.ID)
	})
	if err != nil {
		return h.selfFailed(c, v, u, "sign you out", err)
	}
	v.Notice = &views.Notice{Kind: "success", Message: "You are signed out of OneLogin on every device. Sign in again to use your apps."}
	return h.meAnswer(c, http.StatusOK, v, h.rereadOwn(ctx, u), nil)
}

// selfFailed answers a self-service action that did not happen. OneLogin
// refusing it is said on the page in OneLogin's words; an audit trail that
// cannot be written, OneLogin being unreachable or rate limited, go to the
// error handler (the banner).
func (h *Handler) selfFailed(c echo.Context, v views.MeView, u *client.User, what string, err error) error {
	var p *problem
	var md *maybeDone
	switch {
	case errors.As(err, &md):
		v.Notice = &views.Notice{Kind: "warning", Message: noAnswerMessage + ". Reload this page in a minute to see whether it did."}
		return h.meAnswer(c, http.StatusGatewayTimeout, v, h.rereadOwn(context.WithoutCancel(c.Request().Context()), u), nil)
	case errors.As(err, &p) && (p.Status == http.StatusForbidden || p.Status == http.StatusConflict):
		// The access policy's refusal, in its words: a lock placed by
		// staff, an account that is not locked, one that OneLogin left
		// locked.
		v.Notice = &views.Notice{Kind: "error", Message: p.Message}
		return h.meAnswer(c, p.Status, v, h.rereadOwn(c.Request().Context(), u), nil)
	}
	ce := h.refusal(err)
	if ce == nil {
		return err
	}
	v.Notice = &views.Notice{Kind: "error", Message: "OneLogin did not " + what + ": " + oneLoginSays(ce) + ". Call the helpdesk."}
	return h.meAnswer(c, refusedStatus(ce), v, u, nil)
}

// rereadOwn fetches the account again after an action, so the page shows what
// OneLogin now says; if that fails, the action still happened, so the page
// shows the account as it was rather than an error.
func (h *Handler) rereadOwn(ctx context.Context, u *client.User) *client.User {
	after, err := h.ol.GetUser(ctx, u.ID)
	if err != nil {
		h.log.WarnContext(ctx, "re-reading own account after self-service failed", "user_id", u.ID, "error", err)
		return u
	}
	return after
}

func ownTarget(u *client.User) Target { return Target{ID: u.ID, Email: u.Email, Name: u.Name()} }

// nextMinute rounds up to a whole minute, so "try again at 14:05" is never
// a few seconds too early.
func nextMinute(t time.Time) time.Time {
	if r := t.Truncate(time.Minute); !r.Equal(t) {
		return r.Add(time.Minute)
	}
	return t
}
