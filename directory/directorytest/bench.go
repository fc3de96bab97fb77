package directorytest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/directory"
)

var (
	firstNames = []string{"José", "Ana", "Björn", "Zoë", "Søren", "Chloé", "Mateo", "Aoife", "Łukasz", "Noah",
		"Emma", "Liam", "Olivia", "Ingrid", "François", "Renée", "Jürgen", "Siobhán", "Ravi", "Mei"}
	lastNames = []string{"Müller", "García", "O'Brien", "Nguyen", "Kowalski", "Smith", "Dubois", "Rossi", "Øst",
		"Fernández", "Schmidt", "Johansson", "Papadopoulos", "Okafor", "Tanaka", "Silva", "Novák", "Brennan",
		"Lefèvre", "Van der Berg"}
	departments = []string{"Sales", "Façade Engineering", "Support", "Finance", "Legal", "Operations"}
)

// People is n generated people, the same for the same seed: names with
// accents, a few in each condition, roles, departments and managers.
func People(n int, seed uint64, at time.Time) []directory.Person {
	r := rand.New(rand.NewPCG(seed, seed))
	statuses := []client.Status{client.StatusActive, client.StatusActive, client.StatusActive, client.StatusActive,
		client.StatusLocked, client.StatusSuspended, client.StatusPasswordExpired, client.StatusUnactivated}
	out := make([]directory.Person, n)
	for i := range out {
		id := int64(100000 + i)
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		p := directory.Person{
			ID: id, Firstname: first, Lastname: fmt.Sprintf("%s%d", last, i%97),
			Email:    fmt.Sprintf("user%d@northwind.example", id),
			Username: fmt.Sprintf("u%d", id), Status: statuses[r.IntN(len(statuses))], State: client.StateApproved,
			Department: departments[r.IntN(len(departments))], RoleIDs: []int64{int64(1 + r.IntN(16))},
			ManagerUserID: 100000 + int64(r.IntN(max(n/50, 1))), DirectoryID: int64(r.IntN(3)),
			UpdatedAt: at.Add(-time.Duration(r.IntN(1000)) * time.Hour), SyncedAt: at,
		}
		if p.Status == client.StatusLocked {
			p.LockedUntil = at.Add(time.Duration(r.IntN(60)-20) * time.Minute)
		}
		out[i] = p
	}
	return out
}

// Fill writes people in batches of 1,000.
func Fill(tb testing.TB, s directory.Store, people []directory.Person) {
	tb.Helper()
	for batch := range slices.Chunk(people, 1000) {
		if err := s.PutPeople(context.Background(), batch); err != nil {
			tb.Fatalf("PutPeople: %v", err)
		}
	}
}

// BenchmarkSearch measures a search of 50,000 people in s as the console
// makes it: each search first asks the store for changes (MaxLag is 1ns,
// so every search pays the store's query, as a replica whose mirror just
// went stale does) and then ranks the mirror in memory. Queries are
// distinct typed forms (a first name, a last name, both in either order,
// a prefix, a typo, an email prefix, a filter); it reports the median
// and 95th percentile in ms, and the CPU time per search.
func BenchmarkSearch(b *testing.B, s directory.Store) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	Fill(b, s, People(50000, 1, at))
	ix := directory.NewIndex(s, directory.IndexOptions{MaxLag: time.Nanosecond, Now: func() time.Time { return at }})
	ctx := context.Background()
	queries := []directory.Query{
		{Text: "jose muller12"}, {Text: "muller jose"}, {Text: "Müller"}, {Text: "garcia ana"}, {Text: "schmi"},
		{Text: "siobhan obrien3"}, {Text: "kowalsky"}, {Text: "user100421@north"}, {Text: "lefevre renee"},
		{Text: "van der berg"}, {Text: "tanaka mei"}, {Text: "u10499"},
		{Conditions: []directory.Condition{directory.Locked}}, {Text: "zoe", Department: "facade engineering"},
	}
	if _, err := ix.Search(ctx, queries[0]); err != nil { // load the mirror
		b.Fatal(err)
	}
	durations := make([]time.Duration, 0, b.N)
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		start := time.Now()
		res, err := ix.Search(ctx, queries[i%len(queries)])
		durations = append(durations, time.Since(start))
		if err != nil || res.Total == 0 {
			b.Fatalf("%+v: %d hits, %v", queries[i%len(queries)], res.Total, err)
		}
		i++
	}
	cpu := cpuTime() - cpu0
	slices.Sort(durations)
	ms := func(q float64) float64 {
		return float64(durations[int(q*float64(len(durations)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.95), "p95-ms")
	// Wall times include waiting for a core on a busy machine; the
	// process's CPU time per search (the store's share included, for
	// SQLite in process; PostgreSQL's server is another process) does not.
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(max(i, 1)), "cpu-ms/op")
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
