package handlers

import (
	"crypto/rand"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/client"
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
