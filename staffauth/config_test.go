package staffauth

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

var (
	b64Key = base64.StdEncoding.EncodeToString(key1)
	hexKey = hex.EncodeToString(key2)
)

func TestConfigFromEnv_defaults(t *testing.T) {
	c, errs := ConfigFromEnv(envOf(map[string]string{}))
	if len(errs) != 0 {
		t.Fatalf("demo defaults: %v", errs)
	}
	if c.Mode != ModeDemo || c.EmailHeader != "X-Forwarded-Email" || c.UserHeader != "X-Forwarded-User" ||
		c.GroupsHeader != "X-Forwarded-Groups" || c.IdleTimeout != 30*time.Minute || c.AbsoluteTimeout != 12*time.Hour ||
		c.FrameAncestors[0] != "'none'" || len(c.TrustedProxies) != 0 || c.OIDCGroupsClaim != "groups" ||
		c.PublicURL != "http://127.0.0.1:8080" || len(c.DemoPersonas) != 4 || c.MaxBodyBytes != 1<<20 {
		t.Errorf("defaults = %+v", c)
	}
}

func TestConfigFromEnv_proxy(t *testing.T) {
	c, errs := ConfigFromEnv(envOf(map[string]string{
		"HELPDESK_AUTH_MODE":              "proxy",
		"HELPDESK_TRUSTED_PROXIES":        "10.0.0.0/8, 192.168.1.7 ,fd00::/8",
		"HELPDESK_PROXY_EMAIL_HEADER":     "X-Auth-Request-Email",
		"HELPDESK_PROXY_JWT_HEADER":       "Cf-Access-Jwt-Assertion",
		"HELPDESK_PROXY_JWKS_URL":         "https://team.cloudflareaccess.com/cdn-cgi/access/certs",
		"HELPDESK_PROXY_JWT_AUDIENCE":     "aud-tag",
		"HELPDESK_PROXY_JWT_ISSUER":       "https://team.cloudflareaccess.com",
		"HELPDESK_PROXY_JWT_GROUPS_CLAIM": "custom_groups",
		"HELPDESK_SESSION_KEYS":           b64Key + "," + hexKey,
		"HELPDESK_ADMIN_GROUPS":           "Helpdesk Admins, Security",
		"HELPDESK_SESSION_IDLE_TIMEOUT":   "15m",
		"HELPDESK_SESSION_MAX_AGE":        "8h",
		"HELPDESK_SECURE_COOKIES":         "true",
		"HELPDESK_FRAME_ANCESTORS":        "'self' https://intranet.example.com",
	}))
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("fd00::/8")}
	if fmt.Sprint(c.TrustedProxies) != fmt.Sprint(want) {
		t.Errorf("trusted = %v", c.TrustedProxies)
	}
	if len(c.SessionKeys) != 2 || string(c.SessionKeys[0]) != string(key1) || string(c.SessionKeys[1]) != string(key2) {
		t.Errorf("keys decoded wrong")
	}
	if c.EmailHeader != "X-Auth-Request-Email" || c.JWTGroupsClaim != "custom_groups" || !c.SecureCookies ||
		c.IdleTimeout != 15*time.Minute || c.AbsoluteTimeout != 8*time.Hour || len(c.AdminGroups) != 2 ||
		c.AdminGroups[0] != "Helpdesk Admins" || len(c.FrameAncestors) != 2 {
		t.Errorf("config = %+v", c)
	}
}

func TestConfigFromEnv_oidcRedirectDefault(t *testing.T) {
	c, errs := ConfigFromEnv(envOf(map[string]string{
		"HELPDESK_AUTH_MODE": "oidc", "HELPDESK_OIDC_ISSUER": "https://acme.onelogin.com/oidc/2/",
		"HELPDESK_OIDC_CLIENT_ID": "id", "HELPDESK_OIDC_CLIENT_SECRET": "sec",
		"HELPDESK_PUBLIC_URL": "https://helpdesk.example.com/", "HELPDESK_SESSION_KEYS": b64Key,
	}))
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if c.OIDCRedirectURL != "https://helpdesk.example.com/auth/callback" || c.OIDCIssuer != "https://acme.onelogin.com/oidc/2" {
		t.Errorf("redirect %q issuer %q", c.OIDCRedirectURL, c.OIDCIssuer)
	}
}

