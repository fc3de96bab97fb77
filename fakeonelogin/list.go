package fakeonelogin

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const (
	defaultPageSize = 50 // documented v1 default
	// maxPageSize is a choice: the v1 maximum is unconfirmed (reference §2.4;
	// the current Python SDK says 100, a third-party tool says 50). 100 keeps
	// clients honest about paging without making the demo slow.
	maxPageSize = 100
)

// Paging and shaping parameters; every other parameter is a filter or, if the
// endpoint does not know it, ignored. Assumption (U): the v1 API ignores
// unknown query parameters (v2 would answer 400).
var pagingParams = map[string]bool{"limit": true, "fields": true, "after_cursor": true, "before_cursor": true}

// cursor is what after_cursor/before_cursor carry, base64-encoded JSON so it
// is opaque to clients like OneLogin's. It repeats the listing's filters and
// sort so that following a cursor alone gives the same listing.
type cursor struct {
	Q   string `json:"q"`  // canonical filter and sort query
	ID  int64  `json:"id"` // last item of the page (after) or first item (before)
	Off int    `json:"o"`  // that item's position, used if it has since gone
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, bool) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Off < 0 {
		return cursor{}, false
	}
	return c, true
}

// listSpec is a parsed list request.
type listSpec struct {
	filters url.Values // filter and sort parameters (from the cursor if one was sent)
	limit   int
	fields  string // raw fields parameter, "" for all
	limitQ  string // limit as sent, repeated in links
	after   *cursor
	before  *cursor
}

// parseList reads the common list parameters (reference §2.4). known says
// which filter names the endpoint supports.
func parseList(q url.Values, known func(string) bool) (listSpec, any) {
	s := listSpec{filters: url.Values{}, limit: defaultPageSize, fields: q.Get("fields"), limitQ: q.Get("limit")}
	if l := q.Get("limit"); l != "" {
		// Assumption (U): a limit that is not a positive integer falls back to
		// the default rather than failing.
		if n, err := strconv.Atoi(strings.TrimSpace(l)); err == nil && n > 0 {
			s.limit = min(n, maxPageSize)
		}
	}
	for k, v := range q {
		if !pagingParams[k] && (k == "sort" || known(k)) {
			s.filters[k] = v
		}
	}
	for _, name := range []string{"after_cursor", "before_cursor"} {
		raw := q.Get(name)
		if raw == "" {
			continue // JupiterOne sends after_cursor= on the first call
		}
		c, ok := decodeCursor(raw)
		if !ok {
			// Assumption (U): an unreadable cursor is a 400 naming the parameter.
			return s, attrMessage{Attribute: name, Description: name + " is invalid"}
		}
		if f, err := url.ParseQuery(c.Q); err == nil {
			s.filters = f
		}
		if name == "after_cursor" {
			s.after = &c
		} else {
			s.before = &c
		}
	}
	return s, nil
}

// page picks this page's slice of ids (already filtered and sorted) and
// writes the pagination block.
func (s listSpec) page(r *http.Request, ids []int64) ([]int64, pagination) {
	start := 0
	indexOf := func(c *cursor) int {
		if i := slices.Index(ids, c.ID); i >= 0 {
			return i
		}
		return -1
	}
	switch {
	case s.after != nil:
		if i := indexOf(s.after); i >= 0 {
			start = i + 1
		} else {
			// The boundary item is gone; what followed it moved up one place.
			start = s.after.Off
		}
	case s.before != nil:
		end := s.before.Off
		if i := indexOf(s.before); i >= 0 {
			end = i
		}
		start = max(0, end-s.limit)
	}
	start = min(start, len(ids))
	end := min(start+s.limit, len(ids))
	pageIDs := ids[start:end]

	var p pagination
	q := s.filters.Encode()
	if end < len(ids) && len(pageIDs) > 0 {
		c := cursor{Q: q, ID: pageIDs[len(pageIDs)-1], Off: end - 1}.encode()
		link := s.link(r, "after_cursor", c)
		p.AfterCursor, p.NextLink = &c, &link
	}
	// A previous page exists whenever this one does not start at the top.
	// (The reference saw all four keys null on a single-page listing.)
	if start > 0 {
		c := cursor{Q: q, ID: firstOr(pageIDs, 0), Off: start}.encode()
		link := s.link(r, "before_cursor", c)
		p.BeforeCursor, p.PreviousLink = &c, &link
	}
	return pageIDs, p
}

