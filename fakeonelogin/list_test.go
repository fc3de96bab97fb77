package fakeonelogin

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

type listPage struct {
	ids   []int64
	users []map[string]any
	pag   map[string]any
}

func (f *fixture) list(pathAndQuery string) listPage {
	f.t.Helper()
	resp, m := f.do("GET", pathAndQuery, "")
	if resp.StatusCode != 200 {
		f.t.Fatalf("%s: %d %v", pathAndQuery, resp.StatusCode, m)
	}
	var p listPage
	p.pag = m["pagination"].(map[string]any)
	for _, d := range m["data"].([]any) {
		u := d.(map[string]any)
		p.users = append(p.users, u)
		p.ids = append(p.ids, int64(u["id"].(float64)))
	}
	return p
}

// relative turns an absolute link of the fake into a path and query.
func (f *fixture) relative(link any) string {
	f.t.Helper()
	s, _ := link.(string)
	if !strings.HasPrefix(s, f.srv.URL+"/") {
		f.t.Fatalf("link %q is not absolute on %s", s, f.srv.URL)
	}
	return strings.TrimPrefix(s, f.srv.URL)
}

func TestPaging_walkAllPages(t *testing.T) {
	f := newFixture(t, Options{Seed: 5, Users: 260})
	cases := []struct {
		query string
		limit int
	}{
		{"/api/1/users", 50},
		{"/api/1/users?limit=37", 37},
		{"/api/1/users?limit=1000", maxPageSize},
		{"/api/1/users?limit=zero&after_cursor=", 50},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			var all []int64
			var pages []listPage
			next := c.query
			for next != "" {
				p := f.list(next)
				if len(p.ids) > c.limit || (p.pag["next_link"] != nil && len(p.ids) != c.limit) {
					t.Fatalf("page of %d, limit %d", len(p.ids), c.limit)
				}
				for _, u := range p.users {
					if len(u) != 35 {
						t.Fatalf("user with %d keys", len(u))
					}
				}
				all = append(all, p.ids...)
				pages = append(pages, p)
				next = ""
				if p.pag["next_link"] != nil {
					next = f.relative(p.pag["next_link"])
					if !strings.Contains(next, "after_cursor="+url.QueryEscape(p.pag["after_cursor"].(string))) {
						t.Fatalf("next_link %s does not repeat after_cursor", next)
					}
				}
			}
			if len(all) != 260 || !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != 260 {
				t.Fatalf("walked %d ids, sorted=%v", len(all), slices.IsSorted(all))
			}
			first, last := pages[0].pag, pages[len(pages)-1].pag
			if first["before_cursor"] != nil || first["previous_link"] != nil {
				t.Fatalf("first page has a previous page: %v", first)
			}
			if last["after_cursor"] != nil || last["next_link"] != nil {
				t.Fatalf("last page has a next page: %v", last)
			}
			// previous_link of each later page gives back the page before it.
			for i := 1; i < len(pages); i++ {
				prev := f.list(f.relative(pages[i].pag["previous_link"]))
				if !slices.Equal(prev.ids, pages[i-1].ids) {
					t.Fatalf("previous of page %d: %v, want %v", i, prev.ids, pages[i-1].ids)
				}
			}
		})
	}
}

func TestPaging_singlePageAllNull(t *testing.T) {
	f := newFixture(t, Options{Seed: 5, Users: 30})
	p := f.list("/api/1/users")
	for _, k := range []string{"before_cursor", "after_cursor", "previous_link", "next_link"} {
		if v, has := p.pag[k]; !has || v != nil {
			t.Fatalf("%s = %v", k, v)
		}
	}
	if p := f.list("/api/1/users?email=nobody@nowhere"); len(p.ids) != 0 || p.pag["next_link"] != nil {
		t.Fatalf("empty listing %+v", p)
	}
}

