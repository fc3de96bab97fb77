package sqlitestore

import (
	"log/slog"
	"path/filepath"
	"testing"

	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
)

func TestSQLite_tallies(t *testing.T) {
	audittest.TallyConformance(t, func(t *testing.T, log *slog.Logger, opts ...audit.Option) audit.Store {
		s, err := Open(filepath.Join(t.TempDir(), "audit.db"), log, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
