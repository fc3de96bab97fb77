package sqlitestore

import (
	"path/filepath"
	"testing"

	"onelogin-helpdesk/limits"
	"onelogin-helpdesk/limits/limitstest"
)

func TestSQLite_limitsAddConforms(t *testing.T) {
	limitstest.AddConformance(t, func(t *testing.T) limits.Adder {
		s, err := Open(filepath.Join(t.TempDir(), "state.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
