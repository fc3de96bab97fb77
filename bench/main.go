// Command bench load-tests the console the way it runs in production: as
// its own process, built from this module, in front of a fake OneLogin
// tenant with injected latency, driven over loopback at several
// concurrency levels. Every request carries its own X-Request-Id, which the
// console passes on to OneLogin, so a recorder in front of the fake can
// tell how much of each request's time was upstream. In the same run it
// measures a baseline, a bare httputil.ReverseProxy in front of the same
// kind of fake serving the same list call, and the console with the fake
// embedded as `make run` starts it (and once more under a soft memory
// limit, to show what that would trade). Besides latency it measures the
// console process's CPU time per request, which depends far less on what
// else runs on the machine. The results go to bench/RESULTS.md.
//
//	go run ./bench                      # 5 s per level, levels 1, 10, 100
//	go run ./bench -d 2s -levels 1,10   # quicker
//	go run ./bench -h                   # the flags
//
// Each workload measures what its name says: every search is one nobody
// asked within the console's search cache, and the load generator is a
// benchmark persona with an hourly budget of OneLogin calls (-budget) large
// enough never to be refused; the budgets' own cost is measured apart, on
// and off side by side. Search from the directory index is measured
// against OneLogin's search in the same run, on SQLite and PostgreSQL,
// after the index's first sync of -people (index.go). A run in which any
// request failed says so at the top of the report and exits with status 1.
//
// `make bench` runs it; it is not part of `make test`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"onelogin-helpdesk/fakeonelogin"
)

type options struct {
	duration time.Duration
	warmup   time.Duration
	levels   []int
	latency  time.Duration
	out      string
	// budget is the benchmark persona's hourly budget of OneLogin calls
	// (HELPDESK_BUDGET_HELPDESK of every console the benchmark starts).
	budget int
	// rounds is how many times each side of a side-by-side comparison
	// (budgets on and off, SQLite and PostgreSQL) is measured.
	rounds int
	// people is the size of the directory index benchmark's tenant.
	people int
	// only, when set, names the one setup to run (console, baseline,
	// embedded, budgets, actions, bulk, abuse or index), for looking into one of them; the report is then
	// partial.
	only string
	// abuseRequests is how many requests of each kind the abuse run
	// sends.
	abuseRequests int
}

