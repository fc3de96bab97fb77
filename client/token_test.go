package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// okUser answers GET /api/1/users/{id} for the token currently issued.
func (a *testAPI) okUserForCurrentToken() {
	a.handle("GET /api/1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != a.currentToken() {
			writeJSON(w, 401, `{"status":{"error":true,"code":401,"type":"Unauthorized","message":"Authentication Failure"}}`)
			return
		}
		writeJSON(w, 200, envelopeOf(`[{"id":`+r.PathValue("id")+`}]`))
	})
}

func TestToken_requestShape(t *testing.T) {
	a := newTestAPI(t)
	var got http.Header
	var body string
	a.handle("POST /auth/oauth2/v2/token", func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		b := new(strings.Builder)
		_, _ = fmt.Fprint(b, readAll(r))
		body = b.String()
		writeJSON(w, 200, `{"access_token":"abc","expires_in":36000,"token_type":"bearer"}`)
	})
	if err := a.client().Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	id, secret, ok := (&http.Request{Header: got}).BasicAuth()
	if !ok || id != testID || secret != testSecret {
		t.Errorf("basic auth = %q %v", id, ok)
	}
	if got.Get("Content-Type") != "application/json" || body != `{"grant_type":"client_credentials"}` || got.Get("User-Agent") != UserAgent {
		t.Errorf("headers %v body %q", got, body)
	}
}

func readAll(r *http.Request) string {
	var sb strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := r.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}

