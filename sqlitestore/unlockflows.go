package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"onelogin-helpdesk/selfunlock"
)

// unlockFlowsMigration holds the public unlock page's flows, sealed by
// selfunlock.SealedStore (appended to migrations).
const unlockFlowsMigration = `CREATE TABLE unlock_flows (
	id         TEXT PRIMARY KEY,
	blob       BLOB NOT NULL,
	expires_us INTEGER NOT NULL,
	version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX unlock_flows_expires ON unlock_flows (expires_us);`

var _ selfunlock.FlowBlobs = (*Store)(nil)

// AddUnlockFlow implements selfunlock.FlowBlobs; the writer's transaction
// counts and adds at once.
func (s *Store) AddUnlockFlow(ctx context.Context, id string, blob []byte, expires time.Time, max int, now time.Time) (bool, error) {
	if err := s.check(); err != nil {
		return false, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("unlock flows: %w", err)
	}
	defer tx.Rollback()
	var live int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM unlock_flows WHERE expires_us > ?`, now.UnixMicro()).Scan(&live); err != nil {
		return false, fmt.Errorf("unlock flows: %w", err)
	}
	if live >= max {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO unlock_flows (id, blob, expires_us) VALUES (?, ?, ?)`, id, blob, expires.UnixMicro()); err != nil {
		return false, fmt.Errorf("unlock flows: %w", err)
	}
	return true, tx.Commit()
}

// UnlockFlow implements selfunlock.FlowBlobs.
func (s *Store) UnlockFlow(ctx context.Context, id string, now time.Time) ([]byte, int64, bool, error) {
	if err := s.check(); err != nil {
		return nil, 0, false, err
	}
	var blob []byte
	var version int64
	err := s.r.QueryRowContext(ctx, `SELECT blob, version FROM unlock_flows WHERE id = ? AND expires_us > ?`, id, now.UnixMicro()).Scan(&blob, &version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, 0, false, nil
	case err != nil:
		return nil, 0, false, fmt.Errorf("unlock flows: %w", err)
	}
	return blob, version, true, nil
}

// PutUnlockFlow implements selfunlock.FlowBlobs.
func (s *Store) PutUnlockFlow(ctx context.Context, id string, blob []byte, version int64) (bool, error) {
	if err := s.check(); err != nil {
		return false, err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE unlock_flows SET blob = ?, version = version + 1 WHERE id = ? AND version = ?`, blob, id, version)
	if err != nil {
		return false, fmt.Errorf("unlock flows: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteUnlockFlow implements selfunlock.FlowBlobs.
func (s *Store) DeleteUnlockFlow(ctx context.Context, id string) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM unlock_flows WHERE id = ?`, id); err != nil {
		return fmt.Errorf("unlock flows: %w", err)
	}
	return nil
}

// SweepUnlockFlows implements selfunlock.FlowBlobs.
func (s *Store) SweepUnlockFlows(ctx context.Context, now time.Time) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM unlock_flows WHERE expires_us <= ?`, now.UnixMicro()); err != nil {
		return fmt.Errorf("unlock flows: %w", err)
	}
	return nil
}
