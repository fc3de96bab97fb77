package metrics

import (
	"context"
	"fmt"
	"time"

	"onelogin-helpdesk/audit"
)

// Tally counts a failed tally like a failed write; a store that cannot
// tally fails it.
func (s *countingStore) Tally(ctx context.Context, r audit.Record, within time.Duration, sample string) (int64, error) {
	tl, ok := s.Store.(audit.Tallier)
	if !ok {
		s.m.auditFailures.WithLabelValues("tally").Inc()
		return 0, fmt.Errorf("%w: the audit store %T cannot tally", audit.ErrUnavailable, s.Store)
	}
	id, err := tl.Tally(ctx, r, within, sample)
	if err != nil {
		s.m.auditFailures.WithLabelValues("tally").Inc()
	}
	return id, err
}
