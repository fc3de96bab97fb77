package fakeonelogin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tenantSubdomain names the fake account in messages that name it.
const tenantSubdomain = "northwind"

// userFilters are the documented GET /api/1/users filters (reference §3.1)
// besides since/until and custom_attributes.<name>.
var userFilters = map[string]bool{
	"directory_id": true, "email": true, "external_id": true, "firstname": true, "lastname": true, "id": true,
	"manager_ad_id": true, "role_id": true, "samaccountname": true, "since": true, "until": true,
	"username": true, "userprincipalname": true,
}

func isUserFilter(k string) bool {
	return userFilters[k] || strings.HasPrefix(k, "custom_attributes.")
}

// lookup resolves the :id of q to a user, or the documented error reply.
// Caller holds t.mu.
func (t *Tenant) lookup(q *req) (*user, *response) {
	id, err := strconv.ParseInt(q.id, 10, 64)
	if err != nil {
		r := badAttr("id", msgIDIncorrect)
		return nil, &r
	}
	u, ok := t.users[id]
	if !ok {
		r := errResp(http.StatusNotFound, fmt.Sprintf("User for id %d was not found", id))
		return nil, &r
	}
	if u.forbidden {
		r := errResp(http.StatusForbidden, msgForbiddenUser)
		return nil, &r
	}
	u.settle(q.now)
	return u, nil
}

// parseFilterTime reads since/until values; OneLogin documents ISO-8601.
func parseFilterTime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// filterUsers returns the ids of matching users, sorted as asked. Caller holds t.mu.
func (t *Tenant) filterUsers(f map[string][]string, now time.Time) ([]int64, *response) {
	type pred func(*user) bool
	var preds []pred
	for k, vs := range f {
		if k == "sort" || len(vs) == 0 {
			continue
		}
		v := vs[0]
		switch {
		case k == "since" || k == "until":
			at, ok := parseFilterTime(v)
			if !ok {
				// Assumption (U): an unreadable date is a 400 naming the parameter.
				r := badAttr(k, k+" is invalid")
				return nil, &r
			}
			if k == "since" {
				preds = append(preds, func(u *user) bool { return u.createdAt.After(at) })
			} else {
				preds = append(preds, func(u *user) bool { return u.createdAt.Before(at) })
			}
		case k == "role_id":
			m := newMatcher(v)
			preds = append(preds, func(u *user) bool {
				has := false
				for _, id := range u.roleIDs {
					if m.glob(strconv.FormatInt(id, 10)) {
						has = true
						break
					}
				}
				return has != m.neg
			})
		case strings.HasPrefix(k, "custom_attributes."):
			name := strings.TrimPrefix(k, "custom_attributes.")
			m := newMatcher(v)
			defined := slices.Contains(t.customAttrs, name)
			preds = append(preds, func(u *user) bool {
				if !defined {
					return false
				}
				val := u.custom[name]
				return m.match(strOf(val), val == nil)
			})
		default:
			m := newMatcher(v)
			key := k
			preds = append(preds, func(u *user) bool {
				s, null := scalarString(t.userValue(u, key))
				return m.match(s, null)
			})
		}
	}
	ids := make([]int64, 0, len(t.order))
	for _, id := range t.order {
		u := t.users[id]
		u.settle(now)
		keep := true
		for _, p := range preds {
			if !p(u) {
				keep = false
				break
			}
		}
		if keep {
			ids = append(ids, id)
		}
	}
	if s := f["sort"]; len(s) > 0 {
		field, desc := sortSpec(s[0])
		// Unknown sort fields are ignored (assumption, U); custom_attributes
		// and role_id are not scalar.
		if slices.Contains(userKeys, field) && field != "custom_attributes" && field != "role_id" {
			sortIDs(ids, desc, func(id int64) sortVal { return scalarSortVal(t.userValue(t.users[id], field)) })
		}
	}
	return ids, nil
}

func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, false
	case int:
		return strconv.Itoa(x), false
	case int64:
		return strconv.FormatInt(x, 10), false
	}
	return fmt.Sprint(v), false
}

