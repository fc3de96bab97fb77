package handlers

import (
	"context"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
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
	return h.render(c, http.StatusOK, pg, views.NewUserPage(pg, h.newUserView(c, views.Form{}, nil)))
}

// newUserView is the create form with the tenant's roles to offer; without
// them (OneLogin slow) the form still creates the person.
func (h *Handler) newUserView(c echo.Context, f views.Form, roleIDs []string) views.NewUser {
	ctx := c.Request().Context()
	roles, err := h.dir.Roles(ctx)
	if err != nil {
		h.log.WarnContext(ctx, "role list for the create form unavailable", "error", err)
	}
	return views.NewUser{Form: f, Roles: roles, RoleIDs: roleIDs}
}

// createExtras are what the create form sets up besides the profile: the
// roles, the manager (by email) and an invitation to set a password.
type createExtras struct {
	roles        rolesForm
	ManagerEmail string
	Invite       bool

	managerID int64
}

func readCreateExtras(v url.Values) createExtras {
	return createExtras{roles: readRolesForm(v), ManagerEmail: field(v, "manager_email"), Invite: checked(v.Get("invite"))}
}

// Validate checks the roles against the tenant's and finds the manager by
// their email, exactly (one OneLogin call when a manager is given).
func (x *createExtras) Validate(ctx context.Context, h *Handler, email string, errs fieldErrors) error {
	if len(x.roles.RoleIDs) > 0 {
		tenant, err := h.dir.Roles(ctx)
		if err != nil {
			return err
		}
		for k, msg := range x.roles.Validate(tenant) {
			if k != "ticket" {
				errs.add(k, msg)
			}
		}
	}
	if x.Invite && email == "" {
		errs.add("email", "An invitation is mailed: enter an email, or untick the invitation.")
	}
	if x.ManagerEmail == "" {
		return nil
	}
	if a, err := mail.ParseAddress(x.ManagerEmail); err != nil || a.Address != x.ManagerEmail || strings.ContainsAny(x.ManagerEmail, "*!,") {
		errs.add("manager_email", "Enter the manager's email address, like name@example.com.")
		return nil
	}
	users, _, err := h.ol.ListUsers(ctx, client.ListUsersQuery{Email: x.ManagerEmail, Limit: 2, Fields: []string{"email"}})
	if err != nil {
		return err
	}
	var found []int64
	for _, u := range users {
		if sameEmail(u.Email, x.ManagerEmail) {
			found = append(found, u.ID)
		}
	}
	switch len(found) {
	case 0:
		errs.add("manager_email", "No one in OneLogin has this email. Check it, or leave the manager empty.")
	case 1:
		x.managerID = found[0]
	default:
		errs.add("manager_email", "More than one person in OneLogin has this email; set the manager on the person's page.")
	}
	return nil
}

// create makes a user from the form, then sets up what else the form asked
// for, each as its own audited action on the new person: the manager, the
// roles, the invitation. The browser goes to the new person's page, whose
// history shows how each went.
func (h *Handler) create(c echo.Context) error {
	ctx := c.Request().Context()
	form, err := formValues(c)
	if err != nil {
		return err
	}
	f := readProfileForm(form)
	f.Comment = "" // not a create field in OneLogin v1
	x := readCreateExtras(form)
	pg := h.page(c, "New user", "users")
	values := f.values()
	values["manager_email"] = x.ManagerEmail
	values["invite"] = strconv.FormatBool(x.Invite)
	again := func(status int, errs fieldErrors) error {
		return h.render(c, status, pg, views.NewUserPage(pg, h.newUserView(c, views.Form{Values: values, Errors: errs}, x.roles.RoleIDs)))
	}
	errs := f.Validate()
	if errs == nil {
		errs = fieldErrors{}
	}
	if err := x.Validate(ctx, h, f.Email, errs); err != nil {
		return err
	}
	if errs = errs.result(); errs != nil {
		return again(http.StatusUnprocessableEntity, errs)
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
		return again(errTicketRequired.Status, errs)
	}
	if err != nil {
		ce := h.refusal(err)
		if ce == nil {
			return err
		}
		pg.Notice = &views.Notice{Kind: "error", Message: "OneLogin rejected the new user: " + oneLoginSays(ce)}
		return again(refusedStatus(ce), attributeError(ce))
	}
	h.writeCookie(c, createdCookie, createdValue{ID: created.ID, All: h.setUpCreated(c, created, x, f.Ticket)})
	return h.seeOther(c, views.UserPath(created.ID, ""))
}

// setUpCreated sets the manager, the roles and the invitation of a person
// just created, each through act; it reports whether all of them went
// through. What did not is in the person's history, in OneLogin's words.
func (h *Handler) setUpCreated(c echo.Context, u *client.User, x createExtras, ticket string) bool {
	ok := true
	if x.managerID != 0 {
		id := x.managerID
		params := changeParams([]fieldChange{{Name: "manager_user_id", Was: "", Now: strconv.FormatInt(id, 10)}})
		err := h.act(c, attemptOn(access.UpdateUser, u, ticket, params), func(ctx context.Context) error {
			_, err := h.ol.UpdateUser(ctx, u.ID, client.UserUpdate{ManagerUserID: &id})
			return err
		})
		ok = ok && err == nil
	}
	if len(x.roles.ids) > 0 {
		ids := make([]string, len(x.roles.ids))
		for i, id := range x.roles.ids {
			ids[i] = strconv.FormatInt(id, 10)
		}
		params := map[string]string{"role_ids": strings.Join(ids, ","), "roles": strings.Join(x.roles.names, ", ")}
		err := h.act(c, attemptOn(access.AddRoles, u, ticket, params), func(ctx context.Context) error {
			return h.ol.AddRoles(ctx, u.ID, x.roles.ids)
		})
		ok = ok && err == nil
	}
	if x.Invite && u.Email != "" {
		params := map[string]string{"delivery": "email", "sent_to": u.Email}
		err := h.act(c, attemptOn(access.InviteLink, u, ticket, params), func(ctx context.Context) error {
			_, err := h.ol.SendInviteLink(ctx, u.Email, "")
			return err
		})
		ok = ok && err == nil
	}
	return ok
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
	delete(v.Form.Values, "ticket") // the field starts with the working ticket
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
	h.rememberDeleted(c, u)
	return h.seeOther(c, "/users")
}
