package handlers

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/notify"
	"onelogin-helpdesk/views"
)

// Telling a person by mail: after a successful change to their account the
// door (actAs) queues a notice, and the audit record says whether they will
// be told. Queueing never blocks or undoes the action; an admin sees the
// mails that did not go out on /mail.

// noticeKinds are the actions a person is told of, and what the mail says
// was done.
var noticeKinds = map[access.Action]notify.Kind{
	access.Unlock:             notify.KindUnlock,
	access.SelfUnlock:         notify.KindUnlock,
	access.ResetPassword:      notify.KindPasswordReset,
	access.ImportPasswordHash: notify.KindPasswordReset,
	access.InviteLink:         notify.KindPasswordLink,
	access.MFAToken:           notify.KindTempToken,
	access.RemoveFactor:       notify.KindFactorRemoved,
}

// notifyTimeout bounds queueing one notice, so a slow store delays an
// action's answer by no more than this.
const notifyTimeout = 5 * time.Second

// tell queues the mail telling the person of a, which succeeded and was
// recorded as auditID, and returns the words for the record; "" when a is
// not an action people are told of.
func (h *Handler) tell(ctx context.Context, a Attempt, auditID int64) string {
	kind, ok := noticeKinds[a.Action]
	if !ok {
		return ""
	}
	by := notify.ByHelpdesk
	if a.Action.SelfService() {
		by = notify.BySelf
	}
	now := h.now()
	n := notify.Notice{Kind: kind, By: by, UserID: a.Target.ID, Email: a.Target.Email, Name: a.Target.Name,
		At: now, Ticket: a.Ticket, AuditID: auditID}
	if kind == notify.KindFactorRemoved {
		n.Factor = a.Params["device"]
	}
	if kind == notify.KindTempToken {
		if s, err := strconv.Atoi(a.Params["expires_in"]); err == nil && s > 0 {
			n.Until = now.Add(time.Duration(s) * time.Second)
		}
	}
	// The action has happened: a request cancelled now must still tell.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notifyTimeout)
	defer cancel()
	queued, err := h.notifier.Notify(ctx, n)
	if err != nil {
		h.log.WarnContext(ctx, "the person is not told of the change", "action", a.Action, "audit_id", auditID, "error", err)
	}
	return notify.Told(queued, err)
}

// mailStates are the states the mail page lists, most urgent first.
var mailStates = []notify.State{notify.StateFailed, notify.StatePending, notify.StateSending, notify.StateSent}

// mailList is the admin page of queued mails: those that failed or still
// wait, by default, or those in one state.
func (h *Handler) mailList(c echo.Context) error {
	ctx := c.Request().Context()
	v := views.MailView{Page: h.page(c, "Mails to people", "mail"), Enabled: h.notifier != nil, Loc: h.loc}
	state := notify.State(c.QueryParam("state"))
	if state != "" && !slices.Contains(mailStates, state) {
		return badRequest("Choose the state from the list: failed, pending, sending or sent.")
	}
	v.State = string(state)
	for _, s := range mailStates {
		v.States = append(v.States, string(s))
	}
	if !v.Enabled {
		return h.render(c, http.StatusOK, v.Page, views.MailPage(v))
	}
	show := []notify.State{state}
	if state == "" {
		show = []notify.State{notify.StateFailed, notify.StatePending, notify.StateSending}
	}
	for _, s := range show {
		ms, err := h.notifier.Mails(ctx, notify.Filter{State: s})
		if err != nil {
			h.log.ErrorContext(ctx, "mail queue unreadable", "error", err)
			v.Unavailable = "The store did not answer. Try again in a minute; if it persists, tell whoever runs the console."
			return h.render(c, http.StatusServiceUnavailable, v.Page, views.MailPage(v))
		}
		for _, m := range ms {
			v.Mails = append(v.Mails, views.MailRow{ID: m.ID, AuditID: m.AuditID, Kind: string(m.Kind), To: m.To,
				Subject: m.Subject, State: string(m.State), Attempts: m.Attempts, Created: m.Created,
				Next: m.Next, Ended: m.Ended, LastError: m.LastError})
		}
	}
	return h.render(c, http.StatusOK, v.Page, views.MailPage(v))
}
