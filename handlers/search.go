package handlers

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/search"
	"onelogin-helpdesk/views"
)

// searchInput is the search as the URL carries it: q, the filters, and at
// most one of the paging cursors after and before.
type searchInput struct {
	views.SearchForm
	After, Before string
	// Page numbers the pages of a search the directory index answers.
	Page string
}

func readSearch(c echo.Context) searchInput {
	q := c.QueryParams()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return searchInput{
		SearchForm: views.SearchForm{
			Q: get("q"), Role: get("role"), Directory: get("directory"),
			Since: get("since"), Until: get("until"), Attr: get("attr"), Value: get("value"),
			Status: get("status"), Department: get("department"), Manager: get("manager"),
		},
		After: get("after"), Before: get("before"), Page: get("page"),
	}
}

// query is the search as the search package reads it.
func (in searchInput) query() search.Query {
	f := in.SearchForm
	return search.Query{Q: f.Q, Role: f.Role, Directory: f.Directory, Since: f.Since, Until: f.Until,
		Attr: f.Attr, Value: f.Value, Status: f.Status, Department: f.Department, Manager: f.Manager,
		After: in.After, Before: in.Before}
}

// values is the canonical URL query of a search, without empty fields, so
// pushed and pasted URLs stay short and identical for the same search.
func (in searchInput) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", in.Q)
	set("role", in.Role)
	set("directory", in.Directory)
	set("since", in.Since)
	set("until", in.Until)
	set("attr", in.Attr)
	set("value", in.Value)
	set("status", in.Status)
	set("department", in.Department)
	set("manager", in.Manager)
	return v
}

// url is the address of this search, on the page given by a cursor.
func (in searchInput) url(cursorKey, cursor string) string {
	v := in.values()
	if cursor != "" {
		v.Set(cursorKey, cursor)
	}
	if len(v) == 0 {
		return "/users"
	}
	return "/users?" + v.Encode()
}

// pushURL is the canonical address of this very page of the search.
func (in searchInput) pushURL() string {
	if in.Page != "" && in.Page != "1" {
		return in.url("page", in.Page)
	}
	if in.Before != "" {
		return in.url("before", in.Before)
	}
	return in.url("after", in.After)
}

// suggestions are searches worth trying when this one found nobody, as
// links: other readings of the box, then the same box without the filters.
func (in searchInput) suggestions() []views.Suggestion {
	var out []views.Suggestion
	for _, s := range search.Suggest(in.query()) {
		q := s.Query
		form := views.SearchForm{Q: q.Q, Role: q.Role, Directory: q.Directory, Since: q.Since, Until: q.Until, Attr: q.Attr, Value: q.Value,
			Status: q.Status, Department: q.Department, Manager: q.Manager}
		out = append(out, views.Suggestion{Label: s.Label, URL: searchInput{SearchForm: form}.url("", "")})
	}
	if in.HasFilters() {
		u := searchInput{SearchForm: views.SearchForm{Q: strings.Join(strings.Fields(in.Q), " ")}}.url("", "")
		out = append(out, views.Suggestion{Label: "the same search without the filters", URL: u})
	}
	return out
}

// list is the people search. Invalid input is answered in place with a 400
// before OneLogin is called; an htmx request aimed at #search-results gets
// just the results.
func (h *Handler) list(c echo.Context) error {
	ctx := c.Request().Context()
	in := readSearch(c)
	v := views.SearchView{
		Page:     h.page(c, "People", "users"),
		Form:     in.SearchForm,
		Now:      h.now(),
		Loc:      h.loc,
		Fragment: wantsFragment(c) && hxTargetIs(c, "search-results"),
	}
	v.Page.SearchBox = true
	if h.index != nil {
		v.Statuses = statusChoices
	}
	if in.Q != "" {
		v.Page.Title = in.Q + " · People"
	}
	if isHTMX(c) {
		// The server's canonical URL replaces the form's, which repeats
		// every empty field.
		c.Response().Header().Set(hxPushURL, in.pushURL())
	}

	p, err := search.Parse(in.query(), h.loc)
	var bad *search.InputError
	if errors.As(err, &bad) {
		v.Error = bad.Message
		return h.searchAnswer(c, 400, v)
	} else if err != nil {
		return err
	}
	v.Searched, v.Rule = p.Searched(), p.Rule()

	// The pickers are only drawn on a whole page; the attribute list is also
	// needed to check an attribute filter.
	var g errgroup.Group
	if !v.Fragment || p.RoleID() != "" {
		g.Go(func() error {
			roles, err := h.dir.Roles(ctx)
			if err != nil {
				h.log.WarnContext(ctx, "role list for the search filters unavailable", "error", err)
			}
			v.Roles = roles
			return nil
		})
	}
	var attrs []string
	var attrsErr error
	if !v.Fragment || p.Attr() != "" {
		g.Go(func() error {
			attrs, attrsErr = h.dir.CustomAttributes(ctx)
			return nil
		})
	}
	_ = g.Wait()
	v.Attributes = attrs
	if attrsErr != nil {
		h.log.WarnContext(ctx, "custom attribute list unavailable", "error", attrsErr)
	} else if p.Attr() != "" && !slices.Contains(attrs, p.Attr()) {
		v.Error = fmt.Sprintf("The tenant has no custom attribute %q. Choose one from the list.", p.Attr())
		return h.searchAnswer(c, 400, v)
	}
	if !p.Searched() {
		v.Home = h.homePanels(c)
		return h.searchAnswer(c, 200, v)
	}
	v.Rule = roleNamed(v.Rule, p.RoleID(), v.Roles)

	answered, err := h.searchIndex(c, &v, in, p)
	switch {
	case err != nil:
		var bad *search.InputError
		if errors.As(err, &bad) {
			v.Error = bad.Message
			return h.searchAnswer(c, 400, v)
		}
		return err
	case answered:
		return h.searchAnswer(c, 200, v)
	}

	res, err := h.searches.Run(ctx, p)
	if err != nil {
		var ce *client.Error
		if errors.As(err, &ce) && ce.HTTPStatus == 400 {
			v.Error = "OneLogin did not accept this search: " + ce.Message + "."
			return h.searchAnswer(c, 400, v)
		}
		return err
	}
	v.Users, v.PageNumber = res.Users, res.Page
	if len(v.Users) == 0 && res.Page == 1 {
		v.Suggestions = in.suggestions()
	}
	if res.Prev != "" || res.PrevFirst {
		v.Prev = in.url("before", res.Prev)
	}
	if res.Next != "" {
		v.Next = in.url("after", res.Next)
	}
	v.Focus = in.After != "" || in.Before != ""
	return h.searchAnswer(c, 200, v)
}

// roleNamed is a rule with the role filtered on named rather than numbered.
func roleNamed(rule, roleID string, roles []client.Role) string {
	for _, r := range roles {
		if roleID != "" && strconv.FormatInt(r.ID, 10) == roleID {
			return strings.Replace(rule, "role "+roleID, "role “"+r.Name+"”", 1)
		}
	}
	return rule
}

func (h *Handler) searchAnswer(c echo.Context, status int, v views.SearchView) error {
	if v.Fragment {
		return h.render(c, status, v.Page, views.SearchResults(v))
	}
	return h.render(c, status, v.Page, views.SearchPage(v))
}
