package health

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/breaker"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/client/onelogintest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a console-like server: probes on echo, a client on a fake tenant.
type fixture struct {
	fake  *onelogintest.Server
	clock *clock
	srv   *httptest.Server
}

func newFixture(t *testing.T, o Options, hc *http.Client) *fixture {
	t.Helper()
	fake := onelogintest.NewServer(onelogintest.Options{Seed: 1, Users: 20})
	t.Cleanup(fake.Close)
	opts := []client.Option{client.WithTimeout(5 * time.Second)}
	if hc != nil {
		opts = append(opts, client.WithHTTPClient(hc))
	}
	c, err := client.New(fake.URL, fake.ClientID, fake.ClientSecret, opts...)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now()}
	o.Now = clk.now
	e := echo.New()
	New(OneLogin(c), o).Routes(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &fixture{fake: fake, clock: clk, srv: srv}
}

func (f *fixture) get(t *testing.T, method, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s %s: Cache-Control %q", method, path, cc)
	}
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func (f *fixture) rateLimitCalls() int { return f.fake.Tenant.CallCount("GET", "/auth/rate_limit") }

func TestLive(t *testing.T) {
	f := newFixture(t, Options{}, nil)
	f.fake.Tenant.FailNextToken(100, 500) // liveness never asks OneLogin
	if code, body := f.get(t, "GET", "/healthz"); code != 200 || body != "ok" {
		t.Errorf("GET /healthz: %d %q", code, body)
	}
	if code, body := f.get(t, "HEAD", "/healthz"); code != 200 || body != "" {
		t.Errorf("HEAD /healthz: %d %q", code, body)
	}
	if n := len(f.fake.Tenant.Calls()); n != 0 {
		t.Errorf("liveness made %d OneLogin calls", n)
	}
}

func TestReady_cachedForTheCachePeriod(t *testing.T) {
	f := newFixture(t, Options{}, nil)
	if code, body := f.get(t, "GET", "/readyz"); code != 200 || body != "ready" {
		t.Fatalf("GET /readyz: %d %q", code, body)
	}
	if n := f.fake.Tenant.CallCount("POST", "/auth/oauth2/v2/token"); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	f.clock.advance(9 * time.Second)
	for range 5 {
		if code, _ := f.get(t, "HEAD", "/readyz"); code != 200 {
			t.Fatalf("HEAD /readyz: %d", code)
		}
	}
	if n := f.rateLimitCalls(); n != 1 {
		t.Errorf("%d OneLogin calls within 10 s, want 1", n)
	}
	f.clock.advance(time.Second)
	f.get(t, "GET", "/readyz")
	if n := f.rateLimitCalls(); n != 2 {
		t.Errorf("%d OneLogin calls after 10 s, want 2", n)
	}
}

func TestReady_failuresAndTheirReasons(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(*onelogintest.Tenant)
		reason string
	}{
		{"credential refused", func(tn *onelogintest.Tenant) { tn.FailNextToken(1, 401) },
			"not ready: OneLogin answered the token request with HTTP 401"},
		{"resource call fails", func(tn *onelogintest.Tenant) { tn.FailNext(1, 503) },
			"not ready: OneLogin answered the rate-limit call with HTTP 503"},
		// Twice: Go's transport retries a GET once when a reused connection drops.
		{"connection dropped", func(tn *onelogintest.Tenant) { tn.DropNext(2) },
			"not ready: OneLogin could not be reached for the rate-limit call"},
		{"too slow", func(tn *onelogintest.Tenant) { tn.SetLatency(300 * time.Millisecond) },
			"not ready: OneLogin did not answer within 100ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{Timeout: 100 * time.Millisecond}, nil)
			tc.break_(f.fake.Tenant)
			code, body := f.get(t, "GET", "/readyz")
			if code != 503 || body != tc.reason {
				t.Errorf("GET /readyz: %d %q, want 503 %q", code, body, tc.reason)
			}
			if strings.Contains(body, f.fake.URL) || strings.Contains(body, f.fake.ClientSecret) {
				t.Errorf("reason shows the tenant URL or secret: %q", body)
			}
			// A failure is cached too: OneLogin recovers, the answer waits.
			f.fake.Tenant.SetLatency(0)
			time.Sleep(300 * time.Millisecond) // let an abandoned slow token request finish
			if code, _ := f.get(t, "GET", "/readyz"); code != 503 {
				t.Errorf("failure not cached: %d", code)
			}
			f.clock.advance(10 * time.Second)
			if code, body := f.get(t, "GET", "/readyz"); code != 200 {
				t.Errorf("after recovery: %d %q", code, body)
			}
		})
	}
}

func TestReady_breakerOpen(t *testing.T) {
	b := breaker.New(breaker.Options{Upstream: "OneLogin", Failures: 1, OpenFor: time.Minute})
	done, _ := b.Allow()
	done(breaker.Failure)
	f := newFixture(t, Options{}, &http.Client{Timeout: 5 * time.Second, Transport: b.Transport(nil)})
	code, body := f.get(t, "GET", "/readyz")
	if want := "not ready: OneLogin has failed repeatedly; the console stopped asking for 1m0s"; code != 503 || body != want {
		t.Errorf("GET /readyz: %d %q, want 503 %q", code, body, want)
	}
	if n := len(f.fake.Tenant.Calls()); n != 0 {
		t.Errorf("%d OneLogin calls through an open breaker", n)
	}
}

func TestReady_concurrentProbesShareOneCheck(t *testing.T) {
	f := newFixture(t, Options{}, nil)
	f.fake.Tenant.SetLatency(100 * time.Millisecond)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if code, body := f.get(t, "GET", "/readyz"); code != 200 {
				t.Errorf("GET /readyz: %d %q", code, body)
			}
		})
	}
	wg.Wait()
	if n := f.rateLimitCalls(); n != 1 {
		t.Errorf("20 concurrent probes made %d OneLogin calls, want 1", n)
	}
}

func TestCheck_callerGivesUpRunContinues(t *testing.T) {
	release := make(chan struct{})
	runs := 0
	p := New(func(ctx context.Context) error {
		runs++
		<-release
		return nil
	}, Options{Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.Check(ctx); err == nil {
		t.Fatal("a caller that gave up got a verdict")
	}
	close(release)
	if err := p.Check(context.Background()); err != nil {
		t.Errorf("after the run: %v", err)
	}
	if runs != 1 {
		t.Errorf("%d runs, want 1", runs)
	}
}

func TestReason_unknownErrorSaysNothingMore(t *testing.T) {
	err := reason("token request", errors.New("dial tcp https://secret@host: boom"))
	if err.Error() != "OneLogin token request failed" {
		t.Errorf("reason %q", err)
	}
}
