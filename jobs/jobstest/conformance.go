package jobstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"onelogin-helpdesk/jobs"
)

// Conformance is the behaviour every jobs.Store shares; each store's tests
// call it with a way to open an empty store.
func Conformance(t *testing.T, open func(t *testing.T) jobs.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const ttl = 30 * time.Second

	newJob := func(id string, at time.Time) jobs.Job {
		return jobs.Job{ID: id, Kind: jobs.KindUnlock, Created: at,
			Actor:    jobs.Actor{Email: "ada@example.com", Name: "Ada Admin", Role: "admin"},
			SourceIP: "192.0.2.7", RequestID: "req-1", Ticket: "INC-9"}
	}
	people := func(n int) []jobs.Item {
		out := make([]jobs.Item, n)
		for i := range out {
			id := int64(1000 + i)
			out[i] = jobs.Item{Seq: 99, TargetID: id, Email: fmt.Sprintf("p%d@example.com", id), Name: fmt.Sprintf("Person %d", id)}
		}
		return out
	}
	create := func(t *testing.T, s jobs.Store, id string, n int, at time.Time) {
		t.Helper()
		if err := s.CreateJob(ctx, newJob(id, at), people(n)); err != nil {
			t.Fatalf("CreateJob %s: %v", id, err)
		}
	}
	claim := func(t *testing.T, s jobs.Store, owner string, now time.Time) jobs.Job {
		t.Helper()
		j, ok, err := s.Claim(ctx, owner, now, ttl)
		if err != nil || !ok {
			t.Fatalf("Claim by %s: %v %v", owner, ok, err)
		}
		return j
	}
	wantErr := func(t *testing.T, what string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s = %v, want %v", what, err, want)
		}
	}

	t.Run("createAndRead", func(t *testing.T) {
		s := open(t)
		at := t0.Add(123456 * time.Microsecond)
		create(t, s, "00000000000000a1", 3, at)
		j, err := s.Job(ctx, "00000000000000a1")
		if err != nil {
			t.Fatal(err)
		}
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
		items, err := s.Items(ctx, j.ID)
		if err != nil || len(items) != 3 {
			t.Fatalf("Items = %d, %v", len(items), err)
		}
		for i, it := range items {
			if it.Seq != i+1 || it.TargetID != int64(1000+i) || it.Email != fmt.Sprintf("p%d@example.com", 1000+i) ||
				it.Name != fmt.Sprintf("Person %d", 1000+i) || it.State != jobs.ItemPending || it.Message != "" {
				t.Errorf("item %d = %+v", i, it)
			}
		}
		wantErr(t, "a second job with the id", s.CreateJob(ctx, newJob(j.ID, at), people(1)), jobs.ErrExists)
		_, err = s.Job(ctx, "00000000000000ff")
		wantErr(t, "Job of an unknown id", err, jobs.ErrNotFound)
		_, err = s.Items(ctx, "00000000000000ff")
		wantErr(t, "Items of an unknown id", err, jobs.ErrNotFound)
	})

	t.Run("invalidJobs", func(t *testing.T) {
		s := open(t)
		noKind := newJob("00000000000000b2", t0)
		noKind.Kind = "delete"
		for name, tc := range map[string]struct {
			j  jobs.Job
			ps []jobs.Item
		}{
			"no id":     {newJob("", t0), people(1)},
			"bad kind":  {noKind, people(1)},
			"no people": {newJob("00000000000000b3", t0), nil},
		} {
			wantErr(t, "CreateJob with "+name, s.CreateJob(ctx, tc.j, tc.ps), jobs.ErrInvalid)
		}
		if js, _ := s.Jobs(ctx, 10); len(js) != 0 {
			t.Errorf("refused jobs were stored: %+v", js)
		}
	})

	t.Run("jobsNewestFirst", func(t *testing.T) {
		s := open(t)
		for i := range 4 {
			create(t, s, fmt.Sprintf("00000000000000c%d", i), 1, t0.Add(time.Duration(i)*time.Minute))
		}
		js, err := s.Jobs(ctx, 3)
		if err != nil || len(js) != 3 {
			t.Fatalf("Jobs(3) = %d, %v", len(js), err)
		}
		for i, j := range js {
			if want := fmt.Sprintf("00000000000000c%d", 3-i); j.ID != want || j.Counts.Total != 1 {
				t.Errorf("Jobs[%d] = %s with %+v, want %s with its count", i, j.ID, j.Counts, want)
			}
		}
	})

	t.Run("leases", func(t *testing.T) {
		s := open(t)
		if _, ok, err := s.Claim(ctx, "a", t0, ttl); ok || err != nil {
			t.Fatalf("Claim with no jobs = %v, %v", ok, err)
		}
		create(t, s, "00000000000000d1", 2, t0)
		create(t, s, "00000000000000d2", 2, t0.Add(time.Minute))
		j := claim(t, s, "a", t0)
		if j.ID != "00000000000000d1" || j.Owner != "a" || j.Runs != 1 || !j.LeaseUntil.Equal(t0.Add(ttl)) {
			t.Errorf("first claim = %s owner %q runs %d until %v; want the oldest job, a's, run 1, until %v", j.ID, j.Owner, j.Runs, j.LeaseUntil, t0.Add(ttl))
		}
		if j2 := claim(t, s, "b", t0); j2.ID != "00000000000000d2" {
			t.Errorf("b claimed %s, want the other job", j2.ID)
		}
		if _, ok, _ := s.Claim(ctx, "c", t0.Add(ttl-time.Millisecond), ttl); ok {
			t.Error("a job was claimed while both leases hold")
		}
		if err := s.Renew(ctx, j.ID, "a", t0.Add(20*time.Second), ttl); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Claim(ctx, "c", t0.Add(ttl), ttl); !ok {
			t.Error("b's lease ran out, but its job was not claimed")
		}
		late := t0.Add(20*time.Second + ttl)
		taken := claim(t, s, "c", late)
		if taken.ID != j.ID || taken.Runs != 2 || taken.Owner != "c" {
			t.Errorf("claim after a's renewed lease ran out = %s runs %d owner %q", taken.ID, taken.Runs, taken.Owner)
		}
		wantErr(t, "a renews a lease c holds", s.Renew(ctx, j.ID, "a", late, ttl), jobs.ErrLeaseLost)
		wantErr(t, "a starts a person under c's lease", s.StartItem(ctx, j.ID, 1, "a", late), jobs.ErrLeaseLost)
		wantErr(t, "a sets the wait under c's lease", s.SetWait(ctx, j.ID, "a", jobs.WaitQuota, late), jobs.ErrLeaseLost)
		wantErr(t, "a ends c's job", s.End(ctx, j.ID, "a", jobs.StateDone, late), jobs.ErrLeaseLost)
		if err := s.Release(ctx, j.ID, "a"); err != nil {
			t.Errorf("a releasing a lease it lost = %v", err)
		}
		if _, ok, _ := s.Claim(ctx, "d", late, ttl); ok {
			t.Error("a's release freed c's lease")
		}
		if err := s.Release(ctx, j.ID, "c"); err != nil {
			t.Fatal(err)
		}
		if again := claim(t, s, "d", late); again.ID != j.ID || again.Runs != 3 {
			t.Errorf("claim after a release = %s runs %d, want %s run 3", again.ID, again.Runs, j.ID)
		}
	})

	t.Run("items", func(t *testing.T) {
		s := open(t)
		create(t, s, "00000000000000e1", 3, t0)
		j := claim(t, s, "a", t0)
		now := t0.Add(time.Second)
		it, ok, err := s.Next(ctx, j.ID)
		if err != nil || !ok || it.Seq != 1 {
			t.Fatalf("Next = %+v %v %v, want person 1", it, ok, err)
		}
		wantErr(t, "finishing a pending person", s.FinishItem(ctx, j.ID, 1, "a", jobs.ItemDone, "", now), jobs.ErrItemState)
		if err := s.StartItem(ctx, j.ID, 1, "a", now); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "starting a working person", s.StartItem(ctx, j.ID, 1, "a", now), jobs.ErrItemState)
		wantErr(t, "starting person 9 of 3", s.StartItem(ctx, j.ID, 9, "a", now), jobs.ErrItemState)
		if it, _, _ := s.Next(ctx, j.ID); it.Seq != 2 {
			t.Errorf("Next while 1 works = %d, want 2", it.Seq)
		}
		if got, _ := s.Job(ctx, j.ID); got.Counts != (jobs.Counts{Total: 3, Pending: 2, Working: 1}) {
			t.Errorf("counts = %+v", got.Counts)
		}
		if err := s.FinishItem(ctx, j.ID, 1, "a", jobs.ItemSkipped, "Protected account", now); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "finishing a finished person", s.FinishItem(ctx, j.ID, 1, "a", jobs.ItemDone, "", now), jobs.ErrItemState)
		wantErr(t, "finishing as working", s.FinishItem(ctx, j.ID, 2, "a", jobs.ItemWorking, "", now), jobs.ErrInvalid)

		// A person put back is next again.
		if err := s.StartItem(ctx, j.ID, 2, "a", now); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishItem(ctx, j.ID, 2, "a", jobs.ItemPending, "", now); err != nil {
			t.Fatal(err)
		}
		if it, _, _ := s.Next(ctx, j.ID); it.Seq != 2 {
			t.Errorf("Next after putting 2 back = %d", it.Seq)
		}

		// Past the lease, nothing new starts, but the person in hand is
		// still recorded while no one else has claimed the job.
		if err := s.StartItem(ctx, j.ID, 2, "a", now); err != nil {
			t.Fatal(err)
		}
		expired := t0.Add(ttl)
		wantErr(t, "starting a person after the lease ran out", s.StartItem(ctx, j.ID, 3, "a", expired), jobs.ErrLeaseLost)
		if err := s.FinishItem(ctx, j.ID, 2, "a", jobs.ItemDone, "", expired); err != nil {
			t.Errorf("recording the person in hand after the lease ran out = %v", err)
		}
		items, _ := s.Items(ctx, j.ID)
		if items[0].State != jobs.ItemSkipped || items[0].Message != "Protected account" || !items[0].Updated.Equal(now) ||
			items[1].State != jobs.ItemDone || items[2].State != jobs.ItemPending {
			t.Errorf("items = %+v", items)
		}
		if got, _ := s.Job(ctx, j.ID); got.Counts != (jobs.Counts{Total: 3, Pending: 1, Done: 1, Skipped: 1}) {
			t.Errorf("counts = %+v", got.Counts)
		}
	})

	t.Run("onlyOneStart", func(t *testing.T) {
		s := open(t)
		create(t, s, "00000000000000f1", 1, t0)
		var wg sync.WaitGroup
		var mu sync.Mutex
		claims, starts := 0, 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, ok, err := s.Claim(ctx, fmt.Sprintf("r%d", i), t0, ttl); err != nil {
					t.Error(err)
				} else if ok {
					mu.Lock()
					claims++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if claims != 1 {
			t.Fatalf("%d concurrent claims succeeded, want 1", claims)
		}
		j, _ := s.Job(ctx, "00000000000000f1")
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.StartItem(ctx, j.ID, 1, j.Owner, t0)
				if err == nil {
					mu.Lock()
					starts++
					mu.Unlock()
				} else if !errors.Is(err, jobs.ErrItemState) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if starts != 1 {
			t.Errorf("%d concurrent starts of one person succeeded, want 1", starts)
		}
	})

	t.Run("stopAndEnd", func(t *testing.T) {
		s := open(t)
		create(t, s, "0000000000000a01", 4, t0)
		j := claim(t, s, "a", t0)
		for seq, st := range map[int]jobs.ItemState{1: jobs.ItemDone, 2: jobs.ItemWorking} {
			if err := s.StartItem(ctx, j.ID, seq, "a", t0); err != nil {
				t.Fatal(err)
			}
			if st != jobs.ItemWorking {
				if err := s.FinishItem(ctx, j.ID, seq, "a", st, "", t0); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := s.SetWait(ctx, j.ID, "a", jobs.WaitQuota, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Job(ctx, j.ID); got.Wait != jobs.WaitQuota || !got.WaitUntil.Equal(t0.Add(time.Hour)) {
			t.Errorf("wait = %q until %v", got.Wait, got.WaitUntil)
		}
		if err := s.RequestStop(ctx, j.ID, "hal@example.com", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.RequestStop(ctx, j.ID, "someone@example.com", t0); err != nil {
			t.Errorf("asking a stopping job to stop again = %v", err)
		}
		got, _ := s.Job(ctx, j.ID)
		if got.State != jobs.StateStopping || got.StoppedBy != "hal@example.com" {
			t.Errorf("after a stop request: state %s by %q, want stopping by the first to ask", got.State, got.StoppedBy)
		}
		wantErr(t, "ending as running", s.End(ctx, j.ID, "a", jobs.StateRunning, t0), jobs.ErrInvalid)
		end := t0.Add(time.Minute)
		if err := s.End(ctx, j.ID, "a", jobs.StateStopped, end); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Job(ctx, j.ID)
		if got.State != jobs.StateStopped || !got.Ended.Equal(end) || got.Wait != "" || !got.WaitUntil.IsZero() {
			t.Errorf("ended job = state %s ended %v wait %q", got.State, got.Ended, got.Wait)
		}
		if got.Counts != (jobs.Counts{Total: 4, Working: 1, Done: 1, NotDone: 2}) {
			t.Errorf("counts after the end = %+v, want the pending people not done and the working one left", got.Counts)
		}
		if _, ok, _ := s.Claim(ctx, "b", end.Add(time.Hour), ttl); ok {
			t.Error("a finished job was claimed")
		}
		wantErr(t, "stopping a finished job", s.RequestStop(ctx, j.ID, "x", end), jobs.ErrFinished)
		wantErr(t, "ending a finished job", s.End(ctx, j.ID, "a", jobs.StateDone, end), jobs.ErrFinished)
		wantErr(t, "renewing a finished job", s.Renew(ctx, j.ID, "a", end, ttl), jobs.ErrFinished)
		wantErr(t, "stopping an unknown job", s.RequestStop(ctx, "0000000000000fff", "x", end), jobs.ErrNotFound)
	})

	t.Run("stopBeforeClaim", func(t *testing.T) {
		s := open(t)
		create(t, s, "0000000000000b01", 2, t0)
		if err := s.RequestStop(ctx, "0000000000000b01", "hal@example.com", t0); err != nil {
			t.Fatal(err)
		}
		// A stopping job is still claimed, so that a runner ends it.
		j := claim(t, s, "a", t0)
		if j.State != jobs.StateStopping {
			t.Errorf("claimed job state = %s, want stopping", j.State)
		}
		if err := s.End(ctx, j.ID, "a", jobs.StateStopped, t0); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Job(ctx, j.ID); got.Counts != (jobs.Counts{Total: 2, NotDone: 2}) {
			t.Errorf("counts = %+v", got.Counts)
		}
	})
}
