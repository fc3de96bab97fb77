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

// actionsScenario runs the action workload on SQLite and then on
// PostgreSQL, when HELPDESK_TEST_DATABASE_URL names a cluster to use (make
// bench starts one); otherwise it says so and runs SQLite alone.
func actionsScenario(ctx context.Context, rep *report, bin, dir string) error {
	stores := []struct {
		setup string
		env   func() ([]string, func(), error)
	}{
		{setupSQLite, func() ([]string, func(), error) { return nil, func() {}, nil }},
		{setupPostgres, func() ([]string, func(), error) {
			admin := os.Getenv("HELPDESK_TEST_DATABASE_URL")
			if admin == "" {
				return nil, nil, errNoPostgres
			}
			dbURL, drop, err := benchDatabase(ctx, admin)
			if err != nil {
				return nil, nil, err
			}
			return []string{"HELPDESK_DATABASE_URL=" + dbURL}, drop, nil
		}},
	}
	for _, st := range stores {
		fmt.Printf("%s, upstream latency 0s\n", st.setup)
		extra, cleanup, err := st.env()
		if err == errNoPostgres {
			fmt.Println("  skipped: HELPDESK_TEST_DATABASE_URL is unset (make bench starts a PostgreSQL cluster)")
			rep.NoPostgres = true
			continue
		}
		if err != nil {
			return err
		}
		err = runActions(ctx, rep, bin, dir, st.setup, extra)
		cleanup()
		if err != nil {
			return err
		}
	}
	return nil
}

var errNoPostgres = fmt.Errorf("no PostgreSQL")

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

func runActions(ctx context.Context, rep *report, bin, dir, setup string, extra []string) error {
	up := startFake(0)
	defer up.close()
	name := strings.NewReplacer(" ", "-", ",", "").Replace(setup)
	env := append(consoleEnv(dir, name, up, 0), extra...)
	if len(extra) > 0 {
		// PostgreSQL holds the state: no SQLite file.
		for i, kv := range env {
			if strings.HasPrefix(kv, "HELPDESK_AUDIT_DB=") {
				env = append(env[:i], env[i+1:]...)
				break
			}
		}
	}
	p, err := startConsole(ctx, bin, dir, name, env)
	if err != nil {
		return err
	}
	ids, err := userIDs(p.URL)
	if err != nil {
		p.stop()
		return err
	}
	sess, err := newActionSession(p.URL)
	if err != nil {
		p.stop()
		return err
	}
	// Only people the agent may log out: staff accounts are protected.
	var ok []string
	for _, id := range ids {
		if code, err := sess.post(p.URL, id); err == nil && code == http.StatusOK {
			ok = append(ok, id)
		}
	}
	if len(ok) < 10 {
		p.stop()
		return fmt.Errorf("%s: only %d of %d people could be logged out", setup, len(ok), len(ids))
	}
	wl := workload{Name: actionWorkloadName, Depth: 1, mk: func(base string) newRequest {
		return func(w, n int) (*http.Request, error) { return sess.request(base, ok[(w*7+n)%len(ok)]) }
	}}
	drive(ctx, rep, setup, 0, wl, actionLevel, p.URL, up, p)
	pr, err := finish(p, setup, 0)
	if err != nil {
		return err
	}
	pr.FakeTokens = up.tokenRequests()
	rep.Processes = append(rep.Processes, pr)
	return nil
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

// actionsMarkdown is the report's section on the action benchmark.
func (r *report) actionsMarkdown(b *strings.Builder) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	sq, okS := r.find(setupSQLite, actionWorkloadName, 0, actionLevel)
	pg, okP := r.find(setupPostgres, actionWorkloadName, 0, actionLevel)
	if !okS && !okP {
		return
	}
	w("## Actions: SQLite against PostgreSQL\n\n")
	w("An action writes its audit record before OneLogin is called and completes it after; the person's console session is read from the same store. ")
	w("*Log out of all sessions* (`POST /users/{id}/logout`, htmx, with the session's CSRF token) of the people the search finds, at %d concurrent, the fake tenant answering at once, ", actionLevel)
	w("once with the state in the SQLite file and once in PostgreSQL on loopback (the throwaway cluster `make bench` starts: Debian's PostgreSQL, `fsync` off as in the tests, so the commit cost of a real disk is not in it).\n\n")
	w("| Store | Actions/s | p50 | p99 | Overhead p50 | Console CPU/action | Failures |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, m := range []struct {
		m  measurement
		ok bool
	}{{sq, okS}, {pg, okP}} {
		if !m.ok {
			continue
		}
		res := m.m.Result
		w("| %s | %.0f | %s | %s | %s | %s | %d |\n", m.m.Setup, res.RPS(), ms(res.Percentile(50)), ms(res.Percentile(99)),
			ms(percentile(m.m.Overheads, 50)), cpuMS(m.m.CPUPerRequest), res.Failures)
	}
	w("\n")
	if okS && okP {
		added := pg.Result.Percentile(50) - sq.Result.Percentile(50)
		w("PostgreSQL adds %s to the p50 of an action (target: at most %s): %s.\n\n", ms(added), ms(pgAddedP50Max), yes(added <= pgAddedP50Max))
	} else if r.NoPostgres {
		w("PostgreSQL was not measured: `HELPDESK_TEST_DATABASE_URL` was unset (`make bench` starts a cluster).\n\n")
	}
}
