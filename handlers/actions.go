package handlers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

// Every account action reads the same way: parse the id, read and validate
// the form (a message beside the field and no call to OneLogin when it is
// wrong), fetch the person, take the action through h.act, then re-render
// the action's panel with what OneLogin now says. OneLogin refusing the
// action is shown beside it in OneLogin's words; OneLogin being unreachable
// or rate limited goes to the central error handler, which shows the banner.
// Each action lives with its form in a file of its own (lock.go,
// password.go, state.go, ...); this file holds the shape they share.

// panelSpec is the panel an action re-renders and what that panel needs
// besides the user.
type panelSpec struct {
	render func(views.UserView) templ.Component
	roles  bool // the person's roles by name and the tenant's roles
	attrs  bool // the tenant's custom attribute names
	// status marks the status panel, which carries the header's badge
	// itself and is not repeated out of band.
	status bool
}

var (
	statusPanel     = panelSpec{render: views.StatusPanel, status: true}
	lockPanel       = panelSpec{render: views.LockPanel}
	sessionPanel    = panelSpec{render: views.SessionPanel}
	passwordPanel   = panelSpec{render: views.PasswordPanel}
	invitePanel     = panelSpec{render: views.InvitePanel}
	mfaPanel        = panelSpec{render: views.MFAPanel}
	statePanel      = panelSpec{render: views.StatePanel}
	rolesPanel      = panelSpec{render: views.RolesPanel, roles: true}
	attributesPanel = panelSpec{render: views.AttributesPanel, attrs: true}
	dangerPanel     = panelSpec{render: views.DangerPanel}
)

// openPanel is GET of an action's URL: the action's panel, loaded into the
// person's page when asked for (or, without JavaScript, on a page of its
// own). Nothing is changed.
func (h *Handler) openPanel(p panelSpec) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := actionUserID(c)
		if err != nil {
			return err
		}
		u, err := h.ol.GetUser(c.Request().Context(), id)
		if err != nil {
			if errors.Is(err, client.ErrNotFound) {
				return notFound(fmt.Sprintf("OneLogin has no user with id %d. They may have been deleted; search for them by name or email.", id))
			}
			return err
		}
		v := h.actionView(c, u, p)
		v.Opened = true
		return h.answer(c, http.StatusOK, p, v)
	}
}

// actionUserID reads the :id path parameter. OneLogin ids are positive
// integers; anything else is refused before OneLogin is called.
func actionUserID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("That is not a OneLogin user id: ids are whole numbers.")
	}
	return id, nil
}

// formValues is the posted form; a body that cannot be parsed is a 400.
func formValues(c echo.Context) (url.Values, error) {
	v, err := c.FormParams()
	if err != nil {
		return nil, &problem{Status: http.StatusBadRequest, Heading: "Bad request",
			Message: "The form could not be read. Reload the page and try again.", Err: err}
	}
	return v, nil
}

// actionTarget names the person an action is about, for the audit trail.
func actionTarget(u *client.User) Target {
	return Target{ID: u.ID, Email: u.Email, Name: u.Name()}
}

func attemptOn(a access.Action, u *client.User, ticket string, params map[string]string) Attempt {
	return Attempt{Action: a, Target: actionTarget(u), User: u, Ticket: ticket, Params: params}
}

// actionView builds what a panel needs. A part OneLogin cannot deliver is
// listed in Missing rather than failing the answer: the action itself has
// already happened by the time a panel is re-rendered.
func (h *Handler) actionView(c echo.Context, u *client.User, p panelSpec) views.UserView {
	ctx := c.Request().Context()
	v := views.UserView{Page: h.page(c, u.Name(), "users"), User: *u, Now: h.now(), Loc: h.loc,
		OneLoginURL: views.OneLoginUserURL(h.userURL, u.ID), ManagerName: h.dir.KnownName(u.ManagerUserID)}
	h.fillSubject(ctx, &v)
	v.Caller = h.caller.policy()
	if p.roles {
		h.fillRoles(ctx, &v)
	}
	if p.attrs {
		h.fillAttributes(ctx, &v)
	}
	return v
}

func (h *Handler) fillRoles(ctx context.Context, v *views.UserView) {
	all, err := h.dir.Roles(ctx)
	if err != nil {
		h.log.WarnContext(ctx, "role names unavailable for panel; showing role ids", "error", err)
		v.Missing = append(v.Missing, "role names")
	}
	v.AllRoles = all
	v.Roles = rolesOf(v.User.RoleIDs, all)
}

