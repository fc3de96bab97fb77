package handlers_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/sqlitestore/sqlitetest"
)

// TestBulk_skipsLocksPlacedThroughTheConsole: an admin's bulk unlock of
// everyone shown does not lift the lock a helpdesk agent placed for
// "SEC-311 suspected account takeover": that person is skipped, the reason
// naming who locked and the ticket, and stays locked; the others are
// unlocked.
func TestBulk_skipsLocksPlacedThroughTheConsole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tenant := newBubbleTenant(1000)
		ids := tenant.Spray(3)
		mem := audittest.NewMemory(nil)
		deliberate := ids[1]
		if _, err := mem.Begin(context.Background(), audit.Record{ActorEmail: "hal.agent@example.com", ActorRole: "helpdesk",
			TargetID: deliberate, Action: access.Lock, Params: map[string]string{"minutes": "0"},
			Ticket: "SEC-311 suspected account takeover", Outcome: audit.OutcomeSucceeded}); err != nil {
			t.Fatal(err)
		}
		bc := startBubbleConsole(t, tenant, sqlitetest.Open(t), mem, "one")
		id := bc.startJob(ids, "INC-9")
		j := bc.waitJob(id, nil)
		if j.Counts.Done != 2 || j.Counts.Skipped != 1 {
			t.Fatalf("counts %+v, want 2 done and the deliberate lock skipped", j.Counts)
		}
		items, _ := bc.store.Items(context.Background(), id)
		for _, it := range items {
			if it.TargetID != deliberate {
				continue
			}
			if it.State != jobs.ItemSkipped || !strings.Contains(it.Message, "hal.agent@example.com") ||
				!strings.Contains(it.Message, "SEC-311 suspected account takeover") {
				t.Errorf("the deliberate lock: %s %q, want skipped naming who and the ticket", it.State, it.Message)
			}
		}
		if n := unlockCalls(tenant)[deliberate]; n != 0 {
			t.Errorf("OneLogin was asked %d times to lift the deliberate lock", n)
		}
	})
}
