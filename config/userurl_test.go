package config

import (
	"strings"
	"testing"
)

// TestLoad_oneLoginUserURL: the admin-portal link is an absolute http(s)
// URL template with {id}; anything else is a start-up problem naming it.
func TestLoad_oneLoginUserURL(t *testing.T) {
	for _, tc := range []struct {
		value, want, problem string
	}{
		{"", "", ""},
		{"https://acme.onelogin.com/users/{id}/edit", "https://acme.onelogin.com/users/{id}/edit", ""},
		{"https://acme.onelogin.com/users/edit", "", "must contain {id}"},
		{"javascript:alert({id})", "", "absolute http(s) URL"},
		{"/users/{id}", "", "absolute http(s) URL"},
	} {
		cfg, err := Load(real(map[string]string{"HELPDESK_ONELOGIN_USER_URL": tc.value}))
		if tc.problem == "" {
			if err != nil || cfg.OneLogin.UserURL != tc.want {
				t.Errorf("%q: UserURL %q, err %v; want %q", tc.value, cfg.OneLogin.UserURL, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "HELPDESK_ONELOGIN_USER_URL") || !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("%q: err %v, want a problem naming the setting: %s", tc.value, err, tc.problem)
		}
	}
}
