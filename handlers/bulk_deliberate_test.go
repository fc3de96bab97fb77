package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/sqlitestore/sqlitetest"
)

const sec311 = "SEC-311 suspected account takeover"

// lockedByAgent records in mem that a helpdesk agent locked id through
// the console, until unlocked, under ticket.
func lockedByAgent(t *testing.T, mem *audittest.Memory, id int64, ticket string) {
	t.Helper()
	if _, err := mem.Begin(context.Background(), audit.Record{ActorEmail: "hal.agent@example.com", ActorRole: "helpdesk",
		TargetID: id, Action: access.Lock, Params: map[string]string{"minutes": "0"},
		Ticket: ticket, Outcome: audit.OutcomeSucceeded}); err != nil {
		t.Fatal(err)
	}
}

// deliberateConsole is three people locked by a spray, the second of whom
// a helpdesk agent had also locked for SEC-311, and an admin's console.
func deliberateConsole(t *testing.T) (bc *bubbleConsole, ids []int64, deliberate int64) {
	tenant := newBubbleTenant(1000)
	ids = tenant.Spray(3)
	mem := audittest.NewMemory(nil)
	lockedByAgent(t, mem, ids[1], sec311)
	return startBubbleConsole(t, tenant, sqlitetest.Open(t), mem, "one"), ids, ids[1]
}

// item is person id of job jobID.
func item(t *testing.T, bc *bubbleConsole, jobID string, id int64) jobs.Item {
	t.Helper()
	items, err := bc.store.Items(context.Background(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.TargetID == id {
			return it
		}
	}
	t.Fatalf("person %d is not in job %s", id, jobID)
	return jobs.Item{}
}

// record is the newest audit record of action on target.
func record(bc *bubbleConsole, action access.Action, target int64) (audit.Record, bool) {
	rs := bc.mem.Records()
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Action == action && rs[i].TargetID == target {
			return rs[i], true
		}
	}
	return audit.Record{}, false
}

// TestBulk_confirmationListsConsoleLocksApart: "All shown" with one person
// a helpdesk agent locked for SEC-311 asks about all three, lists that
// person apart (who locked them, their role, when, the ticket) with an
// "Unlock anyway" box of their own, not ticked, and not among the others.
func TestBulk_confirmationListsConsoleLocksApart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bc, ids, deliberate := deliberateConsole(t)
		form := url.Values{"ticket": {"INC-9"}, "all": {"1"}}
		for _, id := range ids {
			form.Add("shown", idStr(id))
		}
		rec := bc.do("POST", "/locked/bulk-unlock", form, false)
		wantCode(t, rec, http.StatusOK)
		page := doc(t, rec)
		if q := textOf(page, "h1"); q != "Unlock 3 people under ticket INC-9?" {
			t.Errorf("the question is %q", q)
		}
		locks := page.Find(`[data-testid="console-lock"]`)
		if locks.Length() != 1 {
			t.Fatalf("%d people listed apart, want the one locked through the console", locks.Length())
		}
		if name := strings.TrimSpace(locks.Find(`[data-testid="console-lock-name"]`).Text()); name != "User "+idStr(deliberate) {
			t.Errorf("listed apart: %q", name)
		}
		why := locks.Find(`[data-testid="console-lock-why"]`).Text()
		for _, want := range []string{"hal.agent@example.com", "(helpdesk)", " at ", sec311} {
			if !strings.Contains(why, want) {
				t.Errorf("the lock is described as %q, missing %q", why, want)
			}
		}
		box := locks.Find(`input[type="checkbox"][name="anyway"]`)
		if v, _ := box.Attr("value"); box.Length() != 1 || v != idStr(deliberate) {
			t.Errorf("the person's box: %d, value %q", box.Length(), v)
		}
		if _, checked := box.Attr("checked"); checked {
			t.Error("\"Unlock anyway\" is ticked before the admin ticked it")
		}
		if !strings.Contains(box.Parent().Text(), "Unlock anyway") {
			t.Errorf("the box is labelled %q", box.Parent().Text())
		}
		others := page.Find(`[data-testid="confirm-names"] li`)
		if others.Length() != 2 || strings.Contains(others.Text(), idStr(deliberate)) {
			t.Errorf("the others listed: %q, want the two not locked through the console", others.Text())
		}
		if page.Find(`[data-testid="confirm-form"] input[name="all"]`).Length() != 0 {
			t.Error("the confirmation carries \"All shown\" on")
		}
	})
}

// TestBulk_skipsLocksPlacedThroughTheConsole: an admin's bulk unlock of
// everyone shown, confirmed without ticking anyone, does not lift the lock
// a helpdesk agent placed for SEC-311: that person is skipped, the reason
// (on the job's page and in the audit trail, under the job and its ticket)
// naming who locked and the ticket, and stays locked; the others are
// unlocked.
func TestBulk_skipsLocksPlacedThroughTheConsole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bc, ids, deliberate := deliberateConsole(t)
		id := bc.startJob(ids, "INC-9")
		j := bc.waitJob(id, nil)
		if j.Counts.Done != 2 || j.Counts.Skipped != 1 {
			t.Fatalf("counts %+v, want 2 done and the deliberate lock skipped", j.Counts)
		}
		if it := item(t, bc, id, deliberate); it.State != jobs.ItemSkipped || !strings.Contains(it.Message, "hal.agent@example.com") ||
			!strings.Contains(it.Message, sec311) {
			t.Errorf("the deliberate lock: %s %q, want skipped naming who and the ticket", it.State, it.Message)
		}
		r, ok := record(bc, access.Unlock, deliberate)
		if !ok || r.Outcome != audit.OutcomeDenied || r.Params["job"] != id || r.Ticket != "INC-9" ||
			!strings.Contains(r.Reason, "hal.agent@example.com") || !strings.Contains(r.Reason, sec311) {
			t.Errorf("the skip is recorded as %+v, want denied under the job and INC-9, naming who locked and SEC-311", r)
		}
		if n := unlockCalls(bc.tenant)[deliberate]; n != 0 {
			t.Errorf("OneLogin was asked %d times to lift the deliberate lock", n)
		}
	})
}

