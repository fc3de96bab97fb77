package sqlitestore

import (
	"path/filepath"
	"testing"

	"onelogin-helpdesk/notify"
	"onelogin-helpdesk/notify/notifytest"
)

func TestSQLite_mailConforms(t *testing.T) {
	notifytest.Conformance(t, func(t *testing.T) notify.Store {
		s, err := Open(filepath.Join(t.TempDir(), "state.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
