package config

import (
	"strings"
	"testing"
)

// TestLoad_ticketURL: the ticket link is an absolute http(s) URL template
// with {ticket}; anything else is a start-up problem naming the setting.
func TestLoad_ticketURL(t *testing.T) {
	for _, tc := range []struct {
		value, want, problem string
	}{
		{"", "", ""},
		{"https://acme.atlassian.net/browse/{ticket}", "https://acme.atlassian.net/browse/{ticket}", ""},
		{"http://tickets.example/?id={ticket}", "http://tickets.example/?id={ticket}", ""},
		{"https://acme.atlassian.net/browse/", "", "must contain {ticket}"},
		{"javascript:alert('{ticket}')", "", "absolute http(s) URL"},
		{"/browse/{ticket}", "", "absolute http(s) URL"},
	} {
		cfg, err := Load(real(map[string]string{"HELPDESK_TICKET_URL": tc.value}))
		if tc.problem == "" {
			if err != nil || cfg.Tickets.URL != tc.want {
				t.Errorf("%q: URL %q, err %v; want %q", tc.value, cfg.Tickets.URL, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "HELPDESK_TICKET_URL") || !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("%q: err %v, want a problem naming the setting: %s", tc.value, err, tc.problem)
		}
	}
}

// TestLoad_reportViewers: admins always read the reports; helpdesk only
// when named; any other role is a start-up problem.
func TestLoad_reportViewers(t *testing.T) {
	for _, tc := range []struct {
		value    string
		helpdesk bool
		bad      bool
	}{
		{"", false, false},
		{"admin", false, false},
		{"admin,helpdesk", true, false},
		{" Helpdesk ", true, false},
		{"admin,viewer", false, true},
	} {
		cfg, err := Load(real(map[string]string{"HELPDESK_REPORT_VIEWERS": tc.value}))
		switch {
		case tc.bad && (err == nil || !strings.Contains(err.Error(), "HELPDESK_REPORT_VIEWERS")):
			t.Errorf("%q: err %v, want a problem naming the setting", tc.value, err)
		case !tc.bad && (err != nil || cfg.Reports.Helpdesk != tc.helpdesk):
			t.Errorf("%q: helpdesk %v, err %v; want %v", tc.value, cfg.Reports.Helpdesk, err, tc.helpdesk)
		}
	}
}
