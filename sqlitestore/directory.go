package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"onelogin-helpdesk/directory"
)

var _ directory.Store = (*Store)(nil)

// directoryMigration holds the directory index (package directory): one
// row per person, written with the next change sequence number (seq) so
// each replica's mirror catches up by asking for what came after; a
// deleted person keeps a row marked deleted so mirrors learn of it. The
// person is JSON in data: the index searches in Go, not in SQL.
// directory_sync is one row: the sync's lease and its state.
const directoryMigration = `CREATE TABLE directory_people (
		id         INTEGER PRIMARY KEY,
		seq        INTEGER NOT NULL,
		deleted    INTEGER NOT NULL DEFAULT 0,
		updated_us INTEGER NOT NULL,
		synced_us  INTEGER NOT NULL,
		data       TEXT NOT NULL
	);
	CREATE INDEX directory_people_seq ON directory_people (seq);
	CREATE INDEX directory_people_synced ON directory_people (synced_us) WHERE deleted = 0;
	CREATE TABLE directory_sync (
		id       INTEGER PRIMARY KEY CHECK (id = 1),
		owner    TEXT NOT NULL DEFAULT '',
		lease_us INTEGER NOT NULL DEFAULT 0,
		state    TEXT NOT NULL DEFAULT '{}'
	);
	INSERT INTO directory_sync (id) VALUES (1);`

// nextSeq is the sequence number after the highest given; the single
// writer connection makes read-then-write safe.
func nextSeq(ctx context.Context, tx *sql.Tx) (int64, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM directory_people`).Scan(&seq)
	return seq, err
}

// PutPeople implements directory.Store.
func (s *Store) PutPeople(ctx context.Context, people []directory.Person) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.directoryTx(ctx, "write people", func(tx *sql.Tx, seq int64) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO directory_people (id, seq, deleted, updated_us, synced_us, data)
			VALUES (?, ?, 0, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, synced_us = excluded.synced_us,
				data = CASE WHEN deleted = 1 OR excluded.updated_us >= updated_us THEN excluded.data ELSE data END,
				updated_us = CASE WHEN deleted = 1 OR excluded.updated_us >= updated_us THEN excluded.updated_us ELSE updated_us END,
				deleted = 0`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i, p := range people {
			data, err := directory.EncodePerson(p)
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, p.ID, seq+int64(i), us(p.UpdatedAt), us(p.SyncedAt), string(data)); err != nil {
				return err
			}
		}
		return nil
	})
}

// directoryTx runs change in a write transaction with the next sequence
// number.
func (s *Store) directoryTx(ctx context.Context, what string, change func(tx *sql.Tx, seq int64) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("directory: %s: %w", what, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	seq, err := nextSeq(ctx, tx)
	if err == nil {
		err = change(tx, seq)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return fmt.Errorf("directory: %s: %w", what, err)
	}
	return nil
}

// markDeleted gives each of ids still present a deletion with its own
// sequence number (one number per row, so a reader that stops in the
// middle of a batch misses none).
func markDeleted(ctx context.Context, tx *sql.Tx, ids []int64, seq int64) (int, error) {
	n := 0
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `UPDATE directory_people SET deleted = 1, seq = ? WHERE id = ? AND deleted = 0`, seq+int64(n), id)
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	return n, nil
}

// DeletePeople implements directory.Store.
func (s *Store) DeletePeople(ctx context.Context, ids []int64) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.directoryTx(ctx, "delete people", func(tx *sql.Tx, seq int64) error {
		_, err := markDeleted(ctx, tx, ids, seq)
		return err
	})
}

// PruneUnsynced implements directory.Store.
func (s *Store) PruneUnsynced(ctx context.Context, before time.Time) (int, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	n := 0
	err := s.directoryTx(ctx, "remove people no longer listed", func(tx *sql.Tx, seq int64) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM directory_people WHERE deleted = 0 AND synced_us < ?`, us(before))
		ids, err := collect(rows, err, scanOne[int64])
		if err != nil {
			return err
		}
		n, err = markDeleted(ctx, tx, ids, seq)
		return err
	})
	return n, err
}

// PeopleChanges implements directory.Store.
func (s *Store) PeopleChanges(ctx context.Context, after int64, limit int) ([]directory.Change, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, seq, deleted, synced_us, data FROM directory_people
		WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("directory: read changes: %w", err)
	}
	defer rows.Close()
	var out []directory.Change
	for rows.Next() {
		var (
			id, seq, syncedUS int64
			deleted           bool
			data              string
		)
		if err := rows.Scan(&id, &seq, &deleted, &syncedUS, &data); err != nil {
			return nil, fmt.Errorf("directory: read changes: %w", err)
		}
		c, err := directory.DecodeChange(seq, id, deleted, []byte(data), fromUS(syncedUS))
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
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM directory_people WHERE deleted = 0`).Scan(&n); err != nil {
		return 0, fmt.Errorf("directory: count: %w", err)
	}
	return n, nil
}

func scanSyncState(row *sql.Row) (directory.SyncState, error) {
	var (
		owner   string
		leaseUS int64
		state   string
	)
	if err := row.Scan(&owner, &leaseUS, &state); err != nil {
		return directory.SyncState{}, fmt.Errorf("directory: read the sync state: %w", err)
	}
	return directory.DecodeSyncState([]byte(state), owner, fromUS(leaseUS))
}

const syncStateQuery = `SELECT owner, lease_us, state FROM directory_sync WHERE id = 1`

// SyncState implements directory.Store.
func (s *Store) SyncState(ctx context.Context) (directory.SyncState, error) {
	if err := s.check(); err != nil {
		return directory.SyncState{}, err
	}
	return scanSyncState(s.r.QueryRowContext(ctx, syncStateQuery))
}

// ClaimSync implements directory.Store.
func (s *Store) ClaimSync(ctx context.Context, owner string, now time.Time, ttl time.Duration) (directory.SyncState, bool, error) {
	if err := s.check(); err != nil {
		return directory.SyncState{}, false, err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE directory_sync SET owner = ?, lease_us = ?
		WHERE id = 1 AND (owner = '' OR owner = ? OR lease_us <= ?)`, owner, us(now.Add(ttl)), owner, us(now))
	if err != nil {
		return directory.SyncState{}, false, fmt.Errorf("directory: claim the sync: %w", err)
	}
	n, _ := res.RowsAffected()
	st, err := scanSyncState(s.w.QueryRowContext(ctx, syncStateQuery))
	return st, n == 1 && err == nil, err
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
	res, err := s.w.ExecContext(ctx, `UPDATE directory_sync SET state = ? WHERE id = 1 AND owner = ? AND lease_us > ?`,
		string(data), owner, us(now))
	if err != nil {
		return fmt.Errorf("directory: save the sync state: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return directory.ErrLeaseLost
	}
	return nil
}

// ReleaseSync implements directory.Store.
func (s *Store) ReleaseSync(ctx context.Context, owner string) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE directory_sync SET owner = '', lease_us = 0 WHERE id = 1 AND owner = ?`, owner); err != nil {
		return fmt.Errorf("directory: release the sync: %w", err)
	}
	return nil
}
