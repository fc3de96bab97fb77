package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"onelogin-helpdesk/fakeonelogin"
)

// The index benchmark: search answered from the console's directory index
// against OneLogin's search, in the same run, on the same tenant. Consoles
// with the index (on SQLite, and on PostgreSQL when there is a cluster)
// first list the whole tenant; the benchmark waits until /directory says
// the listing is complete, timing it and counting its calls, then sends
// every console the same stream of distinct name searches, alongside a
// console with the index off (HELPDESK_DIRECTORY_INDEX=false). The fake
// answers the listing at once and the searches with the upstream latency.

// Targets of the index (issue 21).
const (
	indexP50Max = 10 * time.Millisecond
	// indexTargetPeople is the tenant size the search target names.
	indexTargetPeople = 50_000
	// directoryPageSize is the v2 listing's page as the sync asks it
	// (README, The directory index): a first sync takes one call a page.
	directoryPageSize = 50
	// indexSyncTimeout bounds the wait for a first sync.
	indexSyncTimeout = 15 * time.Minute
)

const (
	setupIndexSQLite   = "console, SQLite, directory index"
	setupIndexPostgres = "console, PostgreSQL, directory index"
	setupAPISearch     = "console, OneLogin's search (index off)"
	nameSearchName     = "search fragment, a name"
)

// indexSync is what a console's first full listing took.
type indexSync struct {
	Setup    string
	People   int           // in the tenant
	Indexed  int           // in the index when it said complete
	Calls    int           // OneLogin calls by the sync, the console's count
	Pages    int           // v2 listings the fake answered meanwhile
	Duration time.Duration // from the console's start to complete
}

// pagesAllowed is the most listing calls a first sync of people may take:
// one a page, and one more that finds the end.
func pagesAllowed(people int) int {
	return (people+directoryPageSize-1)/directoryPageSize + 1
}

// met says the sync listed everyone within the page size: its calls are
// its pages, plus at most the deletion check that follows completion.
func (s indexSync) met() bool {
	return s.Indexed == s.People && s.Pages <= pagesAllowed(s.People) && s.Calls <= s.Pages+1
}

func indexScenario(ctx context.Context, rep *report, bin, dir string) error {
	o := rep.Options
	fmt.Printf("directory index: a tenant of %d people\n", o.people)
	up := startFakeOf(0, o.people)
	defer up.close()
	people := up.fake.Tenant.UserCount()
	qs := nameQueries(up.fake.Tenant.Persons())

	type side struct {
		setup string
		p     *consoleProc
		wl    workload
	}
	var sides []*side
	defer func() {
		for _, s := range sides {
			_ = s.p.Stop() // after finish, a no-op
		}
	}()
	start := func(setup string, extra ...string) (*side, error) {
		name := strings.NewReplacer(" ", "-", ",", "", "'", "", "(", "", ")", "").Replace(setup)
		env := storeEnv(append(consoleEnv(dir, name, up, 0), budgetEnv(o.budget)), extra)
		p, err := startConsole(ctx, bin, dir, name, env)
		if err != nil {
			return nil, err
		}
		s := &side{setup: setup, p: p}
		sides = append(sides, s)
		return s, nil
	}
	// The sync's next round an hour away, so that one console's round
	// never lands in another's first listing.
	indexed := func(setup string, extra []string) error {
		fmt.Printf("%s: first sync\n", setup)
		before := up.directoryLists()
		t0 := time.Now()
		s, err := start(setup, append(extra, "HELPDESK_DIRECTORY_SYNC=1h")...)
		if err != nil {
			return err
		}
		st, err := waitIndexed(ctx, s.p.URL, indexSyncTimeout)
		if err != nil {
			return fmt.Errorf("%s: %w", setup, err)
		}
		sy := indexSync{Setup: setup, People: people, Indexed: st.people, Calls: st.calls,
			Pages: up.directoryLists() - before, Duration: time.Since(t0)}
		rep.IndexSyncs = append(rep.IndexSyncs, sy)
		fmt.Printf("  %d of %d people in %s: %d calls, %d pages\n", sy.Indexed, sy.People, sy.Duration.Round(time.Millisecond), sy.Calls, sy.Pages)
		wl := newBoxSearches(qs).workload(nameSearchName, 0)
		wl.NoCalls = true
		s.wl = wl
		return nil
	}
	drop, err := onBothStores(ctx, rep, setupIndexSQLite, setupIndexPostgres, indexed)
	defer drop()
	if err != nil {
		return err
	}
	api, err := start(setupAPISearch, "HELPDESK_DIRECTORY_INDEX=false")
	if err != nil {
		return err
	}
	api.wl = newBoxSearches(qs).workload(nameSearchName, 1)

	up.fake.Tenant.SetLatency(o.latency)
	for _, c := range o.levels {
		for _, s := range sides {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Printf("%s, upstream latency %s\n", s.setup, o.latency)
			drive(ctx, rep, s.setup, o.latency, s.wl, c, s.p.URL, up, s.p)
		}
	}
	for _, s := range sides {
		pr, err := finish(s.p, s.setup, o.latency)
		if err != nil {
			return err
		}
		pr.FakeTokens = -1 // the consoles share one fake
		rep.Processes = append(rep.Processes, pr)
	}
	rep.IndexPeople, rep.IndexQueries = people, len(qs)
	return nil
}

