package jobs_test

import (
	"errors"
	"testing"
	"time"

	"onelogin-helpdesk/jobs"
)

// TestHeldBy: the lease check every store makes before a change.
func TestHeldBy(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	held := jobs.Job{State: jobs.StateRunning, Owner: "a", LeaseUntil: now.Add(time.Second)}
	expired := jobs.Job{State: jobs.StateStopping, Owner: "a", LeaseUntil: now}
	released := jobs.Job{State: jobs.StateRunning, Owner: "a"}
	done := jobs.Job{State: jobs.StateDone, Owner: "a", LeaseUntil: now.Add(time.Hour)}
	for _, tc := range []struct {
		name  string
		j     jobs.Job
		owner string
		now   time.Time
		want  error
	}{
		{"the owner within its lease", held, "a", now, nil},
		{"another runner", held, "b", now, jobs.ErrLeaseLost},
		{"the owner when its lease ran out", expired, "a", now, jobs.ErrLeaseLost},
		{"the owner after releasing", released, "a", now, jobs.ErrLeaseLost},
		{"the owner recording the person in hand, expired", expired, "a", time.Time{}, nil},
		{"the owner recording the person in hand, released", released, "a", time.Time{}, nil},
		{"another runner recording a person", expired, "b", time.Time{}, jobs.ErrLeaseLost},
		{"a finished job", done, "a", now, jobs.ErrFinished},
	} {
		if err := tc.j.HeldBy(tc.owner, tc.now); !errors.Is(err, tc.want) {
			t.Errorf("%s: HeldBy = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestStop: running jobs stop, stopping ones stay as they are, finished
// ones refuse.
func TestStop(t *testing.T) {
	for _, tc := range []struct {
		from jobs.State
		stop bool
		err  error
	}{
		{jobs.StateRunning, true, nil},
		{jobs.StateStopping, false, nil},
		{jobs.StateDone, false, jobs.ErrFinished},
		{jobs.StateStopped, false, jobs.ErrFinished},
		{jobs.StateInterrupted, false, jobs.ErrFinished},
	} {
		if stop, err := jobs.Stop(tc.from); stop != tc.stop || !errors.Is(err, tc.err) {
			t.Errorf("Stop(%s) = %v, %v; want %v, %v", tc.from, stop, err, tc.stop, tc.err)
		}
	}
}

// TestSetCounts: each job gets its own rows' counts, and rows of other
// jobs are ignored.
func TestSetCounts(t *testing.T) {
	js := []jobs.Job{{ID: "a", Counts: jobs.Counts{Total: 99}}, {ID: "b"}}
	jobs.SetCounts(js, []jobs.StateCount{
		{Job: "a", State: jobs.ItemDone, N: 3}, {Job: "a", State: jobs.ItemPending, N: 2},
		{Job: "b", State: jobs.ItemUnknown, N: 1}, {Job: "z", State: jobs.ItemDone, N: 7},
	})
	if want := (jobs.Counts{Total: 5, Pending: 2, Done: 3}); js[0].Counts != want {
		t.Errorf("a = %+v, want %+v", js[0].Counts, want)
	}
	if want := (jobs.Counts{Total: 1, Unknown: 1}); js[1].Counts != want {
		t.Errorf("b = %+v, want %+v", js[1].Counts, want)
	}
}
