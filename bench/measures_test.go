package main

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSearches_distinctWithinTheCache: the searches never repeat one of
// the last many, each is a valid search (a range that starts before it
// ends), and the words take turns.
func TestSearches_distinctWithinTheCache(t *testing.T) {
	s := newSearches("ma", "an")
	seen := map[string]bool{}
	for i := range 3 * sinceSpan {
		p := s.next()
		if seen[p] {
			t.Fatalf("search %d repeats %s", i, p)
		}
		seen[p] = true
		u, err := url.Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		since, err1 := time.Parse(time.DateOnly, q.Get("since"))
		until, err2 := time.Parse(time.DateOnly, q.Get("until"))
		if u.Path != "/users" || err1 != nil || err2 != nil || !since.Before(until) || !until.After(s.today) {
			t.Fatalf("search %d: %s is not a range up to today", i, p)
		}
		if want := []string{"ma", "an"}[i%2]; q.Get("q") != want {
			t.Fatalf("search %d asks %q, want %q", i, q.Get("q"), want)
		}
	}
}

// TestReport_saysWhatItDidNotMeasure: failures head the report, a search
// answered from a cache misses its target, and the budgets' cost is the
// ratio of the medians.
func TestReport_saysWhatItDidNotMeasure(t *testing.T) {
	r := &report{Options: options{latency: 50 * time.Millisecond, levels: []int{1}, duration: time.Second, budget: 5000, rounds: 3}, CPUs: 2}
	add := func(setup string, wl workload, lat time.Duration, c int, calls float64, cpu time.Duration, failures int) {
		r.Measurements = append(r.Measurements, measurement{Setup: setup, Workload: wl, Latency: lat, MachineBusy: -1,
			Result:  result{Concurrency: c, Requests: 10, Failures: failures, Elapsed: time.Second, Latencies: []time.Duration{time.Millisecond}},
			Matched: true, CallsPerRequest: calls, CPUPerRequest: cpu})
	}
	add(setupConsole, searchWorkload(), 0, 1, 1, 0, 0)
	add(setupConsole, wordSearchWorkload(), 0, 1, 0.5, 0, 0) // half from a cache
	user := userPageWorkload([]string{"1"})
	for _, cpu := range []time.Duration{1000, 1100, 5000} { // µs; median 1.1 ms
		add(setupBudgetsOn, user, 0, 1, 2, cpu*time.Microsecond, 0)
	}
	for _, cpu := range []time.Duration{900, 1000, 100} { // median 0.9 ms
		add(setupBudgetsOff, user, 0, 1, 2, cpu*time.Microsecond, 0)
	}
	add(setupBudgetsOn, user, 0, 10, 2, 2*time.Millisecond, 0)
	add(setupBudgetsOff, user, 0, 10, 2, time.Millisecond, 0)

	want := map[string]bool{
		"its 1 OneLogin calls, none from a cache (console, search fragment, 1":        true,
		"its 4 OneLogin calls, none from a cache (console, search fragment, one word": false,
		"budgets ≤ 1.15× without, at 1 concurrent, upstream 0s":                       false, // 1.1 / 0.9 = 1.22
		"budgets ≤ 1.15× without, at 10 concurrent, upstream 0s":                      false,
	}
	checkTargets(t, r.targets(), want)
	if strings.Contains(r.markdown(), "**This run had failures") {
		t.Error("a run without failures says it had some")
	}
	r.Measurements[0].Result.Failures = 7
	if n := r.failures(); n != 7 {
		t.Errorf("failures = %d, want 7", n)
	}
	md := r.markdown()
	if i := strings.Index(md, "**This run had failures: 7 requests failed**"); i < 0 || i > strings.Index(md, "## Method") {
		t.Errorf("the failures are not at the top of the report:\n%.400s", md)
	}
	for _, s := range []string{"budget of OneLogin calls is set to 5000", "| 0s | 1 | 3 | off | 10 | 1.0 ms | 2.00 | 0.10 ms |"} {
		if !strings.Contains(md, s) {
			t.Errorf("report lacks %q", s)
		}
	}
}