func TestConfigFromEnv_reportsEveryProblem(t *testing.T) {
	secretKey := "not-a-key-but-secret!"
	_, errs := ConfigFromEnv(envOf(map[string]string{
		"HELPDESK_AUTH_MODE":            "proxy",
		"HELPDESK_TRUSTED_PROXIES":      "10.0.0/8,nonsense",
		"HELPDESK_PROXY_JWT_HEADER":     "X-Assertion",
		"HELPDESK_SESSION_KEYS":         secretKey + "," + base64.StdEncoding.EncodeToString([]byte("too short")),
		"HELPDESK_SECURE_COOKIES":       "sometimes",
		"HELPDESK_SESSION_IDLE_TIMEOUT": "forever",
		"HELPDESK_SESSION_MAX_AGE":      "-1h",
		"HELPDESK_FRAME_ANCESTORS":      "https://a.example; script-src *",
	}))
	all := errors.Join(errs...).Error()
	for _, want := range []string{
		`HELPDESK_TRUSTED_PROXIES: "10.0.0/8"`, `HELPDESK_TRUSTED_PROXIES: "nonsense"`,
		"HELPDESK_SESSION_KEYS: key 1", "HELPDESK_SESSION_KEYS: key 2", "HELPDESK_SECURE_COOKIES",
		"HELPDESK_SESSION_IDLE_TIMEOUT", "HELPDESK_SESSION_MAX_AGE", "HELPDESK_PROXY_JWKS_URL",
		"HELPDESK_PROXY_JWT_AUDIENCE", "HELPDESK_PROXY_JWT_ISSUER", "HELPDESK_FRAME_ANCESTORS",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing problem %q in:\n%s", want, all)
		}
	}
	if strings.Contains(all, secretKey) {
		t.Error("a session key value appears in an error")
	}
}

func TestConfig_validatePerMode(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // "" means valid
	}{
		{"demo needs nothing", Config{Mode: ModeDemo}, ""},
		{"unknown mode", Config{Mode: "saml"}, "HELPDESK_AUTH_MODE"},
		{"proxy without keys", Config{Mode: ModeProxy, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, "HELPDESK_SESSION_KEYS"},
		{"short key", Config{Mode: ModeDemo, SessionKeys: [][]byte{[]byte("short")}}, "at least 32"},
		{"oidc without settings", Config{Mode: ModeOIDC, SessionKeys: [][]byte{key1}}, "HELPDESK_OIDC_CLIENT_SECRET"},
		{"oidc redirect elsewhere", Config{Mode: ModeOIDC, SessionKeys: [][]byte{key1}, OIDCIssuer: "https://i.example",
			OIDCClientID: "c", OIDCClientSecret: "s", OIDCRedirectURL: "https://h.example/callback"}, "HELPDESK_OIDC_REDIRECT_URL"},
		{"idle beyond max age", Config{Mode: ModeDemo, IdleTimeout: 2 * time.Hour, AbsoluteTimeout: time.Hour}, "HELPDESK_SESSION_IDLE_TIMEOUT"},
		{"persona without email", Config{Mode: ModeDemo, DemoPersonas: []Persona{{Key: "x"}}}, "persona 1"},
		{"JWKS refreshed more than once a minute", func() Config {
			c := jwtProxyConfig("https://idp.example.com/jwks")
			c.JWKSRefresh = 30 * time.Second
			return c
		}(), "HELPDESK_PROXY_JWKS_REFRESH"},
		{"JWKS refresh unset takes the default", jwtProxyConfig("https://idp.example.com/jwks"), ""},
	}
	for _, tc := range tests {
		errs := tc.cfg.Validate()
		got := errors.Join(errs...)
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("%s: unexpected %v", tc.name, got)
		case tc.want != "" && (got == nil || !strings.Contains(got.Error(), tc.want)):
			t.Errorf("%s: got %v, want mention of %s", tc.name, got, tc.want)
		}
	}
}

func TestConfig_checkTenant(t *testing.T) {
	if err := (Config{Mode: ModeDemo}).CheckTenant(false); err == nil {
		t.Error("demo mode against a real tenant was allowed")
	}
	if err := (Config{}).CheckTenant(false); err == nil {
		t.Error("unset mode (demo) against a real tenant was allowed")
	}
	if err := (Config{Mode: ModeDemo}).CheckTenant(true); err != nil {
		t.Errorf("demo with the fake tenant: %v", err)
	}
	if err := (Config{Mode: ModeOIDC}).CheckTenant(false); err != nil {
		t.Errorf("oidc with a real tenant: %v", err)
	}
}

func TestConfig_secretsStayOutOfLogs(t *testing.T) {
	c := Config{Mode: ModeOIDC, OIDCClientSecret: "very-secret", SessionKeys: [][]byte{[]byte("key-material-key-material-key-ma")}}
	for _, s := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c)} {
		if strings.Contains(s, "very-secret") || strings.Contains(s, "key-material") {
			t.Errorf("secret in %q", s)
		}
	}
}
