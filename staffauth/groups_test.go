package staffauth

import (
	"net/http"
	"testing"
	"time"

	"onelogin-helpdesk/access"
)

func TestRoleFor(t *testing.T) {
	groups := Config{AdminGroups: []string{"hd-admins"}, HelpdeskGroups: []string{"helpdesk", "it-support"},
		ViewerGroups: []string{"Readers"}}
	exact, folded := groups, groups
	folded.GroupsCaseInsensitive = true
	const (
		longS  = "\u017f" // ſ LATIN SMALL LETTER LONG S: Unicode folds it to s
		kelvin = "\u212a" // K KELVIN SIGN: Unicode folds it to k
		nbsp   = "\u00a0" // NO-BREAK SPACE: strings.TrimSpace trims it
		turkI  = "\u0130" // İ: lower-cases to i + combining dot
		zwsp   = "\u200b" // ZERO WIDTH SPACE
	)
	tests := []struct {
		name          string
		groups        []string
		exact, folded access.Role
	}{
		{"no groups is an employee", nil, access.RoleEmployee, access.RoleEmployee},
		{"no staff group is an employee", []string{"sales"}, access.RoleEmployee, access.RoleEmployee},
		{"exact name", []string{"Readers"}, access.RoleViewer, access.RoleViewer},
		{"highest role wins", []string{"Readers", "it-support", "hd-admins"}, access.RoleAdmin, access.RoleAdmin},
		{"ASCII spaces and tabs are trimmed", []string{" \thelpdesk\t "}, access.RoleHelpdesk, access.RoleHelpdesk},
		{"ASCII case differs", []string{"HD-Admins"}, access.RoleEmployee, access.RoleAdmin},
		{"ASCII case differs, lower", []string{"readers"}, access.RoleEmployee, access.RoleViewer},
		{"no partial match", []string{"hd-admin"}, access.RoleEmployee, access.RoleEmployee},
		{"no prefix match", []string{"hd-admins-old"}, access.RoleEmployee, access.RoleEmployee},
		{"long s is not s", []string{"hd-admin" + longS}, access.RoleEmployee, access.RoleEmployee},
		{"Kelvin sign is not k", []string{"helpdes" + kelvin}, access.RoleEmployee, access.RoleEmployee},
		{"Kelvin sign is not K", []string{"HELPDES" + kelvin}, access.RoleEmployee, access.RoleEmployee},
		{"dotted capital I is not i", []string{turkI + "t-support"}, access.RoleEmployee, access.RoleEmployee},
		{"no-break space is not trimmed", []string{"helpdesk" + nbsp}, access.RoleEmployee, access.RoleEmployee},
		{"zero-width space is part of the name", []string{"help" + zwsp + "desk"}, access.RoleEmployee, access.RoleEmployee},
		{"a blank group matches nothing", []string{"", " "}, access.RoleEmployee, access.RoleEmployee},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := exact.RoleFor(tc.groups); got != tc.exact {
				t.Errorf("exact: RoleFor(%+q) = %s, want %s", tc.groups, got, tc.exact)
			}
			if got := folded.RoleFor(tc.groups); got != tc.folded {
				t.Errorf("ASCII case-insensitive: RoleFor(%+q) = %s, want %s", tc.groups, got, tc.folded)
			}
		})
	}
	if got := (Config{}).RoleFor([]string{"anything", ""}); got != access.RoleEmployee {
		t.Errorf("no group settings: %s", got)
	}
}

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
			cfg.GroupsSeparator = tc.sep
			cfg.HelpdeskGroups = []string{"helpdesk", dn}
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
			cfg.GroupsCaseInsensitive, cfg.GroupsSeparator = tc.caseInsensitive, tc.sep
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
