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
		form   url.Values
		hdr    []string
		status int
	}{
		{"valid header (htmx)", nil, []string{"X-CSRF-Token", token}, 200},
		{"valid form field", url.Values{"csrf_token": {token}}, nil, 200},
		{"same-origin Referer without Origin", nil, []string{"X-CSRF-Token", token, "Origin", "", "Referer", srv.URL + "/users/7"}, 200},
		{"public URL origin (behind a proxy)", nil, []string{"X-CSRF-Token", token, "Origin", "https://helpdesk.example.com"}, 200},
		{"missing token", nil, nil, 403},
		{"wrong token", nil, []string{"X-CSRF-Token", token[:len(token)-1] + "x"}, 403},
		{"token of another length", url.Values{"csrf_token": {"short"}}, nil, 403},
		{"cross-origin Origin", nil, []string{"X-CSRF-Token", token, "Origin", "http://evil.example"}, 403},
		{"Origin null", nil, []string{"X-CSRF-Token", token, "Origin", "null"}, 403},
		{"other port is another origin", nil, []string{"X-CSRF-Token", token, "Origin", strings.Replace(srv.URL, "127.0.0.1:", "127.0.0.1:1", 1)}, 403},
		{"scheme mismatch", nil, []string{"X-CSRF-Token", token, "Origin", strings.Replace(srv.URL, "http:", "https:", 1)}, 403},
		{"cross-origin Referer", nil, []string{"X-CSRF-Token", token, "Origin", "", "Referer", "http://evil.example/page"}, 403},
		{"neither Origin nor Referer", nil, []string{"X-CSRF-Token", token, "Origin", ""}, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := b.post("/act", tc.form, tc.hdr...)
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
