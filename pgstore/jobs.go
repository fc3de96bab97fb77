package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"onelogin-helpdesk/jobs"
)

var _ jobs.Store = (*Store)(nil)

// unfinished is the condition on jobs a runner works on; the partial index
// jobs_unfinished (migration 0003) is on the same literal states, so it is
// spelled out rather than passed as parameters.
const unfinished = `state IN ('` + string(jobs.StateRunning) + `', '` + string(jobs.StateStopping) + `')`

const jobColumns = `id, kind, actor_email, actor_name, actor_role, source_ip, request_id, ticket,
	created, state, ended, stopped_by, runs, owner, lease_until, wait, wait_until`

// orZero is t in UTC, or the zero time for NULL.
func orZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// orNull is t, or NULL for the zero time.
func orNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func scanJob(row pgx.Row) (jobs.Job, error) {
	var (
		j                        jobs.Job
		kind, state, wait        string
		ended, lease, waitUntilT *time.Time
	)
	err := row.Scan(&j.ID, &kind, &j.Actor.Email, &j.Actor.Name, &j.Actor.Role, &j.SourceIP, &j.RequestID, &j.Ticket,
		&j.Created, &state, &ended, &j.StoppedBy, &j.Runs, &j.Owner, &lease, &wait, &waitUntilT)
	if err != nil {
		return j, err
	}
	j.Kind, j.State, j.Wait = jobs.Kind(kind), jobs.State(state), jobs.Wait(wait)
	j.Created, j.Ended, j.LeaseUntil, j.WaitUntil = j.Created.UTC(), orZero(ended), orZero(lease), orZero(waitUntilT)
	return j, nil
}

