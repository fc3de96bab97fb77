package staffauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/internal/testlog"
	"onelogin-helpdesk/sessions/sessionstest"
)

func proxyConfig() Config {
	return settings(map[string]string{"HELPDESK_AUTH_MODE": "proxy", "HELPDESK_TRUSTED_PROXIES": "127.0.0.0/8,10.1.0.0/16"})
}

func csrfFromJSON(t *testing.T, body string) string {
	t.Helper()
	var w whoami
	if err := json.Unmarshal([]byte(body), &w); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return w.CSRF
}

// serve sends one request from peer through a console-shaped app.
func serve(a *Auth, peer string, hdr map[string]string) (int, whoami) {
	h := http.Header{}
	for k, v := range hdr {
		h.Set(k, v)
	}
	return serveHeader(a, peer, h)
}

// serveHeader is serve with headers that may repeat.
func serveHeader(a *Auth, peer string, hdr http.Header) (int, whoami) {
	e := echo.New()
	app := e.Group("", a.Middleware())
	app.GET("/whoami", func(c echo.Context) error {
		id, _ := IdentityFrom(c.Request().Context())
		return c.JSON(http.StatusOK, whoami{Email: id.Email, Name: id.Name, Role: id.Role.String(), Groups: id.Groups})
	})
	req := httptest.NewRequest(http.MethodGet, "/whoami", nil)
	req.RemoteAddr = peer
	req.Header = hdr
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	var w whoami
	_ = json.Unmarshal(rec.Body.Bytes(), &w)
	return rec.Code, w
}

func TestProxy_headers(t *testing.T) {
	a := mustNew(t, proxyConfig())
	tests := []struct {
		name   string
		peer   string
		hdr    map[string]string
		status int
		role   string
	}{
		{"trusted peer, admin group", "10.1.2.3:5555", map[string]string{"X-Forwarded-Email": "ann@example.com",
			"X-Forwarded-User": "Ann", "X-Forwarded-Groups": "staff, helpdesk-admins"}, 200, "admin"},
		{"highest role wins", "127.0.0.1:1", map[string]string{"X-Forwarded-Email": "a@example.com",
			"X-Forwarded-Groups": "it-readers,helpdesk"}, 200, "helpdesk"},
		{"no staff group is an employee", "127.0.0.1:1", map[string]string{"X-Forwarded-Email": "e@example.com"}, 200, "employee"},
		{"IPv4-mapped IPv6 peer", "[::ffff:10.1.0.9]:443", map[string]string{"X-Forwarded-Email": "a@example.com"}, 200, "employee"},
		{"email only in user header is not an email", "127.0.0.1:1", map[string]string{"X-Forwarded-User": "u@example.com"}, 401, ""},
		{"user header does not replace an empty email", "127.0.0.1:1", map[string]string{"X-Forwarded-Email": " ",
			"X-Forwarded-User": "admin@example.com", "X-Forwarded-Groups": "helpdesk-admins"}, 401, ""},
		{"untrusted peer", "192.0.2.10:4444", map[string]string{"X-Forwarded-Email": "ann@example.com",
			"X-Forwarded-Groups": "helpdesk-admins"}, 401, ""},
		{"spoofed X-Forwarded-For from untrusted peer", "192.0.2.10:4444", map[string]string{"X-Forwarded-Email": "ann@example.com",
			"X-Forwarded-For": "10.1.2.3", "X-Real-IP": "127.0.0.1"}, 401, ""},
		{"trusted peer without email", "127.0.0.1:1", map[string]string{"X-Forwarded-Groups": "helpdesk-admins"}, 401, ""},
		{"malformed email", "127.0.0.1:1", map[string]string{"X-Forwarded-Email": "Ann <ann@example.com>"}, 401, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, who := serve(a, tc.peer, tc.hdr)
			if status != tc.status || (tc.role != "" && who.Role != tc.role) {
				t.Errorf("got %d %+v, want %d %s", status, who, tc.status, tc.role)
			}
		})
	}
}