func scalarSortVal(v any) sortVal {
	switch x := v.(type) {
	case nil:
		return sortVal{null: true}
	case int:
		return sortVal{n: int64(x)}
	case int64:
		return sortVal{n: x}
	case string:
		return sortVal{s: strings.ToLower(x)}
	}
	return sortVal{s: fmt.Sprint(v)}
}

// GET /api/1/users
func (t *Tenant) listUsers(w http.ResponseWriter, q *req) {
	spec, bad := parseList(q.r.URL.Query(), isUserFilter)
	if bad != nil {
		fail(w, http.StatusBadRequest, bad)
		return
	}
	w.Header().Set("Link", "") // real list replies carry an empty Link header (R)
	t.withLock(w, func() response {
		ids, errR := t.filterUsers(spec.filters, q.now)
		if errR != nil {
			return *errR
		}
		pageIDs, p := spec.page(q.r, ids)
		us := make([]*user, len(pageIDs))
		for i, id := range pageIDs {
			us[i] = t.users[id]
		}
		return response{http.StatusOK, envelope{Status: success(), Pagination: &p, Data: t.usersJSON(us, fieldList(spec.fields, userKeys))}}
	})
}

// GET /api/1/users/:id
func (t *Tenant) getUser(w http.ResponseWriter, q *req) {
	t.withUser(w, q, func(u *user) response {
		return okResp(t.usersJSON([]*user{u}, userKeys))
	})
}

// GET /api/1/users/custom_attributes → data [[names]]
func (t *Tenant) customAttributeDefs(w http.ResponseWriter, q *req) {
	t.withLock(w, func() response {
		return okResp([][]string{slices.Clone(t.customAttrs)})
	})
}

// withUser answers, under the tenant's lock, what f makes of the user the
// path names, or the look-up's error when it names nobody.
func (t *Tenant) withUser(w http.ResponseWriter, q *req, f func(u *user) response) {
	t.withLock(w, func() response {
		u, e := t.lookup(q)
		if e != nil {
			return *e
		}
		return f(u)
	})
}

// withUserBody is withUser for calls whose body must be a JSON object.
func (t *Tenant) withUserBody(w http.ResponseWriter, q *req, f func(u *user, m map[string]json.RawMessage) response) {
	t.withUser(w, q, func(u *user) response {
		m, ok := jsonObject(q.body)
		if !ok {
			return errResp(http.StatusBadRequest, msgInvalidJSON)
		}
		return f(u, m)
	})
}

// ---- request bodies ----

// jsonObject parses a request body that must be a JSON object.
func jsonObject(body []byte) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// jsonInt reads an integral JSON number (not 1.5, not "1").
func jsonInt(raw json.RawMessage) (int64, bool) {
	n, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	return n, err == nil
}

func jsonString(raw json.RawMessage) (string, bool) {
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err == nil
}

// jsonBool accepts true/false and the strings "true"/"false" (docs type some
// boolean fields as strings).
func jsonBool(raw json.RawMessage) (bool, bool) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, true
	}
	if s, ok := jsonString(raw); ok {
		if v, err := strconv.ParseBool(s); err == nil {
			return v, true
		}
	}
	return false, false
}

type fieldKind int

const (
	kString fieldKind = iota
	kInt
	kStringOrInt
	kObject
)

// Writable user attributes on v1 (reference §3.3, §3.4). Create also takes
// the older revision's manager_ad_id, notes and userprincipalname.
var (
	createFields = map[string]fieldKind{
		"firstname": kString, "lastname": kString, "email": kString, "username": kString, "company": kString,
		"department": kString, "directory_id": kInt, "distinguished_name": kString, "external_id": kStringOrInt,
		"group_id": kInt, "invalid_login_attempts": kInt, "locale_code": kString, "member_of": kString,
		"openid_name": kString, "phone": kString, "samaccountname": kString, "title": kString,
		"custom_attributes": kObject, "manager_ad_id": kStringOrInt, "notes": kString, "comment": kString,
		"userprincipalname": kString, "manager_user_id": kInt,
	}
	updateFields = map[string]fieldKind{
		"company": kString, "department": kString, "directory_id": kInt, "distinguished_name": kString,
		"email": kString, "external_id": kStringOrInt, "firstname": kString, "group_id": kInt,
		"invalid_login_attempts": kInt, "lastname": kString, "locale_code": kString, "manager_ad_id": kStringOrInt,
		"manager_user_id": kInt, "member_of": kString, "notes": kString, "comment": kString, "openid_name": kString,
		"phone": kString, "samaccountname": kString, "state": kInt, "title": kString, "username": kString,
		"userprincipalname": kString,
		// Assumption (reference §4.4, U): v1 update accepts status, so that
		// {"status":1} unlocks.
		"status": kInt,
	}
)

