package health_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/breaker"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/health"
	"onelogin-helpdesk/internal/consoletest"
)

// fixture is the probes on echo, as the console serves them, checking a
// client of a fake tenant. Both are reached in process, without a socket,
// so a test can run in a testing/synctest bubble, where the cache period
// and OneLogin's latency pass in virtual time.
type fixture struct {
	fake *fakeonelogin.Tenant
	e    *echo.Echo
}

// fakeURL is where the client finds the fake tenant.
const fakeURL = "http://onelogin.test"

// newFixture builds the probes; front, when not nil, stands between the
// client and the fake.
func newFixture(t *testing.T, o health.Options, front func(http.RoundTripper) http.RoundTripper) *fixture {
	t.Helper()
	fake := fakeonelogin.NewTenant(fakeonelogin.Options{Seed: 1, Users: 20})
	transport := consoletest.InProcess(fake)
	if front != nil {
		transport = front(transport)
	}
	c, err := client.New(fakeURL, fake.ClientID(), fake.ClientSecret(),
		client.WithTimeout(5*time.Second), client.WithHTTPClient(&http.Client{Transport: transport}))
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	health.New(health.OneLogin(c), o).Routes(e)
	return &fixture{fake: fake, e: e}
}

func (f *fixture) get(t *testing.T, method, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	f.e.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s %s: Cache-Control %q", method, path, cc)
	}
	return rec.Code, strings.TrimSpace(rec.Body.String())
}

func (f *fixture) rateLimitCalls() int { return f.fake.CallCount("GET", "/auth/rate_limit") }

func TestLive(t *testing.T) {
	f := newFixture(t, health.Options{}, nil)
	f.fake.FailNextToken(100, 500) // liveness never asks OneLogin
	if code, body := f.get(t, "GET", "/healthz"); code != 200 || body != "ok" {
		t.Errorf("GET /healthz: %d %q", code, body)
	}
	if code, body := f.get(t, "HEAD", "/healthz"); code != 200 || body != "" {
		t.Errorf("HEAD /healthz: %d %q", code, body)
	}
	if n := len(f.fake.Calls()); n != 0 {
		t.Errorf("liveness made %d OneLogin calls", n)
	}
}

func TestReady_cachedForTheCachePeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, health.Options{}, nil)
		if code, body := f.get(t, "GET", "/readyz"); code != 200 || body != "ready" {
			t.Fatalf("GET /readyz: %d %q", code, body)
		}
		if n := f.fake.CallCount("POST", "/auth/oauth2/v2/token"); n != 1 {
			t.Errorf("%d token requests, want 1", n)
		}
		time.Sleep(9 * time.Second)
		for range 5 {
			if code, _ := f.get(t, "HEAD", "/readyz"); code != 200 {
				t.Fatalf("HEAD /readyz: %d", code)
			}
		}
		if n := f.rateLimitCalls(); n != 1 {
			t.Errorf("%d OneLogin calls within 10 s, want 1", n)
		}
		time.Sleep(time.Second)
		f.get(t, "GET", "/readyz")
		if n := f.rateLimitCalls(); n != 2 {
			t.Errorf("%d OneLogin calls after 10 s, want 2", n)
		}
	})
}

func TestReady_failuresAndTheirReasons(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(*fakeonelogin.Tenant)
		reason string
	}{
		{"credential refused", func(tn *fakeonelogin.Tenant) { tn.FailNextToken(1, 401) },
			"not ready: OneLogin answered the token request with HTTP 401"},
		{"resource call fails", func(tn *fakeonelogin.Tenant) { tn.FailNext(1, 503) },
			"not ready: OneLogin answered the rate-limit call with HTTP 503"},
		{"connection dropped", func(tn *fakeonelogin.Tenant) { tn.DropNext(1) },
			"not ready: OneLogin could not be reached for the rate-limit call"},
		{"too slow", func(tn *fakeonelogin.Tenant) { tn.SetLatency(300 * time.Millisecond) },
			"not ready: OneLogin did not answer within 100ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, health.Options{Timeout: 100 * time.Millisecond}, nil)
				tc.break_(f.fake)
				code, body := f.get(t, "GET", "/readyz")
				if code != 503 || body != tc.reason {
					t.Errorf("GET /readyz: %d %q, want 503 %q", code, body, tc.reason)
				}
				if strings.Contains(body, fakeURL) || strings.Contains(body, f.fake.ClientSecret()) {
					t.Errorf("reason shows the tenant URL or secret: %q", body)
				}
				// A failure is cached too: OneLogin recovers, the answer waits.
				f.fake.SetLatency(0)
				if code, _ := f.get(t, "GET", "/readyz"); code != 503 {
					t.Errorf("failure not cached: %d", code)
				}
				time.Sleep(10 * time.Second)
				if code, body := f.get(t, "GET", "/readyz"); code != 200 {
					t.Errorf("after recovery: %d %q", code, body)
				}
			})
		})
	}
}

func TestReady_breakerOpen(t *testing.T) {
	b := breaker.New(breaker.Options{Upstream: "OneLogin", Failures: 1, OpenFor: time.Minute})
	done, _ := b.Allow()
	done(breaker.Failure)
	f := newFixture(t, health.Options{}, b.Transport)
	code, body := f.get(t, "GET", "/readyz")
	if want := "not ready: OneLogin has failed repeatedly; the console stopped asking for 1m0s"; code != 503 || body != want {
		t.Errorf("GET /readyz: %d %q, want 503 %q", code, body, want)
	}
	if n := len(f.fake.Calls()); n != 0 {
		t.Errorf("%d OneLogin calls through an open breaker", n)
	}
}

func TestReady_concurrentProbesShareOneCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, health.Options{}, nil)
		f.fake.SetLatency(100 * time.Millisecond)
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
	})
}

func TestCheck_callerGivesUpRunContinues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		runs := 0
		p := health.New(func(ctx context.Context) error {
			runs++
			<-release
			return nil
		}, health.Options{Timeout: time.Minute})
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
	})
}
