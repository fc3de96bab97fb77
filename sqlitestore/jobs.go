package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"onelogin-helpdesk/jobs"
)

var _ jobs.Store = (*Store)(nil)

// jobsMigration holds bulk jobs and their people (appended to migrations).
const jobsMigration = `CREATE TABLE jobs (
		id          TEXT PRIMARY KEY,
		kind        TEXT NOT NULL,
		actor_email TEXT NOT NULL DEFAULT '',
		actor_name  TEXT NOT NULL DEFAULT '',
		actor_role  TEXT NOT NULL DEFAULT '',
		source_ip   TEXT NOT NULL DEFAULT '',
		request_id  TEXT NOT NULL DEFAULT '',
		ticket      TEXT NOT NULL DEFAULT '',
		created_us  INTEGER NOT NULL,
		state       TEXT NOT NULL,
		ended_us    INTEGER NOT NULL DEFAULT 0,
		stopped_by  TEXT NOT NULL DEFAULT '',
		runs        INTEGER NOT NULL DEFAULT 0,
		owner       TEXT NOT NULL DEFAULT '',
		lease_us    INTEGER NOT NULL DEFAULT 0,
		wait        TEXT NOT NULL DEFAULT '',
		wait_us     INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX jobs_created ON jobs (created_us);
	CREATE TABLE job_items (
		job_id     TEXT NOT NULL REFERENCES jobs (id),
		seq        INTEGER NOT NULL,
		target_id  INTEGER NOT NULL,
		email      TEXT NOT NULL DEFAULT '',
		name       TEXT NOT NULL DEFAULT '',
		state      TEXT NOT NULL,
		message    TEXT NOT NULL DEFAULT '',
		updated_us INTEGER NOT NULL,
		PRIMARY KEY (job_id, seq)
	);
	CREATE INDEX job_items_state ON job_items (job_id, state, seq);`

// jobsAnywayMigration keeps, with each person of a job, whether the
// starter ticked "Unlock anyway" for their console lock.
const jobsAnywayMigration = `ALTER TABLE job_items ADD COLUMN unlock_anyway INTEGER NOT NULL DEFAULT 0;`

