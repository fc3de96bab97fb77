package main

import (
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// Every search the benchmark sends is one the console has not been asked
// within its search cache's reach (5 s), so that each is answered by
// OneLogin and its calls are counted: the box (rotating through qs) with a
// "created" range that moves by a day a request. The fake tenant's people
// were created between 30 days and 6 years before it started, so every
// range holds most of them.

// sinceSpan is how many distinct "created on or after" days the searches
// cycle through, each with a run of "created on or before" days.
const sinceSpan = 1500

type searches struct {
	qs []string
	// dated adds the moving "created" range; without it every search is
	// one of qs, which must then be distinct and more than a run sends.
	dated bool
	n     atomic.Int64
	// today anchors the dates, so that every range is valid.
	today time.Time
}

func newSearches(qs ...string) *searches {
	return &searches{qs: qs, dated: true, today: time.Now().UTC().Truncate(24 * time.Hour)}
}

// newBoxSearches sends each of qs in turn as the box alone, the way the
// directory index answers a search (a creation date is OneLogin's alone).
func newBoxSearches(qs []string) *searches {
	return &searches{qs: qs}
}

// next is the path of the next search, never the same as the previous
// sinceSpan × 1,000 ones.
func (s *searches) next() string {
	i := s.n.Add(1) - 1
	if !s.dated {
		return "/users?" + url.Values{"q": {s.qs[int(i)%len(s.qs)]}}.Encode()
	}
	since := s.today.AddDate(0, 0, -2200+int(i%sinceSpan))
	until := s.today.AddDate(0, 0, 1+int(i/sinceSpan%1000))
	v := url.Values{"q": {s.qs[int(i)%len(s.qs)]}, "since": {since.Format(time.DateOnly)}, "until": {until.Format(time.DateOnly)}}
	return "/users?" + v.Encode()
}

// workload drives the console with these searches as htmx fragments. One
// searches value serves every level, so no level repeats another's.
func (s *searches) workload(name string, calls float64) workload {
	return workload{Name: name, Depth: 1, Calls: calls, mk: func(base string) newRequest {
		return func(int, int) (*http.Request, error) { return consoleRequest(base, s.next(), true) }
	}}
}