// CreateJob implements jobs.Store. The job and its people are one
// transaction: a job is never seen without them.
func (s *Store) CreateJob(ctx context.Context, j jobs.Job, people []jobs.Item) error {
	if err := jobs.CheckNew(j, people); err != nil {
		return err
	}
	targets := make([]int64, len(people))
	emails := make([]string, len(people))
	names := make([]string, len(people))
	anyway := make([]bool, len(people))
	for i, p := range people {
		targets[i], emails[i], names[i], anyway[i] = p.TargetID, p.Email, p.Name, p.UnlockAnyway
	}
	return s.jobTx(ctx, "create", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO jobs
			(id, kind, actor_email, actor_name, actor_role, source_ip, request_id, ticket, created, state)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (id) DO NOTHING`,
			j.ID, string(j.Kind), j.Actor.Email, j.Actor.Name, j.Actor.Role, j.SourceIP, j.RequestID, j.Ticket,
			j.Created, string(jobs.StateRunning))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return jobs.ErrExists
		}
		// The people are numbered 1..n in the order given.
		_, err = tx.Exec(ctx, `INSERT INTO job_items (job_id, seq, target_id, email, name, unlock_anyway, state, updated)
			SELECT $1, p.seq, p.target_id, p.email, p.name, p.anyway, $6, $7
			FROM unnest($2::bigint[], $3::text[], $4::text[], $5::boolean[]) WITH ORDINALITY AS p (target_id, email, name, anyway, seq)`,
			j.ID, targets, emails, names, anyway, string(jobs.ItemPending), j.Created)
		return err
	})
}

// jobQuerier is the pool or a transaction.
type jobQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// withCounts fills in the counts of the jobs in js.
func withCounts(ctx context.Context, db jobQuerier, js []jobs.Job) error {
	if len(js) == 0 {
		return nil
	}
	ids := make([]string, len(js))
	for i, j := range js {
		ids[i] = j.ID
	}
	rows, err := db.Query(ctx, `SELECT job_id, state, count(*) FROM job_items
		WHERE job_id = ANY($1) GROUP BY job_id, state`, ids)
	if err != nil {
		return err
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[jobs.StateCount])
	if err != nil {
		return err
	}
	jobs.SetCounts(js, cs)
	return nil
}

// loadJob reads a job's row, without its counts; lock takes the row FOR
// UPDATE, so no other replica changes the job until tx ends.
func loadJob(ctx context.Context, db jobQuerier, id string, lock bool) (jobs.Job, error) {
	q := `SELECT ` + jobColumns + ` FROM jobs WHERE id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	j, err := scanJob(db.QueryRow(ctx, q, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return jobs.Job{}, jobs.ErrNotFound
	}
	return j, err
}

// Job implements jobs.Store.
func (s *Store) Job(ctx context.Context, id string) (jobs.Job, error) {
	if err := s.check(); err != nil {
		return jobs.Job{}, err
	}
	j, err := loadJob(ctx, s.pool, id, false)
	js := []jobs.Job{j}
	if err == nil {
		err = withCounts(ctx, s.pool, js)
	}
	if err != nil {
		return jobs.Job{}, jobs.StoreError("read "+id, err)
	}
	return js[0], nil
}

// Jobs implements jobs.Store.
func (s *Store) Jobs(ctx context.Context, limit int) ([]jobs.Job, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+jobColumns+` FROM jobs ORDER BY created DESC, created_seq DESC LIMIT $1`, max(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (jobs.Job, error) { return scanJob(row) })
	if err == nil {
		err = withCounts(ctx, s.pool, out)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	return out, nil
}

const itemColumns = `seq, target_id, email, name, unlock_anyway, state, message, updated`

func scanItem(row pgx.Row) (jobs.Item, error) {
	var (
		it    jobs.Item
		state string
	)
	err := row.Scan(&it.Seq, &it.TargetID, &it.Email, &it.Name, &it.UnlockAnyway, &state, &it.Message, &it.Updated)
	it.State, it.Updated = jobs.ItemState(state), it.Updated.UTC()
	return it, err
}

// Items implements jobs.Store.
func (s *Store) Items(ctx context.Context, id string) ([]jobs.Item, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+itemColumns+` FROM job_items WHERE job_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("jobs: people of %s: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (jobs.Item, error) { return scanItem(row) })
	if err != nil {
		return nil, fmt.Errorf("jobs: people of %s: %w", id, err)
	}
	if len(out) == 0 {
		// Every job has people, so none means no job.
		return nil, jobs.ErrNotFound
	}
	return out, nil
}

// Claim implements jobs.Store. One statement picks and leases the job: FOR
// UPDATE SKIP LOCKED makes a replica claiming at the same moment pass over
// the row this one is taking, and a row another replica claimed and
// committed in between is checked again against the lease condition (READ
// COMMITTED re-reads a locked row's newest version), so two replicas never
// both get one job.
func (s *Store) Claim(ctx context.Context, owner string, now time.Time, ttl time.Duration) (j jobs.Job, ok bool, err error) {
	err = s.jobTx(ctx, "claim", func(tx pgx.Tx) error {
		var err error
		j, err = scanJob(tx.QueryRow(ctx, `UPDATE jobs SET owner = $1, lease_until = $3, runs = runs + 1
			WHERE id = (SELECT id FROM jobs
				WHERE `+unfinished+` AND (owner = '' OR lease_until IS NULL OR lease_until <= $2)
				ORDER BY created, created_seq LIMIT 1
				FOR UPDATE SKIP LOCKED)
			RETURNING `+jobColumns, owner, now, now.Add(ttl)))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		ok = true
		js := []jobs.Job{j}
		err = withCounts(ctx, tx, js)
		j = js[0]
		return err
	})
	if err != nil || !ok {
		return jobs.Job{}, false, err
	}
	return j, true, nil
}

// leased runs change in a transaction once the job's row, locked, says
// owner holds it (jobs.Job.HeldBy at now). The lock keeps any other
// replica from claiming the job until the change is made.
func (s *Store) leased(ctx context.Context, what, id, owner string, now time.Time, change func(tx pgx.Tx) error) error {
	return s.jobTx(ctx, what, func(tx pgx.Tx) error {
		j, err := loadJob(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := j.HeldBy(owner, now); err != nil {
			return err
		}
		return change(tx)
	})
}

// jobTx runs change in one transaction.
func (s *Store) jobTx(ctx context.Context, what string, change func(tx pgx.Tx) error) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := pgx.BeginFunc(ctx, s.pool, change); err != nil {
		return jobs.StoreError(what, err)
	}
	return nil
}

// Renew implements jobs.Store.
func (s *Store) Renew(ctx context.Context, id, owner string, now time.Time, ttl time.Duration) error {
	return s.leased(ctx, "renew", id, owner, time.Time{}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE jobs SET lease_until = $1 WHERE id = $2`, now.Add(ttl), id)
		return err
	})
}

