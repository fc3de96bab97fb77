package fakeonelogin

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// listEvents GETs /api/1/events?query and returns the events and the
// pagination block.
func (f *fixture) listEvents(query string) ([]map[string]any, map[string]any) {
	f.t.Helper()
	r, m := f.do("GET", "/api/1/events?"+query, "")
	if r.StatusCode != 200 {
		f.t.Fatalf("events?%s: %d %v", query, r.StatusCode, m)
	}
	raw, _ := m["data"].([]any)
	out := make([]map[string]any, len(raw))
	for i, e := range raw {
		out[i] = e.(map[string]any)
	}
	p, _ := m["pagination"].(map[string]any)
	return out, p
}

// eventsOf lists user id's events, newest first.
func (f *fixture) eventsOf(id int64) []map[string]any {
	f.t.Helper()
	evs, _ := f.listEvents("sort=-created_at&limit=50&user_id=" + itoa(id))
	return evs
}

func num(v any) int64 {
	n, _ := v.(float64)
	return int64(n)
}

func typesOf(evs []map[string]any) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = num(e["event_type_id"])
	}
	return out
}

func TestEvents_types(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	r, m := f.do("GET", "/api/1/events/types", "")
	if r.StatusCode != 200 || r.Header.Get("X-RateLimit-Limit") == "" {
		t.Fatalf("%d %v", r.StatusCode, r.Header)
	}
	if _, has := m["pagination"]; has {
		t.Error("types are not paginated")
	}
	data := m["data"].([]any)
	byID := map[int64]map[string]any{}
	for _, d := range data {
		o := d.(map[string]any)
		if len(o) != 3 || o["name"] == "" || o["description"] == "" {
			t.Errorf("type %v", o)
		}
		if byID[num(o["id"])] != nil {
			t.Errorf("type %v twice", o["id"])
		}
		byID[num(o["id"])] = o
	}
	for id, want := range map[int64][2]string{
		5: {"USER_LOGGED_INTO_ONELOGIN", "%user% logged into OneLogin"}, 6: {"USER_FAILED_ONELOGIN_LOGIN", "%user% failed authentication"},
	} {
		if o := byID[id]; o == nil || o["name"] != want[0] || o["description"] != want[1] {
			t.Errorf("type %d = %v", id, o)
		}
	}
	for id, name := range map[int64]string{19: "USER_LOCKED", 553: "USER_LOCKED_VIA_API", 554: "UNLOCKED_USER_VIA_API", 1100: "TEMP_OTP_TOKEN_GENERATED"} {
		if o := byID[id]; o == nil || o["name"] != name {
			t.Errorf("type %d = %v", id, o)
		}
	}
	if r, _ := f.raw("GET", "/api/1/events/types", map[string]string{"Authorization": "bearer nope"}, ""); r.StatusCode != 401 {
		t.Errorf("types without a valid token: %d", r.StatusCode)
	}
}

// Every event has the 35 keys of the docs' sample, in its order, unset ones null.
func TestEvents_objectShape(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	if r, _ := f.do("PUT", userPath(PersonaHelpdeskID, "/lock_user"), `{"locked_until":0}`); r.StatusCode != 200 {
		t.Fatal(r.Status)
	}
	_, body := f.raw("GET", "/api/1/events?sort=-created_at&limit=1", map[string]string{"Authorization": "bearer " + f.token}, "")
	var env struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || len(env.Data) != 1 {
		t.Fatalf("%s", body)
	}
	dec := json.NewDecoder(bytes.NewReader(env.Data[0]))
	dec.Token() // {
	var keys []string
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var v json.RawMessage
		dec.Decode(&v)
	}
	if !slices.Equal(keys, eventKeys) || len(keys) != 35 {
		t.Errorf("keys %v", keys)
	}
	var e map[string]any
	json.Unmarshal(env.Data[0], &e)
	if num(e["id"]) <= 1<<31 || num(e["account_id"]) != DefaultAccountID || e["actor_system"] != "API" ||
		e["client_id"] != f.srv.ClientID || e["ipaddr"] != "127.0.0.1" || e["user_name"] != "Tomás Herrera" ||
		e["actor_user_id"] != nil || e["group_id"] != nil || e["risk_score"] != nil {
		t.Errorf("event %v", e)
	}
	if at, err := time.Parse(isoMillis, e["created_at"].(string)); err != nil || !at.Equal(f.clock.Now()) {
		t.Errorf("created_at %v, tenant clock %v", e["created_at"], f.clock.Now())
	}
}

