package sqlitestore

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
	rows, err := s.r.QueryContext(ctx, "SELECT "+columns+` FROM audit_records
		WHERE outcome = 'pending' AND time_us < ? ORDER BY id LIMIT ?`,
		cutoff.UTC().UnixMicro(), audit.Filter{Limit: limit}.PageSize())
	out, err := collect(rows, err, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("audit: pending records: %w", err)
	}
	return out, nil
}
