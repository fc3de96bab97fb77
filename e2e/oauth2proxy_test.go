//go:build e2e

package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/deploy"
	"onelogin-helpdesk/fakeoidc"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
	"onelogin-helpdesk/internal/process"
)

// TestOAuth2Proxy_signsStaffIn runs the real oauth2-proxy (the pinned
// release `make e2e` builds) with deploy/compose.yaml's flags in front of a
// console in proxy mode, and signs in through it at the fake tenant's OIDC
// provider: an admin, a helpdesk agent and an employee each land with their
// role; an identity header the browser sends itself is stripped by the
// proxy; the same header sent straight to the console from an address
// outside HELPDESK_TRUSTED_PROXIES is refused.
func TestOAuth2Proxy_signsStaffIn(t *testing.T) {
	t.Parallel()
	bin := os.Getenv("OAUTH2_PROXY_BIN")
	if bin == "" {
		msg := "OAUTH2_PROXY_BIN is not set: `make e2e` builds oauth2-proxy " + deploy.OAuth2ProxyVersion + " and sets it"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// go install leaves --version "undefined"; the build info has the module.
	if out, err := exec.Command("go", "version", "-m", bin).CombinedOutput(); err != nil ||
		!strings.Contains(string(out), "github.com/oauth2-proxy/oauth2-proxy/v7\tv"+deploy.OAuth2ProxyVersion) {
		t.Fatalf("go version -m %s: %v\n%s\nwant oauth2-proxy v%s", bin, err, out, deploy.OAuth2ProxyVersion)
	}

	// One fake tenant with its OIDC provider, served here: the console is
	// not a demo, so it embeds none.
	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: 300})
	t.Cleanup(fake.Close)
	proxyAddr := consoletest.FreeAddr(t)
	proxyURL := "http://" + proxyAddr
	clientSecret := randomHex(16)
	tenant := fake.Tenant
	provider := fakeoidc.NewProvider(fake.URL+"/oidc/2", fakeoidc.DirectoryFunc(func() []fakeoidc.Person {
		var out []fakeoidc.Person
		for _, p := range tenant.Persons() {
			out = append(out, fakeoidc.Person{ID: p.ID, Email: p.Email, Name: p.Name, Groups: p.Groups})
		}
		return out
	}), fakeoidc.WithClient(fakeoidc.Client{ID: "oauth2-proxy", Secret: clientSecret, RedirectURIs: []string{proxyURL + "/oauth2/callback"}}))
	fake.Mount("/oidc/2/", provider)

	// The console, in proxy mode, trusting the proxy's address only.
	consoleURL := startProxiedConsole(t, fake, proxyURL)

	// oauth2-proxy with the compose file's flags; only what names this
	// machine (addresses, URLs, secrets) and TLS (none on loopback) differ.
	c, err := deploy.Load("../deploy/compose.yaml", map[string]string{"ONELOGIN_SUBDOMAIN": "acme", "HELPDESK_PUBLIC_URL": proxyURL})
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	replaced := map[string]string{
		"oidc-issuer-url": fake.URL + "/oidc/2",
		"client-id":       "oauth2-proxy",
		"redirect-url":    proxyURL + "/oauth2/callback",
		"upstream":        consoleURL + "/",
		"cookie-secure":   "false",
	}
	for _, a := range c.Services["oauth2-proxy"].Command {
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		switch {
		case name == "https-address" || name == "tls-cert-file" || name == "tls-key-file":
			continue // TLS is the edge's; loopback has none
		case replaced[name] != "":
			a = "--" + name + "=" + replaced[name]
		}
		args = append(args, a)
	}
	args = append(args, "--http-address="+proxyAddr)
	cookieSecret := make([]byte, 32)
	_, _ = rand.Read(cookieSecret)
	consoletest.StartProgram(t, "oauth2-proxy", process.Spec{Path: bin, Args: args, Addr: proxyAddr, Ready: "/ping",
		Env: []string{"OAUTH2_PROXY_CLIENT_SECRET=" + clientSecret,
			"OAUTH2_PROXY_COOKIE_SECRET=" + base64.RawURLEncoding.EncodeToString(cookieSecret)}})

	// Each persona has two groups (Employees and their staff group): were
	// the proxy to send X-Forwarded-Groups as two lines instead of one
	// comma-joined line, the console would refuse the repeated header (400)
	// and no one would land.
	for _, tc := range []struct {
		name, email, role, landing string
		forged                     map[string]string // identity headers the browser adds itself
	}{
		{"admin", fakeonelogin.PersonaAdmin, "admin", "/users", nil},
		{"helpdesk agent", fakeonelogin.PersonaHelpdesk, "helpdesk", "/users", nil},
		{"employee", fakeonelogin.PersonaEmployee, "employee", "/me", nil},
		{"employee forging headers", fakeonelogin.PersonaEmployee, "employee", "/me", map[string]string{
			"X-Forwarded-Email": fakeonelogin.PersonaAdmin, "X-Forwarded-Groups": fakeonelogin.GroupAdmins}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []contextOption
			if tc.forged != nil {
				opts = append(opts, func(o *playwright.BrowserNewContextOptions) { o.ExtraHttpHeaders = tc.forged })
			}
			page := newPage(t, tc.name, opts...)
			_, err := page.Goto(proxyURL + "/")
			must(t, err, "open the console through the proxy")
			// The proxy sends the browser straight to the provider.
			must(t, page.GetByTestId("search").Fill(tc.email), "search the provider for %s", tc.email)
			must(t, page.GetByTestId("search-button").Click(), "search the provider")
			must(t, page.GetByTestId("pick-"+tc.email).Click(), "pick %s", tc.email)
			must(t, page.WaitForURL(proxyURL+tc.landing+"**"), "land on %s as %s", tc.landing, tc.role)
			must(t, expect.Locator(page.GetByTestId("whoami")).ToHaveText(tc.email), "the console shows who signed in")
			must(t, expect.Locator(page.Locator(".role-badge")).ToHaveText(tc.role), "with the role %s", tc.role)
		})
	}

	t.Run("headers straight to the console from outside the trusted proxies", func(t *testing.T) {
		forged := func(from string) int {
			t.Helper()
			c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: (&net.Dialer{
				LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}).DialContext},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			req, _ := http.NewRequest(http.MethodGet, consoleURL+"/audit", nil)
			req.Header.Set("X-Forwarded-Email", fakeonelogin.PersonaAdmin)
			req.Header.Set("X-Forwarded-Groups", fakeonelogin.GroupAdmins)
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return res.StatusCode
		}
		// 127.0.0.2 is loopback too, but not the proxy's 127.0.0.1.
		if code := forged("127.0.0.2"); code != http.StatusUnauthorized {
			t.Errorf("identity headers from 127.0.0.2: %d, want 401", code)
		}
		// From the proxy's address the same request is believed: the
		// address, not the headers, made the difference.
		if code := forged("127.0.0.1"); code != http.StatusOK {
			t.Errorf("identity headers from the trusted 127.0.0.1: %d, want 200", code)
		}
	})
}

