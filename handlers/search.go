package handlers

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

const (
	// searchPageSize is OneLogin's own default page; mergedPageSize is the
	// page of each of the three listings a one-word search merges.
	searchPageSize = 50
	mergedPageSize = 25

	maxSearchLen = 200
	maxCursorLen = 4096
)

// rowFields are the attributes a search result row shows (views.UserRow:
// name, email, username, status with its lock, last sign-in), which are also
// those the merged search sorts by. A search asks OneLogin for these alone
// (id always comes too): a fifth of a whole user to send and to decode.
var rowFields = []string{"firstname", "lastname", "email", "username", "status", "locked_until", "last_login"}

// ---- search: GET /users ----

// searchInput is the search as the URL carries it: q, the filters, and at
// most one of the paging cursors after and before.
type searchInput struct {
	views.SearchForm
	After, Before string
}

func readSearch(c echo.Context) searchInput {
	q := c.QueryParams()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return searchInput{
		SearchForm: views.SearchForm{
			Q: get("q"), Role: get("role"), Directory: get("directory"),
			Since: get("since"), Until: get("until"), Attr: get("attr"), Value: get("value"),
		},
		After: get("after"), Before: get("before"),
	}
}

// query is the canonical URL query of a search, without empty fields, so
// pushed and pasted URLs stay short and identical for the same search.
func (in searchInput) query() url.Values {
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
	return v
}

// url is the address of this search, on the page given by a cursor.
func (in searchInput) url(cursorKey, cursor string) string {
	v := in.query()
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
	if in.Before != "" {
		return in.url("before", in.Before)
	}
	return in.url("after", in.After)
}

// suggestions are searches worth trying when this one found nobody: each
// word alone, the parts of an email, fewer letters, no filters.
func (in searchInput) suggestions() []views.Suggestion {
	q := strings.Join(strings.Fields(in.Q), " ")
	var out []views.Suggestion
	seen := map[string]bool{q: true}
	add := func(label, q2 string, form views.SearchForm) {
		q2 = strings.TrimSpace(q2)
		if q2 == "" || seen[q2] || len(out) >= 5 {
			return
		}
		seen[q2] = true
		form.Q = q2
		out = append(out, views.Suggestion{Label: label, URL: searchInput{SearchForm: form}.url("", "")})
	}
	words := strings.FieldsFunc(q, func(r rune) bool { return r == ' ' || r == ',' })
	switch {
	case q == "" || digits.MatchString(q):
	case strings.Contains(q, "@"):
		local, domain, _ := strings.Cut(q, "@")
		add("“"+local+"” as a name, username or the start of an email", local, in.SearchForm)
		if domain != "" {
			add("everyone at "+domain, "@"+domain, in.SearchForm)
		}
	case len(words) > 1:
		for _, w := range words {
			add("“"+w+"” alone", w, in.SearchForm)
		}
	default:
		if r := []rune(strings.Trim(q, "*")); len(r) > 3 {
			add("fewer letters: “"+string(r[:3])+"”", string(r[:3]), in.SearchForm)
		}
	}
	if in.HasFilters() {
		u := searchInput{SearchForm: views.SearchForm{Q: q}}.url("", "")
		out = append(out, views.Suggestion{Label: "the same search without the filters", URL: u})
	}
	return out
}

// plan is a validated search: the OneLogin query (or the listings whose
// results are merged) and how the box was read.
type plan struct {
	searched bool
	base     client.ListUsersQuery // filters common to every query
	// merged, when set, are the listings a search runs at once and merges
	// by id (one word: four; several words: both orders of the names).
	merged []listing
	// terms are the typed words, lower-cased and without wildcards, which
	// order merged results by relevance.
	terms []string
	rule  string
	attr  string // custom attribute filtered on, checked against the tenant's list
	// Paging: single searches pass OneLogin's cursors through; merged ones
	// carry a mergedPage.
	after, before string
	pos           *mergedPage
}

// listing is one OneLogin users listing of a merged search: the base query
// with these name fields set. Key names it in the paging token.
type listing struct {
	Key       string `json:"k"`
	Username  string `json:"u,omitempty"`
	Firstname string `json:"f,omitempty"`
	Lastname  string `json:"l,omitempty"`
	Email     string `json:"e,omitempty"`
}

