package handlers

// Unlock, lock and log out: the actions on whether a person can sign in
// now, with their forms.

import (
	"context"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

func (h *Handler) unlock(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	f := readTicketForm(form)
	if errs := f.Validate(); errs != nil {
		return h.invalid(c, statusPanel, u, "unlock", f.values(), errs)
	}
	var after *client.User
	err = h.act(c, attemptOn(access.Unlock, u, f.Ticket, nil), func(ctx context.Context) (err error) {
		after, err = h.unlockReadBack(ctx, u.ID)
		return err
	})
	if err != nil {
		return h.failed(c, statusPanel, u, "unlock", "the unlock", f.values(), err)
	}
	return h.doneAs(c, statusPanel, u, after, "Unlocked "+u.Name()+". They can sign in now.", nil)
}

func (h *Handler) lock(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	f := readLockForm(form)
	if errs := f.Validate(); errs != nil {
		return h.invalid(c, lockPanel, u, "lock", f.values(), errs)
	}
	if q := h.unconfirmed(c, form, "lock", access.Lock, u, f.values(), question{
		text:   "Lock " + u.Name() + "'s account " + views.LockPeriodLabel(f.minutes) + "? They cannot sign in until the lock ends or someone unlocks it.",
		button: "Yes, lock " + u.Name(),
	}); q != nil {
		return h.askFirst(c, lockPanel, u, "lock", f.values(), q)
	}
	params := map[string]string{"minutes": strconv.Itoa(f.minutes)}
	err = h.act(c, attemptOn(access.Lock, u, f.Ticket, params), func(ctx context.Context) error {
		return h.ol.LockUser(ctx, u.ID, f.minutes)
	})
	if err != nil {
		return h.failed(c, lockPanel, u, "lock", "the lock", f.values(), err)
	}
	return h.done(c, lockPanel, u, "Locked "+u.Name()+" "+views.LockPeriodLabel(f.minutes)+".", nil)
}

func (h *Handler) logout(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	f := readTicketForm(form)
	if errs := f.Validate(); errs != nil {
		return h.invalid(c, sessionPanel, u, "logout", f.values(), errs)
	}
	if q := h.unconfirmed(c, form, "logout", access.Logout, u, f.values(), question{
		text:   "Sign " + u.Name() + " out of every OneLogin session? They must sign in again to the portal and to the next app they open.",
		button: "Yes, log " + u.Name() + " out",
	}); q != nil {
		return h.askFirst(c, sessionPanel, u, "logout", f.values(), q)
	}
	err = h.act(c, attemptOn(access.Logout, u, f.Ticket, nil), func(ctx context.Context) error {
		return h.ol.LogoutUser(ctx, u.ID)
	})
	if err != nil {
		return h.failed(c, sessionPanel, u, "logout", "the log-out", f.values(), err)
	}
	return h.done(c, sessionPanel, u, "Logged "+u.Name()+" out of OneLogin. They must sign in again.", nil)
}

// lockForm locks an account for one of the periods views.LockPeriods offers.
type lockForm struct {
	Minutes string
	Ticket  string

	minutes int
}

func readLockForm(v url.Values) lockForm {
	return lockForm{Minutes: field(v, "minutes"), Ticket: field(v, "ticket")}
}

func (f *lockForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	n, err := strconv.Atoi(f.Minutes)
	if err != nil || !slices.ContainsFunc(views.LockPeriods, func(p views.LockPeriod) bool { return p.Minutes == n }) {
		errs.add("minutes", "Choose how long to lock the account for.")
	}
	f.minutes = n
	return errs.result()
}

func (f lockForm) values() map[string]string {
	return map[string]string{"minutes": f.Minutes, "ticket": f.Ticket}
}