func TestPaging_cursorCarriesFiltersAndSort(t *testing.T) {
	f := newFixture(t, Options{Seed: 5, Users: 400})
	q := "/api/1/users?email=*%40example.com&sort=-created_at&limit=20&fields=email,created_at"
	p1 := f.list(q)
	// Following the cursor alone, without repeating the filters, continues the same listing.
	p2 := f.list("/api/1/users?limit=20&after_cursor=" + url.QueryEscape(p1.pag["after_cursor"].(string)))
	p2link := f.list(f.relative(p1.pag["next_link"]))
	if !slices.Equal(p2.ids, p2link.ids) {
		t.Fatal("cursor alone and next_link disagree")
	}
	if len(p2link.users[0]) != 3 { // id, email, created_at
		t.Fatalf("fields not kept in next_link: %v", p2link.users[0])
	}
	all := append(slices.Clone(p1.users), p2link.users...)
	for i := 1; i < len(all); i++ {
		if all[i-1]["created_at"].(string) < all[i]["created_at"].(string) {
			t.Fatalf("not sorted by -created_at at %d", i)
		}
	}
	for _, bad := range []string{"bm9wZQ", "%21%21%21"} { // base64 of "nope"; not base64
		if r, m := f.do("GET", "/api/1/users?after_cursor="+bad, ""); r.StatusCode != 400 {
			t.Fatalf("bad cursor %s: %v", bad, m["status"])
		}
	}
}

func TestPaging_deletedBoundaryUser(t *testing.T) {
	f := newFixture(t, Options{Seed: 5, Users: 120})
	p1 := f.list("/api/1/users?limit=10")
	p2 := f.list("/api/1/users?limit=10&after_cursor=" + url.QueryEscape(p1.pag["after_cursor"].(string)))
	// Delete the last user of page 1; the cursor must still lead to page 2.
	if r, _ := f.do("DELETE", userPath(p1.ids[9], ""), ""); r.StatusCode != 200 {
		t.Fatal(r.Status)
	}
	again := f.list("/api/1/users?limit=10&after_cursor=" + url.QueryEscape(p1.pag["after_cursor"].(string)))
	if !slices.Equal(again.ids, p2.ids) {
		t.Fatalf("after deletion %v, want %v", again.ids, p2.ids)
	}
}

func TestFilters(t *testing.T) {
	f := newFixture(t, Options{Seed: 6})
	tn := f.srv.Tenant
	snaps := map[int64]UserSnapshot{}
	for _, p := range tn.Persons() {
		s, _ := tn.User(p.ID)
		snaps[p.ID] = s
	}
	count := func(pred func(UserSnapshot) bool) int {
		n := 0
		for _, s := range snaps {
			if pred(s) {
				n++
			}
		}
		return n
	}
	// walk returns every id matching the query (following pages).
	walk := func(q string) []int64 {
		var ids []int64
		for next := q; next != ""; {
			p := f.list(next)
			ids = append(ids, p.ids...)
			next = ""
			if p.pag["next_link"] != nil {
				next = f.relative(p.pag["next_link"])
			}
		}
		return ids
	}
	since := seedEpoch.Add(-365 * 24 * time.Hour)
	until := seedEpoch.Add(-90 * 24 * time.Hour)
	cases := []struct {
		name  string
		query string
		want  func(UserSnapshot) bool
	}{
		{"firstname marg*", "firstname=marg*", func(s UserSnapshot) bool { return strings.HasPrefix(strings.ToLower(s.Firstname), "marg") }},
		{"wildcard is case-insensitive", "firstname=MARG*", func(s UserSnapshot) bool { return strings.HasPrefix(strings.ToLower(s.Firstname), "marg") }},
		{"email suffix", "email=*%40partners.example.com", func(s UserSnapshot) bool { return strings.HasSuffix(s.Email, "@partners.example.com") }},
		{"email exact any case", "email=Priya.Raman%40Example.com", func(s UserSnapshot) bool { return s.Email == PersonaAdmin }},
		{"lastname suffix", "lastname=*sen", func(s UserSnapshot) bool { return strings.HasSuffix(strings.ToLower(s.Lastname), "sen") }},
		{"non-ASCII prefix", "lastname=M%C3%BC*", func(s UserSnapshot) bool { return strings.HasPrefix(s.Lastname, "Mü") }},
		{"id", "id=" + itoa(PersonaViewerID), func(s UserSnapshot) bool { return s.ID == PersonaViewerID }},
		{"role_id", "role_id=" + itoa(RoleIDHelpdesk), func(s UserSnapshot) bool { return slices.Contains(s.RoleIDs, RoleIDHelpdesk) }},
		{"custom attribute", "custom_attributes.location=Berlin", func(s UserSnapshot) bool { return s.CustomAttributes["location"] == "Berlin" }},
		{"custom attribute wildcard", "custom_attributes.cost_center=CC-4*", func(s UserSnapshot) bool { return strings.HasPrefix(s.CustomAttributes["cost_center"], "CC-4") }},
		{"unknown custom attribute", "custom_attributes.shoe=44", func(UserSnapshot) bool { return false }},
		{"since", "since=" + url.QueryEscape(since.Format(time.RFC3339)), func(s UserSnapshot) bool { return s.CreatedAt.After(since) }},
		{"until", "until=" + url.QueryEscape(until.Format(time.RFC3339)), func(s UserSnapshot) bool { return s.CreatedAt.Before(until) }},
		{"since and until", "since=" + url.QueryEscape(since.Format(time.RFC3339)) + "&until=" + url.QueryEscape(until.Format(time.RFC3339)),
			func(s UserSnapshot) bool { return s.CreatedAt.After(since) && s.CreatedAt.Before(until) }},
		{"negation (assumption)", "email=!*%40example.com", func(s UserSnapshot) bool { return !strings.HasSuffix(s.Email, "@example.com") }},
		{"combined", "lastname=*a*&role_id=" + itoa(RoleIDEmployees), func(s UserSnapshot) bool {
			return strings.Contains(strings.ToLower(s.Lastname), "a") && slices.Contains(s.RoleIDs, RoleIDEmployees)
		}},
		{"unknown parameter ignored (assumption)", "shoe_size=44&firstname=Jonas", func(s UserSnapshot) bool { return s.Firstname == "Jonas" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := walk("/api/1/users?" + c.query)
			if want := count(c.want); len(got) != want {
				t.Fatalf("%d users, want %d", len(got), want)
			}
			for _, id := range got {
				if !c.want(snaps[id]) {
					t.Fatalf("user %d does not match: %+v", id, snaps[id])
				}
			}
		})
	}
	t.Run("marg finds Marguerite and few others", func(t *testing.T) {
		got := walk("/api/1/users?firstname=marg*")
		if len(got) < 2 || len(got) > 5 || !slices.Contains(got, PersonaLockedID) {
			t.Fatalf("%v", got)
		}
	})
	t.Run("bad since", func(t *testing.T) {
		r, m := f.do("GET", "/api/1/users?since=yesterday", "")
		if r.StatusCode != 400 {
			t.Fatalf("%v", m)
		}
	})
}