func TestProxy_repeatedIdentityHeaderRefused(t *testing.T) {
	k := newRSAKey(t, "k")
	idp := newJWKS(t, k.public())
	tok := k.sign(t, map[string]any{"iss": jwtIssuer, "aud": jwtAudience, "email": "ann@example.com",
		"exp": time.Now().Add(time.Hour).Unix()})
	other := k.sign(t, map[string]any{"iss": jwtIssuer, "aud": jwtAudience, "email": "mallory@example.com",
		"exp": time.Now().Add(time.Hour).Unix()})
	plain, signed := proxyConfig(), jwtProxyConfig(idp.srv.URL)
	custom := proxyConfig()
	custom.Auth.Proxy.EmailHeader = "x-auth-request-email" // as an operator might spell it

	// h builds a header from name, value pairs; a name may repeat.
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	tests := []struct {
		name   string
		cfg    Config
		hdr    http.Header
		status int
		role   string
	}{
		{"oauth2-proxy: email, user and one comma-joined groups line", plain,
			h("X-Forwarded-Email", "ann@example.com", "X-Forwarded-User", "ann", "X-Forwarded-Groups", "staff,helpdesk-admins"), 200, "admin"},
		{"email twice, the same", plain, h("X-Forwarded-Email", "ann@example.com", "X-Forwarded-Email", "ann@example.com"), 400, ""},
		{"email twice, different", plain, h("X-Forwarded-Email", "ann@example.com", "X-Forwarded-Email", "mallory@example.com"), 400, ""},
		{"email twice, one empty", plain, h("X-Forwarded-Email", "", "X-Forwarded-Email", "ann@example.com"), 400, ""},
		{"user twice", plain, h("X-Forwarded-Email", "ann@example.com", "X-Forwarded-User", "ann", "X-Forwarded-User", "root"), 400, ""},
		{"groups twice are not merged", plain,
			h("X-Forwarded-Email", "ann@example.com", "X-Forwarded-Groups", "staff", "X-Forwarded-Groups", "helpdesk-admins"), 400, ""},
		{"custom email header twice", custom,
			h("X-Auth-Request-Email", "ann@example.com", "X-Auth-Request-Email", "mallory@example.com"), 400, ""},
		{"assertion once", signed, h(assertionHeader, tok), 200, "employee"},
		{"assertion twice", signed, h(assertionHeader, tok, assertionHeader, other), 400, ""},
		{"plain header twice beside an assertion", signed,
			h(assertionHeader, tok, "X-Forwarded-Groups", "a", "X-Forwarded-Groups", "b"), 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs testlog.Buffer
			a, err := New(tc.cfg, slogTo(&logs), WithSessionStore(sessionstest.NewMemory()))
			if err != nil {
				t.Fatal(err)
			}
			status, who := serveHeader(a, "10.1.0.5:1", tc.hdr)
			if status != tc.status || who.Role != tc.role {
				t.Fatalf("got %d %+v, want %d %q", status, who, tc.status, tc.role)
			}
			if status != 400 {
				return
			}
			if !strings.Contains(logs.String(), `"level":"WARN"`) || !strings.Contains(logs.String(), "sent 2 times") {
				t.Errorf("refusal not logged as a warning naming the header: %s", logs.String())
			}
			for _, vs := range tc.hdr {
				for _, v := range vs {
					if len(v) > 12 && strings.Contains(logs.String(), v) {
						t.Errorf("log holds a header value %.20q…: %s", v, logs.String())
					}
				}
			}
		})
	}
}

func TestProxy_customHeaderNames(t *testing.T) {
	cfg := proxyConfig()
	cfg.Auth.Proxy.EmailHeader, cfg.Auth.Proxy.GroupsHeader = "X-Auth-Request-Email", "X-Auth-Request-Groups"
	a := mustNew(t, cfg)
	status, who := serve(a, "127.0.0.1:1", map[string]string{"X-Auth-Request-Email": "a@example.com",
		"X-Auth-Request-Groups": "helpdesk", "X-Forwarded-Email": "other@example.com"})
	if status != 200 || who.Email != "a@example.com" || who.Role != "helpdesk" {
		t.Errorf("got %d %+v", status, who)
	}
}

