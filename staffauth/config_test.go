package staffauth

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

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

func TestConfig_secretsStayOutOfLogs(t *testing.T) {
	c := Config{Mode: ModeOIDC, OIDCClientSecret: "very-secret", SessionKeys: [][]byte{[]byte("key-material-key-material-key-ma")}}
	for _, s := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c)} {
		if strings.Contains(s, "very-secret") || strings.Contains(s, "key-material") {
			t.Errorf("secret in %q", s)
		}
	}
}
