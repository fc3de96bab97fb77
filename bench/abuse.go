package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite"

	"onelogin-helpdesk/fakeonelogin"
)

// The abuse run: anonymous traffic against the public unlock page, the
// same number of requests of each kind from one address (look-ups of
// distinct names, wrong codes on one flow, push polls on one flow), and
// what each costs: audit records written, growth of the state store
// (SQLite, file and write-ahead log, and table by table), the console's
// memory, and OneLogin calls. The targets are issue 19's, per 1,000
// requests. The console's directory index has finished its first listing
// before anything is measured, and its next round is an hour away, so the
// growth and the calls are the abuse's alone.

// abuseKind is one kind of anonymous request.
type abuseKind struct {
	Name string
	// address is where the requests come from (X-Forwarded-For; loopback
	// is a trusted proxy).
	address string
	// answers are the statuses the page may answer with; any other is a
	// failure: the request was not the kind measured.
	answers []int
	// prepare walks the page to where the requests start; send sends
	// request n and reports the status.
	prepare func(s *abuseSession) error
	send    func(s *abuseSession, n int) (int, error)
}

// abuseMeasurement is what the requests of one kind cost.
type abuseMeasurement struct {
	Kind          string
	Requests      int
	Statuses      map[int]int
	Failures      int   // answered with a status not in the kind's answers
	Records       int   // audit records added
	Steps         int   // steps those records count (repeats included)
	StoreGrowth   int64 // bytes, file and write-ahead log
	MemoryGrowth  int64 // the console's resident set, bytes
	OneLoginCalls int64
	// Tables is what each table and index gained (dbstat): rows, and
	// bytes of pages in use.
	Tables map[string]tableUse
}

// Targets per 1,000 requests, from the (60 records and 1 MB per
// 10,000 look-ups; 50 MB per 10,000 live flows); polls at most one call
// per 2 s per flow, whatever their number.
const (
	abuseMaxRecords   = 6
	abuseMaxGrowth    = 100 << 10
	abuseMaxMemory    = 5 << 20
	abuseMaxCallsPoll = 60 // a push lives 120 s
)

