// Package jobstest holds the conformance suite every jobs.Store passes
// (sqlitestore's and pgstore's):
//
//	func TestMyStore(t *testing.T) {
//		jobstest.Conformance(t, func(t *testing.T) jobs.Store { return openEmpty(t) })
//	}
//
// Tests of code that uses a store open a real one (sqlitestore/sqlitetest).
package jobstest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"onelogin-helpdesk/jobs"
)

// Opener opens a fresh, empty store for one test.
type Opener func(t *testing.T) jobs.Store

// Conformance is the behaviour every jobs.Store shares; each store's tests
// call it with a way to open an empty store.
func Conformance(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"createAndRead", createAndRead},
		{"unlockAnywayIsKeptPerPerson", unlockAnywayIsKeptPerPerson},
		{"createRefusesAnIDInUse", createRefusesAnIDInUse},
		{"unknownJobIsNotFound", unknownJobIsNotFound},
		{"invalidJobsAreNotStored", invalidJobsAreNotStored},
		{"jobsNewestFirst", jobsNewestFirst},
		{"claimTakesTheOldestFreeJob", claimTakesTheOldestFreeJob},
		{"renewKeepsTheLease", renewKeepsTheLease},
		{"lostLeaseChangesNothing", lostLeaseChangesNothing},
		{"releaseFreesTheJob", releaseFreesTheJob},
		{"itemsMovePendingWorkingOutcome", itemsMovePendingWorkingOutcome},
		{"itemPutBackIsNextAgain", itemPutBackIsNextAgain},
		{"expiredLeaseRecordsThePersonInHand", expiredLeaseRecordsThePersonInHand},
		{"onlyOneClaimAndOneStart", onlyOneClaimAndOneStart},
		{"stopIsAskedOnce", stopIsAskedOnce},
		{"endSettlesThePending", endSettlesThePending},
		{"finishedJobRefusesChanges", finishedJobRefusesChanges},
		{"stopBeforeClaim", stopBeforeClaim},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const ttl = 30 * time.Second

func newJob(id string, at time.Time) jobs.Job {
	return jobs.Job{ID: id, Kind: jobs.KindUnlock, Created: at,
		Actor:    jobs.Actor{Email: "ada@example.com", Name: "Ada Admin", Role: "admin"},
		SourceIP: "192.0.2.7", RequestID: "req-1", Ticket: "INC-9"}
}

// people are n people numbered 1000, 1001, ...; the Seq they carry is
// ignored by CreateJob.
func people(n int) []jobs.Item {
	out := make([]jobs.Item, n)
	for i := range out {
		id := int64(1000 + i)
		out[i] = jobs.Item{Seq: 99, TargetID: id, Email: fmt.Sprintf("p%d@example.com", id), Name: fmt.Sprintf("Person %d", id)}
	}
	return out
}

func create(t *testing.T, s jobs.Store, id string, n int, at time.Time) {
	t.Helper()
	if err := s.CreateJob(t.Context(), newJob(id, at), people(n)); err != nil {
		t.Fatalf("CreateJob %s: %v", id, err)
	}
}

func claim(t *testing.T, s jobs.Store, owner string, now time.Time) jobs.Job {
	t.Helper()
	j, ok, err := s.Claim(t.Context(), owner, now, ttl)
	if err != nil || !ok {
		t.Fatalf("Claim by %s: %v %v", owner, ok, err)
	}
	return j
}

func job(t *testing.T, s jobs.Store, id string) jobs.Job {
	t.Helper()
	j, err := s.Job(t.Context(), id)
	if err != nil {
		t.Fatalf("Job %s: %v", id, err)
	}
	return j
}

