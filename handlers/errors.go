package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/breaker"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/quota"
	"onelogin-helpdesk/views"
)

// StatusClientClosedRequest is the status recorded (in the access log and
// metrics) for a request the browser cancelled before the answer was ready;
// nginx's 499.
const StatusClientClosedRequest = 499

// problem is an error with a status and a message that is safe to show.
// Handlers return one when they know what went wrong in words; anything
// else becomes a generic 500 whose detail only reaches the log.
type problem struct {
	Status  int
	Heading string
	Message string
	Err     error // internal detail for the log; never shown
}

func (p *problem) Error() string {
	if p.Err != nil {
		return fmt.Sprintf("%d %s: %v", p.Status, p.Message, p.Err)
	}
	return fmt.Sprintf("%d %s", p.Status, p.Message)
}

func (p *problem) Unwrap() error { return p.Err }

func notFound(msg string) *problem {
	return &problem{Status: http.StatusNotFound, Heading: "Not found", Message: msg}
}

func badRequest(msg string) *problem {
	return &problem{Status: http.StatusBadRequest, Heading: "Bad request", Message: msg}
}

// clip shortens typed input quoted back in a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

func forbidden(msg string) *problem {
	return &problem{Status: http.StatusForbidden, Heading: "Not allowed", Message: msg}
}

// upstream describes a failure of OneLogin itself (not of the person's
// input) as a page-wide banner: unreachable, rate limited, credential refused.
// It returns nil for errors that belong beside a form.
func (h *Handler) upstream(err error) (*views.Banner, int) {
	var rl *client.RateLimitError
	var open *breaker.OpenError
	var q *quota.ExceededError
	switch {
	case errors.As(err, &q) && q.Reason == quota.ReasonReserve:
		return &views.Banner{Kind: "warning",
			Message: "OneLogin's hourly quota for this console is nearly used up, so searches and page loads are paused to keep the rest for account actions. Nothing was changed by this request.",
			RetryAt: q.RetryAt.In(h.loc)}, http.StatusTooManyRequests
	case errors.As(err, &q):
		return &views.Banner{Kind: "warning",
			Message: fmt.Sprintf("You have used your budget of %d OneLogin calls for this hour, which keeps the tenant's shared quota for everyone. Nothing was changed by this request.", q.Limit),
			RetryAt: q.RetryAt.In(h.loc)}, http.StatusTooManyRequests
	case errors.As(err, &open):
		// The breaker refused the call without asking OneLogin; its own
		// words say so, and when it will try again.
		return &views.Banner{Kind: "error",
			Message: open.Error() + ". Nothing was changed by this request.",
			RetryAt: open.Until.In(h.loc)}, http.StatusServiceUnavailable
	case errors.As(err, &rl) && !rl.Hourly:
		// A v2 endpoint's own throttle: it says when to come back, and the
		// hourly v1 quota has nothing to do with it.
		return &views.Banner{Kind: "warning",
			Message: "OneLogin is throttling this kind of request for a moment. Nothing was changed by this request.",
			RetryAt: h.now().Add(rl.RetryAfter).In(h.loc)}, http.StatusServiceUnavailable
	case errors.As(err, &rl):
		return &views.Banner{Kind: "warning",
			Message: "OneLogin's hourly API quota for this console is used up.",
			RetryAt: h.now().Add(rl.RetryAfter).In(h.loc)}, http.StatusServiceUnavailable
	case errors.Is(err, client.ErrRateLimited):
		b := &views.Banner{Kind: "warning", Message: "OneLogin is rate limiting this console."}
		if rl := h.ol.RateLimit(); rl.Reset > 0 {
			b.RetryAt = h.now().Add(rl.Reset).In(h.loc)
		}
		return b, http.StatusServiceUnavailable
	case errors.Is(err, client.ErrUnavailable):
		return &views.Banner{Kind: "error",
			Message: "OneLogin did not answer or failed. Nothing was changed by this request; try again in a minute.",
			RetryAt: h.now().Add(time.Minute).In(h.loc)}, http.StatusBadGateway
	case errors.Is(err, client.ErrUnauthorized):
		return &views.Banner{Kind: "error",
			Message: "OneLogin refused the console's API credential. Ask whoever runs the console to check it."}, http.StatusBadGateway
	}
	return nil, 0
}

// errorHandler is the one place that turns an error into a response: the
// status, the page or fragment, and the log level (5xx error, 4xx warning).
func (h *Handler) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(c.Request().Context().Err(), context.Canceled) {
		// The browser gave up (htmx cancels a superseded search): nobody
		// reads an answer, and nothing failed on our side or OneLogin's.
		_ = c.NoContent(StatusClientClosedRequest)
		return
	}
	status, heading, message := http.StatusInternalServerError, "Something went wrong",
		"The console hit an unexpected error. Nothing more is known here; quote the reference below if you report it."
	var banner *views.Banner

	var p *problem
	var he *echo.HTTPError
	switch {
	case errors.As(err, &p):
		status, heading, message = p.Status, p.Heading, p.Message
	case errors.As(err, &he):
		status = he.Code
		heading = http.StatusText(he.Code)
		message = httpErrorMessage(he)
	default:
		if b, st := h.upstream(err); b != nil {
			banner, status, heading, message = b, st, "OneLogin is not available", b.Message
		} else if errors.Is(err, client.ErrNotFound) {
			status, heading, message = http.StatusNotFound, "Not found", "OneLogin has no such user."
		} else if errors.Is(err, client.ErrForbidden) {
			status, heading, message = http.StatusForbidden, "Not allowed",
				"OneLogin does not let the console's credential access this user."
		}
	}

	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	h.log.Log(c.Request().Context(), level, "request failed",
		"status", status, "method", c.Request().Method, "path", c.Path(),
		"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err.Error())

	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	pg := h.page(c, heading, "")
	if isHTMX(c) {
		// An htmx swap would put a whole page inside a fragment: answer with the
		// banner instead, retargeted to the top of the page.
		if banner == nil {
			banner = &views.Banner{Kind: "error", Message: message}
		}
		c.Response().Header().Set(hxRetarget, "#banner")
		c.Response().Header().Set(hxReswap, "innerHTML")
		_ = h.write(c, status, views.BannerView(banner))
		return
	}
	pg.Banner = banner
	_ = h.render(c, status, pg, views.ErrorPage(status, heading, message, pg.RequestID))
}

func httpErrorMessage(he *echo.HTTPError) string {
	switch he.Code {
	case http.StatusNotFound:
		return "There is no page at this address."
	case http.StatusMethodNotAllowed:
		return "This address does not accept that kind of request."
	case http.StatusRequestEntityTooLarge:
		return "The request was too large."
	case http.StatusUnauthorized:
		return "Sign in to use the console."
	case http.StatusForbidden:
		return "You are not allowed to do that."
	}
	if m, ok := he.Message.(string); ok && he.Code < 500 {
		return m
	}
	return http.StatusText(he.Code)
}