// us is t in microseconds, 0 for the zero time.
func us(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromUS is the inverse of us.
func fromUS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

const jobColumns = `id, kind, actor_email, actor_name, actor_role, source_ip, request_id, ticket,
	created_us, state, ended_us, stopped_by, runs, owner, lease_us, wait, wait_us`

func scanJob(sc scanner) (jobs.Job, error) {
	var (
		j                                       jobs.Job
		kind, state, wait                       string
		createdUS, endedUS, leaseUS, waitUntilU int64
	)
	err := sc.Scan(&j.ID, &kind, &j.Actor.Email, &j.Actor.Name, &j.Actor.Role, &j.SourceIP, &j.RequestID, &j.Ticket,
		&createdUS, &state, &endedUS, &j.StoppedBy, &j.Runs, &j.Owner, &leaseUS, &wait, &waitUntilU)
	if err != nil {
		return j, err
	}
	j.Kind, j.State, j.Wait = jobs.Kind(kind), jobs.State(state), jobs.Wait(wait)
	j.Created, j.Ended, j.LeaseUntil, j.WaitUntil = fromUS(createdUS), fromUS(endedUS), fromUS(leaseUS), fromUS(waitUntilU)
	return j, nil
}

// CreateJob implements jobs.Store.
func (s *Store) CreateJob(ctx context.Context, j jobs.Job, people []jobs.Item) error {
	if err := jobs.CheckNew(j, people); err != nil {
		return err
	}
	return s.jobTx(ctx, "create", func(tx *sql.Tx) error {
		if _, err := loadJob(ctx, s.wq.on(tx), j.ID); err == nil {
			return jobs.ErrExists
		} else if !errors.Is(err, jobs.ErrNotFound) {
			return err
		}
		created := us(j.Created)
		if _, err := tx.ExecContext(ctx, `INSERT INTO jobs
			(id, kind, actor_email, actor_name, actor_role, source_ip, request_id, ticket, created_us, state)
			VALUES (?,?,?,?,?,?,?,?,?,?)`,
			j.ID, string(j.Kind), j.Actor.Email, j.Actor.Name, j.Actor.Role, j.SourceIP, j.RequestID, j.Ticket,
			created, string(jobs.StateRunning)); err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO job_items (job_id, seq, target_id, email, name, unlock_anyway, state, updated_us)
			VALUES (?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for i, p := range people {
			if _, err := ins.ExecContext(ctx, j.ID, i+1, p.TargetID, p.Email, p.Name, p.UnlockAnyway, string(jobs.ItemPending), created); err != nil {
				return err
			}
		}
		return nil
	})
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// countsQuery counts the items of n jobs by state.
func countsQuery(n int) string {
	return `SELECT job_id, state, COUNT(*) FROM job_items
		WHERE job_id IN (` + strings.Repeat("?,", n-1) + `?) GROUP BY job_id, state`
}

// jobQuery reads a job's row.
const jobQuery = `SELECT ` + jobColumns + ` FROM jobs WHERE id = ?`

// withCounts fills in the counts of the jobs in js.
func withCounts(ctx context.Context, db querier, js []jobs.Job) error {
	if len(js) == 0 {
		return nil
	}
	args := make([]any, len(js))
	for i, j := range js {
		args[i] = j.ID
	}
	rows, err := db.QueryContext(ctx, countsQuery(len(js)), args...)
	cs, err := collect(rows, err, func(sc scanner) (c jobs.StateCount, err error) {
		return c, sc.Scan(&c.Job, &c.State, &c.N)
	})
	if err != nil {
		return err
	}
	jobs.SetCounts(js, cs)
	return nil
}

// loadJob reads a job's row, without its counts.
func loadJob(ctx context.Context, db querier, id string) (jobs.Job, error) {
	j, err := scanJob(db.QueryRowContext(ctx, jobQuery, id))
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.Job{}, jobs.ErrNotFound
	}
	return j, err
}

// job reads a job with its counts.
func job(ctx context.Context, db querier, id string) (jobs.Job, error) {
	j, err := loadJob(ctx, db, id)
	if err != nil {
		return jobs.Job{}, err
	}
	js := []jobs.Job{j}
	return js[0], withCounts(ctx, db, js)
}

// Job implements jobs.Store.
func (s *Store) Job(ctx context.Context, id string) (jobs.Job, error) {
	if err := s.check(); err != nil {
		return jobs.Job{}, err
	}
	j, err := job(ctx, s.rq.on(nil), id)
	if err != nil {
		return jobs.Job{}, jobs.StoreError("read "+id, err)
	}
	return j, nil
}

// Jobs implements jobs.Store.
func (s *Store) Jobs(ctx context.Context, limit int) ([]jobs.Job, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs ORDER BY created_us DESC, rowid DESC LIMIT ?`, max(limit, 0))
	out, err := collect(rows, err, scanJob)
	if err == nil {
		err = withCounts(ctx, s.rq.on(nil), out)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	return out, nil
}

const itemColumns = `seq, target_id, email, name, unlock_anyway, state, message, updated_us`

func scanItem(sc scanner) (jobs.Item, error) {
	var (
		it      jobs.Item
		state   string
		updated int64
	)
	err := sc.Scan(&it.Seq, &it.TargetID, &it.Email, &it.Name, &it.UnlockAnyway, &state, &it.Message, &updated)
	it.State, it.Updated = jobs.ItemState(state), fromUS(updated)
	return it, err
}

// Items implements jobs.Store.
func (s *Store) Items(ctx context.Context, id string) ([]jobs.Item, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+itemColumns+` FROM job_items WHERE job_id = ? ORDER BY seq`, id)
	out, err := collect(rows, err, scanItem)
	if err != nil {
		return nil, fmt.Errorf("jobs: people of %s: %w", id, err)
	}
	if len(out) == 0 {
		// Every job has people, so none means no job.
		return nil, jobs.ErrNotFound
	}
	return out, nil
}

// jobTx runs change in one write transaction; the writer's transactions
// take SQLite's write lock at once, so a read and the write that depends
// on it are one step.
func (s *Store) jobTx(ctx context.Context, what string, change func(tx *sql.Tx) error) error {
	if err := s.check(); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err == nil {
		defer tx.Rollback()
		err = change(tx)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return jobs.StoreError(what, err)
	}
	return nil
}

// Claim implements jobs.Store.
func (s *Store) Claim(ctx context.Context, owner string, now time.Time, ttl time.Duration) (j jobs.Job, ok bool, err error) {
	err = s.jobTx(ctx, "claim", func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM jobs
			WHERE state IN (?, ?) AND (owner = '' OR lease_us <= ?)
			ORDER BY created_us, rowid LIMIT 1`,
			string(jobs.StateRunning), string(jobs.StateStopping), now.UnixMicro()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET owner = ?, lease_us = ?, runs = runs + 1 WHERE id = ?`,
			owner, now.Add(ttl).UnixMicro(), id); err != nil {
			return err
		}
		ok = true
		j, err = job(ctx, s.wq.on(tx), id)
		return err
	})
	if err != nil || !ok {
		return jobs.Job{}, false, err
	}
	return j, true, nil
}

// leased runs change in a write transaction once the job's row says owner
// holds it (jobs.Job.HeldBy at now).
func (s *Store) leased(ctx context.Context, what, id, owner string, now time.Time, change func(tx *sql.Tx) error) error {
	return s.jobTx(ctx, what, func(tx *sql.Tx) error {
		j, err := loadJob(ctx, s.wq.on(tx), id)
		if err != nil {
			return err
		}
		if err := j.HeldBy(owner, now); err != nil {
			return err
		}
		return change(tx)
	})
}

// Renew implements jobs.Store.
func (s *Store) Renew(ctx context.Context, id, owner string, now time.Time, ttl time.Duration) error {
	return s.leased(ctx, "renew", id, owner, time.Time{}, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET lease_us = ? WHERE id = ?`, now.Add(ttl).UnixMicro(), id)
		return err
	})
}

