package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("audit: write record: %w", err)
	}
	defer tx.Rollback()
	var id int64
	var kept string
	err = tx.StmtContext(ctx, s.hot.tallyFind).QueryRowContext(ctx, rec.ActorEmail, string(rec.Action), rec.SourceIP, string(rec.Outcome), rec.Reason,
		rec.Time.Add(-within).UnixMicro()).Scan(&id, &kept)
	switch {
	case err == nil:
		if _, err := tx.StmtContext(ctx, s.hot.tallyBump).ExecContext(ctx, rec.Time.UnixMicro(), audit.AddSample(kept, sample), id); err != nil {
			return 0, fmt.Errorf("audit: write record: %w", err)
		}
		return id, tx.Commit()
	case !errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("audit: write record: %w", err)
	}
	if rec.ID, err = insert(ctx, tx, rec); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("audit: write record: %w", err)
	}
	audit.LogBegin(ctx, s.log, rec)
	return rec.ID, nil
}
