package pgstore

import (
	"context"
	"fmt"
	"time"

	"onelogin-helpdesk/audit"
)

var _ audit.PendingLister = (*Store)(nil)

// PendingBefore implements audit.PendingLister.
func (s *Store) PendingBefore(ctx context.Context, cutoff time.Time, limit int) ([]audit.Record, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, "SELECT "+columns+` FROM audit_records
		WHERE outcome = 'pending' AND at < $1 ORDER BY id LIMIT $2`,
		cutoff.UTC(), audit.Filter{Limit: limit}.PageSize())
	if err != nil {
		return nil, fmt.Errorf("audit: pending records: %w", err)
	}
	out, err := collect(rows)
	if err != nil {
		return nil, fmt.Errorf("audit: pending records: %w", err)
	}
	return out, nil
}
