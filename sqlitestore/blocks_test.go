package sqlitestore

import (
	"path/filepath"
	"testing"

	"onelogin-helpdesk/sessions"
	"onelogin-helpdesk/sessions/sessionstest"
)

func TestSQLite_blocksConform(t *testing.T) {
	sessionstest.BlocksConformance(t, func(t *testing.T) sessions.Blocks {
		s, err := Open(filepath.Join(t.TempDir(), "state.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
