package sqlitestore

import (
	"path/filepath"
	"testing"

	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/selfunlock/shapestest"
)

func TestSQLite_factorShapesConform(t *testing.T) {
	shapestest.Conformance(t, func(t *testing.T) selfunlock.ShapeStore {
		s, err := Open(filepath.Join(t.TempDir(), "state.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
