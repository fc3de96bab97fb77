package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
)

const (
	testID     = "test-client-id"
	testSecret = "SECRET-s3cr3t-client-secret"
	// Every token the test server issues contains tokenMark, so a test can
	// look for it in errors and printed values.
	tokenMark = "TOKENMARK"
)

// testAPI is a per-test OneLogin stand-in: it issues tokens and serves
// whatever routes a test registers on mux.
type testAPI struct {
	*httptest.Server
	t   *testing.T
	mux *http.ServeMux

	tokenCalls atomic.Int64 // token requests received
	expiresIn  atomic.Int64 // expires_in of issued tokens
	tokenDelay atomic.Int64 // nanoseconds each token request takes
	tokenFail  atomic.Int64 // HTTP status to answer token requests with; 0 = succeed

	tokenOverride atomic.Pointer[http.HandlerFunc] // replaces the token endpoint when set
	clock         atomic.Pointer[func() time.Time] // created_at of issued tokens; nil = time.Now

	mu       sync.Mutex
	requests []*recorded // resource requests in order
}

type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	a := &testAPI{t: t, mux: http.NewServeMux()}
	a.expiresIn.Store(36000)
	a.mux.HandleFunc("POST /auth/oauth2/v2/token", a.token)
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/auth/oauth2/v2/token" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			a.mu.Lock()
			a.requests = append(a.requests, &recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(body)})
			a.mu.Unlock()
		}
		a.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(a.Close)
	return a
}

