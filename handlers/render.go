package handlers

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/views"
)

// htmx request and response headers, typed once.
const (
	hxRequest  = "HX-Request"
	hxBoosted  = "HX-Boosted"
	hxTarget   = "HX-Target"
	hxRetarget = "HX-Retarget"
	hxReswap   = "HX-Reswap"
	hxPushURL  = "HX-Push-Url"
	hxRedirect = "HX-Redirect"
	hxTrigger  = "HX-Trigger"
)

// isHTMX reports whether htmx sent the request.
func isHTMX(c echo.Context) bool { return c.Request().Header.Get(hxRequest) == "true" }

// wantsFragment reports whether to answer with a fragment rather than a page:
// htmx asked, and not as a boosted navigation (which wants a whole page).
func wantsFragment(c echo.Context) bool {
	return isHTMX(c) && c.Request().Header.Get(hxBoosted) != "true"
}

// hxTargetIs reports whether htmx will swap the answer into the element with this id.
func hxTargetIs(c echo.Context, id string) bool { return c.Request().Header.Get(hxTarget) == id }

// render answers with the whole page for a normal request and just the
// fragment for an htmx one; both come from the same component, so they
// cannot drift apart. Vary tells caches that the two differ.
func (h *Handler) render(c echo.Context, status int, page views.Page, body templ.Component) error {
	c.Response().Header().Add("Vary", hxRequest)
	comp := body
	if !wantsFragment(c) {
		comp = views.Layout(page, body)
	}
	return h.write(c, status, comp)
}

// fragment answers an htmx request with a component that is not the page's
// body (a table row, a panel with out-of-band parts), saying that the answer
// depends on the htmx header as render does.
func (h *Handler) fragment(c echo.Context, status int, comp templ.Component) error {
	c.Response().Header().Add("Vary", hxRequest)
	return h.write(c, status, comp)
}

// write answers with one component as it is. It renders into a buffer
// first, so a rendering error reaches the central error handler instead of
// cutting a page in half, and the answer goes out in one write with its length.
func (h *Handler) write(c echo.Context, status int, comp templ.Component) error {
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			renderBuffers.Put(buf)
		}
	}()
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	hdr.Set(echo.HeaderCacheControl, "no-store")
	hdr.Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// renderBuffers are reused across requests; one that grew past
// maxPooledBuffer (a huge page) is left to the garbage collector.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuffer = 1 << 20

// page builds the layout model every page shares.
func (h *Handler) page(c echo.Context, title, nav string) views.Page {
	ctx := c.Request().Context()
	id, ok := h.identity(ctx)
	return views.Page{
		Title:          title,
		Identity:       id,
		SignedIn:       ok,
		CSRFToken:      h.csrf(ctx),
		Nav:            nav,
		RequestID:      c.Response().Header().Get(echo.HeaderXRequestID),
		SignOutURL:     h.signOutURL,
		Demo:           h.demo,
		PasswordPolicy: h.passwordPolicy,
		RequireTicket:  h.requireTicket,
		Ticket:         h.workingTicket(c),
		TicketURL:      h.ticketURL,
		Reports:        ok && h.reports != nil && h.mayReadReports(id),
		Path:           c.Request().URL.RequestURI(),
	}
}

// home sends staff to search and employees to their own account.
func (h *Handler) home(c echo.Context) error {
	id, _ := h.identity(c.Request().Context())
	if id.Role.Can(access.Search) {
		return c.Redirect(http.StatusSeeOther, "/users")
	}
	return c.Redirect(http.StatusSeeOther, "/me")
}