func main() {
	var o options
	var levels string
	flag.DurationVar(&o.duration, "d", 5*time.Second, "measured duration of each load level")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up before each level")
	flag.StringVar(&levels, "levels", "1,10,100", "comma-separated concurrency levels")
	flag.DurationVar(&o.latency, "latency", 50*time.Millisecond, "latency the fake tenant adds to every call")
	flag.StringVar(&o.out, "out", "bench/RESULTS.md", "where to write the results (relative to the module root)")
	flag.StringVar(&o.only, "only", "", "run one setup only: console, baseline, embedded, budgets, actions, bulk, abuse or index (the report is then partial)")
	flag.IntVar(&o.abuseRequests, "abuse", 1000, "requests of each kind in the abuse run against the public unlock page (abuse)")
	flag.IntVar(&o.people, "people", indexTargetPeople, "people in the tenant of the directory index benchmark (index)")
	flag.IntVar(&o.budget, "budget", 1_000_000, "the benchmark persona's hourly budget of OneLogin calls (HELPDESK_BUDGET_HELPDESK, at most 1048576, the console's limit); large enough never to be refused")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of each side-by-side comparison (budgets on and off; SQLite and PostgreSQL), alternated")
	flag.Usage = func() {
		out := flag.CommandLine.Output()
		fmt.Fprintln(out, "Usage: go run ./bench [flags]")
		fmt.Fprintln(out)
		fmt.Fprintln(out, "Load-tests the console (its own process, built from this module) in front of a fake OneLogin tenant,")
		fmt.Fprintln(out, "against a bare-proxy baseline, and writes bench/RESULTS.md. Exits 1 when any request failed.")
		fmt.Fprintln(out)
		flag.PrintDefaults()
	}
	flag.Parse()
	for _, f := range strings.Split(levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1000 {
			fmt.Fprintf(os.Stderr, "bench: -levels: %q is not a concurrency from 1 to 1000\n", f)
			os.Exit(2)
		}
		o.levels = append(o.levels, n)
	}
	if !slices.Contains([]string{"", "console", "baseline", "embedded", "budgets", "actions", "bulk", "abuse", "index"}, o.only) {
		fmt.Fprintf(os.Stderr, "bench: -only: %q is not one of console, baseline, embedded, budgets, actions, bulk, abuse, index\n", o.only)
		os.Exit(2)
	}
	if o.budget < 1 || o.budget > maxBudget || o.rounds < 1 || o.people < 1 || o.abuseRequests < 1 {
		fmt.Fprintf(os.Stderr, "bench: -budget must be from 1 to %d, -rounds, -people and -abuse at least 1\n", maxBudget)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// Who the load generator says it is, through the trusted-proxy headers.
const (
	staffEmail  = fakeonelogin.PersonaHelpdesk
	staffGroups = fakeonelogin.GroupHelpdesk
)

// workload is one kind of request the console is driven with.
type workload struct {
	Name string
	// Depth is how many upstream calls lie one after another on the
	// request's critical path; calls made concurrently count once.
	Depth int
	// Calls, when set, is how many OneLogin calls each request must make:
	// fewer means some were answered from a cache, not measured.
	Calls float64
	// NoCalls says each request must make no OneLogin call at all (a
	// search the directory index answers).
	NoCalls bool
	mk      func(base string) newRequest
}

func consoleRequest(base, path string, htmx bool) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Forwarded-Email", staffEmail)
	req.Header.Set("X-Forwarded-Groups", staffGroups)
	if htmx {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "search-results")
	}
	return req, nil
}

// The search the benchmark's setup uses to find people: everyone at the
// domain, a full page of 50 rows from one list call
// (email=*@example.com&limit=50, and the attributes a row shows). The
// baseline proxy serves the very call the console made for it
// (report.listCall); defaultListCall is what it serves when the console's
// was not seen. The measured searches add a distinct date range to each
// (searches.go).
const (
	searchPath      = "/users?q=%40example.com"
	searchBox       = "@example.com"
	defaultListCall = "/api/1/users?email=%2A%40example.com&limit=50"
)

// Workload names, as the report's targets find them.
const (
	searchName     = "search fragment"
	wordSearchName = "search fragment, one word (4 listings)"
	userPageName   = "user page"
)

func searchWorkload() workload {
	return newSearches(searchBox).workload(searchName, 1)
}

// A one-word search is looked up as username, first name, last name and
// email at once: four concurrent list calls of 25, merged.
func wordSearchWorkload() workload {
	return newSearches("ma", "an", "jo", "li", "sa", "da", "el", "ka", "mi", "ch").workload(wordSearchName, 4)
}

func userPageWorkload(ids []string) workload {
	return workload{Name: userPageName, Depth: 1, mk: func(base string) newRequest {
		return func(w, n int) (*http.Request, error) {
			return consoleRequest(base, "/users/"+ids[(w*7+n)%len(ids)], false)
		}
	}}
}

func baselineWorkload(listCall string) workload {
	return workload{Name: "baseline proxy: the same list call", Depth: 1, mk: func(base string) newRequest {
		return func(int, int) (*http.Request, error) { return http.NewRequest(http.MethodGet, base+listCall, nil) }
	}}
}

