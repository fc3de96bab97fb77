package fakeonelogin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLock_expiresOnTheClock(t *testing.T) {
	f := newFixture(t, Options{Seed: 9, Users: 1})
	tn := f.srv.Tenant
	s, _ := tn.User(PersonaLockedID)
	if s.Status != StatusLocked || !s.LockedUntil.Equal(seedEpoch.Add(20*time.Minute)) {
		t.Fatalf("seeded lock %+v", s)
	}
	f.clock.Advance(19 * time.Minute)
	_, m := f.do("GET", userPath(PersonaLockedID, ""), "")
	if u := m["data"].([]any)[0].(map[string]any); u["status"] != 3.0 {
		t.Fatalf("lock ended early: %v", u["status"])
	}
	f.clock.Advance(time.Minute)
	_, m = f.do("GET", userPath(PersonaLockedID, ""), "")
	u := m["data"].([]any)[0].(map[string]any)
	if u["status"] != 1.0 || u["locked_until"] != nil || u["invalid_login_attempts"] != 0.0 {
		t.Fatalf("after the lock ran out: status %v until %v attempts %v", u["status"], u["locked_until"], u["invalid_login_attempts"])
	}
}

func TestLockUser(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		minutes int
	}{
		{"zero is the policy period", `{"locked_until":0}`, 30},
		{"no body is the policy period", ``, 30},
		{"explicit minutes", `{"locked_until":45}`, 45},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 9, Users: 1})
			r, m := f.do("PUT", userPath(PersonaAdminID, "/lock_user"), c.body)
			if r.StatusCode != 200 {
				t.Fatalf("%v", m)
			}
			s, _ := f.srv.Tenant.User(PersonaAdminID)
			if s.Status != StatusLocked || !s.LockedUntil.Equal(seedEpoch.Add(time.Duration(c.minutes)*time.Minute)) {
				t.Fatalf("%+v", s)
			}
			f.clock.Advance(time.Duration(c.minutes)*time.Minute - time.Second)
			if s, _ := f.srv.Tenant.User(PersonaAdminID); s.Status != StatusLocked {
				t.Fatal("unlocked early")
			}
			f.clock.Advance(time.Second)
			if s, _ := f.srv.Tenant.User(PersonaAdminID); s.Status != StatusActive || !s.LockedUntil.IsZero() {
				t.Fatalf("still locked %+v", s)
			}
		})
	}
	t.Run("policy minutes from options", func(t *testing.T) {
		f := newFixture(t, Options{Seed: 9, Users: 1, PolicyLockMinutes: 10})
		if r, m := f.do("PUT", userPath(PersonaAdminID, "/lock_user"), `{"locked_until":15}`); r.StatusCode != 200 {
			t.Fatalf("%v", m)
		}
		s, _ := f.srv.Tenant.User(PersonaAdminID)
		if !s.LockedUntil.Equal(seedEpoch.Add(15 * time.Minute)) {
			t.Fatalf("%v", s.LockedUntil)
		}
	})
}