func TestIPExtractor(t *testing.T) {
	a := mustNew(t, proxyConfig())
	ex := a.IPExtractor()
	tests := []struct {
		peer, xff, want string
	}{
		{"192.0.2.1:1", "203.0.113.9", "192.0.2.1"},                          // untrusted peer: its XFF is ignored
		{"10.1.0.1:1", "203.0.113.9", "203.0.113.9"},                         // trusted proxy names the client
		{"10.1.0.1:1", "198.51.100.7, 203.0.113.9, 10.1.0.2", "203.0.113.9"}, // client-supplied hop on the left is not believed
		{"10.1.0.1:1", "", "10.1.0.1"},
		{"10.1.0.1:1", "not-an-ip", "10.1.0.1"},
	}
	for _, tc := range tests {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = tc.peer
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := ex(req); got != tc.want {
			t.Errorf("peer %s XFF %q: %s, want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
}

// jwks is an identity provider's key endpoint that counts its fetches and
// can be made to hang.
type jwks struct {
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	gate    *jwksGate
	fetches atomic.Int32
	srv     *httptest.Server
}

// jwksGate holds fetches: each one sends on arrived, then waits for release.
type jwksGate struct {
	arrived chan struct{}
	release chan struct{}
}

func newJWKS(t *testing.T, keys ...jose.JSONWebKey) *jwks {
	j := &jwks{keys: keys}
	j.srv = httptest.NewServer(j)
	t.Cleanup(j.srv.Close)
	return j
}

func (j *jwks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	j.fetches.Add(1)
	j.mu.Lock()
	g := j.gate
	j.mu.Unlock()
	if g != nil {
		g.arrived <- struct{}{}
		select {
		case <-g.release:
		case <-r.Context().Done():
			return
		}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: j.keys})
}

// hang makes fetches wait until release is called (at the latest when the
// test ends); arrived receives once for each fetch that starts waiting.
func (j *jwks) hang(t *testing.T) (arrived <-chan struct{}, release func()) {
	g := &jwksGate{arrived: make(chan struct{}, 16), release: make(chan struct{})}
	j.mu.Lock()
	j.gate = g
	j.mu.Unlock()
	var once sync.Once
	release = func() {
		once.Do(func() {
			j.mu.Lock()
			j.gate = nil
			j.mu.Unlock()
			close(g.release)
		})
	}
	t.Cleanup(release) // before the server's Close, which waits for handlers
	return g.arrived, release
}

func (j *jwks) set(keys ...jose.JSONWebKey) {
	j.mu.Lock()
	j.keys = keys
	j.mu.Unlock()
}

type signingKey struct {
	priv any
	alg  jose.SignatureAlgorithm
	kid  string
}

func (k signingKey) public() jose.JSONWebKey {
	var pub any
	switch p := k.priv.(type) {
	case *rsa.PrivateKey:
		pub = &p.PublicKey
	case *ecdsa.PrivateKey:
		pub = &p.PublicKey
	}
	return jose.JSONWebKey{Key: pub, KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"}
}

func (k signingKey) sign(t *testing.T, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.priv},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.kid))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func newRSAKey(t *testing.T, kid string) signingKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{k, jose.RS256, kid}
}

func newECKey(t *testing.T, kid string) signingKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{k, jose.ES256, kid}
}

const (
	assertionHeader = "X-Goog-IAP-JWT-Assertion"
	jwtIssuer       = "https://idp.example.com"
	jwtAudience     = "helpdesk-console"
)

