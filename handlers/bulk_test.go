package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/sqlitestore"
	"onelogin-helpdesk/sqlitestore/sqlitetest"
)

// withJobs gives a console bulk jobs on an in-memory store, admins only.
func withJobs(t *testing.T) func(*handlers.Config) {
	return func(cfg *handlers.Config) {
		cfg.Jobs = newRunner(t, sqlitetest.Open(t), cfg.OneLogin, "test")
		cfg.Bulk = access.Bulk{Max: 500}
	}
}

// newRunner is a bulk job runner on store, paced by ol's quota with 20%
// kept for others, resuming jobs it finds unfinished.
func newRunner(t *testing.T, store jobs.Store, ol handlers.OneLogin, owner string) *jobs.Runner {
	read, refresh := handlers.JobQuota(ol)
	r := jobs.NewRunner(store, jobs.Options{Owner: owner, Quota: read, RefreshQuota: refresh, ReservePercent: 20, Resume: true, Lease: 20 * time.Minute, Poll: time.Minute})
	t.Cleanup(r.Close)
	return r
}

// tenantTransport serves a client's calls from a tenant in this goroutine,
// without a socket, so a test can run in a synctest bubble.
type tenantTransport struct{ t *fakeonelogin.Tenant }

func (tt tenantTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	in := r.Clone(r.Context())
	in.RemoteAddr, in.RequestURI = "127.0.0.1:1", r.URL.RequestURI()
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	tt.t.ServeHTTP(rec, in)
	res := rec.Result()
	// The tenant writes lower-case header names, as recorded from OneLogin;
	// reading them off the wire would have made them canonical.
	h := http.Header{}
	for k, vs := range res.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	res.Header = h
	return res, nil
}

// bubbleConsole is a console, its tenant and its bulk jobs, all in one
// synctest bubble: the tenant's clock, the quota window and the job's
// waits run in virtual time.
type bubbleConsole struct {
	t      *testing.T
	tenant *fakeonelogin.Tenant
	ol     *client.Client
	http   http.Handler
	mem    *audittest.Memory
	store  jobs.Store
	runner *jobs.Runner
	who    access.Identity
}

// newBubbleTenant is a tenant whose locks from failed sign-ins last a
// week, so that they are still there when a paced job reaches them.
func newBubbleTenant(rateLimit int) *fakeonelogin.Tenant {
	return fakeonelogin.NewTenant(fakeonelogin.Options{Seed: 7, Users: 600, RateLimitPerHour: rateLimit, MaxCalls: 50000,
		PolicyLockMinutes: 7 * 24 * 60})
}

// startConsole starts a console on tenant with bulk jobs in store, run by
// a runner named owner (a restarted console is a new owner on the same
// store and audit trail).
func startBubbleConsole(t *testing.T, tenant *fakeonelogin.Tenant, store jobs.Store, mem *audittest.Memory, owner string) *bubbleConsole {
	t.Helper()
	ol, err := client.New("http://tenant.test", tenant.ClientID(), tenant.ClientSecret(),
		client.WithHTTPClient(&http.Client{Transport: tenantTransport{tenant}}))
	if err != nil {
		t.Fatal(err)
	}
	bc := &bubbleConsole{t: t, tenant: tenant, ol: ol, mem: mem, store: store,
		who: access.Identity{Email: "ada.admin@example.com", Name: "Ada Admin", Role: access.RoleAdmin}}
	bc.runner = newRunner(t, store, ol, owner)
	e, err := handlers.New(handlers.Config{
		OneLogin:  ol,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Audit:     mem,
		Identity:  func(context.Context) (access.Identity, bool) { return bc.who, true },
		CSRFToken: func(context.Context) string { return "test-csrf-token" },
		Jobs:      bc.runner,
		Bulk:      access.Bulk{Max: 500},
	})
	if err != nil {
		t.Fatal(err)
	}
	bc.http = e
	return bc
}

func (bc *bubbleConsole) do(method, target string, form url.Values, htmx bool) *httptest.ResponseRecorder {
	bc.t.Helper()
	rec := httptest.NewRecorder()
	bc.http.ServeHTTP(rec, newRequest(method, target, form, htmx))
	return rec
}