func TestSortAndFields(t *testing.T) {
	f := newFixture(t, Options{Seed: 7, Users: 150})
	cases := []struct {
		query string
		key   string
		desc  bool
	}{
		{"sort=%2Bcreated_at", "created_at", false},
		{"sort=+created_at", "created_at", false}, // raw '+' arrives as a space
		{"sort=-id", "id", true},
		{"sort=-lastname", "lastname", true},
		{"sort=email", "email", false},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			p := f.list("/api/1/users?limit=100&" + c.query)
			for i := 1; i < len(p.users); i++ {
				a, b := p.users[i-1][c.key], p.users[i][c.key]
				var cmp int
				switch x := a.(type) {
				case float64:
					cmp = compare(x, b.(float64))
				case string:
					cmp = strings.Compare(strings.ToLower(x), strings.ToLower(b.(string)))
				}
				if (c.desc && cmp < 0) || (!c.desc && cmp > 0) {
					t.Fatalf("out of order at %d: %v then %v", i, a, b)
				}
			}
		})
	}
	t.Run("fields keeps id", func(t *testing.T) {
		p := f.list("/api/1/users?fields=email,%20status,nonsense")
		var keys []string
		for k := range p.users[0] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"email", "id", "status"}) {
			t.Fatalf("%v", keys)
		}
	})
}

