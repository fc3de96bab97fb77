package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The action benchmark: what the state store costs an action. Every action
// writes its audit record before OneLogin is called and completes it after
// (two writes), and reads the session, so the same run on SQLite and on
// PostgreSQL (on loopback, like the console's own database would be on a
// host's private network) shows what sharing the state across replicas
// costs. The fake tenant answers at once, so the store's share is not
// hidden behind upstream latency.

// actionLevel is the concurrency the target names.
const actionLevel = 10

// pgAddedP50Max is the target: PostgreSQL adds at most this to an action's
// p50 over SQLite.
const pgAddedP50Max = 2 * time.Millisecond

// Setups of the action benchmark.
const (
	setupSQLite   = "console, SQLite"
	setupPostgres = "console, PostgreSQL"
)

const actionWorkloadName = "action: log out (audit begin, OneLogin call, audit complete)"

// actionsScenario runs the action workload on SQLite and on PostgreSQL,
// when HELPDESK_TEST_DATABASE_URL names a cluster to use (make bench
// starts one); otherwise it says so and runs SQLite alone. Both consoles
// run side by side and are measured in turn, round after round.
func actionsScenario(ctx context.Context, rep *report, bin, dir string) error {
	type target struct {
		setup string
		p     *consoleProc
		up    *fakeUpstream
		wl    workload
	}
	var targets []*target
	defer func() {
		for _, tg := range targets {
			tg.up.close()
		}
	}()
	start := func(setup string, extra []string) error {
		up := startFake(0)
		tg := &target{setup: setup, up: up}
		targets = append(targets, tg)
		p, wl, err := startActions(ctx, bin, dir, setup, up, rep.Options.budget, extra)
		if err != nil {
			return err
		}
		tg.p, tg.wl = p, wl
		return nil
	}
	drop, err := onBothStores(ctx, rep, setupSQLite, setupPostgres, start)
	defer drop()
	if err != nil {
		return err
	}
	for round := 1; round <= rep.Options.rounds; round++ {
		for _, tg := range targets {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Printf("%s, round %d of %d, upstream latency 0s\n", tg.setup, round, rep.Options.rounds)
			drive(ctx, rep, tg.setup, 0, tg.wl, actionLevel, tg.p.URL, tg.up, tg.p)
		}
	}
	for _, tg := range targets {
		pr, err := finish(tg.p, tg.setup, 0)
		if err != nil {
			return err
		}
		pr.FakeTokens = tg.up.tokenRequests()
		rep.Processes = append(rep.Processes, pr)
	}
	return nil
}

// onBothStores calls start for the SQLite setup, then, when
// HELPDESK_TEST_DATABASE_URL names a cluster, for the PostgreSQL one with
// a database of the benchmark's own; drop removes that database.
func onBothStores(ctx context.Context, rep *report, sqlite, postgres string, start func(setup string, extra []string) error) (drop func(), err error) {
	if err := start(sqlite, nil); err != nil {
		return func() {}, err
	}
	dbURL, drop, err := benchPostgres(ctx, rep)
	if err != nil {
		return func() {}, err
	}
	if dbURL == "" {
		return drop, nil
	}
	return drop, start(postgres, []string{"HELPDESK_DATABASE_URL=" + dbURL})
}

// benchPostgres is a database of the benchmark's own on the cluster
// HELPDESK_TEST_DATABASE_URL names, with how to drop it; without one it
// says so, notes it in the report and returns "".
func benchPostgres(ctx context.Context, rep *report) (string, func(), error) {
	admin := os.Getenv("HELPDESK_TEST_DATABASE_URL")
	if admin == "" {
		fmt.Println("PostgreSQL skipped: HELPDESK_TEST_DATABASE_URL is unset (make bench starts a cluster)")
		rep.NoPostgres = true
		return "", func() {}, nil
	}
	return benchDatabase(ctx, admin)
}

// benchDatabase creates a database of the benchmark's own on the cluster
// at admin, and returns its URL and how to drop it.
func benchDatabase(ctx context.Context, admin string) (string, func(), error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "bench_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	}
	return u.String(), drop, nil
}

// startActions starts a console on the store extra names (none: SQLite)
// in front of up, its agent's hourly budget of calls set to budget, and
// returns it with the action workload over the people the agent may log
// out.
func startActions(ctx context.Context, bin, dir, setup string, up *fakeUpstream, budget int, extra []string) (*consoleProc, workload, error) {
	name := strings.NewReplacer(" ", "-", ",", "").Replace(setup)
	env := storeEnv(append(consoleEnv(dir, name, up, 0), budgetEnv(budget)), extra)
	p, err := startConsole(ctx, bin, dir, name, env)
	if err != nil {
		return nil, workload{}, err
	}
	fail := func(err error) (*consoleProc, workload, error) {
		p.Stop()
		return nil, workload{}, err
	}
	ids, err := userIDs(p.URL)
	if err != nil {
		return fail(err)
	}
	sess, err := newActionSession(p.URL)
	if err != nil {
		return fail(err)
	}
	// Only people the agent may log out: staff accounts are protected.
	var ok []string
	for _, id := range ids {
		if code, err := sess.post(p.URL, id); err == nil && code == http.StatusOK {
			ok = append(ok, id)
		}
	}
	if len(ok) < 10 {
		return fail(fmt.Errorf("%s: only %d of %d people could be logged out", setup, len(ok), len(ids)))
	}
	wl := workload{Name: actionWorkloadName, Depth: 1, mk: func(base string) newRequest {
		return func(w, n int) (*http.Request, error) { return sess.request(base, ok[(w*7+n)%len(ok)]) }
	}}
	return p, wl, nil
}

