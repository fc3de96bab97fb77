package staffauth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestPublicSecurityHeaders: a public page's headers, framed by the
// configured sites.
func TestPublicSecurityHeaders(t *testing.T) {
	cfg := oidcConfig("https://acme.onelogin.com/oidc/2", "https://helpdesk.example.com")
	cfg.ImgSources = []string{"http://127.0.0.1:9000"}
	e := echo.New()
	e.Use(mustNew(t, cfg).PublicSecurityHeaders([]string{"https://intranet.example.com"}))
	e.Any("/", func(c echo.Context) error {
		if c.Request().Method == http.MethodPost {
			if _, err := c.FormParams(); err != nil {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
			}
		}
		return c.String(http.StatusOK, "ok")
	})
	do := func(req *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}

	rec := do(httptest.NewRequest(http.MethodGet, "/", nil))
	h := rec.Header()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{
		"default-src 'self'", "script-src 'self';", "style-src 'self';",
		"img-src 'self' data: https: http://127.0.0.1:9000;", "base-uri 'none'",
		"form-action 'self' https://acme.onelogin.com;", "frame-ancestors https://intranet.example.com", "object-src 'none'",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q: %s", want, csp)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline code: %s", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" {
		t.Errorf("headers = %v", h)
	}
	if h.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over plain http")
	}
	if h.Get("X-Frame-Options") != "" {
		t.Error("X-Frame-Options DENY despite configured frame ancestors")
	}

	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	if do(req).Header().Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS under TLS")
	}

	big := strings.NewReader("a=" + strings.Repeat("x", maxBodyBytes))
	req = httptest.NewRequest(http.MethodPost, "/", big)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if rec := do(req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", rec.Code)
	}
	// A body that lies about its length is cut off while being read.
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("a="+strings.Repeat("x", maxBodyBytes)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if rec := do(req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized chunked body: %d", rec.Code)
	}
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("a=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if rec := do(req); rec.Code != http.StatusOK {
		t.Errorf("small body: %d", rec.Code)
	}
}

// TestSecurityHeaders_staffPagesAreNeverFramed: staff pages deny framing
// whatever HELPDESK_FRAME_ANCESTORS says, which is for the public page; a
// public page without framing sites denies it too.
func TestSecurityHeaders_staffPagesAreNeverFramed(t *testing.T) {
	cfg := settings(map[string]string{"HELPDESK_DEMO": "true", "HELPDESK_FRAME_ANCESTORS": "https://intranet.example.com"})
	a := mustNew(t, cfg)
	for name, mw := range map[string]echo.MiddlewareFunc{
		"staff":                   a.SecurityHeaders(),
		"public, nobody to frame": a.PublicSecurityHeaders(nil),
	} {
		e := echo.New()
		e.Use(mw)
		e.GET("/", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		csp := rec.Header().Get("Content-Security-Policy")
		if !strings.HasSuffix(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "form-action 'self';") || rec.Header().Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: CSP %s, X-Frame-Options %q", name, csp, rec.Header().Get("X-Frame-Options"))
		}
	}
}

func TestSecurityHeaders_onAuthPages(t *testing.T) {
	srv := newApp(t, mustNew(t, demoConfig()))
	b := newBrowser(t, srv.URL)
	res, page := b.get("/auth/login")
	if res.Header.Get("Content-Security-Policy") == "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("sign-in page headers = %v", res.Header)
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "style=") || strings.Contains(page, "<style") {
		t.Error("sign-in page has inline script or style")
	}
}
