package fakeonelogin

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestToken_variants(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	id, secret := f.srv.ClientID, f.srv.ClientSecret
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()
	cases := []struct {
		name, path, auth, ctype, body string
	}{
		{"A v2", "/auth/oauth2/v2/token", "client_id:" + id + ", client_secret:" + secret, "application/json", `{"grant_type":"client_credentials"}`},
		{"A v2 no space (ruby)", "/auth/oauth2/v2/token", "client_id:" + id + ",client_secret:" + secret, "application/json", `{"grant_type":"client_credentials"}`},
		{"B v2", "/auth/oauth2/v2/token", basic, "application/json; charset=utf-8", `{"grant_type":"client_credentials"}`},
		{"C v2", "/auth/oauth2/v2/token", "", "application/x-www-form-urlencoded", form},
		{"A legacy", "/auth/oauth2/token", "client_id:" + id + ", client_secret:" + secret, "application/json", `{"grant_type":"client_credentials"}`},
		{"B legacy", "/auth/oauth2/token", basic, "application/json", `{"grant_type":"client_credentials"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := map[string]string{"Content-Type": c.ctype}
			if c.auth != "" {
				hdr["Authorization"] = c.auth
			}
			resp, body := f.raw("POST", c.path, hdr, c.body)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			var obj map[string]any
			if strings.HasSuffix(c.path, "/v2/token") {
				json.Unmarshal(body, &obj)
				if _, has := obj["status"]; has {
					t.Errorf("v2 reply must be flat: %s", body)
				}
			} else {
				var env struct {
					Status map[string]any   `json:"status"`
					Data   []map[string]any `json:"data"`
				}
				json.Unmarshal(body, &env)
				if env.Status["code"] != 200.0 || env.Status["message"] != "Success" || len(env.Data) != 1 {
					t.Fatalf("legacy envelope: %s", body)
				}
				obj = env.Data[0]
			}
			if len(obj) != 6 {
				t.Errorf("want 6 token fields, got %v", obj)
			}
			if !hex64.MatchString(obj["access_token"].(string)) || !hex64.MatchString(obj["refresh_token"].(string)) {
				t.Errorf("tokens not 64 hex: %v", obj)
			}
			if obj["token_type"] != "bearer" || obj["expires_in"] != 36000.0 || obj["account_id"] != float64(DefaultAccountID) {
				t.Errorf("fields: %v", obj)
			}
			if _, err := time.Parse(isoMillis, obj["created_at"].(string)); err != nil {
				t.Errorf("created_at %v", obj["created_at"])
			}
		})
	}
}

func TestToken_v2ReturnsSameTokenUntilExpiry(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	if again := f.getToken(); again != f.token {
		t.Fatal("v2 should hand out the same token until it expires")
	}
	f.clock.Advance(10 * time.Hour)
	if again := f.getToken(); again == f.token {
		t.Fatal("an expired token must be replaced")
	}
	if n := f.srv.Tenant.CallCount("POST", "/auth/oauth2/v2/token"); n != 3 {
		t.Fatalf("CallCount token = %d, want 3", n)
	}
}

// As recorded from the real endpoint: a re-issued token keeps its original
// created_at and the full expires_in, whatever time has passed.
func TestToken_v2ReissueKeepsCreatedAtAndExpiresIn(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	issue := func() map[string]any {
		t.Helper()
		_, body := f.raw("POST", "/auth/oauth2/v2/token", map[string]string{
			"Authorization": "client_id:" + f.srv.ClientID + ", client_secret:" + f.srv.ClientSecret,
			"Content-Type":  "application/json",
		}, `{"grant_type":"client_credentials"}`)
		var obj map[string]any
		if err := json.Unmarshal(body, &obj); err != nil {
			t.Fatalf("token: %s", body)
		}
		return obj
	}
	first := issue()
	for _, step := range []time.Duration{time.Minute, 5 * time.Hour, 4*time.Hour + 58*time.Minute} {
		f.clock.Advance(step)
		again := issue()
		if again["access_token"] != first["access_token"] || again["created_at"] != first["created_at"] || again["expires_in"] != 36000.0 {
			t.Fatalf("after +%v: %v, first %v", step, again, first)
		}
	}
	f.clock.Advance(2 * time.Minute) // 10h after issue: expired
	fresh := issue()
	if fresh["access_token"] == first["access_token"] || fresh["created_at"] != isoTime(f.clock.Now()) || fresh["expires_in"] != 36000.0 {
		t.Fatalf("after expiry: %v", fresh)
	}
}

func TestToken_legacyInvalidatesEarlier(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	resp, _ := f.raw("POST", "/auth/oauth2/token", map[string]string{
		"Authorization": "client_id:" + f.srv.ClientID + ", client_secret:" + f.srv.ClientSecret, "Content-Type": "application/json",
	}, `{"grant_type":"client_credentials"}`)
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	if r, _ := f.do("GET", "/api/1/users/"+itoa(PersonaAdminID), ""); r.StatusCode != 401 {
		t.Fatalf("old token still works after a legacy token call: %d", r.StatusCode)
	}
}

func TestToken_errors(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	good := "client_id:" + f.srv.ClientID + ", client_secret:" + f.srv.ClientSecret
	bad := "client_id:" + f.srv.ClientID + ", client_secret:nope"
	cases := []struct {
		name, method, path, auth, ctype, body string
		code                                  int
		msg                                   string
	}{
		{"bad secret v2", "POST", "/auth/oauth2/v2/token", bad, "application/json", `{"grant_type":"client_credentials"}`, 401, msgAuthFailure},
		{"bad secret legacy", "POST", "/auth/oauth2/token", bad, "application/json", `{"grant_type":"client_credentials"}`, 401, msgAuthFailure},
		{"bad basic", "POST", "/auth/oauth2/v2/token", "Basic " + base64.StdEncoding.EncodeToString([]byte("x:y")), "application/json", `{"grant_type":"client_credentials"}`, 401, msgAuthFailure},
		{"bad form", "POST", "/auth/oauth2/v2/token", "", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=x&client_secret=y", 401, msgAuthFailure},
		{"grant missing", "POST", "/auth/oauth2/v2/token", good, "application/json", `{}`, 400, msgGrantType},
		{"grant wrong", "POST", "/auth/oauth2/token", good, "application/json", `{"grant_type":"password"}`, 400, msgGrantType},
		{"grant refresh", "POST", "/auth/oauth2/v2/token", good, "application/json", `{"grant_type":"refresh_token"}`, 400, msgGrantType},
		{"no credentials", "POST", "/auth/oauth2/v2/token", "", "application/json", `{"grant_type":"client_credentials"}`, 400, msgAuthMissing},
		{"not JSON", "POST", "/auth/oauth2/v2/token", good, "application/json", `{`, 400, msgInvalidJSON},
		{"wrong content type", "POST", "/auth/oauth2/v2/token", good, "text/plain", `{"grant_type":"client_credentials"}`, 400, msgContentType},
		{"GET", "GET", "/auth/oauth2/v2/token", good, "", "", 404, msgNoRoute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := map[string]string{}
			if c.auth != "" {
				hdr["Authorization"] = c.auth
			}
			if c.ctype != "" {
				hdr["Content-Type"] = c.ctype
			}
			resp, body := f.raw(c.method, c.path, hdr, c.body)
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("not JSON: %s", body)
			}
			code, typ, msg := statusOf(m)
			if resp.StatusCode != c.code || code != float64(c.code) || msgString(msg) != c.msg || typ != statusType(c.code) {
				t.Fatalf("got %d %s, want %d %q", resp.StatusCode, body, c.code, c.msg)
			}
			if strings.Contains(string(body), f.srv.ClientSecret) {
				t.Fatal("secret in error reply")
			}
		})
	}
}

func TestRevoke(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	good := "client_id:" + f.srv.ClientID + ", client_secret:" + f.srv.ClientSecret
	cases := []struct {
		name, auth, ctype, body string
		code                    int
		msg                     string
	}{
		{"not JSON content type", good, "text/plain", `{"access_token":"x"}`, 400, msgContentType},
		{"no authorization", "", "application/json", `{"access_token":"x"}`, 400, msgAuthMissing},
		{"malformed authorization", "bearer xyz", "application/json", `{"access_token":"x"}`, 400, msgAuthMissing},
		{"bad secret", "client_id:" + f.srv.ClientID + ", client_secret:x", "application/json", `{"access_token":"x"}`, 401, msgAuthFailure},
		{"no access token", good, "application/json", `{}`, 400, msgAccessTokenMiss},
		{"revokes", good, "application/json", `{"access_token":"` + f.token + `"}`, 200, "Success"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := map[string]string{"Content-Type": c.ctype}
			if c.auth != "" {
				hdr["Authorization"] = c.auth
			}
			resp, body := f.raw("POST", "/auth/oauth2/revoke", hdr, c.body)
			var m map[string]any
			json.Unmarshal(body, &m)
			code, _, msg := statusOf(m)
			if resp.StatusCode != c.code || code != float64(c.code) || msgString(msg) != c.msg {
				t.Fatalf("got %d %s", resp.StatusCode, body)
			}
			if _, has := m["data"]; has {
				t.Fatalf("revoke reply has data: %s", body)
			}
		})
	}
	if r, m := f.do("GET", "/api/1/roles", ""); r.StatusCode != 401 {
		t.Fatalf("revoked token still works: %v", m)
	}
	if f.getToken() == f.token {
		t.Fatal("a revoked token must not be handed out again")
	}
}

func TestBearer(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1})
	cases := []struct {
		name, auth string
		code       int
		msg        string
	}{
		{"bearer colon", "bearer:" + f.token, 200, "Success"},
		{"bearer space", "bearer " + f.token, 200, "Success"},
		{"Bearer space", "Bearer " + f.token, 200, "Success"},
		{"Bearer colon", "Bearer:" + f.token, 200, "Success"},
		{"missing", "", 400, msgAuthIncorrect},
		{"other scheme", "Token " + f.token, 400, msgAuthIncorrect},
		{"no token", "bearer ", 400, msgAuthIncorrect},
		{"garbled", "bearer" + f.token, 400, msgAuthIncorrect},
		{"unknown token", "bearer " + strings.Repeat("0", 64), 401, msgAuthFailure},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := map[string]string{}
			if c.auth != "" {
				hdr["Authorization"] = c.auth
			}
			resp, body := f.raw("GET", "/api/1/users/custom_attributes", hdr, "")
			var m map[string]any
			json.Unmarshal(body, &m)
			code, _, msg := statusOf(m)
			if resp.StatusCode != c.code || code != float64(c.code) || msgString(msg) != c.msg {
				t.Fatalf("got %d %s", resp.StatusCode, body)
			}
			hasRL := resp.Header.Get("X-RateLimit-Limit") != ""
			if hasRL != (c.code == 200) {
				t.Fatalf("rate-limit headers present=%v on %d", hasRL, c.code)
			}
			if c.code == 401 && resp.Header.Get("Cache-Control") != "no-cache" {
				t.Errorf("401 Cache-Control %q", resp.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestBearer_expiry(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(f *fixture)
	}{
		{"lifetime runs out", func(f *fixture) { f.clock.Advance(10*time.Hour + time.Second) }},
		{"custom lifetime", func(f *fixture) { f.clock.Advance(2 * time.Minute) }},
		{"ExpireAllTokens", func(f *fixture) { f.srv.Tenant.ExpireAllTokens() }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := Options{Seed: 1, Users: 1}
			if c.name == "custom lifetime" {
				opts.TokenLifetime = time.Minute
			}
			f := newFixture(t, opts)
			if r, _ := f.do("GET", "/api/1/roles", ""); r.StatusCode != 200 {
				t.Fatal(r.Status)
			}
			c.spoil(f)
			r, m := f.do("GET", "/api/1/roles", "")
			if _, _, msg := statusOf(m); r.StatusCode != 401 || msg != msgAuthFailure {
				t.Fatalf("got %d %v", r.StatusCode, m)
			}
			f.token = f.getToken()
			if r, _ := f.do("GET", "/api/1/roles", ""); r.StatusCode != 200 {
				t.Fatalf("fresh token: %s", r.Status)
			}
		})
	}
}

func TestScope_insufficient(t *testing.T) {
	f := newFixture(t, Options{Seed: 1, Users: 1, Scope: ScopeReadUsers})
	if r, _ := f.do("GET", "/api/1/users/"+itoa(PersonaAdminID), ""); r.StatusCode != 200 {
		t.Fatalf("read: %s", r.Status)
	}
	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/api/1/users/" + itoa(PersonaEmployeeID) + "/lock_user", `{"locked_until":0}`},
		{"GET", "/api/1/users/" + itoa(PersonaEmployeeID) + "/roles", ""},
		{"PUT", "/api/1/users/set_password_clear_text/" + itoa(PersonaEmployeeID), `{"password":"a","password_confirmation":"a"}`},
	} {
		r, m := f.do(c.method, c.path, c.body)
		if _, _, msg := statusOf(m); r.StatusCode != 401 || msg != msgInsufficient {
			t.Errorf("%s %s: %d %v", c.method, c.path, r.StatusCode, m)
		}
	}
	if s, _ := f.srv.Tenant.User(PersonaEmployeeID); s.Status != StatusLocked {
		t.Fatal("state changed despite insufficient scope")
	}
}
