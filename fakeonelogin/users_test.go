package fakeonelogin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func userPath(id int64, suffix string) string { return "/api/1/users/" + itoa(id) + suffix }

func TestEnvelope_everyReply(t *testing.T) {
	f := newFixture(t, Options{Seed: 2})
	cases := []struct {
		method, path, body string
		code               int
	}{
		{"GET", "/api/1/users", "", 200},
		{"GET", userPath(PersonaAdminID, ""), "", 200},
		{"GET", "/api/1/users/abc", "", 400},
		{"GET", "/api/1/users/999", "", 404},
		{"GET", userPath(PersonaAdminID, "/apps"), "", 200},
		{"GET", userPath(PersonaAdminID, "/roles"), "", 200},
		{"GET", "/api/1/users/custom_attributes", "", 200},
		{"GET", "/api/1/roles", "", 200},
		{"GET", "/api/1/roles/" + itoa(RoleIDAdmins), "", 200},
		{"GET", "/api/1/roles/1", "", 404},
		{"PATCH", userPath(PersonaAdminID, ""), "", 404},
		{"GET", "/api/1/nothing", "", 404},
		{"PUT", userPath(PersonaAdminID, "/logout"), "", 200},
		{"PUT", userPath(PersonaAdminID, "/add_roles"), `{"role_id_array":[]}`, 400},
		{"GET", "/auth/rate_limit", "", 200},
		{"POST", "/auth/rate_limit", "", 404},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			resp, m := f.do(c.method, c.path, c.body)
			code, typ, _ := statusOf(m)
			if resp.StatusCode != c.code || code != float64(c.code) || typ != statusType(c.code) {
				t.Fatalf("HTTP %d, status %v %q; want %d", resp.StatusCode, code, typ, c.code)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			st := m["status"].(map[string]any)
			if st["error"] != (c.code != 200) {
				t.Errorf("error flag %v", st["error"])
			}
			if c.code != 200 {
				if _, has := m["data"]; has {
					t.Errorf("error with data")
				}
			}
			if strings.HasPrefix(c.path, "/api/1/") && c.code != 404 && resp.Header.Get("x-ratelimit-remaining") == "" {
				t.Errorf("no rate-limit headers")
			}
		})
	}
}

