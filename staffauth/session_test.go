package staffauth

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"onelogin-helpdesk/config"
	"onelogin-helpdesk/sessions/sessionstest"
)

func TestDemo_signInAsEachPersona(t *testing.T) {
	a := mustNew(t, demoConfig())
	srv := newApp(t, a)
	for _, p := range testPersonas() {
		t.Run(p.Key, func(t *testing.T) {
			b := newBrowser(t, srv.URL)
			b.demoSignIn(p.Key)
			who, status := b.whoami()
			if status != http.StatusOK || who.Email != p.Email || who.Role != p.Role.String() || who.CSRF == "" {
				t.Errorf("whoami = %d %+v", status, who)
			}
		})
	}
}

func TestDemo_personaRoleFromGroups(t *testing.T) {
	cfg := demoConfig()
	cfg.DemoPersonas = []Persona{{Key: "grouped", Email: "g@example.com", Name: "G", Groups: []string{"it-readers"}}}
	srv := newApp(t, mustNew(t, cfg))
	b := newBrowser(t, srv.URL)
	b.demoSignIn("grouped")
	if who, _ := b.whoami(); who.Role != "viewer" || len(who.Groups) != 1 {
		t.Errorf("whoami = %+v", who)
	}
}

func TestDemo_refusals(t *testing.T) {
	srv := newApp(t, mustNew(t, demoConfig()))
	b := newBrowser(t, srv.URL)
	_, page := b.get("/auth/login")
	token := csrfInput.FindStringSubmatch(page)[1]
	if res, _ := b.post("/auth/demo", url.Values{"persona": {"root"}, "csrf_token": {token}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown persona: %d", res.StatusCode)
	}
	// Login CSRF: a cross-site form cannot sign the browser in.
	if res, _ := b.post("/auth/demo", url.Values{"persona": {"admin"}, "csrf_token": {token}}, "Origin", "http://evil.example"); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site demo sign-in: %d", res.StatusCode)
	}
	if res, _ := b.post("/auth/demo", url.Values{"persona": {"admin"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("demo sign-in without token: %d", res.StatusCode)
	}
	if _, status := b.whoami(); status == http.StatusOK {
		t.Error("signed in after refused attempts")
	}
}

func TestMiddleware_unauthenticated(t *testing.T) {
	srv := newApp(t, mustNew(t, demoConfig()))
	b := newBrowser(t, srv.URL)

	res, _ := b.get("/whoami?tab=apps")
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/auth/login?next="+url.QueryEscape("/whoami?tab=apps") {
		t.Errorf("GET: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = b.get("/whoami", "HX-Request", "true", "HX-Current-URL", srv.URL+"/users/7")
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("HX-Redirect") != "/auth/login?next="+url.QueryEscape("/users/7") {
		t.Errorf("htmx: %d HX-Redirect %q", res.StatusCode, res.Header.Get("HX-Redirect"))
	}
	res, _ = b.post("/act", nil)
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST: %d", res.StatusCode)
	}
}

func TestLocalPath(t *testing.T) {
	tests := map[string]string{
		"/users/7?tab=apps":    "/users/7?tab=apps",
		"":                     "/",
		"https://evil.example": "/",
		"//evil.example/x":     "/",
		"/\\evil.example":      "/",
		"users":                "/",
		"/auth/login":          "/",
		"/x\r\nSet-Cookie: a":  "/",
		"javascript:alert(1)":  "/",
	}
	for in, want := range tests {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSession_cookieAttributes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		secure     bool
		hdr        []string
		wantSecure bool
	}{
		{"plain http", false, nil, false},
		{"behind TLS proxy", false, []string{"X-Forwarded-Proto", "https"}, true},
		{"HELPDESK_SECURE_COOKIES", true, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := demoConfig()
			cfg.Session.SecureCookies = tc.secure
			srv := newApp(t, mustNew(t, cfg))
			b := newBrowser(t, srv.URL)
			res, _ := b.get("/auth/login", tc.hdr...)
			ck := cookieNamed(res, sessionCookie)
			if ck == nil {
				t.Fatal("no session cookie")
			}
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != tc.wantSecure || ck.Path != "/" {
				t.Errorf("cookie = %+v", ck)
			}
			if ck.MaxAge != int((12 * time.Hour).Seconds()) {
				t.Errorf("MaxAge = %d", ck.MaxAge)
			}
		})
	}
}

func TestSession_idleAndAbsoluteTimeout(t *testing.T) {
	clock := newClock()
	cfg := demoConfig()
	cfg.Session.IdleTimeout = 30 * time.Minute
	cfg.Session.MaxAge = 2 * time.Hour
	srv := newApp(t, mustNew(t, cfg, WithClock(clock.Now)))
	b := newBrowser(t, srv.URL)
	b.demoSignIn("helpdesk")

	// Activity every 25 minutes keeps the session alive past the idle limit...
	for i := range 4 {
		clock.Advance(25 * time.Minute)
		if _, status := b.whoami(); status != http.StatusOK {
			t.Fatalf("after %d×25 min of activity: %d", i+1, status)
		}
	}
	// ...but not past the absolute limit.
	clock.Advance(25 * time.Minute) // 125 min since sign-in
	if _, status := b.whoami(); status != http.StatusFound {
		t.Errorf("past absolute timeout: %d, want redirect to sign-in", status)
	}
	// Once ended, the session stays ended even if the clock allowed it.
	if _, status := b.whoami(); status != http.StatusFound {
		t.Errorf("ended session came back: %d", status)
	}

	b.demoSignIn("helpdesk")
	clock.Advance(29 * time.Minute)
	if _, status := b.whoami(); status != http.StatusOK {
		t.Fatalf("within idle timeout: %d", status)
	}
	clock.Advance(31 * time.Minute)
	if _, status := b.whoami(); status != http.StatusFound {
		t.Errorf("past idle timeout: %d", status)
	}
}

func TestSession_keyRotation(t *testing.T) {
	oldCfg := demoConfig()                               // signs with key1
	shared := WithSessionStore(sessionstest.NewMemory()) // one store: the session outlives the key
	oldSrv := newApp(t, mustNew(t, oldCfg, shared))
	b := newBrowser(t, oldSrv.URL)
	b.demoSignIn("admin")
	u, _ := url.Parse(oldSrv.URL)
	oldCookie := b.client.Jar.Cookies(u)[0]

	rotated := demoConfig()
	rotated.Session.Keys = []config.Secret{key2, key1} // new key first, old still verifies
	rotSrv := newApp(t, mustNew(t, rotated, shared, WithClock(func() time.Time { return time.Now().Add(2 * time.Minute) })))
	req, _ := http.NewRequest(http.MethodGet, rotSrv.URL+"/whoami", nil)
	req.AddCookie(oldCookie)
	res, body := b.do(req)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "admin@example.com") {
		t.Fatalf("old-key cookie after rotation: %d %s", res.StatusCode, body)
	}
	// The refreshed cookie is signed with the new first key only.
	fresh := cookieNamed(res, sessionCookie)
	if fresh == nil {
		t.Fatal("session not refreshed")
	}
	for _, tc := range []struct {
		keys []config.Secret
		ok   bool
	}{{[]config.Secret{key2}, true}, {[]config.Secret{key1}, false}} {
		cfg := demoConfig()
		cfg.Session.Keys = tc.keys
		srv := newApp(t, mustNew(t, cfg, shared, WithClock(func() time.Time { return time.Now().Add(2 * time.Minute) })))
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: fresh.Value})
		res, _ := b.do(req)
		if (res.StatusCode == http.StatusOK) != tc.ok {
			t.Errorf("refreshed cookie with only key%d: status %d", tc.keys[0][0], res.StatusCode)
		}
	}

	// A retired key no longer verifies anything.
	retired := demoConfig()
	retired.Session.Keys = []config.Secret{key2}
	retSrv := newApp(t, mustNew(t, retired, shared))
	req, _ = http.NewRequest(http.MethodGet, retSrv.URL+"/whoami", nil)
	req.AddCookie(oldCookie)
	if res, _ := b.do(req); res.StatusCode != http.StatusFound {
		t.Errorf("cookie under a retired key: %d", res.StatusCode)
	}
}

