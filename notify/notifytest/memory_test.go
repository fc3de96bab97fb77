package notifytest

import (
	"testing"

	"onelogin-helpdesk/notify"
)

func TestMemory_conforms(t *testing.T) {
	Conformance(t, func(*testing.T) notify.Store { return &Memory{} })
}