// startJob selects the people, confirms, and returns the job's id.
func (bc *bubbleConsole) startJob(ids []int64, ticket string) string {
	bc.t.Helper()
	form := url.Values{"ticket": {ticket}}
	for _, id := range ids {
		form.Add("id", idStr(id))
	}
	rec := bc.do("POST", "/locked/bulk-unlock", form, false)
	wantCode(bc.t, rec, http.StatusOK)
	want := fmt.Sprintf("Unlock %d people under ticket %s?", len(ids), ticket)
	if q := textOf(doc(bc.t, rec), "h1"); q != want {
		bc.t.Fatalf("confirmation asks %q, want %q", q, want)
	}
	if n := len(bc.tenant.Calls()); n != 0 && writes(bc.tenant) != 0 {
		bc.t.Fatalf("the confirmation changed something: %d writes", writes(bc.tenant))
	}
	form.Set("confirmed", idStr(int64(len(ids))))
	rec = bc.do("POST", "/locked/bulk-unlock", form, false)
	wantCode(bc.t, rec, http.StatusSeeOther)
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, "/jobs/") {
		bc.t.Fatalf("started job went to %q", loc)
	}
	return strings.TrimPrefix(loc, "/jobs/")
}

// waitJob waits in virtual time until the job is finished, or until stop
// says to stop waiting.
func (bc *bubbleConsole) waitJob(id string, stop func(jobs.Job) bool) jobs.Job {
	bc.t.Helper()
	for range 10000 {
		j, err := bc.store.Job(context.Background(), id)
		if err != nil {
			bc.t.Fatal(err)
		}
		if j.State.Finished() || (stop != nil && stop(j)) {
			return j
		}
		time.Sleep(10 * time.Second)
	}
	bc.t.Fatal("the job never finished")
	return jobs.Job{}
}

// writes counts the calls that asked the tenant to change something.
func writes(t *fakeonelogin.Tenant) int {
	n := 0
	for _, c := range t.Calls() {
		if c.Method != http.MethodGet && strings.HasPrefix(c.Path, "/api/") {
			n++
		}
	}
	return n
}

// unlockCalls counts the unlock calls per person.
func unlockCalls(t *fakeonelogin.Tenant) map[int64]int {
	out := map[int64]int{}
	for _, c := range t.Calls() {
		var id int64
		if c.Method == http.MethodPost && strings.HasSuffix(c.Path, "/unlock") {
			if _, err := fmt.Sscanf(c.Path, "/api/2/users/%d/unlock", &id); err == nil {
				out[id]++
			}
		}
	}
	return out
}

// refused lists the calls the tenant answered 429.
func refused(t *fakeonelogin.Tenant) []string {
	var out []string
	for _, c := range t.Calls() {
		if c.Status == http.StatusTooManyRequests {
			out = append(out, c.Method+" "+c.Path)
		}
	}
	return out
}

// checkUnlockedOnce: every person of the spray is active and was unlocked
// by exactly one call.
func checkUnlockedOnce(t *testing.T, tenant *fakeonelogin.Tenant, ids []int64) {
	t.Helper()
	calls := unlockCalls(tenant)
	for _, id := range ids {
		if calls[id] != 1 {
			t.Errorf("person %d was unlocked by %d calls, want 1", id, calls[id])
		}
		if u, _ := tenant.User(id); u.Status != fakeonelogin.StatusActive {
			t.Errorf("person %d has status %d after the job, want active", id, u.Status)
		}
	}
}

