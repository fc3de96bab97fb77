package fakeonelogin

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The v2 user listing, GET /api/2/users, as ../shared/onelogin-api-directory-mfa.md
// §A1 describes it: a bare JSON array, page numbers or cursors, paging
// headers, and no rate-limit headers (v2 is not counted against the hourly
// quota, §A1.7).

// maxV2PageSize is the documented "up to 50 users per page" (§E1: clamp).
const maxV2PageSize = 50

// v2ListKeys are the keys of a listed user when fields is not given, in
// the order of the docs sample (§A1.4): custom_attributes and role_ids only
// when asked for (§E4).
var v2ListKeys = []string{
	"activated_at", "created_at", "directory_id", "distinguished_name", "email", "external_id", "firstname",
	"group_id", "id", "invalid_login_attempts", "invitation_sent_at", "last_login", "lastname", "locked_until",
	"member_of", "password_changed_at", "phone", "samaccountname", "state", "status", "updated_at", "username",
}

// v2UserKeys are every attribute of a v2 user (the single GET's 33 keys),
// which fields may name.
var v2UserKeys = func() []string {
	keys := append(slices.Clone(v2ListKeys), "comment", "company", "custom_attributes", "department",
		"manager_ad_id", "manager_user_id", "preferred_locale_code", "role_ids", "title", "trusted_idp_id",
		"userprincipalname")
	slices.Sort(keys)
	return keys
}()

// v2TextFilters match a string attribute exactly or with '*' at the ends.
var v2TextFilters = []string{"firstname", "lastname", "email", "username", "samaccountname", "directory_id", "external_id"}

// v2TimeFilters are the *_since (strictly after) and *_until (strictly
// before) filters and the timestamp each reads.
var v2TimeFilters = map[string]func(*user) *time.Time{
	"created":    func(u *user) *time.Time { return &u.createdAt },
	"updated":    func(u *user) *time.Time { return &u.updatedAt },
	"last_login": func(u *user) *time.Time { return u.lastLogin },
}

// v2UsersBadRequest is the 400 body recorded on /api/2/roles (§A1.2), given on
// /users too (§E2).
type v2UsersBadRequest struct {
	Status      int    `json:"status"`
	Error       string `json:"error"`
	Description string `json:"description"`
}

func badV2Request(w http.ResponseWriter, desc string) {
	writeJSON(w, http.StatusBadRequest, v2UsersBadRequest{Status: 400, Error: "BadRequestError", Description: desc})
}

// v2FieldError is the 422 for an unknown fields entry (§A1.1; key names
// reconstructed by the reference from the .NET SDK).
type v2FieldError struct {
	StatusCode int    `json:"statusCode"`
	Name       string `json:"name"`
	Message    string `json:"message"`
	Field      string `json:"field"`
}

// v2Cursor is what After-Cursor carries: base64 of the page query, like
// OneLogin's (`limit=100&page=3`, §A1.2). Filters are not in it: a client
// repeats them (and fields) with the cursor.
func v2Cursor(limit, page int) string {
	return base64.StdEncoding.EncodeToString([]byte("limit=" + strconv.Itoa(limit) + "&page=" + strconv.Itoa(page)))
}

func parseV2Cursor(s string) (limit, page int, ok bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return 0, 0, false
	}
	q, err := url.ParseQuery(string(b))
	if err != nil {
		return 0, 0, false
	}
	limit, err1 := strconv.Atoi(q.Get("limit"))
	page, err2 := strconv.Atoi(q.Get("page"))
	if err1 != nil || err2 != nil || limit <= 0 || page <= 0 {
		return 0, 0, false
	}
	return min(limit, maxV2PageSize), page, true
}

// v2Paging reads limit/page or cursor; a non-empty desc is a 400.
func v2Paging(q url.Values) (limit, page int, desc string) {
	limit, page = maxV2PageSize, 1
	if c := q.Get("cursor"); c != "" {
		if q.Has("limit") || q.Has("page") {
			return 0, 0, "Requests can only have cursor xor pagination arguments"
		}
		l, p, ok := parseV2Cursor(c)
		if !ok {
			return 0, 0, "Invalid pagination cursor"
		}
		return l, p, ""
	}
	// Assumption (U): a limit or page that is not a positive integer falls
	// back to the default, as the v1 listing does.
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, maxV2PageSize)
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	return limit, page, ""
}

// v2Fields reads fields=a,b; id is always included. An unknown name is
// the 422 of §A1.1.
func v2Fields(raw string) (keys []string, unknown string) {
	if raw == "" {
		return v2ListKeys, ""
	}
	want := map[string]bool{"id": true}
	for f := range strings.SplitSeq(raw, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if _, found := slices.BinarySearch(v2UserKeys, f); !found {
			return nil, f
		}
		want[f] = true
	}
	for _, k := range v2UserKeys {
		if want[k] {
			keys = append(keys, k)
		}
	}
	return keys, ""
}

