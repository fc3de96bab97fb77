package metrics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/breaker"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
)

// scrape returns the text exposition of m, as Prometheus would read it.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

// value reads one sample (name{labels}) from a scrape; -1 when absent.
func value(t *testing.T, out, name, labels string) float64 {
	t.Helper()
	series := name
	if labels != "" {
		series += "{" + labels + "}"
	}
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(out)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("%s: %v", series, err)
	}
	return v
}

func TestMiddleware_byRoutePatternAndStatus(t *testing.T) {
	m := New()
	e := echo.New()
	e.Use(middleware.Recover())
	e.Use(m.Middleware())
	e.GET("/users", func(c echo.Context) error { return c.String(200, "list") })
	e.GET("/users/:id", func(c echo.Context) error {
		switch c.Param("id") {
		case "0":
			return echo.NewHTTPError(http.StatusBadRequest, "no")
		case "13":
			panic("unlucky")
		}
		return c.String(200, "user")
	})

	statuses := map[string]int{}
	for _, path := range []string{"/users/7", "/users/8", "/users/0", "/users/13", "/users?q=jane.doe%40example.com", "/no/such/page"} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		statuses[path] = rec.Code
	}
	if statuses["/users/0"] != 400 || statuses["/users/13"] != 500 {
		t.Fatalf("the middleware changed what was sent: %v", statuses)
	}
	out := scrape(t, m)
	cases := []struct {
		route, status string
		want          float64
	}{
		{"/users/:id", "200", 2},
		{"/users/:id", "400", 1},
		{"/users/:id", "500", 1}, // the panic, still recovered by Recover
		{"/users", "200", 1},
		{"unmatched", "404", 1},
	}
	for _, tc := range cases {
		labels := `method="GET",route="` + tc.route + `",status="` + tc.status + `"`
		if n := value(t, out, "helpdesk_http_request_duration_seconds_count", labels); n != tc.want {
			t.Errorf("%s: %v requests, want %v", labels, n, tc.want)
		}
	}
	for _, leak := range []string{"jane", "/users/7", "/no/such/page"} {
		if strings.Contains(out, leak) {
			t.Errorf("metrics show %q: labels must be route patterns", leak)
		}
	}
}

// A client chooses the method; the label must not let it choose how many
// series the console keeps.
func TestMiddleware_methodLabelIsBounded(t *testing.T) {
	m := New()
	e := echo.New()
	e.Use(m.Middleware())
	e.Any("/users", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	send := func(method string) {
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, "/users", nil))
	}
	// byMethod sums the request counts per method label, over every route
	// and status (a made-up method may be answered 405).
	series := regexp.MustCompile(`(?m)^helpdesk_http_request_duration_seconds_count\{method="([^"]*)",[^}]*\} (\S+)$`)
	byMethod := func() map[string]float64 {
		out := map[string]float64{}
		for _, s := range series.FindAllStringSubmatch(scrape(t, m), -1) {
			n, _ := strconv.ParseFloat(s[2], 64)
			out[s[1]] += n
		}
		return out
	}
	cases := []struct{ method, label string }{
		{"GET", "GET"}, {"HEAD", "HEAD"}, {"POST", "POST"}, {"PUT", "PUT"}, {"PATCH", "PATCH"},
		{"DELETE", "DELETE"}, {"OPTIONS", "OPTIONS"}, {"TRACE", "TRACE"},
		{"get", "other"}, // methods are case-sensitive
		{"PROPFIND", "other"},
		{"X-" + strings.Repeat("A", 200), "other"},
	}
	for _, tc := range cases {
		t.Run(tc.method[:min(len(tc.method), 12)], func(t *testing.T) {
			before := byMethod()
			send(tc.method)
			after := byMethod()
			if after[tc.label] != before[tc.label]+1 || len(after) > len(before)+1 {
				t.Errorf("%.20s: counted as %v, want one more %q", tc.method, after, tc.label)
			}
		})
	}

	for i := range 2000 {
		send("M" + strconv.Itoa(i))
	}
	got := byMethod()
	if len(got) > 10 {
		t.Errorf("%d method label values after 2,000 made-up methods, want at most 10 (HTTP's nine and other)", len(got))
	}
	if got["other"] < 2000 {
		t.Errorf("other = %v, want the 2,000 made-up methods and more", got["other"])
	}
}

