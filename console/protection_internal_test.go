package console

import (
	"context"
	"errors"
	"strings"
	"testing"

	"onelogin-helpdesk/access"
)

// TestProtection_ready: readiness fails naming the roles while OneLogin
// cannot be asked or lacks one, and once they are confirmed it asks no
// more.
func TestProtection_ready(t *testing.T) {
	calls := 0
	var answer []string
	var fail error
	p := &protection{set: access.NewNames([]string{"IT Administrators", "Service Desk"}, false),
		roles: func(context.Context) ([]string, error) { calls++; return answer, fail }}

	fail = errors.New("unreachable")
	if err := p.ready(t.Context()); err == nil || !strings.Contains(err.Error(), `"IT Administrators", "Service Desk"`) || !strings.Contains(err.Error(), "not yet confirmed") {
		t.Errorf("OneLogin unreachable: %v", err)
	}
	fail, answer = nil, []string{"IT Administrators", "Engineering"}
	if err := p.ready(t.Context()); err == nil || !strings.Contains(err.Error(), `no role named "Service Desk"`) {
		t.Errorf("a role missing: %v", err)
	}
	answer = append(answer, "Service Desk")
	if err := p.ready(t.Context()); err != nil {
		t.Errorf("every role there: %v", err)
	}
	fail = errors.New("unreachable")
	if err := p.ready(t.Context()); err != nil || calls != 3 {
		t.Errorf("after confirmation: %v after %d calls, want ready without a fourth", err, calls)
	}
}
