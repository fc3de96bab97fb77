package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	if strings.TrimSpace(j.ID) == "" || !j.Kind.Valid() || len(people) == 0 {
		return jobs.ErrInvalid
	}
	if err := s.check(); err != nil {
		return err
	}
	targets := make([]int64, len(people))
	emails := make([]string, len(people))
	names := make([]string, len(people))
	for i, p := range people {
		targets[i], emails[i], names[i] = p.TargetID, p.Email, p.Name
	}
	exists := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO jobs
			(id, kind, actor_email, actor_name, actor_role, source_ip, request_id, ticket, created, state)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (id) DO NOTHING`,
			j.ID, string(j.Kind), j.Actor.Email, j.Actor.Name, j.Actor.Role, j.SourceIP, j.RequestID, j.Ticket,
			j.Created, string(jobs.StateRunning))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			exists = true
			return nil
		}
		// The people are numbered 1..n in the order given.
		_, err = tx.Exec(ctx, `INSERT INTO job_items (job_id, seq, target_id, email, name, state, updated)
			SELECT $1, p.seq, p.target_id, p.email, p.name, $5, $6
			FROM unnest($2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS p (target_id, email, name, seq)`,
			j.ID, targets, emails, names, string(jobs.ItemPending), j.Created)
		return err
	})
	if err != nil {
		return fmt.Errorf("jobs: create: %w", err)
	}
	if exists {
		return jobs.ErrExists
	}
	return nil
}

// jobQuerier is the pool or a transaction.
type jobQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// counts fills in the counts of the jobs in js.
func counts(ctx context.Context, db jobQuerier, js []jobs.Job) error {
	if len(js) == 0 {
		return nil
	}
	ids := make([]string, len(js))
	at := make(map[string]int, len(js))
	for i, j := range js {
		ids[i], at[j.ID] = j.ID, i
	}
	rows, err := db.Query(ctx, `SELECT job_id, state, count(*) FROM job_items
		WHERE job_id = ANY($1) GROUP BY job_id, state`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, state string
			n         int
		)
		if err := rows.Scan(&id, &state, &n); err != nil {
			return err
		}
		c := &js[at[id]].Counts
		for range n {
			c.Add(jobs.ItemState(state))
		}
	}
	return rows.Err()
}

// withCounts is j with its counts, read through db.
func withCounts(ctx context.Context, db jobQuerier, j jobs.Job) (jobs.Job, error) {
	js := []jobs.Job{j}
	if err := counts(ctx, db, js); err != nil {
		return jobs.Job{}, err
	}
	return js[0], nil
}

// Job implements jobs.Store.
func (s *Store) Job(ctx context.Context, id string) (jobs.Job, error) {
	if err := s.check(); err != nil {
		return jobs.Job{}, err
	}
	j, err := scanJob(s.pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return jobs.Job{}, jobs.ErrNotFound
	}
	if err == nil {
		j, err = withCounts(ctx, s.pool, j)
	}
	if err != nil {
		return jobs.Job{}, fmt.Errorf("jobs: read %s: %w", id, err)
	}
	return j, nil
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
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	if err := counts(ctx, s.pool, out); err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	return out, nil
}

const itemColumns = `seq, target_id, email, name, state, message, updated`

func scanItem(row pgx.Row) (jobs.Item, error) {
	var (
		it    jobs.Item
		state string
	)
	err := row.Scan(&it.Seq, &it.TargetID, &it.Email, &it.Name, &state, &it.Message, &it.Updated)
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
func (s *Store) Claim(ctx context.Context, owner string, now time.Time, ttl time.Duration) (jobs.Job, bool, error) {
	if err := s.check(); err != nil {
		return jobs.Job{}, false, err
	}
	var (
		j  jobs.Job
		ok bool
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
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
		j, err = withCounts(ctx, tx, j)
		return err
	})
	if err != nil {
		return jobs.Job{}, false, fmt.Errorf("jobs: claim: %w", err)
	}
	return j, ok, nil
}

// held checks, inside tx, that owner holds the unfinished job's lease (and,
// unless now is zero, that it has not run out at now). It locks the job's
// row, so no other replica claims the job until tx ends.
func held(ctx context.Context, tx pgx.Tx, id, owner string, now time.Time) error {
	var (
		state, cur string
		live       bool
	)
	err := tx.QueryRow(ctx, `SELECT state, owner, COALESCE(lease_until > $2, false) FROM jobs WHERE id = $1 FOR UPDATE`,
		id, now).Scan(&state, &cur, &live)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return jobs.ErrNotFound
	case err != nil:
		return err
	case jobs.State(state).Finished():
		return jobs.ErrFinished
	case cur != owner || (!now.IsZero() && !live):
		return jobs.ErrLeaseLost
	}
	return nil
}

// leased runs change in a transaction once held says owner may.
func (s *Store) leased(ctx context.Context, what, id, owner string, now time.Time, change func(tx pgx.Tx) error) error {
	if err := s.check(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := held(ctx, tx, id, owner, now); err != nil {
			return err
		}
		return change(tx)
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jobs.ErrNotFound), errors.Is(err, jobs.ErrFinished),
		errors.Is(err, jobs.ErrLeaseLost), errors.Is(err, jobs.ErrItemState):
		return err
	}
	return fmt.Errorf("jobs: %s: %w", what, err)
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
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		var exists bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM jobs WHERE id = $1)`, id).Scan(&exists); err != nil {
			return jobs.Item{}, false, fmt.Errorf("jobs: next of %s: %w", id, err)
		}
		if !exists {
			return jobs.Item{}, false, jobs.ErrNotFound
		}
		return jobs.Item{}, false, nil
	case err != nil:
		return jobs.Item{}, false, fmt.Errorf("jobs: next of %s: %w", id, err)
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
	if state != jobs.ItemPending && !state.Final() {
		return jobs.ErrInvalid
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
	if err := s.check(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM jobs WHERE id = $1 FOR UPDATE`, id).Scan(&state)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return jobs.ErrNotFound
		case err != nil:
			return err
		case jobs.State(state).Finished():
			return jobs.ErrFinished
		case jobs.State(state) == jobs.StateStopping:
			return nil // the first to ask stays the one named
		}
		_, err = tx.Exec(ctx, `UPDATE jobs SET state = $1, stopped_by = $2 WHERE id = $3`,
			string(jobs.StateStopping), by, id)
		return err
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jobs.ErrNotFound), errors.Is(err, jobs.ErrFinished):
		return err
	}
	return fmt.Errorf("jobs: stop: %w", err)
}

// End implements jobs.Store.
func (s *Store) End(ctx context.Context, id, owner string, state jobs.State, now time.Time) error {
	if !state.Finished() {
		return jobs.ErrInvalid
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
