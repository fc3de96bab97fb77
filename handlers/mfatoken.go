package handlers

// A temporary MFA token for a person, with its form.

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

func (h *Handler) mfaToken(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	f := readMFAForm(form)
	if errs := f.Validate(); errs != nil {
		return h.invalid(c, mfaPanel, u, "mfa-token", f.values(), errs)
	}
	params := map[string]string{"expires_in": strconv.Itoa(int(f.expiresIn.Seconds())), "reusable": strconv.FormatBool(f.Reusable)}
	var tok *client.MFAToken
	err = h.act(c, attemptOn(access.MFAToken, u, f.Ticket, params), func(ctx context.Context) error {
		var err error
		tok, err = h.ol.GenerateMFAToken(ctx, u.ID, f.expiresIn, f.Reusable)
		return err
	})
	if err != nil {
		return h.failed(c, mfaPanel, u, "mfa-token", "the MFA token request", f.values(), err)
	}
	use := "works once"
	if tok.Reusable {
		use = "reusable until it expires"
	}
	secret := &views.Secret{Label: "Temporary MFA token for " + u.Name() + " (" + use + ")",
		Value: tok.Token, ExpiresAt: tok.ExpiresAt}
	return h.done(c, mfaPanel, u, "Created a temporary MFA token for "+u.Name()+
		". Give it to them now: it is shown only this once.", secret)
}

// mfaForm asks OneLogin for a temporary MFA token.
type mfaForm struct {
	ExpiresIn string // seconds
	Reusable  bool
	Ticket    string

	expiresIn time.Duration
}

// OneLogin's documented maximum validity, and the shortest we ask for (the
// minimum is undocumented; a token nobody can type in time helps no one).
const (
	maxMFAValidity = 72 * time.Hour
	minMFAValidity = 2 * time.Minute
)

func readMFAForm(v url.Values) mfaForm {
	return mfaForm{ExpiresIn: field(v, "expires_in"), Reusable: checked(v.Get("reusable")), Ticket: field(v, "ticket")}
}

func (f *mfaForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	n, err := strconv.Atoi(f.ExpiresIn)
	d := time.Duration(n) * time.Second
	switch {
	case f.ExpiresIn == "":
		errs.add("expires_in", "Choose how long the token stays valid.")
	case err != nil || d < minMFAValidity || d > maxMFAValidity:
		errs.add("expires_in", "A token can be valid for 2 minutes up to 72 hours.")
	}
	f.expiresIn = d
	return errs.result()
}

func (f mfaForm) values() map[string]string {
	m := map[string]string{"expires_in": f.ExpiresIn, "ticket": f.Ticket}
	if f.Reusable {
		m["reusable"] = "true"
	}
	return m
}
