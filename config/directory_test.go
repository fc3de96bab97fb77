package config

import (
	"strings"
	"testing"
	"time"
)

// TestLoad_directory: the directory index is on by default, syncs every
// minute and lists everyone again daily; too eager periods are refused.
func TestLoad_directory(t *testing.T) {
	c, err := Load(demo(nil))
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Directory; !d.Index || d.Sync != time.Minute || d.Reconcile != 24*time.Hour {
		t.Errorf("defaults = %+v", d)
	}
	c, err = Load(demo(map[string]string{"HELPDESK_DIRECTORY_INDEX": "false", "HELPDESK_DIRECTORY_SYNC": "5m", "HELPDESK_DIRECTORY_RECONCILE": "168h"}))
	if d := c.Directory; err != nil || d.Index || d.Sync != 5*time.Minute || d.Reconcile != 168*time.Hour {
		t.Errorf("set = %+v, %v", d, err)
	}
	for name, env := range map[string]map[string]string{
		"HELPDESK_DIRECTORY_SYNC":      {"HELPDESK_DIRECTORY_SYNC": "1s"},
		"HELPDESK_DIRECTORY_RECONCILE": {"HELPDESK_DIRECTORY_RECONCILE": "10m"},
		"HELPDESK_DIRECTORY_INDEX":     {"HELPDESK_DIRECTORY_INDEX": "maybe"},
	} {
		if _, err := Load(demo(env)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: %v, want a problem naming %s", env, err, name)
		}
	}
}