// TestBulk_unlocksAConsoleLockTickedOneByOne: the admin ticks "Unlock
// anyway" for the person locked for SEC-311: the job unlocks all three,
// that person once, recorded under the job and its ticket with who had
// locked them, and the job's start records whom the admin ticked.
func TestBulk_unlocksAConsoleLockTickedOneByOne(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bc, ids, deliberate := deliberateConsole(t)
		id := bc.startJob(ids, "INC-9", deliberate)
		j := bc.waitJob(id, nil)
		if j.Counts.Done != 3 {
			t.Fatalf("counts %+v, want all 3 unlocked", j.Counts)
		}
		if !item(t, bc, id, deliberate).UnlockAnyway {
			t.Error("the job does not keep that the person was ticked")
		}
		checkUnlockedOnce(t, bc.tenant, ids)
		r, ok := record(bc, access.Unlock, deliberate)
		if !ok || r.Outcome != audit.OutcomeSucceeded || r.Params["job"] != id || r.Ticket != "INC-9" ||
			!strings.Contains(r.Params["unlock_anyway"], "hal.agent@example.com") || !strings.Contains(r.Params["unlock_anyway"], sec311) {
			t.Errorf("the unlock is recorded as %+v, want succeeded under the job and INC-9, naming whose lock it lifted", r)
		}
		start, ok := record(bc, access.BulkUnlock, 0)
		if !ok || start.Params["job"] != id || start.Params["unlock_anyway"] != idStr(deliberate) {
			t.Errorf("the job's start is recorded as %+v, want the ticked person named", start)
		}
	})
}

// TestBulk_tickCoversOnlyTheLockShown: a person ticked, then locked again
// through the console (SEC-312) after the job started, is skipped: the
// tick was for the lock the admin saw.
func TestBulk_tickCoversOnlyTheLockShown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bc, ids, deliberate := deliberateConsole(t)
		bc.tenant.SpendRateLimit() // the job waits for the quota to renew
		id := bc.startJob(ids, "INC-9", deliberate)
		time.Sleep(time.Minute)
		lockedByAgent(t, bc.mem, deliberate, "SEC-312")
		bc.waitJob(id, nil)
		if it := item(t, bc, id, deliberate); it.State != jobs.ItemSkipped || !strings.Contains(it.Message, "SEC-312") ||
			!strings.Contains(it.Message, "after the job started") {
			t.Errorf("the person locked again: %s %q, want skipped, naming the new lock", it.State, it.Message)
		}
		if n := unlockCalls(bc.tenant)[deliberate]; n != 0 {
			t.Errorf("OneLogin was asked %d times to lift the new lock", n)
		}
	})
}

// TestBulk_refusesTicksTheConfirmationDidNotList: a form ticking someone
// the confirmation did not list apart starts nothing and changes nothing:
// the question is asked again (with a reason, nothing ticked), or the
// selection is sent back.
func TestBulk_refusesTicksTheConfirmationDidNotList(t *testing.T) {
	tests := []struct {
		name      string
		confirmed bool
		anyway    func(ids []int64) string
		problem   string // the testid of the message
	}{
		{"a person not locked through the console", true, func(ids []int64) string { return idStr(ids[0]) }, "confirm-problem"},
		{"a person not selected", true, func([]int64) string { return "987654" }, "bulk-errors"},
		{"not a user id", true, func([]int64) string { return "all" }, "bulk-errors"},
		{"a tick before the confirmation", false, func(ids []int64) string { return idStr(ids[1]) }, "confirm-problem"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bc, ids, _ := deliberateConsole(t)
				form := url.Values{"ticket": {"INC-9"}, "anyway": {tc.anyway(ids)}}
				for _, id := range ids {
					form.Add("id", idStr(id))
				}
				if tc.confirmed {
					form.Set("confirmed", "3")
				}
				rec := bc.do("POST", "/locked/bulk-unlock", form, false)
				wantCode(t, rec, http.StatusUnprocessableEntity)
				page := doc(t, rec)
				if page.Find(`[data-testid="`+tc.problem+`"]`).Length() == 0 {
					t.Errorf("no %s message", tc.problem)
				}
				if n := page.Find(`input[name="anyway"][checked]`).Length(); n != 0 {
					t.Errorf("%d boxes come back ticked", n)
				}
				if js, _ := bc.store.Jobs(context.Background(), 10); len(js) != 0 {
					t.Errorf("%d jobs started", len(js))
				}
				if _, ok := record(bc, access.BulkUnlock, 0); ok {
					t.Error("a job's start was recorded")
				}
				if n := writes(bc.tenant); n != 0 {
					t.Errorf("%d changes asked of OneLogin", n)
				}
			})
		})
	}
}
