package audit

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// PendingLister is a store that can list what a crash left pending. Every
// store the console uses has it.
type PendingLister interface {
	// PendingBefore returns up to limit records still pending that began
	// before cutoff, oldest first (limit is bounded as Filter.Limit is).
	PendingBefore(ctx context.Context, cutoff time.Time, limit int) ([]Record, error)
}

// Settler completes the records a stopped console left pending: a pending
// record older than OneLogin's timeout can no longer be waiting for an
// answer. It never asks OneLogin for a change: it reads the account and
// records the outcome as unknown, with what it reads now.
type Settler struct {
	Store interface {
		PendingLister
		Complete(ctx context.Context, id int64, r Result) error
	}
	// Read describes the account targetID as OneLogin has it now, in
	// words for the record's message ("Locked until 14:05 UTC").
	Read func(ctx context.Context, targetID int64) (string, error)
	// After is how old a pending record must be to be settled: longer than
	// any OneLogin call may take.
	After time.Duration
	Now   func() time.Time
	Log   *slog.Logger
}

// settleBatch is how many records one pass reads at a time.
const settleBatch = 100

// stoppedMessage opens the message of a settled record.
const stoppedMessage = "The console stopped before OneLogin answered; the change may have been made"

// Settle completes every pending record older than After and returns how
// many it settled.
func (s Settler) Settle(ctx context.Context) (int, error) {
	cutoff := s.Now().Add(-s.After)
	n := 0
	for {
		recs, err := s.Store.PendingBefore(ctx, cutoff, settleBatch)
		if err != nil || len(recs) == 0 {
			return n, err
		}
		for _, r := range recs {
			msg := stoppedMessage + "."
			if r.TargetID != 0 {
				if now, err := s.Read(ctx, r.TargetID); err != nil {
					msg = stoppedMessage + ", and the account could not be read afterwards."
					OrDiscard(s.Log).WarnContext(ctx, "settling a pending audit record: the account could not be read", "audit_id", r.ID, "error", err)
				} else {
					msg = stoppedMessage + ". The account now reads: " + now + "."
				}
			}
			// Another replica may have settled it meanwhile: ErrCompleted
			// is not a failure.
			switch err := s.Store.Complete(ctx, r.ID, Result{Outcome: OutcomeUnknown, Message: msg}); {
			case err == nil:
				n++
			case !errors.Is(err, ErrCompleted):
				return n, err
			}
		}
		if len(recs) < settleBatch {
			return n, nil
		}
	}
}

// Run settles at once and then every interval until ctx ends.
func (s Settler) Run(ctx context.Context, every time.Duration) {
	for {
		if n, err := s.Settle(ctx); err != nil && ctx.Err() == nil {
			OrDiscard(s.Log).ErrorContext(ctx, "settling pending audit records failed", "error", err)
		} else if n > 0 {
			OrDiscard(s.Log).WarnContext(ctx, "pending audit records settled as unknown", "records", n)
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
