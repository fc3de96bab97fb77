package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"onelogin-helpdesk/limits"
)

var _ limits.Adder = (*Store)(nil)

// Add implements limits.Adder: one write transaction however many events.
func (s *Store) Add(ctx context.Context, key string, n, max int, window time.Duration, now time.Time) (int, time.Time, error) {
	if err := limits.CheckAdd(key, n, max, window); err != nil {
		return 0, time.Time{}, err
	}
	if err := s.check(); err != nil {
		return 0, time.Time{}, err
	}
	count, retry, err := s.add(ctx, key, n, max, window, now)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("limits: %w", err)
	}
	return count, retry, nil
}

func (s *Store) add(ctx context.Context, key string, n, max int, window time.Duration, now time.Time) (int, time.Time, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, time.Time{}, err
	}
	defer tx.Rollback()
	if n > 0 {
		if _, err := tx.ExecContext(ctx, `WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM i WHERE n < ?)
			INSERT INTO limit_events (key, at_us) SELECT ?, ? FROM i`, n, key, now.UnixMicro()); err != nil {
			return 0, time.Time{}, err
		}
	}
	from, to := now.Add(-window).UnixMicro(), now.UnixMicro()
	var count int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM limit_events WHERE key = ? AND at_us > ? AND at_us <= ?`,
		key, from, to).Scan(&count); err != nil {
		return 0, time.Time{}, err
	}
	retry, err := limits.RetryAt(count, max, window, now, func(i int) (time.Time, error) {
		var at int64
		err := tx.QueryRowContext(ctx, `SELECT at_us FROM limit_events WHERE key = ? AND at_us > ? AND at_us <= ?
			ORDER BY at_us LIMIT 1 OFFSET ?`, key, from, to, i).Scan(&at)
		return time.UnixMicro(at), err
	})
	if err != nil {
		return 0, time.Time{}, err
	}
	return count, retry, tx.Commit()
}