func (l listing) query(base client.ListUsersQuery) client.ListUsersQuery {
	q := base
	if l.Username != "" {
		q.Username = l.Username
	}
	if l.Firstname != "" {
		q.Firstname = l.Firstname
	}
	if l.Lastname != "" {
		q.Lastname = l.Lastname
	}
	if l.Email != "" {
		q.Email = l.Email
	}
	return q
}

var (
	digits   = regexp.MustCompile(`^[0-9]{1,19}$`)
	attrName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// Validate checks a search without calling OneLogin and turns it into a
// plan. Its errors are *problem with a message fit to show.
func (in searchInput) Validate(loc *time.Location) (plan, error) {
	var p plan
	if utf8.RuneCountInString(in.Q) > maxSearchLen {
		return p, badRequest(fmt.Sprintf("The search is longer than %d characters; type less of it.", maxSearchLen))
	}
	if in.After != "" && in.Before != "" {
		return p, badRequest("A page link cannot ask for the pages after and before at once. Start the search again from the box.")
	}
	if len(in.After) > maxCursorLen || len(in.Before) > maxCursorLen {
		return p, badRequest("This page link is damaged. Start the search again from the box.")
	}
	if in.Q != "" {
		if err := readBox(in.Q, &p); err != nil {
			return p, err
		}
	}
	var rules []string
	if in.Role != "" {
		if !digits.MatchString(in.Role) {
			return p, badRequest("Choose the role from the list of roles.")
		}
		p.base.RoleID = in.Role
		rules = append(rules, "role "+in.Role)
	}
	if in.Directory != "" {
		if !digits.MatchString(in.Directory) {
			return p, badRequest(fmt.Sprintf("A directory id is a whole number, like 12345; %q is not.", clip(in.Directory)))
		}
		p.base.DirectoryID = in.Directory
		rules = append(rules, "directory "+in.Directory)
	}
	var since, until time.Time
	var err error
	if in.Since != "" {
		if since, err = time.ParseInLocation(time.DateOnly, in.Since, loc); err != nil {
			return p, badRequest(fmt.Sprintf("“Created on or after” must be a date like 2024-05-31; %q is not.", clip(in.Since)))
		}
		// OneLogin's since is "created strictly after".
		p.base.Since = since
		rules = append(rules, "created on or after "+in.Since)
	}
	if in.Until != "" {
		if until, err = time.ParseInLocation(time.DateOnly, in.Until, loc); err != nil {
			return p, badRequest(fmt.Sprintf("“Created on or before” must be a date like 2024-05-31; %q is not.", clip(in.Until)))
		}
		// OneLogin's until is "created strictly before": the next midnight
		// includes the whole day the person picked.
		p.base.Until = until.AddDate(0, 0, 1)
		rules = append(rules, "created on or before "+in.Until)
	}
	if !since.IsZero() && !until.IsZero() && since.After(until) {
		return p, badRequest("“Created on or after” is later than “created on or before”, so nobody can match. Swap the dates.")
	}
	switch {
	case in.Attr != "" && !attrName.MatchString(in.Attr):
		return p, badRequest("Choose the custom attribute from the list.")
	case in.Attr != "" && in.Value == "":
		return p, badRequest(fmt.Sprintf("Type the value of %s to look for (use * for any value that starts with what you type).", in.Attr))
	case in.Attr == "" && in.Value != "":
		return p, badRequest("Choose which custom attribute the value is for.")
	case utf8.RuneCountInString(in.Value) > maxSearchLen:
		return p, badRequest(fmt.Sprintf("The attribute value is longer than %d characters; type less of it.", maxSearchLen))
	case in.Attr != "":
		if err := checkWildcards(in.Value); err != nil {
			return p, err
		}
		p.base.CustomAttributes = map[string]string{in.Attr: in.Value}
		p.attr = in.Attr
		rules = append(rules, describe(in.Attr, in.Value))
	}

	p.searched = in.Q != "" || len(rules) > 0
	if len(rules) > 0 {
		if p.rule != "" {
			rules = append([]string{p.rule}, rules...)
		}
		p.rule = strings.Join(rules, ", ")
	}
	if !p.searched {
		return p, nil // no search: the cursors mean nothing
	}
	if p.merged == nil {
		p.after, p.before = in.After, in.Before
		return p, nil
	}
	if tok := in.After + in.Before; tok != "" {
		m, ok := decodeMergedPage(tok, p.merged)
		if !ok {
			return p, badRequest("This page link is damaged or belongs to another search. Start the search again from the box.")
		}
		p.pos = m
	}
	return p, nil
}

// readBox reads the one search box. The rule, also shown as help text
// (views.SearchHelp), with what each form costs in OneLogin calls (the
// listings of a merged search run at once, so each costs one round trip):
//
//   - a whole number                → that user id (1 call)
//   - contains @                    → email starts with it; a leading @ (@example.com)
//     means email ends with it, i.e. a whole domain (1 call)
//   - "last, first"                 → last name and first name start with them (1 call)
//   - two words                     → first name starts with one and last name with the
//     other, in either order (2 calls, merged)
//   - three or more words           → first name the first words and last name the last,
//     first name the first word and last name the rest, or last name the first word and
//     first name the rest (3 calls, merged)
//   - one word                      → username, first name, last name or email starts with
//     it (4 calls, merged)
//
// A search settles at 4 calls or fewer: the filters add nothing (they go
// into every listing), the next page costs the same or less (a listing that
// has run out is not asked again), and the same search asked again within
// searchCacheTTL costs none (searchCache).
//
// Every word gets a trailing * (prefix search) unless the person typed a *
// in it; OneLogin only allows * at the start or end of a value.
func readBox(q string, p *plan) error {
	q = strings.Join(strings.Fields(q), " ")
	switch {
	case digits.MatchString(q):
		p.base.ID = q
		p.rule = "user id " + q
	case strings.Contains(q, "@"):
		if strings.Contains(q, " ") {
			return badRequest("An email cannot contain spaces. Type the email alone, or a name without @.")
		}
		v := q
		if strings.HasPrefix(v, "@") && !strings.Contains(v, "*") {
			v = "*" + v
		} else if err := withPrefix(&v); err != nil {
			return err
		}
		p.base.Email = v
		p.rule = describe("email", v)
	case strings.Contains(q, ","):
		last, first, _ := strings.Cut(q, ",")
		last, first = strings.TrimSpace(last), strings.TrimSpace(first)
		if last == "" && first == "" {
			return badRequest("Type a name before or after the comma, as in “smith, ann”.")
		}
		var rules []string
		if last != "" {
			if err := withPrefix(&last); err != nil {
				return err
			}
			p.base.Lastname = last
			rules = append(rules, describe("last name", last))
		}
		if first != "" {
			if err := withPrefix(&first); err != nil {
				return err
			}
			p.base.Firstname = first
			rules = append(rules, describe("first name", first))
		}
		p.rule = strings.Join(rules, " and ")
	case strings.Contains(q, " "):
		words := strings.Split(q, " ")
		p.terms = termsOf(words)
		n := len(words)
		var err error
		name := func(ws []string) string {
			v := strings.Join(ws, " ")
			if e := withPrefix(&v); e != nil && err == nil {
				err = e
			}
			return v
		}
		head, tail := name(words[:n-1]), name(words[n-1:])
		first, rest := name(words[:1]), name(words[1:])
		if err != nil {
			return err
		}
		p.merged = []listing{
			{Key: "fl", Firstname: head, Lastname: tail},
			{Key: "lf", Firstname: rest, Lastname: first},
		}
		if n > 2 {
			// A double last name: "maria de la cruz".
			p.merged = append(p.merged, listing{Key: "fr", Firstname: first, Lastname: rest})
		}
		p.rule = describe("first name", head) + " and " + describe("last name", tail) + ", or the other way round"
	default:
		v := q
		if err := withPrefix(&v); err != nil {
			return err
		}
		p.terms = termsOf([]string{q})
		p.merged = []listing{
			{Key: "u", Username: v}, {Key: "f", Firstname: v}, {Key: "l", Lastname: v}, {Key: "e", Email: v},
		}
		p.rule = strings.Replace(describe("username, first name, last name or email", v), " starts", " start", 1)
	}
	return nil
}

// termsOf lowers the typed words and drops their wildcards, for relevance.
func termsOf(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = strings.ToLower(strings.Trim(w, "*"))
	}
	return out
}

