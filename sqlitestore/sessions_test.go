package sqlitestore

import (
	"path/filepath"
	"testing"

	"onelogin-helpdesk/sessions"
	"onelogin-helpdesk/sessions/sessionstest"
)

func TestSQLite_sessionsConform(t *testing.T) {
	sessionstest.Conformance(t, func(t *testing.T) sessions.Store {
		s, err := Open(filepath.Join(t.TempDir(), "state.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