// token implements the v2 client-credentials call as the reference
// describes it: Basic auth, JSON body, flat JSON answer.
func (a *testAPI) token(w http.ResponseWriter, r *http.Request) {
	n := a.tokenCalls.Add(1)
	if h := a.tokenOverride.Load(); h != nil {
		(*h)(w, r)
		return
	}
	time.Sleep(time.Duration(a.tokenDelay.Load()))
	if st := a.tokenFail.Load(); st != 0 {
		writeJSON(w, int(st), fmt.Sprintf(`{"status":{"error":true,"code":%d,"type":"Unauthorized","message":"Authentication Failure"}}`, st))
		return
	}
	id, secret, ok := r.BasicAuth()
	var body struct {
		GrantType string `json:"grant_type"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	if !ok || id != testID || secret != testSecret {
		writeJSON(w, 401, `{"status":{"error":true,"code":401,"type":"Unauthorized","message":"Authentication Failure"}}`)
		return
	}
	if r.Header.Get("Content-Type") != "application/json" || body.GrantType != "client_credentials" {
		writeJSON(w, 400, `{"status":{"error":true,"code":400,"type":"bad request","message":"grant_type is incorrect/absent"}}`)
		return
	}
	now := time.Now
	if f := a.clock.Load(); f != nil {
		now = *f
	}
	writeJSON(w, 200, fmt.Sprintf(`{"access_token":"%s-%d","created_at":"%s","expires_in":%d,"refresh_token":"r","token_type":"bearer","account_id":98765}`,
		tokenMark, n, now().UTC().Format("2006-01-02T15:04:05.000Z"), a.expiresIn.Load()))
}

// setClock makes the server stamp issued tokens' created_at with now, so a
// test can run the server and the client on one clock.
func (a *testAPI) setClock(now func() time.Time) { a.clock.Store(&now) }

// currentToken is the token the server issued last; resource handlers that
// care about token validity compare against it.
func (a *testAPI) currentToken() string {
	return fmt.Sprintf("bearer %s-%d", tokenMark, a.tokenCalls.Load())
}

func (a *testAPI) handle(pattern string, h http.HandlerFunc) {
	if pattern == "POST /auth/oauth2/v2/token" {
		a.tokenOverride.Store(&h)
		return
	}
	a.mux.HandleFunc(pattern, h)
}

// reply registers a fixed answer.
func (a *testAPI) reply(pattern string, status int, body string) {
	a.handle(pattern, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, status, body) })
}

func (a *testAPI) recorded() []*recorded {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*recorded(nil), a.requests...)
}

func (a *testAPI) client(opts ...Option) *Client {
	a.t.Helper()
	c, err := New(a.URL, testID, testSecret, opts...)
	if err != nil {
		a.t.Fatalf("New: %v", err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

const okStatus = `"status":{"error":false,"code":200,"type":"success","message":"Success"}`

func envelopeOf(data string) string { return `{` + okStatus + `,"data":` + data + `}` }

func listOf(data, after string) string {
	ac := "null"
	if after != "" {
		ac = `"` + after + `"`
	}
	return `{` + okStatus + `,"pagination":{"before_cursor":null,"after_cursor":` + ac +
		`,"previous_link":null,"next_link":null},"data":` + data + `}`
}

// recObserver records what the client reports.
type recObserver struct {
	mu     sync.Mutex
	calls  []string // "op status"
	tokens []error
	rls    []RateLimit
}

func (o *recObserver) ObserveCall(op string, status int, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, fmt.Sprintf("%s %d", op, status))
}
func (o *recObserver) ObserveTokenFetch(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tokens = append(o.tokens, err)
}
func (o *recObserver) ObserveRateLimit(rl RateLimit) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rls = append(o.rls, rl)
}

// assertNoSecret fails if s shows the client secret or any issued token.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, bad := range []string{testSecret, "s3cr3t", tokenMark} {
		if strings.Contains(s, bad) {
			t.Errorf("%s leaks %q: %s", what, bad, s)
		}
	}
}

// ---- the fake tenant ----
//
// The contract tests (contract_*_test.go) run client operations against the
// fake tenant of package fakeonelogin, which was written from the wire
// reference independently of the client. Each test gets a fresh tenant.

const (
	fakeUsers = 120 // personas plus filler: three pages at the default 50
	// unknownID is a user id the fake tenant never has.
	unknownID = int64(999999999)
)

// newFake serves a fresh fake tenant (seed 1, fakeUsers people unless opts
// say otherwise) and returns a client for it that waits at most 20ms before
// retrying a 429. The client reads the tenant's clock, as a real client and
// OneLogin agree on the time, so moving the tenant's clock moves both.
func newFake(t *testing.T, opts fakeonelogin.Options, copts ...Option) (*fakeonelogin.Server, *Client) {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Users == 0 {
		opts.Users = fakeUsers
	}
	srv := fakeonelogin.NewServer(opts)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, srv.ClientID, srv.ClientSecret, append([]Option{WithMaxRetryWait(20 * time.Millisecond)}, copts...)...)
	if err != nil {
		t.Fatal(err)
	}
	c.now = srv.Tenant.Clock().Now
	return srv, c
}

// snapshot is the tenant's own record of user id.
func snapshot(t *testing.T, srv *fakeonelogin.Server, id int64) fakeonelogin.UserSnapshot {
	t.Helper()
	u, ok := srv.Tenant.User(id)
	if !ok {
		t.Fatalf("user %d not in the tenant", id)
	}
	return u
}

// wantErr checks the sentinel and OneLogin's exact sentence (and attribute).
func wantErr(t *testing.T, err, sentinel error, msg, attr string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("err = %v, want %v", err, sentinel)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err %T is not *Error", err)
	}
	if e.Message != msg || e.Attribute != attr {
		t.Errorf("message %q attribute %q, want %q %q", e.Message, e.Attribute, msg, attr)
	}
}

// notFoundMsg is the fake's (and OneLogin's) sentence for an unknown user.
func notFoundMsg(id int64) string { return fmt.Sprintf("User for id %d was not found", id) }

func roleSubsetMessage(srv *fakeonelogin.Server) string {
	var ids []string
	for _, r := range srv.Tenant.Roles() {
		ids = append(ids, strconv.FormatInt(r.ID, 10))
	}
	return "role_id_array should be a subset of -> [" + strings.Join(ids, ", ") + "]"
}
