package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"testing/synctest"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/sqlitestore/sqlitetest"
)

// TestBulk_onlyTheStarterOrAnAdminStopsAJob: a helpdesk agent may not stop
// an admin's job (403, recorded, the job runs on) and is not offered the
// button; an admin may stop anyone's.
func TestBulk_onlyTheStarterOrAnAdminStopsAJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tenant := newBubbleTenant(100)
		ids := tenant.Spray(200)
		bc := startBubbleConsole(t, tenant, sqlitetest.Open(t), audittest.NewMemory(nil), "one")
		id := bc.startJob(ids, "INC-7")
		bc.waitJob(id, func(j jobs.Job) bool { return j.Wait == jobs.WaitQuota })

		admin := bc.who
		bc.who = access.Identity{Email: "hal.agent@example.com", Name: "Hal", Role: access.RoleHelpdesk}
		wantCode(t, bc.do("POST", "/jobs/"+id+"/stop", url.Values{}, true), http.StatusForbidden)
		if j, _ := bc.store.Job(context.Background(), id); j.State != jobs.StateRunning {
			t.Errorf("after the agent's stop: %s, want still running", j.State)
		}
		if d := doc(t, bc.do("GET", "/jobs/"+id, nil, false)); d.Find(`[data-testid="job-stop"]`).Length() != 0 {
			t.Error("the agent is offered the stop button of an admin's job")
		}
		denied := 0
		for _, r := range bc.mem.Records() {
			if r.Action == access.StopJob && r.Outcome == audit.OutcomeDenied && r.Params["job"] == id {
				denied++
			}
		}
		if denied != 1 {
			t.Errorf("%d denied stop records, want 1", denied)
		}

		bc.who = access.Identity{Email: "another.admin@example.com", Role: access.RoleAdmin}
		wantCode(t, bc.do("POST", "/jobs/"+id+"/stop", url.Values{}, true), http.StatusOK)
		bc.who = admin
	})
}
