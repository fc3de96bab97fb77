package staffauth

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/config"
)

// ContentSecurityPolicy is the policy the security headers send: no inline
// script or style anywhere, images from the console, data: URLs, https and
// cfg.ImgSources (app icons come from the tenant), forms only to the
// console and the OIDC issuer, framing by frameAncestors only.
func ContentSecurityPolicy(cfg Config, frameAncestors []string) string {
	img := append([]string{"'self'", "data:", "https:"}, cfg.ImgSources...)
	form := []string{"'self'"}
	if o := origin(cfg.Auth.OIDC.Issuer); o != "" && cfg.Auth.Mode == config.ModeOIDC {
		form = append(form, o)
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src " + strings.Join(img, " "),
		"connect-src 'self'",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action " + strings.Join(form, " "),
		"frame-ancestors " + strings.Join(frameAncestors, " "),
	}, "; ")
}

// notFramed is the frame-ancestors of every staff page: no site may frame
// what a signed-in person can click.
var notFramed = []string{"'none'"}

// SecurityHeaders sets the security headers of staff pages, which nothing
// may frame, and caps the request body (413 beyond it).
func (a *Auth) SecurityHeaders() echo.MiddlewareFunc { return securityHeaders(a.cfg, notFramed) }

// PublicSecurityHeaders are SecurityHeaders for a page anyone may use
// without signing in (the public unlock page), which the sites in
// frameAncestors (HELPDESK_FRAME_ANCESTORS) may frame, such as an intranet
// portal; empty means none.
func (a *Auth) PublicSecurityHeaders(frameAncestors []string) echo.MiddlewareFunc {
	if len(frameAncestors) == 0 {
		frameAncestors = notFramed
	}
	return securityHeaders(a.cfg, frameAncestors)
}

func securityHeaders(cfg Config, frameAncestors []string) echo.MiddlewareFunc {
	csp := ContentSecurityPolicy(cfg, frameAncestors)
	deny := frameAncestors[0] == "'none'"
	secure := cfg.Session.SecureCookies
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if deny {
				h.Set("X-Frame-Options", "DENY") // for browsers without CSP level 2
			}
			r := c.Request()
			if r.TLS != nil || secure || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
				h.Set("Strict-Transport-Security", "max-age=63072000")
			}
			if r.ContentLength > maxBodyBytes {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
					fmt.Sprintf("The request is larger than the %d KiB the console accepts.", maxBodyBytes>>10))
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(c.Response(), r.Body, maxBodyBytes)
			}
			return next(c)
		}
	}
}
