package handlers

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

// Creating, editing and deleting people. Create and edit are whole pages
// with plain forms; delete is a panel of the user page, confirmed by typing
// the person's email or username.

// newUser shows the empty create form.
func (h *Handler) newUser(c echo.Context) error {
	pg := h.page(c, "New user", "users")
	return h.render(c, http.StatusOK, pg, views.NewUserPage(pg, views.Form{}))
}

// create makes a user from the form. On success the browser goes to the new
// person's page.
func (h *Handler) create(c echo.Context) error {
	form, err := formValues(c)
	if err != nil {
		return err
	}
	f := readProfileForm(form)
	f.Comment = "" // not a create field in OneLogin v1
	pg := h.page(c, "New user", "users")
	if errs := f.Validate(); errs != nil {
		return h.render(c, http.StatusUnprocessableEntity, pg, views.NewUserPage(pg, views.Form{Values: f.values(), Errors: errs}))
	}
	name := strings.TrimSpace(f.Firstname + " " + f.Lastname)
	params := map[string]string{}
	if f.Email != "" {
		params["email"] = f.Email
	}
	if f.Username != "" {
		params["username"] = f.Username
	}
	var created *client.User
	a := Attempt{Action: access.CreateUser, Target: Target{Email: f.Email, Name: name}, Ticket: f.Ticket, Params: params}
	err = h.actCreating(c, a, func(ctx context.Context) (int64, error) {
		var err error
		if created, err = h.ol.CreateUser(ctx, f.create()); err != nil {
			return 0, err
		}
		return created.ID, nil
	})
	if errs := ticketError(err); errs != nil {
		return h.render(c, errTicketRequired.Status, pg, views.NewUserPage(pg, views.Form{Values: f.values(), Errors: errs}))
	}
	if err != nil {
		ce := h.refusal(err)
		if ce == nil {
			return err
		}
		pg.Notice = &views.Notice{Kind: "error", Message: "OneLogin rejected the new user: " + oneLoginSays(ce)}
		return h.render(c, refusedStatus(ce), pg, views.NewUserPage(pg, views.Form{Values: f.values(), Errors: attributeError(ce)}))
	}
	return h.seeOther(c, views.UserPath(created.ID, ""))
}

// attributeError puts OneLogin's message beside the field it names, when it
// names one of the form's fields.
func attributeError(ce *client.Error) fieldErrors {
	if ce.Attribute != "" && slices.Contains(profileFields, ce.Attribute) {
		return fieldErrors{ce.Attribute: ce.Message}
	}
	return nil
}

// edit shows the profile form filled from OneLogin.
func (h *Handler) edit(c echo.Context) error {
	id, err := actionUserID(c)
	if err != nil {
		return err
	}
	u, err := h.ol.GetUser(c.Request().Context(), id)
	if err != nil {
		return err
	}
	v := h.editView(c, u)
	v.Form = views.Form{Values: profileFormOf(*u).values()}
	return h.render(c, http.StatusOK, v.Page, views.EditUserPage(v))
}

func (h *Handler) editView(c echo.Context, u *client.User) views.UserView {
	return views.UserView{Page: h.page(c, "Edit "+u.Name(), "users"), User: *u, Now: h.now(), Loc: h.loc}
}

// update saves the fields that changed; nothing changed is said, not sent.
func (h *Handler) update(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	f := readProfileForm(form)
	errs := f.Validate()
	up, changed := f.update(*u)
	if errs == nil && len(changed) == 0 {
		errs = fieldErrors{formError: "Nothing to save: the profile is as it was."}
	}
	if errs != nil {
		v := h.editView(c, u)
		v.Form = views.Form{Values: f.values(), Errors: errs}
		return h.render(c, http.StatusUnprocessableEntity, v.Page, views.EditUserPage(v))
	}
	err = h.act(c, attemptOn(access.UpdateUser, u, f.Ticket, changeParams(changed)), func(ctx context.Context) error {
		_, err := h.ol.UpdateUser(ctx, u.ID, up)
		return err
	})
	if errs := ticketError(err); errs != nil {
		v := h.editView(c, u)
		v.Form = views.Form{Values: f.values(), Errors: errs}
		return h.render(c, errTicketRequired.Status, v.Page, views.EditUserPage(v))
	}
	if err != nil {
		ce := h.refusal(err)
		if ce == nil {
			return err
		}
		v := h.editView(c, u)
		v.Form = views.Form{Values: f.values(), Errors: attributeError(ce)}
		v.Notice = &views.Notice{Kind: "error", Message: "OneLogin rejected the changes: " + oneLoginSays(ce)}
		return h.render(c, refusedStatus(ce), v.Page, views.EditUserPage(v))
	}
	return h.seeOther(c, views.UserPath(u.ID, ""))
}

// delete removes the account once the person's email (or username) has been
// typed out exactly; then the browser goes back to search.
func (h *Handler) delete(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	f := readDeleteForm(form)
	if errs := f.Validate(*u); errs != nil {
		return h.invalid(c, dangerPanel, u, "delete", f.values(), errs)
	}
	err = h.act(c, attemptOn(access.DeleteUser, u, f.Ticket, nil), func(ctx context.Context) error {
		return h.ol.DeleteUser(ctx, u.ID)
	})
	if err != nil {
		return h.failed(c, dangerPanel, u, "delete", "the deletion", f.values(), err)
	}
	return h.seeOther(c, "/users")
}
