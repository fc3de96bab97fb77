package main

import (
	"bufio"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
	"onelogin-helpdesk/pgstore/pgtest"
)

// These tests run the console as it is deployed: two processes of main on
// one PostgreSQL database, behind a "proxy" (the test, from loopback) that
// names the person, in front of ONE fake tenant served by the test (each
// process's embedded demo tenant would be its own). Each process is this
// test binary running main (consoletest.Self), so nothing is built again.

// replica is one console process.
type replica = consoletest.Process

const replicaSessionKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes, shared by the replicas

// startReplica starts a console process with the settings a replica behind
// a proxy has, and waits until it serves.
func startReplica(t *testing.T, name, dbURL string, fake *fakeonelogin.Server, extra map[string]string) *replica {
	t.Helper()
	env := map[string]string{
		"HELPDESK_AUTH_MODE":             "proxy",
		"HELPDESK_TRUSTED_PROXIES":       "127.0.0.1/32",
		"HELPDESK_SESSION_KEYS":          replicaSessionKey,
		"HELPDESK_DATABASE_URL":          dbURL,
		"HELPDESK_ADMIN_GROUPS":          fakeonelogin.GroupAdmins,
		"HELPDESK_HELPDESK_GROUPS":       fakeonelogin.GroupHelpdesk,
		"HELPDESK_VIEWER_GROUPS":         fakeonelogin.GroupViewers,
		"HELPDESK_SELF_UNLOCKS_PER_HOUR": "3",
		"HELPDESK_LOG_LEVEL":             "debug",
		"ONELOGIN_URL":                   fake.URL,
		"ONELOGIN_CLIENT_ID":             fake.ClientID,
		"ONELOGIN_CLIENT_SECRET":         fake.ClientSecret,
		"ONELOGIN_TIMEOUT":               "20s",
		// A restarted database shows in /readyz within a second, not the
		// default ten, so the restart test waits on the database only.
		"HELPDESK_READINESS_CACHE": "1s",
	}
	maps.Copy(env, extra)
	return consoletest.StartProcess(t, "replica "+name, consoletest.Self(), env)
}

// person is someone using the console through the proxy: their browser's
// cookies, and the identity headers the proxy adds.
type person struct {
	email, groups string
	jar           http.CookieJar
}

func newPerson(email, groups string) *person {
	jar, _ := cookiejar.New(nil) // cookies ignore ports: one jar serves both replicas
	return &person{email: email, groups: groups, jar: jar}
}

var tokenRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// do sends a request to r as p; form nil is a GET.
func (p *person) do(t *testing.T, r *replica, path string, form url.Values) (int, string) {
	t.Helper()
	method, body := http.MethodGet, io.Reader(nil)
	if form != nil {
		method, body = http.MethodPost, strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, r.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", r.URL)
	}
	req.Header.Set("X-Forwarded-Email", p.email)
	if p.groups != "" {
		req.Header.Set("X-Forwarded-Groups", p.groups)
	}
	c := &http.Client{Jar: p.jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", method, path, r.Name, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// token is the CSRF token of p's console session (from the sessions page).
func (p *person) token(t *testing.T, r *replica) string {
	t.Helper()
	code, page := p.do(t, r, "/sessions", nil)
	m := tokenRe.FindStringSubmatch(page)
	if code != http.StatusOK || m == nil {
		t.Fatalf("no CSRF token for %s on %s: %d %.300s", p.email, r.Name, code, page)
	}
	return m[1]
}

func ready(t *testing.T, r *replica) (int, string) {
	t.Helper()
	res, err := http.Get(r.URL + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(b))
}

// waitReady polls /readyz (each answer is cached up to 10 s) until it
// answers want.
func waitReady(t *testing.T, r *replica, want int) string {
	t.Helper()
	var body string
	var code int
	for deadline := time.Now().Add(45 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if code, body = ready(t, r); code == want {
			return body
		}
	}
	t.Fatalf("%s /readyz never answered %d (last %d %q)", r.Name, want, code, body)
	return ""
}

var (
	admin    = func() *person { return newPerson(fakeonelogin.PersonaAdmin, fakeonelogin.GroupAdmins) }
	helpdesk = func() *person { return newPerson(fakeonelogin.PersonaHelpdesk, fakeonelogin.GroupHelpdesk) }
	employee = func() *person { return newPerson(fakeonelogin.PersonaEmployee, "") }
)

func auditRows(page string) int { return strings.Count(page, `data-testid="audit-row"`) }

// TestReplicas_shareStateAndSessions: two console processes on one database
// are one console: an action on A is on B's audit page and in the person's
// history there; signing out on A ends the session on B; an admin ending a
// session on B ends it on A; the self-unlock allowance holds across both
// under parallel requests.
func TestReplicas_shareStateAndSessions(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t, "replicas")
	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: 100})
	t.Cleanup(fake.Close)
	a := startReplica(t, "A", db, fake, nil)
	b := startReplica(t, "B", db, fake, nil)

	t.Run("an action on A is seen on B", func(t *testing.T) {
		agent, boss := helpdesk(), admin()
		id := strconv.FormatInt(fakeonelogin.PersonaLockedID, 10)
		code, page := agent.do(t, a, "/users/"+id+"/unlock", url.Values{"csrf_token": {agent.token(t, a)}, "ticket": {"INC-REPLICA"}})
		if code != http.StatusSeeOther { // back to the person's page
			t.Fatalf("unlock on A: %d %.300s", code, page)
		}
		code, page = boss.do(t, b, "/audit?target="+id, nil)
		if code != http.StatusOK || auditRows(page) != 1 || !strings.Contains(page, "INC-REPLICA") {
			t.Errorf("B's audit page: %d, %d rows", code, auditRows(page))
		}
		code, page = boss.do(t, b, "/users/"+id, nil)
		if code != http.StatusOK || strings.Count(page, `data-testid="history-item"`) != 1 || !strings.Contains(page, "INC-REPLICA") {
			t.Errorf("the person's history on B: %d", code)
		}
	})

	t.Run("signing out on A ends the session on B", func(t *testing.T) {
		agent := helpdesk()
		tok := agent.token(t, a)
		if code, _ := agent.do(t, b, "/sessions", nil); code != http.StatusOK {
			t.Fatalf("the session on B: %d", code)
		}
		if code, _ := agent.do(t, a, "/auth/logout", url.Values{"csrf_token": {tok}}); code != http.StatusSeeOther {
			t.Fatalf("sign-out on A: %d", code)
		}
		// The ended session's forms no longer work anywhere.
		code, _ := agent.do(t, b, "/sessions/others/revoke", url.Values{"csrf_token": {tok}})
		if code != http.StatusForbidden {
			t.Errorf("the signed-out session's form on B: %d, want 403", code)
		}
	})

	t.Run("an admin ending a session on B ends it on A", func(t *testing.T) {
		agent, boss := helpdesk(), admin()
		tok := agent.token(t, a)
		_, page := boss.do(t, b, "/sessions", nil)
		m := regexp.MustCompile(`data-email="` + regexp.QuoteMeta(fakeonelogin.PersonaHelpdesk) + `"[\s\S]*?action="(/sessions/[0-9a-f]{64}/revoke)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("B's sessions page lists no session of the agent to end:\n%.2000s", page)
		}
		if code, _ := boss.do(t, b, m[1], url.Values{"csrf_token": {boss.token(t, b)}}); code != http.StatusOK {
			t.Fatalf("revoke on B: %d", code)
		}
		if code, _ := agent.do(t, a, "/sessions/others/revoke", url.Values{"csrf_token": {tok}}); code != http.StatusForbidden {
			t.Errorf("the revoked session's form on A: %d, want 403", code)
		}
	})

	t.Run("the self-unlock allowance holds across replicas", func(t *testing.T) {
		api, err := client.New(fake.URL, fake.ClientID, fake.ClientSecret)
		if err != nil {
			t.Fatal(err)
		}
		if err := api.LockUser(context.Background(), fakeonelogin.PersonaEmployeeID, 60); err != nil {
			t.Fatal(err)
		}
		emp := employee()
		tokA, tokB := emp.token(t, a), emp.token(t, b)
		// Every request reads the account as locked before any unlock lands
		// (a read and an unlock each take a second).
		fake.Tenant.SetLatency(time.Second)
		defer fake.Tenant.SetLatency(0)
		const parallel = 8
		codes := make(chan int, parallel)
		var wg sync.WaitGroup
		for i := range parallel {
			r, tok := a, tokA
			if i%2 == 1 {
				r, tok = b, tokB
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, _ := emp.do(t, r, "/me/unlock", url.Values{"csrf_token": {tok}})
				codes <- code
			}()
		}
		wg.Wait()
		close(codes)
		var all []int
		refused, limited := 0, 0
		for c := range codes {
			all = append(all, c)
			switch c {
			case http.StatusTooManyRequests:
				limited++
				refused++
			case http.StatusConflict: // read as not locked: an unlock had landed
				refused++
			}
		}
		// The allowance as the database holds it: exactly 3 taken, never more.
		conn, err := pgx.Connect(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		var taken int
		if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM limit_events WHERE key = $1",
			"self-unlock:"+fakeonelogin.PersonaEmployee).Scan(&taken); err != nil {
			t.Fatal(err)
		}
		if taken != 3 || refused != parallel-3 || limited == 0 {
			t.Errorf("answers %v: %d unlocks counted, %d refused (%d for the limit); want 3 counted across both replicas and the other %d refused",
				all, taken, refused, limited, parallel-3)
		}
		code, page := admin().do(t, a, "/audit?action=self_unlock&outcome=denied", nil)
		if code != http.StatusOK || auditRows(page) == 0 || !strings.Contains(page, "limit of 3 an hour") {
			t.Errorf("the refusals are not in the trail: %d, %d rows", code, auditRows(page))
		}
	})
}

// TestReplicas_killedMidAction: a replica killed while OneLogin is still
// working on its action leaves one record of it, begun and never completed
// (pending: the outcome is unknown), and the other replica keeps serving.
func TestReplicas_killedMidAction(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t, "replicas")
	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: 100})
	t.Cleanup(fake.Close)
	a := startReplica(t, "A", db, fake, nil)
	b := startReplica(t, "B", db, fake, nil)
	agent, boss := helpdesk(), admin()
	tok := agent.token(t, a)
	id := strconv.FormatInt(fakeonelogin.PersonaLockedTOTPID, 10)

	// Warm up (a token, the role names), so the slow tenant holds only the action.
	if code, _ := agent.do(t, a, "/users/"+id, nil); code != http.StatusOK {
		t.Fatalf("the person's page on A: %d", code)
	}
	fake.Tenant.ResetCalls()
	fake.Tenant.SetLatency(3 * time.Second)
	go func() {
		// The answer never comes: the process is gone.
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/users/"+id+"/unlock",
			strings.NewReader(url.Values{"csrf_token": {tok}, "ticket": {"INC-KILLED"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", a.URL)
		req.Header.Set("X-Forwarded-Email", agent.email)
		req.Header.Set("X-Forwarded-Groups", agent.groups)
		c := &http.Client{Jar: agent.jar}
		if res, err := c.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	// Kill A once OneLogin has the unlock: the record was written before.
	for deadline := time.Now().Add(30 * time.Second); fake.Tenant.CallCount("POST", "/api/2/users/"+id+"/unlock") == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the unlock never reached OneLogin; calls: %v", fake.Tenant.Calls())
		}
	}
	a.Kill()
	fake.Tenant.SetLatency(0)

	code, page := boss.do(t, b, "/audit?target="+id, nil)
	if code != http.StatusOK || auditRows(page) != 1 || !strings.Contains(page, "INC-KILLED") || !strings.Contains(page, "pending") {
		t.Errorf("B's audit page after A died: %d, %d rows (want one pending record)", code, auditRows(page))
	}
	waitReady(t, b, http.StatusOK)
	if code, _ := boss.do(t, b, "/users/"+id, nil); code != http.StatusOK {
		t.Errorf("B serving a person's page: %d", code)
	}
}

// TestReplicas_databaseRestart: stopping PostgreSQL makes both replicas
// report not ready (and refuse actions, which cannot be recorded);
// starting it again makes them ready without a restart, with every record
// written before still there.
func TestReplicas_databaseRestart(t *testing.T) {
	t.Parallel()
	pgtest.AdminURL(t) // this test needs PostgreSQL installed: gate as the others
	dir := filepath.Join(t.TempDir(), "pg")
	out, err := exec.Command("scripts/test-postgres.sh", "start", dir).Output()
	if err != nil {
		t.Fatalf("start a cluster of this test's own: %v", err)
	}
	t.Cleanup(func() { _ = exec.Command("scripts/test-postgres.sh", "stop", dir).Run() })
	var dbURL string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), pgtest.Env+"="); ok {
			dbURL = v
		}
	}
	pgCtl := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("scripts/test-postgres.sh", append([]string{"pg_ctl", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("pg_ctl %v: %v\n%s", args, err, out)
		}
	}

	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: 100})
	t.Cleanup(fake.Close)
	a := startReplica(t, "A", dbURL, fake, nil)
	b := startReplica(t, "B", dbURL, fake, nil)
	agent, boss := helpdesk(), admin()
	id := strconv.FormatInt(fakeonelogin.PersonaLockedID, 10)
	if code, _ := agent.do(t, a, "/users/"+id+"/unlock", url.Values{"csrf_token": {agent.token(t, a)}, "ticket": {"INC-BEFORE"}}); code != http.StatusSeeOther {
		t.Fatalf("unlock before the restart: %d", code)
	}
	waitReady(t, a, http.StatusOK)
	waitReady(t, b, http.StatusOK)

	pgCtl("-m", "fast", "-w", "stop")
	for _, r := range []*replica{a, b} {
		if body := waitReady(t, r, http.StatusServiceUnavailable); !strings.Contains(body, "database") {
			t.Errorf("%s not ready because %q, want the database named", r.Name, body)
		}
	}
	fake.Tenant.ResetCalls()
	if code, _ := agent.do(t, b, "/users/"+strconv.FormatInt(fakeonelogin.PersonaLockedPushID, 10)+"/unlock", url.Values{"csrf_token": {"whatever"}}); code < 500 {
		t.Errorf("an action with the database down: %d, want it refused with a 5xx", code)
	}
	if n := fake.Tenant.CallCount("POST", "/api/2/users/") + fake.Tenant.CallCount("PUT", "/api/"); n != 0 {
		t.Errorf("OneLogin was asked to change something %d times while nothing could be recorded", n)
	}

	pgCtl("-w", "start")
	for _, r := range []*replica{a, b} {
		waitReady(t, r, http.StatusOK)
	}
	code, page := boss.do(t, b, "/audit?target="+id, nil)
	if code != http.StatusOK || auditRows(page) != 1 || !strings.Contains(page, "INC-BEFORE") {
		t.Errorf("after the restart B's audit page: %d, %d rows", code, auditRows(page))
	}
	if code, _ := agent.do(t, a, "/users/"+id, nil); code != http.StatusOK {
		t.Errorf("A serving after the restart: %d", code)
	}
}

// TestReplicas_publicUnlockLimitIsShared: the public unlock page's
// allowance per source address is one count across replicas: parallel
// look-ups from one address, half on A and half on B, get exactly the
// allowance between them.
func TestReplicas_publicUnlockLimitIsShared(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t, "replicas_unlock")
	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: 100})
	t.Cleanup(fake.Close)
	extra := map[string]string{"HELPDESK_PUBLIC_UNLOCK": "true", "HELPDESK_PUBLIC_UNLOCK_PER_IP": "4"}
	a := startReplica(t, "A", db, fake, extra)
	b := startReplica(t, "B", db, fake, extra)

	// lookup is one person at the public page: its form, then a look-up.
	lookup := func(r *replica, login string) int {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 60 * time.Second}
		res, err := c.Get(r.URL + "/unlock")
		if err != nil {
			t.Error(err)
			return 0
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := tokenRe.FindSubmatch(page)
		if m == nil {
			t.Errorf("no CSRF token on %s's unlock page: %d", r.Name, res.StatusCode)
			return 0
		}
		req, _ := http.NewRequest(http.MethodPost, r.URL+"/unlock",
			strings.NewReader(url.Values{"login": {login}, "csrf_token": {string(m[1])}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", r.URL)
		res, err = c.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	const parallel = 8
	codes := make(chan int, parallel)
	var wg sync.WaitGroup
	for i := range parallel {
		r := a
		if i%2 == 1 {
			r = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- lookup(r, "nobody"+strconv.Itoa(i)+"@example.com")
		}()
	}
	wg.Wait()
	close(codes)
	var all []int
	limited := 0
	for c := range codes {
		all = append(all, c)
		if c == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != parallel-4 {
		t.Errorf("answers %v: %d refused for the address's allowance, want %d (4 allowed across both replicas)", all, limited, parallel-4)
	}
}