// Each API action leaves the event the reference names for it.
func TestEvents_apiActionsRecorded(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, body string
		id                       int64
		want                     []int64 // newest first
	}{
		{"lock", "PUT", userPath(PersonaHelpdeskID, "/lock_user"), `{"locked_until":0}`, PersonaHelpdeskID, []int64{553}},
		{"unlock v2", "POST", "/api/2/users/" + itoa(PersonaEmployeeID) + "/unlock", "", PersonaEmployeeID, []int64{554}},
		{"password", "PUT", "/api/1/users/set_password_clear_text/" + itoa(PersonaAdminID), `{"password":"Aa1!aaaa","password_confirmation":"Aa1!aaaa"}`, PersonaAdminID, []int64{511}},
		{"password hash", "PUT", "/api/1/users/set_password_using_salt/" + itoa(PersonaAdminID), `{"password":"` + hashPassword("", "x") + `","password_confirmation":"` + hashPassword("", "x") + `","password_algorithm":"salt+sha256"}`, PersonaAdminID, []int64{510}},
		{"unlicensed", "PUT", userPath(PersonaAdminID, "/set_state"), `{"state":3}`, PersonaAdminID, []int64{223}},
		{"rejected", "PUT", userPath(PersonaAdminID, "/set_state"), `{"state":2}`, PersonaAdminID, []int64{50}},
		{"unapproved", "PUT", userPath(PersonaAdminID, "/set_state"), `{"state":0}`, PersonaAdminID, []int64{15}},
		{"suspend", "PUT", userPath(PersonaAdminID, ""), `{"status":2}`, PersonaAdminID, []int64{551}},
		{"reactivate", "PUT", userPath(PersonaSuspendedID, ""), `{"status":1}`, PersonaSuspendedID, []int64{552, 21}},
		{"lock by update", "PUT", userPath(PersonaAdminID, ""), `{"status":3}`, PersonaAdminID, []int64{553}},
		{"unlock by update", "PUT", userPath(PersonaLockedID, ""), `{"status":1}`, PersonaLockedID, []int64{554, 19}},
		{"state by update", "PUT", userPath(PersonaAdminID, ""), `{"state":2,"title":"x"}`, PersonaAdminID, []int64{50}},
		{"logout", "PUT", userPath(PersonaAdminID, "/logout"), "", PersonaAdminID, []int64{7}},
		{"mfa token", "POST", userPath(PersonaAdminID, "/mfa_token"), `{"expires_in":300}`, PersonaAdminID, []int64{1100}},
		{"delete", "DELETE", userPath(PersonaViewerID, ""), "", PersonaViewerID, []int64{17}},
		{"title only", "PUT", userPath(PersonaAdminID, ""), `{"title":"x"}`, PersonaAdminID, nil},
		{"roles", "PUT", userPath(PersonaAdminID, "/add_roles"), `{"role_id_array":[153190]}`, PersonaAdminID, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 1, Users: 1})
			if r, m := f.do(tc.method, tc.path, tc.body); r.StatusCode != 200 {
				t.Fatalf("%d %v", r.StatusCode, m)
			}
			evs := f.eventsOf(tc.id)
			got := typesOf(evs)
			if len(got) > len(tc.want) {
				got = got[:len(tc.want)] // older seeded history
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("events %v, want %v", typesOf(evs), tc.want)
			}
			if len(tc.want) > 0 {
				if e := evs[0]; e["actor_system"] != "API" || e["client_id"] != f.srv.ClientID || num(e["user_id"]) != tc.id {
					t.Errorf("event %v", e)
				}
			}
		})
	}
}

func TestEvents_refusedActionRecordsNothing(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	before := len(f.eventsOf(PersonaSuspendedID))
	if r, _ := f.do("POST", "/api/2/users/"+itoa(PersonaSuspendedID)+"/unlock", ""); r.StatusCode != 400 {
		t.Fatal(r.Status)
	}
	if r, _ := f.do("PUT", userPath(PersonaSuspendedID, "/lock_user"), `{"locked_until":1}`); r.StatusCode != 400 {
		t.Fatal(r.Status)
	}
	if n := len(f.eventsOf(PersonaSuspendedID)); n != before {
		t.Errorf("%d events after refused calls, %d before", n, before)
	}
}

