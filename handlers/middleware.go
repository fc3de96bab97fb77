package handlers

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/quota"
)

// requestID gives every request an id, answers it in X-Request-Id and
// carries it into the request's context, so every OneLogin call made for it
// sends the same X-Request-Id and logs and the audit trail can be joined.
// The client's own id is kept when it is a plain token, so a load
// balancer's or a load generator's id joins up too; anything else (too
// long, spaces, quotes, non-ASCII) is replaced by a fresh one, since the id
// goes into logs, pages, the audit trail and OneLogin's headers.
func (h *Handler) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		id := r.Header.Get(echo.HeaderXRequestID)
		if !validRequestID(id) {
			id = rand.Text()
			r.Header.Set(echo.HeaderXRequestID, id)
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		c.SetRequest(r.WithContext(client.WithRequestID(r.Context(), id)))
		return next(c)
	}
}

// validRequestID reports whether id matches [A-Za-z0-9._-]{1,64}.
func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

// accessLog writes one structured line per request. It logs the route
// pattern rather than the raw URL, whose query may hold a search term.
func (h *Handler) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		level := slog.LevelInfo
		switch {
		case status == StatusClientClosedRequest:
			level = slog.LevelDebug
		case status >= 500:
			level = slog.LevelError
		case status >= 400:
			level = slog.LevelWarn
		}
		h.log.LogAttrs(c.Request().Context(), level, "request",
			slog.String("method", c.Request().Method),
			slog.String("route", c.Path()),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
			slog.Bool("htmx", isHTMX(c)),
		)
		return nil
	}
}

// plainText refuses a request whose query or form holds anything but plain
// single-line text: invalid UTF-8, NUL or another control character (CR and
// LF included; no field of the console is multi-line). Nothing has been
// read or changed by then, and the answer names the field.
func (h *Handler) plainText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		values := c.QueryParams()
		if c.Request().Method == http.MethodPost {
			form, err := c.FormParams()
			if err != nil {
				return badRequest("The form could not be read. Reload the page and try again.")
			}
			values = form // holds the query's values too
		}
		for name, vs := range values {
			if !plain(name) {
				return badRequest("The request has a field name that is not plain text. Nothing was changed.")
			}
			for _, v := range vs {
				if !plain(v) {
					return badRequest(fmt.Sprintf("“%s” holds a control character, a line break or bytes that are not text. Type it again; nothing was changed.", clip(fieldLabel(name))))
				}
			}
		}
		return next(c)
	}
}

// plain reports whether s is valid UTF-8 without control characters.
func plain(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// fieldLabel is a field's name as a person reads it.
func fieldLabel(name string) string {
	name = strings.TrimPrefix(name, "attr.")
	return strings.ReplaceAll(name, "_", " ")
}

// chargeTo charges the OneLogin calls a request makes to the person making
// it (quota.Budgets, in the client's transport). A request that changes an
// account may draw on the reserve kept for account actions.
func (h *Handler) chargeTo(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if who, ok := h.identity(r.Context()); ok {
			caller := quota.Caller{Key: selfKey(who.Email), Role: who.Role, Action: r.Method == http.MethodPost}
			c.SetRequest(r.WithContext(quota.WithCaller(r.Context(), caller)))
		}
		return next(c)
	}
}