// v2Filter builds the predicate of the listing's filters; unknown
// parameters are ignored (assumption, U: §D doubts the v2 400 for them).
func (t *Tenant) v2Filter(q url.Values) (func(*user) bool, string) {
	var preds []func(*user) bool
	for _, k := range v2TextFilters {
		if !q.Has(k) {
			continue
		}
		m, key := newMatcher(q.Get(k)), k
		preds = append(preds, func(u *user) bool {
			s, null := scalarString(t.userValue(u, key))
			return m.match(s, null)
		})
	}
	for name, at := range v2TimeFilters {
		for _, side := range []string{"_since", "_until"} {
			v := q.Get(name + side)
			if v == "" {
				continue
			}
			bound, ok := parseFilterTime(v)
			if !ok {
				// Assumption (U): an unreadable date is a 400 in the v2 shape.
				return nil, name + side + " is invalid"
			}
			after := side == "_since"
			preds = append(preds, func(u *user) bool {
				ts := at(u)
				if ts == nil {
					return false
				}
				if after {
					return ts.After(bound) // strictly after (§E5)
				}
				return ts.Before(bound)
			})
		}
	}
	if v := q.Get("user_ids"); v != "" {
		ids := map[int64]bool{}
		for s := range strings.SplitSeq(v, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return nil, "user_ids is invalid"
			}
			ids[id] = true
		}
		preds = append(preds, func(u *user) bool { return ids[u.id] })
	}
	for k, vs := range q {
		name, ok := strings.CutPrefix(k, "custom_attributes.")
		if !ok || len(vs) == 0 {
			continue
		}
		m, defined := newMatcher(vs[0]), slices.Contains(t.customAttrs, name)
		preds = append(preds, func(u *user) bool {
			val := u.custom[name]
			return defined && m.match(strOf(val), val == nil)
		})
	}
	return func(u *user) bool {
		for _, p := range preds {
			if !p(u) {
				return false
			}
		}
		return true
	}, ""
}

// v2UserValue is a v2 attribute of u: v1's, except role_ids (v1 role_id),
// an empty list rather than null.
func (t *Tenant) v2UserValue(u *user, k string) any {
	if k == "role_ids" {
		return append([]int64{}, u.roleIDs...)
	}
	return t.userValue(u, k)
}

// GET /api/2/users
func (t *Tenant) listUsersV2(w http.ResponseWriter, q *req) {
	query := q.r.URL.Query()
	limit, page, desc := v2Paging(query)
	if desc != "" {
		badV2Request(w, desc)
		return
	}
	keys, unknown := v2Fields(query.Get("fields"))
	if unknown != "" {
		writeJSON(w, http.StatusUnprocessableEntity, v2FieldError{StatusCode: 422, Name: "UnprocessableEntityFieldError",
			Message: "Invalid display field(s) for User: " + unknown, Field: unknown})
		return
	}
	t.mu.Lock()
	keep, bad := t.v2Filter(query)
	if bad != "" {
		t.mu.Unlock()
		badV2Request(w, bad)
		return
	}
	ids := make([]int64, 0, len(t.order))
	for _, id := range t.order {
		u := t.users[id]
		u.settle(q.now)
		if keep(u) {
			ids = append(ids, id)
		}
	}
	if field, descending := sortSpec(query.Get("sort")); field != "" {
		// Unknown or list-valued sort fields are ignored (assumption, U).
		if _, found := slices.BinarySearch(v2UserKeys, field); found && field != "custom_attributes" && field != "role_ids" {
			sortIDs(ids, descending, func(id int64) sortVal { return scalarSortVal(t.userValue(t.users[id], field)) })
		}
	}
	pages := max(1, (len(ids)+limit-1)/limit)
	start := min((page-1)*limit, len(ids))
	us := make([]*user, 0, limit)
	for _, id := range ids[start:min(start+limit, len(ids))] {
		us = append(us, t.users[id])
	}
	body := objectsJSON(us, keys, t.v2UserValue)
	t.mu.Unlock()

	h := w.Header()
	h.Set("Total-Count", strconv.Itoa(len(ids)))
	h.Set("Total-Pages", strconv.Itoa(pages))
	h.Set("Current-Page", strconv.Itoa(page))
	h.Set("Page-Items", strconv.Itoa(len(us)))
	h.Set("Cursor", v2Cursor(limit, page))
	if page < pages {
		h.Set("After-Cursor", v2Cursor(limit, page+1))
	}
	if page > 1 {
		h.Set("Before-Cursor", v2Cursor(limit, page-1))
	}
	writeRaw(w, http.StatusOK, body)
}
