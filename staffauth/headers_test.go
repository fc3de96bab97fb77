package staffauth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestSecurityHeaders(t *testing.T) {
	cfg := Config{Mode: ModeOIDC, OIDCIssuer: "https://acme.onelogin.com/oidc/2",
		ImgSources: []string{"http://127.0.0.1:9000"}, FrameAncestors: []string{"https://intranet.example.com"}}
	e := echo.New()
	e.Use(SecurityHeaders(cfg))
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

	big := strings.NewReader("a=" + strings.Repeat("x", DefaultMaxBodyBytes))
	req = httptest.NewRequest(http.MethodPost, "/", big)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if rec := do(req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", rec.Code)
	}
	// A body that lies about its length is cut off while being read.
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("a="+strings.Repeat("x", DefaultMaxBodyBytes)))
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

func TestSecurityHeaders_defaults(t *testing.T) {
	csp := ContentSecurityPolicy(Config{Mode: ModeDemo})
	if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "form-action 'self';") {
		t.Errorf("default CSP = %s", csp)
	}
	e := echo.New()
	e.Use(SecurityHeaders(Config{}))
	e.GET("/", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("X-Frame-Options = %q", rec.Header().Get("X-Frame-Options"))
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