func TestShapes(t *testing.T) {
	f := newFixture(t, Options{Seed: 2})
	t.Run("single user is a one-element array of 35 keys", func(t *testing.T) {
		_, m := f.do("GET", userPath(PersonaLockedID, ""), "")
		data := m["data"].([]any)
		u := data[0].(map[string]any)
		if len(data) != 1 || len(u) != 35 {
			t.Fatalf("%d items, %d keys", len(data), len(u))
		}
		if u["email"] != PersonaLocked || u["status"] != 3.0 || u["invalid_login_attempts"] != 6.0 {
			t.Fatalf("%v", u)
		}
		ca := u["custom_attributes"].(map[string]any)
		if len(ca) != 3 {
			t.Fatalf("custom_attributes %v", ca)
		}
		if u["locked_until"] != isoTime(seedEpoch.Add(20*time.Minute)) {
			t.Fatalf("locked_until %v", u["locked_until"])
		}
	})
	t.Run("role-less user has role_id null and apps [[]]", func(t *testing.T) {
		_, m := f.do("GET", userPath(PersonaNoRolesID, ""), "")
		u := m["data"].([]any)[0].(map[string]any)
		if v, has := u["role_id"]; !has || v != nil {
			t.Fatalf("role_id %v", v)
		}
		resp, b := f.raw("GET", userPath(PersonaNoRolesID, "/apps"), map[string]string{"Authorization": "bearer " + f.token}, "")
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"data":[[]]`) {
			t.Fatalf("apps %s", b)
		}
		_, b = f.raw("GET", userPath(PersonaNoRolesID, "/roles"), map[string]string{"Authorization": "bearer " + f.token}, "")
		if !strings.Contains(string(b), `"data":[[]]`) {
			t.Fatalf("roles %s", b)
		}
	})
	t.Run("roles of a user are nested", func(t *testing.T) {
		_, m := f.do("GET", userPath(PersonaAdminID, "/roles"), "")
		got := m["data"].([]any)[0].([]any)
		want := []any{float64(RoleIDEmployees), float64(RoleIDAdmins)}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%v", got)
		}
	})
	t.Run("custom attribute definitions are nested", func(t *testing.T) {
		_, m := f.do("GET", "/api/1/users/custom_attributes", "")
		if fmt.Sprint(m["data"]) != "[[employee_id cost_center location]]" {
			t.Fatalf("%v", m["data"])
		}
	})
	t.Run("apps: icons absolute and relative, mixed login_id and provisioned", func(t *testing.T) {
		kinds := map[string]bool{}
		for _, p := range f.srv.Tenant.Persons()[:60] {
			_, m := f.do("GET", userPath(p.ID, "/apps"), "")
			data := m["data"].([]any)
			if _, nested := data[0].([]any); nested {
				continue
			}
			for _, a := range data {
				app := a.(map[string]any)
				if len(app) != 7 {
					t.Fatalf("app keys %v", app)
				}
				icon := app["icon"].(string)
				switch {
				case strings.HasPrefix(icon, f.srv.URL+"/images/apps/"):
					kinds["abs"] = true
				case strings.HasPrefix(icon, "/images/"):
					kinds["rel"] = true
				}
				switch app["login_id"].(type) {
				case float64:
					kinds["login int"] = true
				case string:
					kinds["login string"] = true
				case nil:
					kinds["login null"] = true
				}
				switch app["provisioned"].(type) {
				case string:
					kinds["prov string"] = true
				case nil:
					kinds["prov null"] = true
				}
				if app["personal"] != false {
					t.Fatalf("personal %v", app)
				}
			}
		}
		for _, k := range []string{"abs", "rel", "login int", "login string", "login null", "prov string", "prov null"} {
			if !kinds[k] {
				t.Errorf("never saw %s", k)
			}
		}
	})
	t.Run("icons are served", func(t *testing.T) {
		_, m := f.do("GET", userPath(PersonaAdminID, "/apps"), "")
		for _, a := range m["data"].([]any) {
			icon := a.(map[string]any)["icon"].(string)
			if strings.HasPrefix(icon, "/") {
				icon = f.srv.URL + icon
			}
			resp, err := http.Get(icon)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
				t.Fatalf("%s: %d %s", icon, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		if r, _ := http.Get(f.srv.URL + missingIcon); r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("missing icon %v", r.Status)
		}
	})
	t.Run("roles list and role by id", func(t *testing.T) {
		_, m := f.do("GET", "/api/1/roles", "")
		data := m["data"].([]any)
		if len(data) != 16 {
			t.Fatalf("%d roles", len(data))
		}
		p := m["pagination"].(map[string]any)
		for _, k := range []string{"before_cursor", "after_cursor", "previous_link", "next_link"} {
			if v, has := p[k]; !has || v != nil {
				t.Fatalf("pagination %v", p)
			}
		}
		_, m = f.do("GET", "/api/1/roles/"+itoa(RoleIDHelpdesk), "")
		if fmt.Sprint(m["data"]) != fmt.Sprintf("[map[id:%d name:%s]]", RoleIDHelpdesk, GroupHelpdesk) {
			t.Fatalf("%v", m["data"])
		}
		_, m = f.do("GET", "/api/1/roles?name=*s&sort=-name&fields=id", "")
		data = m["data"].([]any)
		if len(data) < 5 || len(data[0].(map[string]any)) != 1 {
			t.Fatalf("%v", data)
		}
	})
	t.Run("rate_limit data is an object", func(t *testing.T) {
		_, m := f.do("GET", "/auth/rate_limit", "")
		d := m["data"].(map[string]any)
		if d["X-RateLimit-Limit"] != 5000.0 || d["X-RateLimit-Remaining"] == nil || d["X-RateLimit-Reset"] == nil {
			t.Fatalf("%v", d)
		}
	})
	t.Run("status-only replies have no data", func(t *testing.T) {
		_, m := f.do("PUT", userPath(PersonaAdminID, "/logout"), "")
		if _, has := m["data"]; has || len(m) != 1 {
			t.Fatalf("%v", m)
		}
	})
}

func TestErrorMessages(t *testing.T) {
	f := newFixture(t, Options{Seed: 3})
	emp := PersonaEmployeeID
	allRoles := "role_id_array should be a subset of -> [153078, 153190, 176342, 198233, 198240, 198367, 207415, 207452, 215006, 221874, 230119, 244801, 262090, 284511, 284517, 301922]"
	cases := []struct {
		name, method, path, body string
		code                     int
		msg                      string
	}{
		{"id not integer", "GET", "/api/1/users/12x", "", 400, `{"attribute":"id","description":"ID is incorrect"}`},
		{"user missing", "GET", "/api/1/users/42", "", 404, "User for id 42 was not found"},
		{"user missing on action", "PUT", "/api/1/users/42/logout", "", 404, "User for id 42 was not found"},
		{"role missing", "GET", "/api/1/roles/42", "", 404, "Role for id 42 was not found"},
		{"role id not integer", "GET", "/api/1/roles/x", "", 400, `{"attribute":"id","description":"ID is incorrect"}`},
		{"wrong method", "POST", userPath(emp, "/roles"), "{}", 404, msgNoRoute},
		{"unknown route", "GET", "/api/1/groups/zzz/x", "", 404, msgNoRoute},
		{"bad JSON", "PUT", userPath(emp, ""), `{"firstname":`, 400, msgInvalidJSON},
		{"add_roles empty", "PUT", userPath(emp, "/add_roles"), `{"role_id_array":[]}`, 400, msgRoleEmpty},
		{"add_roles no key", "PUT", userPath(emp, "/add_roles"), `{}`, 400, msgRoleInputEmpty},
		{"add_roles not array", "PUT", userPath(emp, "/add_roles"), `{"role_id_array":5}`, 400, `{"attribute":"role_id_array","description":"role_id_array has incorrect data type. It should be -> array"}`},
		{"add_roles not subset", "PUT", userPath(emp, "/add_roles"), `{"role_id_array":[1]}`, 400, allRoles},
		{"add_roles already", "PUT", userPath(emp, "/add_roles"), fmt.Sprintf(`{"role_id_array":[%d]}`, RoleIDEmployees), 400, msgRoleIncluded},
		{"add_roles non-integer", "PUT", userPath(emp, "/add_roles"), `{"role_id_array":["a"]}`, 400, msgInvalidJSON},
		{"remove_roles not included", "PUT", userPath(emp, "/remove_roles"), fmt.Sprintf(`{"role_id_array":[%d]}`, RoleIDAdmins), 400, msgRoleNotIncluded},
		{"remove_roles empty body", "PUT", userPath(emp, "/remove_roles"), "", 400, msgRoleInputEmpty},
		{"remove_roles not subset", "PUT", userPath(emp, "/remove_roles"), `{"role_id_array":[7]}`, 400, allRoles},
		{"custom attrs invalid", "PUT", userPath(emp, "/set_custom_attributes"), `{"custom_attributes":{"shoe_size":"44"}}`, 400, "input custom_attributes is not valid. Valid custom_attributes -> [employee_id cost_center location ]"},
		{"custom attrs empty", "PUT", userPath(emp, "/set_custom_attributes"), `{"custom_attributes":{}}`, 400, msgCustomEmpty},
		{"custom attrs missing", "PUT", userPath(emp, "/set_custom_attributes"), `{}`, 400, msgCustomEmpty},
		{"custom attrs bad JSON", "PUT", userPath(emp, "/set_custom_attributes"), `{"custom_attributes":`, 400, msgInvalidJSON},
		{"state same", "PUT", userPath(emp, "/set_state"), `{"state":1}`, 400, msgStateSame},
		{"state type", "PUT", userPath(emp, "/set_state"), `{"state":"1"}`, 400, `{"attribute":"state","description":"state has incorrect data type. It should be -> integer"}`},
		{"state out of range", "PUT", userPath(emp, "/set_state"), `{"state":9}`, 400, msgStateInvalid},
		{"lock not integer", "PUT", userPath(emp, "/lock_user"), `{"locked_until":"soon"}`, 400, msgLockedUntilNotInt},
		{"lock bad JSON", "PUT", userPath(emp, "/lock_user"), `{`, 400, msgInvalidJSON},
		{"lock below policy", "PUT", userPath(emp, "/lock_user"), `{"locked_until":15}`, 400, "locked_until should not be less than the policy lock period of 30 minutes"},
		{"create unknown attribute", "POST", "/api/1/users", `{"firstname":"A","last":"B","email":"a@example.com"}`, 400, `{"attribute":"last","description":"last is not a valid attribute for user model"}`},
		{"create password not a v1 field", "POST", "/api/1/users", `{"firstname":"A","lastname":"B","email":"a@example.com","password":"x"}`, 400, `{"attribute":"password","description":"password is not a valid attribute for user model"}`},
		{"create no firstname", "POST", "/api/1/users", `{"lastname":"B","email":"a@example.com"}`, 400, `{"attribute":"firstname","description":"firstname can't be blank"}`},
		{"create no email or username", "POST", "/api/1/users", `{"firstname":"A","lastname":"B"}`, 400, `{"attribute":"email","description":"email or username is required"}`},
		{"create duplicate email", "POST", "/api/1/users", `{"firstname":"A","lastname":"B","email":"PRIYA.RAMAN@example.com"}`, 400, msgEmailTaken},
		{"create wrong type", "POST", "/api/1/users", `{"firstname":"A","lastname":"B","email":"n@example.com","group_id":"x"}`, 400, `{"attribute":"group_id","description":"group_id has incorrect data type. It should be -> integer"}`},
		{"update unknown attribute", "PUT", userPath(emp, ""), `{"shoe":1}`, 400, `{"attribute":"shoe","description":"shoe is not a valid attribute for user model"}`},
		{"update duplicate email", "PUT", userPath(emp, ""), `{"email":"` + PersonaAdmin + `"}`, 400, msgEmailTaken},
		{"update bad status", "PUT", userPath(emp, ""), `{"status":6}`, 400, `{"attribute":"status","description":"status is invalid"}`},
		{"mfa too long", "POST", userPath(emp, "/mfa_token"), `{"expires_in":259201}`, 400, `{"attribute":"expires_in","description":"expires_in should be less than or equal to 259200"}`},
		{"mfa not a number", "POST", userPath(emp, "/mfa_token"), `{"expires_in":"soon"}`, 400, `{"attribute":"expires_in","description":"expires_in should be -> integer"}`},
		{"body not JSON content type", "PUT", userPath(emp, "/set_state"), "", 400, msgContentType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := map[string]string{"Authorization": "bearer " + f.token}
			body := c.body
			if c.name == "body not JSON content type" {
				hdr["Content-Type"] = "text/plain"
				body = `{"state":2}`
			} else if body != "" {
				hdr["Content-Type"] = "application/json"
			}
			resp, b := f.raw(c.method, c.path, hdr, body)
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("not JSON: %s", b)
			}
			code, typ, msg := statusOf(m)
			if resp.StatusCode != c.code || code != float64(c.code) || typ != statusType(c.code) {
				t.Fatalf("got HTTP %d %s, want %d", resp.StatusCode, b, c.code)
			}
			if got := msgString(msg); got != compactJSONOr(c.msg) {
				t.Fatalf("message\n got %s\nwant %s", got, c.msg)
			}
		})
	}
	// None of the failed calls changed Jonas.
	s, _ := f.srv.Tenant.User(emp)
	if s.Status != StatusLocked || s.State != StateApproved || len(s.RoleIDs) != 2 {
		t.Fatalf("failed calls changed state: %+v", s)
	}
	if _, found := f.srv.Tenant.FindByEmail("a@example.com"); found {
		t.Fatal("a failed create created a user")
	}
}

// compactJSONOr compacts s if it is a JSON object (attribute messages).
func compactJSONOr(s string) string {
	if strings.HasPrefix(s, "{") {
		var m map[string]string
		json.Unmarshal([]byte(s), &m)
		b, _ := json.Marshal(attrMessage{Attribute: m["attribute"], Description: m["description"]})
		return string(b)
	}
	return s
}

func TestForbiddenUser(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	f.srv.Tenant.SetForbidden(PersonaAdminID, true)
	for _, p := range []string{"", "/apps", "/roles"} {
		r, m := f.do("GET", userPath(PersonaAdminID, p), "")
		if _, typ, msg := statusOf(m); r.StatusCode != 403 || msg != msgForbiddenUser || typ != "forbidden" {
			t.Fatalf("%s: %d %v", p, r.StatusCode, m)
		}
	}
}

func TestCreateUpdateDelete(t *testing.T) {
	f := newFixture(t, Options{Seed: 4, Users: 50})
	resp, m := f.do("POST", "/api/1/users", `{"firstname":"Zoë","lastname":"Ødegaard","email":"zoe.odegaard@example.com","department":"Legal","custom_attributes":{"location":"Oslo"}}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, m)
	}
	u := m["data"].([]any)[0].(map[string]any)
	if len(u) != 35 || u["status"] != nil || u["role_id"] != nil || u["phone"] != nil || u["last_login"] != nil ||
		u["openid_name"] != "zoe.odegaard" || u["firstname"] != "Zoë" || u["state"] != 1.0 {
		t.Fatalf("fresh user %v", u)
	}
	if u["custom_attributes"].(map[string]any)["location"] != "Oslo" {
		t.Fatalf("custom %v", u["custom_attributes"])
	}
	id := int64(u["id"].(float64))
	_, m = f.do("GET", userPath(id, ""), "")
	if got := m["data"].([]any)[0].(map[string]any)["status"]; got != float64(StatusPasswordPending) {
		t.Fatalf("status after create %v", got)
	}

	resp, m = f.do("PUT", userPath(id, ""), `{"title":"Counsel","phone":"+47 22 00 00 00","group_id":null,"external_id":12345,"state":3}`)
	u = m["data"].([]any)[0].(map[string]any)
	if resp.StatusCode != 200 || u["title"] != "Counsel" || u["external_id"] != 12345.0 || u["state"] != 3.0 {
		t.Fatalf("update %d %v", resp.StatusCode, u)
	}
	// Unlicensed users can only leave state 3 through set_state.
	resp, m = f.do("PUT", userPath(id, ""), `{"state":1}`)
	if _, _, msg := statusOf(m); resp.StatusCode != 400 || msg != msgStateInvalid {
		t.Fatalf("leave unlicensed via update: %v", m)
	}
	resp, m = f.do("PUT", userPath(id, "/set_state"), `{"state":0}`)
	if _, _, msg := statusOf(m); resp.StatusCode != 400 || msg != msgStateInvalid {
		t.Fatalf("unlicensed -> unapproved: %v", m)
	}
	if resp, _ = f.do("PUT", userPath(id, "/set_state"), `{"state":1}`); resp.StatusCode != 200 {
		t.Fatal("set_state 1")
	}
	if resp, _ = f.do("PUT", userPath(id, ""), `{"email":"zoe.o@example.com"}`); resp.StatusCode != 200 {
		t.Fatal("email change")
	}
	if _, found := f.srv.Tenant.FindByEmail("zoe.o@example.com"); !found {
		t.Fatal("new email not indexed")
	}
	if _, found := f.srv.Tenant.FindByEmail("zoe.odegaard@example.com"); found {
		t.Fatal("old email still indexed")
	}

	if resp, _ = f.do("DELETE", userPath(id, ""), ""); resp.StatusCode != 200 {
		t.Fatal("delete")
	}
	resp, m = f.do("GET", userPath(id, ""), "")
	if _, _, msg := statusOf(m); resp.StatusCode != 404 || msg != fmt.Sprintf("User for id %d was not found", id) {
		t.Fatalf("after delete %v", m)
	}
	if f.srv.Tenant.UserCount() != 50 {
		t.Fatalf("count %d", f.srv.Tenant.UserCount())
	}
}

func TestRolesAndCustomAttributes(t *testing.T) {
	f := newFixture(t, Options{Seed: 4, Users: 20})
	id := PersonaHelpdeskID
	if r, _ := f.do("PUT", userPath(id, "/add_roles"), fmt.Sprintf(`{"role_id_array":[%d, %d]}`, RoleIDViewers, RoleIDAdmins)); r.StatusCode != 200 {
		t.Fatal(r.Status)
	}
	s, _ := f.srv.Tenant.User(id)
	if !slices.Equal(s.RoleIDs, []int64{RoleIDEmployees, RoleIDAdmins, RoleIDHelpdesk, RoleIDViewers}) {
		t.Fatalf("roles %v", s.RoleIDs)
	}
	if r, _ := f.do("PUT", userPath(id, "/remove_roles"), fmt.Sprintf(`{"role_id_array":[%d]}`, RoleIDAdmins)); r.StatusCode != 200 {
		t.Fatal(r.Status)
	}
	for _, p := range f.srv.Tenant.Persons() {
		if p.ID == id && !slices.Equal(p.Groups, []string{GroupEmployee, GroupHelpdesk, GroupViewers}) {
			t.Fatalf("groups %v", p.Groups)
		}
	}
	if r, _ := f.do("PUT", userPath(id, "/set_custom_attributes"), `{"custom_attributes":{"location":"Lisbon","cost_center":""}}`); r.StatusCode != 200 {
		t.Fatal(r.Status)
	}
	s, _ = f.srv.Tenant.User(id)
	if s.CustomAttributes["location"] != "Lisbon" || s.CustomAttributes["cost_center"] != "" || s.CustomAttributes["employee_id"] == "" {
		t.Fatalf("custom %v", s.CustomAttributes)
	}
}