// checkFields validates attribute names and JSON types, in sorted key order
// so the reported attribute is deterministic.
func checkFields(m map[string]json.RawMessage, allowed map[string]fieldKind) *response {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		kind, ok := allowed[k]
		if !ok {
			r := badAttr(k, k+" is not a valid attribute for user model")
			return &r
		}
		raw := m[k]
		if isNull(raw) {
			continue
		}
		var good bool
		var want string
		switch kind {
		case kString:
			_, good = jsonString(raw)
			want = "string"
		case kInt:
			_, good = jsonInt(raw)
			want = "integer"
		case kStringOrInt:
			_, good = jsonString(raw)
			if !good {
				_, good = jsonInt(raw)
			}
			want = "string"
		case kObject:
			var o map[string]json.RawMessage
			good = json.Unmarshal(raw, &o) == nil
			want = "object"
		}
		if !good {
			// Same pattern as set_state's documented type error.
			r := badAttr(k, k+" has incorrect data type. It should be -> "+want)
			return &r
		}
	}
	return nil
}

func strPtr(s string) *string { return &s }

func rawStrPtr(raw json.RawMessage) *string {
	if isNull(raw) {
		return nil
	}
	s, _ := jsonString(raw)
	return &s
}

func rawIntPtr(raw json.RawMessage) *int64 {
	if isNull(raw) {
		return nil
	}
	n, _ := jsonInt(raw)
	return &n
}

func rawStringOrInt(raw json.RawMessage) any {
	if isNull(raw) {
		return nil
	}
	if s, ok := jsonString(raw); ok {
		return s
	}
	n, _ := jsonInt(raw)
	return n
}

// invalidCustomAttrs is the documented message listing the account's
// shortnames, each followed by a space.
func (t *Tenant) invalidCustomAttrs() response {
	var b strings.Builder
	b.WriteString("input custom_attributes is not valid. Valid custom_attributes -> [")
	for _, n := range t.customAttrs {
		b.WriteString(n)
		b.WriteByte(' ')
	}
	b.WriteByte(']')
	return errResp(http.StatusBadRequest, b.String())
}

// parseCustomValues checks a custom_attributes object; nil values clear.
func (t *Tenant) parseCustomValues(raw json.RawMessage) (map[string]*string, *response) {
	var o map[string]json.RawMessage
	if err := json.Unmarshal(raw, &o); err != nil || o == nil {
		r := errResp(http.StatusBadRequest, msgInvalidJSON)
		return nil, &r
	}
	if len(o) == 0 {
		r := errResp(http.StatusBadRequest, msgCustomEmpty)
		return nil, &r
	}
	out := map[string]*string{}
	for k, v := range o {
		if !slices.Contains(t.customAttrs, k) {
			r := t.invalidCustomAttrs()
			return nil, &r
		}
		if isNull(v) {
			out[k] = nil
			continue
		}
		s, ok := jsonString(v)
		if !ok {
			// Assumption (U): values must be strings, like the docs say.
			r := errResp(http.StatusBadRequest, msgInvalidJSON)
			return nil, &r
		}
		out[k] = &s
	}
	return out, nil
}

func (t *Tenant) emailTaken(email string, except int64) bool {
	id, ok := t.byEmail[strings.ToLower(email)]
	return ok && id != except
}

func (t *Tenant) usernameTaken(name string, except int64) bool {
	if name == "" {
		return false
	}
	for _, u := range t.users {
		if u.id != except && u.username != nil && strings.EqualFold(*u.username, name) {
			return true
		}
	}
	return false
}

// Assumption (U): the v1 wording for duplicates is not known; these follow
// the v2 "Validation failed: ... must be unique within <subdomain>" sentence
// and answer 400 like every other v1 validation error.
var (
	msgEmailTaken    = "Validation failed: Email must be unique within " + tenantSubdomain
	msgUsernameTaken = "Validation failed: Username must be unique within " + tenantSubdomain
)

