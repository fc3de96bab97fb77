package handlers

// A person's account state (approved, rejected, unlicensed), with its form.

import (
	"context"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
)

func (h *Handler) setState(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	f := readStateForm(form)
	if errs := f.Validate(); errs != nil {
		return h.invalid(c, statePanel, u, "state", f.values(), errs)
	}
	if f.state != client.StateApproved {
		q := question{text: "Reject " + u.Name() + "? They will not be able to sign in.", button: "Yes, reject " + u.Name(),
			submitName: "state", submitValue: f.State, danger: true}
		if f.state == client.StateUnlicensed {
			q.text, q.button = "Unlicense "+u.Name()+"? They lose their licence and cannot sign in.", "Yes, unlicense "+u.Name()
		}
		if q := h.unconfirmed(c, form, "state", access.SetState, u, f.values(), q); q != nil {
			return h.askFirst(c, statePanel, u, "state", f.values(), q)
		}
	}
	params := map[string]string{"state": strconv.Itoa(int(f.state)), "state_name": f.state.String(),
		"previous_state": u.State.String()}
	err = h.act(c, attemptOn(access.SetState, u, f.Ticket, params), func(ctx context.Context) error {
		return h.ol.SetState(ctx, u.ID, f.state)
	})
	if err != nil {
		return h.failed(c, statePanel, u, "state", "the state change", f.values(), err)
	}
	return h.done(c, statePanel, u, stateNotice(u, f.state), nil)
}

func stateNotice(u *client.User, to client.State) string {
	switch {
	case to == client.StateApproved && u.State == client.StateUnlicensed:
		return "Licensed " + u.Name() + ": their account is approved again."
	case to == client.StateApproved:
		return "Approved " + u.Name() + "."
	case to == client.StateRejected:
		return "Rejected " + u.Name() + ". They cannot sign in."
	}
	return "Unlicensed " + u.Name() + "."
}

// stateForm sets the approval/licence state.
type stateForm struct {
	State  string
	Ticket string

	state client.State
}

func readStateForm(v url.Values) stateForm {
	return stateForm{State: field(v, "state"), Ticket: field(v, "ticket")}
}

func (f *stateForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	n, err := strconv.Atoi(f.State)
	// Unapproved (0) is not offered: OneLogin refuses most moves back to it,
	// and no helpdesk task needs it.
	s := client.State(n)
	if err != nil || (s != client.StateApproved && s != client.StateRejected && s != client.StateUnlicensed) {
		errs.add("state", "Choose approve, reject or unlicense.")
	}
	f.state = s
	return errs.result()
}

func (f stateForm) values() map[string]string {
	return map[string]string{"state": f.State, "ticket": f.Ticket}
}
