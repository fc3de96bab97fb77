package audittest

import (
	"testing"

	"onelogin-helpdesk/audit"
)

func TestMemory_reports(t *testing.T) {
	ReporterConformance(t, func(*testing.T) interface {
		audit.Store
		audit.Reporter
	} {
		return NewMemory(nil)
	})
}
