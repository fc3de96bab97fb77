package staffauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"onelogin-helpdesk/fakeoidc"
	"onelogin-helpdesk/internal/testlog"
	staff "onelogin-helpdesk/sessions"
	"onelogin-helpdesk/sessions/sessionstest"
)

// Sessions live on the server: these tests run two Auths on one store, as
// two replicas of the console would.

// replicas starts two consoles on one session store.
func replicas(t *testing.T, cfg Config, opts ...Option) (a, b *httptest.Server, authA, authB *Auth, st staff.Store) {
	t.Helper()
	st = sessionstest.NewMemory()
	opts = append(opts, WithSessionStore(st))
	authA, authB = mustNew(t, cfg, opts...), mustNew(t, cfg, opts...)
	return newApp(t, authA), newApp(t, authB), authA, authB, st
}

// onServer sends b's cookies to another server, as a load balancer would
// send the same browser to another replica.
func onServer(t *testing.T, b *browser, from, to string) *browser {
	t.Helper()
	other := newBrowser(t, to)
	fu, _ := url.Parse(from)
	tu, _ := url.Parse(to)
	other.client.Jar.SetCookies(tu, b.client.Jar.Cookies(fu))
	return other
}

// TestSession_cookieCarriesOnlyAToken: the cookie names the session by a
// random token; the store keeps its hash, and nothing about the person is
// in the cookie.
func TestSession_cookieCarriesOnlyAToken(t *testing.T) {
	st := sessionstest.NewMemory()
	a := mustNew(t, demoConfig(), WithSessionStore(st))
	srv := newApp(t, a)
	b := newBrowser(t, srv.URL)
	b.demoSignIn("admin")
	u, _ := url.Parse(srv.URL)
	ck := b.client.Jar.Cookies(u)[0]
	var raw []byte
	if err := securecookie.DecodeMulti(sessionCookie, ck.Value, &raw, a.cookies.session...); err != nil {
		t.Fatal(err)
	}
	var fields map[string]string
	if err := json.Unmarshal(raw, &fields); err != nil || len(fields) != 1 || fields["t"] == "" {
		t.Fatalf("cookie holds %s, want only a token", raw)
	}
	all, _ := st.ListSessions(context.Background())
	if len(all) != 1 || all[0].ID != staff.IDFor(fields["t"]) || all[0].Email != "admin@example.com" || all[0].Role.String() != "admin" {
		t.Fatalf("stored sessions %+v", all)
	}
	if strings.Contains(all[0].ID, fields["t"]) {
		t.Error("the store keeps the token itself")
	}
}

// TestSession_signOutEndsItEverywhere: a copied cookie opens nothing after
// its session signed out on another replica.
func TestSession_signOutEndsItEverywhere(t *testing.T) {
	a, b, _, _, _ := replicas(t, demoConfig())
	onA := newBrowser(t, a.URL)
	onA.demoSignIn("admin")
	copied := onServer(t, onA, a.URL, b.URL)
	if who, status := copied.whoami(); status != http.StatusOK || who.Email != "admin@example.com" {
		t.Fatalf("the session on the other replica: %d %+v", status, who)
	}
	who, _ := onA.whoami()
	if res, _ := onA.post("/auth/logout", url.Values{"csrf_token": {who.CSRF}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", res.StatusCode)
	}
	if _, status := copied.whoami(); status != http.StatusFound {
		t.Errorf("the copied cookie after sign-out on the other replica: %d, want a redirect to sign-in", status)
	}
	if res, _ := copied.post("/act", nil, "X-CSRF-Token", who.CSRF); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a post with the ended session's cookie and token: %d", res.StatusCode)
	}
}