// storeEnv puts the state where extra says: with HELPDESK_DATABASE_URL in
// PostgreSQL, so without the SQLite file.
func storeEnv(env, extra []string) []string {
	env = append(env, extra...)
	for _, kv := range extra {
		if strings.HasPrefix(kv, "HELPDESK_DATABASE_URL=") {
			for i, e := range env {
				if strings.HasPrefix(e, "HELPDESK_AUDIT_DB=") {
					return append(env[:i], env[i+1:]...)
				}
			}
		}
	}
	return env
}

// nameQueries are searches as agents type them, each once: a person's
// first and last name, the same the other way round, and the first name
// with the start of the last, lower case, accents kept (the index folds
// them). Shuffled, so that consecutive searches find different people.
func nameQueries(ps []fakeonelogin.Person) []string {
	seen := map[string]bool{}
	var qs []string
	add := func(q string) {
		if !seen[q] {
			seen[q] = true
			qs = append(qs, q)
		}
	}
	for _, p := range ps {
		f := strings.Fields(strings.ToLower(p.Name))
		if len(f) < 2 {
			continue
		}
		first, last := f[0], f[len(f)-1]
		add(first + " " + last)
		add(last + " " + first)
		if r := []rune(last); len(r) > 3 {
			add(first + " " + string(r[:3]))
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	return qs
}

// directoryStatus is what the admin page /directory says of the index.
type directoryStatus struct {
	complete      bool
	people, calls int
	lastError     string
}

var (
	dirStateRe  = regexp.MustCompile(`data-testid="directory-state"[^>]*>\s*([^<]*)<`)
	dirPeopleRe = regexp.MustCompile(`data-testid="directory-people"[^>]*>\s*(\d+)\s*<`)
	dirCallsRe  = regexp.MustCompile(`data-testid="directory-calls"[^>]*>\s*(\d+)\s*<`)
	dirErrorRe  = regexp.MustCompile(`data-testid="directory-error"[^>]*>\s*([^<]*)<`)
)

// parseDirectoryStatus reads the status page; a page without its state,
// people or calls is not one it knows.
func parseDirectoryStatus(body string) (directoryStatus, error) {
	state, people, calls := dirStateRe.FindStringSubmatch(body), dirPeopleRe.FindStringSubmatch(body), dirCallsRe.FindStringSubmatch(body)
	if state == nil || people == nil || calls == nil {
		return directoryStatus{}, fmt.Errorf("/directory without the index's state, people and calls")
	}
	st := directoryStatus{complete: strings.HasPrefix(strings.TrimSpace(state[1]), "Complete")}
	st.people, _ = strconv.Atoi(people[1])
	st.calls, _ = strconv.Atoi(calls[1])
	if m := dirErrorRe.FindStringSubmatch(body); m != nil {
		st.lastError = strings.TrimSpace(m[1])
	}
	return st, nil
}

// waitIndexed polls the console's /directory, as an admin, until the
// index says its first listing is complete.
func waitIndexed(ctx context.Context, base string, timeout time.Duration) (directoryStatus, error) {
	deadline := time.Now().Add(timeout)
	hc := &http.Client{Timeout: 10 * time.Second}
	lastErr := ""
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/directory", nil)
		if err != nil {
			return directoryStatus{}, err
		}
		req.Header.Set("X-Forwarded-Email", fakeonelogin.PersonaAdmin)
		req.Header.Set("X-Forwarded-Groups", fakeonelogin.GroupAdmins)
		resp, err := hc.Do(req)
		if err != nil {
			return directoryStatus{}, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return directoryStatus{}, err
		}
		if resp.StatusCode != http.StatusOK {
			return directoryStatus{}, fmt.Errorf("GET /directory: %s", resp.Status)
		}
		st, err := parseDirectoryStatus(string(body))
		if err != nil {
			return st, err
		}
		if st.complete {
			return st, nil
		}
		if st.lastError != "" && st.lastError != lastErr {
			fmt.Printf("  the sync failed once: %s\n", st.lastError)
			lastErr = st.lastError
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("the index was not complete after %s (%d people, %d calls)", timeout, st.people, st.calls)
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// indexMarkdown is the report's section on the directory index.
func (r *report) indexMarkdown(b *strings.Builder) {
	if len(r.IndexSyncs) == 0 {
		return
	}
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("## Search: the directory index against OneLogin's search\n\n")
	w("One fake tenant of %d people in the benchmark's process, its quota raised so that the sync's pacing (a tenth of the hourly limit) does not hold it back, answering at once while the consoles list it. ", r.IndexPeople)
	w("Each console with the index (`HELPDESK_DIRECTORY_INDEX`, on by default; its next round an hour away, `HELPDESK_DIRECTORY_SYNC=1h`, so that one console's round never lands in another's listing) starts, lists everyone, and the benchmark polls `/directory` as an admin until it says *Complete*: the time is from the console's start, the calls are the sync's own count from that page, the pages are the v2 listings (`GET /api/2/users`) the fake answered meanwhile. ")
	w("Then the fake answers with %s of latency, and every console, with the index and without it (`HELPDESK_DIRECTORY_INDEX=false`, OneLogin's search as before the index), is sent the same %d distinct searches in the same order, level after level, as htmx fragments: a person's name as an agent types it (`q=josé müller`, `q=müller josé`, `q=josé mül`). A console with the index may go round the list more than once (it keeps no answers, so a repeat costs it the same); the one without goes round it far more slowly than its 5 s search cache, as its calls per request show.\n\n", r.Options.latency, r.IndexQueries)
	w("| Console | People | Indexed | Calls | Pages (of %d) | Time | Calls / s |\n|---|---:|---:|---:|---:|---:|---:|\n", directoryPageSize)
	for _, s := range r.IndexSyncs {
		w("| %s | %d | %d | %d | %d | %s | %.0f |\n", s.Setup, s.People, s.Indexed, s.Calls, s.Pages, s.Duration.Round(time.Millisecond), float64(s.Calls)/s.Duration.Seconds())
	}
	w("\n| Console | Concurrency | req/s | p50 | p95 | p99 | Failures | Upstream calls/req | Console time p50 | Console CPU/req |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, m := range r.Measurements {
		if m.Workload.Name != nameSearchName {
			continue
		}
		res := m.Result
		w("| %s | %d | %.1f | %s | %s | %s | %d | %.2f | %s | %s |\n", m.Setup, res.Concurrency, res.RPS(), ms(res.Percentile(50)), ms(res.Percentile(95)), ms(res.Percentile(99)),
			res.Failures, m.CallsPerRequest, ms(percentile(m.Overheads, 50)), cpuMS(m.CPUPerRequest))
	}
	w("\n")
	if r.NoPostgres {
		w("PostgreSQL was not measured: `HELPDESK_TEST_DATABASE_URL` was unset (`make bench` starts a cluster).\n\n")
	}
}

// indexTargets are the index's rows of the Targets table.
func (r *report) indexTargets() []target {
	var ts []target
	for _, s := range r.IndexSyncs {
		ts = append(ts, target{fmt.Sprintf("First sync of %d people (%s): calls, pages of %d (at most %d), time", s.People, s.Setup, directoryPageSize, pagesAllowed(s.People)),
			fmt.Sprintf("%d calls, %d pages, %d people indexed, %s", s.Calls, s.Pages, s.Indexed, s.Duration.Round(time.Millisecond)), s.met()})
	}
	for _, m := range r.Measurements {
		if !m.Workload.NoCalls || m.Workload.Name != nameSearchName {
			continue
		}
		c := m.Result.Concurrency
		ts = append(ts, target{fmt.Sprintf("0 OneLogin calls per request (%s, %s, %d concurrent)", m.Setup, m.Workload.Name, c),
			fmt.Sprintf("%.2f calls/req", m.CallsPerRequest), m.Matched && m.CallsPerRequest == 0 && m.Result.Requests > 0})
		p50 := percentile(m.Overheads, 50)
		measured := ms(p50)
		if r.IndexPeople < indexTargetPeople {
			measured += fmt.Sprintf(", with only %d people in the index", r.IndexPeople)
		}
		ts = append(ts, target{fmt.Sprintf("Search p50 console time ≤ %s with %d people in the index (%s, %d concurrent)", ms(indexP50Max), indexTargetPeople, m.Setup, c),
			measured, m.Matched && m.Result.Requests > 0 && p50 <= indexP50Max && r.IndexPeople >= indexTargetPeople})
	}
	return ts
}
