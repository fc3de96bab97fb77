package views

import (
	"fmt"
	"time"

	"onelogin-helpdesk/jobs"
)

// JobView is a bulk job's progress.
type JobView struct {
	Page Page
	Now  time.Time
	Loc  *time.Location
	Job  jobs.Job
	// Items are the job's people, in order.
	Items []jobs.Item
	// CanStop shows the stop button.
	CanStop bool
	// ReservePercent is the share of OneLogin's quota jobs leave to others.
	ReservePercent int
	Notice         *Notice
}

// jobListAll is how many people a job may have for the progress to list
// them all; a larger job lists only those who need a look, so that the
// view it polls for stays small.
const jobListAll = 100

// Listed are the people the progress lists: all of a small job; of a
// larger one, those not done nor waiting (failed, skipped, unknown, not
// done, in hand).
func (v JobView) Listed() []jobs.Item {
	if len(v.Items) <= jobListAll {
		return v.Items
	}
	var out []jobs.Item
	for _, it := range v.Items {
		if it.State != jobs.ItemDone && it.State != jobs.ItemPending {
			out = append(out, it)
		}
	}
	return out
}

// Unlisted is how many people the progress leaves out.
func (v JobView) Unlisted() int { return len(v.Items) - len(v.Listed()) }

// Title names a job: "Unlock 200 people".
func (v JobView) Title() string {
	what := "Unlock "
	if v.Job.Kind == jobs.KindLogout {
		what = "Log out "
	}
	return what + countWords(v.Job.Counts.Total, "person", "people")
}

// Percent is how much of the job is handled, 0-100.
func (v JobView) Percent() int {
	if v.Job.Counts.Total == 0 {
		return 0
	}
	return v.Job.Counts.Handled() * 100 / v.Job.Counts.Total
}

// StateLine says where the job is, in words.
func (v JobView) StateLine() string {
	j, c := v.Job, v.Job.Counts
	handled := fmt.Sprintf("%d of %d handled", c.Handled(), c.Total)
	switch j.State {
	case jobs.StateRunning:
		if j.Runs > 1 {
			return "Running again after the console restarted: " + handled + "."
		}
		return "Running: " + handled + "."
	case jobs.StateStopping:
		return "Stopping after the person in hand (asked by " + j.StoppedBy + "): " + handled + "."
	case jobs.StateDone:
		return "Finished " + ClockTime(j.Ended, v.Now, v.Loc) + ": every person handled."
	case jobs.StateStopped:
		return fmt.Sprintf("Stopped %s by %s: %s not done.", ClockTime(j.Ended, v.Now, v.Loc), j.StoppedBy,
			countWords(c.NotDone, "person", "people"))
	case jobs.StateInterrupted:
		return fmt.Sprintf("Interrupted %s: the console restarted and does not resume jobs, so %s not done.",
			ClockTime(j.Ended, v.Now, v.Loc), countWords(c.NotDone, "person was", "people were"))
	}
	return string(j.State)
}

// WaitLine says why a running job is waiting, "" when it is not.
func (v JobView) WaitLine() string {
	j := v.Job
	if j.State.Finished() {
		return ""
	}
	switch j.Wait {
	case jobs.WaitQuota:
		return fmt.Sprintf("Waiting for OneLogin's hourly quota to renew at %s: the job leaves %d%% of it for other staff and the console.",
			ClockTime(j.WaitUntil, v.Now, v.Loc), v.ReservePercent)
	case jobs.WaitRetry:
		return "OneLogin refused or did not answer; trying the same person again at " + ClockTime(j.WaitUntil, v.Now, v.Loc) + "."
	}
	return ""
}

// ItemWords is a person's state in a job, in words.
func ItemWords(s jobs.ItemState) string {
	switch s {
	case jobs.ItemPending:
		return "waiting"
	case jobs.ItemWorking:
		return "in progress"
	case jobs.ItemDone:
		return "done"
	case jobs.ItemFailed:
		return "failed"
	case jobs.ItemSkipped:
		return "skipped"
	case jobs.ItemNotDone:
		return "not done"
	case jobs.ItemUnknown:
		return "unknown: check"
	}
	return string(s)
}

// ItemTone is the badge colour family of a person's state in a job.
func ItemTone(s jobs.ItemState) string {
	switch s {
	case jobs.ItemDone:
		return "ok"
	case jobs.ItemFailed, jobs.ItemUnknown:
		return "bad"
	case jobs.ItemSkipped, jobs.ItemNotDone:
		return "warn"
	}
	return "neutral"
}

// JobPath is a job's progress page.
func JobPath(id string) string { return "/jobs/" + id }
