package handlers

// Adding and removing a person's roles, with their form.

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
)

func (h *Handler) addRoles(c echo.Context) error    { return h.changeRoles(c, true) }
func (h *Handler) removeRoles(c echo.Context) error { return h.changeRoles(c, false) }

// changeRoles adds or removes roles. Only the tenant's roles are accepted;
// whether the person has them already is OneLogin's to say.
func (h *Handler) changeRoles(c echo.Context, add bool) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	action, formName, call := access.RemoveRoles, "roles-remove", h.ol.RemoveRoles
	if add {
		action, formName, call = access.AddRoles, "roles-add", h.ol.AddRoles
	}
	f := readRolesForm(form)
	tenantRoles, err := h.dir.Roles(ctx)
	if err != nil {
		return err
	}
	if errs := f.Validate(tenantRoles); errs != nil {
		return h.invalid(c, rolesPanel, u, formName, f.values(), errs)
	}
	if add {
		if q := h.grantQuestion(u, f.names); q != nil {
			if q := h.unconfirmed(c, form, formName, action, u, f.values(), *q); q != nil {
				return h.askFirst(c, rolesPanel, u, formName, f.values(), q)
			}
		}
	} else {
		q := question{text: "Remove " + rolesWord(f.names) + " from " + u.Name() + "? They lose what it gives them.",
			button: "Yes, remove " + strings.Join(f.names, ", "), submitName: "role_id", submitValue: strings.Join(f.RoleIDs, ","), danger: true}
		if q := h.unconfirmed(c, form, formName, action, u, f.values(), q); q != nil {
			return h.askFirst(c, rolesPanel, u, formName, f.values(), q)
		}
	}
	ids := make([]string, len(f.ids))
	for i, id := range f.ids {
		ids[i] = strconv.FormatInt(id, 10)
	}
	params := map[string]string{"role_ids": strings.Join(ids, ","), "roles": strings.Join(f.names, ", ")}
	err = h.act(c, attemptOn(action, u, f.Ticket, params), func(ctx context.Context) error {
		return call(ctx, u.ID, f.ids)
	})
	if err != nil {
		return h.failed(c, rolesPanel, u, formName, "the role change", f.values(), err)
	}
	roles := rolesWord(f.names)
	notice := "Gave " + u.Name() + " " + roles + "."
	if !add {
		notice = "Removed " + roles + " from " + u.Name() + "."
	}
	return h.done(c, rolesPanel, u, notice, nil)
}

// grantQuestion is what giving roles asks first when a role makes the
// person console staff or a protected account, or nil for ordinary roles.
func (h *Handler) grantQuestion(u *client.User, names []string) *question {
	becomes := ""
	switch {
	case h.staffRoles[access.RoleAdmin].HasAny(names):
		becomes = "a console admin and a protected account"
	case h.staffRoles[access.RoleHelpdesk].HasAny(names):
		becomes = "a helpdesk agent in this console and a protected account"
	case h.protected.HasAny(names):
		becomes = "a protected account"
	default:
		return nil
	}
	return &question{
		text:   "Give " + u.Name() + " " + rolesWord(names) + "? " + u.Name() + " becomes " + becomes + ": only admins may act on their account from then on.",
		button: "Yes, give " + strings.Join(names, ", "),
		danger: true,
	}
}

// rolesWord names roles in a sentence: "the role Sales", "the roles A, B".
func rolesWord(names []string) string {
	if len(names) == 1 {
		return "the role " + names[0]
	}
	return "the roles " + strings.Join(names, ", ")
}

// rolesForm adds or removes roles, chosen by id among the tenant's roles.
type rolesForm struct {
	RoleIDs []string
	Ticket  string

	ids   []int64
	names []string
}

func readRolesForm(v url.Values) rolesForm {
	var ids []string
	for _, s := range v["role_id"] {
		if s = strings.TrimSpace(s); s != "" {
			ids = append(ids, s)
		}
	}
	return rolesForm{RoleIDs: ids, Ticket: field(v, "ticket")}
}

// Validate accepts only roles the tenant has, so a stale or forged id never
// reaches OneLogin.
func (f *rolesForm) Validate(tenantRoles []client.Role) fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	if len(f.RoleIDs) == 0 {
		errs.add("role_id", "Choose a role.")
	}
	names := make(map[int64]string, len(tenantRoles))
	for _, r := range tenantRoles {
		names[r.ID] = r.Name
	}
	f.ids, f.names = nil, nil
	for _, s := range f.RoleIDs {
		id, err := strconv.ParseInt(s, 10, 64)
		name, ok := names[id]
		if err != nil || !ok {
			errs.add("role_id", "There is no such role in OneLogin. Reload the page to see the current roles.")
			continue
		}
		if !slices.Contains(f.ids, id) {
			f.ids = append(f.ids, id)
			f.names = append(f.names, name)
		}
	}
	return errs.result()
}

func (f rolesForm) values() map[string]string {
	m := map[string]string{"ticket": f.Ticket}
	if len(f.RoleIDs) == 1 {
		m["role_id"] = f.RoleIDs[0]
	}
	return m
}
