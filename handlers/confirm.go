package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

// A destructive action (lock, log out, a new password or hash, reject,
// unlicense, removing a role) asks first, inside the page, and only once
// its input is valid and the access policy would let it go ahead: the
// answer to the first post is a question in the form's confirmation area
// naming the person and the effect, whose button posts the same form again
// with a token. The token is a digest of what was asked about (the form,
// the person, the values shown back and the button pressed), so a question
// answered for one choice never lets a different one through. Deleting is
// confirmed by typing the person's email instead.

// confirmToken digests what a confirmation was asked about.
func confirmToken(form string, userID int64, values map[string]string, submitName, submitValue string) string {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(form + "\x00" + strconv.FormatInt(userID, 10) + "\x00" + submitName + "=" + submitValue)
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + values[k])
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

// question is what a destructive action would ask.
type question struct {
	text, button            string
	submitName, submitValue string
	danger                  bool
}

// unconfirmed returns the confirmation to ask for, or nil when the post
// carries a matching token or when asking is pointless because the action
// is refused anyway (act then refuses it, records why and says so beside
// the form).
func (h *Handler) unconfirmed(c echo.Context, posted url.Values, form string, a access.Action, u *client.User,
	values map[string]string, q question) *views.Confirmation {
	tok := confirmToken(form, u.ID, values, q.submitName, q.submitValue)
	if posted.Get("confirmed") == tok || !h.wouldAllow(c, a, u, values["ticket"]) {
		return nil
	}
	return &views.Confirmation{Form: views.FormTestID(form), Question: q.text, Button: q.button, Token: tok,
		SubmitName: q.submitName, SubmitValue: q.submitValue, Danger: q.danger}
}

// wouldAllow reports whether act would let the action go ahead: the access
// policy allows it, the caller is verified when that is required, and a
// ticket is there when one is required.
func (h *Handler) wouldAllow(c echo.Context, a access.Action, u *client.User, ticket string) bool {
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	s, _, err := h.subject(ctx, u)
	if err != nil || access.Check(who, a, s) != nil || h.callerRefusal(ctx, who, Attempt{Action: a, Target: actionTarget(u)}) != nil {
		return false
	}
	if strings.TrimSpace(ticket) == "" {
		ticket = h.workingTicket(c)
	}
	return !h.needsTicket(Attempt{Action: a, Ticket: ticket})
}

// askFirst answers valid input to a destructive action with its question.
// htmx puts it in the form's confirmation area and leaves the rest of the
// form as typed (passwords included, which never come back from the
// server); without JavaScript the panel comes back on a page of its own
// with the question, and any password must be typed again.
func (h *Handler) askFirst(c echo.Context, p panelSpec, u *client.User, form string, values map[string]string, q *views.Confirmation) error {
	if wantsFragment(c) {
		c.Response().Header().Set(hxRetarget, "#"+views.ConfirmArea(q.Form))
		c.Response().Header().Set(hxReswap, "innerHTML")
		return h.write(c, http.StatusOK, views.ConfirmBox(q))
	}
	v := h.actionView(c, u, p)
	v.Form = formState(form, values, nil)
	v.Confirm = q
	return h.answer(c, http.StatusOK, p, v)
}