// started moves person seq of the job to working and, unless outcome is
// working, on to outcome.
func started(t *testing.T, s jobs.Store, id string, seq int, owner string, outcome jobs.ItemState, now time.Time) {
	t.Helper()
	if err := s.StartItem(t.Context(), id, seq, owner, now); err != nil {
		t.Fatalf("StartItem %d: %v", seq, err)
	}
	if outcome == jobs.ItemWorking {
		return
	}
	if err := s.FinishItem(t.Context(), id, seq, owner, outcome, "", now); err != nil {
		t.Fatalf("FinishItem %d: %v", seq, err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s = %v, want %v", what, err, want)
	}
}

// createAndRead: a new job reads back as given, running and unclaimed,
// with its people pending and numbered 1..n in the order given.
func createAndRead(t *testing.T, open Opener) {
	s := open(t)
	at := t0.Add(123456 * time.Microsecond)
	create(t, s, "00000000000000a1", 3, at)
	j := job(t, s, "00000000000000a1")
	want := newJob("00000000000000a1", at)
	if j.ID != want.ID || j.Kind != want.Kind || j.Actor != want.Actor || j.SourceIP != want.SourceIP ||
		j.RequestID != want.RequestID || j.Ticket != want.Ticket || !j.Created.Equal(at) {
		t.Errorf("job read back = %+v, want the fields of %+v", j, want)
	}
	if j.State != jobs.StateRunning || j.Runs != 0 || j.Owner != "" || !j.Ended.IsZero() || j.Wait != "" {
		t.Errorf("a new job = state %s, runs %d, owner %q, ended %v, wait %q; want running, unclaimed", j.State, j.Runs, j.Owner, j.Ended, j.Wait)
	}
	if j.Counts != (jobs.Counts{Total: 3, Pending: 3}) {
		t.Errorf("counts = %+v, want 3 pending", j.Counts)
	}
	items, err := s.Items(t.Context(), j.ID)
	if err != nil || len(items) != 3 {
		t.Fatalf("Items = %d, %v", len(items), err)
	}
	for i, it := range items {
		if it.Seq != i+1 || it.TargetID != int64(1000+i) || it.Email != fmt.Sprintf("p%d@example.com", 1000+i) ||
			it.Name != fmt.Sprintf("Person %d", 1000+i) || it.State != jobs.ItemPending || it.Message != "" {
			t.Errorf("item %d = %+v", i, it)
		}
	}
}

// unlockAnywayIsKeptPerPerson: "Unlock anyway" ticked for one person is
// read back with that person only, from Items and from Next (which a
// resumed job reads), and survives the person being put back.
func unlockAnywayIsKeptPerPerson(t *testing.T, open Opener) {
	s := open(t)
	ps := people(3)
	ps[1].UnlockAnyway = true
	if err := s.CreateJob(t.Context(), newJob("00000000000000a9", t0), ps); err != nil {
		t.Fatal(err)
	}
	items, err := s.Items(t.Context(), "00000000000000a9")
	if err != nil || len(items) != 3 {
		t.Fatalf("Items = %d, %v", len(items), err)
	}
	for i, it := range items {
		if it.UnlockAnyway != (i == 1) {
			t.Errorf("person %d: UnlockAnyway = %v, want it on the second person only", it.Seq, it.UnlockAnyway)
		}
	}
	j := claim(t, s, "r1", t0)
	started(t, s, j.ID, 1, "r1", jobs.ItemDone, t0)
	started(t, s, j.ID, 2, "r1", jobs.ItemWorking, t0)
	if err := s.FinishItem(t.Context(), j.ID, 2, "r1", jobs.ItemPending, "", t0); err != nil {
		t.Fatal(err)
	}
	it, ok, err := s.Next(t.Context(), j.ID)
	if err != nil || !ok || it.Seq != 2 || !it.UnlockAnyway {
		t.Errorf("Next after the person was put back = %+v %v %v, want person 2 with UnlockAnyway", it, ok, err)
	}
}

// createRefusesAnIDInUse: a second job with an id in use is refused and
// the first keeps its people.
func createRefusesAnIDInUse(t *testing.T, open Opener) {
	s := open(t)
	create(t, s, "00000000000000a2", 2, t0)
	wantErr(t, "a second job with the id", s.CreateJob(t.Context(), newJob("00000000000000a2", t0), people(1)), jobs.ErrExists)
	if j := job(t, s, "00000000000000a2"); j.Counts.Total != 2 {
		t.Errorf("the first job now has %d people, want 2", j.Counts.Total)
	}
}

// unknownJobIsNotFound: every read of an unknown id says so.
func unknownJobIsNotFound(t *testing.T, open Opener) {
	s := open(t)
	const id = "00000000000000ff"
	_, err := s.Job(t.Context(), id)
	wantErr(t, "Job", err, jobs.ErrNotFound)
	_, err = s.Items(t.Context(), id)
	wantErr(t, "Items", err, jobs.ErrNotFound)
	_, _, err = s.Next(t.Context(), id)
	wantErr(t, "Next", err, jobs.ErrNotFound)
	wantErr(t, "RequestStop", s.RequestStop(t.Context(), id, "x", t0), jobs.ErrNotFound)
	wantErr(t, "Renew", s.Renew(t.Context(), id, "a", t0, ttl), jobs.ErrNotFound)
}

// invalidJobsAreNotStored: a job without an id, a known kind or people is
// refused and nothing is stored.
func invalidJobsAreNotStored(t *testing.T, open Opener) {
	s := open(t)
	badKind := newJob("00000000000000b2", t0)
	badKind.Kind = "delete"
	for name, tc := range map[string]struct {
		j  jobs.Job
		ps []jobs.Item
	}{
		"no id":     {newJob("", t0), people(1)},
		"bad kind":  {badKind, people(1)},
		"no people": {newJob("00000000000000b3", t0), nil},
	} {
		wantErr(t, "CreateJob with "+name, s.CreateJob(t.Context(), tc.j, tc.ps), jobs.ErrInvalid)
	}
	if js, _ := s.Jobs(t.Context(), 10); len(js) != 0 {
		t.Errorf("refused jobs were stored: %+v", js)
	}
}

// jobsNewestFirst: the list is newest first, up to the limit, with counts.
func jobsNewestFirst(t *testing.T, open Opener) {
	s := open(t)
	for i := range 4 {
		create(t, s, fmt.Sprintf("00000000000000c%d", i), 1, t0.Add(time.Duration(i)*time.Minute))
	}
	js, err := s.Jobs(t.Context(), 3)
	if err != nil || len(js) != 3 {
		t.Fatalf("Jobs(3) = %d, %v", len(js), err)
	}
	for i, j := range js {
		if want := fmt.Sprintf("00000000000000c%d", 3-i); j.ID != want || j.Counts.Total != 1 {
			t.Errorf("Jobs[%d] = %s with %+v, want %s with its count", i, j.ID, j.Counts, want)
		}
	}
}

// claimTakesTheOldestFreeJob: a claim leases the oldest job nobody holds
// and counts a run; with every lease held, there is nothing to claim.
func claimTakesTheOldestFreeJob(t *testing.T, open Opener) {
	s := open(t)
	if _, ok, err := s.Claim(t.Context(), "a", t0, ttl); ok || err != nil {
		t.Fatalf("Claim with no jobs = %v, %v", ok, err)
	}
	create(t, s, "00000000000000d1", 2, t0)
	create(t, s, "00000000000000d2", 2, t0.Add(time.Minute))
	j := claim(t, s, "a", t0)
	if j.ID != "00000000000000d1" || j.Owner != "a" || j.Runs != 1 || !j.LeaseUntil.Equal(t0.Add(ttl)) ||
		j.Counts != (jobs.Counts{Total: 2, Pending: 2}) {
		t.Errorf("first claim = %s owner %q runs %d until %v counts %+v; want the oldest job, a's, run 1, until %v",
			j.ID, j.Owner, j.Runs, j.LeaseUntil, j.Counts, t0.Add(ttl))
	}
	if j2 := claim(t, s, "b", t0); j2.ID != "00000000000000d2" {
		t.Errorf("b claimed %s, want the other job", j2.ID)
	}
	if _, ok, _ := s.Claim(t.Context(), "c", t0.Add(ttl-time.Millisecond), ttl); ok {
		t.Error("a job was claimed while both leases hold")
	}
}

// renewKeepsTheLease: a renewed lease holds past the first one's end; once
// it runs out, another runner claims the job for a second run.
func renewKeepsTheLease(t *testing.T, open Opener) {
	s := open(t)
	create(t, s, "00000000000000d3", 2, t0)
	j := claim(t, s, "a", t0)
	if err := s.Renew(t.Context(), j.ID, "a", t0.Add(20*time.Second), ttl); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Claim(t.Context(), "c", t0.Add(ttl), ttl); ok {
		t.Error("a renewed lease was claimed at the first lease's end")
	}
	taken := claim(t, s, "c", t0.Add(20*time.Second+ttl))
	if taken.ID != j.ID || taken.Runs != 2 || taken.Owner != "c" {
		t.Errorf("claim after a's renewed lease ran out = %s runs %d owner %q", taken.ID, taken.Runs, taken.Owner)
	}
}

// lostLeaseChangesNothing: once another runner claimed the job, the
// runner that lost it can neither renew, start, wait nor end.
func lostLeaseChangesNothing(t *testing.T, open Opener) {
	s := open(t)
	create(t, s, "00000000000000d4", 2, t0)
	j := claim(t, s, "a", t0)
	late := t0.Add(ttl)
	claim(t, s, "c", late)
	wantErr(t, "a renews a lease c holds", s.Renew(t.Context(), j.ID, "a", late, ttl), jobs.ErrLeaseLost)
	wantErr(t, "a starts a person under c's lease", s.StartItem(t.Context(), j.ID, 1, "a", late), jobs.ErrLeaseLost)
	wantErr(t, "a sets the wait under c's lease", s.SetWait(t.Context(), j.ID, "a", jobs.WaitQuota, late), jobs.ErrLeaseLost)
	wantErr(t, "a ends c's job", s.End(t.Context(), j.ID, "a", jobs.StateDone, late), jobs.ErrLeaseLost)
	if got := job(t, s, j.ID); got.Owner != "c" || got.Wait != "" || got.State != jobs.StateRunning ||
		got.Counts != (jobs.Counts{Total: 2, Pending: 2}) {
		t.Errorf("after a's refused changes: %+v", got)
	}
}

// releaseFreesTheJob: releasing a lease one does not hold does nothing;
// the holder's release lets the next claim take the job at once.
func releaseFreesTheJob(t *testing.T, open Opener) {
	s := open(t)
	create(t, s, "00000000000000d5", 2, t0)
	j := claim(t, s, "a", t0)
	if err := s.Release(t.Context(), j.ID, "b"); err != nil {
		t.Errorf("b releasing a lease it does not hold = %v", err)
	}
	if _, ok, _ := s.Claim(t.Context(), "d", t0, ttl); ok {
		t.Error("b's release freed a's lease")
	}
	if err := s.Release(t.Context(), j.ID, "a"); err != nil {
		t.Fatal(err)
	}
	if again := claim(t, s, "d", t0); again.ID != j.ID || again.Runs != 2 {
		t.Errorf("claim after a release = %s runs %d, want %s run 2", again.ID, again.Runs, j.ID)
	}
}

// itemsMovePendingWorkingOutcome: a person goes from pending to working to
// an outcome with its message, each step only from the state before it;
// Next is the first pending person and the counts follow.
func itemsMovePendingWorkingOutcome(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	create(t, s, "00000000000000e1", 3, t0)
	j := claim(t, s, "a", t0)
	now := t0.Add(time.Second)
	it, ok, err := s.Next(ctx, j.ID)
	if err != nil || !ok || it.Seq != 1 {
		t.Fatalf("Next = %+v %v %v, want person 1", it, ok, err)
	}
	wantErr(t, "finishing a pending person", s.FinishItem(ctx, j.ID, 1, "a", jobs.ItemDone, "", now), jobs.ErrItemState)
	started(t, s, j.ID, 1, "a", jobs.ItemWorking, now)
	wantErr(t, "starting a working person", s.StartItem(ctx, j.ID, 1, "a", now), jobs.ErrItemState)
	wantErr(t, "starting person 9 of 3", s.StartItem(ctx, j.ID, 9, "a", now), jobs.ErrItemState)
	if it, _, _ := s.Next(ctx, j.ID); it.Seq != 2 {
		t.Errorf("Next while 1 works = %d, want 2", it.Seq)
	}
	if got := job(t, s, j.ID); got.Counts != (jobs.Counts{Total: 3, Pending: 2, Working: 1}) {
		t.Errorf("counts = %+v", got.Counts)
	}
	if err := s.FinishItem(ctx, j.ID, 1, "a", jobs.ItemSkipped, "Protected account", now); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "finishing a finished person", s.FinishItem(ctx, j.ID, 1, "a", jobs.ItemDone, "", now), jobs.ErrItemState)
	started(t, s, j.ID, 2, "a", jobs.ItemWorking, now)
	wantErr(t, "finishing as working", s.FinishItem(ctx, j.ID, 2, "a", jobs.ItemWorking, "", now), jobs.ErrInvalid)
	items, _ := s.Items(ctx, j.ID)
	if items[0].State != jobs.ItemSkipped || items[0].Message != "Protected account" || !items[0].Updated.Equal(now) {
		t.Errorf("person 1 = %+v, want skipped with its message at %v", items[0], now)
	}
	if got := job(t, s, j.ID); got.Counts != (jobs.Counts{Total: 3, Pending: 1, Working: 1, Skipped: 1}) {
		t.Errorf("counts = %+v", got.Counts)
	}
}

