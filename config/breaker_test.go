package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoad_breaker(t *testing.T) {
	cases := []struct {
		env      map[string]string
		failures int
		openFor  time.Duration
		problems []string
	}{
		{nil, 5, 10 * time.Second, nil},
		{map[string]string{"HELPDESK_BREAKER_FAILURES": "0", "HELPDESK_BREAKER_OPEN": "1m"}, 0, time.Minute, nil},
		{map[string]string{"HELPDESK_BREAKER_FAILURES": "-1", "HELPDESK_BREAKER_OPEN": "0s"}, 0, 0,
			[]string{"HELPDESK_BREAKER_FAILURES: must be a whole number from 0 to 1000", "HELPDESK_BREAKER_OPEN: must be longer than 0s"}},
		{map[string]string{"HELPDESK_BREAKER_FAILURES": "many", "HELPDESK_BREAKER_OPEN": "soon"}, 0, 0,
			[]string{"HELPDESK_BREAKER_FAILURES", "HELPDESK_BREAKER_OPEN: must be a duration"}},
	}
	for _, tc := range cases {
		c, err := Load(env(tc.env))
		if len(tc.problems) == 0 {
			if err != nil {
				t.Errorf("%v: %v", tc.env, err)
			} else if c.Breaker.Failures != tc.failures || c.Breaker.OpenFor != tc.openFor {
				t.Errorf("%v: %+v", tc.env, c.Breaker)
			}
			continue
		}
		if err == nil {
			t.Errorf("%v: no error", tc.env)
			continue
		}
		for _, p := range tc.problems {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("%v: %q does not say %q", tc.env, err, p)
			}
		}
	}
}

func TestLoad_fakeRateLimit(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || c.Fake.RateLimit != 5000 {
		t.Errorf("default: %d %v", c.Fake.RateLimit, err)
	}
	c, err = Load(env(map[string]string{"HELPDESK_FAKE_RATE_LIMIT": "100000000"}))
	if err != nil || c.Fake.RateLimit != 100000000 {
		t.Errorf("raised: %d %v", c.Fake.RateLimit, err)
	}
	if _, err := Load(env(map[string]string{"HELPDESK_FAKE_RATE_LIMIT": "0"})); err == nil || !strings.Contains(err.Error(), "HELPDESK_FAKE_RATE_LIMIT") {
		t.Errorf("0 accepted: %v", err)
	}
}
