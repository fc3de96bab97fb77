package handlers_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/sqlitestore/sqlitetest"
)

// startedByPriya is a console whose staff groups are OneLogin roles, its
// jobs' starters' roles checked again every 15 minutes, signed in as the
// tenant's admin persona, with a job on 20 people paced to 10 calls an
// hour (about four people an hour).
func startedByPriya(t *testing.T) (*bubbleConsole, string) {
	tenant := newBubbleTenant(10)
	ids := tenant.Spray(20)
	staff := func(o *bubbleOptions) {
		o.config = append(o.config, func(cfg *handlers.Config) {
			cfg.StaffGroups = access.StaffGroups{Admin: access.NewNames([]string{fakeonelogin.GroupAdmins}, false),
				Helpdesk: access.NewNames([]string{fakeonelogin.GroupHelpdesk}, false)}
		})
		o.runner = append(o.runner, func(ro *jobs.Options) { ro.RoleEvery = 15 * time.Minute })
	}
	bc := startBubbleConsole(t, tenant, sqlitetest.Open(t), audittest.NewMemory(nil), "one", staff)
	bc.who = access.Identity{Email: fakeonelogin.PersonaAdmin, Name: "Priya Raman", Role: access.RoleAdmin}
	return bc, bc.startJob(ids, "INC-5")
}

// TestBulk_jobStopsWhenItsStartersRoleLapses: the admin who started a job
// loses their OneLogin admin role; at the next check (due every 15
// minutes, made before the next person) the job stops, naming
// them and their role now, and the rest are not done.
func TestBulk_jobStopsWhenItsStartersRoleLapses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bc, id := startedByPriya(t)
		time.Sleep(20 * time.Minute)
		role, _ := bc.tenant.RoleID(fakeonelogin.GroupAdmins)
		if err := bc.ol.RemoveRoles(context.Background(), fakeonelogin.PersonaAdminID, []int64{role}); err != nil {
			t.Fatal(err)
		}
		demoted := time.Now()
		j := bc.waitJob(id, nil)
		if j.State != jobs.StateStopped || !strings.Contains(j.StoppedBy, fakeonelogin.PersonaAdmin) ||
			!strings.Contains(j.StoppedBy, access.RoleEmployee.String()) {
			t.Fatalf("job ended %s, stopped by %q; want stopped, naming the starter and their role now", j.State, j.StoppedBy)
		}
		if j.Counts.Done == 0 || j.Counts.NotDone == 0 {
			t.Errorf("counts %+v, want some done before the demotion and the rest not done", j.Counts)
		}
		// The check comes with the next person, after any wait for the
		// quota (this job's is an hour).
		if after := j.Ended.Sub(demoted); after > time.Hour {
			t.Errorf("stopped %v after the demotion, want at the next person", after)
		}
	})
}

// TestBulk_jobWaitsWhileItsStartersRoleCannotBeRead: while OneLogin does
// not answer, the starter's role cannot be read: the job waits, neither
// stopped nor going on, and finishes once OneLogin answers again.
func TestBulk_jobWaitsWhileItsStartersRoleCannotBeRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bc, id := startedByPriya(t)
		time.Sleep(20 * time.Minute)
		j, _ := bc.store.Job(context.Background(), id)
		done := j.Counts.Done
		bc.tenant.FailNext(40, 503)
		time.Sleep(20 * time.Minute)
		j, _ = bc.store.Job(context.Background(), id)
		if j.State != jobs.StateRunning || j.StoppedBy != "" || j.Counts.Done != done {
			t.Errorf("while OneLogin did not answer: %s, stopped by %q, %d done (%d before); want waiting", j.State, j.StoppedBy, j.Counts.Done, done)
		}
		j = bc.waitJob(id, nil)
		if j.State != jobs.StateDone || j.Counts.Done != 20 {
			t.Errorf("job ended %s with %+v, want done with all 20", j.State, j.Counts)
		}
	})
}
