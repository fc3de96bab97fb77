package handlers

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/client"
)

// withRequestID carries the request id into the request's context, so every
// OneLogin call made for it sends the same X-Request-Id and logs can be joined.
func (h *Handler) withRequestID(c echo.Context, id string) {
	r := c.Request()
	c.SetRequest(r.WithContext(client.WithRequestID(r.Context(), id)))
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
