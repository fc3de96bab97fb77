package audit

import (
	"context"
	"time"

	"onelogin-helpdesk/access"
)

// Reporter answers the Reports page's questions over the trail, so that
// the page never reads every record: counts by quarter-hour, the lock and
// unlock records of each person, and where requests came from. Every store
// the console uses has it; audittest.ReporterConformance holds them to the
// same answers.
type Reporter interface {
	// Tallies counts the records that began in [from, to) by quarter-hour
	// (UTC), action, outcome and actor email as recorded.
	Tallies(ctx context.Context, from, to time.Time) ([]Tally, error)
	// LockEvents returns, oldest first, the records that began in
	// [from, to) of a lock or an unlock that succeeded and of a request on
	// the public unlock page (LockEventActions), about a known person.
	LockEvents(ctx context.Context, from, to time.Time) ([]LockEvent, error)
	// Sources counts the records of action that began in [from, to) by
	// source address (none left out), most first, then by address; at
	// most limit.
	Sources(ctx context.Context, action access.Action, from, to time.Time, limit int) ([]SourceCount, error)
}

// TallySlot is the span Tallies counts in: a quarter-hour divides every
// time zone's days and weeks.
const TallySlot = 15 * time.Minute

// Tally is how many records of one action, outcome and actor began in one
// quarter-hour.
type Tally struct {
	Slot    time.Time // its start, UTC
	Action  access.Action
	Outcome Outcome
	Actor   string
	Count   int
}

// LockEvent is a lock, an unlock or a request to unlock, of one person.
type LockEvent struct {
	TargetID int64
	Time     time.Time
	Action   access.Action
}

// LockEventActions are the actions LockEvents returns: Lock, Unlock and
// SelfUnlock when they succeeded, UnlockRequest whatever its outcome.
var LockEventActions = []access.Action{access.Lock, access.Unlock, access.SelfUnlock, access.UnlockRequest}

// SourceCount is how many records came from one address.
type SourceCount struct {
	Address string
	Count   int
}

// IsLockEvent reports whether r is one LockEvents returns.
func IsLockEvent(r Record) bool {
	if r.TargetID == 0 {
		return false
	}
	switch r.Action {
	case access.Lock, access.Unlock, access.SelfUnlock:
		return r.Outcome == OutcomeSucceeded
	case access.UnlockRequest:
		return true
	}
	return false
}
