package limitstest

import (
	"testing"

	"onelogin-helpdesk/limits"
)

func TestMemory_addConforms(t *testing.T) {
	AddConformance(t, func(*testing.T) limits.Adder { return NewMemory() })
}
