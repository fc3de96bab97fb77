package handlers

import (
	"context"
	"net/mail"
	"net/url"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/views"
)

// Set-password links (OneLogin's invite-link API, extra reference §3):
// instead of reading a password aloud, OneLogin mails the person a link to
// choose their own, or makes one that staff pass on, shown once. The
// person's OneLogin email names them, as OneLogin has it (it matches
// case-sensitively). Audited like every action; the link itself is a
// secret and goes nowhere but the page it is shown on.

// inviteForm asks for a set-password link.
type inviteForm struct {
	Delivery      string // "email" or "link"
	PersonalEmail string // optional: mail it here instead
	Ticket        string
}

func readInviteForm(v url.Values) inviteForm {
	d := field(v, "delivery")
	if d == "" {
		d = "email"
	}
	return inviteForm{Delivery: d, PersonalEmail: field(v, "personal_email"), Ticket: field(v, "ticket")}
}

func (f *inviteForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	switch f.Delivery {
	case "email", "link":
	default:
		errs.add(formError, "Choose to mail the link or to show it here.")
	}
	if f.PersonalEmail != "" {
		if a, err := mail.ParseAddress(f.PersonalEmail); err != nil || a.Address != f.PersonalEmail || a.Name != "" || len(f.PersonalEmail) > 254 {
			errs.add("personal_email", "Enter an email address like name@example.com, or leave it empty to use their OneLogin email.")
		}
		if f.Delivery == "link" {
			errs.add("personal_email", "A link shown here is not mailed anywhere: leave the address empty, or mail the link.")
		}
	}
	return errs.result()
}

func (f inviteForm) values() map[string]string {
	return map[string]string{"personal_email": f.PersonalEmail, "ticket": f.Ticket}
}

// invite is POST /users/:id/invite.
func (h *Handler) invite(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	f := readInviteForm(form)
	errs := f.Validate()
	if errs == nil && u.Email == "" {
		errs = fieldErrors{formError: "OneLogin sends set-password links by email, and " + u.Name() + " has none. Set a password instead."}
	}
	if errs != nil {
		return h.invalid(c, invitePanel, u, "invite", f.values(), errs)
	}
	params := map[string]string{"delivery": f.Delivery}
	if f.Delivery == "email" {
		params["sent_to"] = u.Email
		if f.PersonalEmail != "" {
			params["sent_to"] = f.PersonalEmail
		}
	}
	var sentTo, link string
	err = h.act(c, attemptOn(access.InviteLink, u, f.Ticket, params), func(ctx context.Context) error {
		if f.Delivery == "link" {
			l, err := h.ol.GetInviteLink(ctx, u.Email)
			if err == nil {
				link = l.URL
			}
			return err
		}
		var err error
		sentTo, err = h.ol.SendInviteLink(ctx, u.Email, f.PersonalEmail)
		return err
	})
	if err != nil {
		return h.failed(c, invitePanel, u, "invite", "the set-password link", f.values(), err)
	}
	if f.Delivery == "link" {
		secret := &views.Secret{Label: "Set-password link for " + u.Name(), Value: link}
		return h.done(c, invitePanel, u, "Made a set-password link for "+u.Name()+
			". Give it to them now: it is shown only this once and works until it is used.", secret)
	}
	return h.done(c, invitePanel, u, "OneLogin mailed "+u.Name()+" a set-password link at "+sentTo+".", nil)
}
