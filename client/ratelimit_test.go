package client

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

const tooMany = `{"status":{"error":true,"code":429,"type":"too many requests","message":"Rate limit exceeded"}}`

// rateLimitedThen answers 429 (reset in resetSecs) for the first n requests
// on pattern, then ok.
func (a *testAPI) rateLimitedThen(pattern string, n int64, resetSecs string, ok string) *atomic.Int64 {
	var count atomic.Int64
	a.handle(pattern, func(w http.ResponseWriter, r *http.Request) {
		if count.Add(1) <= n {
			w.Header().Set("X-RateLimit-Limit", "5000")
			w.Header().Set("X-RateLimit-Remaining", "0")
			if resetSecs != "" {
				w.Header().Set("X-RateLimit-Reset", resetSecs)
			}
			writeJSON(w, 429, tooMany)
			return
		}
		writeJSON(w, 200, ok)
	})
	return &count
}

func TestRateLimit_retriesIdempotentOnce(t *testing.T) {
	user := envelopeOf(`[{"id":7}]`)
	for _, tc := range []struct {
		name    string
		pattern string
		ok      string
		run     func(*Client) error
	}{
		{"GET", "GET /api/1/users/7", user, func(c *Client) error { _, err := c.GetUser(context.Background(), 7); return err }},
		{"PUT", "PUT /api/1/users/7/lock_user", `{` + okStatus + `}`, func(c *Client) error { return c.LockUser(context.Background(), 7, 15) }},
		{"DELETE", "DELETE /api/1/users/7", `{` + okStatus + `}`, func(c *Client) error { return c.DeleteUser(context.Background(), 7) }},
		{"unlock POST", "POST /api/2/users/7/unlock", `{"messsage":"User unlocked"}`, func(c *Client) error { return c.UnlockUser(context.Background(), 7) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			count := a.rateLimitedThen(tc.pattern, 1, "0", tc.ok)
			if err := tc.run(a.client()); err != nil {
				t.Fatalf("want success after one retry: %v", err)
			}
			if n := count.Load(); n != 2 {
				t.Errorf("requests = %d, want 2", n)
			}
		})
	}
}

func TestRateLimit_atMostOneRetry(t *testing.T) {
	a := newTestAPI(t)
	count := a.rateLimitedThen("GET /api/1/users/7", 100, "30", "")
	_, err := a.client(WithMaxRetryWait(10*time.Millisecond)).GetUser(context.Background(), 7)
	var rle *RateLimitError
	if !errors.As(err, &rle) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want RateLimitError", err)
	}
	if rle.RetryAfter != 30*time.Second || rle.Err.Message != "Rate limit exceeded" || rle.Err.HTTPStatus != 429 {
		t.Errorf("got %+v %+v", rle, rle.Err)
	}
	if n := count.Load(); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

func TestRateLimit_neverRetriesCreatingPOST(t *testing.T) {
	for _, tc := range []struct {
		name, pattern string
		run           func(*Client) error
	}{
		{"mfa token", "POST /api/1/users/7/mfa_token", func(c *Client) error {
			_, err := c.GenerateMFAToken(context.Background(), 7, time.Hour, true)
			return err
		}},
		{"create user", "POST /api/1/users", func(c *Client) error {
			_, err := c.CreateUser(context.Background(), UserCreate{Firstname: "A", Lastname: "B", Email: "a@b.c"})
			return err
		}},
		{"MFA trigger", "POST /api/1/users/7/otp_devices/9/trigger", func(c *Client) error {
			_, err := c.TriggerOTP(context.Background(), 7, 9, TriggerOptions{})
			return err
		}},
		{"MFA verify", "POST /api/1/users/7/otp_devices/9/verify", func(c *Client) error {
			_, err := c.VerifyOTP(context.Background(), 7, 9, "123456", "")
			return err
		}},
		{"get invite link", "POST /api/1/invites/get_invite_link", func(c *Client) error {
			_, err := c.GetInviteLink(context.Background(), "a@b.c")
			return err
		}},
		{"send invite link", "POST /api/1/invites/send_invite_link", func(c *Client) error {
			_, err := c.SendInviteLink(context.Background(), "a@b.c", "")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			count := a.rateLimitedThen(tc.pattern, 1, "0", `{"mfa_token":"1","reusable":true,"expires_at":null}`)
			err := tc.run(a.client())
			if !errors.Is(err, ErrRateLimited) {
				t.Fatalf("err = %v, want the 429 returned as is", err)
			}
			if n := count.Load(); n != 1 {
				t.Errorf("requests = %d, want 1 (no retry)", n)
			}
		})
	}
}

