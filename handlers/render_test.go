package handlers_test

import (
	"strconv"
	"testing"

	"onelogin-helpdesk/access"
)

// TestRender_oneWholeAnswer: pages and fragments go out whole, with their
// length, not to be cached, and varying on HX-Request.
func TestRender_oneWholeAnswer(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	for _, tc := range []struct {
		target string
		htmx   bool
	}{{"/users?q=marg", false}, {"/users?q=marg", true}, {"/users/30100052", false}} {
		rec := c.do("GET", tc.target, nil, tc.htmx)
		if rec.Code != 200 {
			t.Fatalf("%s: %d", tc.target, rec.Code)
		}
		if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("%s: Content-Length %q for a body of %d bytes", tc.target, got, rec.Body.Len())
		}
		if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Vary") != "HX-Request" {
			t.Errorf("%s: Cache-Control %q, Vary %q", tc.target, rec.Header().Get("Cache-Control"), rec.Header().Get("Vary"))
		}
	}
}