// actionSession is the agent's console session: its cookie and CSRF token,
// which every action carries.
type actionSession struct {
	cookie, token string
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func newActionSession(base string) (*actionSession, error) {
	req, err := consoleRequest(base, "/sessions", false)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := csrfRe.FindSubmatch(body)
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == "helpdesk_session" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if resp.StatusCode != http.StatusOK || m == nil || cookie == "" {
		return nil, fmt.Errorf("GET /sessions: %s, no session or token", resp.Status)
	}
	return &actionSession{cookie: cookie, token: string(m[1])}, nil
}

// request is one "log out of all sessions" of user id, as the person's
// page sends it with htmx.
func (s *actionSession) request(base, id string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/users/"+id+"/logout",
		strings.NewReader(url.Values{"csrf_token": {s.token}}.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Cookie", s.cookie)
	req.Header.Set("X-Forwarded-Email", staffEmail)
	req.Header.Set("X-Forwarded-Groups", staffGroups)
	req.Header.Set("HX-Request", "true")
	return req, nil
}

func (s *actionSession) post(base, id string) (int, error) {
	req, err := s.request(base, id)
	if err != nil {
		return 0, err
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// actionRuns are the action measurements of one setup, in round order.
func (r *report) actionRuns(setup string) []measurement {
	var out []measurement
	for _, m := range r.Measurements {
		if m.Setup == setup && m.Workload.Name == actionWorkloadName {
			out = append(out, m)
		}
	}
	return out
}

// medianOf is the median of f over the runs.
func medianOf(runs []measurement, f func(measurement) time.Duration) time.Duration {
	ds := make([]time.Duration, len(runs))
	for i, m := range runs {
		ds[i] = f(m)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// actionsMarkdown is the report's section on the action benchmark.
func (r *report) actionsMarkdown(b *strings.Builder) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	sq, pg := r.actionRuns(setupSQLite), r.actionRuns(setupPostgres)
	if len(sq) == 0 && len(pg) == 0 {
		return
	}
	w("## Actions: SQLite against PostgreSQL\n\n")
	w("An action writes its audit record before OneLogin is called and completes it after, and the person's console session is read from the same store. ")
	w("*Log out of all sessions* (`POST /users/{id}/logout`, htmx, with the session's CSRF token) of the people the search finds, at %d concurrent, the fake tenant answering at once, ", actionLevel)
	w("with the state in the SQLite file and in PostgreSQL on loopback (the throwaway cluster `make bench` starts: Debian's PostgreSQL with `fsync` and `synchronous_commit` off, as in the tests, so a real disk's commit cost is in neither). ")
	w("Both consoles run side by side and are measured in turn, %d rounds each, so that the shared machine's moods fall on both; the comparison is of the medians.\n\n", r.Options.rounds)
	w("| Store | Round | Actions/s | p50 | p99 | Overhead p50 | Console CPU/action | Machine CPU busy | Failures |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, runs := range [][]measurement{sq, pg} {
		for i, m := range runs {
			res := m.Result
			w("| %s | %d | %.0f | %s | %s | %s | %s | %s | %d |\n", m.Setup, i+1, res.RPS(), ms(res.Percentile(50)), ms(res.Percentile(99)),
				ms(percentile(m.Overheads, 50)), cpuMS(m.CPUPerRequest), percent(m.MachineBusy), res.Failures)
		}
	}
	w("\n")
	p50 := func(m measurement) time.Duration { return m.Result.Percentile(50) }
	p99 := func(m measurement) time.Duration { return m.Result.Percentile(99) }
	if len(sq) > 0 && len(pg) > 0 {
		added := medianOf(pg, p50) - medianOf(sq, p50)
		w("Medians: SQLite p50 %s, p99 %s; PostgreSQL p50 %s, p99 %s. PostgreSQL adds %s to an action's p50 (target: at most %s): %s.\n\n",
			ms(medianOf(sq, p50)), ms(medianOf(sq, p99)), ms(medianOf(pg, p50)), ms(medianOf(pg, p99)), ms(added), ms(pgAddedP50Max), yes(added <= pgAddedP50Max))
	} else if r.NoPostgres {
		w("PostgreSQL was not measured: `HELPDESK_TEST_DATABASE_URL` was unset (`make bench` starts a cluster).\n\n")
	}
}