// applyField stores one validated attribute on u.
func applyField(u *user, k string, raw json.RawMessage) {
	switch k {
	case "firstname":
		u.firstname, _ = jsonString(raw)
	case "lastname":
		u.lastname, _ = jsonString(raw)
	case "email":
		u.email, _ = jsonString(raw)
	case "username":
		u.username = rawStrPtr(raw)
	case "company":
		u.company = rawStrPtr(raw)
	case "department":
		u.department = rawStrPtr(raw)
	case "title":
		u.title = rawStrPtr(raw)
	case "phone":
		u.phone = rawStrPtr(raw)
	case "notes", "comment":
		u.comment, _ = jsonString(raw)
	case "directory_id":
		u.directoryID = rawIntPtr(raw)
	case "group_id":
		u.groupID = rawIntPtr(raw) // null removes the group (D)
	case "manager_user_id":
		u.managerUserID = rawIntPtr(raw)
	case "invalid_login_attempts":
		if n := rawIntPtr(raw); n != nil {
			v := int(*n)
			u.invalidLogins = &v
		} else {
			u.invalidLogins = nil
		}
	case "distinguished_name":
		u.distinguishedName = rawStrPtr(raw)
	case "member_of":
		u.memberOf = rawStrPtr(raw)
	case "samaccountname":
		u.samAccountName = rawStrPtr(raw)
	case "userprincipalname":
		u.userPrincipalName = rawStrPtr(raw)
	case "locale_code":
		u.localeCode = rawStrPtr(raw)
	case "openid_name":
		u.openidName, _ = jsonString(raw)
	case "external_id":
		u.externalID = rawStringOrInt(raw)
	case "manager_ad_id":
		u.managerADID = rawStringOrInt(raw)
	}
}

func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t")
}

// POST /api/1/users
func (t *Tenant) createUser(w http.ResponseWriter, q *req) {
	m, okJSON := jsonObject(q.body)
	if !okJSON {
		fail(w, http.StatusBadRequest, msgInvalidJSON)
		return
	}
	t.withLock(w, func() response {
		if e := checkFields(m, createFields); e != nil {
			return *e
		}
		str := func(k string) string {
			s, _ := jsonString(m[k])
			return strings.TrimSpace(s)
		}
		// Assumption (U): required-field errors use the attribute object form.
		for _, k := range []string{"firstname", "lastname"} {
			if str(k) == "" {
				return badAttr(k, k+" can't be blank")
			}
		}
		email, username := str("email"), str("username")
		if email == "" && username == "" {
			return badAttr("email", "email or username is required")
		}
		if email != "" && !validEmail(email) {
			return errResp(http.StatusBadRequest, "Validation failed: Email is invalid")
		}
		if email != "" && t.emailTaken(email, 0) {
			return errResp(http.StatusBadRequest, msgEmailTaken)
		}
		if t.usernameTaken(username, 0) {
			return errResp(http.StatusBadRequest, msgUsernameTaken)
		}
		var custom map[string]*string
		if raw, ok := m["custom_attributes"]; ok && !isNull(raw) {
			c, e := t.parseCustomValues(raw)
			if e != nil {
				return *e
			}
			custom = c
		}
		now := q.now.UTC()
		t.nextID += 3
		u := &user{
			id: t.nextID, status: StatusPasswordPending, state: StateApproved,
			company: strPtr(""), department: strPtr(""), title: strPtr(""), username: strPtr(""),
			createdAt: now, updatedAt: now, custom: map[string]*string{}, freshlyCreated: true,
			loginIDSeed: uint64(t.nextID) * 2654435761,
		}
		for k, raw := range m {
			if k != "custom_attributes" {
				applyField(u, k, raw)
			}
		}
		u.email, u.firstname, u.lastname = email, str("firstname"), str("lastname")
		for k, v := range custom {
			u.custom[k] = v
		}
		if u.openidName == "" { // defaulted from the email local part (D sample)
			local, _, _ := strings.Cut(email, "@")
			if local == "" {
				local = username
			}
			u.openidName = local
		}
		t.users[u.id] = u
		t.order = append(t.order, u.id) // nextID only grows, so order stays sorted
		if email != "" {
			t.byEmail[strings.ToLower(email)] = u.id
		}
		data := t.usersJSON([]*user{u}, userKeys)
		u.freshlyCreated = false
		return okResp(data)
	})
}

