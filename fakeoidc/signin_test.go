package fakeoidc

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
)

// TestProvider_onSignIn: the hook hears of each sign-in the provider grants,
// with the person and the browser's request, and of no refused one.
func TestProvider_onSignIn(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []Person
		uas  []string
	)
	p, srv := setup(t, OnSignIn(func(r *http.Request, person Person) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, person)
		uas = append(uas, r.UserAgent())
	}))
	codeFor(t, p, srv, "2")
	deny := authParams()
	deny.Set("deny", "1")
	pick(t, p, srv, deny)
	res, err := noFollow.PostForm(srv.URL+"/oidc/2/auth", func() url.Values { f := authParams(); f.Set("person", "99"); return f }())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0].Email != "bob@example.com" || uas[0] == "" {
		t.Errorf("sign-ins heard = %+v (user agents %q), want Bob's only", seen, uas)
	}
}