func (h *Handler) fillAttributes(ctx context.Context, v *views.UserView) {
	names, err := h.dir.CustomAttributes(ctx)
	if err != nil {
		// The user object lists every defined attribute, so its keys
		// are a complete fallback.
		h.log.WarnContext(ctx, "custom attribute names unavailable for panel; using the user's", "error", err)
		names = slices.Sorted(maps.Keys(v.User.CustomAttributes))
	}
	v.AttributeNames = names
}

// refreshed makes v an answer that also brings the rest of the person's
// page up to date: the status panel and badge, the profile (roles and
// attributes by name) and the history, swapped out of band. The role
// names and attribute definitions come from the directory's cache.
func (h *Handler) refreshed(c echo.Context, v *views.UserView) {
	ctx := c.Request().Context()
	v.Refresh = true
	if v.AllRoles == nil {
		h.fillRoles(ctx, v)
	}
	if v.AttributeNames == nil {
		h.fillAttributes(ctx, v)
	}
	hs, ok := h.audit.(historySource)
	who, _ := h.identity(ctx)
	if !ok || (who.Role < access.RoleHelpdesk && !h.viewersSeeHistory) {
		return
	}
	v.HistoryEnabled = true
	hctx, cancel := context.WithTimeout(ctx, historyBudget)
	defer cancel()
	recs, err := hs.ForTarget(hctx, v.User.ID, historyEntries)
	if err != nil {
		h.log.WarnContext(ctx, "helpdesk history unavailable after an action", "user_id", v.User.ID, "error", err)
		v.Missing = append(v.Missing, "history")
	}
	v.History = recs
}