// PUT /api/1/users/:id
func (t *Tenant) updateUser(w http.ResponseWriter, q *req) {
	t.withUserBody(w, q, func(u *user, m map[string]json.RawMessage) response {
		if e := checkFields(m, updateFields); e != nil {
			return *e
		}
		if raw, ok := m["state"]; ok && !isNull(raw) {
			st, _ := jsonInt(raw)
			if st < 0 || st > 3 {
				return errResp(http.StatusBadRequest, msgStateInvalid)
			}
			// Moving out of Unlicensed needs set_state (D); wording U.
			if u.state == StateUnlicensed && st != StateUnlicensed {
				return errResp(http.StatusBadRequest, msgStateInvalid)
			}
		}
		if raw, ok := m["status"]; ok && !isNull(raw) {
			st, _ := jsonInt(raw)
			if !validStatus(int(st)) {
				return badAttr("status", "status is invalid")
			}
		}
		if raw, ok := m["email"]; ok {
			email, _ := jsonString(raw)
			if email != "" && !validEmail(email) {
				return errResp(http.StatusBadRequest, "Validation failed: Email is invalid")
			}
			if t.emailTaken(email, u.id) {
				return errResp(http.StatusBadRequest, msgEmailTaken)
			}
		}
		if raw, ok := m["username"]; ok {
			name, _ := jsonString(raw)
			if t.usernameTaken(name, u.id) {
				return errResp(http.StatusBadRequest, msgUsernameTaken)
			}
		}
		oldEmail, oldStatus, oldState := u.email, u.status, u.state
		for k, raw := range m {
			switch k {
			case "state":
				if !isNull(raw) {
					st, _ := jsonInt(raw)
					u.state = int(st)
				}
			case "status":
				if !isNull(raw) {
					st, _ := jsonInt(raw)
					u.setStatus(int(st), q.now, t.opts.PolicyLockMinutes)
				}
			default:
				applyField(u, k, raw)
			}
		}
		if u.email != oldEmail {
			delete(t.byEmail, strings.ToLower(oldEmail))
			if u.email != "" {
				t.byEmail[strings.ToLower(u.email)] = u.id
			}
		}
		u.updatedAt = q.now.UTC()
		if ev := statusEvent(oldStatus, u.status); ev != 0 {
			t.apiEvent(q, ev, u)
		}
		if u.state != oldState {
			if ev := stateEvent(u.state); ev != 0 {
				t.apiEvent(q, ev, u)
			}
		}
		return okResp(t.usersJSON([]*user{u}, userKeys))
	})
}

func validStatus(s int) bool {
	return s >= 0 && s <= 8 && s != 6
}

// setStatus changes status the way an admin would: Active ends a lock and
// clears the failed attempts; Locked without a time locks for the policy period.
func (u *user) setStatus(st int, now time.Time, policyMinutes int) {
	switch st {
	case StatusActive:
		u.unlock()
	case StatusLocked:
		if u.status != StatusLocked {
			until := now.UTC().Add(time.Duration(policyMinutes) * time.Minute)
			u.lockedUntil = &until
		}
	}
	u.status = st
}

func (u *user) unlock() {
	u.status = StatusActive
	u.lockedUntil = nil
	zero := 0
	u.invalidLogins = &zero
}

// DELETE /api/1/users/:id
func (t *Tenant) deleteUser(w http.ResponseWriter, q *req) {
	t.withUser(w, q, func(u *user) response {
		t.apiEvent(q, EventDeletedUser, u)
		delete(t.users, u.id)
		delete(t.byEmail, strings.ToLower(u.email))
		if i, found := slices.BinarySearch(t.order, u.id); found {
			t.order = slices.Delete(t.order, i, i+1)
		}
		return okResp(nil)
	})
}

