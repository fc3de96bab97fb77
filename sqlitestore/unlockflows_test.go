package sqlitestore

import (
	"path/filepath"
	"testing"

	"onelogin-helpdesk/selfunlock/flowstest"
)

func TestSQLite_unlockFlowsConform(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	flowstest.Conformance(t, s)
}