func TestRateLimit_waitIsMinOfResetAndMax(t *testing.T) {
	for _, tc := range []struct {
		name     string
		reset    string
		maxWait  time.Duration
		min, max time.Duration
	}{
		{"capped by max", "3600", 150 * time.Millisecond, 150 * time.Millisecond, 2 * time.Second},
		{"reset shorter", "0", 5 * time.Second, 0, time.Second},
		{"no reset header waits max", "", 150 * time.Millisecond, 150 * time.Millisecond, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.rateLimitedThen("GET /api/1/users/7", 1, tc.reset, envelopeOf(`[{"id":7}]`))
			c := a.client(WithMaxRetryWait(tc.maxWait))
			if err := c.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if _, err := c.GetUser(context.Background(), 7); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d < tc.min || d > tc.max {
				t.Errorf("took %v, want between %v and %v", d, tc.min, tc.max)
			}
		})
	}
}

func TestRateLimit_waitRespectsContext(t *testing.T) {
	a := newTestAPI(t)
	count := a.rateLimitedThen("GET /api/1/users", 1, "60", listOf(`[]`, ""))
	c := a.client(WithMaxRetryWait(time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, _, err := c.ListUsers(ctx, ListUsersQuery{})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("waited %v after cancel", d)
	}
	var rle *RateLimitError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &rle) {
		t.Fatalf("err = %v, want both the cancel and the 429", err)
	}
	if n := count.Load(); n != 1 {
		t.Errorf("requests = %d, want no retry after cancel", n)
	}
}

func TestRateLimit_headersRecorded(t *testing.T) {
	a := newTestAPI(t)
	a.handle("GET /api/1/users/7", func(w http.ResponseWriter, r *http.Request) {
		// Lower-case as recorded from the real API; Go would canonicalise
		// via Set, so write the map directly.
		w.Header()["x-ratelimit-limit"] = []string{"5000"}
		w.Header()["x-ratelimit-remaining"] = []string{"4868"}
		w.Header()["x-ratelimit-reset"] = []string{"206"}
		writeJSON(w, 200, envelopeOf(`[{"id":7}]`))
	})
	a.reply("GET /api/1/users/8", 200, envelopeOf(`[{"id":8}]`)) // no headers, like the real 401
	obs := &recObserver{}
	c := a.client(WithObserver(obs))
	if (c.RateLimit() != RateLimit{}) {
		t.Errorf("RateLimit before any call = %+v", c.RateLimit())
	}
	if _, err := c.GetUser(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	rl := c.RateLimit()
	if rl.Limit != 5000 || rl.Remaining != 4868 || rl.Reset != 206*time.Second || rl.Observed.IsZero() {
		t.Errorf("RateLimit = %+v", rl)
	}
	if _, err := c.GetUser(context.Background(), 8); err != nil {
		t.Fatal(err)
	}
	if c.RateLimit() != rl {
		t.Errorf("an answer without headers changed RateLimit to %+v", c.RateLimit())
	}
	if len(obs.rls) != 1 || obs.rls[0] != rl {
		t.Errorf("ObserveRateLimit = %+v", obs.rls)
	}
}

func TestRateLimit_parseHeaders(t *testing.T) {
	for _, tc := range []struct {
		h    http.Header
		ok   bool
		want RateLimit
	}{
		{http.Header{}, false, RateLimit{}},
		{http.Header{"X-Ratelimit-Limit": {"abc"}}, false, RateLimit{}},
		{http.Header{"X-Ratelimit-Remaining": {" 12 "}}, true, RateLimit{Remaining: 12}},
		{http.Header{"X-Ratelimit-Reset": {"-1"}}, false, RateLimit{}},
		{http.Header{"X-Ratelimit-Limit": {"5000"}, "X-Ratelimit-Reset": {"3"}}, true, RateLimit{Limit: 5000, Reset: 3 * time.Second}},
	} {
		got, ok := parseRateLimit(tc.h)
		if ok != tc.ok || got != tc.want {
			t.Errorf("%v: got %+v %v, want %+v %v", tc.h, got, ok, tc.want, tc.ok)
		}
	}
}
