package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/limits/limitstest"
)

// TestAudit_refusalsOnManyTargetsAreTallied: one person refused on 60
// different people in a minute leaves their first five refusals in full,
// each in its person's history, and one tally of the rest with a count and
// a sample of the targets, about nobody; from then on in the window, a
// repeat on any target adds to the tally.
func TestAudit_refusalsOnManyTargetsAreTallied(t *testing.T) {
	c := newConsole(t, access.RoleViewer, signedInAs("viewer@example.com"),
		withConfig(func(cfg *handlers.Config) { cfg.Limits = limitstest.NewMemory() }))
	for id := int64(1001); id <= 1060; id++ {
		wantCode(t, c.do("POST", actPath(id, "unlock"), url.Values{}, true), http.StatusForbidden)
		c.clock.Advance(time.Second / 2)
	}
	wantCode(t, c.do("POST", actPath(1001, "unlock"), url.Values{}, true), http.StatusForbidden)
	wantCode(t, c.do("POST", actPath(1030, "unlock"), url.Values{}, true), http.StatusForbidden)
	recs := c.records()
	if len(recs) != fullDenialsWanted+1 {
		t.Fatalf("%d records for 62 refusals on 60 people, want %d in full and one tally", len(recs), fullDenialsWanted)
	}
	var tally audit.Record
	for _, r := range recs {
		if r.TargetID == 0 {
			tally = r
		}
	}
	if further := 60 - fullDenialsWanted + 2; tally.Outcome != audit.OutcomeDenied || tally.Repeats != further-1 || tally.ActorEmail != "viewer@example.com" {
		t.Errorf("the tally = %+v, want the viewer's %d further refusals", tally, further)
	}
	if s := tally.Params[audit.SampleParam]; !strings.HasPrefix(s, "1006 | 1007") || strings.Count(s, "|") != audit.MaxSample-1 {
		t.Errorf("the tally's sample %q, want the first %d targets past the full ones", s, audit.MaxSample)
	}
	for id, want := range map[int64]int{1001: 1, 1005: 1, 1006: 0, 1030: 0} {
		if h, err := c.mem.ForTarget(context.Background(), id, 10); err != nil || len(h) != want || want == 1 && h[0].Repeats != 0 {
			t.Errorf("person %d's history holds %+v, want %d record", id, h, want)
		}
	}
	c.clock.Advance(deniedTallyWindowWanted)
	wantCode(t, c.do("POST", actPath(1030, "unlock"), url.Values{}, true), http.StatusForbidden)
	if h, _ := c.mem.ForTarget(context.Background(), 1030, 10); len(h) != 1 {
		t.Errorf("in a later window a refusal on 1030 is not in full: %d records", len(h))
	}
}

// fullDenialsWanted is how many of one person's refused targets a window
// records in full.
const fullDenialsWanted = 5

// deniedTallyWindowWanted is the window of a tally of refusals.
const deniedTallyWindowWanted = 10 * time.Minute
