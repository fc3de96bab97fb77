package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"onelogin-helpdesk/limits"
)

var _ limits.Adder = (*Store)(nil)

// Add implements limits.Adder: one transaction however many events, under
// the key's lock so that a concurrent Take counts them.
func (s *Store) Add(ctx context.Context, key string, n, max int, window time.Duration, now time.Time) (int, time.Time, error) {
	if err := limits.CheckAdd(key, n, max, window); err != nil {
		return 0, time.Time{}, err
	}
	if err := s.check(); err != nil {
		return 0, time.Time{}, err
	}
	var (
		count int
		retry time.Time
	)
	err := s.locked(ctx, lockKey(lockLimit, key), func(tx pgx.Tx) error {
		if n > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO limit_events (key, at) SELECT $1, $2 FROM generate_series(1, $3)`, key, now, n); err != nil {
				return err
			}
		}
		from := now.Add(-window)
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM limit_events WHERE key = $1 AND at > $2 AND at <= $3`,
			key, from, now).Scan(&count); err != nil {
			return err
		}
		var err error
		retry, err = limits.RetryAt(count, max, window, now, func(i int) (time.Time, error) {
			var at time.Time
			err := tx.QueryRow(ctx, `SELECT at FROM limit_events WHERE key = $1 AND at > $2 AND at <= $3
				ORDER BY at LIMIT 1 OFFSET $4`, key, from, now, i).Scan(&at)
			return at, err
		})
		return err
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("limits: %w", err)
	}
	return count, retry, nil
}
