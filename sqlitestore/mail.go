package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"onelogin-helpdesk/notify"
)

var _ notify.Store = (*Store)(nil)

// mailMigration holds the queue of mails that tell people of changes to
// their account (appended to migrations).
const mailMigration = `CREATE TABLE mail_queue (
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		audit_id   INTEGER NOT NULL DEFAULT 0,
		user_id    INTEGER NOT NULL DEFAULT 0,
		kind       TEXT NOT NULL,
		recipient  TEXT NOT NULL,
		subject    TEXT NOT NULL,
		body       TEXT NOT NULL,
		created_us INTEGER NOT NULL,
		state      TEXT NOT NULL,
		attempts   INTEGER NOT NULL DEFAULT 0,
		next_us    INTEGER NOT NULL,
		owner      TEXT NOT NULL DEFAULT '',
		lease_us   INTEGER NOT NULL DEFAULT 0,
		last_error TEXT NOT NULL DEFAULT '',
		ended_us   INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX mail_queue_due   ON mail_queue (state, next_us, id);
	CREATE INDEX mail_queue_audit ON mail_queue (audit_id) WHERE audit_id <> 0;`

const mailColumns = `id, audit_id, user_id, kind, recipient, subject, body, created_us, state, attempts,
	next_us, owner, lease_us, last_error, ended_us`

func scanMail(sc scanner) (notify.Mail, error) {
	var (
		m                                   notify.Mail
		kind, state                         string
		createdUS, nextUS, leaseUS, endedUS int64
	)
	err := sc.Scan(&m.ID, &m.AuditID, &m.UserID, &kind, &m.To, &m.Subject, &m.Body, &createdUS, &state, &m.Attempts,
		&nextUS, &m.Owner, &leaseUS, &m.LastError, &endedUS)
	m.Kind, m.State = notify.Kind(kind), notify.State(state)
	m.Created, m.Next, m.LeaseUntil, m.Ended = fromUS(createdUS), fromUS(nextUS), fromUS(leaseUS), fromUS(endedUS)
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
	res, err := s.w.ExecContext(ctx, `INSERT INTO mail_queue
		(audit_id, user_id, kind, recipient, subject, body, created_us, state, next_us)
		VALUES (?,?,?,?,?,?,?,?,?)`,
		m.AuditID, m.UserID, string(m.Kind), m.To, m.Subject, m.Body, us(m.Created), string(notify.StatePending), us(m.Created))
	if err != nil {
		return 0, fmt.Errorf("mail: queue: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("mail: queue: %w", err)
	}
	return id, nil
}

// ClaimMail implements notify.Store. The one writer connection makes the
// UPDATE ... RETURNING atomic against other couriers of this process.
func (s *Store) ClaimMail(ctx context.Context, owner string, now time.Time, ttl time.Duration) (notify.Mail, bool, error) {
	if err := s.check(); err != nil {
		return notify.Mail{}, false, err
	}
	m, err := scanMail(s.w.QueryRowContext(ctx, `UPDATE mail_queue
		SET state = 'sending', owner = ?, lease_us = ?, attempts = attempts + 1
		WHERE id = (SELECT id FROM mail_queue
			WHERE (state = 'pending' AND next_us <= ?) OR (state = 'sending' AND lease_us <= ?)
			ORDER BY next_us, id LIMIT 1)
		RETURNING `+mailColumns, owner, us(now.Add(ttl)), us(now), us(now)))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return notify.Mail{}, false, nil
	case err != nil:
		return notify.Mail{}, false, fmt.Errorf("mail: claim: %w", err)
	}
	return m, true, nil
}

// MailSent implements notify.Store.
func (s *Store) MailSent(ctx context.Context, id int64, owner string, now time.Time) error {
	return s.settleMail(ctx, id, owner, `state = 'sent', ended_us = ?`, us(now))
}

// MailFailed implements notify.Store.
func (s *Store) MailFailed(ctx context.Context, id int64, owner string, now time.Time, lastError string) error {
	return s.settleMail(ctx, id, owner, `state = 'failed', ended_us = ?, last_error = ?`,
		us(now), notify.Truncate(lastError, notify.MaxErrorLen))
}

// MailRetry implements notify.Store.
func (s *Store) MailRetry(ctx context.Context, id int64, owner string, next time.Time, lastError string) error {
	return s.settleMail(ctx, id, owner, `state = 'pending', next_us = ?, last_error = ?`,
		us(next), notify.Truncate(lastError, notify.MaxErrorLen))
}

// settleMail applies set to a mail owner holds and gives up the lease.
func (s *Store) settleMail(ctx context.Context, id int64, owner, set string, args ...any) error {
	if err := s.check(); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE mail_queue SET `+set+`, owner = '', lease_us = 0
		WHERE id = ? AND state = 'sending' AND owner = ?`, append(args, id, owner)...)
	if err != nil {
		return fmt.Errorf("mail: update %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("mail: update %d: %w", id, err)
	} else if n == 1 {
		return nil
	}
	var one int
	err = s.w.QueryRowContext(ctx, `SELECT 1 FROM mail_queue WHERE id = ?`, id).Scan(&one)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("mail: update %d: %w", id, err)
	}
	return notify.NotHeld(id, err == nil)
}

// Mails implements notify.Store.
func (s *Store) Mails(ctx context.Context, f notify.Filter) ([]notify.Mail, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+mailColumns+` FROM mail_queue
		WHERE (? = '' OR state = ?) AND (? = 0 OR audit_id = ?)
		ORDER BY id DESC LIMIT ?`, string(f.State), string(f.State), f.AuditID, f.AuditID, f.PageSize())
	out, err := collect(rows, err, scanMail)
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
	err := s.r.QueryRowContext(ctx, `SELECT
		COUNT(*) FILTER (WHERE state = 'pending'), COUNT(*) FILTER (WHERE state = 'sending'),
		COUNT(*) FILTER (WHERE state = 'sent'), COUNT(*) FILTER (WHERE state = 'failed')
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
	res, err := s.w.ExecContext(ctx, `DELETE FROM mail_queue WHERE state IN ('sent', 'failed') AND ended_us < ?`, us(before))
	if err != nil {
		return 0, fmt.Errorf("mail: prune: %w", err)
	}
	return res.RowsAffected()
}
