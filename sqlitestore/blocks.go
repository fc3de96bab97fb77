package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"onelogin-helpdesk/sessions"
)

// blocksMigration keeps the console blocks of proxy mode (sessions.Blocks),
// one row per person.
const blocksMigration = `CREATE TABLE staff_blocks (
		email_key TEXT PRIMARY KEY,
		email     TEXT NOT NULL,
		until_us  INTEGER NOT NULL,
		by_email  TEXT NOT NULL DEFAULT '',
		at_us     INTEGER NOT NULL
	);`

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
	_, err = s.w.ExecContext(ctx, `INSERT OR REPLACE INTO staff_blocks (email_key, email, until_us, by_email, at_us) VALUES (?,?,?,?,?)`,
		sessions.EmailKey(b.Email), b.Email, us(b.Until), b.By, us(b.At))
	if err != nil {
		return fmt.Errorf("sessions: save block: %w", err)
	}
	return nil
}

const blockColumns = `email, until_us, by_email, at_us`

func scanBlock(sc scanner) (sessions.Block, error) {
	var b sessions.Block
	var until, at int64
	err := sc.Scan(&b.Email, &until, &b.By, &at)
	b.Until, b.At = time.UnixMicro(until).UTC(), time.UnixMicro(at).UTC()
	return b, err
}

// BlockOf implements sessions.Blocks.
func (s *Store) BlockOf(ctx context.Context, email string, now time.Time) (sessions.Block, bool, error) {
	if err := s.check(); err != nil {
		return sessions.Block{}, false, err
	}
	b, err := scanBlock(s.r.QueryRowContext(ctx, "SELECT "+blockColumns+" FROM staff_blocks WHERE email_key = ? AND until_us > ?",
		sessions.EmailKey(email), us(now)))
	if errors.Is(err, sql.ErrNoRows) {
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
	res, err := s.w.ExecContext(ctx, "DELETE FROM staff_blocks WHERE email_key = ?", sessions.EmailKey(email))
	if err != nil {
		return false, fmt.Errorf("sessions: lift block: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ListBlocks implements sessions.Blocks.
func (s *Store) ListBlocks(ctx context.Context, now time.Time) ([]sessions.Block, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, "SELECT "+blockColumns+" FROM staff_blocks WHERE until_us > ? ORDER BY at_us DESC", us(now))
	out, err := collect(rows, err, scanBlock)
	if err != nil {
		return nil, fmt.Errorf("sessions: list blocks: %w", err)
	}
	return out, nil
}
