package staffauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCSRF(t *testing.T) {
	cfg := demoConfig()
	cfg.PublicURL = "https://helpdesk.example.com"
	srv := newApp(t, mustNew(t, cfg))
	b := newBrowser(t, srv.URL)
	b.demoSignIn("helpdesk")
	who, _ := b.whoami()
	token := who.CSRF

	tests := []struct {
		name   string
		query  string
		form   url.Values
		hdr    []string
		status int
	}{
		{"valid header (htmx)", "", nil, []string{"X-CSRF-Token", token}, 200},
		{"valid form field", "", url.Values{"csrf_token": {token}}, nil, 200},
		{"token only in the query string", "?csrf_token=" + token, nil, nil, 403},
		{"query token beside an empty form field", "?csrf_token=" + token, url.Values{"csrf_token": {""}}, nil, 403},
		{"query token beside a wrong form field", "?csrf_token=" + token, url.Values{"csrf_token": {"wrong"}}, nil, 403},
		{"valid header, whatever the query says", "?csrf_token=wrong", nil, []string{"X-CSRF-Token", token}, 200},
		{"same-origin Referer without Origin", "", nil, []string{"X-CSRF-Token", token, "Origin", "", "Referer", srv.URL + "/users/7"}, 200},
		{"public URL origin (behind a proxy)", "", nil, []string{"X-CSRF-Token", token, "Origin", "https://helpdesk.example.com"}, 200},
		{"missing token", "", nil, nil, 403},
		{"wrong token", "", nil, []string{"X-CSRF-Token", token[:len(token)-1] + "x"}, 403},
		{"token of another length", "", url.Values{"csrf_token": {"short"}}, nil, 403},
		{"cross-origin Origin", "", nil, []string{"X-CSRF-Token", token, "Origin", "http://evil.example"}, 403},
		{"Origin null", "", nil, []string{"X-CSRF-Token", token, "Origin", "null"}, 403},
		{"other port is another origin", "", nil, []string{"X-CSRF-Token", token, "Origin", strings.Replace(srv.URL, "127.0.0.1:", "127.0.0.1:1", 1)}, 403},
		{"scheme mismatch", "", nil, []string{"X-CSRF-Token", token, "Origin", strings.Replace(srv.URL, "http:", "https:", 1)}, 403},
		{"cross-origin Referer", "", nil, []string{"X-CSRF-Token", token, "Origin", "", "Referer", "http://evil.example/page"}, 403},
		{"neither Origin nor Referer", "", nil, []string{"X-CSRF-Token", token, "Origin", ""}, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := b.post("/act"+tc.query, tc.form, tc.hdr...)
			if res.StatusCode != tc.status {
				t.Errorf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			if tc.status == 200 && body != "done" {
				t.Errorf("handler did not run: %s", body)
			}
		})
	}

	// Another browser's token does not work in this session.
	other := newBrowser(t, srv.URL)
	other.demoSignIn("helpdesk")
	otherWho, _ := other.whoami()
	if otherWho.CSRF == token {
		t.Fatal("two sessions share a CSRF secret")
	}
	if res, _ := b.post("/act", nil, "X-CSRF-Token", otherWho.CSRF); res.StatusCode != http.StatusForbidden {
		t.Errorf("another session's token: %d", res.StatusCode)
	}
}

func TestCSRF_safeMethodsPass(t *testing.T) {
	srv := newApp(t, mustNew(t, demoConfig()))
	b := newBrowser(t, srv.URL)
	b.demoSignIn("viewer")
	if _, status := b.whoami(); status != http.StatusOK {
		t.Errorf("GET without token: %d", status)
	}
}

func TestCSRF_proxyModeBindsSecretToPerson(t *testing.T) {
	a := mustNew(t, proxyConfig())
	srv := newApp(t, a)
	b := newBrowser(t, srv.URL)
	ann := []string{"X-Forwarded-Email", "ann@example.com"}
	res, body := b.get("/whoami", ann...)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("whoami: %d %s", res.StatusCode, body)
	}
	token := csrfFromJSON(t, body)
	if res, _ := b.post("/act", nil, append([]string{"X-CSRF-Token", token}, ann...)...); res.StatusCode != http.StatusOK {
		t.Errorf("Ann's own token: %d", res.StatusCode)
	}
	// The proxy now hands this browser to Bob: Ann's token must not serve him.
	bob := []string{"X-Forwarded-Email", "bob@example.com"}
	if res, _ := b.post("/act", nil, append([]string{"X-CSRF-Token", token}, bob...)...); res.StatusCode != http.StatusForbidden {
		t.Errorf("Ann's token used by Bob: %d", res.StatusCode)
	}
	_, body = b.get("/whoami", bob...)
	if bobToken := csrfFromJSON(t, body); bobToken == token || bobToken == "" {
		t.Errorf("Bob got token %q (Ann's %q)", bobToken, token)
	}
}

// A secret is bound to an email compared in ASCII case only: an address
// that Unicode case folding would equate with another is someone else.
func TestCSRF_proxyModeBindingIgnoresUnicodeFolding(t *testing.T) {
	srv := newApp(t, mustNew(t, proxyConfig()))
	for _, tc := range []struct {
		name, owner, next string
		shared            bool
	}{
		{"ASCII case differs: the same person", "kim@example.com", "KIM@Example.com", true},
		{"Kelvin sign for k", "kim@example.com", "\u212aim@example.com", false},
		{"long s for s", "sam@example.com", "\u017fam@example.com", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, srv.URL)
			res, body := b.get("/whoami", "X-Forwarded-Email", tc.owner)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("whoami as %s: %d %s", tc.owner, res.StatusCode, body)
			}
			token := csrfFromJSON(t, body)
			want := http.StatusForbidden
			if tc.shared {
				want = http.StatusOK
			}
			if res, _ := b.post("/act", nil, "X-CSRF-Token", token, "X-Forwarded-Email", tc.next); res.StatusCode != want {
				t.Errorf("%s's token used by %+q: %d, want %d", tc.owner, tc.next, res.StatusCode, want)
			}
		})
	}
}
