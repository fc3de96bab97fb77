package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

const (
	// appsBudget bounds the optional apps call: a slow apps listing must not
	// hold up the rest of a person's page.
	appsBudget = 1500 * time.Millisecond
	// historyBudget bounds reading the audit trail for the history panel.
	historyBudget  = time.Second
	historyEntries = 10
)

// historySource is what the user page needs from the audit trail to show a
// person's recent helpdesk history, newest first. Every audit.Store has it;
// a Recorder without it shows no history.
type historySource interface {
	ForTarget(ctx context.Context, targetID int64, limit int) ([]audit.Record, error)
}

// show is a person's page.
func (h *Handler) show(c echo.Context) error {
	id, err := userIDParam(c)
	if err != nil {
		return err
	}
	v, err := h.userView(c, id)
	if err != nil {
		return err
	}
	if !wantsFragment(c) {
		h.rememberPerson(c, &v.User)
	}
	if n := h.justCreated(c, id); n != nil {
		v.Page.Notice = n
	}
	return h.render(c, 200, v.Page, views.UserPage(v))
}

// userIDParam reads the :id of a user URL; anything but a positive whole
// number is refused before OneLogin is asked.
func userIDParam(c echo.Context) (int64, error) {
	raw := c.Param("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest(fmt.Sprintf("“%s” is not a user id. User ids are whole numbers, as in /users/12345; to find someone by name or email, use the search.", clip(raw)))
	}
	return id, nil
}

// userView loads everything a person's page shows. The user is required;
// apps, role names, attribute names and history are optional and, when they
// fail or are slow, are marked missing instead of failing the page. The
// calls run concurrently. Action handlers use it to re-render panels.
func (h *Handler) userView(c echo.Context, id int64) (views.UserView, error) {
	ctx := c.Request().Context()
	v := views.UserView{Page: h.page(c, "", "users"), Now: h.now(), Loc: h.loc, BaseURL: h.tenantURL()}

	var (
		u                          *client.User
		apps                       []client.App
		roles                      []client.Role
		attrs                      []string
		history                    []audit.Record
		appsErr, rolesErr, attrErr error
		histErr                    error
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var err error
		u, err = h.ol.GetUser(gctx, id)
		return err
	})
	g.Go(func() error {
		actx, cancel := context.WithTimeout(gctx, appsBudget)
		defer cancel()
		apps, appsErr = h.ol.UserApps(actx, id)
		return nil
	})
	g.Go(func() error {
		roles, rolesErr = h.dir.Roles(gctx)
		return nil
	})
	g.Go(func() error {
		attrs, attrErr = h.dir.CustomAttributes(gctx)
		return nil
	})
	hs, hasHistory := h.audit.(historySource)
	who, _ := h.identity(ctx)
	if who.Role < access.RoleHelpdesk && !h.viewersSeeHistory {
		// Other staff's actions on a person are not a viewer's business.
		hasHistory = false
	}
	if hasHistory {
		g.Go(func() error {
			hctx, cancel := context.WithTimeout(gctx, historyBudget)
			defer cancel()
			history, histErr = hs.ForTarget(hctx, id, historyEntries)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if errors.Is(err, client.ErrNotFound) {
			return v, notFound(fmt.Sprintf("OneLogin has no user with id %d. They may have been deleted; search for them by name or email.", id))
		}
		return v, err
	}

	v.User = *u
	h.dir.remember(u)
	v.Page.Title = u.Name()
	v.HistoryEnabled = hasHistory
	v.OneLoginURL = views.OneLoginUserURL(h.userURL, u.ID)
	v.ManagerName = h.dir.KnownName(u.ManagerUserID)
	h.fillSubject(ctx, &v)
	v.Caller = h.caller.policy()

	if appsErr != nil {
		h.log.WarnContext(ctx, "apps of user unavailable; page shown without them", "user_id", id, "error", appsErr)
		v.Missing = append(v.Missing, "apps")
	}
	v.Apps = apps

	v.AllRoles = roles
	names := map[int64]string{}
	for _, r := range roles {
		names[r.ID] = r.Name
	}
	if rolesErr != nil {
		h.log.WarnContext(ctx, "role names unavailable; showing role ids", "error", rolesErr)
		v.Missing = append(v.Missing, "role names")
	}
	for _, rid := range u.RoleIDs {
		name, ok := names[rid]
		if !ok {
			name = "Role " + strconv.FormatInt(rid, 10)
		}
		v.Roles = append(v.Roles, client.Role{ID: rid, Name: name})
	}
	sort.SliceStable(v.Roles, func(i, j int) bool { return strings.ToLower(v.Roles[i].Name) < strings.ToLower(v.Roles[j].Name) })

	if attrErr != nil {
		// The user object lists every defined attribute, so its keys are a
		// complete fallback.
		h.log.WarnContext(ctx, "custom attribute names unavailable; using the user's", "error", attrErr)
		for k := range u.CustomAttributes {
			attrs = append(attrs, k)
		}
		sort.Strings(attrs)
	}
	v.AttributeNames = attrs

	if histErr != nil {
		h.log.WarnContext(ctx, "helpdesk history unavailable", "user_id", id, "error", histErr)
		v.Missing = append(v.Missing, "history")
	}
	v.History = history
	return v, nil
}

// tenantURL is the OneLogin base URL when the client can tell it, for
// resolving app icons given as paths on the tenant host.
func (h *Handler) tenantURL() string {
	if b, ok := h.ol.(interface{ BaseURL() string }); ok {
		return b.BaseURL()
	}
	return ""
}

// name is GET /users/:id/name: the person's name linked to their page, for
// a page that shows someone by id until it knows their name (a manager).
// Names are cached (directory.Name), so a team's pages ask once.
func (h *Handler) name(c echo.Context) error {
	id, err := userIDParam(c)
	if err != nil {
		return err
	}
	c.Response().Header().Add("Vary", hxRequest)
	name, err := h.dir.Name(c.Request().Context(), id)
	switch {
	case errors.Is(err, client.ErrNotFound):
		name = fmt.Sprintf("User %d (no longer in OneLogin)", id)
	case err != nil:
		return err
	}
	return h.write(c, http.StatusOK, views.PersonLink(id, name))
}
