package staffauth

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// ContentSecurityPolicy is the policy SecurityHeaders sends: no inline
// script or style anywhere, images from the console, data: URLs, https and
// cfg.ImgSources (app icons come from the tenant), forms only to the
// console and the OIDC issuer, framing per cfg.FrameAncestors.
func ContentSecurityPolicy(cfg Config) string {
	cfg = cfg.withDefaults()
	img := append([]string{"'self'", "data:", "https:"}, cfg.ImgSources...)
	form := []string{"'self'"}
	if o := origin(cfg.OIDCIssuer); o != "" && cfg.Mode == ModeOIDC {
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
		"frame-ancestors " + strings.Join(cfg.FrameAncestors, " "),
	}, "; ")
}

// SecurityHeaders sets the security headers on every response and caps the
// request body at cfg.MaxBodyBytes (413 beyond it).
func SecurityHeaders(cfg Config) echo.MiddlewareFunc {
	cfg = cfg.withDefaults()
	csp := ContentSecurityPolicy(cfg)
	limit := cfg.MaxBodyBytes
	secure := cfg.SecureCookies
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if cfg.FrameAncestors[0] == "'none'" {
				h.Set("X-Frame-Options", "DENY") // for browsers without CSP level 2
			}
			r := c.Request()
			if r.TLS != nil || secure || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
				h.Set("Strict-Transport-Security", "max-age=63072000")
			}
			if r.ContentLength > limit {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
					fmt.Sprintf("The request is larger than the %d KiB the console accepts.", limit>>10))
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
			}
			return next(c)
		}
	}
}