// withPrefix makes a term a prefix search unless it carries its own *.
func withPrefix(term *string) error {
	if err := checkWildcards(*term); err != nil {
		return err
	}
	if !strings.Contains(*term, "*") {
		*term += "*"
	}
	return nil
}

// checkWildcards enforces OneLogin's rule: * only at the start or the end.
func checkWildcards(v string) error {
	inner := strings.Trim(v, "*")
	if strings.Contains(inner, "*") {
		return badRequest(fmt.Sprintf("OneLogin only understands * at the start or end of a word, not inside %q.", clip(v)))
	}
	if inner == "" {
		return badRequest("Type at least one letter or digit besides *.")
	}
	return nil
}

// describe says in words what a OneLogin match value does.
func describe(field, v string) string {
	inner := strings.Trim(v, "*")
	switch head, tail := strings.HasPrefix(v, "*"), strings.HasSuffix(v, "*"); {
	case head && tail:
		return fmt.Sprintf("%s contains “%s”", field, inner)
	case head:
		return fmt.Sprintf("%s ends with “%s”", field, inner)
	case tail:
		return fmt.Sprintf("%s starts with “%s”", field, inner)
	}
	return fmt.Sprintf("%s is “%s”", field, v)
}

// clip shortens typed input quoted back in a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
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
	if in.Q != "" {
		v.Page.Title = in.Q + " · People"
	}
	if isHTMX(c) {
		// The server's canonical URL replaces the form's, which repeats
		// every empty field.
		c.Response().Header().Set(hxPushURL, in.pushURL())
	}

	p, err := in.Validate(h.loc)
	var bad *problem
	if errors.As(err, &bad) {
		v.Error = bad.Message
		return h.searchAnswer(c, bad.Status, v)
	} else if err != nil {
		return err
	}
	v.Searched, v.Rule = p.searched, p.rule

	// The pickers are only drawn on a whole page; the attribute list is also
	// needed to check an attribute filter.
	var g errgroup.Group
	if !v.Fragment || p.base.RoleID != "" {
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
	if !v.Fragment || p.attr != "" {
		g.Go(func() error {
			attrs, attrsErr = h.dir.CustomAttributes(ctx)
			return nil
		})
	}
	_ = g.Wait()
	v.Attributes = attrs
	if attrsErr != nil {
		h.log.WarnContext(ctx, "custom attribute list unavailable", "error", attrsErr)
	} else if p.attr != "" && !hasString(attrs, p.attr) {
		v.Error = fmt.Sprintf("The tenant has no custom attribute %q. Choose one from the list.", p.attr)
		return h.searchAnswer(c, 400, v)
	}
	if p.base.RoleID != "" {
		// Say the role's name rather than its id in the rule.
		for _, r := range v.Roles {
			if strconv.FormatInt(r.ID, 10) == p.base.RoleID {
				v.Rule = strings.Replace(v.Rule, "role "+p.base.RoleID, "role “"+r.Name+"”", 1)
			}
		}
	}
	if !p.searched {
		v.Home = h.homePanels(c)
		return h.searchAnswer(c, 200, v)
	}

	res, err := h.search(ctx, p)
	if err != nil {
		var ce *client.Error
		if errors.As(err, &ce) && ce.HTTPStatus == 400 {
			v.Error = "OneLogin did not accept this search: " + ce.Message + "."
			return h.searchAnswer(c, 400, v)
		}
		return err
	}
	v.Users, v.PageNumber = res.users, res.page
	if len(v.Users) == 0 && res.page == 1 {
		v.Suggestions = in.suggestions()
	}
	if res.prev != "" || res.prevFirst {
		v.Prev = in.url("before", res.prev)
	}
	if res.next != "" {
		v.Next = in.url("after", res.next)
	}
	v.Focus = in.After != "" || in.Before != ""
	return h.searchAnswer(c, 200, v)
}

