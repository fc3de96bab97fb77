package fakeonelogin

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	f := newFixture(t, Options{Seed: 10, Users: 1, RateLimitPerHour: 3})
	path := userPath(PersonaAdminID, "")
	for i, wantRemaining := range []string{"2", "1", "0"} {
		r, _ := f.do("GET", path, "")
		if r.StatusCode != 200 || r.Header.Get("X-RateLimit-Remaining") != wantRemaining || r.Header.Get("X-RateLimit-Limit") != "3" {
			t.Fatalf("call %d: %d remaining %s", i, r.StatusCode, r.Header.Get("X-RateLimit-Remaining"))
		}
		if r.Header.Get("X-RateLimit-Reset") != "3600" {
			t.Fatalf("reset %s", r.Header.Get("X-RateLimit-Reset"))
		}
	}
	f.clock.Advance(10 * time.Minute)
	r, m := f.do("GET", path, "")
	code, _, msg := statusOf(m)
	if r.StatusCode != 429 || code != 429 || msg != "Rate Limit Exceeded" || r.Header.Get("X-RateLimit-Remaining") != "0" || r.Header.Get("X-RateLimit-Reset") != "3000" {
		t.Fatalf("%d %v %v", r.StatusCode, m, r.Header)
	}
	// The status endpoint does not spend the quota and reports it.
	_, m = f.do("GET", "/auth/rate_limit", "")
	d := m["data"].(map[string]any)
	if d["X-RateLimit-Remaining"] != 0.0 || d["X-RateLimit-Limit"] != 3.0 || d["X-RateLimit-Reset"] != 3000.0 {
		t.Fatalf("%v", d)
	}
	// Token calls are not v1 resource calls.
	if f.getToken() == "" {
		t.Fatal("token call limited")
	}
	f.clock.Advance(50 * time.Minute)
	if r, _ := f.do("GET", path, ""); r.StatusCode != 200 || r.Header.Get("X-RateLimit-Remaining") != "2" {
		t.Fatalf("new window: %d %s", r.StatusCode, r.Header.Get("X-RateLimit-Remaining"))
	}
	f.srv.Tenant.SpendRateLimit()
	if r, _ := f.do("GET", path, ""); r.StatusCode != 429 {
		t.Fatalf("after SpendRateLimit: %d", r.StatusCode)
	}
	f.srv.Tenant.SetRateLimit(100)
	if r, _ := f.do("GET", path, ""); r.StatusCode != 200 || r.Header.Get("X-RateLimit-Remaining") != "96" {
		t.Fatalf("after SetRateLimit: %d %s", r.StatusCode, r.Header.Get("X-RateLimit-Remaining"))
	}
	// Lower-case header names on the wire, as recorded from OneLogin.
	conn := rawGet(t, f, path)
	if !strings.Contains(conn, "\r\nx-ratelimit-limit: 100\r\n") {
		t.Fatalf("raw headers:\n%s", conn)
	}
}

// rawGet returns the response head exactly as written on the wire.
func rawGet(t *testing.T, f *fixture, path string) string {
	t.Helper()
	u, _ := url.Parse(f.srv.URL)
	var d netDialer
	c, err := d.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: bearer %s\r\nConnection: close\r\n\r\n", path, u.Host, f.token)
	b, _ := io.ReadAll(c)
	head, _, _ := strings.Cut(string(b), "\r\n\r\n")
	return head + "\r\n"
}

func TestFailNext(t *testing.T) {
	cases := []struct {
		status int
		msg    string
		typ    string
	}{
		{500, "Internal Server Error", "internal server error"},
		{503, "Service Unavailable", "service unavailable"},
		{429, "Too Many Requests", "too many requests"},
		{401, "Unauthorized", "Unauthorized"},
	}
	for _, c := range cases {
		t.Run(strconv.Itoa(c.status), func(t *testing.T) {
			f := newFixture(t, Options{Seed: 10, Users: 1})
			f.srv.Tenant.FailNext(2, c.status)
			for range 2 {
				r, m := f.do("GET", "/api/1/roles", "")
				code, typ, msg := statusOf(m)
				if r.StatusCode != c.status || code != float64(c.status) || msg != c.msg || typ != c.typ {
					t.Fatalf("%d %v", r.StatusCode, m)
				}
			}
			if r, _ := f.do("GET", "/api/1/roles", ""); r.StatusCode != 200 {
				t.Fatalf("third call %d", r.StatusCode)
			}
		})
	}
	t.Run("token calls unaffected; FailNextToken", func(t *testing.T) {
		f := newFixture(t, Options{Seed: 10, Users: 1})
		f.srv.Tenant.FailNext(1, 500)
		f.getToken()
		if r, _ := f.do("GET", "/api/1/roles", ""); r.StatusCode != 500 {
			t.Fatal("fault used up by the token call")
		}
		f.srv.Tenant.FailNextToken(1, 503)
		resp, _ := f.raw("POST", "/auth/oauth2/v2/token", map[string]string{
			"Authorization": "client_id:" + f.srv.ClientID + ", client_secret:" + f.srv.ClientSecret, "Content-Type": "application/json",
		}, `{"grant_type":"client_credentials"}`)
		if resp.StatusCode != 503 {
			t.Fatalf("token fault %d", resp.StatusCode)
		}
	})
}