func TestToken_reusedAcrossCalls(t *testing.T) {
	a := newTestAPI(t)
	a.okUserForCurrentToken()
	c := a.client()
	for i := range 5 {
		if _, err := c.GetUser(context.Background(), int64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if n := a.tokenCalls.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
	for _, r := range a.recorded() {
		if auth := r.Header.Get("Authorization"); auth != "bearer "+tokenMark+"-1" {
			t.Errorf("Authorization = %q", auth)
		}
	}
}

func TestToken_renewedShortlyBeforeExpiry(t *testing.T) {
	a := newTestAPI(t)
	a.expiresIn.Store(1000) // renew margin: min(1 min, 100 s) = 60 s
	a.okUserForCurrentToken()
	c := a.client()
	var mu sync.Mutex
	now := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	c.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	a.setClock(c.now)
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	for _, step := range []struct {
		advance    time.Duration
		wantTokens int64
	}{
		{0, 1},
		{900 * time.Second, 1},  // 100 s left: still reused
		{39 * time.Second, 1},   // 61 s left
		{2 * time.Second, 2},    // 59 s left: renewed
		{100 * time.Second, 2},  // new token good for 1000 s
		{1000 * time.Second, 3}, // expired
	} {
		advance(step.advance)
		if _, err := c.GetUser(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		if n := a.tokenCalls.Load(); n != step.wantTokens {
			t.Fatalf("after +%v: token requests = %d, want %d", step.advance, n, step.wantTokens)
		}
	}
}

func TestToken_noExpiryReusedUntilRefused(t *testing.T) {
	a := newTestAPI(t)
	a.expiresIn.Store(0)
	a.okUserForCurrentToken()
	c := a.client()
	c.now = func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }
	for range 3 {
		if _, err := c.GetUser(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if n := a.tokenCalls.Load(); n != 1 {
		t.Errorf("token requests = %d", n)
	}
}

func TestToken_100ConcurrentCallersOneRequest(t *testing.T) {
	a := newTestAPI(t)
	a.tokenDelay.Store(int64(100 * time.Millisecond))
	a.okUserForCurrentToken()
	obs := &recObserver{}
	c := a.client(WithObserver(obs))
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range 100 {
		wg.Go(func() {
			if _, err := c.GetUser(context.Background(), int64(i+1)); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := a.tokenCalls.Load(); n != 1 {
		t.Errorf("token requests = %d, want exactly 1", n)
	}
	if failed.Load() != 0 || len(a.recorded()) != 100 {
		t.Errorf("failed %d, resource requests %d", failed.Load(), len(a.recorded()))
	}
	if len(obs.tokens) != 1 || obs.tokens[0] != nil {
		t.Errorf("ObserveTokenFetch = %v", obs.tokens)
	}
}

func TestToken_failureSharedByWaiters(t *testing.T) {
	a := newTestAPI(t)
	a.tokenDelay.Store(int64(100 * time.Millisecond))
	a.tokenFail.Store(401)
	c := a.client()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() { errs[i] = c.Ping(context.Background()) })
	}
	wg.Wait()
	if n := a.tokenCalls.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1 shared by every waiter", n)
	}
	for _, err := range errs {
		var e *Error
		if !errors.As(err, &e) || e.Op != "Token" || e.Message != "Authentication Failure" || !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("err = %v", err)
		}
	}
	// Not cached: the next call tries again.
	a.tokenFail.Store(0)
	if err := c.Ping(context.Background()); err != nil {
		t.Errorf("after recovery: %v", err)
	}
}

func TestToken_waiterGivesUpOnContext(t *testing.T) {
	a := newTestAPI(t)
	a.tokenDelay.Store(int64(500 * time.Millisecond))
	c := a.client()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Ping(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Errorf("waited %v despite the context", d)
	}
	// The fetch carried on for others and is cached.
	time.Sleep(600 * time.Millisecond)
	if err := c.Ping(context.Background()); err != nil || a.tokenCalls.Load() != 1 {
		t.Errorf("err %v, token requests %d", err, a.tokenCalls.Load())
	}
}

func TestToken_answerShapes(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		wantErr    error
	}{
		{"legacy envelope", `{` + okStatus + `,"data":[{"access_token":"legacy","expires_in":36000,"token_type":"bearer"}]}`, 200, nil},
		{"no token", `{"token_type":"bearer"}`, 200, ErrUnavailable},
		{"not JSON", `<html>`, 200, ErrUnavailable},
		{"error envelope with 200", `{"status":{"error":true,"code":400,"type":"bad request","message":"grant_type is incorrect/absent"}}`, 200, ErrBadRequest},
		{"html 429", `<html>slow down</html>`, 429, ErrRateLimited},
		{"500", ``, 500, ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.handle("POST /auth/oauth2/v2/token", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			obs := &recObserver{}
			err := a.client(WithObserver(obs)).Ping(context.Background())
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if len(obs.tokens) != 1 || (obs.tokens[0] == nil) != (tc.wantErr == nil) {
				t.Errorf("ObserveTokenFetch = %v", obs.tokens)
			}
			if len(obs.calls) != 1 || obs.calls[0] != fmt.Sprintf("Token %d", tc.status) {
				t.Errorf("ObserveCall = %v", obs.calls)
			}
			if err != nil && strings.Contains(err.Error(), "html>") {
				t.Errorf("error repeats the body: %v", err)
			}
		})
	}
}

func TestToken_refreshAndRetryOn401(t *testing.T) {
	a := newTestAPI(t)
	a.okUserForCurrentToken()
	c := a.client()
	if _, err := c.GetUser(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	// Revoke: the server now only accepts a token it has not issued yet.
	a.tokenCalls.Add(10)
	if _, err := c.GetUser(context.Background(), 2); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if n := a.tokenCalls.Load(); n != 12 {
		t.Errorf("token requests = %d, want one refresh", n-10)
	}
	if n := len(a.recorded()); n != 3 {
		t.Errorf("resource requests = %d, want 3 (ok, 401, retry)", n)
	}
}

func TestToken_exactlyOneRetryOn401(t *testing.T) {
	for _, tc := range []struct {
		name, body   string
		wantRequests int
		wantTokens   int64
	}{
		{"authentication failure", `{"status":{"error":true,"code":401,"type":"Unauthorized","message":"Authentication Failure"}}`, 2, 2},
		{"v2 unauthorized", `{"message":"Unauthorized","name":"UnauthorizedError","statusCode":401}`, 2, 2},
		{"insufficient permission is not retried", `{"status":{"error":true,"code":401,"type":"Unauthorized","message":"Insufficient Permission"}}`, 1, 1},
		{"non-JSON 401 is not retried", `nope`, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply("POST /api/1/users", 401, tc.body)
			_, err := a.client().CreateUser(context.Background(), UserCreate{Firstname: "A", Lastname: "B", Email: "a@b.c"})
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("err = %v", err)
			}
			if n := len(a.recorded()); n != tc.wantRequests {
				t.Errorf("requests = %d, want %d", n, tc.wantRequests)
			}
			if n := a.tokenCalls.Load(); n != tc.wantTokens {
				t.Errorf("token requests = %d, want %d", n, tc.wantTokens)
			}
		})
	}
}

func TestToken_concurrent401sRefreshOnce(t *testing.T) {
	a := newTestAPI(t)
	a.okUserForCurrentToken()
	c := a.client()
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.tokenCalls.Add(1) // the cached token is now refused
	a.tokenDelay.Store(int64(50 * time.Millisecond))
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := c.GetUser(context.Background(), int64(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := a.tokenCalls.Load(); n != 3 {
		t.Errorf("token requests after the 401s = %d, want 1", n-2)
	}
}

// OneLogin re-issues a token with its original created_at and the full
// expires_in, so the expiry must come from created_at; what cannot be read
// falls back to now + expires_in, and nothing may outlive that.
func TestToken_expiryFromCreatedAt(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	created := time.Date(2024, 5, 1, 8, 0, 0, 123e6, time.UTC)
	fallback := now.Add(10 * time.Hour)
	tokenWith := func(createdAt string) string {
		return `{"access_token":"abc",` + createdAt + `"expires_in":36000,"token_type":"bearer"}`
	}
	for _, tc := range []struct {
		name string
		body string
		want time.Time // zero: no expiry
	}{
		{"created_at + expires_in", tokenWith(`"created_at":"2024-05-01T08:00:00.123Z",`), created.Add(10 * time.Hour)},
		{"no fraction", tokenWith(`"created_at":"2024-05-01T08:00:00Z",`), created.Truncate(time.Second).Add(10 * time.Hour)},
		{"with offset", tokenWith(`"created_at":"2024-05-01T10:00:00.123+02:00",`), created.Add(10 * time.Hour)},
		{"expires_in as a string", `{"access_token":"abc","created_at":"2024-05-01T08:00:00.123Z","expires_in":"36000"}`, created.Add(10 * time.Hour)},
		{"legacy envelope", `{` + okStatus + `,"data":[` + tokenWith(`"created_at":"2024-05-01T08:00:00.123Z",`) + `]}`, created.Add(10 * time.Hour)},
		{"already expired", tokenWith(`"created_at":"2024-04-30T00:00:00.000Z",`), time.Date(2024, 4, 30, 10, 0, 0, 0, time.UTC)},
		{"ahead of our clock", tokenWith(`"created_at":"2024-05-01T13:00:00.000Z",`), fallback},
		{"absent", tokenWith(``), fallback},
		{"null", tokenWith(`"created_at":null,`), fallback},
		{"empty", tokenWith(`"created_at":"",`), fallback},
		{"not a time", tokenWith(`"created_at":"yesterday",`), fallback},
		{"no zone", tokenWith(`"created_at":"2024-05-01 08:00:00",`), fallback},
		{"a number", tokenWith(`"created_at":1714550400,`), fallback},
		{"an object", tokenWith(`"created_at":{"at":"2024-05-01T08:00:00Z"},`), fallback},
		{"no expires_in", `{"access_token":"abc","created_at":"2024-05-01T08:00:00.123Z"}`, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply("POST /auth/oauth2/v2/token", 200, tc.body)
			c := a.client()
			c.now = func() time.Time { return now }
			tok, err := (&tokenFetcher{c: c}).Token()
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "abc" || !tok.Expiry.Equal(tc.want) {
				t.Errorf("token %q expires %v, want %v", tok.AccessToken, tok.Expiry, tc.want)
			}
		})
	}
}

// A token handed out again late in its life keeps its original expiry: the
// client renews it then instead of sending it on for another ten hours.
func TestToken_reissuedNotUsedPastExpiry(t *testing.T) {
	a := newTestAPI(t)
	var mu sync.Mutex
	now := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	issued := now // guarded by mu
	current := func() (at time.Time, expired bool) {
		mu.Lock()
		defer mu.Unlock()
		return issued, now.Sub(issued) >= 10*time.Hour
	}
	a.handle("POST /auth/oauth2/v2/token", func(w http.ResponseWriter, r *http.Request) {
		// Like the real endpoint: the same token until it expires.
		mu.Lock()
		if now.Sub(issued) >= 10*time.Hour {
			issued = now
		}
		at := issued
		mu.Unlock()
		writeJSON(w, 200, fmt.Sprintf(`{"access_token":"%s-%d","created_at":"%s","expires_in":36000,"token_type":"bearer"}`,
			tokenMark, at.Unix(), at.Format("2006-01-02T15:04:05.000Z")))
	})
	var refused atomic.Int64
	a.handle("GET /api/1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		at, expired := current()
		if expired || r.Header.Get("Authorization") != fmt.Sprintf("bearer %s-%d", tokenMark, at.Unix()) {
			refused.Add(1)
			writeJSON(w, 401, `{"status":{"error":true,"code":401,"type":"Unauthorized","message":"Authentication Failure"}}`)
			return
		}
		writeJSON(w, 200, envelopeOf(`[{"id":`+r.PathValue("id")+`}]`))
	})
	c := a.client()
	c.now = clock
	for _, step := range []time.Duration{0, 10*time.Hour - 30*time.Second, time.Minute} {
		advance(step)
		if _, err := c.GetUser(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if n := refused.Load(); n != 0 {
		t.Errorf("%d requests sent with an expired token", n)
	}
	if n := a.tokenCalls.Load(); n != 3 {
		t.Errorf("token requests = %d, want 3 (issue, re-issue near the end, new token)", n)
	}
}