func TestEvents_filters(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	lock := func(id int64) {
		t.Helper()
		if r, _ := f.do("PUT", userPath(id, "/lock_user"), `{"locked_until":0}`); r.StatusCode != 200 {
			t.Fatal(r.Status)
		}
	}
	t0 := f.clock.Now()
	lock(PersonaAdminID)
	f.clock.Advance(time.Minute)
	t1 := f.clock.Now()
	lock(PersonaHelpdeskID)
	f.do("PUT", userPath(PersonaHelpdeskID, "/logout"), "")
	f.clock.Advance(time.Minute)
	lock(PersonaViewerID)
	at := func(tm time.Time) string { return url.QueryEscape(tm.UTC().Format(isoMillis)) }

	for _, tc := range []struct {
		query string
		want  func(e map[string]any) bool
		n     int // exact count, -1 for any above 0
	}{
		{"user_id=" + itoa(PersonaHelpdeskID) + "&since=" + at(t0), func(e map[string]any) bool { return num(e["user_id"]) == PersonaHelpdeskID }, 2},
		{"event_type_id=553", func(e map[string]any) bool { return num(e["event_type_id"]) == 553 }, 3},
		{"event_type_id=553,7&since=" + at(t0), func(e map[string]any) bool { return num(e["event_type_id"]) == 553 || num(e["event_type_id"]) == 7 }, 3},
		{"event_type_id=7&event_type_id=553", func(e map[string]any) bool { return num(e["event_type_id"]) == 553 || num(e["event_type_id"]) == 7 }, 4},
		{"since=" + at(t0), func(e map[string]any) bool { return e["created_at"] != t0.Format(isoMillis) }, 3},
		{"until=" + at(t1), func(e map[string]any) bool { return e["created_at"].(string) < t1.Format(isoMillis) }, -1},
		{"since=" + at(t0.Add(-time.Millisecond)) + "&until=" + at(t1), func(e map[string]any) bool { return num(e["user_id"]) == PersonaAdminID }, 1},
		{"created_at=" + at(t1), func(e map[string]any) bool { return e["created_at"] == t1.Format(isoMillis) }, 2},
		{"client_id=" + f.srv.ClientID, func(e map[string]any) bool { return e["client_id"] == f.srv.ClientID }, 4},
		{"client_id=someone-else", nil, 0},
		{"resolution=solved", nil, 0},
		{"user_name=nobody&page=3&since=" + at(t0), func(map[string]any) bool { return true }, 3}, // unknown filters ignored
	} {
		t.Run(tc.query, func(t *testing.T) {
			evs, _ := f.listEvents(tc.query + "&limit=50")
			if (tc.n >= 0 && len(evs) != tc.n) || (tc.n < 0 && len(evs) == 0) {
				t.Fatalf("%d events: %v", len(evs), typesOf(evs))
			}
			for _, e := range evs {
				if !tc.want(e) {
					t.Errorf("event %v does not match", e)
				}
			}
		})
	}
	for _, q := range []string{"event_type_id=lock", "user_id=abc", "since=yesterday", "event_type_id=5,x"} {
		r, m := f.do("GET", "/api/1/events?"+q, "")
		if code, _, _ := statusOf(m); r.StatusCode != 400 || code != 400 {
			t.Errorf("%s: %d %v", q, r.StatusCode, m)
		}
	}
}

func TestEvents_orderAndPaging(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 300})
	for range 30 {
		f.srv.Tenant.RecordSignIn(SignIn{UserID: PersonaAdminID, Success: true, IP: "192.0.2.10"})
		f.clock.Advance(time.Second)
	}
	all, _ := f.listEvents("limit=50")
	for i := 1; i < len(all); i++ {
		if num(all[i-1]["id"]) >= num(all[i]["id"]) {
			t.Fatalf("default order is not ascending id at %d", i)
		}
	}
	newest, _ := f.listEvents("sort=-created_at&limit=50")
	for i := 1; i < len(newest); i++ {
		if newest[i-1]["created_at"].(string) < newest[i]["created_at"].(string) {
			t.Fatalf("-created_at not newest first at %d", i)
		}
	}
	if len(newest) != 50 {
		t.Errorf("page of %d, want 50", len(newest))
	}
	if big, _ := f.listEvents("limit=500"); len(big) != 50 {
		t.Errorf("limit=500 gave %d, want the cap of 50", len(big))
	}
	// Walk every page by after_cursor, then compare with the record.
	var ids []int64
	query := "sort=-created_at&limit=7"
	for pages := 0; ; pages++ {
		evs, p := f.listEvents(query)
		for _, e := range evs {
			ids = append(ids, num(e["id"]))
		}
		after, _ := p["after_cursor"].(string)
		if after == "" {
			if p["next_link"] != nil {
				t.Errorf("last page has next_link %v", p["next_link"])
			}
			break
		}
		if next, _ := p["next_link"].(string); !strings.HasPrefix(next, f.srv.URL+"/api/1/events?") || !strings.Contains(next, "after_cursor=") {
			t.Errorf("next_link %q", next)
		}
		query = "limit=7&after_cursor=" + url.QueryEscape(after)
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
	}
	f.srv.Tenant.mu.Lock()
	n := len(f.srv.Tenant.events)
	f.srv.Tenant.mu.Unlock()
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("event %d twice", id)
		}
		seen[id] = true
	}
	if len(ids) != n {
		t.Errorf("walked %d events, tenant has %d", len(ids), n)
	}
}

