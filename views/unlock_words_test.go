package views

import (
	"strings"
	"testing"

	"onelogin-helpdesk/audit"
)

// TestOutcomeWords_unverified: a tally of unverified steps never reads as
// confirmed, and says how many steps it counts.
func TestOutcomeWords_unverified(t *testing.T) {
	got := OutcomeWords(audit.Record{Outcome: audit.OutcomeUnverified, Repeats: 11})
	if strings.Contains(got, "confirmed") || !strings.HasSuffix(got, "(12 steps)") {
		t.Errorf("OutcomeWords = %q", got)
	}
}