func (h *Handler) searchAnswer(c echo.Context, status int, v views.SearchView) error {
	if v.Fragment {
		return h.render(c, status, v.Page, views.SearchResults(v))
	}
	return h.render(c, status, v.Page, views.SearchPage(v))
}

// searchResult is one page of a search and the cursors around it.
type searchResult struct {
	users      []client.User
	page       int    // 1 on the first page; 0 when unknown (single searches)
	prev, next string // cursors for the before and after parameters
	// prevFirst says the previous page is the first, reached without a cursor.
	prevFirst bool
}

func (h *Handler) search(ctx context.Context, p plan) (searchResult, error) {
	key := p.cacheKey()
	if r, ok := h.searches.get(key); ok {
		return r, nil
	}
	var r searchResult
	var err error
	if p.merged == nil {
		r, err = h.searchOne(ctx, p)
	} else {
		r, err = h.searchMerged(ctx, p)
	}
	if err == nil {
		h.searches.put(key, r)
	}
	return r, err
}

// searchOne is a search OneLogin answers with one listing, whose cursors
// page it.
func (h *Handler) searchOne(ctx context.Context, p plan) (searchResult, error) {
	q := p.base
	q.Limit, q.Fields = searchPageSize, rowFields
	q.AfterCursor, q.BeforeCursor = p.after, p.before
	users, pg, err := h.ol.ListUsers(ctx, q)
	if err != nil {
		return searchResult{}, err
	}
	r := searchResult{users: users, prev: pg.BeforeCursor, next: pg.AfterCursor}
	if p.after == "" && p.before == "" {
		r.page = 1
	}
	return r, nil
}

