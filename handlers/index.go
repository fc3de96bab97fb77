package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/client"
	dirindex "onelogin-helpdesk/directory"
	"onelogin-helpdesk/search"
	"onelogin-helpdesk/views"
)

// indexing is the OneLogin client as the handlers use it when the console
// keeps a directory index: every person it reads live refreshes their row
// (a person's page, an action's read before and after, a bulk job's), a
// person OneLogin no longer has or the console deleted leaves the index,
// and an unlock shows at once, so that search and Locked now are current
// after anything done in the console. The index is never read here: every
// action still reads OneLogin.
type indexing struct {
	OneLogin
	ix  *dirindex.Index
	log *slog.Logger
}

// BaseURL passes the client's own on (app icons are resolved against it).
func (o indexing) BaseURL() string {
	if b, ok := o.OneLogin.(interface{ BaseURL() string }); ok {
		return b.BaseURL()
	}
	return ""
}

func (o indexing) GetUser(ctx context.Context, id int64) (*client.User, error) {
	u, err := o.OneLogin.GetUser(ctx, id)
	switch {
	case err == nil:
		o.refresh(ctx, *u)
	case errors.Is(err, client.ErrNotFound):
		o.forget(ctx, id)
	}
	return u, err
}

func (o indexing) DeleteUser(ctx context.Context, id int64) error {
	err := o.OneLogin.DeleteUser(ctx, id)
	if err == nil || errors.Is(err, client.ErrNotFound) {
		o.forget(ctx, id)
	}
	return err
}

// UnlockUser marks the row unlocked once OneLogin says it is done: a bulk
// job does not read the person back, and Locked now must not list them
// until the next sync. A read after the unlock replaces the row anyway.
func (o indexing) UnlockUser(ctx context.Context, id int64) error {
	if err := o.OneLogin.UnlockUser(ctx, id); err != nil {
		return err
	}
	p, ok, err := o.ix.Person(ctx, id)
	if err != nil || !ok || p.Status != client.StatusLocked {
		return nil
	}
	u := p.User()
	u.Status, u.LockedUntil = client.StatusActive, time.Time{}
	o.refresh(ctx, u)
	return nil
}

func (o indexing) refresh(ctx context.Context, u client.User) {
	if err := o.ix.Refresh(context.WithoutCancel(ctx), u); err != nil {
		o.log.WarnContext(ctx, "directory index: a person's row could not be refreshed", "user_id", u.ID, "error", err)
	}
}

func (o indexing) forget(ctx context.Context, id int64) {
	if err := o.ix.Forget(context.WithoutCancel(ctx), id); err != nil {
		o.log.WarnContext(ctx, "directory index: a deleted person could not be removed", "user_id", id, "error", err)
	}
}

// statusChoices are the status filter's choices and the status views, in
// the order the index names the conditions.
var statusChoices = func() []views.StatusChoice {
	out := make([]views.StatusChoice, len(dirindex.Conditions))
	for i, c := range dirindex.Conditions {
		out[i] = views.StatusChoice{Value: string(c), Label: capitalize(search.ConditionWords(c))}
	}
	return out
}()

// indexPageSize is a page of results from the index; indexMaxPage bounds
// how deep a search pages (the index ranks, so the best come first).
const (
	indexPageSize = 50
	indexMaxPage  = 100
)

// searchIndex answers a search from the directory index when the console
// keeps one, its first listing is complete and the search is one the index
// reads (see search.Plan.Indexed); it reports whether it answered. A search
// with a filter only the index has is refused (an *search.InputError) when
// the index cannot answer; any other search falls back to OneLogin's.
func (h *Handler) searchIndex(c echo.Context, v *views.SearchView, in searchInput, p search.Plan) (bool, error) {
	ctx := c.Request().Context()
	q, rule, ok := p.Indexed()
	if h.index == nil || !ok || in.After != "" || in.Before != "" {
		if p.NeedsIndex() {
			return false, &search.InputError{Message: "Status, department and manager filters come from the console's directory index, " +
				"which cannot answer a search by user id, * wildcard, whole domain or creation date. Remove those, or the filter."}
		}
		return false, nil
	}
	page := 1
	if in.Page != "" {
		n, err := strconv.Atoi(in.Page)
		if err != nil || n < 1 || n > indexMaxPage {
			return false, &search.InputError{Message: fmt.Sprintf("A results page is a number from 1 to %d. Start the search again from the box.", indexMaxPage)}
		}
		page = n
	}
	q.Limit = page * indexPageSize
	res, err := h.index.Search(ctx, q)
	notReady := func(note string) (bool, error) {
		if p.NeedsIndex() {
			return false, &search.InputError{Message: note + " Status, department and manager filters work once it is; search without them meanwhile."}
		}
		v.IndexNote = note + " This search asked OneLogin."
		return false, nil
	}
	switch {
	case err != nil:
		h.log.WarnContext(ctx, "directory index unavailable; searching OneLogin", "error", err)
		return notReady("The console's directory index cannot be read just now.")
	case !res.Complete:
		return notReady("The console's directory index is still being filled from OneLogin.")
	}
	for _, hit := range res.Hits[min((page-1)*indexPageSize, len(res.Hits)):] {
		v.Users = append(v.Users, hit.Person.User())
	}
	v.Indexed, v.Total, v.AsOf, v.PageNumber = true, res.Total, res.AsOf, page
	v.Rule = roleNamed(rule, p.RoleID(), v.Roles)
	if page > 1 {
		v.Prev = in.url("page", strconv.Itoa(page-1))
		if page == 2 {
			v.Prev = in.url("", "")
		}
	}
	if res.Total > page*indexPageSize && page < indexMaxPage {
		v.Next = in.url("page", strconv.Itoa(page+1))
	}
	if len(v.Users) == 0 && page == 1 {
		v.Suggestions = in.suggestions()
	}
	v.Focus = page > 1
	return true, nil
}

// directoryStatus is the index's status page for admins: how far the sync
// has come. It reads the state store only.
func (h *Handler) directoryStatus(c echo.Context) error {
	if h.index == nil {
		return notFound("This console keeps no directory index (HELPDESK_DIRECTORY_INDEX=false): search asks OneLogin.")
	}
	ctx := c.Request().Context()
	st, err := h.index.Status(ctx)
	if err != nil {
		return err
	}
	all, err := h.index.Search(ctx, dirindex.Query{Limit: 1})
	if err != nil {
		return err
	}
	v := views.DirectoryView{Page: h.page(c, "Directory index", "directory"), Now: h.now(), Loc: h.loc, State: st, People: all.Total}
	return h.render(c, http.StatusOK, v.Page, views.DirectoryPage(v))
}