func abuseScenario(ctx context.Context, rep *report, bin, dir string) error {
	requests := rep.Options.abuseRequests
	fmt.Printf("public unlock page, anonymous abuse: %d requests of each kind\n", requests)
	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, RateLimitPerHour: 1_000_000_000, MaxCalls: -1})
	var calls atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/auth/oauth2/v2/token" {
			calls.Add(1)
		}
		fake.ServeHTTP(w, r)
	}))
	up := &fakeUpstream{fake: fake, front: front}
	defer up.close()
	name := "abuse"
	// The directory index's next round an hour away: it writes nothing
	// while the abuse is measured.
	env := append(consoleEnv(dir, name, up, 0), "HELPDESK_PUBLIC_UNLOCK=true", "HELPDESK_DIRECTORY_SYNC=1h")
	p, err := startConsole(ctx, bin, dir, name, env)
	if err != nil {
		return err
	}
	defer p.Stop() // at once if finish has stopped it
	if _, err := waitIndexed(ctx, p.URL, indexSyncTimeout); err != nil {
		return err
	}
	db := filepath.Join(dir, "demo-audit-"+name+".db")
	trail, err := sql.Open("sqlite", db)
	if err != nil {
		return err
	}
	defer trail.Close()
	// The console's first requests fill its caches and pools: warm it up
	// from an address of its own, so the memory measured is the abuse's.
	warm, err := newAbuseSession(p.URL, "203.0.113.99")
	if err != nil {
		return err
	}
	for n := range 50 {
		if _, _, err := warm.post("/unlock", url.Values{"login": {"warm" + strconv.Itoa(n) + "@example.com"}}); err != nil {
			return err
		}
	}

	for _, k := range abuseKinds() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s, err := newAbuseSession(p.URL, k.address)
		if err != nil {
			return err
		}
		if err := k.prepare(s); err != nil {
			return fmt.Errorf("%s: %w", k.Name, err)
		}
		m := abuseMeasurement{Kind: k.Name, Requests: requests, Statuses: map[int]int{}}
		records0, steps0, err := auditCount(ctx, trail)
		if err != nil {
			return err
		}
		size0, rss0, calls0 := storeSize(ctx, trail, db), p.rss(), calls.Load()
		uses0, err := tableUses(ctx, trail)
		if err != nil {
			return err
		}
		for n := range requests {
			status, err := k.send(s, n)
			if err != nil {
				return fmt.Errorf("%s, request %d: %w", k.Name, n+1, err)
			}
			m.Statuses[status]++
			if !slices.Contains(k.answers, status) {
				m.Failures++
			}
		}
		records1, steps1, err := auditCount(ctx, trail)
		if err != nil {
			return err
		}
		m.Records, m.Steps = records1-records0, steps1-steps0
		m.StoreGrowth, m.MemoryGrowth, m.OneLoginCalls = storeSize(ctx, trail, db)-size0, p.rss()-rss0, calls.Load()-calls0
		uses1, err := tableUses(ctx, trail)
		if err != nil {
			return err
		}
		m.Tables = map[string]tableUse{}
		for name, u := range uses1 {
			if d := (tableUse{u.Rows - uses0[name].Rows, u.Bytes - uses0[name].Bytes}); d != (tableUse{}) {
				m.Tables[name] = d
			}
		}
		for _, name := range slices.Sorted(maps.Keys(m.Tables)) {
			fmt.Printf("    %-34s %+6d rows %+9d B (now %d rows, %d B)\n", name, m.Tables[name].Rows, m.Tables[name].Bytes, uses1[name].Rows, uses1[name].Bytes)
		}
		fmt.Printf("  %-26s %v, %d failed: %d records (%d steps), store +%d B, memory %+.1f MB, %d OneLogin calls\n",
			k.Name, m.Statuses, m.Failures, m.Records, m.Steps, m.StoreGrowth, float64(m.MemoryGrowth)/(1<<20), m.OneLoginCalls)
		rep.Abuse = append(rep.Abuse, m)
	}
	pr, err := finish(p, "public unlock page, abused", 0)
	if err != nil {
		return err
	}
	pr.FakeTokens = -1
	rep.Processes = append(rep.Processes, pr)
	return nil
}

func abuseKinds() []abuseKind {
	choose := func(login, kind string) func(s *abuseSession) error {
		return func(s *abuseSession) error {
			page, _, err := s.post("/unlock", url.Values{"login": {login}})
			if err != nil {
				return err
			}
			m := regexp.MustCompile(`value="(\d+)" data-testid="factor-` + kind + `"`).FindStringSubmatch(page)
			if m == nil {
				return fmt.Errorf("%s is not offered %s", login, kind)
			}
			_, status, err := s.post("/unlock/factor", url.Values{"factor": {m[1]}})
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("choosing %s: HTTP %d", kind, status)
			}
			return err
		}
	}
	return []abuseKind{
		// Past the per-address allowance the page refuses (429).
		{Name: "look-up, distinct names", address: "203.0.113.10", answers: []int{http.StatusOK, http.StatusTooManyRequests},
			prepare: func(*abuseSession) error { return nil },
			send: func(s *abuseSession, n int) (int, error) {
				_, status, err := s.post("/unlock", url.Values{"login": {"abuse" + strconv.Itoa(n) + "@example.com"}})
				return status, err
			}},
		// A wrong code is 422; past the flow's attempts, 429.
		{Name: "wrong code, one flow", address: "203.0.113.20", answers: []int{http.StatusUnprocessableEntity, http.StatusTooManyRequests},
			prepare: choose(fakeonelogin.PersonaLockedTOTP, "authenticator"),
			send: func(s *abuseSession, n int) (int, error) {
				_, status, err := s.post("/unlock/code", url.Values{"code": {fmt.Sprintf("%06d", n)}})
				return status, err
			}},
		// Still pending: 204 (htmx keeps polling); expired: 200, the factors again.
		{Name: "push poll, one flow", address: "203.0.113.30", answers: []int{http.StatusNoContent, http.StatusOK},
			prepare: choose(fakeonelogin.PersonaLockedPush, "push"),
			send: func(s *abuseSession, _ int) (int, error) {
				_, status, err := s.post("/unlock/push", url.Values{}, "HX-Request", "true", "HX-Trigger", "push-poll")
				return status, err
			}},
	}
}

