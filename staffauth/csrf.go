package staffauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/config"
)

// Where a request carries its CSRF token: htmx sends the header (the
// layout's hx-headers), plain forms the hidden field.
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

type csrfKey struct{}

// CSRFToken returns the token that state-changing requests must carry, for
// templates. It is "" outside the CSRF middleware.
func CSRFToken(ctx context.Context) string {
	t, _ := ctx.Value(csrfKey{}).(string)
	return t
}

// errCSRF is the one answer to every CSRF failure: the person only needs to
// know to reload.
var errCSRF = echo.NewHTTPError(http.StatusForbidden,
	"This request could not be verified as coming from the console. Reload the page and try again.")

// CSRF checks every state-changing request (anything but GET, HEAD,
// OPTIONS and TRACE) for a same-origin Origin or Referer and for the
// session's CSRF token (in the X-CSRF-Token header or the csrf_token form
// field of the body, never the query string), and answers 403 when either is missing or wrong. On
// every request it makes sure the session has a CSRF secret and makes the
// token available to CSRFToken. Install it after Middleware.
func (a *Auth) CSRF() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			s := a.session(c)
			if s.err != nil {
				return errStoreUnavailable
			}
			if a.cfg.Auth.Mode == config.ModeProxy {
				// The proxy may hand the same browser to someone else: a
				// session, and its secret, belong to one person.
				if id, ok := IdentityFrom(r.Context()); ok {
					if err := a.proxySession(c, id); err != nil {
						if be := (*blockedError)(nil); errors.As(err, &be) {
							return a.problem(c, http.StatusForbidden, "Console access blocked", "An admin ended your console session: you cannot use the console until "+
								be.b.Until.UTC().Format("2 Jan 2006 15:04 MST")+", unless an admin lifts this sooner. Ask an admin if you need it now.")
						}
						return errStoreUnavailable
					}
				}
			}
			if s.csrf() == "" {
				// Signed out: the sign-in forms' secret lives in the cookie.
				s.cookie.CSRF = randomToken()
				s.cookieDirty = true
			}
			ctx := context.WithValue(r.Context(), csrfKey{}, s.csrf())
			if s.live {
				ctx = context.WithValue(ctx, sessionIDKey{}, s.id)
			}
			c.SetRequest(r.WithContext(ctx))

			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
				return next(c)
			}
			if reason := a.checkCSRF(c, s.csrf()); reason != "" {
				a.log.LogAttrs(r.Context(), slog.LevelWarn, "csrf check failed",
					slog.String("reason", reason), slog.String("method", r.Method),
					slog.String("path", r.URL.Path), slog.String("origin", r.Header.Get("Origin")))
				return errCSRF
			}
			return next(c)
		}
	}
}

// checkCSRF returns why a state-changing request fails, or "".
func (a *Auth) checkCSRF(c echo.Context, secret string) string {
	r := c.Request()
	allowed := []string{a.scheme(r) + "://" + strings.ToLower(r.Host)}
	if o := origin(a.cfg.PublicURL); o != "" {
		allowed = append(allowed, o)
	}
	same := func(o string) bool {
		for _, want := range allowed {
			if o == want {
				return true
			}
		}
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		if !same(origin(o)) { // "null" and garbage give "" and fail
			return "cross-origin Origin"
		}
	} else if ref := r.Header.Get("Referer"); ref != "" {
		if !same(origin(ref)) {
			return "cross-origin Referer"
		}
	} else {
		return "no Origin or Referer"
	}
	// Header or body only: a token in the query string ends up in access
	// logs, browser history and Referer headers.
	token := r.Header.Get(CSRFHeader)
	if token == "" {
		token = r.PostFormValue(CSRFField)
	}
	if token == "" {
		return "no token"
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(secret)) != 1 {
		return "wrong token"
	}
	return ""
}