// rolesOf resolves role ids to names, sorted by name as the user page lists
// them; an id the tenant list lacks (a role created a moment ago) is still
// shown, by number.
func rolesOf(ids []int64, all []client.Role) []client.Role {
	names := make(map[int64]string, len(all))
	for _, r := range all {
		names[r.ID] = r.Name
	}
	out := make([]client.Role, 0, len(ids))
	for _, id := range ids {
		name, ok := names[id]
		if !ok {
			name = "Role " + strconv.FormatInt(id, 10)
		}
		out = append(out, client.Role{ID: id, Name: name})
	}
	slices.SortStableFunc(out, func(a, b client.Role) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out
}

// answer sends a panel: the fragment for htmx (with out-of-band copies of
// the rest of the page when the view is refreshed), or a page holding just
// the panel for a browser without JavaScript.
func (h *Handler) answer(c echo.Context, status int, p panelSpec, v views.UserView) error {
	body := p.render(v)
	if !wantsFragment(c) {
		body = views.ActionPage(v, body)
	} else {
		body = views.Refreshed(v, body, p.status)
	}
	return h.render(c, status, v.Page, body)
}

// formState is what a panel's form gets back: the values that are safe to
// show again (never a password, hash, salt or token) and which form of the
// panel they belong to.
func formState(form string, values map[string]string, errs fieldErrors) views.Form {
	vals := make(map[string]string, len(values)+1)
	for k, v := range values {
		vals[k] = v
	}
	vals["form"] = form
	return views.Form{Values: vals, Errors: errs}
}

// invalid answers a form that failed validation: 422, the panel with a
// message beside each field, and OneLogin was not asked to do anything.
func (h *Handler) invalid(c echo.Context, p panelSpec, u *client.User, form string, values map[string]string, errs fieldErrors) error {
	v := h.actionView(c, u, p)
	v.Form = formState(form, values, errs)
	return h.answer(c, http.StatusUnprocessableEntity, p, v)
}

// ticketError puts act's "ticket required" refusal beside the ticket field.
func ticketError(err error) fieldErrors {
	if errors.Is(err, errTicketRequired) {
		return fieldErrors{"ticket": errTicketRequired.Message}
	}
	return nil
}

// refusal is OneLogin's own sentence for an action it refused, or nil when
// the error is not a refusal of this action: OneLogin unreachable, rate
// limited or refusing the console's credential (the banner's business), the
// person gone (404), or an error of the console itself.
func (h *Handler) refusal(err error) *client.Error {
	var ce *client.Error
	if b, _ := h.upstream(err); b != nil || !errors.As(err, &ce) {
		return nil
	}
	switch ce.HTTPStatus {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity:
		return ce
	}
	return nil
}

// refusedStatus is the console's status for a refusal: 403 stays 403, any
// other refusal is input OneLogin would not accept.
func refusedStatus(ce *client.Error) int {
	if ce.HTTPStatus == http.StatusForbidden {
		return http.StatusForbidden
	}
	return http.StatusUnprocessableEntity
}

// oneLoginSays is OneLogin's sentence, with the attribute it names if any.
func oneLoginSays(ce *client.Error) string {
	msg := strings.TrimSpace(ce.Message)
	if msg == "" {
		msg = strings.ToLower(http.StatusText(ce.HTTPStatus))
	}
	if ce.Attribute != "" {
		msg = ce.Attribute + ": " + msg
	}
	return msg
}

// failed answers an action that did not succeed. A refusal by OneLogin is
// shown in the panel beside the action, in OneLogin's words; anything else
// goes to the central error handler.
func (h *Handler) failed(c echo.Context, p panelSpec, u *client.User, form, what string, values map[string]string, err error) error {
	if errs := ticketError(err); errs != nil {
		return h.invalid(c, p, u, form, values, errs)
	}
	var md *maybeDone
	switch {
	case errors.As(err, &md):
		return h.unsure(c, p, u, http.StatusGatewayTimeout,
			noAnswerMessage+": this is the account as OneLogin shows it now. Check it before trying again.", nil)
	case errors.Is(err, errStillLocked):
		return h.unsure(c, p, u, http.StatusConflict, errStillLocked.Message+" Look at why below before trying again.", nil)
	}
	ce := h.refusal(err)
	if ce == nil {
		return err
	}
	v := h.actionView(c, u, p)
	v.Form = formState(form, values, nil)
	v.Notice = &views.Notice{Kind: "error", Message: "OneLogin rejected " + what + ": " + oneLoginSays(ce)}
	return h.answer(c, refusedStatus(ce), p, v)
}

// done answers a successful action: the panel re-rendered from what OneLogin
// now says, with the notice and any one-time secret. A plain form post is
// sent back to the user page instead, unless there is a secret to show.
func (h *Handler) done(c echo.Context, p panelSpec, before *client.User, notice string, secret *views.Secret) error {
	return h.doneAs(c, p, before, nil, notice, secret)
}

// doneAs is done for an action that read the person back itself (after;
// nil when it could not): that read is shown rather than a second one.
func (h *Handler) doneAs(c echo.Context, p panelSpec, before, after *client.User, notice string, secret *views.Secret) error {
	if !wantsFragment(c) && secret == nil {
		return h.seeOther(c, views.UserPath(before.ID, ""))
	}
	ctx := c.Request().Context()
	u := after
	if u == nil {
		var err error
		if u, err = h.ol.GetUser(ctx, before.ID); err != nil {
			// The action succeeded; failing now would hide that (and lose a
			// secret that exists nowhere else), so show the person as they were.
			h.log.WarnContext(ctx, "re-reading user after action failed", "user_id", before.ID, "error", err)
			u = before
		}
	}
	v := h.actionView(c, u, p)
	v.Notice = &views.Notice{Kind: "success", Message: notice}
	v.Secret = secret
	h.refreshed(c, &v)
	return h.answer(c, http.StatusOK, p, v)
}

// unsure answers an action whose effect is not what was asked or not known:
// the panel from what OneLogin says now (or, if it cannot be read, as it
// was), with a warning and any secret that may already be in force.
func (h *Handler) unsure(c echo.Context, p panelSpec, before *client.User, status int, warning string, secret *views.Secret) error {
	ctx := context.WithoutCancel(c.Request().Context())
	u, err := h.ol.GetUser(ctx, before.ID)
	if err != nil {
		h.log.WarnContext(ctx, "re-reading user after an unsure action failed", "user_id", before.ID, "error", err)
		u = before
	}
	v := h.actionView(c, u, p)
	v.Notice = &views.Notice{Kind: "warning", Message: warning}
	v.Secret = secret
	h.refreshed(c, &v)
	return h.answer(c, status, p, v)
}

// seeOther ends a successful post: a 303 for a browser, HX-Redirect for htmx
// (which would otherwise swap the next page into a panel).
func (h *Handler) seeOther(c echo.Context, to string) error {
	if wantsFragment(c) {
		c.Response().Header().Set(hxRedirect, to)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// start is the common opening of an action: the id, the posted form and the
// person, in that order, so a bad id never reaches OneLogin.
func (h *Handler) start(c echo.Context) (*client.User, url.Values, error) {
	id, err := actionUserID(c)
	if err != nil {
		return nil, nil, err
	}
	form, err := formValues(c)
	if err != nil {
		return nil, nil, err
	}
	u, err := h.ol.GetUser(c.Request().Context(), id)
	if err != nil {
		return nil, nil, err
	}
	return u, form, nil
}
