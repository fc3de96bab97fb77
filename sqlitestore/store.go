// Package sqlitestore keeps the console's state in one embedded SQLite
// file: the audit trail, the limit counters, the staff sessions and bulk
// jobs. It is the store for a single node and the demo; several replicas
// share PostgreSQL instead.
package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/limits"
	"onelogin-helpdesk/sessions"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is the audit.Store: one SQLite file in WAL mode.
//
// It keeps two pools on the file: a single writer connection, so writes
// never contend with each other for SQLite's one write lock, and a few
// read-only connections, so a long CSV export never holds up the Begin of an
// action being taken meanwhile.
type Store struct {
	w, r *sql.DB
	// forTarget is prepared once: every user page asks it.
	forTarget *sql.Stmt
	hot       hotWrites
	// rq and wq prepare the job queries once per pool.
	rq, wq *prepared
	log    *slog.Logger
	now    func() time.Time
	closed atomic.Bool
}

var (
	_ audit.Store    = (*Store)(nil)
	_ audit.Pruner   = (*Store)(nil)
	_ limits.Store   = (*Store)(nil)
	_ sessions.Store = (*Store)(nil)
)

// migrations build the schema; user_version records how many have run, so
// a newer binary can add steps and older files catch up on open.
var migrations = []string{
	`CREATE TABLE audit_records (
		id           INTEGER PRIMARY KEY AUTOINCREMENT,
		time_us      INTEGER NOT NULL,
		actor_email  TEXT NOT NULL DEFAULT '',
		actor_role   TEXT NOT NULL DEFAULT '',
		source_ip    TEXT NOT NULL DEFAULT '',
		request_id   TEXT NOT NULL DEFAULT '',
		target_id    INTEGER NOT NULL DEFAULT 0,
		target_email TEXT NOT NULL DEFAULT '',
		target_name  TEXT NOT NULL DEFAULT '',
		action       TEXT NOT NULL,
		params       TEXT NOT NULL DEFAULT '{}',
		ticket       TEXT NOT NULL DEFAULT '',
		reason       TEXT NOT NULL DEFAULT '',
		outcome      TEXT NOT NULL,
		status       INTEGER NOT NULL DEFAULT 0,
		message      TEXT NOT NULL DEFAULT '',
		completed_us INTEGER
	);
	CREATE INDEX audit_actor  ON audit_records (actor_email COLLATE NOCASE, id);
	CREATE INDEX audit_target ON audit_records (target_id, id);
	CREATE INDEX audit_temail ON audit_records (target_email COLLATE NOCASE, id);
	CREATE INDEX audit_action ON audit_records (action, id);
	CREATE INDEX audit_time   ON audit_records (time_us);`,
	// Refused attempts repeated within a window are one record with a count.
	`ALTER TABLE audit_records ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE audit_records ADD COLUMN last_us INTEGER;`,
	// Events counted against limits (self-service, public unlock, budgets).
	`CREATE TABLE limit_events (
		key   TEXT NOT NULL,
		at_us INTEGER NOT NULL
	);
	CREATE INDEX limit_key ON limit_events (key, at_us);
	CREATE INDEX limit_at  ON limit_events (at_us);`,
	// Staff sessions (package sessions); keep new steps after this one.
	sessionsMigration,
	// Bulk jobs and their people (jobs.go).
	jobsMigration,
	// The mail queue (mail.go).
	mailMigration,
	// The directory index (directory.go).
	directoryMigration,
	// Staff kept out of the console by an admin (blocks.go).
	blocksMigration,
	// "Unlock anyway" ticked for a person of a bulk job (jobs.go).
	jobsAnywayMigration,
	// The public unlock page's sealed flows (unlockflows.go).
	unlockFlowsMigration,
	// How often each shape of real factor list was shown (factorshapes.go).
	factorShapesMigration,
}

