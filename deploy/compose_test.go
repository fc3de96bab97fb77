package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"onelogin-helpdesk/config"
)

// exampleVars are values an operator would put in deploy/.env.
var exampleVars = map[string]string{
	"HELPDESK_PUBLIC_URL":        "https://helpdesk.example.com",
	"HELPDESK_ADMIN_GROUPS":      "IT Administrators",
	"HELPDESK_HELPDESK_GROUPS":   "Service Desk",
	"ONELOGIN_SUBDOMAIN":         "acme",
	"ONELOGIN_CLIENT_ID":         "id",
	"OIDC_CLIENT_ID":             "oidc-id",
	"OIDC_CLIENT_SECRET":         "oidc-secret",
	"OAUTH2_PROXY_COOKIE_SECRET": "0123456789abcdef0123456789abcdef",
}

// exampleSecrets are what an operator would write in deploy/secrets/.
var exampleSecrets = map[string]string{
	"session_keys":           "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n",
	"onelogin_client_secret": "secret",
	"postgres_password":      "pg-password\n",
	"database_url":           "postgres://helpdesk:pg-password@postgres:5432/helpdesk?sslmode=disable\n",
}

// mountSecrets writes the example secrets to a directory standing for
// /run/secrets and points env's _FILE settings there; each must name a
// secret the service mounts from a file.
func mountSecrets(t *testing.T, c Compose, service string, env map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range exampleSecrets {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range env {
		if !strings.HasSuffix(k, "_FILE") {
			continue
		}
		name, ok := strings.CutPrefix(v, SecretsDir)
		switch {
		case !ok:
			t.Errorf("%s's %s is %s, not a docker secret under %s", service, k, v, SecretsDir)
		case !contains(c.Services[service].Secrets, name):
			t.Errorf("%s's %s names the secret %s, which the service does not mount", service, k, name)
		case c.Secrets[name].File == "":
			t.Errorf("the secret %s is not declared from a file", name)
		}
		env[k] = filepath.Join(dir, name)
	}
}

// imageEnv is the ENV the Dockerfile bakes into the image: the compose
// settings apply on top of it.
func imageEnv(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(HELPDESK_[A-Z_]+|ONELOGIN_[A-Z_]+)=(\S*)`).FindAllStringSubmatch(string(raw), -1) {
		env[m[1]] = m[2]
	}
	return env
}

var consoles = []string{"console-a", "console-b"}

// TestCompose_consoleSettings: every HELPDESK_/ONELOGIN_ variable the file
// sets is one the console reads, and the replicas' environment (on top of
// the image's) is a complete, valid configuration with what a real
// deployment needs.
func TestCompose_consoleSettings(t *testing.T) {
	c, err := Load("compose.yaml", exampleVars)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, s := range config.Settings {
		known[s.Name] = true
		if f := s.FileName(); f != "" {
			known[f] = true
		}
	}
	for name, svc := range c.Services {
		for k := range svc.Environment {
			if (strings.HasPrefix(k, "HELPDESK_") || strings.HasPrefix(k, "ONELOGIN_")) && !known[k] {
				t.Errorf("service %s sets %s, which the console does not read (config.Settings)", name, k)
			}
		}
	}
	var first map[string]string
	for _, name := range consoles {
		svc, ok := c.Services[name]
		if !ok {
			t.Fatalf("no service %s: the example runs two replicas", name)
		}
		env := imageEnv(t)
		for k, v := range svc.Environment {
			env[k] = v
		}
		for _, st := range config.Settings {
			if env[st.Name] != "" && st.FileName() != "" {
				t.Errorf("%s has the secret %s in its environment: mount it and set %s", name, st.Name, st.FileName())
			}
		}
		mountSecrets(t, c, name, env)
		cfg, err := config.Load(func(k string) string { return env[k] })
		if err != nil {
			t.Fatalf("%s's configuration does not load:\n%v", name, err)
		}
		checks := []struct {
			ok   bool
			what string
		}{
			{!cfg.Demo, "not a demo"},
			{cfg.Auth.Mode == config.ModeProxy, "proxy sign-in"},
			{len(cfg.Auth.Proxy.TrustedProxies) == 1 && cfg.Auth.Proxy.TrustedProxies[0].Bits() == 32, "exactly one trusted proxy address"},
			{cfg.Session.SecureCookies, "secure cookies"},
			{len(cfg.Session.Keys) > 0, "session keys"},
			{strings.HasPrefix(cfg.HTTP.PublicURL, "https://"), "an https public URL"},
			{cfg.State.DatabaseURL != "" && cfg.Audit.DB == "", "state in PostgreSQL, no SQLite file"},
			{cfg.OneLogin.BaseURL != "" && cfg.OneLogin.ClientSecret != "", "a OneLogin tenant and credential"},
			{len(cfg.Auth.AdminGroups) > 0, "admin groups"},
			{cfg.Ops.MetricsAddr != "", "metrics off the public address"},
		}
		for _, ch := range checks {
			if !ch.ok {
				t.Errorf("%s lacks %s", name, ch.what)
			}
		}
		if first == nil {
			first = svc.Environment
		} else if !sameEnv(first, svc.Environment) {
			t.Errorf("the replicas' settings differ: one console is two")
		}
	}

	// The one trusted address is the proxy's, and the proxy's upstream is
	// the replicas' shared name.
	proxy, ok := c.Services["oauth2-proxy"]
	if !ok {
		t.Fatal("no oauth2-proxy service")
	}
	addr := proxy.Networks["internal"].IPv4
	if want := c.Services["console-a"].Environment["HELPDESK_TRUSTED_PROXIES"]; addr+"/32" != want {
		t.Errorf("the console trusts %s, the proxy is at %s", want, addr)
	}
	if !strings.HasSuffix(proxy.Image, ":v"+OAuth2ProxyVersion) {
		t.Errorf("oauth2-proxy image %s, want the version the tests run (%s)", proxy.Image, OAuth2ProxyVersion)
	}
	flags := Flags(proxy.Command)
	for _, name := range consoles {
		if !contains(c.Services[name].Networks["internal"].Aliases, "console") || flags["upstream"] != "http://console:8080/" {
			t.Errorf("%s is not behind the proxy's upstream (%q)", name, flags["upstream"])
		}
	}
	for flag, want := range map[string]string{
		"pass-user-headers": "true", "skip-auth-strip-headers": "true", "cookie-secure": "true", "provider": "oidc",
	} {
		if flags[flag] != want {
			t.Errorf("oauth2-proxy --%s=%q, want %q", flag, flags[flag], want)
		}
	}
}

func sameEnv(a, b map[string]string) bool {
	ka := make([]string, 0, len(a))
	for k := range a {
		ka = append(ka, k)
	}
	sort.Strings(ka)
	if len(a) != len(b) {
		return false
	}
	for _, k := range ka {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestCompose_everyVariableIsDocumented: each ${VAR} the file needs is in
// the example .env, so an operator filling it in misses none.
func TestCompose_everyVariableIsDocumented(t *testing.T) {
	raw, _ := os.ReadFile("compose.yaml")
	raw = regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAll(raw, nil) // comments name no variable
	example, err := os.ReadFile("helpdesk.env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ref.FindAllStringSubmatch(string(raw), -1) {
		if !regexp.MustCompile(`(?m)^` + m[1] + `=`).Match(example) {
			t.Errorf("compose.yaml uses ${%s}, which helpdesk.env.example does not list", m[1])
		}
	}
}