// GET /api/1/users/:id/roles → data [[ids]]
func (t *Tenant) userRoles(w http.ResponseWriter, q *req) {
	t.withUser(w, q, func(u *user) response {
		return okResp([][]int64{append([]int64{}, u.roleIDs...)})
	})
}

// parseRoleArray reads {"role_id_array":[..]} (reference §3.8).
func (t *Tenant) parseRoleArray(body []byte) ([]int64, *response) {
	if len(bytes.TrimSpace(body)) == 0 {
		r := errResp(http.StatusBadRequest, msgRoleInputEmpty)
		return nil, &r
	}
	m, okJSON := jsonObject(body)
	if !okJSON {
		r := errResp(http.StatusBadRequest, msgInvalidJSON)
		return nil, &r
	}
	raw, present := m["role_id_array"]
	if !present {
		r := errResp(http.StatusBadRequest, msgRoleInputEmpty)
		return nil, &r
	}
	var items []json.RawMessage
	if isNull(raw) || json.Unmarshal(raw, &items) != nil {
		r := badAttr("role_id_array", "role_id_array has incorrect data type. It should be -> array")
		return nil, &r
	}
	if len(items) == 0 {
		r := errResp(http.StatusBadRequest, msgRoleEmpty)
		return nil, &r
	}
	ids := make([]int64, 0, len(items))
	for _, it := range items {
		n, ok := jsonInt(it)
		if !ok || n <= 0 {
			// Assumption (U): the docs' non-integer message is cut off.
			r := errResp(http.StatusBadRequest, msgInvalidJSON)
			return nil, &r
		}
		ids = append(ids, n)
	}
	for _, id := range ids {
		if t.roleName(id) == "" {
			all := make([]string, len(t.roles))
			for i, r := range t.roles {
				all[i] = strconv.FormatInt(r.id, 10)
			}
			r := errResp(http.StatusBadRequest, "role_id_array should be a subset of -> ["+strings.Join(all, ", ")+"]")
			return nil, &r
		}
	}
	return ids, nil
}

// PUT /api/1/users/:id/add_roles
func (t *Tenant) addRoles(w http.ResponseWriter, q *req) {
	t.withUser(w, q, func(u *user) response {
		ids, e := t.parseRoleArray(q.body)
		if e != nil {
			return *e
		}
		for _, id := range ids {
			// Assumption (U): one already-held role fails the whole call.
			if slices.Contains(u.roleIDs, id) {
				return errResp(http.StatusBadRequest, msgRoleIncluded)
			}
		}
		for _, id := range ids {
			if !slices.Contains(u.roleIDs, id) {
				u.roleIDs = append(u.roleIDs, id)
			}
		}
		slices.Sort(u.roleIDs)
		u.updatedAt = q.now.UTC()
		return okResp(nil)
	})
}

// PUT /api/1/users/:id/remove_roles
func (t *Tenant) removeRoles(w http.ResponseWriter, q *req) {
	t.withUser(w, q, func(u *user) response {
		ids, e := t.parseRoleArray(q.body)
		if e != nil {
			return *e
		}
		for _, id := range ids {
			if !slices.Contains(u.roleIDs, id) {
				return errResp(http.StatusBadRequest, msgRoleNotIncluded)
			}
		}
		u.roleIDs = slices.DeleteFunc(u.roleIDs, func(id int64) bool { return slices.Contains(ids, id) })
		u.updatedAt = q.now.UTC()
		return okResp(nil)
	})
}

// PUT /api/1/users/:id/set_custom_attributes
func (t *Tenant) setCustomAttributes(w http.ResponseWriter, q *req) {
	t.withUserBody(w, q, func(u *user, m map[string]json.RawMessage) response {
		raw, present := m["custom_attributes"]
		if !present || isNull(raw) {
			return errResp(http.StatusBadRequest, msgCustomEmpty)
		}
		vals, e := t.parseCustomValues(raw)
		if e != nil {
			return *e
		}
		for k, v := range vals {
			u.custom[k] = v
		}
		u.updatedAt = q.now.UTC()
		return okResp(nil)
	})
}

