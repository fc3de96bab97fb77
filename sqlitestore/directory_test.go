package sqlitestore

import (
	"path/filepath"
	"testing"

	"onelogin-helpdesk/directory"
	"onelogin-helpdesk/directory/directorytest"
)

func openDirectory(tb testing.TB) *Store {
	s, err := Open(filepath.Join(tb.TempDir(), "state.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite_directoryConforms(t *testing.T) {
	directorytest.Conformance(t, func(t *testing.T) directory.Store { return openDirectory(t) })
}

// BenchmarkSearch50k: see directorytest.BenchmarkSearch.
func BenchmarkSearch50k(b *testing.B) {
	directorytest.BenchmarkSearch(b, openDirectory(b))
}
