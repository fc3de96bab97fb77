package access

import (
	"slices"
	"testing"
)

// The public unlock page's steps are in the audit trail (and its filter)
// but no role, not even an admin or nobody at all, takes them through a
// door of the console.
func TestPublicUnlockSteps_recordOnly(t *testing.T) {
	for _, a := range []Action{UnlockRequest, UnlockFactor, UnlockVerify} {
		if !slices.Contains(Actions(), a) {
			t.Errorf("Actions() lacks %s, so the audit page cannot filter on it", a)
		}
		for r := RoleNone; r <= RoleAdmin; r++ {
			if r.Can(a) {
				t.Errorf("role %s may take %s", r, a)
			}
		}
		if a.Sensitive() {
			t.Errorf("%s asks for a ticket; the claimant has none", a)
		}
	}
}