// measurement is one workload at one level.
type measurement struct {
	Setup    string // which console (or the baseline), for the tables
	Workload workload
	Latency  time.Duration // injected upstream latency
	Result   result
	// From the fake's side, matched to the answers by request id (absent
	// with the embedded fake, which the benchmark cannot see into):
	Matched         bool
	CallsPerRequest float64
	UpstreamSpans   []time.Duration // first call's start to last call's end, sorted
	Overheads       []time.Duration // latency minus upstream span, sorted
	Console         bool
	// CPUPerRequest is the console process's CPU time (user and system)
	// over the level, warm-up included, divided by every request sent; 0
	// where the process is not the console's own (the baseline).
	CPUPerRequest time.Duration
	// MachineBusy is the share of the machine's CPU time that was busy
	// over the level (every process, warm-up included); -1 if unknown.
	MachineBusy float64
}

// process is what one console process measured over its whole life.
type process struct {
	Setup         string
	Latency       time.Duration
	PeakRSS       int64
	TokenRequests float64 // the console's own count (/metrics)
	FakeTokens    int     // the fake's count; -1 when embedded
	StopErr       error
}

type report struct {
	Options      options
	Started      time.Time
	Measurements []measurement
	Processes    []process
	// ListCall is the list call the console made for the search fragment
	// (path and query), which the baseline proxy serves.
	ListCall string
	// CPUs is the machine's CPU count; 0 means runtime.NumCPU.
	CPUs int
	// NoPostgres says the action benchmark had no PostgreSQL to run on.
	NoPostgres bool
	// Bulk are the bulk unlock jobs measured (bulk.go).
	Bulk []bulkMeasurement
	// Abuse is the public unlock page under anonymous abuse (abuse.go).
	Abuse []abuseMeasurement
	// IndexSyncs are the directory index's first syncs (index.go), over a
	// tenant of IndexPeople, searched with IndexQueries distinct searches.
	IndexSyncs                []indexSync
	IndexPeople, IndexQueries int
}

// listCall is what the baseline serves: the console's own list call.
func (r *report) listCall() string {
	if r.ListCall == "" {
		return defaultListCall
	}
	return r.ListCall
}

// Setups, as the tables name them.
const (
	setupConsole  = "console"
	setupEmbedded = "console, embedded fake"
	setupBaseline = "baseline proxy"
)

func run(ctx context.Context, o options) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "helpdesk-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Println("building the console...")
	bin, err := buildConsole(ctx, root, dir)
	if err != nil {
		return err
	}
	rep := &report{Options: o, Started: time.Now()}

	steps := []struct {
		setup string
		run   func() error
	}{
		// With latency: the console's pages, and the baseline for comparison.
		{"console", func() error { return consoleScenario(ctx, rep, bin, dir, o.latency, true) }},
		{"baseline", func() error { return baselineScenario(ctx, rep, o.latency) }},
		// Without latency: what the console costs against a bare proxy.
		{"console", func() error { return consoleScenario(ctx, rep, bin, dir, 0, false) }},
		{"baseline", func() error { return baselineScenario(ctx, rep, 0) }},
		// As `make run` runs it: the fake inside the console's process.
		{"embedded", func() error { return embeddedScenario(ctx, rep, bin, dir, o.latency) }},
		// What counting each person's calls costs a page, on and off.
		{"budgets", func() error { return budgetsScenario(ctx, rep, bin, dir) }},
		// Actions, with the state in SQLite and in PostgreSQL.
		{"actions", func() error { return actionsScenario(ctx, rep, bin, dir) }},
		// A bulk unlock job: its calls per person and its pace.
		{"bulk", func() error { return bulkScenario(ctx, rep, dir) }},
		// Anonymous abuse of the public unlock page (abuse.go).
		{"abuse", func() error { return abuseScenario(ctx, rep, bin, dir) }},
		// Search from the directory index against OneLogin's (index.go).
		{"index", func() error { return indexScenario(ctx, rep, bin, dir) }},
	}
	for _, step := range steps {
		if o.only != "" && step.setup != o.only {
			continue
		}
		if err := step.run(); err != nil {
			return err
		}
	}

	md := rep.markdown()
	fmt.Println()
	fmt.Print(md)
	out := o.out
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := os.WriteFile(out, []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", out)
	if n := rep.failures(); n > 0 {
		return fmt.Errorf("%d requests failed: the run does not measure what it names (see the top of %s)", n, out)
	}
	if n := rep.abuseMissed(); n > 0 {
		return fmt.Errorf("%d kinds of anonymous request missed their targets or failed (see the abuse section of %s)", n, out)
	}
	return nil
}

