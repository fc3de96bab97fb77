package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"onelogin-helpdesk/sessions"
)

var _ sessions.Blocks = (*Store)(nil)

// SaveBlock implements sessions.Blocks.
func (s *Store) SaveBlock(ctx context.Context, b sessions.Block) error {
	if err := s.check(); err != nil {
		return err
	}
	b, err := sessions.PrepareBlock(b)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO staff_blocks (email_key, email, until_at, by_email, at) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (email_key) DO UPDATE SET email = EXCLUDED.email, until_at = EXCLUDED.until_at,
			by_email = EXCLUDED.by_email, at = EXCLUDED.at`,
		sessions.EmailKey(b.Email), b.Email, b.Until, b.By, b.At)
	if err != nil {
		return fmt.Errorf("sessions: save block: %w", err)
	}
	return nil
}

const blockColumns = `email, until_at, by_email, at`

func scanBlock(row pgx.Row) (sessions.Block, error) {
	var b sessions.Block
	err := row.Scan(&b.Email, &b.Until, &b.By, &b.At)
	b.Until, b.At = b.Until.UTC(), b.At.UTC()
	return b, err
}

// BlockOf implements sessions.Blocks.
func (s *Store) BlockOf(ctx context.Context, email string, now time.Time) (sessions.Block, bool, error) {
	if err := s.check(); err != nil {
		return sessions.Block{}, false, err
	}
	b, err := scanBlock(s.pool.QueryRow(ctx, "SELECT "+blockColumns+" FROM staff_blocks WHERE email_key = $1 AND until_at > $2",
		sessions.EmailKey(email), now))
	if errors.Is(err, pgx.ErrNoRows) {
		return sessions.Block{}, false, nil
	}
	if err != nil {
		return sessions.Block{}, false, fmt.Errorf("sessions: read block: %w", err)
	}
	return b, true, nil
}

// DeleteBlock implements sessions.Blocks.
func (s *Store) DeleteBlock(ctx context.Context, email string) (bool, error) {
	if err := s.check(); err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, "DELETE FROM staff_blocks WHERE email_key = $1", sessions.EmailKey(email))
	if err != nil {
		return false, fmt.Errorf("sessions: lift block: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// ListBlocks implements sessions.Blocks.
func (s *Store) ListBlocks(ctx context.Context, now time.Time) ([]sessions.Block, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, "SELECT "+blockColumns+" FROM staff_blocks WHERE until_at > $1 ORDER BY at DESC", now)
	if err != nil {
		return nil, fmt.Errorf("sessions: list blocks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sessions.Block, error) { return scanBlock(r) })
	if err != nil {
		return nil, fmt.Errorf("sessions: list blocks: %w", err)
	}
	return out, nil
}
