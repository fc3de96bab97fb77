package fakeonelogin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

var roleKeys = []string{"id", "name"}

func isRoleFilter(k string) bool { return k == "id" || k == "name" }

// GET /api/1/roles (reference §5)
func (t *Tenant) listRoles(w http.ResponseWriter, q *req) {
	spec, bad := parseList(q.r.URL.Query(), isRoleFilter)
	if bad != nil {
		fail(w, http.StatusBadRequest, bad)
		return
	}
	w.Header().Set("Link", "")
	t.withLock(w, func() response {
		var ids []int64
		byID := map[int64]string{}
		var idM, nameM *matcher
		if v := spec.filters.Get("id"); v != "" {
			m := newMatcher(v)
			idM = &m
		}
		if v := spec.filters.Get("name"); v != "" {
			m := newMatcher(v)
			nameM = &m
		}
		for _, r := range t.roles {
			if idM != nil && !idM.match(strconv.FormatInt(r.id, 10), false) {
				continue
			}
			if nameM != nil && !nameM.match(r.name, false) {
				continue
			}
			ids = append(ids, r.id)
			byID[r.id] = r.name
		}
		if field, desc := sortSpec(spec.filters.Get("sort")); field == "name" || field == "id" {
			sortIDs(ids, desc, func(id int64) sortVal {
				if field == "id" {
					return sortVal{n: id}
				}
				return sortVal{s: strings.ToLower(byID[id])}
			})
		}
		pageIDs, p := spec.page(q.r, ids)
		keys := fieldList(spec.fields, roleKeys)
		var b bytes.Buffer
		b.WriteByte('[')
		for i, id := range pageIDs {
			if i > 0 {
				b.WriteByte(',')
			}
			appendRole(&b, id, byID[id], keys)
		}
		b.WriteByte(']')
		return response{http.StatusOK, envelope{Status: success(), Pagination: &p, Data: json.RawMessage(b.Bytes())}}
	})
}

func appendRole(b *bytes.Buffer, id int64, name string, keys []string) {
	b.WriteString(`{"id":`)
	b.WriteString(strconv.FormatInt(id, 10))
	if slices.Contains(keys, "name") {
		n, _ := json.Marshal(name)
		b.WriteString(`,"name":`)
		b.Write(n)
	}
	b.WriteByte('}')
}

// GET /api/1/roles/:id
func (t *Tenant) getRole(w http.ResponseWriter, q *req) {
	t.withLock(w, func() response {
		id, err := strconv.ParseInt(q.id, 10, 64)
		if err != nil {
			return badAttr("id", msgIDIncorrect)
		}
		name := t.roleName(id)
		if name == "" {
			return errResp(http.StatusNotFound, fmt.Sprintf("Role for id %d was not found", id))
		}
		return okResp([]map[string]any{{"id": id, "name": name}})
	})
}

// ---- apps ----

// appReply is one app of GET /api/1/users/:id/apps (reference §3.6).
type appReply struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Icon        string  `json:"icon"`
	Provisioned *string `json:"provisioned"`
	Extension   bool    `json:"extension"`
	LoginID     any     `json:"login_id"`
	Personal    bool    `json:"personal"`
}

// missingIcon is the relative path real tenants return for connectors
// without an icon (R).
const missingIcon = "/images/missing_connector_icon/square/mobile_50.png"

// GET /api/1/users/:id/apps: apps come from the user's roles; none is [[]].
func (t *Tenant) userApps(w http.ResponseWriter, q *req) {
	host := "http://" + q.r.Host
	if q.r.TLS != nil {
		host = "https://" + q.r.Host
	}
	t.withUser(w, q, func(u *user) response {
		names := map[string]bool{}
		for _, rid := range u.roleIDs {
			names[t.roleName(rid)] = true
		}
		var out []appReply
		for _, a := range t.apps {
			if !slices.ContainsFunc(a.roles, func(r string) bool { return names[r] }) {
				continue
			}
			out = append(out, t.appFor(u, a, host))
		}
		if len(out) == 0 {
			return okResp([][]any{{}}) // nested empty array (D,R)
		}
		return okResp(out)
	})
}

// appFor derives the per-user app fields from a hash of user and app, so
// they are stable without being stored: login_id is an int, the email or
// null; provisioned is "unknown", "pending" or null (all seen in R).
func (t *Tenant) appFor(u *user, a app, host string) appReply {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d/%d", u.loginIDSeed, u.id, a.id)
	x := h.Sum64()
	r := appReply{ID: a.id, Name: a.name, Extension: a.extension}
	switch a.iconStyle {
	case 0:
		r.Icon = host + "/images/apps/" + a.slug + ".svg"
	case 1:
		r.Icon = "/images/apps/" + a.slug + ".svg"
	default:
		r.Icon = missingIcon
	}
	switch x % 3 {
	case 0:
		r.LoginID = int64(1000000 + x%9000000)
	case 1:
		r.LoginID = u.email
	}
	switch (x / 3) % 4 {
	case 0:
		r.Provisioned = strPtr("unknown")
	case 1:
		r.Provisioned = strPtr("pending")
	}
	return r
}