// Open opens (creating if needed) the audit database at path and
// brings its schema up to date. Each record is also logged to logger (nil
// discards).
func Open(path string, logger *slog.Logger, opts ...audit.Option) (*Store, error) {
	if path == "" {
		return nil, errors.New("audit: database path is empty")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("audit: database path %q must not contain '?' or '#'", path)
	}
	o := audit.NewOptions(opts)
	// The trail says who did what to whom: only the service user may read
	// it. SQLite gives its -wal and -shm files the database file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("audit: restrict %s to its owner: %w", p, err)
		}
	}
	const common = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	w, err := sql.Open("sqlite", path+"?"+common+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := migrate(w); err != nil {
		w.Close()
		return nil, fmt.Errorf("audit: prepare %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", path+"?"+common+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	if err := r.Ping(); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	forTarget, err := r.Prepare("SELECT " + columns + " FROM audit_records WHERE target_id = ? ORDER BY id DESC LIMIT ?")
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("audit: prepare queries for %s: %w", path, err)
	}
	hot, err := prepareHotWrites(w)
	if err != nil {
		forTarget.Close()
		w.Close()
		r.Close()
		return nil, fmt.Errorf("audit: prepare queries for %s: %w", path, err)
	}
	s := &Store{w: w, r: r, forTarget: forTarget, hot: hot, rq: newPrepared(r), wq: newPrepared(w), log: audit.OrDiscard(logger), now: o.Now}
	// The writer's job reads run inside transactions, where nothing is
	// prepared, so they are prepared here.
	for _, q := range []string{jobQuery, countsQuery(1)} {
		if _, err := s.wq.stmt(context.Background(), q, true); err != nil {
			s.Close()
			return nil, fmt.Errorf("audit: prepare queries for %s: %w", path, err)
		}
	}
	return s, nil
}

func migrate(db *sql.DB) error {
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this program knows (%d)", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	// PRAGMA takes no bind parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) check() error {
	if s.closed.Load() {
		return audit.ErrClosed
	}
	return nil
}

// Begin implements audit.Store.
func (s *Store) Begin(ctx context.Context, rec audit.Record) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	rec, err := audit.Prepare(rec, s.now())
	if err != nil {
		return 0, err
	}
	if rec.ID, err = insert(ctx, s.w, rec); err != nil {
		return 0, err
	}
	audit.LogBegin(ctx, s.log, rec)
	return rec.ID, nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func insert(ctx context.Context, db execer, rec audit.Record) (int64, error) {
	params, err := json.Marshal(rec.Params)
	if err != nil {
		return 0, fmt.Errorf("audit: encode params: %w", err)
	}
	var completed any
	if !rec.CompletedAt.IsZero() {
		completed = rec.CompletedAt.UnixMicro()
	}
	res, err := db.ExecContext(ctx, `INSERT INTO audit_records
		(time_us, actor_email, actor_role, source_ip, request_id, target_id, target_email,
		 target_name, action, params, ticket, reason, outcome, status, message, completed_us)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		rec.Time.UnixMicro(), rec.ActorEmail, rec.ActorRole, rec.SourceIP, rec.RequestID,
		rec.TargetID, rec.TargetEmail, rec.TargetName, string(rec.Action), string(params),
		rec.Ticket, rec.Reason, string(rec.Outcome), rec.Status, rec.Message, completed)
	if err != nil {
		return 0, fmt.Errorf("audit: write record: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("audit: write record: %w", err)
	}
	return id, nil
}

// Deny implements audit.Store. The writer connection's transactions take
// the write lock at once, so two refusals cannot both miss the other.
func (s *Store) Deny(ctx context.Context, rec audit.Record, within time.Duration) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	rec, err := audit.PrepareDenial(rec, s.now())
	if err != nil {
		return 0, err
	}
	return s.collapseOrInsert(ctx, rec, func(tx *sql.Tx) (int64, bool, error) {
		var id, timeUS int64
		err := tx.QueryRowContext(ctx, `SELECT id, time_us FROM audit_records
			WHERE actor_email = ? COLLATE NOCASE AND action = ? AND target_id = ?
				AND target_email = ? COLLATE NOCASE AND reason = ? AND outcome = 'denied'
			ORDER BY id DESC LIMIT 1`,
			rec.ActorEmail, string(rec.Action), rec.TargetID, rec.TargetEmail, rec.Reason).Scan(&id, &timeUS)
		switch {
		case errors.Is(err, sql.ErrNoRows) || err == nil && rec.Time.UnixMicro()-timeUS >= within.Microseconds():
			return 0, false, nil
		case err != nil:
			return 0, false, err
		}
		_, err = tx.ExecContext(ctx, `UPDATE audit_records SET repeats = repeats + 1, last_us = ? WHERE id = ?`,
			rec.Time.UnixMicro(), id)
		return id, true, err
	})
}

// collapseOrInsert writes rec in one write transaction, unless collapse
// finds an earlier record to count it into (found, with that record's id):
// Deny and Tally's one step. Only a new record is logged.
func (s *Store) collapseOrInsert(ctx context.Context, rec audit.Record,
	collapse func(tx *sql.Tx) (id int64, found bool, err error)) (int64, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("audit: write record: %w", err)
	}
	defer tx.Rollback()
	id, found, err := collapse(tx)
	if err != nil {
		return 0, fmt.Errorf("audit: write record: %w", err)
	}
	if found {
		return id, tx.Commit()
	}
	if rec.ID, err = insert(ctx, tx, rec); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("audit: write record: %w", err)
	}
	audit.LogBegin(ctx, s.log, rec)
	return rec.ID, nil
}

// Last implements audit.Store.
func (s *Store) Last(ctx context.Context, targetID int64, kinds ...audit.Kind) (audit.Record, bool, error) {
	if err := s.check(); err != nil {
		return audit.Record{}, false, err
	}
	args := []any{targetID}
	var picks []string
	for _, k := range kinds {
		if len(k.Outcomes) == 0 {
			continue
		}
		args = append(args, string(k.Action))
		marks := make([]string, len(k.Outcomes))
		for i, o := range k.Outcomes {
			marks[i] = "?"
			args = append(args, string(o))
		}
		picks = append(picks, "(action = ? AND outcome IN ("+strings.Join(marks, ",")+"))")
	}
	if len(picks) == 0 {
		return audit.Record{}, false, nil
	}
	r, err := scanRecord(s.r.QueryRowContext(ctx, "SELECT "+columns+` FROM audit_records
		WHERE target_id = ? AND (`+strings.Join(picks, " OR ")+`)
		ORDER BY id DESC LIMIT 1`, args...))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return audit.Record{}, false, nil
	case err != nil:
		return audit.Record{}, false, fmt.Errorf("audit: last %v of %d: %w", kinds, targetID, err)
	}
	return r, true, nil
}

// Complete implements Store.
func (s *Store) Complete(ctx context.Context, id int64, res audit.Result) error {
	if err := s.check(); err != nil {
		return err
	}
	res, err := audit.PrepareResult(res)
	if err != nil {
		return err
	}
	out, err := s.w.ExecContext(ctx, `UPDATE audit_records
		SET outcome = ?, status = ?, message = ?, completed_us = ?,
			target_id = COALESCE(NULLIF(?, 0), target_id)
		WHERE id = ? AND outcome = 'pending'`,
		string(res.Outcome), res.Status, res.Message, s.now().UTC().UnixMicro(), res.TargetID, id)
	if err != nil {
		return fmt.Errorf("audit: complete record %d: %w", id, err)
	}
	n, err := out.RowsAffected()
	if err != nil {
		return fmt.Errorf("audit: complete record %d: %w", id, err)
	}
	if n == 0 {
		var outcome string
		err := s.w.QueryRowContext(ctx, `SELECT outcome FROM audit_records WHERE id = ?`, id).Scan(&outcome)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("audit: complete record %d: %w", id, err)
		}
		return audit.NotPending(id, audit.Outcome(outcome))
	}
	audit.LogComplete(ctx, s.log, id, res)
	return nil
}

const columns = `id, time_us, actor_email, actor_role, source_ip, request_id, target_id,
	target_email, target_name, action, params, ticket, reason, outcome, status, message, completed_us,
	repeats, last_us`

// filterSQL is each condition of an audit.Filter in SQLite; every ? takes
// the condition's value. lower() folds A to Z only, as audit.LowerASCII
// does, and instr has no wildcards to escape.
var filterSQL = map[audit.Field]string{
	audit.FieldActor:      "actor_email = ? COLLATE NOCASE",
	audit.FieldTargetID:   "target_id = ?",
	audit.FieldTarget:     "target_email = ? COLLATE NOCASE",
	audit.FieldActorLike:  "instr(lower(actor_email), ?) > 0",
	audit.FieldTargetLike: "(instr(lower(target_name), ?) > 0 OR instr(lower(target_email), ?) > 0)",
	audit.FieldAction:     "action = ?",
	audit.FieldOutcome:    "outcome = ?",
	audit.FieldTicket:     "lower(ticket) = ?",
	audit.FieldJob:        "json_extract(params, '$.job') = ?",
	audit.FieldFrom:       "time_us >= ?",
	audit.FieldTo:         "time_us < ?",
	audit.FieldBefore:     "id < ?",
}

// where builds the WHERE clause for a filter. withCursor adds the keyset
// condition used by List but not by the export.
func where(f audit.Filter, withCursor bool) (string, []any) {
	var conds []string
	var args []any
	for _, c := range f.Conds(withCursor) {
		v := c.Value
		if t, ok := v.(time.Time); ok {
			v = t.UnixMicro()
		}
		cond := filterSQL[c.Field]
		conds = append(conds, cond)
		for range strings.Count(cond, "?") {
			args = append(args, v)
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

type scanner interface{ Scan(dest ...any) error }

func scanRecord(sc scanner) (audit.Record, error) {
	var (
		r               audit.Record
		timeUS          int64
		action, outcome string
		params          string
		completedUS     sql.NullInt64
		lastUS          sql.NullInt64
	)
	err := sc.Scan(&r.ID, &timeUS, &r.ActorEmail, &r.ActorRole, &r.SourceIP, &r.RequestID,
		&r.TargetID, &r.TargetEmail, &r.TargetName, &action, &params, &r.Ticket, &r.Reason,
		&outcome, &r.Status, &r.Message, &completedUS, &r.Repeats, &lastUS)
	if err != nil {
		return r, err
	}
	r.Time = time.UnixMicro(timeUS).UTC()
	r.Action = access.Action(action)
	r.Outcome = audit.Outcome(outcome)
	if completedUS.Valid {
		r.CompletedAt = time.UnixMicro(completedUS.Int64).UTC()
	}
	if lastUS.Valid {
		r.LastAt = time.UnixMicro(lastUS.Int64).UTC()
	}
	if err := json.Unmarshal([]byte(params), &r.Params); err != nil {
		return r, fmt.Errorf("record %d params: %w", r.ID, err)
	}
	return r, nil
}

// List implements Store.
func (s *Store) List(ctx context.Context, f audit.Filter) (audit.Page, error) {
	if err := s.check(); err != nil {
		return audit.Page{}, err
	}
	limit := f.PageSize()
	cond, args := where(f, true)
	// One extra row tells whether an older page exists.
	rows, err := s.r.QueryContext(ctx, "SELECT "+columns+" FROM audit_records"+cond+
		" ORDER BY id DESC LIMIT ?", append(args, limit+1)...)
	recs, err := collect(rows, err, scanRecord)
	if err != nil {
		return audit.Page{}, fmt.Errorf("audit: list: %w", err)
	}
	return audit.Paged(recs, limit), nil
}

// ForTarget implements Store.
func (s *Store) ForTarget(ctx context.Context, targetID int64, limit int) ([]audit.Record, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	limit = audit.Filter{Limit: limit}.PageSize()
	rows, err := s.forTarget.QueryContext(ctx, targetID, limit)
	out, err := collect(rows, err, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("audit: records for %d: %w", targetID, err)
	}
	return out, nil
}

// ExportCSV implements Store. Rows stream from the database to w without
// being collected in memory.
func (s *Store) ExportCSV(ctx context.Context, f audit.Filter, w io.Writer) error {
	if err := s.check(); err != nil {
		return err
	}
	cond, args := where(f, false)
	rows, err := s.r.QueryContext(ctx, "SELECT "+columns+" FROM audit_records"+cond+" ORDER BY id DESC", args...)
	if err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return audit.WriteCSV(w, each(rows, scanRecord))
}

// Close implements Store. Later calls fail with audit.ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return errors.Join(s.forTarget.Close(), s.hot.close(), s.rq.close(), s.wq.close(), s.r.Close(), s.w.Close())
}

// Take implements limits.Store. The writer's transactions take SQLite's
// write lock at once, so the count and the insert are one step.
func (s *Store) Take(ctx context.Context, key string, max int, window time.Duration, now time.Time) (bool, time.Time, error) {
	if err := limits.Check(key, max, window); err != nil {
		return false, time.Time{}, err
	}
	if err := s.check(); err != nil {
		return false, time.Time{}, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("limits: %w", err)
	}
	defer tx.Rollback()
	nowUS, from := now.UnixMicro(), now.Add(-window).UnixMicro()
	// Whatever no window can still see goes; an index makes this cheap.
	if _, err := tx.StmtContext(ctx, s.hot.limitsPrune).ExecContext(ctx, now.Add(-limits.MaxWindow).UnixMicro()); err != nil {
		return false, time.Time{}, fmt.Errorf("limits: %w", err)
	}
	rows, err := tx.StmtContext(ctx, s.hot.limitsSeen).QueryContext(ctx, key, from)
	seen, err := collect(rows, err, scanUS)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("limits: %w", err)
	}
	if ok, retry := limits.Decide(seen, max, window, now); !ok {
		return false, retry, nil
	}
	if _, err := tx.StmtContext(ctx, s.hot.limitsAdd).ExecContext(ctx, key, nowUS); err != nil {
		return false, time.Time{}, fmt.Errorf("limits: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, time.Time{}, fmt.Errorf("limits: %w", err)
	}
	return true, time.Time{}, nil
}

// Count implements limits.Store.
func (s *Store) Count(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	if err := limits.Check(key, 0, window); err != nil {
		return 0, err
	}
	if err := s.check(); err != nil {
		return 0, err
	}
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM limit_events WHERE key = ? AND at_us > ? AND at_us <= ?`,
		key, now.Add(-window).UnixMicro(), now.UnixMicro()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("limits: %w", err)
	}
	return n, nil
}

// pruneBatch bounds one retention DELETE, so that pruning a large trail
// never holds SQLite's write lock for long: actions keep their Begin.
const pruneBatch = 5000

// DeleteBefore implements audit.Pruner: it deletes the records that began
// before cutoff, in batches, and returns how many went.
func (s *Store) DeleteBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	var total int64
	for {
		res, err := s.w.ExecContext(ctx, `DELETE FROM audit_records WHERE id IN
			(SELECT id FROM audit_records WHERE time_us < ? ORDER BY time_us LIMIT ?)`, cutoff.UnixMicro(), pruneBatch)
		if err != nil {
			return total, fmt.Errorf("audit: retention: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("audit: retention: %w", err)
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
	}
}

// PruneLimits deletes limit events no window can still see; Take does it
// too, this sweeps keys nobody uses any more.
func (s *Store) PruneLimits(ctx context.Context, now time.Time) error {
	if err := s.check(); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, `DELETE FROM limit_events WHERE at_us <= ?`, now.Add(-limits.MaxWindow).UnixMicro())
	return err
}

// Ping reports whether the file can still be used; readiness asks it.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.w.PingContext(ctx)
}

// each yields the rows of a query read with scan, then closes them; it
// stops at the first error.
func each[T any](rows *sql.Rows, scan func(scanner) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if !yield(v, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			var zero T
			yield(zero, err)
		}
	}
}

// scanUS reads a row of one time kept as Unix microseconds.
func scanUS(sc scanner) (time.Time, error) {
	var us int64
	err := sc.Scan(&us)
	return time.UnixMicro(us).UTC(), err
}

// scanOne reads a row of one column.
func scanOne[T any](sc scanner) (T, error) {
	var v T
	err := sc.Scan(&v)
	return v, err
}

// collect reads every row of a query (rows and err are what QueryContext
// returned) with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	var out []T
	for v, err := range each(rows, scan) {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
