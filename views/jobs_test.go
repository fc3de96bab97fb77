package views

import (
	"testing"
	"time"

	"onelogin-helpdesk/jobs"
)

// TestJobView_words: a job's state and wait in words, as the progress page
// shows them.
func TestJobView_words(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	c := jobs.Counts{Total: 200, Done: 120, Pending: 80}
	cases := []struct {
		name        string
		j           jobs.Job
		state, wait string
	}{
		{"running", jobs.Job{State: jobs.StateRunning, Runs: 1, Counts: c}, "Running: 120 of 200 handled.", ""},
		{"waiting for the quota", jobs.Job{State: jobs.StateRunning, Runs: 1, Counts: c, Wait: jobs.WaitQuota, WaitUntil: now.Add(20 * time.Minute)},
			"Running: 120 of 200 handled.", "Waiting for OneLogin's hourly quota to renew at 09:50: the job leaves 20% of it for other staff and the console."},
		{"resumed, retrying", jobs.Job{State: jobs.StateRunning, Runs: 2, Counts: c, Wait: jobs.WaitRetry, WaitUntil: now.Add(time.Minute)},
			"Running again after the console restarted: 120 of 200 handled.", "OneLogin refused or did not answer; trying the same person again at 09:31."},
		{"stopping", jobs.Job{State: jobs.StateStopping, StoppedBy: "hal@example.com", Counts: c}, "Stopping after the person in hand (asked by hal@example.com): 120 of 200 handled.", ""},
		{"done", jobs.Job{State: jobs.StateDone, Ended: now, Counts: jobs.Counts{Total: 200, Done: 200}}, "Finished 09:30: every person handled.", ""},
		{"stopped", jobs.Job{State: jobs.StateStopped, Ended: now, StoppedBy: "hal@example.com", Counts: jobs.Counts{Total: 200, Done: 120, NotDone: 80}, Wait: jobs.WaitQuota},
			"Stopped 09:30 by hal@example.com: 80 people not done.", ""},
		{"interrupted", jobs.Job{State: jobs.StateInterrupted, Ended: now, Counts: jobs.Counts{Total: 200, Done: 199, NotDone: 1}},
			"Interrupted 09:30: the console restarted and does not resume jobs, so 1 person was not done.", ""},
	}
	for _, tc := range cases {
		v := JobView{Job: tc.j, Now: now, Loc: time.UTC, ReservePercent: 20}
		if got := v.StateLine(); got != tc.state {
			t.Errorf("%s: state %q, want %q", tc.name, got, tc.state)
		}
		if got := v.WaitLine(); got != tc.wait {
			t.Errorf("%s: wait %q, want %q", tc.name, got, tc.wait)
		}
	}
	if v := (JobView{Job: jobs.Job{Kind: jobs.KindLogout, Counts: c}}); v.Title() != "Log out 200 people" || v.Percent() != 60 {
		t.Errorf("title %q, percent %d", v.Title(), v.Percent())
	}
}

// TestJobView_listsWhoNeedsALook: a small job lists everyone; a large one
// only the people who need a look, and says how many it leaves out.
func TestJobView_listsWhoNeedsALook(t *testing.T) {
	items := func(n int) []jobs.Item {
		out := make([]jobs.Item, n)
		for i := range out {
			out[i] = jobs.Item{Seq: i + 1, State: jobs.ItemDone}
		}
		return out
	}
	small := JobView{Items: items(3)}
	if len(small.Listed()) != 3 || small.Unlisted() != 0 {
		t.Errorf("a job of 3 lists %d", len(small.Listed()))
	}
	big := JobView{Items: items(500)}
	big.Items[7].State, big.Items[9].State, big.Items[400].State = jobs.ItemFailed, jobs.ItemSkipped, jobs.ItemPending
	if l := big.Listed(); len(l) != 2 || l[0].Seq != 8 || l[1].Seq != 10 || big.Unlisted() != 498 {
		t.Errorf("a job of 500 lists %+v, leaves out %d", l, big.Unlisted())
	}
}
