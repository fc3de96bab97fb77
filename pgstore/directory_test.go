package pgstore

import (
	"context"
	"testing"

	"onelogin-helpdesk/directory"
	"onelogin-helpdesk/directory/directorytest"
	"onelogin-helpdesk/pgstore/pgtest"
)

func TestPostgres_directoryConforms(t *testing.T) {
	directorytest.Conformance(t, func(t *testing.T) directory.Store { return open(t, pgtest.URL(t), nil) })
}

// BenchmarkSearch50k: see directorytest.BenchmarkSearch.
func BenchmarkSearch50k(b *testing.B) {
	s, err := Open(context.Background(), pgtest.URL(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	directorytest.BenchmarkSearch(b, s)
}
