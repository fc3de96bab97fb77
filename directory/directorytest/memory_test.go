package directorytest

import (
	"testing"

	"onelogin-helpdesk/directory"
)

func TestMemory_Conformance(t *testing.T) {
	Conformance(t, func(*testing.T) directory.Store { return NewMemory() })
}
