// Package sqlitetest gives tests of other packages a real state store: an
// empty sqlitestore.Store in the test's temporary directory, closed when
// the test ends. It is test support only; the binary never links it.
package sqlitetest

import (
	"path/filepath"
	"testing"

	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/sqlitestore"
)

// Open returns an empty store that lives as long as t.
func Open(t testing.TB, opts ...audit.Option) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(filepath.Join(t.TempDir(), "state.db"), nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
