package staffauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"onelogin-helpdesk/fakeoidc"
	"onelogin-helpdesk/internal/testlog"
	"onelogin-helpdesk/sessions/sessionstest"
)

const oidcSecret = "client-s3cret-do-not-log"

var directory = []fakeoidc.Person{
	{ID: 1, Email: "ann@example.com", Name: "Ann Admin", Groups: []string{"helpdesk-admins"}},
	{ID: 2, Email: "emil@example.com", Name: "Emil Employee"},
	{ID: 3, Email: "hal@example.com", Name: "Hal Helpdesk", Groups: []string{"helpdesk", "it-readers"}},
	// Groups that differ from the configured ones only by case, or by
	// characters that Unicode case folding would turn into ASCII letters.
	{ID: 4, Email: "cas@example.com", Name: "Cas Capitals", Groups: []string{"Helpdesk-Admins"}},
	{ID: 5, Email: "sam@example.com", Name: "Sam Longs", Groups: []string{"helpdesk-admin\u017f"}},
	{ID: 6, Email: "kim@example.com", Name: "Kim Kelvin", Groups: []string{"helpdes\u212a", "it-reader\u017f"}},
}

type oidcEnv struct {
	console  *httptest.Server
	provider *fakeoidc.Provider
	idp      *httptest.Server
	auth     *Auth
	logs     *testlog.Buffer
}

// newOIDCEnv starts a fake provider at /oidc/2 and a console that signs in
// through it.
func newOIDCEnv(t *testing.T, provOpts ...fakeoidc.Option) *oidcEnv {
	t.Helper()
	return newOIDCEnvCfg(t, nil, provOpts...)
}

// oidcConfig signs in at issuer for the console at consoleURL.
func oidcConfig(issuer, consoleURL string) Config {
	return settings(map[string]string{"HELPDESK_AUTH_MODE": "oidc", "HELPDESK_OIDC_ISSUER": issuer,
		"HELPDESK_OIDC_CLIENT_ID": "helpdesk", "HELPDESK_OIDC_CLIENT_SECRET": oidcSecret,
		"HELPDESK_OIDC_REDIRECT_URL": consoleURL + "/auth/callback"})
}

// newOIDCEnvCfg is newOIDCEnv with a change to the console's Config.
func newOIDCEnvCfg(t *testing.T, edit func(*Config), provOpts ...fakeoidc.Option) *oidcEnv {
	t.Helper()
	env := &oidcEnv{logs: &testlog.Buffer{}}
	var consoleHandler http.Handler
	env.console = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		consoleHandler.ServeHTTP(w, r)
	}))
	t.Cleanup(env.console.Close)
	mux := http.NewServeMux()
	env.idp = httptest.NewServer(mux)
	t.Cleanup(env.idp.Close)
	opts := append([]fakeoidc.Option{fakeoidc.WithClient(fakeoidc.Client{ID: "helpdesk", Secret: oidcSecret,
		RedirectURIs: []string{env.console.URL + "/auth/callback"}})}, provOpts...)
	env.provider = fakeoidc.NewProvider(env.idp.URL+"/oidc/2", fakeoidc.DirectoryFunc(func() []fakeoidc.Person { return directory }), opts...)
	mux.Handle("/oidc/2/", env.provider)

	cfg := oidcConfig(env.provider.Issuer(), env.console.URL)
	if edit != nil {
		edit(&cfg)
	}
	a, err := New(cfg, slogTo(env.logs), WithSessionStore(sessionstest.NewMemory()))
	if err != nil {
		t.Fatal(err)
	}
	env.auth = a
	consoleHandler = appHandler(a)
	return env
}

