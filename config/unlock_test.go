package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoad_publicUnlock(t *testing.T) {
	tests := []struct {
		name    string
		getenv  func(string) string
		enabled bool
	}{
		{"off by default", real(nil), false},
		{"on when set", real(map[string]string{"HELPDESK_PUBLIC_UNLOCK": "true"}), true},
		{"on in a demo", demo(nil), true},
		{"a demo can turn it off", demo(map[string]string{"HELPDESK_PUBLIC_UNLOCK": "false"}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.getenv)
			if err != nil {
				t.Fatal(err)
			}
			u := c.PublicUnlock
			if u.Enabled != tc.enabled {
				t.Errorf("Enabled = %v, want %v", u.Enabled, tc.enabled)
			}
			if !slices.Equal(u.Factors, []string{"protect", "authenticator", "sms", "email"}) || u.Attempts != 5 ||
				u.CoolDown != 15*time.Minute || u.UnlocksPerDay != 3 || u.PerIP != 30 || u.QuotaShare != 10 {
				t.Errorf("defaults: %+v", u)
			}
		})
	}
}

func TestLoad_publicUnlockFactors(t *testing.T) {
	c, err := Load(real(map[string]string{"HELPDESK_PUBLIC_UNLOCK": "true", "HELPDESK_PUBLIC_UNLOCK_FACTORS": " SMS, yubikey,sms "}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.PublicUnlock.Factors, []string{"sms", "yubikey"}) {
		t.Errorf("factors = %q, want sms and yubikey once each", c.PublicUnlock.Factors)
	}

	bad := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unknown factor", map[string]string{"HELPDESK_PUBLIC_UNLOCK_FACTORS": "sms,voice"}, `HELPDESK_PUBLIC_UNLOCK_FACTORS: "voice" is not a factor`},
		{"none while on", map[string]string{"HELPDESK_PUBLIC_UNLOCK": "true", "HELPDESK_PUBLIC_UNLOCK_FACTORS": " , "}, "HELPDESK_PUBLIC_UNLOCK_FACTORS: needs at least one factor"},
		{"cool-down too short", map[string]string{"HELPDESK_PUBLIC_UNLOCK_COOLDOWN": "10s"}, "HELPDESK_PUBLIC_UNLOCK_COOLDOWN: must be from 1m to 24h"},
		{"cool-down too long", map[string]string{"HELPDESK_PUBLIC_UNLOCK_COOLDOWN": "25h"}, "HELPDESK_PUBLIC_UNLOCK_COOLDOWN: must be from 1m to 24h"},
		{"no attempts", map[string]string{"HELPDESK_PUBLIC_UNLOCK_ATTEMPTS": "0"}, "HELPDESK_PUBLIC_UNLOCK_ATTEMPTS: must be a whole number from 1"},
		{"share over 100", map[string]string{"HELPDESK_PUBLIC_UNLOCK_QUOTA_SHARE": "150"}, "HELPDESK_PUBLIC_UNLOCK_QUOTA_SHARE: must be a whole number from 1 to 100"},
		{"not a boolean", map[string]string{"HELPDESK_PUBLIC_UNLOCK": "yes please"}, "HELPDESK_PUBLIC_UNLOCK: must be true or false"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(real(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
}
