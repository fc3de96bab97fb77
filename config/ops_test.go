package config

import (
	"strings"
	"testing"
	"time"
)

// TestLoad_readinessCache: /readyz reuses a verdict for 10 s unless set,
// and a period too short to spare OneLogin or too long to notice an outage
// is refused.
func TestLoad_readinessCache(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
		bad   bool
	}{
		{"", 10 * time.Second, false},
		{"1s", time.Second, false},
		{"5m", 5 * time.Minute, false},
		{"500ms", 0, true},
		{"6m", 0, true},
		{"soon", 0, true},
	}
	for _, tt := range tests {
		env := map[string]string{}
		if tt.value != "" {
			env["HELPDESK_READINESS_CACHE"] = tt.value
		}
		c, err := Load(demo(env))
		if tt.bad {
			if err == nil || !strings.Contains(err.Error(), "HELPDESK_READINESS_CACHE") {
				t.Errorf("%q: %v, want a problem naming the setting", tt.value, err)
			}
			continue
		}
		if err != nil || c.Ops.ReadinessCache != tt.want {
			t.Errorf("%q: %v, %v; want %v", tt.value, c.Ops.ReadinessCache, err, tt.want)
		}
	}
}