// TestSession_revoke: an admin ends someone's session on one replica and it
// is over on the other; "sign out my other sessions" ends every session of
// the person but the current one.
func TestSession_revoke(t *testing.T) {
	a, _, _, authB, _ := replicas(t, demoConfig())
	ctx := context.Background()
	laptop, phone, other := newBrowser(t, a.URL), newBrowser(t, a.URL), newBrowser(t, a.URL)
	laptop.demoSignIn("helpdesk")
	phone.demoSignIn("helpdesk")
	other.demoSignIn("viewer")

	list, err := authB.Sessions(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("sessions: %d, %v", len(list), err)
	}
	for _, s := range list {
		if s.CSRF != "" {
			t.Error("the list carries CSRF secrets")
		}
	}
	var viewer staff.Session
	for _, s := range list {
		if s.Email == "viewer@example.com" {
			viewer = s
		}
	}
	ended, ok, err := authB.Revoke(ctx, viewer.ID)
	if err != nil || !ok || ended.Email != "viewer@example.com" {
		t.Fatalf("Revoke: %+v %v %v", ended, ok, err)
	}
	if _, status := other.whoami(); status != http.StatusFound {
		t.Errorf("a revoked session on the other replica: %d", status)
	}
	if _, ok, _ := authB.Revoke(ctx, viewer.ID); ok {
		t.Error("revoked the same session twice")
	}

	current := sessionIDOf(t, laptop, a.URL)
	n, err := authB.RevokeOthers(ctx, "HELPDESK@example.com", current)
	if err != nil || n != 1 {
		t.Fatalf("RevokeOthers: %d %v", n, err)
	}
	if _, status := laptop.whoami(); status != http.StatusOK {
		t.Errorf("the current session after signing out the others: %d", status)
	}
	if _, status := phone.whoami(); status != http.StatusFound {
		t.Errorf("the other session: %d", status)
	}
}

// sessionIDOf is the store id of b's session on srv.
func sessionIDOf(t *testing.T, b *browser, srv string) string {
	t.Helper()
	u, _ := url.Parse(srv)
	for _, ck := range b.client.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			var raw []byte
			// Any Auth of the test decodes: they share demoConfig's key.
			a := mustNew(t, demoConfig())
			if err := securecookie.DecodeMulti(sessionCookie, ck.Value, &raw, a.cookies.session...); err != nil {
				t.Fatal(err)
			}
			var d sessionData
			_ = json.Unmarshal(raw, &d)
			return staff.IDFor(d.Token)
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// failingStore fails every call while down is set.
type failingStore struct {
	staff.Store
	mu   sync.Mutex
	down bool
}

func (f *failingStore) set(down bool) { f.mu.Lock(); f.down = down; f.mu.Unlock() }
func (f *failingStore) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return errors.New("connection refused")
	}
	return nil
}
func (f *failingStore) Session(ctx context.Context, id string) (staff.Session, bool, error) {
	if err := f.err(); err != nil {
		return staff.Session{}, false, err
	}
	return f.Store.Session(ctx, id)
}
func (f *failingStore) SaveSession(ctx context.Context, s staff.Session) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Store.SaveSession(ctx, s)
}

// TestSession_storeDown: while the store does not answer nobody is let in
// or signed in (503, not a guess), and afterwards the session carries on.
func TestSession_storeDown(t *testing.T) {
	st := &failingStore{Store: sessionstest.NewMemory()}
	srv := newApp(t, mustNew(t, demoConfig(), WithSessionStore(st)))
	b := newBrowser(t, srv.URL)
	b.demoSignIn("admin")
	st.set(true)
	if _, status := b.whoami(); status != http.StatusServiceUnavailable {
		t.Errorf("with the store down: %d, want 503", status)
	}
	other := newBrowser(t, srv.URL)
	res, page := other.get("/auth/login")
	m := csrfInput.FindStringSubmatch(page)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("the sign-in page with the store down: %d", res.StatusCode)
	}
	if res, _ := other.post("/auth/demo", url.Values{"persona": {"admin"}, "csrf_token": {m[1]}}); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("sign-in with the store down: %d, want 503", res.StatusCode)
	}
	st.set(false)
	if who, status := b.whoami(); status != http.StatusOK || who.Email != "admin@example.com" {
		t.Errorf("after the store came back: %d %+v", status, who)
	}
}