// TestBulk_unlock200PacedToQuota: after a password spray locks 200 people,
// an admin unlocks them in one job on a tenant allowing 150 calls an hour,
// whose quota for this hour other work has already spent. The job waits
// for the quota to renew, keeps 20% of it for others, never meets a 429,
// unlocks each person once with two calls, and records each in the audit
// trail under the job and the ticket.
func TestBulk_unlock200PacedToQuota(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tenant := newBubbleTenant(150)
		ids := tenant.Spray(200)
		if len(ids) != 200 {
			t.Fatalf("the spray locked %d people, want 200", len(ids))
		}
		bc := startBubbleConsole(t, tenant, sqlitetest.Open(t), audittest.NewMemory(nil), "one")
		tenant.SpendRateLimit()
		start := time.Now()

		id := bc.startJob(ids, "INC-2024")
		time.Sleep(time.Minute)
		j, _ := bc.store.Job(context.Background(), id)
		if j.Wait != jobs.WaitQuota || j.Counts.Done != 0 {
			t.Errorf("a minute in, with the hour's quota spent: wait %q, %d done; want waiting for the quota", j.Wait, j.Counts.Done)
		}
		page := doc(t, bc.do("GET", "/jobs/"+id, nil, false))
		if w := textOf(page, `[data-testid="job-wait"]`); !strings.Contains(w, "Waiting for OneLogin's hourly quota to renew") {
			t.Errorf("progress page says %q about the wait", w)
		}

		j = bc.waitJob(id, nil)
		elapsed := time.Since(start)
		if j.State != jobs.StateDone || j.Counts.Done != 200 {
			t.Fatalf("job ended %s with %+v, want done with 200 unlocked", j.State, j.Counts)
		}
		if r := refused(tenant); len(r) != 0 {
			t.Errorf("the tenant refused %d calls with 429, e.g. %s", len(r), r[0])
		}
		checkUnlockedOnce(t, tenant, ids)
		// 120 people an hour (150 less the 20% reserve, one counted call
		// each: the v2 unlock is not counted), after the spent hour.
		if elapsed < 2*time.Hour || elapsed > 3*time.Hour {
			t.Errorf("the job took %v of virtual time, want two to three hours", elapsed)
		}

		perPerson := map[string]int{}
		for _, c := range tenant.Calls() {
			if rid := c.Header.Get("X-Request-Id"); strings.HasPrefix(rid, "job-"+id+"-") {
				perPerson[rid]++
			}
		}
		for rid, n := range perPerson {
			if n > 2 {
				t.Errorf("%s took %d OneLogin calls, want at most 2", rid, n)
			}
		}
		if len(perPerson) != 200 {
			t.Errorf("%d people made calls under the job, want 200", len(perPerson))
		}

		var unlocks, starts int
		for _, r := range bc.mem.Records() {
			switch {
			case r.Action == access.BulkUnlock:
				starts++
				if r.Params["job"] != id || r.Params["people"] != "200" || r.Ticket != "INC-2024" || r.Outcome != audit.OutcomeSucceeded {
					t.Errorf("job start record = %+v", r)
				}
			case r.Action == access.Unlock:
				unlocks++
				if r.Params["job"] != id || r.Ticket != "INC-2024" || r.Outcome != audit.OutcomeSucceeded ||
					r.ActorEmail != bc.who.Email || r.ActorRole != "admin" || r.TargetEmail == "" {
					t.Errorf("person's record = %+v, want a succeeded unlock by the job's starter under the job and ticket", r)
				}
			}
		}
		if starts != 1 || unlocks != 200 {
			t.Errorf("audit: %d job starts and %d unlocks, want 1 and 200", starts, unlocks)
		}

		d := doc(t, bc.do("GET", "/jobs/"+id, nil, false))
		if got := textOf(d, `[data-testid="job-done"]`); got != "200" {
			t.Errorf("progress page: %s done", got)
		}
		if d.Find(`[data-testid="job-stop"]`).Length() != 0 || d.Find(`#job-progress[hx-get]`).Length() != 0 {
			t.Error("a finished job still offers a stop button or still polls")
		}
	})
}