// drive runs workload wl at concurrency c against base. With up, the
// answers are matched to the fake's record of their calls; with p, the
// console process's CPU time is measured.
func drive(ctx context.Context, rep *report, setup string, lat time.Duration, wl workload, c int, base string, up *fakeUpstream, p *consoleProc) measurement {
	o := rep.Options
	if up != nil {
		up.spans.reset()
	}
	var cpuBefore time.Duration
	var cpuErr error
	if p != nil {
		cpuBefore, cpuErr = p.cpuTime()
	}
	busy0, total0, machineErr := machineCPU()
	prefix := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	res := load(ctx, newLoadClient(c), c, o.warmup, o.duration, prefix, wl.mk(base))
	m := measurement{Setup: setup, Workload: wl, Latency: lat, Result: res, Console: setup != setupBaseline, MachineBusy: -1}
	if busy1, total1, err := machineCPU(); machineErr == nil && err == nil && total1 > total0 {
		m.MachineBusy = float64(busy1-busy0) / float64(total1-total0)
	}
	if p != nil && cpuErr == nil && res.Sent > 0 {
		if cpuAfter, err := p.cpuTime(); err == nil {
			m.CPUPerRequest = (cpuAfter - cpuBefore) / time.Duration(res.Sent)
		}
	}
	if up != nil && len(res.Samples) > 0 {
		m.Matched = true
		calls := 0
		for _, s := range res.Samples {
			sp, ok := up.spans.take(s.ID)
			if !ok {
				m.Overheads = append(m.Overheads, s.Latency) // no upstream call at all
				continue
			}
			calls += sp.calls
			u := sp.end.Sub(sp.start)
			m.UpstreamSpans = append(m.UpstreamSpans, u)
			m.Overheads = append(m.Overheads, s.Latency-u)
		}
		m.CallsPerRequest = float64(calls) / float64(len(res.Samples))
		slices.Sort(m.UpstreamSpans)
		slices.Sort(m.Overheads)
	}
	rep.Measurements = append(rep.Measurements, m)
	printLine(m)
	return m
}

// consoleScenario starts a console process in front of a fake tenant in
// this process with upstream latency lat and drives it: every workload when
// full, the search fragment alone otherwise.
func consoleScenario(ctx context.Context, rep *report, bin, dir string, lat time.Duration, full bool) error {
	fmt.Printf("console, upstream latency %s\n", lat)
	up := startFake(lat)
	defer up.close()
	name := "external-" + lat.String()
	p, err := startConsole(ctx, bin, dir, name, append(consoleEnv(dir, name, up, lat), budgetEnv(rep.Options.budget)))
	if err != nil {
		return err
	}
	ids, err := userIDs(p.URL)
	if err != nil {
		p.Stop()
		return err
	}
	if rep.ListCall == "" {
		rep.ListCall = up.lastList() // the search userIDs just made
	}
	workloads := []workload{searchWorkload()}
	if full {
		workloads = append(workloads, wordSearchWorkload(), userPageWorkload(ids))
	}
	for _, wl := range workloads {
		for _, c := range rep.Options.levels {
			if ctx.Err() != nil {
				p.Stop()
				return ctx.Err()
			}
			drive(ctx, rep, setupConsole, lat, wl, c, p.URL, up, p)
		}
	}
	pr, err := finish(p, setupConsole, lat)
	if err != nil {
		return err
	}
	pr.FakeTokens = up.tokenRequests()
	rep.Processes = append(rep.Processes, pr)
	return nil
}

