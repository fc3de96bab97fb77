package staffauth

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// handlerTransport answers HTTP requests from a handler in memory, so that
// a test in a synctest bubble never waits on a socket.
type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	ht.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// receive returns what ch delivers, failing the test if nothing comes within
// a few seconds. The bound only turns a hang into a failure: nothing here
// should take more than milliseconds.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: still waiting after 5 s", what)
		panic("unreachable")
	}
}

// While the provider takes its time over a fetch, an assertion whose key is
// already known verifies at once; only one that needs the new set waits.
func TestProxy_jwksFetchNeverHoldsUpKnownKeys(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration // on the clock before the request that starts the fetch
		trigger string        // kid of that request
	}{
		{"an unknown kid starts the fetch", jwksRefetchInterval, "k-new"},
		{"the set is due for its scheduled refresh", defaultJWKSRefresh, "k-old"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			keys := map[string]signingKey{"k-old": newECKey(t, "k-old"), "k-new": newECKey(t, "k-new")}
			idp := newJWKS(t, keys["k-old"].public())
			a := mustNew(t, jwtProxyConfig(idp.srv.URL), WithClock(clock.Now))
			t.Cleanup(a.Close)
			// try sends an assertion signed with kid's key and delivers the status.
			try := func(kid string) <-chan int {
				tok := keys[kid].sign(t, map[string]any{"iss": jwtIssuer, "aud": jwtAudience,
					"email": "ann@example.com", "exp": clock.Now().Add(time.Hour).Unix()})
				ch := make(chan int, 1)
				go func() {
					status, _ := serve(a, "127.0.0.1:1", map[string]string{assertionHeader: tok})
					ch <- status
				}()
				return ch
			}
			if s := receive(t, try("k-old"), "first sign-in"); s != http.StatusOK {
				t.Fatalf("first sign-in: %d", s)
			}

			arrived, release := idp.hang(t)
			idp.set(keys["k-old"].public(), keys["k-new"].public())
			clock.Advance(tc.advance)
			trigger := try(tc.trigger)
			receive(t, arrived, "the fetch reaching the provider")

			for i := range 3 {
				if s := receive(t, try("k-old"), "a known kid during the fetch"); s != http.StatusOK {
					t.Errorf("known kid during the fetch, request %d: %d", i+1, s)
				}
			}
			// Needs the new set: shares the running fetch rather than
			// starting another (or, if it comes late, finds the new set).
			waiting := try("k-new")

			release()
			if s := receive(t, trigger, "the request that started the fetch"); s != http.StatusOK {
				t.Errorf("request that started the fetch: %d", s)
			}
			if s := receive(t, waiting, "the unknown kid waiting on the fetch"); s != http.StatusOK {
				t.Errorf("unknown kid waiting on the fetch: %d", s)
			}
			if n := idp.fetches.Load(); n != 2 {
				t.Errorf("%d fetches, want 2: one at the start, one shared by everything after", n)
			}
		})
	}
}

// The key set is fetched again every JWKSRefresh, so a key the provider
// removed stops verifying then, with no request for an unknown kid needed.
// In virtual time: the provider answers in memory.
func TestProxy_jwksRefreshedOnSchedule(t *testing.T) {
	type step struct {
		at      time.Duration // since the first sign-in
		key     string        // kid the assertion is signed with
		want    int
		fetches int32 // after the step
	}
	tests := []struct {
		name     string
		stopTick bool // Auth.Close before the refresh is due
		steps    []step
	}{
		{"the timer refreshes an idle console", false, []step{
			{0, "k-old", 200, 1},
			{defaultJWKSRefresh - time.Second, "k-old", 200, 1}, // removed a minute in, still cached
			{defaultJWKSRefresh, "k-old", 401, 2},               // refreshed on time: gone
			{defaultJWKSRefresh, "k-new", 200, 2},               // the new key came with it
			{2 * defaultJWKSRefresh, "k-new", 200, 3},           // and again an interval later
		}},
		{"without the timer, the first request after the interval refreshes in the background", true, []step{
			{0, "k-old", 200, 1},
			{defaultJWKSRefresh, "k-old", 200, 2}, // cached key answers at once; the refresh runs meanwhile
			{defaultJWKSRefresh + time.Second, "k-old", 401, 2},
			{defaultJWKSRefresh + time.Second, "k-new", 200, 2},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				keys := map[string]signingKey{"k-old": newECKey(t, "k-old"), "k-new": newECKey(t, "k-new")}
				idp := &jwks{keys: []jose.JSONWebKey{keys["k-old"].public()}}
				a := mustNew(t, jwtProxyConfig("https://idp.example.com/jwks"),
					WithHTTPClient(&http.Client{Transport: handlerTransport{idp}}))
				defer a.Close()
				start := time.Now()
				for i, s := range tc.steps {
					time.Sleep(time.Until(start.Add(s.at)))
					synctest.Wait() // any refresh due by now has finished
					tok := keys[s.key].sign(t, map[string]any{"iss": jwtIssuer, "aud": jwtAudience,
						"email": "ann@example.com", "exp": time.Now().Add(time.Hour).Unix()})
					status, _ := serve(a, "127.0.0.1:1", map[string]string{assertionHeader: tok})
					synctest.Wait()
					if status != s.want || idp.fetches.Load() != s.fetches {
						t.Errorf("step %d, %s in, %s: %d after %d fetches, want %d after %d",
							i+1, s.at, s.key, status, idp.fetches.Load(), s.want, s.fetches)
					}
					if i == 0 {
						time.Sleep(time.Minute)
						idp.set(keys["k-new"].public()) // the provider rotates: k-old is gone
						if tc.stopTick {
							a.Close()
						}
					}
				}
			})
		})
	}
}

// defaultJWKSRefresh is HELPDESK_PROXY_JWKS_REFRESH's default, which the
// test configurations get.
var defaultJWKSRefresh = jwtProxyConfig("https://idp.example.com/jwks").Auth.Proxy.JWKSRefresh
