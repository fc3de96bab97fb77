package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
)

// The Reports page's queries (audit.Reporter), on the read pool.

var _ audit.Reporter = (*Store)(nil)

// Tallies implements audit.Reporter.
func (s *Store) Tallies(ctx context.Context, from, to time.Time) ([]audit.Tally, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	slot := audit.TallySlot.Microseconds()
	rows, err := s.r.QueryContext(ctx, `SELECT time_us / ? * ? AS slot, action, outcome, actor_email, count(*)
		FROM audit_records WHERE time_us >= ? AND time_us < ?
		GROUP BY slot, action, outcome, actor_email ORDER BY slot, action, outcome, actor_email`,
		slot, slot, from.UnixMicro(), to.UnixMicro())
	out, err := collect(rows, err, func(sc scanner) (audit.Tally, error) {
		var t audit.Tally
		var at int64
		err := sc.Scan(&at, &t.Action, &t.Outcome, &t.Actor, &t.Count)
		t.Slot = time.UnixMicro(at).UTC()
		return t, err
	})
	return out, wrapReport("tallies", err)
}

// LockEvents implements audit.Reporter.
func (s *Store) LockEvents(ctx context.Context, from, to time.Time) ([]audit.LockEvent, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT target_id, time_us, action FROM audit_records
		WHERE time_us >= ? AND time_us < ? AND target_id <> 0
		AND (action IN (?, ?, ?) AND outcome = ? OR action = ?)
		ORDER BY time_us, id`,
		from.UnixMicro(), to.UnixMicro(), string(access.Lock), string(access.Unlock), string(access.SelfUnlock),
		string(audit.OutcomeSucceeded), string(access.UnlockRequest))
	out, err := collect(rows, err, func(sc scanner) (audit.LockEvent, error) {
		var e audit.LockEvent
		var at int64
		err := sc.Scan(&e.TargetID, &at, &e.Action)
		e.Time = time.UnixMicro(at).UTC()
		return e, err
	})
	return out, wrapReport("lock events", err)
}

// Sources implements audit.Reporter.
func (s *Store) Sources(ctx context.Context, action access.Action, from, to time.Time, limit int) ([]audit.SourceCount, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT source_ip, count(*) AS n FROM audit_records
		WHERE action = ? AND time_us >= ? AND time_us < ? AND source_ip <> ''
		GROUP BY source_ip ORDER BY n DESC, source_ip LIMIT ?`,
		string(action), from.UnixMicro(), to.UnixMicro(), limit)
	out, err := collect(rows, err, func(sc scanner) (audit.SourceCount, error) {
		var c audit.SourceCount
		return c, sc.Scan(&c.Address, &c.Count)
	})
	return out, wrapReport("sources", err)
}

// wrapReport names the query in its error; nil stays nil.
func wrapReport(what string, err error) error {
	if err != nil {
		return fmt.Errorf("audit: %s: %w", what, err)
	}
	return nil
}