// TestProxy_sessions: behind a proxy each person gets a console session of
// their own; a role the proxy changes reaches the stored session at once;
// a revoked session's CSRF token stops working, the person is blocked on
// every replica (the proxy would sign them straight back in), and once the
// block is lifted the next page starts a new session.
func TestProxy_sessions(t *testing.T) {
	cfg := settings(map[string]string{"HELPDESK_AUTH_MODE": "proxy", "HELPDESK_TRUSTED_PROXIES": "127.0.0.1/32"})
	a, b, authA, _, st := replicas(t, cfg)
	ctx := context.Background()
	ann := []string{"X-Forwarded-Email", "ann@example.com", "X-Forwarded-Groups", "helpdesk"}
	br := newBrowser(t, a.URL)
	res, body := br.get("/whoami", ann...)
	var who whoami
	_ = json.Unmarshal([]byte(body), &who)
	if res.StatusCode != http.StatusOK || who.Role != "helpdesk" {
		t.Fatalf("first request: %d %s", res.StatusCode, body)
	}
	list, _ := st.ListSessions(ctx)
	if len(list) != 1 || list[0].Role.String() != "helpdesk" || list[0].SourceIP != "127.0.0.1" {
		t.Fatalf("sessions: %+v", list)
	}
	promoted := []string{"X-Forwarded-Email", "ann@example.com", "X-Forwarded-Groups", "helpdesk-admins"}
	onB := onServer(t, br, a.URL, b.URL)
	if res, _ := onB.get("/whoami", promoted...); res.StatusCode != http.StatusOK {
		t.Fatalf("on B: %d", res.StatusCode)
	}
	list, _ = st.ListSessions(ctx)
	if len(list) != 1 || list[0].Role.String() != "admin" {
		t.Errorf("after the proxy changed the groups: %+v", list)
	}
	if _, ok, _ := authA.Revoke(ctx, list[0].ID); !ok {
		t.Fatal("revoke")
	}
	postArgs := append([]string{"X-CSRF-Token", who.CSRF}, promoted...)
	if res, _ := onB.post("/act", nil, postArgs...); res.StatusCode != http.StatusForbidden {
		t.Errorf("the revoked session's token: %d, want 403", res.StatusCode)
	}
	// The proxy would sign them straight back in: the revocation blocks
	// them on every replica until it is lifted.
	if res, page := onB.get("/whoami", promoted...); res.StatusCode != http.StatusForbidden || !strings.Contains(page, "An admin ended your console session") {
		t.Errorf("after revocation: %d %.200s, want 403 blocked", res.StatusCode, page)
	}
	if ok, err := authA.Unblock(ctx, "ANN@example.com"); !ok || err != nil {
		t.Fatalf("Unblock = %v %v", ok, err)
	}
	_, body = onB.get("/whoami", promoted...)
	var again whoami
	_ = json.Unmarshal([]byte(body), &again)
	if again.CSRF == "" || again.CSRF == who.CSRF {
		t.Errorf("after revocation the next page kept the CSRF secret (%q)", again.CSRF)
	}
}

