package audit

import (
	"fmt"
	"time"
)

// PrepareDenial is Prepare for Deny: the record is a refusal, whatever
// outcome it came with.
func PrepareDenial(r Record, now time.Time) (Record, error) {
	r.Outcome = OutcomeDenied
	return Prepare(r, now)
}

// NotPending is Complete's error for record id when it was not pending:
// ErrNotFound when there is no such record (outcome ""), else ErrCompleted
// with the outcome it has.
func NotPending(id int64, outcome Outcome) error {
	if outcome == "" {
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	return fmt.Errorf("%w: %d is %s", ErrCompleted, id, outcome)
}