func TestDropNext(t *testing.T) {
	f := newFixture(t, Options{Seed: 10, Users: 1})
	f.srv.Tenant.DropNext(1)
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/1/roles", nil)
	req.Header.Set("Authorization", "bearer "+f.token)
	// A fresh transport so that the client does not retry on a pooled connection.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := hc.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped call answered %d", resp.StatusCode)
	}
	if r, _ := f.do("GET", "/api/1/roles", ""); r.StatusCode != 200 {
		t.Fatal("second call dropped too")
	}
	calls := f.srv.Tenant.Calls()
	var dropped int
	for _, c := range calls {
		if c.Path == "/api/1/roles" && c.Status == 0 {
			dropped++
		}
	}
	if dropped != 1 {
		t.Fatalf("%d dropped calls recorded", dropped)
	}
}

func TestLatency_respectsCancellation(t *testing.T) {
	f := newFixture(t, Options{Seed: 10, Users: 1})
	f.srv.Tenant.SetLatency(150 * time.Millisecond)
	start := time.Now()
	if r, _ := f.do("GET", "/api/1/roles", ""); r.StatusCode != 200 || time.Since(start) < 150*time.Millisecond {
		t.Fatalf("no latency: %v", time.Since(start))
	}
	f.srv.Tenant.SetLatency(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/api/1/roles", nil)
	req.Header.Set("Authorization", "bearer "+f.token)
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	// The server side gives up too: Close would hang for 10s otherwise.
	f.srv.Tenant.SetLatency(0)
	done := make(chan struct{})
	go func() { f.srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("handler kept waiting after the client left")
	}
}

func TestCallRecord(t *testing.T) {
	f := newFixture(t, Options{Seed: 10, Users: 1})
	tn := f.srv.Tenant
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {f.srv.ClientID}, "client_secret": {f.srv.ClientSecret}}.Encode()
	f.raw("POST", "/auth/oauth2/v2/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form)
	f.raw("POST", "/auth/oauth2/token", map[string]string{"Content-Type": "application/json",
		"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(f.srv.ClientID+":"+f.srv.ClientSecret))}, `{"grant_type":"client_credentials"}`)
	f.token = f.getToken()
	f.do("PUT", userPath(PersonaAdminID, "/lock_user"), `{"locked_until":0}`)
	f.do("GET", "/api/1/users?firstname=marg*&limit=5", "")
	f.raw("POST", "/auth/oauth2/revoke", map[string]string{"Content-Type": "application/json",
		"Authorization": "client_id:" + f.srv.ClientID + ", client_secret:" + f.srv.ClientSecret}, `{"access_token":"`+f.token+`"}`)

	calls := tn.Calls()
	if len(calls) != 7 { // fixture token + 6
		t.Fatalf("%d calls", len(calls))
	}
	for _, c := range calls {
		all := c.Method + c.Path + c.RawQuery + string(c.Body) + fmt.Sprint(c.Header)
		for _, secret := range []string{f.srv.ClientSecret, f.token, base64.StdEncoding.EncodeToString([]byte(f.srv.ClientID + ":" + f.srv.ClientSecret))} {
			if strings.Contains(all, secret) {
				t.Fatalf("secret in call record: %+v", c)
			}
		}
		if c.Status == 0 || c.Time.IsZero() {
			t.Fatalf("incomplete record %+v", c)
		}
	}
	if got := calls[1].Body; !strings.Contains(string(got), "client_secret=%5BREDACTED%5D") || !strings.Contains(string(got), "client_id=") {
		t.Fatalf("form body %s", got)
	}
	if got := calls[2].Header.Get("Authorization"); got != "Basic [REDACTED]" {
		t.Fatalf("basic header %q", got)
	}
	if got := calls[0].Header.Get("Authorization"); got != "client_id:[REDACTED], client_secret:[REDACTED]" {
		t.Fatalf("variant A header %q", got)
	}
	if got := calls[4].Header.Get("Authorization"); got != "bearer [REDACTED]" {
		t.Fatalf("bearer header %q", got)
	}
	if calls[5].Query.Get("firstname") != "marg*" || calls[5].RawQuery == "" {
		t.Fatalf("query %+v", calls[5])
	}
	if string(calls[4].Body) != `{"locked_until":0}` {
		t.Fatalf("body %s", calls[4].Body)
	}
	if n := tn.CallCount("POST", "/auth/oauth2/"); n != 5 {
		t.Fatalf("token calls %d", n)
	}
	if n := tn.CallCount("", "/api/1/users"); n != 2 {
		t.Fatalf("user calls %d", n)
	}
	tn.ResetCalls()
	if len(tn.Calls()) != 0 || tn.CallCount("", "/") != 0 {
		t.Fatal("ResetCalls")
	}
}

func TestMount(t *testing.T) {
	f := newFixture(t, Options{Seed: 10, Users: 1})
	f.srv.Mount("/oidc/2/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "oidc %s", r.URL.Path)
	}))
	f.srv.Mount("/oidc/2/special", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "special")
	}))
	for path, want := range map[string]string{"/oidc/2/auth": "oidc /oidc/2/auth", "/oidc/2/special": "special"} {
		resp, b := f.raw("GET", path, nil, "")
		if resp.StatusCode != 200 || string(b) != want {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
	}
	if r, _ := f.do("GET", "/api/1/roles", ""); r.StatusCode != 200 {
		t.Fatal("API no longer served")
	}
	if f.srv.Tenant.CallCount("GET", "/oidc/2/") != 2 {
		t.Fatal("mounted calls not recorded")
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, Options{Seed: 11, Users: 300})
	tn := f.srv.Tenant
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	ops := []func(i int) (int, string){
		func(i int) (int, string) {
			r, _ := f.do("GET", "/api/1/users?limit=20&lastname=*a*", "")
			return r.StatusCode, "list"
		},
		func(i int) (int, string) {
			r, _ := f.do("PUT", userPath(PersonaAdminID, "/lock_user"), `{"locked_until":0}`)
			return r.StatusCode, "lock"
		},
		func(i int) (int, string) {
			r, _ := f.do("PUT", userPath(PersonaAdminID, ""), `{"status":1}`)
			return r.StatusCode, "unlock"
		},
		func(i int) (int, string) {
			r, _ := f.do("PUT", userPath(PersonaHelpdeskID, "/set_custom_attributes"), fmt.Sprintf(`{"custom_attributes":{"location":"Desk %d"}}`, i))
			return r.StatusCode, "custom"
		},
		func(i int) (int, string) {
			r, _ := f.do("POST", userPath(PersonaViewerID, "/mfa_token"), `{"expires_in":60}`)
			return r.StatusCode, "mfa"
		},
		func(i int) (int, string) {
			r, _ := f.do("POST", "/api/1/users", fmt.Sprintf(`{"firstname":"C","lastname":"U%d","email":"cu%d@example.com"}`, i, i))
			return r.StatusCode, "create"
		},
		func(i int) (int, string) { tn.Persons(); tn.User(PersonaAdminID); tn.Calls(); return 200, "read" },
		func(i int) (int, string) { f.clock.Advance(time.Second); tn.SetLatency(0); return 200, "clock" },
		func(i int) (int, string) { return boolCode(f.getToken() != ""), "token" },
	}
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				op := ops[(g+i)%len(ops)]
				if code, name := op(g*100 + i); code != 200 {
					errs <- fmt.Sprintf("%s: %d", name, code)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if tn.UserCount() < 310 {
		t.Fatalf("creates lost: %d", tn.UserCount())
	}
}

func boolCode(ok bool) int {
	if ok {
		return 200
	}
	return 500
}

func BenchmarkListUsers(b *testing.B) {
	tn := NewTenant(Options{Seed: 1, Clock: NewManualClock(seedEpoch), RateLimitPerHour: 1 << 30})
	tok := tn.tokenFor(seedEpoch, false).access
	queries := []string{
		"/api/1/users",
		"/api/1/users?lastname=*son&sort=-created_at&limit=100",
		"/api/1/users?custom_attributes.location=Berlin&fields=email,status",
		// The console's search for everyone at a domain (make bench).
		"/api/1/users?email=%2A%40example.com&fields=firstname%2Clastname%2Cemail%2Cusername%2Cstatus%2Clocked_until%2Clast_login&limit=50",
	}
	for _, q := range queries {
		b.Run(q, func(b *testing.B) {
			req, _ := http.NewRequest("GET", q, nil)
			req.Header.Set("Authorization", "bearer "+tok)
			for b.Loop() {
				rec := newRecorder()
				tn.ServeHTTP(rec, req)
				if rec.code != 200 {
					b.Fatal(rec.code)
				}
				tn.ResetCalls()
			}
		})
	}
}

func TestCallRecord_keepsTheNewestMaxCalls(t *testing.T) {
	f := newFixture(t, Options{Seed: 10, Users: 1, MaxCalls: 3}) // the token call is the first
	for i := 1; i <= 4; i++ {
		f.do("GET", "/api/1/users?limit="+strconv.Itoa(i), "")
	}
	calls := f.srv.Tenant.Calls()
	var got []string
	for _, c := range calls {
		got = append(got, c.RawQuery)
	}
	if want := []string{"limit=2", "limit=3", "limit=4"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("kept %v, want the newest three oldest first %v", got, want)
	}
	for _, c := range calls {
		if c.Status != 200 {
			t.Errorf("call %s kept status %d", c.RawQuery, c.Status)
		}
		// Header and Query are rebuilt from the compact record.
		if got := c.Header.Get("Authorization"); got != "bearer "+redacted {
			t.Errorf("call %s Authorization %q, want it redacted", c.RawQuery, got)
		}
		if c.Query.Get("limit") != strings.TrimPrefix(c.RawQuery, "limit=") {
			t.Errorf("call %s Query %v", c.RawQuery, c.Query)
		}
	}
	// Several values of one header are kept in order.
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/1/users?limit=5&x=1&x=2", nil)
	req.Header.Set("Authorization", "bearer "+f.token)
	req.Header.Add("X-Trace", "a")
	req.Header.Add("X-Trace", "b")
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	last := f.srv.Tenant.Calls()[2]
	if got := last.Header.Values("X-Trace"); fmt.Sprint(got) != "[a b]" || fmt.Sprint(last.Query["x"]) != "[1 2]" {
		t.Errorf("X-Trace %v, x %v; want [a b] and [1 2]", got, last.Query["x"])
	}
	if n := f.srv.Tenant.CallCount("POST", "/auth/oauth2/"); n != 0 {
		t.Errorf("CallCount counts the forgotten token call: %d", n)
	}
	if n := f.srv.Tenant.CallCount("GET", "/api/1/users"); n != 3 {
		t.Errorf("CallCount = %d, want the 3 kept", n)
	}
	// The ring wraps more than once and stays in order.
	for i := 6; i <= 11; i++ {
		f.do("GET", "/api/1/users?limit="+strconv.Itoa(i), "")
	}
	got = got[:0]
	for _, c := range f.srv.Tenant.Calls() {
		got = append(got, c.RawQuery)
	}
	if want := []string{"limit=9", "limit=10", "limit=11"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after wrapping kept %v, want %v", got, want)
	}
	f.srv.Tenant.ResetCalls()
	f.do("GET", "/api/1/users?limit=12", "")
	if calls := f.srv.Tenant.Calls(); len(calls) != 1 || calls[0].RawQuery != "limit=12" {
		t.Fatalf("after ResetCalls: %+v", calls)
	}
}

func TestCallRecord_bounds(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		if got := (Options{}).withDefaults().MaxCalls; got != DefaultMaxCalls {
			t.Errorf("MaxCalls default %d, want %d", got, DefaultMaxCalls)
		}
		f := newFixture(t, Options{Seed: 10, Users: 1})
		f.do("GET", "/api/1/users", "")
		if n := f.srv.Tenant.CallCount("", "/"); n != 2 {
			t.Errorf("%d calls recorded, want token and list", n)
		}
	})
	t.Run("negative keeps none", func(t *testing.T) {
		f := newFixture(t, Options{Seed: 10, Users: 1, MaxCalls: -1})
		if r, _ := f.do("GET", "/api/1/users", ""); r.StatusCode != 200 {
			t.Fatalf("list: %d", r.StatusCode)
		}
		if calls := f.srv.Tenant.Calls(); len(calls) != 0 {
			t.Errorf("recorded %d calls with MaxCalls -1", len(calls))
		}
	})
}
