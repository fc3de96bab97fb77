package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/sessions"
)

// sessionsMigration adds the staff sessions (package sessions).
const sessionsMigration = `CREATE TABLE staff_sessions (
		id          TEXT PRIMARY KEY,
		email       TEXT NOT NULL,
		email_key   TEXT NOT NULL,
		name        TEXT NOT NULL DEFAULT '',
		groups_json TEXT NOT NULL DEFAULT '[]',
		role        INTEGER NOT NULL,
		csrf        TEXT NOT NULL DEFAULT '',
		created_us  INTEGER NOT NULL,
		seen_us     INTEGER NOT NULL,
		checked_us  INTEGER NOT NULL,
		source_ip   TEXT NOT NULL DEFAULT '',
		user_agent  TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX staff_sessions_email ON staff_sessions (email_key);
	CREATE INDEX staff_sessions_seen  ON staff_sessions (seen_us);`

const sessionColumns = `id, email, name, groups_json, role, csrf, created_us, seen_us, checked_us, source_ip, user_agent`

// SaveSession implements sessions.Store.
func (s *Store) SaveSession(ctx context.Context, ss sessions.Session) error {
	if err := s.check(); err != nil {
		return err
	}
	ss, err := sessions.Prepare(ss)
	if err != nil {
		return err
	}
	groups, _ := json.Marshal(ss.Groups) // []string: cannot fail
	_, err = s.w.ExecContext(ctx, `INSERT OR REPLACE INTO staff_sessions
		(id, email, email_key, name, groups_json, role, csrf, created_us, seen_us, checked_us, source_ip, user_agent)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		ss.ID, ss.Email, sessions.EmailKey(ss.Email), ss.Name, string(groups), int(ss.Role), ss.CSRF,
		us(ss.Created), us(ss.Seen), us(ss.Checked), ss.SourceIP, ss.UserAgent)
	if err != nil {
		return fmt.Errorf("sessions: save: %w", err)
	}
	return nil
}

func scanSession(sc scanner) (sessions.Session, error) {
	var (
		ss                     sessions.Session
		groups                 string
		role                   int
		created, seen, checked int64
	)
	if err := sc.Scan(&ss.ID, &ss.Email, &ss.Name, &groups, &role, &ss.CSRF, &created, &seen, &checked, &ss.SourceIP, &ss.UserAgent); err != nil {
		return ss, err
	}
	ss.Role = access.Role(role)
	ss.Created, ss.Seen, ss.Checked = time.UnixMicro(created).UTC(), time.UnixMicro(seen).UTC(), time.UnixMicro(checked).UTC()
	if err := json.Unmarshal([]byte(groups), &ss.Groups); err != nil {
		return ss, fmt.Errorf("session groups: %w", err)
	}
	return ss, nil
}

// Session implements sessions.Store. Each read is its own transaction, so
// it sees a sign-out committed a moment before.
func (s *Store) Session(ctx context.Context, id string) (sessions.Session, bool, error) {
	if err := s.check(); err != nil {
		return sessions.Session{}, false, err
	}
	ss, err := scanSession(s.r.QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM staff_sessions WHERE id = ?", id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
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
	if _, err := s.w.ExecContext(ctx, `UPDATE staff_sessions SET seen_us = ?, source_ip = ? WHERE id = ?`, us(seen), ip, id); err != nil {
		return fmt.Errorf("sessions: touch: %w", err)
	}
	return nil
}

// DeleteSession implements sessions.Store.
func (s *Store) DeleteSession(ctx context.Context, id string) (bool, error) {
	if err := s.check(); err != nil {
		return false, err
	}
	res, err := s.w.ExecContext(ctx, `DELETE FROM staff_sessions WHERE id = ?`, id)
	if err != nil {
		return false, fmt.Errorf("sessions: delete: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// DeleteSessionsOf implements sessions.Store.
func (s *Store) DeleteSessionsOf(ctx context.Context, email, except string) (int, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	res, err := s.w.ExecContext(ctx, `DELETE FROM staff_sessions WHERE email_key = ? AND id <> ?`, sessions.EmailKey(email), except)
	if err != nil {
		return 0, fmt.Errorf("sessions: delete: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ListSessions implements sessions.Store.
func (s *Store) ListSessions(ctx context.Context) ([]sessions.Session, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, "SELECT "+sessionColumns+" FROM staff_sessions ORDER BY seen_us DESC, id")
	out, err := collect(rows, err, scanSession)
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
	res, err := s.w.ExecContext(ctx, `DELETE FROM staff_sessions WHERE seen_us < ? OR created_us < ?`, us(seenBefore), us(createdBefore))
	if err != nil {
		return 0, fmt.Errorf("sessions: sweep: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