// abuseSession is one anonymous browser: its cookies, its CSRF token and
// its address.
type abuseSession struct {
	base, address, token string
	c                    *http.Client
}

func newAbuseSession(base, address string) (*abuseSession, error) {
	jar, _ := cookiejar.New(nil)
	s := &abuseSession{base: base, address: address, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	req, _ := http.NewRequest(http.MethodGet, base+"/unlock", nil)
	req.Header.Set("X-Forwarded-For", address)
	res, err := s.c.Do(req)
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfRe.FindSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("no CSRF token on the unlock page (HTTP %d)", res.StatusCode)
	}
	s.token = string(m[1])
	return s, nil
}

// post sends a form; hdr are header name and value pairs.
func (s *abuseSession) post(path string, form url.Values, hdr ...string) (string, int, error) {
	form.Set("csrf_token", s.token)
	req, err := http.NewRequest(http.MethodPost, s.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.base)
	req.Header.Set("X-Forwarded-For", s.address)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := s.c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer res.Body.Close()
	page, err := io.ReadAll(res.Body)
	return string(page), res.StatusCode, err
}

// auditCount is how many audit records there are, and how many steps they
// count (a tallied or repeated record counts its repeats).
func auditCount(ctx context.Context, db *sql.DB) (records, steps int, err error) {
	err = db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(repeats + 1), 0) FROM audit_records`).Scan(&records, &steps)
	return records, steps, err
}

// tableUse is one table's (or index's) share of the store: its rows and
// the bytes of its pages.
type tableUse struct{ Rows, Bytes int64 }

// tableUses is every table's and index's use of the store, from SQLite's
// dbstat (pages in use, not the free list); rows only for tables.
func tableUses(ctx context.Context, db *sql.DB) (map[string]tableUse, error) {
	out := map[string]tableUse{}
	rows, err := db.QueryContext(ctx, `SELECT name, sum(pgsize) FROM dbstat GROUP BY name`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			rows.Close()
			return nil, err
		}
		out[name] = tableUse{Bytes: n}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var tables []string
	rows, err = db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table'`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, name)
	}
	rows.Close()
	for _, t := range tables {
		u := out[t]
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM "`+t+`"`).Scan(&u.Rows); err != nil {
			return nil, err
		}
		out[t] = u
	}
	return out, rows.Err()
}

// storeSize is the SQLite file's size with its write-ahead log, the log
// first folded into the file (its size is otherwise the log's high-water
// mark, not the data's).
func storeSize(ctx context.Context, db *sql.DB, path string) int64 {
	// The console's own connections may hold the log a moment: try again.
	for range 40 {
		var busy, logged, moved int
		if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &moved); err == nil && busy == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// rss is the process's resident set (VmRSS) in bytes; 0 when unknown.
func (p *consoleProc) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// perRequests scales a target per 1,000 requests to n requests, by whole
// thousands: an address's records and allowances cost the same for fewer.
func perRequests(target int64, n int) int64 { return target * int64((n+999)/1000) }

// missed says which of the targets a measurement missed, a failed
// request included; "" when it met them all.
func (m abuseMeasurement) missed() string {
	var out []string
	if m.Failures > 0 {
		out = append(out, fmt.Sprintf("%d requests answered otherwise than %s", m.Failures, m.Kind))
	}
	if max := perRequests(abuseMaxRecords, m.Requests); int64(m.Records) > max {
		out = append(out, fmt.Sprintf("%d records > %d", m.Records, max))
	}
	if max := perRequests(abuseMaxGrowth, m.Requests); m.StoreGrowth >= max {
		out = append(out, fmt.Sprintf("store +%d B ≥ %d", m.StoreGrowth, max))
	}
	if max := perRequests(abuseMaxMemory, m.Requests); m.MemoryGrowth >= max {
		out = append(out, fmt.Sprintf("memory +%.1f MB ≥ %.1f MB", float64(m.MemoryGrowth)/(1<<20), float64(max)/(1<<20)))
	}
	if strings.HasPrefix(m.Kind, "push poll") && m.OneLoginCalls > abuseMaxCallsPoll {
		out = append(out, fmt.Sprintf("%d OneLogin calls > %d", m.OneLoginCalls, abuseMaxCallsPoll))
	}
	return strings.Join(out, "; ")
}

// abuseMissed is how many abuse measurements missed a target.
func (r *report) abuseMissed() int {
	n := 0
	for _, m := range r.Abuse {
		if m.missed() != "" {
			n++
		}
	}
	return n
}

// abuseMarkdown is the abuse run's section of the report.
func (r *report) abuseMarkdown(b *strings.Builder) {
	if len(r.Abuse) == 0 {
		return
	}
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	n := r.Abuse[0].Requests
	w("\n## The public unlock page under anonymous abuse\n\n")
	w("%d requests of each kind from one address (`-abuse`), against a console with the state in SQLite and the default allowances, its directory index complete and its next round an hour away, so that nothing else writes meanwhile. ", n)
	w("An answer other than the kind's own (a look-up's 200 or 429, a wrong code's 422 or 429, a pending poll's 204) is a failure, and the run then exits non-zero. ")
	w("Store growth is the SQLite file with its write-ahead log folded in; the table below it says where it went (`dbstat`). ")
	w("Targets per 1,000 requests: at most %d audit records, under %d KB of store growth, under %d MB of memory; push polls at most %d OneLogin calls whatever their number.\n\n",
		abuseMaxRecords, abuseMaxGrowth>>10, abuseMaxMemory>>20, abuseMaxCallsPoll)
	w("| Requests | Answers | Audit records (steps) | Store growth | Console memory | OneLogin calls | Targets (for %d) |\n|---|---|---|---|---|---|---|\n", n)
	for _, m := range r.Abuse {
		met := "met"
		if miss := m.missed(); miss != "" {
			met = "**missed**: " + miss
		}
		w("| %s | %s | %d (%d) | %.1f KB | %+.1f MB | %d | %s |\n", m.Kind, statusList(m.Statuses), m.Records, m.Steps,
			float64(m.StoreGrowth)/1024, float64(m.MemoryGrowth)/(1<<20), m.OneLoginCalls, met)
	}
	w("\n| Requests | Table or index | Rows added | Bytes added |\n|---|---|---:|---:|\n")
	for _, m := range r.Abuse {
		if len(m.Tables) == 0 {
			w("| %s | (none) | 0 | 0 |\n", m.Kind)
		}
		for _, name := range slices.Sorted(maps.Keys(m.Tables)) {
			w("| %s | `%s` | %+d | %+d |\n", m.Kind, name, m.Tables[name].Rows, m.Tables[name].Bytes)
		}
	}
	w("\n")
}

// statusList is the answers by status: "12×200, 988×429".
func statusList(s map[int]int) string {
	codes := slices.Sorted(maps.Keys(s))
	out := make([]string, len(codes))
	for i, code := range codes {
		out[i] = fmt.Sprintf("%d×%d", s[code], code)
	}
	return strings.Join(out, ", ")
}