func TestEvents_byID(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	evs, _ := f.listEvents("limit=1")
	id := num(evs[0]["id"])
	r, m := f.do("GET", "/api/1/events/"+itoa(id), "")
	data, _ := m["data"].([]any)
	if r.StatusCode != 200 || len(data) != 1 || num(data[0].(map[string]any)["id"]) != id {
		t.Fatalf("%d %v", r.StatusCode, m)
	}
	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{"/api/1/events/1", 404, "Event for id 1 was not found"},
		{"/api/1/events/abc", 400, `{"attribute":"id","description":"ID is incorrect"}`},
	} {
		r, m := f.do("GET", tc.path, "")
		if code, _, msg := statusOf(m); r.StatusCode != tc.code || code != float64(tc.code) || msgString(msg) != tc.msg {
			t.Errorf("%s: %d %v", tc.path, r.StatusCode, m)
		}
	}
}

func TestRecordSignIn_success(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	tn := f.srv.Tenant
	tn.RecordSignIn(SignIn{UserID: PersonaAdminID, Success: false, IP: "192.0.2.10"})
	if locked := tn.RecordSignIn(SignIn{UserID: PersonaAdminID, Success: true, IP: "192.0.2.10", App: "slack",
		UserAgent: "Mozilla/5.0", RiskScore: 48, RiskReasons: []string{"New device", "New city"}}); locked {
		t.Fatal("locked after a success")
	}
	evs := f.eventsOf(PersonaAdminID)
	if got := typesOf(evs)[:3]; !slices.Equal(got, []int64{8, 5, 6}) {
		t.Fatalf("events %v", got)
	}
	app, login := evs[0], evs[1]
	if login["risk_score"] != 48.0 || login["risk_reasons"] != "New device\nNew city" || login["ipaddr"] != "192.0.2.10" ||
		login["browser_fingerprint"] == nil || login["user_name"] != "Priya Raman" || num(login["actor_user_id"]) != PersonaAdminID ||
		login["app_name"] != "Slack" || login["actor_system"] != "" || login["client_id"] != nil {
		t.Errorf("login event %v", login)
	}
	if app["app_name"] != "Slack" || num(app["app_id"]) != 412035 || app["risk_score"] != nil {
		t.Errorf("app event %v", app)
	}
	s, _ := tn.User(PersonaAdminID)
	if s.InvalidLoginAttempts != 0 || !s.LastLogin.Equal(f.clock.Now()) {
		t.Errorf("after success: %+v", s)
	}
}

// The failure that reaches the policy's maximum locks the account the way
// OneLogin does after failed sign-ins, and records 19 USER_LOCKED.
func TestRecordSignIn_failuresLock(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1, MaxLoginAttempts: 3})
	tn := f.srv.Tenant
	id := PersonaHelpdeskID
	for i, wantLocked := range []bool{false, false, true} {
		if got := tn.RecordSignIn(SignIn{UserID: id, IP: "203.0.113.9", Reason: "Invalid password"}); got != wantLocked {
			t.Fatalf("attempt %d: locked %v", i+1, got)
		}
	}
	s, _ := tn.User(id)
	if s.Status != StatusLocked || s.InvalidLoginAttempts != 3 || !s.LockedUntil.Equal(f.clock.Now().Add(DefaultPolicyLockMinutes*time.Minute)) {
		t.Errorf("after 3 failures: %+v", s)
	}
	tn.RecordSignIn(SignIn{UserID: id, IP: "203.0.113.9"})
	if s, _ := tn.User(id); s.InvalidLoginAttempts != 3 {
		t.Errorf("a locked account's failure counted: %d", s.InvalidLoginAttempts)
	}
	evs := f.eventsOf(id)
	if got := typesOf(evs); !slices.Equal(got[:5], []int64{6, 19, 6, 6, 6}) {
		t.Fatalf("events %v", got)
	}
	if evs[2]["notes"] != "Invalid password" || evs[1]["created_at"] != evs[2]["created_at"] {
		t.Errorf("failure %v, lock %v", evs[2], evs[1])
	}
	// Over the lock period, the lock runs out and attempts start again.
	f.clock.Advance(DefaultPolicyLockMinutes * time.Minute)
	if tn.RecordSignIn(SignIn{UserID: id}) {
		t.Error("locked again by one failure after the lock ran out")
	}
}