func TestUnlock(t *testing.T) {
	f := newFixture(t, Options{Seed: 9, Users: 1})
	resp, b := f.raw("POST", userPath(PersonaEmployeeID, "/unlock"), map[string]string{"Authorization": "Bearer " + f.token}, "")
	if resp.StatusCode != 404 {
		t.Fatalf("v1 has no unlock route: %d", resp.StatusCode)
	}
	v2 := func(id int64, auth string) (int, string) {
		resp, b := f.raw("POST", "/api/2/users/"+itoa(id)+"/unlock", map[string]string{"Authorization": auth}, "")
		if resp.Header.Get("x-ratelimit-limit") != "" {
			t.Error("v2 reply with v1 rate-limit headers")
		}
		return resp.StatusCode, compactJSON(string(b))
	}
	if code, body := v2(PersonaEmployeeID, "Bearer nope"); code != 401 || body != `{"message":"Unauthorized","name":"UnauthorizedError","statusCode":401}` {
		t.Fatalf("%d %s", code, body)
	}
	if code, body := v2(PersonaEmployeeID, "Bearer "+f.token); code != 200 || body != `{"messsage":"User unlocked"}` {
		t.Fatalf("%d %s", code, body)
	}
	s, _ := f.srv.Tenant.User(PersonaEmployeeID)
	if s.Status != StatusActive || s.InvalidLoginAttempts != 0 || !s.LockedUntil.IsZero() {
		t.Fatalf("%+v", s)
	}
	if code, _ := v2(PersonaEmployeeID, "Bearer "+f.token); code != 200 {
		t.Fatal("unlocking an active user should be idempotent")
	}
	if code, body := v2(PersonaSuspendedID, "Bearer "+f.token); code != 400 || body != `{"message":"User cannot be unlocked"}` {
		t.Fatalf("suspended: %d %s", code, body)
	}
	if code, _ := v2(12, "Bearer "+f.token); code != 404 {
		t.Fatalf("missing user %d", code)
	}
	// Assumption: v1 update accepts status, and status 1 unlocks.
	if r, m := f.do("PUT", userPath(PersonaLockedID, ""), `{"status":1}`); r.StatusCode != 200 {
		t.Fatalf("%v", m)
	}
	s, _ = f.srv.Tenant.User(PersonaLockedID)
	if s.Status != StatusActive || s.InvalidLoginAttempts != 0 || !s.LockedUntil.IsZero() {
		t.Fatalf("%+v", s)
	}
	_ = b
}

func TestSetState(t *testing.T) {
	f := newFixture(t, Options{Seed: 9, Users: 1})
	steps := []struct {
		state int
		code  int
		msg   string
	}{
		{StateUnlicensed, 200, "Success"},
		{StateUnlicensed, 400, msgStateSame},
		{StateUnapproved, 400, msgStateInvalid},
		{StateRejected, 200, "Success"},
		{StateUnapproved, 200, "Success"},
		{StateApproved, 200, "Success"},
	}
	for _, st := range steps {
		r, m := f.do("PUT", userPath(PersonaViewerID, "/set_state"), fmt.Sprintf(`{"state":%d}`, st.state))
		if _, _, msg := statusOf(m); r.StatusCode != st.code || msg != st.msg {
			t.Fatalf("state %d: %d %v", st.state, r.StatusCode, m)
		}
	}
	if s, _ := f.srv.Tenant.User(PersonaViewerID); s.State != StateApproved {
		t.Fatalf("%d", s.State)
	}
}

func TestLogoutEndsSessions(t *testing.T) {
	f := newFixture(t, Options{Seed: 9, Users: 1})
	tn := f.srv.Tenant
	tn.StartSession(PersonaViewerID)
	if tn.Sessions(PersonaViewerID) < 2 {
		t.Fatalf("sessions %d", tn.Sessions(PersonaViewerID))
	}
	if r, m := f.do("PUT", userPath(PersonaViewerID, "/logout"), ""); r.StatusCode != 200 {
		t.Fatalf("%v", m)
	}
	if n := tn.Sessions(PersonaViewerID); n != 0 {
		t.Fatalf("sessions after logout %d", n)
	}
}

// fieldsContain reports whether any string field of the fake's user record
// contains s (to prove clear-text passwords are not kept).
func fieldsContain(u *user, s string) bool {
	v := reflect.ValueOf(u).Elem()
	for i := range v.NumField() {
		fv := v.Field(i)
		switch fv.Kind() {
		case reflect.String:
			if strings.Contains(fv.String(), s) {
				return true
			}
		case reflect.Pointer:
			if !fv.IsNil() && fv.Elem().Kind() == reflect.String && strings.Contains(fv.Elem().String(), s) {
				return true
			}
		}
	}
	return false
}

