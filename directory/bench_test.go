package directory_test

import (
	"testing"

	"onelogin-helpdesk/directory/directorytest"
)

// BenchmarkSearch50k is the search over 50,000 people in the in-memory
// store: the engine's own cost (the stores' benchmarks add their query).
func BenchmarkSearch50k(b *testing.B) {
	directorytest.BenchmarkSearch(b, directorytest.NewMemory())
}
