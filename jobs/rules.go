package jobs

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The decisions every Store makes are taken here, once, over the rows a
// store has read; the stores only read and write rows, atomically.

// CheckNew is CreateJob's check of a job and its people, before anything
// is stored: ErrInvalid without an id, a valid kind, or people.
func CheckNew(j Job, people []Item) error {
	if strings.TrimSpace(j.ID) == "" || !j.Kind.Valid() || len(people) == 0 {
		return ErrInvalid
	}
	return nil
}

// CheckOutcome is FinishItem's check of the state an item moves to: an
// outcome, or pending to try it again.
func CheckOutcome(s ItemState) error {
	if s != ItemPending && !s.Final() {
		return ErrInvalid
	}
	return nil
}

// CheckEnd is End's check of the state a job ends in.
func CheckEnd(s State) error {
	if !s.Finished() {
		return ErrInvalid
	}
	return nil
}

// HeldBy reports whether owner may change the job as stored: ErrFinished
// once it ended, ErrLeaseLost when another runner claimed it or, unless now
// is zero, when owner's lease ran out at now. Recording the person in hand
// passes a zero now: the lease's owner may, expired or not, as long as no
// one claimed the job since.
func (j Job) HeldBy(owner string, now time.Time) error {
	switch {
	case j.State.Finished():
		return ErrFinished
	case j.Owner != owner || (!now.IsZero() && !j.LeaseUntil.After(now)):
		return ErrLeaseLost
	}
	return nil
}

// Stop is RequestStop's decision on a job in state s: stop is true when it
// moves to stopping (the asker is recorded), false when it is stopping
// already (the first to ask stays the one named); a finished job gives
// ErrFinished.
func Stop(s State) (stop bool, err error) {
	switch {
	case s.Finished():
		return false, ErrFinished
	case s == StateStopping:
		return false, nil
	}
	return true, nil
}

// StateCount is how many of a job's people are in one state: a row of a
// store's count grouped by job and state.
type StateCount struct {
	Job   string
	State ItemState
	N     int
}

// SetCounts fills in the Counts of each job in js from its rows in cs.
func SetCounts(js []Job, cs []StateCount) {
	at := make(map[string]*Counts, len(js))
	for i := range js {
		js[i].Counts = Counts{}
		at[js[i].ID] = &js[i].Counts
	}
	for _, c := range cs {
		if n := at[c.Job]; n != nil {
			n.add(c.State, c.N)
		}
	}
}

// StoreError is what a store returns for err met while doing what: the
// Store's own errors as they are, anything else (the database's) wrapped.
func StoreError(what string, err error) error {
	for _, own := range []error{ErrNotFound, ErrExists, ErrLeaseLost, ErrItemState, ErrFinished, ErrInvalid} {
		if errors.Is(err, own) {
			return err
		}
	}
	return fmt.Errorf("jobs: %s: %w", what, err)
}
