package config

import (
	"strings"
	"testing"
)

// TestLoad_bulk: the bulk job settings' defaults (admins only, 500 people,
// 20% of the quota kept, jobs resumed, optional reads skipped under 250
// calls left) and their checks.
func TestLoad_bulk(t *testing.T) {
	c, err := Load(demo(nil))
	if err != nil {
		t.Fatal(err)
	}
	if b := c.Bulk; b.Max != 500 || b.HelpdeskMax != 0 || b.ReservePercent != 20 || !b.Resume || b.QuotaLow != 250 {
		t.Errorf("defaults = %+v", b)
	}
	c, err = Load(demo(map[string]string{"HELPDESK_BULK_HELPDESK_MAX": "50", "HELPDESK_BULK_RESUME": "false", "HELPDESK_BULK_RESERVE_PERCENT": "35"}))
	if err != nil || c.Bulk.HelpdeskMax != 50 || c.Bulk.Resume || c.Bulk.ReservePercent != 35 {
		t.Errorf("set = %+v, %v", c.Bulk, err)
	}
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"helpdesk above the maximum":    {map[string]string{"HELPDESK_BULK_MAX": "100", "HELPDESK_BULK_HELPDESK_MAX": "200"}, "HELPDESK_BULK_HELPDESK_MAX"},
		"no reserve of the whole quota": {map[string]string{"HELPDESK_BULK_RESERVE_PERCENT": "100"}, "HELPDESK_BULK_RESERVE_PERCENT"},
		"a job of nobody":               {map[string]string{"HELPDESK_BULK_MAX": "0"}, "HELPDESK_BULK_MAX"},
	} {
		if _, err := Load(demo(tc.env)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a problem naming %s", name, err, tc.want)
		}
	}
}
