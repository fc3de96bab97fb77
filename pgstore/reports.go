package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
)

// The Reports page's queries (audit.Reporter).

var _ audit.Reporter = (*Store)(nil)

// Tallies implements audit.Reporter.
func (s *Store) Tallies(ctx context.Context, from, to time.Time) ([]audit.Tally, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	slot := int64(audit.TallySlot / time.Second)
	rows, err := s.pool.Query(ctx, `SELECT (floor(extract(epoch FROM at) / $1) * $1)::bigint AS slot, action, outcome, actor_email, count(*)
		FROM audit_records WHERE at >= $2 AND at < $3
		GROUP BY slot, action, outcome, actor_email ORDER BY slot, action, outcome, actor_email`, slot, from, to)
	if err != nil {
		return nil, fmt.Errorf("audit: tallies: %w", err)
	}
	return collectReport(rows, "tallies", func(row pgx.CollectableRow) (audit.Tally, error) {
		var t audit.Tally
		var at int64
		var action, outcome string
		err := row.Scan(&at, &action, &outcome, &t.Actor, &t.Count)
		t.Slot, t.Action, t.Outcome = time.Unix(at, 0).UTC(), access.Action(action), audit.Outcome(outcome)
		return t, err
	})
}

// LockEvents implements audit.Reporter.
func (s *Store) LockEvents(ctx context.Context, from, to time.Time) ([]audit.LockEvent, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT target_id, at, action FROM audit_records
		WHERE at >= $1 AND at < $2 AND target_id <> 0
		AND (action IN ($3, $4, $5) AND outcome = $6 OR action = $7)
		ORDER BY at, id`,
		from, to, string(access.Lock), string(access.Unlock), string(access.SelfUnlock),
		string(audit.OutcomeSucceeded), string(access.UnlockRequest))
	if err != nil {
		return nil, fmt.Errorf("audit: lock events: %w", err)
	}
	return collectReport(rows, "lock events", func(row pgx.CollectableRow) (audit.LockEvent, error) {
		var e audit.LockEvent
		var action string
		err := row.Scan(&e.TargetID, &e.Time, &action)
		e.Time, e.Action = e.Time.UTC(), access.Action(action)
		return e, err
	})
}

// Sources implements audit.Reporter.
func (s *Store) Sources(ctx context.Context, action access.Action, from, to time.Time, limit int) ([]audit.SourceCount, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT source_ip, count(*) AS n FROM audit_records
		WHERE action = $1 AND at >= $2 AND at < $3 AND source_ip <> ''
		GROUP BY source_ip ORDER BY n DESC, source_ip COLLATE "C" LIMIT $4`,
		string(action), from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: sources: %w", err)
	}
	return collectReport(rows, "sources", func(row pgx.CollectableRow) (audit.SourceCount, error) {
		var c audit.SourceCount
		return c, row.Scan(&c.Address, &c.Count)
	})
}

// collectReport scans every row with scan.
func collectReport[T any](rows pgx.Rows, what string, scan pgx.RowToFunc[T]) ([]T, error) {
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("audit: %s: %w", what, err)
	}
	return out, nil
}