// mergedPage is where a merged search stands in each of its listings. It
// travels in the after/before parameter, base64-encoded. Each listing pages
// with OneLogin's own cursors; a listing that has run out is kept with the
// request for its last page, so "previous" can fetch that page again.
type mergedPage struct {
	N int                 `json:"n"` // page number, from 1
	F map[string]fieldPos `json:"f"` // by listing key
}

type fieldPos struct {
	Dir  string `json:"d,omitempty"` // "a" after, "b" before, "" first page
	C    string `json:"c,omitempty"` // OneLogin cursor
	Done int    `json:"e,omitempty"` // page on which the listing ran out; 0 while it has more
}

// mergedPrefix marks the token; m2 tokens name listings by their key.
const mergedPrefix = "m2."

func (m mergedPage) encode() string {
	b, _ := json.Marshal(m)
	return mergedPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// decodeMergedPage reads a token, which must name only listings of this
// search.
func decodeMergedPage(s string, listings []listing) (*mergedPage, bool) {
	raw, ok := strings.CutPrefix(s, mergedPrefix)
	if !ok {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, false
	}
	var m mergedPage
	if json.Unmarshal(b, &m) != nil || m.N < 1 || len(m.F) == 0 {
		return nil, false
	}
	for f, pos := range m.F {
		known := slices.ContainsFunc(listings, func(l listing) bool { return l.Key == f })
		if !known || (pos.Dir != "" && pos.Dir != "a" && pos.Dir != "b") ||
			(pos.Dir != "") == (pos.C == "") || pos.Done < 0 || pos.Done > m.N {
			return nil, false
		}
	}
	return &m, true
}

// searchMerged runs the listings of a merged search concurrently and
// merges them by id, most relevant first. Each page shows the next page of
// every listing that has more; a person matching two listings is shown once
// per page (across pages they can repeat when the listings are out of step).
func (h *Handler) searchMerged(ctx context.Context, p plan) (searchResult, error) {
	cur := p.pos
	if cur == nil {
		cur = &mergedPage{N: 1, F: map[string]fieldPos{}}
		for _, l := range p.merged {
			cur.F[l.Key] = fieldPos{}
		}
	}
	type part struct {
		users []client.User
		page  client.Page
	}
	parts := map[string]part{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, l := range p.merged {
		pos, ok := cur.F[l.Key]
		if !ok || (pos.Done != 0 && pos.Done < cur.N) {
			continue // not in this token, or ran out on an earlier page
		}
		q := l.query(p.base)
		q.Limit, q.Fields = mergedPageSize, rowFields
		switch pos.Dir {
		case "a":
			q.AfterCursor = pos.C
		case "b":
			q.BeforeCursor = pos.C
		}
		g.Go(func() error {
			users, pg, err := h.ol.ListUsers(gctx, q)
			if err != nil {
				return err
			}
			mu.Lock()
			parts[l.Key] = part{users, pg}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return searchResult{}, err
	}

	seen := map[int64]bool{}
	var users []client.User
	next := mergedPage{N: cur.N + 1, F: map[string]fieldPos{}}
	prev := mergedPage{N: cur.N - 1, F: map[string]fieldPos{}}
	for _, l := range p.merged {
		pos, inToken := cur.F[l.Key]
		if !inToken {
			continue
		}
		pt, fetched := parts[l.Key]
		if !fetched {
			// Ran out earlier: if on the previous page, that page fetches
			// its last page again (Done == N there); otherwise it stays out.
			next.F[l.Key], prev.F[l.Key] = pos, pos
			continue
		}
		for _, u := range pt.users {
			if !seen[u.ID] {
				seen[u.ID] = true
				users = append(users, u)
			}
		}
		if pt.page.AfterCursor != "" {
			next.F[l.Key] = fieldPos{Dir: "a", C: pt.page.AfterCursor}
		} else {
			next.F[l.Key] = fieldPos{Dir: pos.Dir, C: pos.C, Done: cur.N}
		}
		if pt.page.BeforeCursor != "" {
			prev.F[l.Key] = fieldPos{Dir: "b", C: pt.page.BeforeCursor}
		}
	}
	r := searchResult{users: byRelevance(users, p.terms), page: cur.N}
	for _, pos := range next.F {
		if pos.Done == 0 {
			r.next = next.encode()
			break
		}
	}
	// The first page is the plain search URL; later pages need the token.
	switch {
	case cur.N > 2 && len(prev.F) > 0:
		r.prev = prev.encode()
	case cur.N > 1:
		r.prevFirst = true
	}
	return r, nil
}

// Relevance ranks, best first: an exact match before a prefix match, and
// within each a match on the name before one on the username, before one
// on the email.
const (
	exactName = iota
	exactUsername
	exactEmail
	prefixName
	prefixUsername
	prefixEmail
	otherMatch
)

// relevance ranks how well u matches the typed words (lower-cased).
func relevance(u *client.User, terms []string) int {
	first, last := strings.ToLower(u.Firstname), strings.ToLower(u.Lastname)
	if len(terms) > 1 {
		// Several words name the person: exactly (in any split the search
		// tried) or by prefixes.
		n := len(terms)
		head, tail := strings.Join(terms[:n-1], " "), terms[n-1]
		one, rest := terms[0], strings.Join(terms[1:], " ")
		if (first == head && last == tail) || (first == rest && last == one) || (first == one && last == rest) {
			return exactName
		}
		return prefixName
	}
	if len(terms) == 0 || terms[0] == "" {
		return otherMatch
	}
	t := terms[0]
	username, email := strings.ToLower(u.Username), strings.ToLower(u.Email)
	local, _, _ := strings.Cut(email, "@")
	switch {
	case first == t || last == t:
		return exactName
	case username == t:
		return exactUsername
	case email == t || local == t:
		return exactEmail
	case strings.HasPrefix(first, t) || strings.HasPrefix(last, t):
		return prefixName
	case strings.HasPrefix(username, t):
		return prefixUsername
	case strings.HasPrefix(email, t):
		return prefixEmail
	}
	return otherMatch
}

// byRelevance sorts people by relevance to the typed words, then by name
// ignoring case, then by id (ids are unique, so the order is total). Each
// key is computed once and each user, a large struct, moved once: comparing
// and swapping them in place made the sort a tenth of a one-word search's CPU.
func byRelevance(users []client.User, terms []string) []client.User {
	type ranked struct {
		rank int
		key  string
		u    *client.User
	}
	rs := make([]ranked, len(users))
	for i := range users {
		rs[i] = ranked{relevance(&users[i], terms), strings.ToLower(users[i].Name()), &users[i]}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.u.ID, b.u.ID)
	})
	out := make([]client.User, len(rs))
	for i, r := range rs {
		out[i] = *r.u
	}
	return out
}

// cacheKey names the OneLogin answer a plan needs: the same search asked
// again (a repeated keystroke, Enter after typing, back and forward) is
// answered from searchCache.
func (p plan) cacheKey() string {
	b, _ := json.Marshal(struct {
		B    client.ListUsersQuery
		M    []listing
		A, P string
		Pos  *mergedPage
	}{p.base, p.merged, p.after, p.before, p.pos})
	return string(b)
}

// ---- a person's page: GET /users/:id ----
