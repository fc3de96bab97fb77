package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"onelogin-helpdesk/selfunlock"
)

var _ selfunlock.FlowBlobs = (*Store)(nil)

// AddUnlockFlow implements selfunlock.FlowBlobs. The count and the insert
// are one statement; replicas adding at the same moment may pass max by a
// few, which only bounds the table the less tightly.
func (s *Store) AddUnlockFlow(ctx context.Context, id string, blob []byte, expires time.Time, max int, now time.Time) (bool, error) {
	if err := s.check(); err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO unlock_flows (id, blob, expires)
		SELECT $1, $2, $3 WHERE (SELECT count(*) FROM unlock_flows WHERE expires > $4) < $5`, id, blob, expires, now, max)
	if err != nil {
		return false, fmt.Errorf("unlock flows: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// UnlockFlow implements selfunlock.FlowBlobs.
func (s *Store) UnlockFlow(ctx context.Context, id string, now time.Time) ([]byte, int64, bool, error) {
	if err := s.check(); err != nil {
		return nil, 0, false, err
	}
	var blob []byte
	var version int64
	err := s.pool.QueryRow(ctx, `SELECT blob, version FROM unlock_flows WHERE id = $1 AND expires > $2`, id, now).Scan(&blob, &version)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
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
	tag, err := s.pool.Exec(ctx, `UPDATE unlock_flows SET blob = $1, version = version + 1 WHERE id = $2 AND version = $3`, blob, id, version)
	if err != nil {
		return false, fmt.Errorf("unlock flows: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteUnlockFlow implements selfunlock.FlowBlobs.
func (s *Store) DeleteUnlockFlow(ctx context.Context, id string) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM unlock_flows WHERE id = $1`, id); err != nil {
		return fmt.Errorf("unlock flows: %w", err)
	}
	return nil
}

// SweepUnlockFlows implements selfunlock.FlowBlobs.
func (s *Store) SweepUnlockFlows(ctx context.Context, now time.Time) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM unlock_flows WHERE expires <= $1`, now); err != nil {
		return fmt.Errorf("unlock flows: %w", err)
	}
	return nil
}
