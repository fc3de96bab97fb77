package main

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/directory"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/views"
)

// TestNameQueries: each name gives its searches once, as typed (lower
// case, accents kept), and a name of one word none.
func TestNameQueries(t *testing.T) {
	got := nameQueries([]fakeonelogin.Person{{Name: "José Müller"}, {Name: "José Müller"}, {Name: "Ava Lee"}, {Name: "Priya"}})
	slices.Sort(got)
	want := []string{"ava lee", "josé müller", "josé mül", "lee ava", "müller josé"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("nameQueries = %q, want %q", got, want)
	}
}

// TestBoxSearches: searches for the index are the box alone, each of the
// list in turn, and round again after the last.
func TestBoxSearches(t *testing.T) {
	s := newBoxSearches([]string{"josé müller", "lee ava"})
	for i, want := range []string{"josé müller", "lee ava", "josé müller"} {
		u, err := url.Parse(s.next())
		if err != nil {
			t.Fatal(err)
		}
		if q := u.Query(); u.Path != "/users" || q.Get("q") != want || len(q) != 1 {
			t.Errorf("search %d is %s, want the box %q alone", i, u, want)
		}
	}
}

// TestParseDirectoryStatus reads the admin page as the console renders it.
func TestParseDirectoryStatus(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	render := func(st directory.SyncState, people int) string {
		var b strings.Builder
		v := views.DirectoryView{Now: now, Loc: time.UTC, State: st, People: people}
		if err := views.DirectoryPage(v).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	cases := []struct {
		name string
		body string
		want directoryStatus
	}{
		{"complete", render(directory.SyncState{Complete: true, LastSync: now, LastPass: now, Calls: 1001}, 50000),
			directoryStatus{complete: true, people: 50000, calls: 1001}},
		{"listing, after a failure", render(directory.SyncState{Calls: 12, LastError: "onelogin: 503", ErrorAt: now,
			Pass: directory.Pass{Started: now, Listed: 550, Pages: 11, Total: -1}}, 550),
			directoryStatus{people: 550, calls: 12, lastError: "onelogin: 503 (10:00)"}},
	}
	for _, c := range cases {
		got, err := parseDirectoryStatus(c.body)
		if err != nil || got != c.want {
			t.Errorf("%s: %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	if _, err := parseDirectoryStatus("<html><body>Sign in</body></html>"); err == nil {
		t.Error("a page that is not the index's status reads as one")
	}
}

// TestIndexTargets: the first sync meets its row only when it listed
// everyone in pages of 50; the index's searches only with no call and a
// p50 within 10 ms over 50,000 people.
func TestIndexTargets(t *testing.T) {
	search := func(setup string, c int, calls float64, p50 time.Duration) measurement {
		wl := newBoxSearches([]string{"ava lee"}).workload(nameSearchName, 0)
		wl.NoCalls = true
		d := []time.Duration{p50, p50, p50}
		return measurement{Setup: setup, Workload: wl, Latency: 50 * time.Millisecond, MachineBusy: -1,
			Result:  result{Concurrency: c, Requests: 3, Elapsed: time.Second, Latencies: d},
			Matched: true, CallsPerRequest: calls, Overheads: d}
	}
	api := search(setupAPISearch, 1, 2, 60*time.Millisecond)
	api.Workload = newBoxSearches([]string{"ava lee"}).workload(nameSearchName, 1)
	r := &report{Options: options{latency: 50 * time.Millisecond, levels: []int{1, 10}, duration: time.Second}, CPUs: 2, IndexPeople: 50000,
		IndexSyncs: []indexSync{
			{Setup: setupIndexSQLite, People: 50000, Indexed: 50000, Calls: 1001, Pages: 1000, Duration: 40 * time.Second},
			{Setup: setupIndexPostgres, People: 50000, Indexed: 50000, Calls: 1200, Pages: 1200, Duration: 60 * time.Second}, // pages of 42
		},
		Measurements: []measurement{
			search(setupIndexSQLite, 1, 0, 2*time.Millisecond),
			search(setupIndexSQLite, 10, 0, 12*time.Millisecond),
			search(setupIndexPostgres, 1, 0.5, 3*time.Millisecond), // half asked OneLogin
			api,
		}}
	checkTargets(t, r.targets(), map[string]bool{
		"First sync of 50000 people (console, SQLite":                             true,
		"First sync of 50000 people (console, PostgreSQL":                         false,
		"0 OneLogin calls per request (console, SQLite, directory index, search":  true,
		"0 OneLogin calls per request (console, PostgreSQL":                       false,
		"50000 people in the index (console, SQLite, directory index, 1 concur":   true,
		"50000 people in the index (console, SQLite, directory index, 10 concur":  false,
		"50000 people in the index (console, PostgreSQL, directory index, 1 conc": true,
		"its 1 OneLogin calls, none from a cache (console, OneLogin's search":     true,
	})
	for _, tg := range r.targets() {
		if strings.Contains(tg.name, "0 OneLogin calls per request ("+setupAPISearch) {
			t.Errorf("OneLogin's search is held to the index's target: %s", tg.name)
		}
	}
	md := r.markdown()
	for _, s := range []string{"| console, SQLite, directory index | 50000 | 50000 | 1001 | 1000 | 40s | 25 |",
		"| console, OneLogin's search (index off) | 1 | 3.0 | 60.0 ms |"} {
		if !strings.Contains(md, s) {
			t.Errorf("report lacks %q", s)
		}
	}

	// Fewer people than the target names cannot meet it, however fast.
	r.IndexPeople = 2000
	checkTargets(t, r.targets(), map[string]bool{"50000 people in the index (console, SQLite, directory index, 1 concur": false})
}

// TestStoreEnv: PostgreSQL replaces the SQLite file; otherwise the
// environment only gains what is asked.
func TestStoreEnv(t *testing.T) {
	base := []string{"HELPDESK_AUTH_MODE=proxy", "HELPDESK_AUDIT_DB=/tmp/x.db"}
	got := storeEnv(slices.Clone(base), []string{"HELPDESK_DATABASE_URL=postgres://h/db"})
	if want := []string{"HELPDESK_AUTH_MODE=proxy", "HELPDESK_DATABASE_URL=postgres://h/db"}; !slices.Equal(got, want) {
		t.Errorf("with PostgreSQL: %q, want %q", got, want)
	}
	got = storeEnv(slices.Clone(base), []string{"HELPDESK_DIRECTORY_INDEX=false"})
	if want := append(slices.Clone(base), "HELPDESK_DIRECTORY_INDEX=false"); !slices.Equal(got, want) {
		t.Errorf("on SQLite: %q, want %q", got, want)
	}
}