func jwtProxyConfig(jwksURL string) Config {
	return settings(map[string]string{"HELPDESK_AUTH_MODE": "proxy", "HELPDESK_TRUSTED_PROXIES": "127.0.0.0/8,10.1.0.0/16",
		"HELPDESK_PROXY_JWT_HEADER": assertionHeader, "HELPDESK_PROXY_JWKS_URL": jwksURL,
		"HELPDESK_PROXY_JWT_ISSUER": jwtIssuer, "HELPDESK_PROXY_JWT_AUDIENCE": jwtAudience})
}

func TestProxy_jwt(t *testing.T) {
	rsaKey, ecKey := newRSAKey(t, "rsa-1"), newECKey(t, "ec-1")
	idp := newJWKS(t, rsaKey.public(), ecKey.public())
	a := mustNew(t, jwtProxyConfig(idp.srv.URL))
	now := time.Now()
	claims := func(edit func(map[string]any)) map[string]any {
		c := map[string]any{"iss": jwtIssuer, "aud": jwtAudience, "sub": "u1", "email": "ann@example.com",
			"name": "Ann", "groups": []string{"helpdesk"}, "exp": now.Add(5 * time.Minute).Unix(),
			"nbf": now.Add(-time.Minute).Unix(), "iat": now.Add(-time.Minute).Unix()}
		if edit != nil {
			edit(c)
		}
		return c
	}
	attacker := newRSAKey(t, "rsa-1") // same kid, different key
	hmacToken := func() string {
		// HS256 keyed with the public key bytes: the classic alg confusion.
		pub := rsaKey.priv.(*rsa.PrivateKey).PublicKey.N.Bytes()
		s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: pub}, (&jose.SignerOptions{}).WithHeader("kid", "rsa-1"))
		tok, _ := jwt.Signed(s).Claims(claims(nil)).Serialize()
		return tok
	}
	noneToken := func() string {
		enc := base64.RawURLEncoding
		h := enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"rsa-1"}`))
		b, _ := json.Marshal(claims(nil))
		return h + "." + enc.EncodeToString(b) + "."
	}

	tests := []struct {
		name   string
		token  string
		status int
	}{
		{"RS256", rsaKey.sign(t, claims(nil)), 200},
		{"ES256", ecKey.sign(t, claims(nil)), 200},
		{"groups as a comma string", rsaKey.sign(t, claims(func(c map[string]any) { c["groups"] = "x, helpdesk" })), 200},
		{"expired within leeway", rsaKey.sign(t, claims(func(c map[string]any) { c["exp"] = now.Add(-10 * time.Second).Unix() })), 200},
		{"expired", rsaKey.sign(t, claims(func(c map[string]any) { c["exp"] = now.Add(-2 * time.Minute).Unix() })), 401},
		{"not yet valid", rsaKey.sign(t, claims(func(c map[string]any) { c["nbf"] = now.Add(5 * time.Minute).Unix() })), 401},
		{"no exp", rsaKey.sign(t, claims(func(c map[string]any) { delete(c, "exp") })), 401},
		{"wrong audience", rsaKey.sign(t, claims(func(c map[string]any) { c["aud"] = "another-app" })), 401},
		{"wrong issuer", rsaKey.sign(t, claims(func(c map[string]any) { c["iss"] = "https://evil.example" })), 401},
		{"alg none", noneToken(), 401},
		{"HS256 with the public key", hmacToken(), 401},
		{"signed by another key with the same kid", attacker.sign(t, claims(nil)), 401},
		{"no email", rsaKey.sign(t, claims(func(c map[string]any) { delete(c, "email") })), 401},
		{"email verified", rsaKey.sign(t, claims(func(c map[string]any) { c["email_verified"] = true })), 200},
		{"email verified, as a string", rsaKey.sign(t, claims(func(c map[string]any) { c["email_verified"] = "true" })), 200},
		{"email not verified", rsaKey.sign(t, claims(func(c map[string]any) { c["email_verified"] = false })), 401},
		{"email not verified, as a string", rsaKey.sign(t, claims(func(c map[string]any) { c["email_verified"] = "false" })), 401},
		{"email_verified of another type", rsaKey.sign(t, claims(func(c map[string]any) { c["email_verified"] = 0 })), 401},
		{"garbage", "not.a.jwt", 401},
		{"missing", "", 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"X-Forwarded-Email": "mallory@example.com", "X-Forwarded-Groups": "helpdesk-admins"}
			if tc.token != "" {
				hdr[assertionHeader] = tc.token
			}
			status, who := serve(a, "10.1.0.5:1", hdr)
			if status != tc.status {
				t.Fatalf("status %d, want %d", status, tc.status)
			}
			// With an assertion configured, the plain headers count for nothing.
			if status == 200 && (who.Email != "ann@example.com" || who.Role != "helpdesk") {
				t.Errorf("identity = %+v", who)
			}
		})
	}
	if n := idp.fetches.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times for known keys, want 1", n)
	}
	// A valid assertion from an untrusted peer is still refused.
	if status, _ := serve(a, "192.0.2.1:1", map[string]string{assertionHeader: rsaKey.sign(t, claims(nil))}); status != 401 {
		t.Errorf("assertion from untrusted peer: %d", status)
	}
}

func TestProxy_jwtUnknownKidRefetchAtMostOnceAMinute(t *testing.T) {
	clock := newClock()
	oldKey, newKey := newRSAKey(t, "k-old"), newRSAKey(t, "k-new")
	idp := newJWKS(t, oldKey.public())
	a := mustNew(t, jwtProxyConfig(idp.srv.URL), WithClock(clock.Now))
	claims := func() map[string]any {
		return map[string]any{"iss": jwtIssuer, "aud": jwtAudience, "email": "ann@example.com",
			"exp": clock.Now().Add(10 * time.Minute).Unix()}
	}
	try := func(k signingKey) int {
		status, _ := serve(a, "127.0.0.1:1", map[string]string{assertionHeader: k.sign(t, claims())})
		return status
	}
	if s := try(oldKey); s != 200 || idp.fetches.Load() != 1 {
		t.Fatalf("first request: %d, %d fetches", s, idp.fetches.Load())
	}
	// The provider rotates its key 10 s later; we fetched too recently to look.
	idp.set(oldKey.public(), newKey.public())
	clock.Advance(10 * time.Second)
	for range 5 {
		if s := try(newKey); s != 401 {
			t.Errorf("new kid inside the minute: %d", s)
		}
	}
	if n := idp.fetches.Load(); n != 1 {
		t.Errorf("%d fetches inside the minute, want 1", n)
	}
	// A minute after the last fetch, one unknown kid triggers one fetch.
	clock.Advance(51 * time.Second)
	for range 5 {
		if s := try(newKey); s != 200 {
			t.Errorf("new kid after the minute: %d", s)
		}
	}
	if n := idp.fetches.Load(); n != 2 {
		t.Errorf("%d fetches, want 2", n)
	}
	// Forged kids after that do not cause fetches either.
	for range 3 {
		try(newRSAKey(t, "forged"))
	}
	if n := idp.fetches.Load(); n != 2 {
		t.Errorf("forged kids caused fetches: %d", n)
	}
}

func TestProxy_jwksDown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var logs testlog.Buffer
	a, err := New(jwtProxyConfig(srv.URL), slogTo(&logs), WithSessionStore(sessionstest.NewMemory()))
	if err != nil {
		t.Fatal(err)
	}
	k := newRSAKey(t, "k")
	tok := k.sign(t, map[string]any{"iss": jwtIssuer, "aud": jwtAudience, "email": "a@example.com", "exp": time.Now().Add(time.Hour).Unix()})
	if status, _ := serve(a, "127.0.0.1:1", map[string]string{assertionHeader: tok}); status != 401 {
		t.Errorf("JWKS down: %d", status)
	}
	if !strings.Contains(logs.String(), "status 503") {
		t.Errorf("log does not say why: %s", logs.String())
	}
	if strings.Contains(logs.String(), tok) {
		t.Error("the assertion was logged")
	}
}