func firstOr(ids []int64, def int64) int64 {
	if len(ids) == 0 {
		return def
	}
	return ids[0]
}

// link builds an absolute URL on the host the request came to.
func (s listSpec) link(r *http.Request, key, cur string) string {
	v := url.Values{}
	for k, vs := range s.filters {
		v[k] = vs
	}
	if s.limitQ != "" {
		v.Set("limit", s.limitQ)
	}
	if s.fields != "" {
		v.Set("fields", s.fields)
	}
	v.Set(key, cur)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: v.Encode()}
	return u.String()
}

// sortSpec parses sort=+field / -field. A raw '+' arrives as a space.
func sortSpec(v string) (field string, desc bool) {
	if v == "" {
		return "", false
	}
	switch v[0] {
	case '-':
		return strings.TrimSpace(v[1:]), true
	case '+', ' ':
		return strings.TrimSpace(v[1:]), false
	}
	return strings.TrimSpace(v), false
}

// sortVal is a comparable field value; nulls sort after everything.
type sortVal struct {
	null bool
	n    int64
	s    string
}

func cmpSortVal(a, b sortVal) int {
	switch {
	case a.null && b.null:
		return 0
	case a.null:
		return 1
	case b.null:
		return -1
	}
	if c := cmp.Compare(a.n, b.n); c != 0 {
		return c
	}
	return strings.Compare(a.s, b.s)
}

// sortIDs orders ids by key, ties by id, keeping nulls last either way.
func sortIDs(ids []int64, desc bool, key func(int64) sortVal) {
	type kv struct {
		id int64
		k  sortVal
	}
	ks := make([]kv, len(ids))
	for i, id := range ids {
		ks[i] = kv{id, key(id)}
	}
	slices.SortFunc(ks, func(a, b kv) int {
		if a.k.null != b.k.null {
			return cmpSortVal(a.k, b.k)
		}
		c := cmpSortVal(a.k, b.k)
		if c == 0 {
			c = cmp.Compare(a.id, b.id)
		}
		if desc {
			return -c
		}
		return c
	})
	for i := range ks {
		ids[i] = ks[i].id
	}
}

// matcher is a OneLogin search value: exact (case-insensitive) or with '*'
// wildcards at the start, the end or both.
type matcher struct {
	neg   bool
	exact string
	parts []string // split on '*', lower-case; nil for exact
}

func newMatcher(v string) matcher {
	var m matcher
	// Assumption (U): the docs list "email=!@example.com" without explaining
	// it; the fake reads a leading '!' as "does not match".
	if strings.HasPrefix(v, "!") {
		m.neg, v = true, v[1:]
	}
	v = strings.ToLower(v)
	if strings.Contains(v, "*") {
		m.parts = strings.Split(v, "*")
	} else {
		m.exact = v
	}
	return m
}

func (m matcher) match(s string, null bool) bool {
	if null {
		return m.neg
	}
	return m.glob(strings.ToLower(s)) != m.neg
}

func (m matcher) glob(s string) bool {
	if m.parts == nil {
		return s == m.exact
	}
	first, last := m.parts[0], m.parts[len(m.parts)-1]
	if !strings.HasPrefix(s, first) {
		return false
	}
	s = s[len(first):]
	for _, mid := range m.parts[1 : len(m.parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, last)
}

// fieldList parses fields=a, b,c; id is always included (reference §2.4).
func fieldList(raw string, all []string) []string {
	if raw == "" {
		return all
	}
	want := map[string]bool{"id": true}
	for f := range strings.SplitSeq(raw, ",") {
		want[strings.TrimSpace(f)] = true
	}
	var out []string
	for _, k := range all {
		if want[k] {
			out = append(out, k)
		}
	}
	return out
}
