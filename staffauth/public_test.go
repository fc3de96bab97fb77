package staffauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// The sign-in pages link to the public unlock page only when it is on.
func TestSignInPage_lockedOutLink(t *testing.T) {
	for _, unlockURL := range []string{"", "/unlock"} {
		cfg := demoConfig()
		cfg.UnlockURL = unlockURL
		b := newBrowser(t, newApp(t, mustNew(t, cfg)).URL)
		for _, path := range []string{"/auth/login", "/auth/signed-out"} {
			_, page := b.get(path)
			has := strings.Contains(page, `href="/unlock" data-testid="unlock-link">Locked out? Unlock your account</a>`)
			if has != (unlockURL != "") {
				t.Errorf("UnlockURL %q: %s has the link = %v", unlockURL, path, has)
			}
		}
	}
}

// A public page (security headers and CSRF, no Middleware) serves a person
// who is not signed in: they get a CSRF token, and a state-changing request
// needs it, as on every other page.
func TestCSRF_publicPages(t *testing.T) {
	for mode, cfg := range map[string]Config{
		"demo":  demoConfig(),
		"proxy": settings(map[string]string{"HELPDESK_AUTH_MODE": "proxy", "HELPDESK_TRUSTED_PROXIES": "10.0.0.0/8"}),
	} {
		t.Run(mode, func(t *testing.T) {
			a := mustNew(t, cfg)
			e := echo.New()
			pub := e.Group("/unlock", a.PublicSecurityHeaders([]string{"https://portal.example.com"}), a.CSRF())
			pub.GET("", func(c echo.Context) error { return c.String(http.StatusOK, "token="+CSRFToken(c.Request().Context())) })
			pub.POST("", func(c echo.Context) error { return c.String(http.StatusOK, "done") })
			srv := httptest.NewServer(e)
			t.Cleanup(srv.Close)
			b := newBrowser(t, srv.URL)

			res, body := b.get("/unlock")
			token, ok := strings.CutPrefix(body, "token=")
			if res.StatusCode != http.StatusOK || !ok || token == "" {
				t.Fatalf("GET /unlock signed out = %d %q, want 200 with a CSRF token", res.StatusCode, body)
			}
			csp := res.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors https://portal.example.com") {
				t.Errorf("CSP on the public page = %q", csp)
			}
			if res, _ := b.post("/unlock", url.Values{}); res.StatusCode != http.StatusForbidden {
				t.Errorf("POST without the token = %d, want 403", res.StatusCode)
			}
			if res, body := b.post("/unlock", url.Values{"csrf_token": {token}}); res.StatusCode != http.StatusOK || body != "done" {
				t.Errorf("POST with the token = %d %q, want 200 done", res.StatusCode, body)
			}
			if res, _ := b.post("/unlock", url.Values{"csrf_token": {token}}, "Origin", "https://evil.example"); res.StatusCode != http.StatusForbidden {
				t.Errorf("cross-origin POST = %d, want 403", res.StatusCode)
			}
		})
	}
}
