package breaker

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
)

func TestTransport_judgesAnswers(t *testing.T) {
	cases := []struct {
		status int
		want   State // after 3 such answers with Failures: 3
	}{
		{200, Closed},
		{400, Closed},
		{401, Closed},
		{404, Closed},
		{429, Closed},
		{500, Open},
		{502, Open},
		{503, Open},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tc.status) }))
			defer srv.Close()
			b := New(Options{Failures: 3})
			hc := &http.Client{Transport: b.Transport(nil)}
			for range 3 {
				resp, err := hc.Get(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			if got := b.State(); got != tc.want {
				t.Errorf("after three %d answers: %s, want %s", tc.status, got, tc.want)
			}
		})
	}
}

func TestTransport_noAnswerIsAFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // connection refused from now on
	b := New(Options{Failures: 2})
	hc := &http.Client{Transport: b.Transport(nil)}
	for range 2 {
		if _, err := hc.Get(url); err == nil {
			t.Fatal("a closed server answered")
		}
	}
	if b.State() != Open {
		t.Fatalf("state %s after two refused connections", b.State())
	}
	_, err := hc.Get(url)
	var oe *OpenError
	if !errors.As(err, &oe) {
		t.Errorf("open breaker: %v, want *OpenError", err)
	}
}

func TestTransport_cancelledIgnoredTimedOutCounted(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	b := New(Options{Failures: 1})
	hc := &http.Client{Transport: b.Transport(nil)}

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if _, err := hc.Do(req); err == nil {
		t.Fatal("cancelled request succeeded")
	}
	if b.State() != Closed {
		t.Fatalf("a cancelled request opened the breaker")
	}

	ctx, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if _, err := hc.Do(req); err == nil {
		t.Fatal("timed-out request succeeded")
	}
	if b.State() != Open {
		t.Errorf("a request that timed out did not count: %s", b.State())
	}
}

type closeTracker struct {
	strings.Reader
	closed atomic.Bool
}

func (c *closeTracker) Close() error { c.closed.Store(true); return nil }

func TestTransport_refusedRequestBodyIsClosed(t *testing.T) {
	b := New(Options{Failures: 1})
	done, _ := b.Allow()
	done(Failure)
	body := &closeTracker{}
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", body)
	if _, err := b.Transport(nil).RoundTrip(req); err == nil {
		t.Fatal("open breaker sent a request")
	}
	if !body.closed.Load() {
		t.Error("request body left open")
	}
}

// TestTransport_withClient shows what the console sees: after repeated 5xx
// answers the client fails fast with an error that is client.ErrUnavailable
// and says why, without calling OneLogin.
func TestTransport_withClient(t *testing.T) {
	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: 20})
	defer fake.Close()
	b := New(Options{Upstream: "OneLogin", Failures: 5, OpenFor: time.Minute})
	c, err := client.New(fake.URL, fake.ClientID, fake.ClientSecret,
		client.WithHTTPClient(&http.Client{Timeout: 5 * time.Second, Transport: b.Transport(nil)}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	fake.Tenant.FailNext(4, http.StatusNotFound) // 4xx: OneLogin is up
	for range 4 {
		if _, err := c.GetUser(ctx, 1); !errors.Is(err, client.ErrNotFound) {
			t.Fatalf("GetUser: %v, want not found", err)
		}
	}
	fake.Tenant.FailNext(5, http.StatusServiceUnavailable)
	for range 5 {
		if _, err := c.GetUser(ctx, 1); !errors.Is(err, client.ErrUnavailable) {
			t.Fatalf("GetUser: %v, want unavailable", err)
		}
	}
	before := len(fake.Tenant.Calls())
	start := time.Now()
	_, err = c.GetUser(ctx, 1)
	if !errors.Is(err, client.ErrUnavailable) {
		t.Errorf("open breaker: %v does not match client.ErrUnavailable", err)
	}
	var oe *OpenError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "OneLogin has failed repeatedly; the console stopped asking for 1m0s") {
		t.Errorf("open breaker error %q does not say why", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("refusal took %s", d)
	}
	if after := len(fake.Tenant.Calls()); after != before {
		t.Errorf("OneLogin was called %d times while the breaker was open", after-before)
	}
}
