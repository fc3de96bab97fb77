package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/sessions"
)

var _ sessions.Store = (*Store)(nil)

const sessionColumns = `id, email, name, groups, role, csrf, created_at, seen_at, checked_at, source_ip, user_agent`

// SaveSession implements sessions.Store.
func (s *Store) SaveSession(ctx context.Context, ss sessions.Session) error {
	if err := s.check(); err != nil {
		return err
	}
	ss, err := sessions.Prepare(ss)
	if err != nil {
		return err
	}
	groups := ss.Groups
	if groups == nil {
		groups = []string{}
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO staff_sessions
		(id, email, email_key, name, groups, role, csrf, created_at, seen_at, checked_at, source_ip, user_agent)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
		ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, email_key = EXCLUDED.email_key,
			name = EXCLUDED.name, groups = EXCLUDED.groups, role = EXCLUDED.role, csrf = EXCLUDED.csrf,
			created_at = EXCLUDED.created_at, seen_at = EXCLUDED.seen_at, checked_at = EXCLUDED.checked_at,
			source_ip = EXCLUDED.source_ip, user_agent = EXCLUDED.user_agent`,
		ss.ID, ss.Email, sessions.EmailKey(ss.Email), ss.Name, groups, int(ss.Role), ss.CSRF,
		ss.Created, ss.Seen, ss.Checked, ss.SourceIP, ss.UserAgent)
	if err != nil {
		return fmt.Errorf("sessions: save: %w", err)
	}
	return nil
}

func scanSession(row pgx.Row) (sessions.Session, error) {
	var ss sessions.Session
	var role int
	err := row.Scan(&ss.ID, &ss.Email, &ss.Name, &ss.Groups, &role, &ss.CSRF, &ss.Created, &ss.Seen, &ss.Checked, &ss.SourceIP, &ss.UserAgent)
	ss.Role = access.Role(role)
	ss.Created, ss.Seen, ss.Checked = ss.Created.UTC(), ss.Seen.UTC(), ss.Checked.UTC()
	return ss, err
}

// Session implements sessions.Store.
func (s *Store) Session(ctx context.Context, id string) (sessions.Session, bool, error) {
	if err := s.check(); err != nil {
		return sessions.Session{}, false, err
	}
	ss, err := scanSession(s.pool.QueryRow(ctx, "SELECT "+sessionColumns+" FROM staff_sessions WHERE id = $1", id))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return sessions.Session{}, false, nil
	case err != nil:
		return sessions.Session{}, false, fmt.Errorf("sessions: read: %w", err)
	}
	return ss, true, nil
}

// TouchSession implements sessions.Store.
func (s *Store) TouchSession(ctx context.Context, id string, seen time.Time, ip string) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `UPDATE staff_sessions SET seen_at = $1, source_ip = $2 WHERE id = $3`, seen, ip, id); err != nil {
		return fmt.Errorf("sessions: touch: %w", err)
	}
	return nil
}

// DeleteSession implements sessions.Store.
func (s *Store) DeleteSession(ctx context.Context, id string) (bool, error) {
	if err := s.check(); err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM staff_sessions WHERE id = $1`, id)
	if err != nil {
		return false, fmt.Errorf("sessions: delete: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// DeleteSessionsOf implements sessions.Store.
func (s *Store) DeleteSessionsOf(ctx context.Context, email, except string) (int, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM staff_sessions WHERE email_key = $1 AND id <> $2`, sessions.EmailKey(email), except)
	if err != nil {
		return 0, fmt.Errorf("sessions: delete: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// ListSessions implements sessions.Store.
func (s *Store) ListSessions(ctx context.Context) ([]sessions.Session, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, "SELECT "+sessionColumns+" FROM staff_sessions ORDER BY seen_at DESC, id")
	if err != nil {
		return nil, fmt.Errorf("sessions: list: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (sessions.Session, error) { return scanSession(row) })
	if err != nil {
		return nil, fmt.Errorf("sessions: list: %w", err)
	}
	return out, nil
}

// DeleteSessionsBefore implements sessions.Store.
func (s *Store) DeleteSessionsBefore(ctx context.Context, seenBefore, createdBefore time.Time) (int, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM staff_sessions WHERE seen_at < $1 OR created_at < $2`, seenBefore, createdBefore)
	if err != nil {
		return 0, fmt.Errorf("sessions: sweep: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
