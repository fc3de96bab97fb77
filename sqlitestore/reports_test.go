package sqlitestore

import (
	"path/filepath"
	"testing"

	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
)

func TestSQLite_reports(t *testing.T) {
	audittest.ReporterConformance(t, func(t *testing.T) interface {
		audit.Store
		audit.Reporter
	} {
		s, err := Open(filepath.Join(t.TempDir(), "audit.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
