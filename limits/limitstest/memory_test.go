package limitstest

import (
	"testing"

	"onelogin-helpdesk/limits"
)

func TestMemory_conforms(t *testing.T) {
	Conformance(t, func(*testing.T) limits.Store { return NewMemory() })
}