func TestRecordSignIn_suspendedNotLocked(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1, MaxLoginAttempts: 2})
	for range 3 {
		if f.srv.Tenant.RecordSignIn(SignIn{UserID: PersonaSuspendedID, IP: "203.0.113.9"}) {
			t.Fatal("suspended person locked")
		}
	}
	if s, _ := f.srv.Tenant.User(PersonaSuspendedID); s.Status != StatusSuspended {
		t.Errorf("status %d", s.Status)
	}
	if got := typesOf(f.eventsOf(PersonaSuspendedID)); !slices.Equal(got, []int64{6, 6, 6, 21}) {
		t.Errorf("events %v", got)
	}
}

func TestRecordSignIn_unknownPerson(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	if f.srv.Tenant.RecordSignIn(SignIn{UserID: 12345, IP: "203.0.113.9", Reason: "Unknown user"}) {
		t.Error("unknown person locked")
	}
	evs, _ := f.listEvents("sort=-created_at&limit=1")
	if e := evs[0]; num(e["event_type_id"]) != 6 || e["user_id"] != nil || e["user_name"] != nil || e["notes"] != "Unknown user" {
		t.Errorf("event %v", e)
	}
}

// The seeded people's state has the history that explains it.
func TestEvents_seededHistory(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	locked := f.eventsOf(PersonaLockedID)
	if got := typesOf(locked); !slices.Equal(got, []int64{19, 6, 6, 6, 6, 6, 6}) {
		t.Errorf("locked persona: %v", got)
	}
	lockAt, _ := time.Parse(isoMillis, locked[0]["created_at"].(string))
	s, _ := f.srv.Tenant.User(PersonaLockedID)
	if !lockAt.Add(DefaultPolicyLockMinutes * time.Minute).Equal(s.LockedUntil) {
		t.Errorf("lock at %v, locked until %v", lockAt, s.LockedUntil)
	}
	if got := typesOf(f.eventsOf(PersonaEmployeeID)); !slices.Equal(got, []int64{19, 6, 6, 6, 6, 6}) {
		t.Errorf("employee persona: %v", got)
	}
	susp := f.eventsOf(PersonaSuspendedID)
	if len(susp) != 1 || num(susp[0]["event_type_id"]) != 21 || num(susp[0]["actor_user_id"]) != PersonaAdminID {
		t.Errorf("suspended persona: %v", susp)
	}
	if evs := f.eventsOf(PersonaAdminID); len(evs) != 0 {
		t.Errorf("active admin has history %v", typesOf(evs))
	}
}

// The record keeps the newest MaxEvents events; a negative bound keeps none.
func TestEvents_boundedRecord(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1, MaxEvents: 5})
	for range 8 {
		f.srv.Tenant.RecordSignIn(SignIn{UserID: PersonaAdminID, Success: true})
		f.clock.Advance(time.Second)
	}
	evs, _ := f.listEvents("limit=50")
	if len(evs) != 5 {
		t.Fatalf("%d events kept, want 5", len(evs))
	}
	last := f.clock.Now().Add(-time.Second).Format(isoMillis)
	if evs[4]["created_at"] != last || evs[0]["created_at"] != f.clock.Now().Add(-5*time.Second).Format(isoMillis) {
		t.Errorf("kept %v .. %v, want the newest five ending %s", evs[0]["created_at"], evs[4]["created_at"], last)
	}
	none := newFixture(t, Options{Seed: 1, Users: 1, MaxEvents: -1})
	none.srv.Tenant.RecordSignIn(SignIn{UserID: PersonaAdminID, Success: true})
	if evs, _ := none.listEvents(""); len(evs) != 0 {
		t.Errorf("MaxEvents -1 kept %d", len(evs))
	}
}