func TestObserver_withClientAndFakeTenant(t *testing.T) {
	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: 20})
	defer fake.Close()
	m := New()
	c, err := client.New(fake.URL, fake.ClientID, fake.ClientSecret, client.WithObserver(m))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.GetUser(ctx, 1); err != nil && !errors.Is(err, client.ErrNotFound) {
		t.Fatal(err)
	}
	fake.Tenant.FailNext(1, 503)
	if _, _, err := c.ListUsers(ctx, client.ListUsersQuery{Limit: 1}); !errors.Is(err, client.ErrUnavailable) {
		t.Fatalf("ListUsers: %v", err)
	}
	fake.Tenant.ExpireAllTokens()
	fake.Tenant.FailNextToken(1, 500)
	if _, _, err := c.ListUsers(ctx, client.ListUsersQuery{Limit: 1}); err == nil {
		t.Fatal("ListUsers succeeded with the token endpoint failing")
	}
	// One more list: a fresh token, and the rate-limit headers.
	if _, _, err := c.ListUsers(ctx, client.ListUsersQuery{Limit: 1}); err != nil {
		t.Fatal(err)
	}

	out := scrape(t, m)
	checks := []struct {
		name, labels string
		want         float64
	}{
		{"helpdesk_onelogin_request_duration_seconds_count", `op="ListUsers",status="503"`, 1},
		{"helpdesk_onelogin_request_duration_seconds_count", `op="ListUsers",status="200"`, 1},
		{"helpdesk_onelogin_request_duration_seconds_count", `op="Token",status="500"`, 1},
		{"helpdesk_onelogin_token_fetches_total", `outcome="ok"`, 2},
		{"helpdesk_onelogin_token_fetches_total", `outcome="error"`, 1},
		{"helpdesk_onelogin_rate_limit_limit", "", fakeonelogin.DefaultRateLimitPerHour},
	}
	for _, tc := range checks {
		if got := value(t, out, tc.name, tc.labels); got != tc.want {
			t.Errorf("%s{%s} = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	rem := value(t, out, "helpdesk_onelogin_rate_limit_remaining", "")
	if want := float64(c.RateLimit().Remaining); rem != want || rem >= fakeonelogin.DefaultRateLimitPerHour {
		t.Errorf("rate limit remaining %v, client says %v", rem, want)
	}
	if strings.Contains(out, fake.ClientSecret) || strings.Contains(out, fake.URL) {
		t.Error("metrics show the tenant URL or the secret")
	}
}

func TestObserveCall_noAnswer(t *testing.T) {
	m := New()
	m.ObserveCall("GetUser", 0, 3*time.Second)
	out := scrape(t, m)
	if got := value(t, out, "helpdesk_onelogin_request_duration_seconds_count", `op="GetUser",status="none"`); got != 1 {
		t.Errorf("no-answer call counted %v times", got)
	}
	if got := value(t, out, "helpdesk_onelogin_request_duration_seconds_bucket", `op="GetUser",status="none",le="2.5"`); got != 0 {
		t.Errorf("3 s call in the 2.5 s bucket: %v", got)
	}
}

func TestWatchBreaker(t *testing.T) {
	m := New()
	now := time.Now()
	b := breaker.New(breaker.Options{Failures: 1, OpenFor: time.Minute, Now: func() time.Time { return now }, OnReject: m.BreakerRejected})
	m.WatchBreaker(b.State)

	state := func() map[string]float64 {
		out := scrape(t, m)
		got := map[string]float64{}
		for _, s := range []string{"closed", "half-open", "open"} {
			got[s] = value(t, out, "helpdesk_onelogin_breaker_state", `state="`+s+`"`)
		}
		got["rejected"] = value(t, out, "helpdesk_onelogin_breaker_rejected_total", "")
		return got
	}
	if got := state(); got["closed"] != 1 || got["open"] != 0 || got["half-open"] != 0 || got["rejected"] != 0 {
		t.Errorf("new breaker: %v", got)
	}
	done, _ := b.Allow()
	done(breaker.Failure)
	b.Allow()
	b.Allow()
	if got := state(); got["closed"] != 0 || got["open"] != 1 || got["rejected"] != 2 {
		t.Errorf("open breaker: %v", got)
	}
	now = now.Add(time.Minute)
	if got := state(); got["half-open"] != 1 || got["open"] != 0 {
		t.Errorf("after the open period: %v", got)
	}
}

func TestAudit_countsFailedWritesAndPassesReadsThrough(t *testing.T) {
	m := New()
	inner := audittest.NewFailing(audittest.NewMemory(nil))
	s := m.Audit(inner)
	ctx := context.Background()
	rec := audit.Record{ActorEmail: "a@example.com", Action: "unlock", TargetID: 7}

	id, err := s.Begin(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeSucceeded, Status: 200}); err != nil {
		t.Fatal(err)
	}
	inner.Fail(true)
	if _, err := s.Begin(ctx, rec); !errors.Is(err, audit.ErrUnavailable) {
		t.Fatalf("Begin: %v", err)
	}
	if _, err := s.Begin(ctx, rec); err == nil {
		t.Fatal("Begin succeeded")
	}
	if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeFailed}); err == nil {
		t.Fatal("Complete succeeded")
	}
	inner.Fail(false)
	recs, err := s.ForTarget(ctx, 7, 10)
	if err != nil || len(recs) != 1 || recs[0].Outcome != audit.OutcomeSucceeded {
		t.Errorf("ForTarget through the wrapper: %v %+v", err, recs)
	}

	out := scrape(t, m)
	if got := value(t, out, "helpdesk_audit_write_failures_total", `op="begin"`); got != 2 {
		t.Errorf("begin failures %v, want 2", got)
	}
	if got := value(t, out, "helpdesk_audit_write_failures_total", `op="complete"`); got != 1 {
		t.Errorf("complete failures %v, want 1", got)
	}
}

func TestNew_ownRegistryWithRuntimeMetrics(t *testing.T) {
	a, b := New(), New() // two in one process: no duplicate registration
	a.ObserveTokenFetch(nil)
	out := scrape(t, b)
	if got := value(t, out, "helpdesk_onelogin_token_fetches_total", `outcome="ok"`); got != 0 {
		t.Errorf("registries share state: %v", got)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if !strings.Contains(out, "\n"+name+" ") {
			t.Errorf("no %s", name)
		}
	}
}
