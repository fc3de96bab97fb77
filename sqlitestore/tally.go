package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"onelogin-helpdesk/audit"
)

var _ audit.Tallier = (*Store)(nil)

// Tally implements audit.Tallier. Like Deny, it runs on the writer's
// connection, so two steps cannot both miss the record the other wrote.
func (s *Store) Tally(ctx context.Context, rec audit.Record, within time.Duration, sample string) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	rec, err := audit.PrepareTally(rec, s.now(), sample)
	if err != nil {
		return 0, err
	}
	return s.collapseOrInsert(ctx, rec, func(tx *sql.Tx) (int64, bool, error) {
		var id int64
		var kept string
		err := tx.StmtContext(ctx, s.hot.tallyFind).QueryRowContext(ctx, rec.ActorEmail, string(rec.Action), rec.SourceIP, string(rec.Outcome), rec.Reason,
			rec.Time.Add(-within).UnixMicro()).Scan(&id, &kept)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return 0, false, nil
		case err != nil:
			return 0, false, err
		}
		_, err = tx.StmtContext(ctx, s.hot.tallyBump).ExecContext(ctx, rec.Time.UnixMicro(), audit.AddSample(kept, sample), id)
		return id, true, err
	})
}
