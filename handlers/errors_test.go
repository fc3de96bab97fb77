package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/breaker"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// TestBreakerOpen_saysSoAndWhen: once the circuit breaker in front of
// OneLogin opens, a page says in the breaker's words that the console
// stopped asking, and when it will try again, with a 503, without calling
// OneLogin.
func TestBreakerOpen_saysSoAndWhen(t *testing.T) {
	b := breaker.New(breaker.Options{Upstream: "OneLogin", Failures: 1, OpenFor: 10 * time.Minute})
	loc := time.FixedZone("Lab", 2*60*60)
	c := newConsole(t, access.RoleViewer, withFront(b.Transport), withConfig(func(cfg *handlers.Config) { cfg.Location = loc }))
	get := func(target string, htmx bool) *httptest.ResponseRecorder {
		if htmx {
			return c.getHX(target, "search-results")
		}
		return c.get(target)
	}
	page := "/users/" + id(fakeonelogin.PersonaAdminID)
	if rec := get(page, false); rec.Code != 200 {
		t.Fatalf("before any failure: %d", rec.Code)
	}
	c.fake.Tenant.FailNext(5, http.StatusInternalServerError)
	if rec := get("/users?q="+id(fakeonelogin.PersonaAdminID), true); rec.Code != http.StatusBadGateway {
		t.Fatalf("the failing call: %d, want 502", rec.Code)
	}
	if b.State() != breaker.Open {
		t.Fatalf("breaker %s after a failure, want open", b.State())
	}

	c.fake.Tenant.ResetCalls()
	opened := time.Now()
	for _, htmx := range []bool{false, true} {
		target := page
		if htmx {
			target = "/users?q=ann"
		}
		rec := get(target, htmx)
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("htmx %v: status %d, want 503", htmx, rec.Code)
		}
		d := doc(t, rec)
		banner := text(d, `[data-testid="banner"]`)
		want := "OneLogin has failed repeatedly; the console stopped asking for 10m0s. Nothing was changed by this request."
		if !strings.Contains(banner, want) {
			t.Errorf("htmx %v: banner %q, want %q", htmx, banner, want)
		}
		retry, err := time.Parse(time.RFC3339, d.Find(`[data-testid="banner"] time`).AttrOr("datetime", ""))
		if err != nil || retry.Before(opened.Add(9*time.Minute)) || retry.After(time.Now().Add(10*time.Minute)) {
			t.Errorf("htmx %v: retry at %v (%v), want about ten minutes from now", htmx, retry, err)
		}
		if shown := d.Find(`[data-testid="banner"] time`).Text(); shown != retry.In(loc).Format("15:04") {
			t.Errorf("htmx %v: retry shown as %q, want %s in the console's time zone", htmx, shown, retry.In(loc).Format("15:04"))
		}
		if htmx && rec.Header().Get("HX-Retarget") != "#banner" {
			t.Error("htmx answer not retargeted to the banner")
		}
	}
	if n := len(c.fake.Tenant.Calls()); n != 0 {
		t.Errorf("OneLogin was called %d times while the breaker was open", n)
	}
}

// TestCancelledRequest_isNotAnError: a request the browser gave up on (htmx
// cancels a superseded search) is recorded as 499 at debug level, never as
// a 502 error.
func TestCancelledRequest_isNotAnError(t *testing.T) {
	con := newConsole(t, access.RoleViewer)
	// A token first, so that the only wait is the search's, which the
	// cancel ends (a token fetch is not the request's to cancel).
	con.http.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/users?q=warm", nil))
	ctx, cancel := context.WithCancel(context.Background())
	con.fake.Tenant.SetLatency(time.Minute) // the fake's clock: the call waits until cancelled
	req := httptest.NewRequest("GET", "/users?q=jonas", nil).WithContext(ctx)
	req.Header.Set("HX-Request", "true")
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { con.http.ServeHTTP(rec, req); close(done) }()
	cancel()
	<-done
	if rec.Code != handlers.StatusClientClosedRequest {
		t.Errorf("status %d, want 499", rec.Code)
	}
	logs := con.logBuf.String()
	if strings.Contains(logs, `"level":"ERROR"`) || strings.Contains(logs, `"level":"WARN"`) {
		t.Errorf("a cancelled request was logged as a failure:\n%s", logs)
	}
	if !strings.Contains(logs, `"level":"DEBUG","msg":"request"`) || !strings.Contains(logs, `"status":499`) {
		t.Errorf("no debug access line with 499:\n%s", logs)
	}
}