func compare(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestSeedRealism(t *testing.T) {
	f := newFixture(t, Options{Seed: 8, Users: 2000})
	tn := f.srv.Tenant
	if tn.UserCount() != 2000 {
		t.Fatalf("%d users", tn.UserCount())
	}
	statuses := map[int]int{}
	nulls := map[string]map[string]bool{}
	nonASCII := 0
	for next := "/api/1/users?limit=100"; next != ""; {
		p := f.list(next)
		for _, u := range p.users {
			statuses[int(u["status"].(float64))]++
			for _, k := range []string{"company", "phone", "username", "external_id", "manager_ad_id", "role_id"} {
				if nulls[k] == nil {
					nulls[k] = map[string]bool{}
				}
				switch v := u[k].(type) {
				case nil:
					nulls[k]["null"] = true
				case string:
					nulls[k][map[bool]string{true: "empty", false: "string"}[v == ""]] = true
				case float64:
					nulls[k]["int"] = true
				case []any:
					nulls[k]["array"] = true
				}
			}
			name := u["firstname"].(string) + u["lastname"].(string)
			if strings.IndexFunc(name, func(r rune) bool { return r > 127 }) >= 0 {
				nonASCII++
			}
		}
		next = ""
		if p.pag["next_link"] != nil {
			next = f.relative(p.pag["next_link"])
		}
	}
	for _, st := range []int{0, 1, 2, 3, 4, 5, 7} {
		if statuses[st] == 0 {
			t.Errorf("no user with status %d: %v", st, statuses)
		}
	}
	if statuses[1] < 1500 {
		t.Errorf("too few active users: %v", statuses)
	}
	want := map[string][]string{
		"company": {"null", "empty", "string"}, "phone": {"null", "empty", "string"}, "username": {"null", "empty", "string"},
		"external_id": {"null", "string", "int"}, "manager_ad_id": {"null", "string", "int"}, "role_id": {"null", "array"},
	}
	for k, kinds := range want {
		for _, kind := range kinds {
			if !nulls[k][kind] {
				t.Errorf("%s never %s", k, kind)
			}
		}
	}
	if nonASCII < 100 {
		t.Errorf("only %d non-ASCII names", nonASCII)
	}
	roles := tn.Roles()
	if len(roles) < 15 {
		t.Errorf("%d roles", len(roles))
	}
	for _, r := range roles {
		if r.ID < 100000 || r.ID > 999999 {
			t.Errorf("role id %d not 6 digits", r.ID)
		}
	}
	for _, p := range []struct {
		email  string
		id     int64
		status int
		group  string
	}{
		{PersonaAdmin, PersonaAdminID, StatusActive, GroupAdmins},
		{PersonaHelpdesk, PersonaHelpdeskID, StatusActive, GroupHelpdesk},
		{PersonaViewer, PersonaViewerID, StatusActive, GroupViewers},
		{PersonaEmployee, PersonaEmployeeID, StatusLocked, GroupEmployee},
		{PersonaLocked, PersonaLockedID, StatusLocked, GroupEmployee},
		{PersonaSuspended, PersonaSuspendedID, StatusSuspended, GroupEmployee},
		{PersonaPasswordExpired, PersonaPasswordExpiredID, StatusPasswordExpired, GroupEmployee},
		{PersonaUnactivated, PersonaUnactivatedID, StatusUnactivated, GroupEmployee},
		{PersonaAwaitingReset, PersonaAwaitingResetID, StatusAwaitingReset, GroupEmployee},
		{PersonaPasswordPending, PersonaPasswordPendingID, StatusPasswordPending, GroupEmployee},
		{PersonaNoRoles, PersonaNoRolesID, StatusActive, ""},
	} {
		s, found := tn.FindByEmail(p.email)
		if !found || s.ID != p.id || s.Status != p.status {
			t.Errorf("persona %s: %+v", p.email, s)
			continue
		}
		var groups []string
		for _, per := range tn.Persons() {
			if per.ID == p.id {
				groups = per.Groups
			}
		}
		if (p.group == "") != (len(groups) == 0) || (p.group != "" && !slices.Contains(groups, p.group)) {
			t.Errorf("persona %s groups %v", p.email, groups)
		}
		wantPW := p.status != StatusUnactivated && p.status != StatusPasswordPending
		if tn.CheckPassword(p.id, DemoPassword) != wantPW {
			t.Errorf("persona %s password check != %v", p.email, wantPW)
		}
	}
	if s, _ := tn.User(PersonaEmployeeID); s.InvalidLoginAttempts != 5 || !s.LockedUntil.IsZero() {
		t.Errorf("Jonas %+v", s)
	}
}

func TestDeterministicSeed(t *testing.T) {
	render := func(seed int64) string {
		tn := NewTenant(Options{Seed: seed, Users: 500, Clock: NewManualClock(seedEpoch)})
		req, _ := http.NewRequest("GET", "/api/1/users?limit=100&sort=-lastname", nil)
		tok := tn.tokenFor(seedEpoch, false).access
		req.Header.Set("Authorization", "bearer "+tok)
		rec := newRecorder()
		tn.ServeHTTP(rec, req)
		b, _ := json.Marshal(tn.Persons())
		return rec.body.String() + string(b)
	}
	a, b, c := render(42), render(42), render(43)
	if a != b {
		t.Fatal("same seed gave different tenants")
	}
	if a == c {
		t.Fatal("different seeds gave the same tenant")
	}
}