// Release implements jobs.Store.
func (s *Store) Release(ctx context.Context, id, owner string) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE jobs SET lease_us = 0, wait = '', wait_us = 0 WHERE id = ? AND owner = ?`, id, owner); err != nil {
		return fmt.Errorf("jobs: release: %w", err)
	}
	return nil
}

// Next implements jobs.Store.
func (s *Store) Next(ctx context.Context, id string) (jobs.Item, bool, error) {
	if err := s.check(); err != nil {
		return jobs.Item{}, false, err
	}
	it, err := scanItem(s.w.QueryRowContext(ctx, `SELECT `+itemColumns+` FROM job_items
		WHERE job_id = ? AND state = ? ORDER BY seq LIMIT 1`, id, string(jobs.ItemPending)))
	if errors.Is(err, sql.ErrNoRows) {
		_, err = loadJob(ctx, s.wq.on(nil), id)
		if err == nil {
			return jobs.Item{}, false, nil
		}
	}
	if err != nil {
		return jobs.Item{}, false, jobs.StoreError("next of "+id, err)
	}
	return it, true, nil
}

// moveItem changes one item from one state to another inside tx.
func moveItem(ctx context.Context, tx *sql.Tx, id string, seq int, from, to jobs.ItemState, message string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE job_items SET state = ?, message = ?, updated_us = ?
		WHERE job_id = ? AND seq = ? AND state = ?`, string(to), message, now.UnixMicro(), id, seq, string(from))
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return jobs.ErrItemState
	}
	return nil
}

// StartItem implements jobs.Store.
func (s *Store) StartItem(ctx context.Context, id string, seq int, owner string, now time.Time) error {
	return s.leased(ctx, "start a person", id, owner, now, func(tx *sql.Tx) error {
		return moveItem(ctx, tx, id, seq, jobs.ItemPending, jobs.ItemWorking, "", now)
	})
}

// FinishItem implements jobs.Store.
func (s *Store) FinishItem(ctx context.Context, id string, seq int, owner string, state jobs.ItemState, message string, now time.Time) error {
	if err := jobs.CheckOutcome(state); err != nil {
		return err
	}
	return s.leased(ctx, "record a person's outcome", id, owner, time.Time{}, func(tx *sql.Tx) error {
		return moveItem(ctx, tx, id, seq, jobs.ItemWorking, state, message, now)
	})
}

// SetWait implements jobs.Store.
func (s *Store) SetWait(ctx context.Context, id, owner string, why jobs.Wait, until time.Time) error {
	if why == "" {
		until = time.Time{}
	}
	return s.leased(ctx, "set the wait", id, owner, time.Time{}, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET wait = ?, wait_us = ? WHERE id = ?`, string(why), us(until), id)
		return err
	})
}

// RequestStop implements jobs.Store.
func (s *Store) RequestStop(ctx context.Context, id, by string, _ time.Time) error {
	return s.jobTx(ctx, "stop", func(tx *sql.Tx) error {
		j, err := loadJob(ctx, s.wq.on(tx), id)
		if err != nil {
			return err
		}
		if stop, err := jobs.Stop(j.State); !stop {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET state = ?, stopped_by = ? WHERE id = ?`,
			string(jobs.StateStopping), by, id)
		return err
	})
}

// End implements jobs.Store.
func (s *Store) End(ctx context.Context, id, owner string, state jobs.State, now time.Time) error {
	if err := jobs.CheckEnd(state); err != nil {
		return err
	}
	return s.leased(ctx, "end", id, owner, time.Time{}, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE job_items SET state = ?, updated_us = ? WHERE job_id = ? AND state = ?`,
			string(jobs.ItemNotDone), now.UnixMicro(), id, string(jobs.ItemPending)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, ended_us = ?, lease_us = 0, wait = '', wait_us = 0 WHERE id = ?`,
			string(state), now.UnixMicro(), id)
		return err
	})
}
