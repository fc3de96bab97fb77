package fakeoidc

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

var people = []Person{
	{ID: 1, Email: "ann@example.com", Name: "Ann Admin", Groups: []string{"helpdesk-admins"}},
	{ID: 2, Email: "bob@example.com", Name: "Bob Builder"},
}

const (
	clientID = "console"
	secret   = "s3cret-client"
	redirect = "http://127.0.0.1:9/auth/callback"
	verifier = "verifier-verifier-verifier-verifier-verifier-0123"
)

// setup serves a provider at /oidc/2 on an httptest server.
func setup(t *testing.T, opts ...Option) (*Provider, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	opts = append([]Option{WithClient(Client{ID: clientID, Secret: secret, RedirectURIs: []string{redirect}})}, opts...)
	p := NewProvider(srv.URL+"/oidc/2", DirectoryFunc(func() []Person { return people }), opts...)
	mux.Handle("/oidc/2/", p)
	return p, srv
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func authParams() url.Values {
	return url.Values{
		"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid email profile groups"}, "state": {"st4te"}, "nonce": {"n0nce"},
		"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"},
	}
}

// pick posts the person choice and returns the redirect's query.
func pick(t *testing.T, p *Provider, srv *httptest.Server, form url.Values) url.Values {
	t.Helper()
	res, err := noFollow.PostForm(srv.URL+"/oidc/2/auth", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("pick: status %d", res.StatusCode)
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect {
		t.Fatalf("redirected to %s", got)
	}
	return loc.Query()
}

func exchange(t *testing.T, srv *httptest.Server, form url.Values, basic bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oidc/2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, body
}

func codeFor(t *testing.T, p *Provider, srv *httptest.Server, personID string) string {
	form := authParams()
	form.Set("person", personID)
	q := pick(t, p, srv, form)
	if q.Get("state") != "st4te" || q.Get("code") == "" {
		t.Fatalf("redirect query = %v", q)
	}
	return q.Get("code")
}

func TestProvider_fullFlow(t *testing.T) {
	p, srv := setup(t)

	res, err := http.Get(srv.URL + "/oidc/2/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var disc map[string]any
	json.NewDecoder(res.Body).Decode(&disc)
	res.Body.Close()
	if disc["issuer"] != srv.URL+"/oidc/2" || disc["token_endpoint"] != srv.URL+"/oidc/2/token" {
		t.Fatalf("discovery = %v", disc)
	}

	page, err := http.Get(srv.URL + "/oidc/2/auth?" + authParams().Encode())
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	for _, want := range []string{`data-testid="pick-ann@example.com"`, `data-testid="pick-bob@example.com"`, `name="code_challenge"`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("auth page lacks %s", want)
		}
	}
	filtered, _ := http.Get(srv.URL + "/oidc/2/auth?" + authParams().Encode() + "&q=BOB")
	html, _ = io.ReadAll(filtered.Body)
	filtered.Body.Close()
	if strings.Contains(string(html), "pick-ann@") || !strings.Contains(string(html), "pick-bob@") {
		t.Error("search did not filter the list")
	}

	code := codeFor(t, p, srv, "1")
	status, body := exchange(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirect}, "code_verifier": {verifier}}, true)
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, body)
	}

	// The ID token verifies against the published JWKS.
	certs, _ := http.Get(srv.URL + "/oidc/2/certs")
	var set jose.JSONWebKeySet
	json.NewDecoder(certs.Body).Decode(&set)
	certs.Body.Close()
	tok, err := jwt.ParseSigned(body["id_token"].(string), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q not in JWKS", tok.Headers[0].KeyID)
	}
	var std jwt.Claims
	var extra struct {
		Email  string   `json:"email"`
		Nonce  string   `json:"nonce"`
		Groups []string `json:"groups"`
	}
	if err := tok.Claims(keys[0].Key, &std, &extra); err != nil {
		t.Fatal(err)
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: p.Issuer(), AnyAudience: jwt.Audience{clientID}}, 0); err != nil {
		t.Error(err)
	}
	if std.Subject != "1" || extra.Email != "ann@example.com" || extra.Nonce != "n0nce" || len(extra.Groups) != 1 {
		t.Errorf("claims = %+v %+v", std, extra)
	}

	// userinfo with the access token.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/oidc/2/me", nil)
	req.Header.Set("Authorization", "Bearer "+body["access_token"].(string))
	me, _ := http.DefaultClient.Do(req)
	var info map[string]any
	json.NewDecoder(me.Body).Decode(&info)
	me.Body.Close()
	if info["email"] != "ann@example.com" {
		t.Errorf("userinfo = %v", info)
	}

	// A code is single use.
	if status, body := exchange(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirect}, "code_verifier": {verifier}}, true); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("reused code: %d %v", status, body)
	}
}