// embeddedScenario runs the console as `make run` does, with the fake
// tenant in its own process, at the highest level only: for its memory
// and its token requests.
func embeddedScenario(ctx context.Context, rep *report, bin, dir string, lat time.Duration) error {
	const setup = setupEmbedded
	fmt.Printf("%s, upstream latency %s\n", setup, lat)
	p, err := startConsole(ctx, bin, dir, "embedded", append(consoleEnv(dir, "embedded", nil, lat), budgetEnv(rep.Options.budget)))
	if err != nil {
		return err
	}
	ids, err := userIDs(p.URL)
	if err != nil {
		p.Stop()
		return err
	}
	c := slices.Max(rep.Options.levels)
	for _, wl := range []workload{searchWorkload(), userPageWorkload(ids)} {
		if ctx.Err() != nil {
			p.Stop()
			return ctx.Err()
		}
		drive(ctx, rep, setup, lat, wl, c, p.URL, nil, p)
	}
	pr, err := finish(p, setup, lat)
	if err != nil {
		return err
	}
	pr.FakeTokens = -1
	rep.Processes = append(rep.Processes, pr)
	return nil
}

// finish reads a console process's peak memory and token count and stops it.
func finish(p *consoleProc, setup string, lat time.Duration) (process, error) {
	pr := process{Setup: setup, Latency: lat}
	final, err := scrape(p.URL)
	if err == nil {
		pr.TokenRequests = final.tokenRequests()
		pr.PeakRSS, err = p.peakRSS()
	}
	pr.StopErr = p.Stop()
	if err != nil {
		return pr, err
	}
	fmt.Printf("  peak RSS %.1f MB, token requests %.0f, stopped: %v\n", float64(pr.PeakRSS)/(1<<20), pr.TokenRequests, orOK(pr.StopErr))
	return pr, nil
}

func baselineScenario(ctx context.Context, rep *report, lat time.Duration) error {
	fmt.Printf("baseline proxy, upstream latency %s\n", lat)
	b, err := startBaseline(lat)
	if err != nil {
		return err
	}
	defer b.close()
	for _, c := range rep.Options.levels {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		drive(ctx, rep, setupBaseline, lat, baselineWorkload(rep.listCall()), c, b.base(), b.upstream, nil)
	}
	return nil
}

var userLinkRe = regexp.MustCompile(`href="/users/(\d+)"`)

// userIDs reads the people the benchmark's search finds, to walk their
// pages; it also checks that the search answers with a fragment.
func userIDs(base string) ([]string, error) {
	req, err := consoleRequest(base, searchPath, true)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	body := string(raw)
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %s", searchPath, resp.Status)
	}
	if strings.Contains(body, "<html") {
		return nil, errors.New("the search answered a whole page to an htmx request aimed at #search-results")
	}
	seen := map[string]bool{}
	var ids []string
	for _, m := range userLinkRe.FindAllStringSubmatch(body, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			ids = append(ids, m[1])
		}
	}
	if len(ids) < 10 {
		return nil, fmt.Errorf("the search found %d people, want a page of them", len(ids))
	}
	return ids, nil
}

func printLine(m measurement) {
	r := m.Result
	fmt.Printf("  %-40s c=%-4d %8.1f req/s  p50 %-8s p95 %-8s p99 %-8s fail %d  calls/req %.2f  overhead p50 %s p99 %s  CPU/req %s  machine busy %s\n",
		m.Workload.Name, r.Concurrency, r.RPS(), ms(r.Percentile(50)), ms(r.Percentile(95)), ms(r.Percentile(99)),
		r.Failures, m.CallsPerRequest, ms(percentile(m.Overheads, 50)), ms(percentile(m.Overheads, 99)), cpuMS(m.CPUPerRequest), percent(m.MachineBusy))
	if r.FirstError != "" {
		fmt.Printf("    first failure: %s\n", r.FirstError)
	}
}

func orOK(err error) string {
	if err == nil {
		return "cleanly"
	}
	return err.Error()
}

// moduleRoot is the directory of this module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the benchmark inside the module (go run ./bench)")
	}
	return filepath.Dir(mod), nil
}
