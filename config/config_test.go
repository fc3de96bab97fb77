package config

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad_defaultsRunTheDemo(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.UsesFake() || c.AuthMode != "demo" || c.Addr != "127.0.0.1:8080" || c.PublicURL != "http://127.0.0.1:8080" {
		t.Errorf("defaults: %+v", c)
	}
	if c.OneLogin.Timeout != 10*time.Second || c.Fake.Users != 2000 || c.SelfUnlocksPerHour != 3 {
		t.Errorf("numeric defaults: %+v", c)
	}
}

func TestLoad_realTenant(t *testing.T) {
	c, err := Load(env(map[string]string{
		"ONELOGIN_SUBDOMAIN": "acme", "ONELOGIN_CLIENT_ID": "id", "ONELOGIN_CLIENT_SECRET": "s3cr3t",
		"HELPDESK_AUTH_MODE": "oidc",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.OneLogin.BaseURL != "https://acme.onelogin.com" || c.UsesFake() {
		t.Errorf("base URL %q", c.OneLogin.BaseURL)
	}
	if s := fmt.Sprintf("%v %+v", c.OneLogin, c.OneLogin); strings.Contains(s, "s3cr3t") {
		t.Errorf("secret printed: %s", s)
	}
}

func TestLoad_everyProblemAtOnce(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"HELPDESK_ADDR": "nope", "ONELOGIN_TIMEOUT": "soon", "HELPDESK_LOG_LEVEL": "loud"},
			[]string{"HELPDESK_ADDR", "ONELOGIN_TIMEOUT", "HELPDESK_LOG_LEVEL"}},
		{map[string]string{"ONELOGIN_SUBDOMAIN": "acme"}, []string{"ONELOGIN_CLIENT_ID", "HELPDESK_AUTH_MODE"}},
		{map[string]string{"ONELOGIN_URL": "https://acme.onelogin.com", "ONELOGIN_CLIENT_ID": "a", "ONELOGIN_CLIENT_SECRET": "b",
			"HELPDESK_AUTH_MODE": "demo"}, []string{"demo mode"}},
		{map[string]string{"ONELOGIN_CLIENT_ID": "a"}, []string{"no tenant"}},
		{map[string]string{"ONELOGIN_SUBDOMAIN": "acme.onelogin.com", "ONELOGIN_CLIENT_ID": "a", "ONELOGIN_CLIENT_SECRET": "b",
			"HELPDESK_AUTH_MODE": "proxy"}, []string{"bare subdomain"}},
		{map[string]string{"HELPDESK_TIMEZONE": "Mars/Olympus", "HELPDESK_FAKE_USERS": "-1", "HELPDESK_REQUIRE_TICKET": "maybe",
			"HELPDESK_PUBLIC_URL": "ftp://x", "HELPDESK_METRICS_ADDR": "9090"},
			[]string{"HELPDESK_TIMEZONE", "HELPDESK_FAKE_USERS", "HELPDESK_REQUIRE_TICKET", "HELPDESK_PUBLIC_URL", "HELPDESK_METRICS_ADDR"}},
	}
	for _, tc := range cases {
		_, err := Load(env(tc.env))
		if err == nil {
			t.Errorf("%v: no error", tc.env)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not mention %s", tc.env, err, w)
			}
		}
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

// TestREADME_tableMatchesSettings keeps the README's configuration table in
// step with the code: the same variables, the same defaults.
func TestREADME_tableMatchesSettings(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
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
	}
	for name := range inReadme {
		t.Errorf("README.md documents %s, which the code does not read", name)
	}
}
