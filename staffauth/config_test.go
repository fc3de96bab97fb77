package staffauth

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
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

func TestRoleFor(t *testing.T) {
	c := Config{AdminGroups: []string{"Helpdesk Admins"}, HelpdeskGroups: []string{"helpdesk", "it-support"}, ViewerGroups: []string{"readers"}}
	tests := []struct {
		groups []string
		want   access.Role
	}{
		{nil, access.RoleEmployee},
		{[]string{"sales"}, access.RoleEmployee},
		{[]string{"readers"}, access.RoleViewer},
		{[]string{"readers", "it-support"}, access.RoleHelpdesk},
		{[]string{"it-support", "helpdesk admins"}, access.RoleAdmin}, // case-insensitive, highest wins
		{[]string{" Helpdesk Admins "}, access.RoleAdmin},
		{[]string{"Helpdesk"}, access.RoleHelpdesk},
		{[]string{"helpdesk-admins"}, access.RoleEmployee}, // no partial matches
	}
	for _, tc := range tests {
		if got := c.RoleFor(tc.groups); got != tc.want {
			t.Errorf("RoleFor(%q) = %s, want %s", tc.groups, got, tc.want)
		}
	}
	if got := (Config{}).RoleFor([]string{"anything"}); got != access.RoleEmployee {
		t.Errorf("no group settings: %s", got)
	}
}