// PUT /api/1/users/:id/set_state
func (t *Tenant) setState(w http.ResponseWriter, q *req) {
	t.withUserBody(w, q, func(u *user, m map[string]json.RawMessage) response {
		st, isInt := jsonInt(m["state"])
		if !isInt {
			return badAttr("state", "state has incorrect data type. It should be -> integer")
		}
		if st < 0 || st > 3 {
			return errResp(http.StatusBadRequest, msgStateInvalid)
		}
		if int(st) == u.state {
			return errResp(http.StatusBadRequest, msgStateSame)
		}
		if u.state == StateUnlicensed && st == StateUnapproved {
			return errResp(http.StatusBadRequest, msgStateInvalid)
		}
		u.state = int(st)
		u.updatedAt = q.now.UTC()
		t.apiEvent(q, stateEvent(u.state), u)
		return okResp(nil)
	})
}

// PUT /api/1/users/:id/lock_user
func (t *Tenant) lockUser(w http.ResponseWriter, q *req) {
	t.withUser(w, q, func(u *user) response {
		minutes := int64(0)
		if len(bytes.TrimSpace(q.body)) > 0 {
			m, okJSON := jsonObject(q.body)
			if !okJSON {
				return errResp(http.StatusBadRequest, msgInvalidJSON)
			}
			// Assumption (U): a missing locked_until means 0 (policy period).
			if raw, present := m["locked_until"]; present {
				n, isInt := jsonInt(raw)
				if !isInt || n < 0 {
					return errResp(http.StatusBadRequest, msgLockedUntilNotInt)
				}
				minutes = n
			}
		}
		policy := int64(t.opts.PolicyLockMinutes)
		if minutes == 0 {
			minutes = policy
		} else if minutes < policy {
			// Documented rule, undocumented wording (U).
			return errResp(http.StatusBadRequest, fmt.Sprintf("locked_until should not be less than the policy lock period of %d minutes", policy))
		}
		// Assumption (U): a lock shows as status 3 with locked_until set.
		until := q.now.UTC().Add(time.Duration(minutes) * time.Minute)
		u.status, u.lockedUntil = StatusLocked, &until
		u.updatedAt = q.now.UTC()
		// Assumption (U): an API lock is 553 USER_LOCKED_VIA_API rather
		// than 531 API_LOCK_USER; the reference names both for it.
		t.apiEvent(q, EventUserLockedViaAPI, u)
		return okResp(nil)
	})
}

// PUT /api/1/users/:id/logout
func (t *Tenant) logoutUser(w http.ResponseWriter, q *req) {
	t.withUser(w, q, func(u *user) response {
		u.sessions = 0
		// Assumption (U): the reference has no API logout type; the user
		// is logged out of OneLogin, 7, by the API.
		t.apiEvent(q, EventUserLoggedOut, u)
		return okResp(nil)
	})
}

// POST /api/2/users/:id/unlock (reference §4.4): v2 bodies, no envelope.
func (t *Tenant) unlockV2(w http.ResponseWriter, q *req) {
	t.mu.Lock()
	code, body := func() (int, any) {
		id, err := strconv.ParseInt(q.id, 10, 64)
		if err != nil {
			return http.StatusBadRequest, v2Error{Message: "Bad Request", Name: "BadRequestError", StatusCode: 400}
		}
		u, found := t.users[id]
		if !found {
			return http.StatusNotFound, v2Error{Message: "Not Found", Name: "NotFoundError", StatusCode: 404}
		}
		if u.forbidden {
			return http.StatusForbidden, v2Error{Message: "Forbidden", Name: "ForbiddenError", StatusCode: 403}
		}
		u.settle(q.now)
		// Assumption (U): only locked users and active ones (idempotent; it
		// clears failed attempts) can be unlocked; other statuses cannot.
		if u.status != StatusLocked && u.status != StatusActive {
			return http.StatusBadRequest, v2Error{Message: "User cannot be unlocked"}
		}
		u.unlock()
		u.updatedAt = q.now.UTC()
		// Assumption (U, reference §4): 554 UNLOCKED_USER_VIA_API, not 12.
		t.apiEvent(q, EventUnlockedUserViaAPI, u)
		// The doc sample spells the key with three s's; reproduced verbatim.
		return http.StatusOK, map[string]string{"messsage": "User unlocked"}
	}()
	t.mu.Unlock()
	writeJSON(w, code, body)
}
