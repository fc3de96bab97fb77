package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/sqlitestore"
	"onelogin-helpdesk/sqlitestore/sqlitetest"
)

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
