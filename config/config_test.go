package config

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// env makes a getenv from a map; demo adds HELPDESK_DEMO=true, real adds a
// complete real-tenant setup, so each case names only what it is about.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func demo(m map[string]string) func(string) string {
	return env(with(m, map[string]string{"HELPDESK_DEMO": "true"}))
}

const testKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes

func real(m map[string]string) func(string) string {
	return env(with(m, map[string]string{
		"ONELOGIN_SUBDOMAIN": "acme", "ONELOGIN_CLIENT_ID": "id", "ONELOGIN_CLIENT_SECRET": "s3cr3t",
		"HELPDESK_AUTH_MODE": "proxy", "HELPDESK_TRUSTED_PROXIES": "10.0.0.0/8", "HELPDESK_SESSION_KEYS": testKey,
	}))
}

// with returns base with m on top; an empty value in m unsets.
func with(m, base map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestLoad_demoIsExplicit(t *testing.T) {
	c, err := Load(demo(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Demo || c.Auth.Mode != ModeDemo || c.HTTP.Addr != "127.0.0.1:8080" || c.HTTP.PublicURL != "http://127.0.0.1:8080" {
		t.Errorf("demo defaults: %+v", c)
	}
	if c.Audit.DB != "" {
		t.Errorf("a demo writes its trail to %q; want a temporary file (empty)", c.Audit.DB)
	}
	if c.OneLogin.Timeout != 10*time.Second || c.Fake.Users != 2000 || c.Fake.RateLimit != 5000 || c.SelfService.UnlocksPerHour != 3 {
		t.Errorf("numeric defaults: %+v", c)
	}
}

func TestLoad_nothingSetIsNotADemo(t *testing.T) {
	_, err := Load(env(nil))
	if err == nil {
		t.Fatal("an empty environment started something")
	}
	for _, want := range []string{"ONELOGIN_SUBDOMAIN", "ONELOGIN_CLIENT_ID", "ONELOGIN_CLIENT_SECRET", "HELPDESK_DEMO=true",
		"HELPDESK_AUTH_MODE: is required", "HELPDESK_SESSION_KEYS: is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

func TestLoad_realTenant(t *testing.T) {
	c, err := Load(real(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Demo || c.OneLogin.BaseURL != "https://acme.onelogin.com" || c.Audit.DB != defaultAuditDB || len(c.Session.Keys) != 1 {
		t.Errorf("real tenant: %+v", c)
	}
	if s := fmt.Sprintf("%v %+v %#v", c.OneLogin, c, c); strings.Contains(s, "s3cr3t") || strings.Contains(s, "MDEyMzQ1") {
		t.Errorf("a secret printed: %s", s)
	}
	c, err = Load(real(map[string]string{"ONELOGIN_URL": "https://acme.eu.onelogin.com/", "ONELOGIN_SUBDOMAIN": ""}))
	if err != nil || c.OneLogin.BaseURL != "https://acme.eu.onelogin.com" {
		t.Errorf("ONELOGIN_URL: %q %v", c.OneLogin.BaseURL, err)
	}
}

func TestLoad_oidcRedirectDefault(t *testing.T) {
	c, err := Load(real(map[string]string{"HELPDESK_AUTH_MODE": "oidc", "HELPDESK_PUBLIC_URL": "https://hd.example.com/",
		"HELPDESK_OIDC_ISSUER": "https://acme.onelogin.com/oidc/2", "HELPDESK_OIDC_CLIENT_ID": "c", "HELPDESK_OIDC_CLIENT_SECRET": "s"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Auth.OIDC.RedirectURL != "https://hd.example.com/auth/callback" {
		t.Errorf("redirect %q", c.Auth.OIDC.RedirectURL)
	}
}

// TestLoad_problems lists, per configuration, the problems it must report,
// all at once.
func TestLoad_problems(t *testing.T) {
	cases := []struct {
		name string
		env  func(string) string
		want []string
	}{
		{"three mistakes over OneLogin, sign-in and audit", real(map[string]string{
			"ONELOGIN_TIMEOUT": "soon", "HELPDESK_TRUSTED_PROXIES": "nonsense", "HELPDESK_SESSION_KEYS": "short"}),
			[]string{"ONELOGIN_TIMEOUT", `HELPDESK_TRUSTED_PROXIES: "nonsense"`, "HELPDESK_SESSION_KEYS: key 1"}},
		{"parse errors", demo(map[string]string{"HELPDESK_ADDR": "nope", "HELPDESK_LOG_LEVEL": "loud", "HELPDESK_TIMEZONE": "Mars/Olympus",
			"HELPDESK_FAKE_USERS": "-1", "HELPDESK_REQUIRE_TICKET": "maybe", "HELPDESK_PUBLIC_URL": "ftp://x", "HELPDESK_METRICS_ADDR": "9090"}),
			[]string{"HELPDESK_ADDR", "HELPDESK_LOG_LEVEL", "HELPDESK_TIMEZONE", "HELPDESK_FAKE_USERS", "HELPDESK_REQUIRE_TICKET",
				"HELPDESK_PUBLIC_URL", "HELPDESK_METRICS_ADDR"}},
		{"breaker", demo(map[string]string{"HELPDESK_BREAKER_FAILURES": "-1", "HELPDESK_BREAKER_OPEN": "0s"}),
			[]string{"HELPDESK_BREAKER_FAILURES: must be a whole number from 0 to 1000", "HELPDESK_BREAKER_OPEN: must be a duration longer than 0s"}},
		{"fake rate limit", demo(map[string]string{"HELPDESK_FAKE_RATE_LIMIT": "0"}), []string{"HELPDESK_FAKE_RATE_LIMIT"}},
		{"a tenant without credentials", env(map[string]string{"ONELOGIN_SUBDOMAIN": "acme"}),
			[]string{"ONELOGIN_CLIENT_ID", "ONELOGIN_CLIENT_SECRET", "HELPDESK_AUTH_MODE"}},
		{"demo sign-in on a real tenant", real(map[string]string{"HELPDESK_AUTH_MODE": "demo"}), []string{"HELPDESK_AUTH_MODE: demo signs anyone in"}},
		{"demo and a real tenant at once", demo(map[string]string{"ONELOGIN_CLIENT_ID": "a"}), []string{"HELPDESK_DEMO: runs the embedded fake tenant"}},
		{"fake settings without demo", real(map[string]string{"HELPDESK_FAKE_USERS": "50"}), []string{"HELPDESK_FAKE_USERS: configures the embedded fake tenant"}},
		{"subdomain given as a host", real(map[string]string{"ONELOGIN_SUBDOMAIN": "acme.onelogin.com"}), []string{"bare subdomain"}},
		{"unknown auth mode", real(map[string]string{"HELPDESK_AUTH_MODE": "saml"}), []string{"HELPDESK_AUTH_MODE: must be proxy, oidc or demo"}},
		{"proxy trusts nobody", real(map[string]string{"HELPDESK_TRUSTED_PROXIES": ""}), []string{"HELPDESK_TRUSTED_PROXIES: is required"}},
		{"assertion without its keys", real(map[string]string{"HELPDESK_PROXY_JWT_HEADER": "X-Assertion"}),
			[]string{"HELPDESK_PROXY_JWKS_URL", "HELPDESK_PROXY_JWT_AUDIENCE", "HELPDESK_PROXY_JWT_ISSUER"}},
		{"oidc without a client", real(map[string]string{"HELPDESK_AUTH_MODE": "oidc"}),
			[]string{"HELPDESK_OIDC_ISSUER", "HELPDESK_OIDC_CLIENT_ID", "HELPDESK_OIDC_CLIENT_SECRET"}},
		{"oidc redirect elsewhere", real(map[string]string{"HELPDESK_AUTH_MODE": "oidc", "HELPDESK_OIDC_ISSUER": "https://i.example",
			"HELPDESK_OIDC_CLIENT_ID": "c", "HELPDESK_OIDC_CLIENT_SECRET": "s", "HELPDESK_OIDC_REDIRECT_URL": "https://h.example/cb"}),
			[]string{"HELPDESK_OIDC_REDIRECT_URL: must be an absolute http(s) URL ending in /auth/callback"}},
		{"a demo client without its issuer", demo(map[string]string{"HELPDESK_OIDC_CLIENT_ID": "c"}), []string{"HELPDESK_OIDC_CLIENT_ID: is set without HELPDESK_OIDC_ISSUER"}},
		{"idle longer than max age", demo(map[string]string{"HELPDESK_SESSION_IDLE_TIMEOUT": "2h", "HELPDESK_SESSION_MAX_AGE": "1h"}),
			[]string{"HELPDESK_SESSION_IDLE_TIMEOUT: (2h0m0s) must not exceed"}},
		{"frame ancestors that would end the directive", demo(map[string]string{"HELPDESK_FRAME_ANCESTORS": "https://a.example; script-src *"}),
			[]string{"HELPDESK_FRAME_ANCESTORS"}},
		{"a demo pointed at a real trail", demo(map[string]string{"HELPDESK_AUDIT_DB": "/data/helpdesk-audit.db"}),
			[]string{"HELPDESK_AUDIT_DB: in demo mode the file name must start with demo-"}},
		{"bad header name", real(map[string]string{"HELPDESK_PROXY_EMAIL_HEADER": "X-Email: x"}), []string{"HELPDESK_PROXY_EMAIL_HEADER"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.env)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLoad_secretsNeverInProblems(t *testing.T) {
	const key = "c2hvcnQtYnV0LXNlY3JldA" // 16 bytes: too short, and secret
	_, err := Load(real(map[string]string{"HELPDESK_SESSION_KEYS": testKey + "," + key}))
	if err == nil || !strings.Contains(err.Error(), "HELPDESK_SESSION_KEYS: key 2 is 16 bytes") {
		t.Fatalf("want a problem with key 2, got %v", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("the key's value is in the error: %v", err)
	}
}

func TestLoad_demoMayKeepANamedTrail(t *testing.T) {
	c, err := Load(demo(map[string]string{"HELPDESK_AUDIT_DB": "/tmp/demo-trail.db"}))
	if err != nil || c.Audit.DB != "/tmp/demo-trail.db" {
		t.Errorf("%q %v", c.Audit.DB, err)
	}
}

func TestUsage_listsEverySetting(t *testing.T) {
	u := Usage()
	for _, s := range Settings {
		if !strings.Contains(u, s.Name) {
			t.Errorf("--help lacks %s", s.Name)
		}
	}
}

var update = flag.Bool("update", false, "rewrite the README's configuration table from Settings")

// TestREADME_tableMatchesSettings keeps the README's configuration table in
// step with the code: the same variables, the same defaults. With -update
// it rewrites the table.
func TestREADME_tableMatchesSettings(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		b = rewriteTable(t, b)
		if err := os.WriteFile("../README.md", b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	row := regexp.MustCompile("(?m)^\\|\\s*`([A-Z_]+)`\\s*\\|\\s*([^|]*?)\\s*\\|")
	inReadme := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		inReadme[m[1]] = strings.Trim(m[2], "` ")
	}
	for _, s := range Settings {
		def, ok := inReadme[s.Name]
		if !ok {
			t.Errorf("README.md has no row for %s", s.Name)
			continue
		}
		if def != s.Default {
			t.Errorf("README.md default of %s is %q, code says %q", s.Name, def, s.Default)
		}
		delete(inReadme, s.Name)
		if f := s.FileName(); f != "" {
			if _, ok := inReadme[f]; !ok {
				t.Errorf("README.md has no row for %s", f)
			}
			delete(inReadme, f)
		}
	}
	for name := range inReadme {
		t.Errorf("README.md documents %s, which the code does not read", name)
	}
}

// rewriteTable replaces the README's configuration table with one made
// from Settings.
func rewriteTable(t *testing.T, readme []byte) []byte {
	const head = "| Variable | Default | Meaning |"
	s := string(readme)
	start := strings.Index(s, head)
	if start < 0 {
		t.Fatal("README.md has no configuration table to rewrite")
	}
	end := strings.Index(s[start:], "\n\n")
	if end < 0 {
		end = len(s) - start
	}
	var b strings.Builder
	b.WriteString(head + "\n|---|---|---|\n")
	for _, st := range Settings {
		def := st.Default
		if def != "" {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", st.Name, def, st.Help)
		if f := st.FileName(); f != "" {
			fmt.Fprintf(&b, "| `%s` |  | %s |\n", f, st.FileHelp())
		}
	}
	return []byte(s[:start] + strings.TrimSuffix(b.String(), "\n") + s[start+end:])
}