// TestBulk_stopsWhenAsked: a stop asked while the job waits for the quota
// ends it: the people done stay done, the rest are not done, and nobody is
// unlocked afterwards.
func TestBulk_stopsWhenAsked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tenant := newBubbleTenant(100)
		ids := tenant.Spray(200)
		bc := startBubbleConsole(t, tenant, sqlitetest.Open(t), audittest.NewMemory(nil), "one")
		id := bc.startJob(ids, "INC-7")
		j := bc.waitJob(id, func(j jobs.Job) bool { return j.Wait == jobs.WaitQuota })
		done := j.Counts.Done
		if done == 0 || done >= 200 {
			t.Fatalf("before the stop: %+v, want some done and the job waiting", j.Counts)
		}

		rec := bc.do("POST", "/jobs/"+id+"/stop", url.Values{}, true)
		wantCode(t, rec, http.StatusOK)
		if n := textOf(doc(t, rec), `[data-testid="notice"]`); !strings.Contains(n, "Stopping") {
			t.Errorf("stop answer says %q", n)
		}
		synctest.Wait()
		unlockedAtStop := len(unlockCalls(tenant))
		time.Sleep(3 * time.Hour)
		j, _ = bc.store.Job(context.Background(), id)
		if j.State != jobs.StateStopped || j.StoppedBy != bc.who.Email {
			t.Errorf("after the stop: %s by %q", j.State, j.StoppedBy)
		}
		if j.Counts != (jobs.Counts{Total: 200, Done: done, NotDone: 200 - done}) {
			t.Errorf("counts %+v, want %d done and the rest not done", j.Counts, done)
		}
		if n := len(unlockCalls(tenant)); n != done || n != unlockedAtStop {
			t.Errorf("%d people unlocked in all (%d at the stop), want the %d done before it", n, unlockedAtStop, done)
		}
		if r := refused(tenant); len(r) != 0 {
			t.Errorf("429s: %v", r)
		}
		var stops int
		for _, r := range bc.mem.Records() {
			if r.Action == access.StopJob && r.Params["job"] == id && r.Outcome == audit.OutcomeSucceeded {
				stops++
			}
		}
		if stops != 1 {
			t.Errorf("%d stop records, want 1", stops)
		}
		d := doc(t, bc.do("GET", "/jobs/"+id, nil, false))
		if s := textOf(d, `[data-testid="job-state"]`); !strings.Contains(s, "Stopped") || !strings.Contains(s, "not done") {
			t.Errorf("progress page state %q", s)
		}
		// Stopping again is a clear answer, not an error page.
		wantCode(t, bc.do("POST", "/jobs/"+id+"/stop", url.Values{}, true), http.StatusConflict)
	})
}

// TestBulk_resumesAfterRestart: the console restarts twice during a job on
// its SQLite file: once cleanly, once as a crash right after OneLogin
// unlocked a person but before the job recorded it. The restarted console
// resumes the job, settles the person in hand by looking, and finishes:
// nobody is unlocked twice, nobody is left out.
func TestBulk_resumesAfterRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tenant := newBubbleTenant(100)
		ids := tenant.Spray(200)
		path := filepath.Join(t.TempDir(), "state.db")
		open := func() *sqlitestore.Store {
			s, err := sqlitestore.Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		mem := audittest.NewMemory(nil)
		ctx := context.Background()

		first := open()
		bc := startBubbleConsole(t, tenant, first, mem, "first")
		id := bc.startJob(ids, "INC-9")
		bc.waitJob(id, func(j jobs.Job) bool { return j.Wait == jobs.WaitQuota })
		bc.runner.Close() // a clean restart
		first.Close()

		second := open()
		bc = startBubbleConsole(t, tenant, second, mem, "second")
		j := bc.waitJob(id, func(j jobs.Job) bool { return j.Runs == 2 && j.Wait == jobs.WaitQuota })
		if j.State.Finished() {
			t.Fatalf("the job finished before the second restart: %+v", j.Counts)
		}
		bc.runner.Close()
		// The crash: a runner claimed the job, started the next person and
		// got OneLogin to unlock them, then died before recording it.
		next, ok, err := second.Next(ctx, id)
		if err != nil || !ok {
			t.Fatalf("next person: %v %v", ok, err)
		}
		if _, ok, err := second.Claim(ctx, "crashed", time.Now(), 30*time.Second); !ok || err != nil {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if err := second.StartItem(ctx, id, next.Seq, "crashed", time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := bc.ol.UnlockUser(ctx, next.TargetID); err != nil {
			t.Fatal(err)
		}
		second.Close()

		third := open()
		bc = startBubbleConsole(t, tenant, third, mem, "third")
		j = bc.waitJob(id, nil)
		if j.State != jobs.StateDone || j.Counts.Done != 200 || j.Runs != 4 {
			t.Fatalf("after the restarts: %s %+v run %d, want done with 200 unlocked on the fourth run", j.State, j.Counts, j.Runs)
		}
		checkUnlockedOnce(t, tenant, ids)
		if r := refused(tenant); len(r) != 0 {
			t.Errorf("429s: %v", r)
		}
		items, _ := third.Items(ctx, id)
		if it := items[next.Seq-1]; !strings.Contains(it.Message, "checked after the console restarted") {
			t.Errorf("the person in hand at the crash: %+v", it)
		}
	})
}
