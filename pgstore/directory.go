package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"onelogin-helpdesk/directory"
)

var _ directory.Store = (*Store)(nil)

// lockDirectory serialises the index's writes (pg_advisory_xact_lock's
// first key; the second is 0): a sequence number is taken only after the
// previous writer committed, so a reader that has seen number n has seen
// everything below it. Writes are a page of 50 a minute and a row per
// person page read, so they never queue for long.
const lockDirectory int32 = 3

// directoryTx runs change in a transaction holding the directory lock.
func (s *Store) directoryTx(ctx context.Context, what string, change func(tx pgx.Tx) error) error {
	if err := s.check(); err != nil {
		return err
	}
	err := s.locked(ctx, advisoryLock{lockDirectory, 0}, change)
	if err != nil {
		return fmt.Errorf("directory: %s: %w", what, err)
	}
	return nil
}

// PutPeople implements directory.Store.
func (s *Store) PutPeople(ctx context.Context, people []directory.Person) error {
	if len(people) == 0 {
		return nil
	}
	// One statement cannot change a row twice: the last copy of a person
	// in the batch is the one written.
	last := make(map[int64]int, len(people))
	for i, p := range people {
		last[p.ID] = i
	}
	kept := make([]directory.Person, 0, len(people))
	for i, p := range people {
		if last[p.ID] == i {
			kept = append(kept, p)
		}
	}
	people = kept
	ids := make([]int64, len(people))
	updated := make([]*time.Time, len(people))
	synced := make([]time.Time, len(people))
	data := make([]string, len(people))
	for i, p := range people {
		b, err := directory.EncodePerson(p)
		if err != nil {
			return err
		}
		ids[i], updated[i], synced[i], data[i] = p.ID, orNull(p.UpdatedAt), p.SyncedAt, string(b)
	}
	return s.directoryTx(ctx, "write people", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO directory_people AS d (id, seq, updated_at, synced_at, data)
			SELECT id, nextval('directory_seq'), updated_at, synced_at, data
			FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[], $4::text[]) WITH ORDINALITY
				AS p(id, updated_at, synced_at, data, n)
			ORDER BY n
			ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, synced_at = excluded.synced_at, deleted = false,
				data = CASE WHEN d.deleted OR COALESCE(excluded.updated_at >= d.updated_at, d.updated_at IS NULL)
					THEN excluded.data ELSE d.data END,
				updated_at = CASE WHEN d.deleted OR COALESCE(excluded.updated_at >= d.updated_at, d.updated_at IS NULL)
					THEN excluded.updated_at ELSE d.updated_at END`,
			ids, updated, synced, data)
		return err
	})
}

// DeletePeople implements directory.Store.
func (s *Store) DeletePeople(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.directoryTx(ctx, "delete people", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE directory_people SET deleted = true, seq = nextval('directory_seq')
			WHERE id = ANY($1) AND NOT deleted`, ids)
		return err
	})
}

// PruneUnsynced implements directory.Store.
func (s *Store) PruneUnsynced(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := s.directoryTx(ctx, "remove people no longer listed", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE directory_people SET deleted = true, seq = nextval('directory_seq')
			WHERE NOT deleted AND synced_at < $1`, before)
		n = int(tag.RowsAffected())
		return err
	})
	return n, err
}

// PeopleChanges implements directory.Store.
func (s *Store) PeopleChanges(ctx context.Context, after int64, limit int) ([]directory.Change, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, seq, deleted, synced_at, data FROM directory_people
		WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("directory: read changes: %w", err)
	}
	defer rows.Close()
	var out []directory.Change
	for rows.Next() {
		var (
			id, seq int64
			deleted bool
			synced  time.Time
			data    string
		)
		if err := rows.Scan(&id, &seq, &deleted, &synced, &data); err != nil {
			return nil, fmt.Errorf("directory: read changes: %w", err)
		}
		c, err := directory.DecodeChange(seq, id, deleted, []byte(data), synced)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("directory: read changes: %w", err)
	}
	return out, nil
}

// CountPeople implements directory.Store.
func (s *Store) CountPeople(ctx context.Context) (int, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM directory_people WHERE NOT deleted`).Scan(&n); err != nil {
		return 0, fmt.Errorf("directory: count: %w", err)
	}
	return n, nil
}

func scanSyncState(row pgx.Row) (directory.SyncState, error) {
	var (
		owner string
		lease *time.Time
		state string
	)
	if err := row.Scan(&owner, &lease, &state); err != nil {
		return directory.SyncState{}, err
	}
	return directory.DecodeSyncState([]byte(state), owner, orZero(lease))
}

// SyncState implements directory.Store.
func (s *Store) SyncState(ctx context.Context) (directory.SyncState, error) {
	if err := s.check(); err != nil {
		return directory.SyncState{}, err
	}
	st, err := scanSyncState(s.pool.QueryRow(ctx, `SELECT owner, lease_until, state FROM directory_sync WHERE id = 1`))
	if err != nil {
		return st, fmt.Errorf("directory: read the sync state: %w", err)
	}
	return st, nil
}

// ClaimSync implements directory.Store. One UPDATE takes the lease if it
// is free, run out or the owner's already; the row lock makes two
// replicas' claims queue, and the second sees the first's lease.
func (s *Store) ClaimSync(ctx context.Context, owner string, now time.Time, ttl time.Duration) (directory.SyncState, bool, error) {
	if err := s.check(); err != nil {
		return directory.SyncState{}, false, err
	}
	st, err := scanSyncState(s.pool.QueryRow(ctx, `UPDATE directory_sync SET owner = $1, lease_until = $3
		WHERE id = 1 AND (owner = '' OR owner = $1 OR lease_until IS NULL OR lease_until <= $2)
		RETURNING owner, lease_until, state`, owner, now, now.Add(ttl)))
	if errors.Is(err, pgx.ErrNoRows) {
		st, err = s.SyncState(ctx)
		return st, false, err
	}
	if err != nil {
		return st, false, fmt.Errorf("directory: claim the sync: %w", err)
	}
	return st, true, nil
}

// SaveSync implements directory.Store.
func (s *Store) SaveSync(ctx context.Context, owner string, now time.Time, st directory.SyncState) error {
	if err := s.check(); err != nil {
		return err
	}
	data, err := directory.EncodeSyncState(st)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE directory_sync SET state = $1 WHERE id = 1 AND owner = $2 AND lease_until > $3`,
		string(data), owner, now)
	if err != nil {
		return fmt.Errorf("directory: save the sync state: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return directory.ErrLeaseLost
	}
	return nil
}

// ReleaseSync implements directory.Store.
func (s *Store) ReleaseSync(ctx context.Context, owner string) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `UPDATE directory_sync SET owner = '', lease_until = NULL WHERE id = 1 AND owner = $1`, owner); err != nil {
		return fmt.Errorf("directory: release the sync: %w", err)
	}
	return nil
}