func TestProvider_tokenRefusals(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p, srv := setup(t, WithClock(func() time.Time { return now }))
	good := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
			"code_verifier": {verifier}, "client_id": {clientID}, "client_secret": {secret}}
	}
	tests := []struct {
		name   string
		edit   func(url.Values)
		basic  bool
		status int
		err    string
	}{
		{"form auth works", func(url.Values) {}, false, 200, ""},
		{"wrong secret", func(v url.Values) { v.Set("client_secret", "nope") }, false, 401, "invalid_client"},
		{"unknown client", func(v url.Values) { v.Set("client_id", "other") }, false, 401, "invalid_client"},
		{"wrong verifier (PKCE)", func(v url.Values) { v.Set("code_verifier", strings.Repeat("x", 50)) }, false, 400, "invalid_grant"},
		{"no verifier", func(v url.Values) { v.Del("code_verifier") }, false, 400, "invalid_grant"},
		{"other redirect_uri", func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:9/elsewhere") }, false, 400, "invalid_grant"},
		{"unknown code", func(v url.Values) { v.Set("code", "made-up") }, false, 400, "invalid_grant"},
		{"wrong grant type", func(v url.Values) { v.Set("grant_type", "password") }, false, 400, "unsupported_grant_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := good(codeFor(t, p, srv, "2"))
			tc.edit(form)
			status, body := exchange(t, srv, form, tc.basic)
			if status != tc.status || (tc.err != "" && body["error"] != tc.err) {
				t.Errorf("got %d %v, want %d %s", status, body, tc.status, tc.err)
			}
			if desc, _ := body["error_description"].(string); strings.Contains(desc, secret) {
				t.Error("error repeats the secret")
			}
		})
	}
	t.Run("expired code", func(t *testing.T) {
		form := good(codeFor(t, p, srv, "2"))
		now = now.Add(codeTTL + time.Second)
		if status, body := exchange(t, srv, form, false); status != 400 || body["error"] != "invalid_grant" {
			t.Errorf("got %d %v", status, body)
		}
	})
}

func TestProvider_authorizeRefusals(t *testing.T) {
	_, srv := setup(t)
	tests := []struct {
		name     string
		edit     func(url.Values)
		status   int
		errParam string // error in the redirect, when it redirects
	}{
		{"unknown client shows an error page", func(v url.Values) { v.Set("client_id", "evil") }, 400, ""},
		{"unregistered redirect is not followed", func(v url.Values) { v.Set("redirect_uri", "http://evil.example/cb") }, 400, ""},
		{"missing PKCE", func(v url.Values) { v.Del("code_challenge") }, 302, "invalid_request"},
		{"plain PKCE", func(v url.Values) { v.Set("code_challenge_method", "plain") }, 302, "invalid_request"},
		{"implicit flow", func(v url.Values) { v.Set("response_type", "token") }, 302, "unsupported_response_type"},
		{"no openid scope", func(v url.Values) { v.Set("scope", "email") }, 302, "invalid_scope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := authParams()
			tc.edit(v)
			res, err := noFollow.Get(srv.URL + "/oidc/2/auth?" + v.Encode())
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if tc.errParam != "" {
				loc, _ := url.Parse(res.Header.Get("Location"))
				if loc.Query().Get("error") != tc.errParam || loc.Query().Get("state") != "st4te" {
					t.Errorf("redirect %s", loc)
				}
			}
		})
	}
	t.Run("cancel", func(t *testing.T) {
		form := authParams()
		form.Set("deny", "1")
		res, _ := noFollow.PostForm(srv.URL+"/oidc/2/auth", form)
		res.Body.Close()
		loc, _ := url.Parse(res.Header.Get("Location"))
		if loc.Query().Get("error") != "access_denied" || loc.Query().Get("code") != "" {
			t.Errorf("cancel redirect %s", loc)
		}
	})
}

func TestProvider_stripPrefixAndClaimsHook(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p := NewProvider(srv.URL+"/oidc/2", DirectoryFunc(func() []Person { return people }),
		WithClient(Client{ID: clientID, Secret: secret, RedirectURIs: []string{redirect}}),
		WithGroupsClaim("roles"),
		WithClaims(func(c map[string]any) { c["nonce"] = "tampered" }))
	mux.Handle("/oidc/2/", http.StripPrefix("/oidc/2", p))
	code := codeFor(t, p, srv, "1")
	status, body := exchange(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirect}, "code_verifier": {verifier}}, true)
	if status != 200 {
		t.Fatalf("token under StripPrefix: %d %v", status, body)
	}
	tok, _ := jwt.ParseSigned(body["id_token"].(string), []jose.SignatureAlgorithm{jose.RS256})
	var claims map[string]any
	tok.UnsafeClaimsWithoutVerification(&claims)
	if claims["nonce"] != "tampered" || claims["roles"] == nil {
		t.Errorf("claims = %v", claims)
	}
}
