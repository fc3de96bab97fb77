package staffauth

import (
	"net/http"
	"testing"
	"time"
)

func TestProxy_groupsHeaderSeparator(t *testing.T) {
	const dn = "CN=Helpdesk,OU=Groups,DC=example,DC=com"
	tests := []struct {
		name   string
		sep    string
		groups string
		want   string
	}{
		{"default comma", "", "staff, helpdesk", "helpdesk"},
		{"default comma splits a DN", "", dn, "employee"},
		{"semicolon keeps a DN whole", ";", "CN=Staff,DC=example,DC=com; " + dn, "helpdesk"},
		{"semicolon does not split on commas", ";", "staff,helpdesk", "employee"},
		{"Unicode folding still refused", ";", "cn=helpdes\u212a,ou=groups,dc=example,dc=com", "employee"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := proxyConfig()
			cfg.Auth.GroupsSeparator = tc.sep
			cfg.Auth.HelpdeskGroups = []string{"helpdesk", dn}
			status, who := serve(mustNew(t, cfg), "127.0.0.1:1",
				map[string]string{"X-Forwarded-Email": "a@example.com", "X-Forwarded-Groups": tc.groups})
			if status != http.StatusOK || who.Role != tc.want {
				t.Errorf("groups %q: %d %s, want %s", tc.groups, status, who.Role, tc.want)
			}
		})
	}
}

func TestProxy_jwtGroupsCompareExactly(t *testing.T) {
	k := newECKey(t, "k")
	idp := newJWKS(t, k.public())
	tests := []struct {
		name            string
		groups          any
		caseInsensitive bool
		sep             string
		want            string
	}{
		{"list, exact", []string{"helpdesk"}, false, "", "helpdesk"},
		{"list, long s", []string{"helpdesk-admin\u017f"}, true, "", "employee"},
		{"list, Kelvin sign", []string{"helpdes\u212a"}, true, "", "employee"},
		{"list, ASCII case, exact", []string{"HELPDESK"}, false, "", "employee"},
		{"list, ASCII case, insensitive", []string{"HELPDESK"}, true, "", "helpdesk"},
		{"string, separator", "x|helpdesk-admins", false, "|", "admin"},
		{"string, Kelvin sign", "x,helpdes\u212a", true, "", "employee"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := jwtProxyConfig(idp.srv.URL)
			cfg.Auth.GroupsCaseInsensitive, cfg.Auth.GroupsSeparator = tc.caseInsensitive, tc.sep
			a := mustNew(t, cfg)
			tok := k.sign(t, map[string]any{"iss": jwtIssuer, "aud": jwtAudience, "email": "a@example.com",
				"groups": tc.groups, "exp": time.Now().Add(time.Hour).Unix()})
			status, who := serve(a, "127.0.0.1:1", map[string]string{assertionHeader: tok})
			if status != http.StatusOK || who.Role != tc.want {
				t.Errorf("groups %+q: %d %s, want %s", tc.groups, status, who.Role, tc.want)
			}
		})
	}
}