// itemPutBackIsNextAgain: a working person finished as pending (to try
// again) is the next one again.
func itemPutBackIsNextAgain(t *testing.T, open Opener) {
	s := open(t)
	create(t, s, "00000000000000e2", 3, t0)
	j := claim(t, s, "a", t0)
	started(t, s, j.ID, 1, "a", jobs.ItemDone, t0)
	started(t, s, j.ID, 2, "a", jobs.ItemPending, t0)
	if it, _, _ := s.Next(t.Context(), j.ID); it.Seq != 2 {
		t.Errorf("Next after putting 2 back = %d", it.Seq)
	}
}

// expiredLeaseRecordsThePersonInHand: past the lease nothing new starts,
// but the person in hand is still recorded while no one else has claimed
// the job.
func expiredLeaseRecordsThePersonInHand(t *testing.T, open Opener) {
	s := open(t)
	create(t, s, "00000000000000e3", 3, t0)
	j := claim(t, s, "a", t0)
	started(t, s, j.ID, 1, "a", jobs.ItemWorking, t0)
	expired := t0.Add(ttl)
	wantErr(t, "starting a person after the lease ran out", s.StartItem(t.Context(), j.ID, 2, "a", expired), jobs.ErrLeaseLost)
	if err := s.FinishItem(t.Context(), j.ID, 1, "a", jobs.ItemDone, "", expired); err != nil {
		t.Errorf("recording the person in hand after the lease ran out = %v", err)
	}
	if got := job(t, s, j.ID); got.Counts != (jobs.Counts{Total: 3, Pending: 2, Done: 1}) {
		t.Errorf("counts = %+v", got.Counts)
	}
}