// Release implements jobs.Store. The owner stays, so that a later change
// by it is still its own; the next Claim takes the job over.
func (s *Store) Release(ctx context.Context, id, owner string) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `UPDATE jobs SET lease_until = NULL, wait = '', wait_until = NULL
		WHERE id = $1 AND owner = $2`, id, owner); err != nil {
		return fmt.Errorf("jobs: release: %w", err)
	}
	return nil
}

// Next implements jobs.Store.
func (s *Store) Next(ctx context.Context, id string) (jobs.Item, bool, error) {
	if err := s.check(); err != nil {
		return jobs.Item{}, false, err
	}
	it, err := scanItem(s.pool.QueryRow(ctx, `SELECT `+itemColumns+` FROM job_items
		WHERE job_id = $1 AND state = $2 ORDER BY seq LIMIT 1`, id, string(jobs.ItemPending)))
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = loadJob(ctx, s.pool, id, false)
		if err == nil {
			return jobs.Item{}, false, nil
		}
	}
	if err != nil {
		return jobs.Item{}, false, jobs.StoreError("next of "+id, err)
	}
	return it, true, nil
}

// moveItem changes one item from one state to another inside tx; the
// condition on its state makes two concurrent moves of one item succeed
// once.
func moveItem(ctx context.Context, tx pgx.Tx, id string, seq int, from, to jobs.ItemState, message string, now time.Time) error {
	tag, err := tx.Exec(ctx, `UPDATE job_items SET state = $1, message = $2, updated = $3
		WHERE job_id = $4 AND seq = $5 AND state = $6`, string(to), message, now, id, seq, string(from))
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return jobs.ErrItemState
	}
	return nil
}

// StartItem implements jobs.Store.
func (s *Store) StartItem(ctx context.Context, id string, seq int, owner string, now time.Time) error {
	return s.leased(ctx, "start a person", id, owner, now, func(tx pgx.Tx) error {
		return moveItem(ctx, tx, id, seq, jobs.ItemPending, jobs.ItemWorking, "", now)
	})
}

// FinishItem implements jobs.Store.
func (s *Store) FinishItem(ctx context.Context, id string, seq int, owner string, state jobs.ItemState, message string, now time.Time) error {
	if err := jobs.CheckOutcome(state); err != nil {
		return err
	}
	return s.leased(ctx, "record a person's outcome", id, owner, time.Time{}, func(tx pgx.Tx) error {
		return moveItem(ctx, tx, id, seq, jobs.ItemWorking, state, message, now)
	})
}

// SetWait implements jobs.Store.
func (s *Store) SetWait(ctx context.Context, id, owner string, why jobs.Wait, until time.Time) error {
	if why == "" {
		until = time.Time{}
	}
	return s.leased(ctx, "set the wait", id, owner, time.Time{}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE jobs SET wait = $1, wait_until = $2 WHERE id = $3`, string(why), orNull(until), id)
		return err
	})
}

// RequestStop implements jobs.Store.
func (s *Store) RequestStop(ctx context.Context, id, by string, _ time.Time) error {
	return s.jobTx(ctx, "stop", func(tx pgx.Tx) error {
		j, err := loadJob(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if stop, err := jobs.Stop(j.State); !stop {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE jobs SET state = $1, stopped_by = $2 WHERE id = $3`,
			string(jobs.StateStopping), by, id)
		return err
	})
}

// End implements jobs.Store.
func (s *Store) End(ctx context.Context, id, owner string, state jobs.State, now time.Time) error {
	if err := jobs.CheckEnd(state); err != nil {
		return err
	}
	return s.leased(ctx, "end", id, owner, time.Time{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE job_items SET state = $1, updated = $2 WHERE job_id = $3 AND state = $4`,
			string(jobs.ItemNotDone), now, id, string(jobs.ItemPending)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE jobs SET state = $1, ended = $2, lease_until = NULL, wait = '', wait_until = NULL
			WHERE id = $3`, string(state), now, id)
		return err
	})
}
