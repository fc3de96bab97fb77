package fakeonelogin

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// v2List calls GET /api/2/users?query and decodes the bare array.
func (f *fixture) v2List(query string) (*http.Response, []map[string]any, []byte) {
	f.t.Helper()
	resp, body := f.raw("GET", "/api/2/users?"+query, map[string]string{"Authorization": "bearer " + f.token}, "")
	var users []map[string]any
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &users); err != nil {
			f.t.Fatalf("GET /api/2/users?%s: not a bare array: %q", query, body)
		}
	}
	return resp, users, body
}

func TestUsersV2_walkEveryPageWithCursors(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 120})
	total := f.srv.Tenant.UserCount()
	seen := map[float64]bool{}
	resp, users, _ := f.v2List("limit=500&fields=id,email,updated_at")
	pages := 1
	for {
		if resp.StatusCode != 200 {
			t.Fatalf("page %d: HTTP %d", pages, resp.StatusCode)
		}
		if len(users) > maxV2PageSize {
			t.Fatalf("page %d has %d users; limit is clamped to %d", pages, len(users), maxV2PageSize)
		}
		if got := resp.Header.Get("Total-Count"); got != itoa(int64(total)) {
			t.Errorf("Total-Count = %q, want %d", got, total)
		}
		if got := resp.Header.Get("Page-Items"); got != itoa(int64(len(users))) {
			t.Errorf("Page-Items = %q, want %d", got, len(users))
		}
		if resp.Header.Get("X-Ratelimit-Remaining") != "" {
			t.Error("v2 answers carry no rate-limit headers")
		}
		for _, u := range users {
			if len(u) != 3 {
				t.Errorf("fields=id,email,updated_at gave keys %v", u)
			}
			seen[u["id"].(float64)] = true
		}
		next := resp.Header.Get("After-Cursor")
		if next == "" {
			break
		}
		pages++
		resp, users, _ = f.v2List("fields=id,email,updated_at&cursor=" + url.QueryEscape(next))
	}
	if len(seen) != total || pages != (total+49)/50 {
		t.Errorf("walked %d pages and %d people, want %d pages and %d", pages, len(seen), (total+49)/50, total)
	}
}

func TestUsersV2_updatedSinceIsStrictlyAfter(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 60})
	f.clock.Advance(time.Hour)
	mark := f.clock.Now()
	if !f.srv.Tenant.Lock(PersonaAdminID, 30) {
		t.Fatal("Lock failed")
	}
	at := url.QueryEscape(isoTime(mark.Add(-time.Millisecond)))
	_, users, _ := f.v2List("updated_since=" + at)
	if len(users) != 1 || users[0]["id"] != float64(PersonaAdminID) || users[0]["status"] != float64(StatusLocked) {
		t.Fatalf("updated_since just before the lock = %v, want only the locked admin", users)
	}
	_, users, _ = f.v2List("updated_since=" + url.QueryEscape(isoTime(mark)))
	if len(users) != 0 {
		t.Errorf("updated_since at the lock's own instant = %d people, want none (strictly after)", len(users))
	}
}

// TestUsersV2_signInsBumpUpdatedAt: a sign-in, a failed one, and a sign-in
// through the fake's OIDC provider each bump updated_at, as OneLogin's
// recorded users show (directory reference, A1.5), so an index that syncs
// by updated_since sees the new last_login and failed attempts.
func TestUsersV2_signInsBumpUpdatedAt(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sign    func(tn *Tenant)
		id      int64
		changed string
	}{
		{"sign-in", func(tn *Tenant) { tn.RecordSignIn(SignIn{UserID: PersonaNoRolesID, Success: true, IP: "203.0.113.5"}) }, PersonaNoRolesID, "last_login"},
		{"failed sign-in", func(tn *Tenant) { tn.RecordSignIn(SignIn{UserID: PersonaNoRolesID, IP: "203.0.113.5"}) }, PersonaNoRolesID, "invalid_login_attempts"},
		{"OIDC sign-in", func(tn *Tenant) { tn.StartSession(PersonaAdminID) }, PersonaAdminID, "last_login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 3, Users: 60})
			f.clock.Advance(time.Hour)
			mark := url.QueryEscape(isoTime(f.clock.Now()))
			tc.sign(f.srv.Tenant)
			_, users, _ := f.v2List("updated_since=" + mark)
			if len(users) != 1 || users[0]["id"] != float64(tc.id) {
				t.Fatalf("updated_since before the %s = %v, want only person %d", tc.name, users, tc.id)
			}
			if users[0][tc.changed] == nil {
				t.Errorf("the listing does not carry the new %s: %v", tc.changed, users[0])
			}
		})
	}
}

func TestUsersV2_fieldsAndFilters(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 60})
	admin, _ := f.srv.Tenant.User(PersonaAdminID)
	_, users, _ := f.v2List("user_ids=" + itoa(PersonaAdminID) + ",999999&fields=id,role_ids,custom_attributes")
	if len(users) != 1 {
		t.Fatalf("user_ids = %v, want the one existing person", users)
	}
	if _, ok := users[0]["role_ids"].([]any); !ok {
		t.Errorf("role_ids = %v, want a list", users[0]["role_ids"])
	}
	if _, ok := users[0]["custom_attributes"].(map[string]any); !ok {
		t.Errorf("custom_attributes = %v, want an object", users[0]["custom_attributes"])
	}
	_, users, _ = f.v2List("email=" + url.QueryEscape(admin.Email))
	if len(users) != 1 || users[0]["email"] != admin.Email {
		t.Errorf("email filter = %v", users)
	}
	if _, has := users[0]["custom_attributes"]; has {
		t.Error("the default listing has no custom_attributes (§E4)")
	}
}

func TestUsersV2_errors(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 60})
	cases := []struct {
		query string
		code  int
		want  string
	}{
		{"cursor=" + url.QueryEscape(v2Cursor(50, 2)) + "&limit=50", 400, `{"status":400,"error":"BadRequestError","description":"Requests can only have cursor xor pagination arguments"}`},
		{"cursor=!!", 400, `{"status":400,"error":"BadRequestError","description":"Invalid pagination cursor"}`},
		{"fields=id,fisrtName", 422, `{"statusCode":422,"name":"UnprocessableEntityFieldError","message":"Invalid display field(s) for User: fisrtName","field":"fisrtName"}`},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			resp, _, body := f.v2List(c.query)
			if resp.StatusCode != c.code || string(body) != c.want {
				t.Errorf("HTTP %d %s, want %d %s", resp.StatusCode, body, c.code, c.want)
			}
		})
	}
	resp, _ := f.raw("GET", "/api/2/users", map[string]string{"Authorization": "bearer nope"}, "")
	if resp.StatusCode != 401 {
		t.Errorf("bad token: HTTP %d, want 401", resp.StatusCode)
	}
}