func TestPassword_clearText(t *testing.T) {
	const pw = "Corr3ct-Horse-Battery"
	cases := []struct {
		name string
		body string
		code int
		msg  string
	}{
		{"policy ok", `{"password":"` + pw + `","password_confirmation":"` + pw + `","validate_policy":true}`, 200, "Success"},
		{"no policy check by default", `{"password":"short","password_confirmation":"short"}`, 200, "Success"},
		{"validate_policy as string", `{"password":"` + pw + `","password_confirmation":"` + pw + `","validate_policy":"true"}`, 200, "Success"},
		{"mismatch", `{"password":"` + pw + `","password_confirmation":"other"}`, 400, msgPasswordMismatch},
		{"missing confirmation", `{"password":"` + pw + `"}`, 400, `{"attribute":"password_confirmation","description":"password_confirmation is required"}`},
		{"missing password", `{"password_confirmation":"x"}`, 400, `{"attribute":"password","description":"password is required"}`},
		{"too short", `{"password":"Ab1!","password_confirmation":"Ab1!","validate_policy":true}`, 400, "Validation failed: Password is too short (minimum is 8 characters)"},
		{"no upper", `{"password":"abcdef1!x","password_confirmation":"abcdef1!x","validate_policy":true}`, 400, "Validation failed: Password must contain at least one upper case letter"},
		{"no lower", `{"password":"ABCDEF1!X","password_confirmation":"ABCDEF1!X","validate_policy":true}`, 400, "Validation failed: Password must contain at least one lower case letter"},
		{"no digit", `{"password":"Abcdefg!x","password_confirmation":"Abcdefg!x","validate_policy":true}`, 400, "Validation failed: Password must contain at least one number"},
		{"no special", `{"password":"Abcdefg1x","password_confirmation":"Abcdefg1x","validate_policy":true}`, 400, "Validation failed: Password must contain at least one of " + PasswordSpecials},
		{"euro sign counts as special", `{"password":"Abcdefg1€","password_confirmation":"Abcdefg1€","validate_policy":true}`, 200, "Success"},
		{"bad validate_policy", `{"password":"x","password_confirmation":"x","validate_policy":"maybe"}`, 400, `{"attribute":"validate_policy","description":"validate_policy has incorrect data type. It should be -> boolean"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 9, Users: 1})
			r, m := f.do("PUT", "/api/1/users/set_password_clear_text/"+itoa(PersonaPasswordPendingID), c.body)
			_, _, msg := statusOf(m)
			if r.StatusCode != c.code || msgString(msg) != compactJSONOr(c.msg) {
				t.Fatalf("%d %v", r.StatusCode, m)
			}
			s, _ := f.srv.Tenant.User(PersonaPasswordPendingID)
			if c.code != 200 {
				if s.HasPassword || s.Status != StatusPasswordPending {
					t.Fatalf("failed call changed the user: %+v", s)
				}
				return
			}
			var sent struct{ Password string }
			json.Unmarshal([]byte(c.body), &sent)
			if !f.srv.Tenant.CheckPassword(PersonaPasswordPendingID, sent.Password) || f.srv.Tenant.CheckPassword(PersonaPasswordPendingID, sent.Password+"x") {
				t.Fatal("CheckPassword disagrees")
			}
			if s.Status != StatusActive || !s.PasswordChangedAt.Equal(seedEpoch) {
				t.Fatalf("%+v", s)
			}
			f.srv.Tenant.mu.Lock()
			leaked := fieldsContain(f.srv.Tenant.users[PersonaPasswordPendingID], sent.Password)
			f.srv.Tenant.mu.Unlock()
			if leaked {
				t.Fatal("clear-text password kept in the user record")
			}
			for _, call := range f.srv.Tenant.Calls() {
				if strings.Contains(string(call.Body), sent.Password) {
					t.Fatalf("password in the call record: %s", call.Body)
				}
			}
		})
	}
}

func TestPassword_salted(t *testing.T) {
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	cases := []struct {
		name, body string
		code       int
		clear      string
	}{
		{"salted", `{"password":"` + sum("abcSecret1") + `","password_confirmation":"` + sum("abcSecret1") + `","password_algorithm":"salt+sha256","password_salt":"abc"}`, 200, "Secret1"},
		{"unsalted", `{"password":"` + sum("Secret2") + `","password_confirmation":"` + sum("Secret2") + `","password_algorithm":"salt+sha256"}`, 200, "Secret2"},
		{"upper-case hex accepted", `{"password":"` + strings.ToUpper(sum("zzSecret3")) + `","password_confirmation":"` + strings.ToUpper(sum("zzSecret3")) + `","password_algorithm":"salt+sha256","password_salt":"zz"}`, 200, "Secret3"},
		{"wrong algorithm", `{"password":"` + sum("x") + `","password_confirmation":"` + sum("x") + `","password_algorithm":"bcrypt"}`, 400, ""},
		{"not a hash", `{"password":"Secret1","password_confirmation":"Secret1","password_algorithm":"salt+sha256"}`, 400, ""},
		{"salt too long", `{"password":"` + sum("x") + `","password_confirmation":"` + sum("x") + `","password_algorithm":"salt+sha256","password_salt":"` + strings.Repeat("s", 41) + `"}`, 400, ""},
		{"mismatch", `{"password":"` + sum("x") + `","password_confirmation":"` + sum("y") + `","password_algorithm":"salt+sha256"}`, 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 9, Users: 1})
			r, m := f.do("PUT", "/api/1/users/set_password_using_salt/"+itoa(PersonaAwaitingResetID), c.body)
			if r.StatusCode != c.code {
				t.Fatalf("%d %v", r.StatusCode, m)
			}
			tn := f.srv.Tenant
			if c.code != 200 {
				if !tn.CheckPassword(PersonaAwaitingResetID, DemoPassword) {
					t.Fatal("failed call changed the password")
				}
				return
			}
			if !tn.CheckPassword(PersonaAwaitingResetID, c.clear) || tn.CheckPassword(PersonaAwaitingResetID, DemoPassword) {
				t.Fatal("stored hash does not verify")
			}
			if s, _ := tn.User(PersonaAwaitingResetID); s.Status != StatusActive {
				t.Fatalf("status %d", s.Status)
			}
		})
	}
	t.Run("bad id", func(t *testing.T) {
		f := newFixture(t, Options{Seed: 9, Users: 1})
		r, m := f.do("PUT", "/api/1/users/set_password_using_salt/x", `{}`)
		if _, _, msg := statusOf(m); r.StatusCode != 400 || msgString(msg) != `{"attribute":"id","description":"ID is incorrect"}` {
			t.Fatalf("%v", m)
		}
	})
}

var digits8 = regexp.MustCompile(`^[0-9]{8}$`)

func TestMFAToken(t *testing.T) {
	cases := []struct {
		name     string
		body     string
		seconds  int
		reusable bool
	}{
		{"defaults", ``, 259200, false},
		{"string expires_in", `{"expires_in":"300","reusable":true}`, 300, true},
		{"int expires_in", `{"expires_in":120,"reusable":false}`, 120, false},
		{"maximum", `{"expires_in":259200}`, 259200, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 9, Users: 1})
			hdr := map[string]string{"Authorization": "bearer " + f.token}
			if c.body != "" {
				hdr["Content-Type"] = "application/json"
			}
			resp, b := f.raw("POST", userPath(PersonaEmployeeID, "/mfa_token"), hdr, c.body)
			var m map[string]any
			json.Unmarshal(b, &m)
			if resp.StatusCode != 200 || len(m) != 3 {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			tok, _ := m["mfa_token"].(string)
			if !digits8.MatchString(tok) || m["reusable"] != c.reusable {
				t.Fatalf("%s", b)
			}
			want := seedEpoch.Add(time.Duration(c.seconds) * time.Second).Format("2006-01-02T15:04:05Z")
			if m["expires_at"] != want {
				t.Fatalf("expires_at %v, want %s", m["expires_at"], want)
			}
			tn := f.srv.Tenant
			if tn.ActiveMFATokens(PersonaEmployeeID) != 1 {
				t.Fatal("token not counted")
			}
			for _, call := range tn.Calls() {
				if strings.Contains(string(call.Body), tok) {
					t.Fatal("token in call record")
				}
			}
			if !tn.UseMFAToken(PersonaEmployeeID, tok) {
				t.Fatal("fresh token rejected")
			}
			if tn.UseMFAToken(PersonaEmployeeID, tok) != c.reusable {
				t.Fatalf("second use: reusable=%v", c.reusable)
			}
			f.clock.Advance(time.Duration(c.seconds) * time.Second)
			if tn.ActiveMFATokens(PersonaEmployeeID) != 0 || tn.UseMFAToken(PersonaEmployeeID, tok) {
				t.Fatal("token outlived expires_in")
			}
		})
	}
}