// startProxiedConsole serves a console in proxy mode on 127.0.0.1 in front
// of fake, trusting 127.0.0.1 (the proxy) only, and returns its URL.
func startProxiedConsole(t *testing.T, fake *fakeonelogin.Server, publicURL string) string {
	t.Helper()
	return consoletest.Start(t, map[string]string{
		"HELPDESK_PUBLIC_URL":         publicURL,
		"HELPDESK_AUTH_MODE":          "proxy",
		"HELPDESK_TRUSTED_PROXIES":    "127.0.0.1/32",
		"HELPDESK_PROXY_SIGN_OUT_URL": "/oauth2/sign_out",
		"HELPDESK_SESSION_KEYS":       base64.StdEncoding.EncodeToString([]byte(randomHex(16))),
		"HELPDESK_ADMIN_GROUPS":       fakeonelogin.GroupAdmins,
		"HELPDESK_HELPDESK_GROUPS":    fakeonelogin.GroupHelpdesk,
		"HELPDESK_VIEWER_GROUPS":      fakeonelogin.GroupViewers,
		"ONELOGIN_URL":                fake.URL,
		"ONELOGIN_CLIENT_ID":          fake.ClientID,
		"ONELOGIN_CLIENT_SECRET":      fake.ClientSecret,
	}).URL
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
