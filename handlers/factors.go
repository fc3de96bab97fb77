package handlers

// A person's MFA factors: the Factors panel (loaded on demand, as the
// sign-in activity is) and removing a factor, a lost or replaced phone.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/views"
)

// devices are a person's enrolled factors, reused for activityTTL: the
// panel, a verification sent from it and a removal ask OneLogin once.
func (h *Handler) devices(ctx context.Context, id int64) ([]client.OTPDevice, error) {
	if ds, ok := h.factors.get(id, h.now()); ok {
		return ds, nil
	}
	ds, err := h.ol.OTPDevices(ctx, id)
	if err != nil {
		return nil, err
	}
	h.factors.put(id, ds, h.now())
	return ds, nil
}

// cachedFactors is OneLogin's MFA API for the caller Verifier, listing a
// person's factors from the panel's cache.
type cachedFactors struct {
	selfunlock.MFA
	h *Handler
}

func (m cachedFactors) OTPDevices(ctx context.Context, id int64) ([]client.OTPDevice, error) {
	return m.h.devices(ctx, id)
}

// factorsPerson reads the :id person for a factors route, and refuses when the
// access policy would not let the signed-in person act on them with a
// (protected accounts, their own).
func (h *Handler) factorsPerson(c echo.Context, a access.Action) (*client.User, error) {
	id, err := userIDParam(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	u, err := h.ol.GetUser(ctx, id)
	if errors.Is(err, client.ErrNotFound) {
		return nil, notFound(fmt.Sprintf("OneLogin has no user with id %d. They may have been deleted; search for them by name or email.", id))
	}
	if err != nil {
		return nil, err
	}
	who, _ := h.identity(ctx)
	s, _, err := h.subject(ctx, u)
	if err != nil {
		return nil, err
	}
	if r := access.Check(who, a, s); r != nil {
		return nil, forbidden(r.Message)
	}
	return u, nil
}

// factorsPanel is GET /users/:id/factors: the Factors panel, or a page of
// its own without JavaScript. Nothing is changed.
func (h *Handler) factorsPanel(c echo.Context) error {
	u, err := h.factorsPerson(c, access.ViewFactors)
	if err != nil {
		return err
	}
	return h.answerFactors(c, http.StatusOK, h.factorsView(c, u))
}

// factorsView builds the panel: the person's factors (from the cache, or
// one call to OneLogin unless the quota is low), the ways to verify the
// caller with them and a verification under way.
func (h *Handler) factorsView(c echo.Context, u *client.User) views.FactorsView {
	ctx := c.Request().Context()
	v := views.FactorsView{UserView: h.actionView(c, u, panelSpec{})}
	ds, ok := h.factors.get(u.ID, h.now())
	if !ok {
		if note := h.quotaLowNote("the list of factors"); note != "" {
			v.Skipped = note
			return v
		}
		var err error
		if ds, err = h.devices(ctx, u.ID); err != nil {
			if errors.Is(ctx.Err(), context.Canceled) {
				return v
			}
			h.log.WarnContext(ctx, "factors unavailable", "user_id", u.ID, "error", err)
			v.Failed = true
			return v
		}
	}
	v.Devices = ds
	if h.caller.on() && v.Can(access.CallerChallenge) {
		fs, err := h.caller.verifier.Factors(ctx, u.ID) // from the cache just filled
		if err != nil {
			v.Failed = true
			return v
		}
		for i, f := range fs {
			v.Choices = append(v.Choices, views.CallerChoice{Choice: strconv.Itoa(i + 1), Label: f.Label(),
				Push: f.Push(), Sends: f.NeedsTrigger() && !f.Push()})
		}
		who, _ := h.identity(ctx)
		if p, ok := h.caller.pending(who.Email, u.ID); ok {
			v.Pending = &views.CallerPending{Label: p.factor.Label(), Push: p.factor.Push(),
				Sends: p.factor.NeedsTrigger() && !p.factor.Push(), Expires: p.ch.Expires}
		}
	}
	return v
}

// answerFactors sends the panel: for htmx with out-of-band copies of the
// why panel, profile and history when an action refreshed them; without
// JavaScript as a page of its own.
func (h *Handler) answerFactors(c echo.Context, status int, v views.FactorsView) error {
	body := views.FactorsPage(v)
	if wantsFragment(c) {
		body = views.Refreshed(v.UserView, views.FactorsPanel(v), false)
	}
	return h.render(c, status, v.Page, body)
}

// factorsNotice answers with the panel, as OneLogin has it now, and a
// notice; refresh brings the rest of the page up to date too.
func (h *Handler) factorsNotice(c echo.Context, status int, u *client.User, kind, msg string, refresh bool) error {
	v := h.factorsView(c, u)
	v.Notice = &views.Notice{Kind: kind, Message: msg}
	if refresh {
		h.refreshed(c, &v.UserView)
	}
	return h.answerFactors(c, status, v)
}

// factorsInvalid answers a form of the panel that failed validation: 422,
// the message beside the field, and OneLogin was not asked to do anything.
func (h *Handler) factorsInvalid(c echo.Context, u *client.User, form string, values map[string]string, errs fieldErrors) error {
	v := h.factorsView(c, u)
	v.Form = formState(form, values, errs)
	return h.answerFactors(c, http.StatusUnprocessableEntity, v)
}

// factorsFailed answers an action of the panel that did not go ahead: a
// missing ticket beside the field, the console's refusal or OneLogin's in
// the panel, anything else to the central error handler.
func (h *Handler) factorsFailed(c echo.Context, u *client.User, form, what string, values map[string]string, err error) error {
	if errs := ticketError(err); errs != nil {
		return h.factorsInvalid(c, u, form, values, errs)
	}
	var p *problem
	var md *maybeDone
	switch {
	case errors.As(err, &md):
		h.factors.forget(u.ID)
		return h.factorsNotice(c, http.StatusGatewayTimeout, u, "warning", noAnswerMessage+": these are the factors as OneLogin lists them now. Check them before trying again.", true)
	case errors.As(err, &p) && p.Status < http.StatusInternalServerError:
		return h.factorsNotice(c, p.Status, u, "error", p.Message, false)
	}
	if ce := h.refusal(err); ce != nil {
		return h.factorsNotice(c, refusedStatus(ce), u, "error", "OneLogin rejected "+what+": "+oneLoginSays(ce), false)
	}
	return err
}

// panelTicket reads the ticket every form of the panel carries: it, the
// values to show back, and its check.
func panelTicket(form url.Values) (string, map[string]string, fieldErrors) {
	ticket := field(form, "ticket")
	errs := fieldErrors{}
	checkTicket(ticket, errs)
	return ticket, map[string]string{"ticket": ticket}, errs
}

// removeFactor is POST /users/:id/factors/remove: it asks first, naming
// the person and the device, then removes the device through the action
// door, and answers with the panel as OneLogin now lists it and the next
// step (a temporary MFA token when no factor is left).
func (h *Handler) removeFactor(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ticket, values, errs := panelTicket(form)
	devID, perr := strconv.ParseInt(form.Get("device_id"), 10, 64)
	ds, err := h.devices(ctx, u.ID)
	if err != nil {
		return err
	}
	var d *client.OTPDevice
	for i := range ds {
		if perr == nil && ds[i].ID == devID {
			d = &ds[i]
		}
	}
	if d == nil {
		errs.add(formError, "That factor is not enrolled any more: choose one of those listed.")
	}
	if errs := errs.result(); errs != nil {
		return h.factorsInvalid(c, u, "factor-remove", values, errs)
	}
	a := attemptOn(access.RemoveFactor, u, ticket, map[string]string{
		"device_id": strconv.FormatInt(d.ID, 10), "factor": d.TypeInWords(), "device": d.Label()})
	q := h.unconfirmed(c, form, "factor-remove", access.RemoveFactor, u, values, question{
		text:   "Remove " + d.Label() + " from " + u.Name() + "? They can no longer sign in with it, and enrolling it again is up to them.",
		button: "Remove " + d.Label(), submitName: "device_id", submitValue: strconv.FormatInt(d.ID, 10), danger: true})
	if q != nil {
		if wantsFragment(c) {
			return h.askFirst(c, panelSpec{}, u, "factor-remove", values, q)
		}
		v := h.factorsView(c, u)
		v.Form, v.Confirm = formState("factor-remove", values, nil), q
		return h.answerFactors(c, http.StatusOK, v)
	}
	err = h.act(c, a, func(ctx context.Context) error { return h.ol.RemoveOTPDevice(ctx, u.ID, d.ID) })
	h.factors.forget(u.ID)
	if err != nil {
		return h.factorsFailed(c, u, "factor-remove", "removing the factor", values, err)
	}
	v := h.factorsView(c, u)
	v.Notice = &views.Notice{Kind: "success", Message: "Removed " + d.Label() + " from " + u.Name() + "."}
	v.Removed = !v.Failed && v.Skipped == ""
	v.OfferToken = v.Removed && !anyActive(v.Devices)
	h.refreshed(c, &v.UserView)
	return h.answerFactors(c, http.StatusOK, v)
}

// anyActive reports whether any of ds can be signed in with (verified at
// least once).
func anyActive(ds []client.OTPDevice) bool {
	for _, d := range ds {
		if d.Active {
			return true
		}
	}
	return false
}
