package access

import (
	"strings"
	"testing"
)

// TestCheck_bulk: only admins start bulk jobs by default; a setting lets
// helpdesk staff start jobs up to its size; nobody goes past the maximum.
func TestCheck_bulk(t *testing.T) {
	admin := Identity{Email: "ada@example.com", Role: RoleAdmin}
	agent := Identity{Email: "hal@example.com", Role: RoleHelpdesk}
	viewer := Identity{Email: "vera@example.com", Role: RoleViewer}
	adminsOnly := Bulk{Max: 500}
	agentsToo := Bulk{Max: 500, HelpdeskMax: 50}
	tests := []struct {
		name   string
		actor  Identity
		a      Action
		rules  Bulk
		people int
		want   string // part of the refusal's message; "" means allowed
	}{
		{"admin unlocks 200", admin, BulkUnlock, adminsOnly, 200, ""},
		{"admin logs out 500", admin, BulkLogout, adminsOnly, 500, ""},
		{"admin may not name 501", admin, BulkUnlock, adminsOnly, 501, "at most 500 people"},
		{"helpdesk may not by default", agent, BulkUnlock, adminsOnly, 2, "Only admins start bulk jobs"},
		{"helpdesk may when allowed", agent, BulkUnlock, agentsToo, 50, ""},
		{"helpdesk within its size only", agent, BulkLogout, agentsToo, 51, "at most 50 people"},
		{"a helpdesk size above the maximum is the maximum", agent, BulkUnlock, Bulk{Max: 10, HelpdeskMax: 50}, 11, "at most 10"},
		{"viewer never", viewer, BulkUnlock, agentsToo, 1, "does not allow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Subject{People: tc.people, BulkMax: tc.rules.MaxFor(tc.actor.Role)}
			r := Check(tc.actor, tc.a, s)
			switch {
			case tc.want == "" && r != nil:
				t.Errorf("refused: %s", r.Message)
			case tc.want != "" && r == nil:
				t.Errorf("allowed, want a refusal containing %q", tc.want)
			case tc.want != "" && !strings.Contains(r.Message, tc.want):
				t.Errorf("refusal %q does not contain %q", r.Message, tc.want)
			}
		})
	}
}
