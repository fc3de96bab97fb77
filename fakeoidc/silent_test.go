package fakeoidc

import (
	"net/http"
	"net/url"
	"testing"
)

// TestProvider_promptNone: without a provider session prompt=none answers
// login_required; after a pick in this browser it grants a code at once,
// for the same person, without showing the page.
func TestProvider_promptNone(t *testing.T) {
	p, srv := setup(t)
	silent := func(cookie *http.Cookie) url.Values {
		t.Helper()
		q := authParams()
		q.Set("prompt", "none")
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/oidc/2/auth?"+q.Encode(), nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		res, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusFound {
			t.Fatalf("prompt=none: status %d, want a redirect back", res.StatusCode)
		}
		loc, _ := url.Parse(res.Header.Get("Location"))
		return loc.Query()
	}
	if q := silent(nil); q.Get("error") != "login_required" || q.Get("state") != "st4te" || q.Get("code") != "" {
		t.Errorf("no provider session: %v", q)
	}

	form := authParams()
	form.Set("person", "1")
	res, err := noFollow.PostForm(srv.URL+"/oidc/2/auth", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil {
		t.Fatal("a pick set no provider session")
	}
	q := silent(session)
	if q.Get("code") == "" || q.Get("error") != "" {
		t.Fatalf("with a provider session: %v", q)
	}
	p.mu.Lock()
	g := p.codes[q.Get("code")]
	p.mu.Unlock()
	if g.person.Email != "ann@example.com" {
		t.Errorf("silent code for %q, want ann", g.person.Email)
	}
	if q := silent(&http.Cookie{Name: sessionCookie, Value: "999"}); q.Get("error") != "login_required" {
		t.Errorf("a person who left the directory: %v", q)
	}
}
