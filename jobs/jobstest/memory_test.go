package jobstest

import (
	"testing"

	"onelogin-helpdesk/jobs"
)

func TestMemory(t *testing.T) {
	Conformance(t, func(*testing.T) jobs.Store { return NewMemory() })
}