// startLogin follows the console to the provider's authorize URL.
func (env *oidcEnv) startLogin(t *testing.T, b *browser) *url.URL {
	t.Helper()
	res, _ := b.get("/whoami")
	if res.StatusCode != http.StatusFound {
		t.Fatalf("signed-out GET: %d", res.StatusCode)
	}
	res, _ = b.get(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound {
		t.Fatalf("login: %d", res.StatusCode)
	}
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(u.String(), env.provider.Issuer()+"/auth?") {
		t.Fatalf("login redirected to %q", res.Header.Get("Location"))
	}
	return u
}

// pick chooses a person on the provider's page and returns the callback
// URL it sends the browser to.
func (env *oidcEnv) pick(t *testing.T, b *browser, authURL *url.URL, person string) string {
	t.Helper()
	res, page := b.get(authURL.String())
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="pick-ann@example.com"`) {
		t.Fatalf("provider page: %d", res.StatusCode)
	}
	form := authURL.Query()
	form.Set("person", person)
	req, _ := http.NewRequest(http.MethodPost, env.provider.Issuer()+"/auth", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, _ = b.do(req)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("pick: %d", res.StatusCode)
	}
	return res.Header.Get("Location")
}

func TestOIDC_fullFlow(t *testing.T) {
	env := newOIDCEnv(t)
	for _, tc := range []struct {
		person, email, role string
	}{{"1", "ann@example.com", "admin"}, {"2", "emil@example.com", "employee"}, {"3", "hal@example.com", "helpdesk"}} {
		t.Run(tc.email, func(t *testing.T) {
			b := newBrowser(t, env.console.URL)
			authURL := env.startLogin(t, b)
			q := authURL.Query()
			if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("state") == "" ||
				q.Get("nonce") == "" || q.Get("client_id") != "helpdesk" || !strings.Contains(q.Get("scope"), "openid") {
				t.Errorf("authorize request = %v", q)
			}
			if strings.Contains(authURL.String(), oidcSecret) {
				t.Error("client secret in the authorize URL")
			}
			res, _ := b.get(env.pick(t, b, authURL, tc.person))
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/whoami" {
				t.Fatalf("callback: %d to %q", res.StatusCode, res.Header.Get("Location"))
			}
			who, status := b.whoami()
			if status != http.StatusOK || who.Email != tc.email || who.Role != tc.role {
				t.Errorf("whoami = %d %+v", status, who)
			}
		})
	}
	if strings.Contains(env.logs.String(), oidcSecret) {
		t.Error("client secret in the logs")
	}
}

func TestOIDC_stateMismatch(t *testing.T) {
	env := newOIDCEnv(t)
	b := newBrowser(t, env.console.URL)
	cb, _ := url.Parse(env.pick(t, b, env.startLogin(t, b), "1"))
	q := cb.Query()
	q.Set("state", "forged-state")
	cb.RawQuery = q.Encode()
	if res, page := b.get(cb.String()); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Sign-in expired") {
		t.Errorf("forged state: %d", res.StatusCode)
	}
	if _, status := b.whoami(); status == http.StatusOK {
		t.Error("signed in with a forged state")
	}
}

func TestOIDC_callbackInAnotherBrowser(t *testing.T) {
	env := newOIDCEnv(t)
	victim := newBrowser(t, env.console.URL)
	cb := env.pick(t, victim, env.startLogin(t, victim), "1")
	// An attacker's callback URL opened in the victim's... or any other
	// browser: there is no flow cookie to match.
	other := newBrowser(t, env.console.URL)
	if res, _ := other.get(cb); res.StatusCode != http.StatusBadRequest {
		t.Errorf("callback without the flow cookie: %d", res.StatusCode)
	}
	// The rightful browser still completes, once.
	if res, _ := victim.get(cb); res.StatusCode != http.StatusSeeOther {
		t.Errorf("rightful callback: %d", res.StatusCode)
	}
	if res, _ := victim.get(cb); res.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed callback: %d", res.StatusCode)
	}
}

func TestOIDC_pkceStopsInterceptedCode(t *testing.T) {
	env := newOIDCEnv(t)
	// The attacker intercepts the victim's code...
	victim := newBrowser(t, env.console.URL)
	stolen, _ := url.Parse(env.pick(t, victim, env.startLogin(t, victim), "1"))
	// ...and injects it into a sign-in of their own, with their own state.
	attacker := newBrowser(t, env.console.URL)
	own, _ := url.Parse(env.pick(t, attacker, env.startLogin(t, attacker), "2"))
	q := own.Query()
	q.Set("code", stolen.Query().Get("code"))
	own.RawQuery = q.Encode()
	if res, _ := attacker.get(own.String()); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("injected code: %d", res.StatusCode)
	}
	if _, status := attacker.whoami(); status == http.StatusOK {
		t.Error("attacker signed in with a stolen code")
	}
	if !strings.Contains(env.logs.String(), "PKCE") {
		t.Errorf("the refusal does not mention PKCE:\n%s", env.logs.String())
	}
}

func TestOIDC_groupsCompareExactly(t *testing.T) {
	for _, tc := range []struct {
		name            string
		caseInsensitive bool
		roles           map[string]string // person id: role
	}{
		{"exact (default)", false, map[string]string{"1": "admin", "4": "employee", "5": "employee", "6": "employee"}},
		{"ASCII case-insensitive", true, map[string]string{"1": "admin", "4": "admin", "5": "employee", "6": "employee"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newOIDCEnvCfg(t, func(c *Config) { c.Auth.GroupsCaseInsensitive = tc.caseInsensitive })
			for person, want := range tc.roles {
				b := newBrowser(t, env.console.URL)
				if res, _ := b.get(env.pick(t, b, env.startLogin(t, b), person)); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("person %s: callback %d", person, res.StatusCode)
				}
				if who, _ := b.whoami(); who.Role != want {
					t.Errorf("person %s with groups %+q: role %q, want %q", person, who.Groups, who.Role, want)
				}
			}
		})
	}
}

func TestOIDC_badIDTokens(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(map[string]any)
		log  string
	}{
		{"nonce mismatch", func(c map[string]any) { c["nonce"] = "someone-elses" }, "nonce"},
		{"missing nonce", func(c map[string]any) { delete(c, "nonce") }, "nonce"},
		{"wrong audience", func(c map[string]any) { c["aud"] = "another-client" }, "audience"},
		{"wrong issuer", func(c map[string]any) { c["iss"] = "https://evil.example" }, "different provider"},
		{"expired", func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }, "expired"},
		{"no email", func(c map[string]any) { delete(c, "email") }, "email"},
		{"unverified email", func(c map[string]any) { c["email_verified"] = false }, "not verified"},
		{"unverified email, as a string", func(c map[string]any) { c["email_verified"] = "false" }, "not verified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newOIDCEnv(t, fakeoidc.WithClaims(tc.edit))
			b := newBrowser(t, env.console.URL)
			res, page := b.get(env.pick(t, b, env.startLogin(t, b), "1"))
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "Sign-in failed") {
				t.Errorf("callback: %d", res.StatusCode)
			}
			if _, status := b.whoami(); status == http.StatusOK {
				t.Error("signed in with a bad ID token")
			}
			if !strings.Contains(env.logs.String(), tc.log) {
				t.Errorf("log lacks %q:\n%s", tc.log, env.logs.String())
			}
		})
	}
}

func TestOIDC_providerRefuses(t *testing.T) {
	env := newOIDCEnv(t)
	b := newBrowser(t, env.console.URL)
	authURL := env.startLogin(t, b)
	form := authURL.Query()
	form.Set("deny", "1")
	req, _ := http.NewRequest(http.MethodPost, env.provider.Issuer()+"/auth", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, _ := b.do(req)
	res, page := b.get(res.Header.Get("Location"))
	if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "Sign-in cancelled") {
		t.Errorf("denied: %d", res.StatusCode)
	}
}

func TestOIDC_discoveryRetriedUntilProviderIsUp(t *testing.T) {
	var up atomic.Bool
	env := newOIDCEnv(t)
	// Put a gate in front of the provider's server.
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		env.provider.ServeHTTP(w, r)
	}))
	defer gate.Close()
	// The issuer must match what the provider announces, so point a fresh
	// provider at the gate.
	p := fakeoidc.NewProvider(gate.URL+"/oidc/2", fakeoidc.DirectoryFunc(func() []fakeoidc.Person { return directory }),
		fakeoidc.WithClient(fakeoidc.Client{ID: "helpdesk", Secret: oidcSecret, RedirectURIs: []string{env.console.URL + "/auth/callback"}}))
	env.provider = p
	cfg := env.auth.cfg
	cfg.Auth.OIDC.Issuer = p.Issuer()
	a := mustNew(t, cfg)
	srv := newApp(t, a)
	b := newBrowser(t, srv.URL)
	if res, _ := b.get("/auth/login"); res.StatusCode != http.StatusBadGateway {
		t.Errorf("provider down: %d", res.StatusCode)
	}
	up.Store(true)
	res, _ := b.get("/auth/login")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), p.Issuer()+"/auth?") {
		t.Errorf("provider up: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestOIDC_flowCookie(t *testing.T) {
	env := newOIDCEnv(t)
	b := newBrowser(t, env.console.URL)
	res, _ := b.get("/auth/login?next=/users/9")
	ck := cookieNamed(res, flowCookie)
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/auth/" || ck.MaxAge != int(flowTTL.Seconds()) {
		t.Fatalf("flow cookie = %+v", ck)
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	if strings.Contains(ck.Value, loc.Query().Get("state")) || strings.Contains(ck.Value, loc.Query().Get("nonce")) {
		t.Error("flow cookie is readable")
	}
	// The destination survives the round trip.
	cb := env.pick(t, b, loc, "2")
	if res, _ := b.get(cb); res.Header.Get("Location") != "/users/9" {
		t.Errorf("after sign-in: %q", res.Header.Get("Location"))
	}
}