// TestOIDC_roleRecheck: after HELPDESK_ROLE_RECHECK a signed-in person is
// sent through the provider with prompt=none; a provider that still has
// them signed in answers at once and the session takes their groups as they
// are now (a removal from the admin group takes effect), keeping its CSRF
// secret; a provider that needs the person makes the console ask them.
func TestOIDC_roleRecheck(t *testing.T) {
	var mu sync.Mutex
	dir := []fakeoidc.Person{{ID: 1, Email: "ann@example.com", Name: "Ann Admin", Groups: []string{"helpdesk-admins"}}}
	clock := newClock()
	env := &oidcEnv{logs: &testlog.Buffer{}}
	var handler http.Handler
	env.console = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(env.console.Close)
	mux := http.NewServeMux()
	env.idp = httptest.NewServer(mux)
	t.Cleanup(env.idp.Close)
	env.provider = fakeoidc.NewProvider(env.idp.URL+"/oidc/2", fakeoidc.DirectoryFunc(func() []fakeoidc.Person {
		mu.Lock()
		defer mu.Unlock()
		return append([]fakeoidc.Person(nil), dir...)
	}), fakeoidc.WithClient(fakeoidc.Client{ID: "helpdesk", Secret: oidcSecret, RedirectURIs: []string{env.console.URL + "/auth/callback"}}),
		fakeoidc.WithClock(clock.Now))
	mux.Handle("/oidc/2/", env.provider)
	cfg := oidcConfig(env.provider.Issuer(), env.console.URL)
	cfg.Session.RoleRecheck = 15 * time.Minute
	a := mustNew(t, cfg, WithClock(clock.Now))
	handler = appHandler(a)

	b := newBrowser(t, env.console.URL)
	cb := env.pick(t, b, env.startLogin(t, b), "1")
	if res, _ := b.get(cb); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: %d", res.StatusCode)
	}
	before, status := b.whoami()
	if status != http.StatusOK || before.Role != "admin" {
		t.Fatalf("signed in: %d %+v", status, before)
	}

	mu.Lock()
	dir[0].Groups = []string{"helpdesk"} // removed from the admins
	mu.Unlock()
	clock.Advance(14 * time.Minute)
	if who, _ := b.whoami(); who.Role != "admin" {
		t.Fatalf("within the re-check period the role changed already: %+v", who)
	}
	clock.Advance(2 * time.Minute)
	res, _ := b.get("/whoami")
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "/auth/login?reauth=1&") {
		t.Fatalf("after the re-check period: %d to %q", res.StatusCode, loc)
	}
	res, _ = b.get(loc)
	authURL, _ := url.Parse(res.Header.Get("Location"))
	if authURL.Query().Get("prompt") != "none" || authURL.Query().Get("login_hint") != "ann@example.com" {
		t.Fatalf("re-check asked the provider with %v", authURL.Query())
	}
	res, _ = b.get(authURL.String()) // the provider answers at once
	if res.StatusCode != http.StatusFound {
		t.Fatalf("silent authorize: %d", res.StatusCode)
	}
	res, _ = b.get(res.Header.Get("Location")) // the callback
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/whoami" {
		t.Fatalf("silent callback: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	after, status := b.whoami()
	if status != http.StatusOK || after.Role != "helpdesk" || after.CSRF != before.CSRF {
		t.Errorf("after the silent re-check: %d role %s, CSRF kept %v", status, after.Role, after.CSRF == before.CSRF)
	}

	// A browser the provider has forgotten is asked to sign in.
	clock.Advance(16 * time.Minute)
	u, _ := url.Parse(env.idp.URL)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "oidctest_session", Value: "", MaxAge: -1, Path: "/"}})
	res, _ = b.get("/whoami")
	res, _ = b.get(res.Header.Get("Location"))
	res, _ = b.get(res.Header.Get("Location"))
	res, _ = b.get(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/auth/login?next=") {
		t.Fatalf("provider without a session: %d to %q, want the interactive sign-in", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = b.get(res.Header.Get("Location"))
	if loc, _ := url.Parse(res.Header.Get("Location")); loc == nil || loc.Query().Get("prompt") != "" || !strings.HasPrefix(loc.String(), env.provider.Issuer()) {
		t.Errorf("interactive sign-in goes to %q", res.Header.Get("Location"))
	}
}

// TestProxy_endedSessionIsReplaced: behind a proxy a session past its idle
// timeout is not refreshed in place: the next request begins a new one
// (new CSRF secret), and the ended one is gone from the store.
func TestProxy_endedSessionIsReplaced(t *testing.T) {
	clock := newClock()
	cfg := settings(map[string]string{"HELPDESK_AUTH_MODE": "proxy", "HELPDESK_TRUSTED_PROXIES": "127.0.0.1/32",
		"HELPDESK_SESSION_IDLE_TIMEOUT": "30m"})
	st := sessionstest.NewMemory()
	srv := newApp(t, mustNew(t, cfg, WithSessionStore(st), WithClock(clock.Now)))
	b := newBrowser(t, srv.URL)
	ann := []string{"X-Forwarded-Email", "ann@example.com"}
	_, body := b.get("/whoami", ann...)
	var first whoami
	_ = json.Unmarshal([]byte(body), &first)
	clock.Advance(31 * time.Minute)
	_, body = b.get("/whoami", ann...)
	var second whoami
	_ = json.Unmarshal([]byte(body), &second)
	if second.CSRF == "" || second.CSRF == first.CSRF {
		t.Errorf("after the idle timeout the session went on (CSRF kept: %v)", second.CSRF == first.CSRF)
	}
	if all, _ := st.ListSessions(context.Background()); len(all) != 1 {
		t.Errorf("%d sessions stored, want only the new one", len(all))
	}
}