func TestSession_tamperedCookie(t *testing.T) {
	srv := newApp(t, mustNew(t, demoConfig()))
	b := newBrowser(t, srv.URL)
	b.demoSignIn("viewer")
	u, _ := url.Parse(srv.URL)
	ck := b.client.Jar.Cookies(u)[0]
	v := []byte(ck.Value)
	v[len(v)/2] ^= 1
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: string(v)})
	c := &http.Client{CheckRedirect: b.client.CheckRedirect}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Errorf("tampered cookie: %d", res.StatusCode)
	}
}

func TestSession_signOut(t *testing.T) {
	srv := newApp(t, mustNew(t, demoConfig()))
	b := newBrowser(t, srv.URL)
	b.demoSignIn("admin")
	who, _ := b.whoami()

	if res, _ := b.post("/auth/logout", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without CSRF token: %d", res.StatusCode)
	}
	res, _ := b.post("/auth/logout", url.Values{"csrf_token": {who.CSRF}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/auth/signed-out" {
		t.Fatalf("sign-out: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if ck := cookieNamed(res, sessionCookie); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("session cookie not deleted: %+v", ck)
	}
	if _, status := b.whoami(); status != http.StatusFound {
		t.Errorf("after sign-out: %d", status)
	}
	res, page := b.get("/auth/signed-out")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `href="/auth/login"`) {
		t.Errorf("signed-out page: %d %s", res.StatusCode, page)
	}
}

func TestSession_freshCSRFSecretAtSignIn(t *testing.T) {
	srv := newApp(t, mustNew(t, demoConfig()))
	b := newBrowser(t, srv.URL)
	_, page := b.get("/auth/login")
	before := csrfInput.FindStringSubmatch(page)[1]
	b.demoSignIn("admin")
	who, _ := b.whoami()
	if who.CSRF == "" || who.CSRF == before {
		t.Errorf("CSRF secret survived sign-in (before %q, after %q)", before, who.CSRF)
	}
}

func TestSession_manyGroupsStillFitTheCookie(t *testing.T) {
	cfg := demoConfig()
	var groups []string
	for i := range 300 {
		groups = append(groups, fmt.Sprintf("a-rather-long-directory-group-%03d", i))
	}
	groups = append(groups, "helpdesk-admins") // the role is decided from all of them
	cfg.DemoPersonas = []Persona{{Key: "busy", Email: "busy@example.com", Name: "Busy", Groups: groups}}
	srv := newApp(t, mustNew(t, cfg))
	b := newBrowser(t, srv.URL)
	b.demoSignIn("busy")
	who, status := b.whoami()
	if status != http.StatusOK || who.Role != "admin" || len(who.Groups) == 0 || len(who.Groups) >= len(groups) {
		t.Errorf("whoami = %d role %s, %d groups", status, who.Role, len(who.Groups))
	}
}

// TestSession_junkUnderAValidSignature: a cookie that decodes but holds no
// session JSON signs nobody in.
func TestSession_junkUnderAValidSignature(t *testing.T) {
	a := mustNew(t, demoConfig())
	// Garbage under a valid signature is no session.
	junk, _ := securecookie.EncodeMulti(sessionCookie, []byte("not a session"), a.cookies.session...)
	var d sessionData
	if a.cookies.readSession(junk, &d) || !d.empty() {
		t.Errorf("junk cookie read as %+v", d)
	}
}