// onlyOneClaimAndOneStart: of many runners claiming one job at once, one
// gets it; of many starts of one person at once, one succeeds.
func onlyOneClaimAndOneStart(t *testing.T, open Opener) {
	s := open(t)
	create(t, s, "00000000000000f1", 1, t0)
	var (
		wg             sync.WaitGroup
		mu             sync.Mutex
		claims, starts int
	)
	for i := range 8 {
		wg.Go(func() {
			if _, ok, err := s.Claim(t.Context(), fmt.Sprintf("r%d", i), t0, ttl); err != nil {
				t.Error(err)
			} else if ok {
				mu.Lock()
				claims++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if claims != 1 {
		t.Fatalf("%d concurrent claims succeeded, want 1", claims)
	}
	j := job(t, s, "00000000000000f1")
	for range 8 {
		wg.Go(func() {
			err := s.StartItem(t.Context(), j.ID, 1, j.Owner, t0)
			if err == nil {
				mu.Lock()
				starts++
				mu.Unlock()
			} else if !errors.Is(err, jobs.ErrItemState) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if starts != 1 {
		t.Errorf("%d concurrent starts of one person succeeded, want 1", starts)
	}
}

// stopIsAskedOnce: a stop request makes a running job stopping and names
// who asked; asking again changes nothing, the first to ask stays named.
func stopIsAskedOnce(t *testing.T, open Opener) {
	s := open(t)
	create(t, s, "0000000000000a01", 2, t0)
	claim(t, s, "a", t0)
	if err := s.RequestStop(t.Context(), "0000000000000a01", "hal@example.com", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.RequestStop(t.Context(), "0000000000000a01", "someone@example.com", t0); err != nil {
		t.Errorf("asking a stopping job to stop again = %v", err)
	}
	if got := job(t, s, "0000000000000a01"); got.State != jobs.StateStopping || got.StoppedBy != "hal@example.com" {
		t.Errorf("after a stop request: state %s by %q, want stopping by the first to ask", got.State, got.StoppedBy)
	}
}

// endSettlesThePending: ending a job records when and how, clears the
// wait, makes its pending people not done and leaves the working one for
// the runner to settle.
func endSettlesThePending(t *testing.T, open Opener) {
	s := open(t)
	create(t, s, "0000000000000a02", 4, t0)
	j := claim(t, s, "a", t0)
	started(t, s, j.ID, 1, "a", jobs.ItemDone, t0)
	started(t, s, j.ID, 2, "a", jobs.ItemWorking, t0)
	if err := s.SetWait(t.Context(), j.ID, "a", jobs.WaitQuota, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := job(t, s, j.ID); got.Wait != jobs.WaitQuota || !got.WaitUntil.Equal(t0.Add(time.Hour)) {
		t.Errorf("wait = %q until %v", got.Wait, got.WaitUntil)
	}
	wantErr(t, "ending as running", s.End(t.Context(), j.ID, "a", jobs.StateRunning, t0), jobs.ErrInvalid)
	end := t0.Add(time.Minute)
	if err := s.End(t.Context(), j.ID, "a", jobs.StateStopped, end); err != nil {
		t.Fatal(err)
	}
	got := job(t, s, j.ID)
	if got.State != jobs.StateStopped || !got.Ended.Equal(end) || got.Wait != "" || !got.WaitUntil.IsZero() {
		t.Errorf("ended job = state %s ended %v wait %q", got.State, got.Ended, got.Wait)
	}
	if got.Counts != (jobs.Counts{Total: 4, Working: 1, Done: 1, NotDone: 2}) {
		t.Errorf("counts after the end = %+v, want the pending people not done and the working one left", got.Counts)
	}
}

// finishedJobRefusesChanges: a finished job is never claimed, and a stop,
// an end or a renewal of it is refused.
func finishedJobRefusesChanges(t *testing.T, open Opener) {
	s := open(t)
	create(t, s, "0000000000000a03", 1, t0)
	j := claim(t, s, "a", t0)
	if err := s.End(t.Context(), j.ID, "a", jobs.StateDone, t0); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(time.Hour)
	if _, ok, _ := s.Claim(t.Context(), "b", later, ttl); ok {
		t.Error("a finished job was claimed")
	}
	wantErr(t, "stopping a finished job", s.RequestStop(t.Context(), j.ID, "x", later), jobs.ErrFinished)
	wantErr(t, "ending a finished job", s.End(t.Context(), j.ID, "a", jobs.StateDone, later), jobs.ErrFinished)
	wantErr(t, "renewing a finished job", s.Renew(t.Context(), j.ID, "a", later, ttl), jobs.ErrFinished)
}

// stopBeforeClaim: a job asked to stop before any runner took it is still
// claimed, so that a runner ends it, and all its people are not done.
func stopBeforeClaim(t *testing.T, open Opener) {
	s := open(t)
	create(t, s, "0000000000000b01", 2, t0)
	if err := s.RequestStop(t.Context(), "0000000000000b01", "hal@example.com", t0); err != nil {
		t.Fatal(err)
	}
	j := claim(t, s, "a", t0)
	if j.State != jobs.StateStopping {
		t.Errorf("claimed job state = %s, want stopping", j.State)
	}
	if err := s.End(t.Context(), j.ID, "a", jobs.StateStopped, t0); err != nil {
		t.Fatal(err)
	}
	if got := job(t, s, j.ID); got.Counts != (jobs.Counts{Total: 2, NotDone: 2}) {
		t.Errorf("counts = %+v", got.Counts)
	}
}
