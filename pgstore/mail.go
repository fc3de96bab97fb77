package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"onelogin-helpdesk/notify"
)

var _ notify.Store = (*Store)(nil)

const mailColumns = `id, audit_id, user_id, kind, recipient, subject, body, created, state, attempts,
	next_at, owner, lease_until, last_error, ended`

func scanMail(row pgx.Row) (notify.Mail, error) {
	var (
		m            notify.Mail
		kind, state  string
		lease, ended *time.Time
	)
	err := row.Scan(&m.ID, &m.AuditID, &m.UserID, &kind, &m.To, &m.Subject, &m.Body, &m.Created, &state, &m.Attempts,
		&m.Next, &m.Owner, &lease, &m.LastError, &ended)
	m.Kind, m.State = notify.Kind(kind), notify.State(state)
	m.Created, m.Next, m.LeaseUntil, m.Ended = m.Created.UTC(), m.Next.UTC(), orZero(lease), orZero(ended)
	return m, err
}

// EnqueueMail implements notify.Store.
func (s *Store) EnqueueMail(ctx context.Context, m notify.Mail) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	if err := notify.CheckMail(m); err != nil {
		return 0, err
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO mail_queue
		(audit_id, user_id, kind, recipient, subject, body, created, state, next_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $7) RETURNING id`,
		m.AuditID, m.UserID, string(m.Kind), m.To, m.Subject, m.Body, m.Created).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("mail: queue: %w", err)
	}
	return id, nil
}

// ClaimMail implements notify.Store: one UPDATE whose subquery takes the
// row FOR UPDATE SKIP LOCKED, so replicas claiming together take different
// mails. The times are the caller's clock, never the database's.
func (s *Store) ClaimMail(ctx context.Context, owner string, now time.Time, ttl time.Duration) (notify.Mail, bool, error) {
	if err := s.check(); err != nil {
		return notify.Mail{}, false, err
	}
	m, err := scanMail(s.pool.QueryRow(ctx, `UPDATE mail_queue
		SET state = 'sending', owner = $1, lease_until = $3, attempts = attempts + 1
		WHERE id = (SELECT id FROM mail_queue
			WHERE state IN ('pending', 'sending') AND next_at <= $2
				AND (state = 'pending' OR lease_until <= $2)
			ORDER BY next_at, id LIMIT 1
			FOR UPDATE SKIP LOCKED)
		RETURNING `+mailColumns, owner, now, now.Add(ttl)))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return notify.Mail{}, false, nil
	case err != nil:
		return notify.Mail{}, false, fmt.Errorf("mail: claim: %w", err)
	}
	return m, true, nil
}

// MailSent implements notify.Store.
func (s *Store) MailSent(ctx context.Context, id int64, owner string, now time.Time) error {
	return s.settleMail(ctx, id, owner, `state = 'sent', ended = $3`, now)
}

// MailFailed implements notify.Store.
func (s *Store) MailFailed(ctx context.Context, id int64, owner string, now time.Time, lastError string) error {
	return s.settleMail(ctx, id, owner, `state = 'failed', ended = $3, last_error = $4`,
		now, notify.Truncate(lastError, notify.MaxErrorLen))
}

// MailRetry implements notify.Store.
func (s *Store) MailRetry(ctx context.Context, id int64, owner string, next time.Time, lastError string) error {
	return s.settleMail(ctx, id, owner, `state = 'pending', next_at = $3, last_error = $4`,
		next, notify.Truncate(lastError, notify.MaxErrorLen))
}

// settleMail applies set ($3 on) to a mail owner holds and gives up the
// lease.
func (s *Store) settleMail(ctx context.Context, id int64, owner, set string, args ...any) error {
	if err := s.check(); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE mail_queue SET `+set+`, owner = '', lease_until = NULL
		WHERE id = $1 AND state = 'sending' AND owner = $2`, append([]any{id, owner}, args...)...)
	if err != nil {
		return fmt.Errorf("mail: update %d: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mail_queue WHERE id = $1)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("mail: update %d: %w", id, err)
	}
	return notify.NotHeld(id, exists)
}

// Mails implements notify.Store.
func (s *Store) Mails(ctx context.Context, f notify.Filter) ([]notify.Mail, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+mailColumns+` FROM mail_queue
		WHERE ($1 = '' OR state = $1) AND ($2 = 0 OR audit_id = $2)
		ORDER BY id DESC LIMIT $3`, string(f.State), f.AuditID, f.PageSize())
	if err != nil {
		return nil, fmt.Errorf("mail: list: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (notify.Mail, error) { return scanMail(r) })
	if err != nil {
		return nil, fmt.Errorf("mail: list: %w", err)
	}
	return out, nil
}

// MailCounts implements notify.Store.
func (s *Store) MailCounts(ctx context.Context) (notify.Counts, error) {
	var c notify.Counts
	if err := s.check(); err != nil {
		return c, err
	}
	err := s.pool.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'sending'),
		count(*) FILTER (WHERE state = 'sent'), count(*) FILTER (WHERE state = 'failed')
		FROM mail_queue`).Scan(&c.Pending, &c.Sending, &c.Sent, &c.Failed)
	if err != nil {
		return c, fmt.Errorf("mail: count: %w", err)
	}
	return c, nil
}

// PruneMails implements notify.Store.
func (s *Store) PruneMails(ctx context.Context, before time.Time) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM mail_queue WHERE state IN ('sent', 'failed') AND ended < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("mail: prune: %w", err)
	}
	return tag.RowsAffected(), nil
}
