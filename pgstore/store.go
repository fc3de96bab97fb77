// Package pgstore keeps the console's state in PostgreSQL, so that several
// replicas share one audit trail, one count per limit, one set of staff
// sessions and the bulk jobs. It is what HELPDESK_DATABASE_URL selects; without it a single
// console keeps the same state in an SQLite file (package sqlitestore).
//
//	st, err := pgstore.Open(ctx, "postgres://helpdesk:…@db:5432/helpdesk", logger)
//	if err != nil { ... } // unreachable, or a schema newer than this binary
//	defer st.Close()
//	// st is an audit.Store, a limits.Store, a sessions.Store and a jobs.Store.
//
// Atomicity across replicas. Two operations read before they write and must
// not interleave with the same operation on another replica: Deny (collapse
// a repeated refusal into the newest record) and limits' Take (count, then
// record). Each runs in one transaction that first takes a transaction-level
// advisory lock on its key (pg_advisory_xact_lock): requests about the same
// key queue for a few milliseconds, requests about different keys do not
// meet, and the lock goes with the transaction, so a crashed replica cannot
// leave it held. Under READ COMMITTED every statement after the lock sees
// what the previous holder committed.
//
// Bulk jobs need no advisory lock: a replica claims a job with one UPDATE
// whose subquery takes the row FOR UPDATE SKIP LOCKED, and every change under
// a lease first locks the job's row and checks the lease (see jobs.go). The
// lease times are the callers' clocks, never the database's.
//
// Schema migrations are SQL files embedded in the binary (migrations/),
// numbered and recorded in schema_migrations, applied at Open under a
// session advisory lock so that replicas starting together apply each step
// once. It is a small runner of its own rather than pressly/goose: goose
// would bring a dependency tree (and its own database/sql driver layer next
// to pgx) for what is here 60 lines, and its locking is an opt-in option
// whose behaviour we would have to pin and test anyway. The runner refuses
// a database whose schema is newer than the binary, so an old replica left
// running during a rollout cannot write into a schema it does not know.
//
// The URL's password never reaches a log or an error: errors come from pgx,
// which redacts it, and the store never prints its configuration.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"iter"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/limits"
)

// Store is the console's state in one PostgreSQL database. It is safe for
// concurrent use by any number of goroutines and replicas.
type Store struct {
	pool   *pgxpool.Pool
	log    *slog.Logger
	now    func() time.Time
	closed atomic.Bool
}

var (
	_ audit.Store  = (*Store)(nil)
	_ audit.Pruner = (*Store)(nil)
	_ limits.Store = (*Store)(nil)
)

// Pool sizing: a console's requests hold a connection for one short
// statement or transaction at a time; a CSV export holds one for its whole
// length.
const (
	defaultMaxConns   = 16
	defaultConnectTTL = 5 * time.Second
)

// Open connects to the database at url (postgres://…), applies any
// missing migrations and returns the store. Each audit record is also
// logged to logger (nil discards).
func Open(ctx context.Context, url string, logger *slog.Logger, opts ...audit.Option) (*Store, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, errors.New("pgstore: the database URL must start with postgres://")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: the database URL does not parse: %w", redact(err, url))
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTTL
	}
	if err := migrate(ctx, cfg.ConnConfig); err != nil {
		return nil, fmt.Errorf("pgstore: prepare the schema: %w", redact(err, url))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", redact(err, url))
	}
	o := audit.NewOptions(opts)
	return &Store{pool: pool, log: audit.OrDiscard(logger), now: o.Now}, nil
}

// redact makes sure an error does not carry the URL's password, whatever
// the driver put in it.
func redact(err error, url string) error {
	if err == nil {
		return nil
	}
	pw := password(url)
	if pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
}

// password is the password part of a postgres:// URL, or "".
func password(url string) string {
	rest := url[strings.Index(url, "://")+3:]
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
			return pw
		}
	}
	return ""
}

// Ping reports whether the database answers; readiness asks it.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.pool.Ping(ctx)
}

func (s *Store) check() error {
	if s.closed.Load() {
		return audit.ErrClosed
	}
	return nil
}

// Close implements audit.Store. Later calls fail with audit.ErrClosed.
func (s *Store) Close() error {
	if !s.closed.Swap(true) {
		s.pool.Close()
	}
	return nil
}

// advisoryLock is the two keys of pg_advisory_xact_lock(int, int).
type advisoryLock struct{ namespace, key int32 }

// lockKey names an advisory lock: a namespace (one per kind of operation)
// and a 32-bit hash of the key. Two keys that share a hash only queue
// behind each other; they never mix.
func lockKey(namespace int32, parts ...string) advisoryLock {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return advisoryLock{namespace, int32(h.Sum32())}
}

// locked runs fn in one transaction that first takes lock, held until the
// transaction ends (see the package comment).
func (s *Store) locked(ctx context.Context, lock advisoryLock, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", lock.namespace, lock.key); err != nil {
			return err
		}
		return fn(tx)
	})
}

// collapseOrInsert writes rec under lock, unless collapse finds an earlier
// record to count it into (found, with that record's id): Deny and Tally's
// one step. Only a new record is logged.
func (s *Store) collapseOrInsert(ctx context.Context, rec audit.Record, lock advisoryLock,
	collapse func(tx pgx.Tx) (id int64, found bool, err error)) (int64, error) {
	var id int64
	inserted := false
	err := s.locked(ctx, lock, func(tx pgx.Tx) error {
		var found bool
		var err error
		if id, found, err = collapse(tx); err != nil || found {
			return err
		}
		inserted = true
		id, err = insert(ctx, tx, rec)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("audit: write record: %w", err)
	}
	if inserted {
		rec.ID = id
		audit.LogBegin(ctx, s.log, rec)
	}
	return id, nil
}

// Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)).
const (
	lockDeny  int32 = 1
	lockLimit int32 = 2
)

// Begin implements audit.Store.
func (s *Store) Begin(ctx context.Context, rec audit.Record) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	rec, err := audit.Prepare(rec, s.now())
	if err != nil {
		return 0, err
	}
	if rec.ID, err = insert(ctx, s.pool, rec); err != nil {
		return 0, err
	}
	audit.LogBegin(ctx, s.log, rec)
	return rec.ID, nil
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func insert(ctx context.Context, db querier, rec audit.Record) (int64, error) {
	var completed *time.Time
	if !rec.CompletedAt.IsZero() {
		completed = &rec.CompletedAt
	}
	var id int64
	err := db.QueryRow(ctx, `INSERT INTO audit_records
		(at, actor_email, actor_role, source_ip, request_id, target_id, target_email,
		 target_name, action, params, ticket, reason, outcome, status, message, completed_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) RETURNING id`,
		rec.Time, rec.ActorEmail, rec.ActorRole, rec.SourceIP, rec.RequestID,
		rec.TargetID, rec.TargetEmail, rec.TargetName, string(rec.Action), rec.Params,
		rec.Ticket, rec.Reason, string(rec.Outcome), rec.Status, rec.Message, completed).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("audit: write record: %w", err)
	}
	return id, nil
}

// Deny implements audit.Store. The advisory lock on the refusal's identity
// makes finding the record to collapse into and writing one step, across
// replicas too.
func (s *Store) Deny(ctx context.Context, rec audit.Record, within time.Duration) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	rec, err := audit.PrepareDenial(rec, s.now())
	if err != nil {
		return 0, err
	}
	lock := lockKey(lockDeny, strings.ToLower(rec.ActorEmail), string(rec.Action),
		fmt.Sprint(rec.TargetID), strings.ToLower(rec.TargetEmail), rec.Reason)
	return s.collapseOrInsert(ctx, rec, lock, func(tx pgx.Tx) (int64, bool, error) {
		var id int64
		var at time.Time
		err := tx.QueryRow(ctx, `SELECT id, at FROM audit_records
			WHERE lower(actor_email) = lower($1) AND action = $2 AND target_id = $3
				AND lower(target_email) = lower($4) AND reason = $5 AND outcome = 'denied'
			ORDER BY id DESC LIMIT 1`,
			rec.ActorEmail, string(rec.Action), rec.TargetID, rec.TargetEmail, rec.Reason).Scan(&id, &at)
		switch {
		case errors.Is(err, pgx.ErrNoRows) || err == nil && rec.Time.Sub(at) >= within:
			return 0, false, nil
		case err != nil:
			return 0, false, err
		}
		_, err = tx.Exec(ctx, `UPDATE audit_records SET repeats = repeats + 1, last_at = $1 WHERE id = $2`, rec.Time, id)
		return id, true, err
	})
}

// Complete implements audit.Store.
func (s *Store) Complete(ctx context.Context, id int64, res audit.Result) error {
	if err := s.check(); err != nil {
		return err
	}
	res, err := audit.PrepareResult(res)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE audit_records
		SET outcome = $1, status = $2, message = $3, completed_at = $4,
			target_id = COALESCE(NULLIF($5::bigint, 0), target_id)
		WHERE id = $6 AND outcome = 'pending'`,
		string(res.Outcome), res.Status, res.Message, s.now().UTC(), res.TargetID, id)
	if err != nil {
		return fmt.Errorf("audit: complete record %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		var outcome string
		err := s.pool.QueryRow(ctx, `SELECT outcome FROM audit_records WHERE id = $1`, id).Scan(&outcome)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("audit: complete record %d: %w", id, err)
		}
		return audit.NotPending(id, audit.Outcome(outcome))
	}
	audit.LogComplete(ctx, s.log, id, res)
	return nil
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
		outcomes := make([]string, len(k.Outcomes))
		for i, o := range k.Outcomes {
			outcomes[i] = string(o)
		}
		args = append(args, string(k.Action), outcomes)
		picks = append(picks, fmt.Sprintf("(action = $%d AND outcome = ANY($%d))", len(args)-1, len(args)))
	}
	if len(picks) == 0 {
		return audit.Record{}, false, nil
	}
	r, err := scanRecord(s.pool.QueryRow(ctx, "SELECT "+columns+` FROM audit_records
		WHERE target_id = $1 AND (`+strings.Join(picks, " OR ")+`)
		ORDER BY id DESC LIMIT 1`, args...))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return audit.Record{}, false, nil
	case err != nil:
		return audit.Record{}, false, fmt.Errorf("audit: last %v of %d: %w", kinds, targetID, err)
	}
	return r, true, nil
}

const columns = `id, at, actor_email, actor_role, source_ip, request_id, target_id,
	target_email, target_name, action, params, ticket, reason, outcome, status, message,
	completed_at, repeats, last_at`

func scanRecord(row pgx.Row) (audit.Record, error) {
	var (
		r                 audit.Record
		action, outcome   string
		completed, lastAt *time.Time
	)
	err := row.Scan(&r.ID, &r.Time, &r.ActorEmail, &r.ActorRole, &r.SourceIP, &r.RequestID,
		&r.TargetID, &r.TargetEmail, &r.TargetName, &action, &r.Params, &r.Ticket, &r.Reason,
		&outcome, &r.Status, &r.Message, &completed, &r.Repeats, &lastAt)
	if err != nil {
		return r, err
	}
	r.Time = r.Time.UTC()
	r.Action, r.Outcome = access.Action(action), audit.Outcome(outcome)
	if completed != nil {
		r.CompletedAt = completed.UTC()
	}
	if lastAt != nil {
		r.LastAt = lastAt.UTC()
	}
	if r.Params == nil {
		r.Params = map[string]string{}
	}
	return r, nil
}

// fold lowers A to Z only, as audit.LowerASCII does: lower() would fold
// any letter.
const fold = "translate(%s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"

// filterSQL is each condition of an audit.Filter in PostgreSQL; every ?
// takes the condition's value. Partial matches use strpos rather than LIKE,
// where % and _ would be wildcards.
var filterSQL = map[audit.Field]string{
	audit.FieldActor:      "lower(actor_email) = lower(?)",
	audit.FieldTargetID:   "target_id = ?",
	audit.FieldTarget:     "lower(target_email) = lower(?)",
	audit.FieldActorLike:  "strpos(" + fmt.Sprintf(fold, "actor_email") + ", ?) > 0",
	audit.FieldTargetLike: "(strpos(" + fmt.Sprintf(fold, "target_name") + ", ?) > 0 OR strpos(" + fmt.Sprintf(fold, "target_email") + ", ?) > 0)",
	audit.FieldAction:     "action = ?",
	audit.FieldOutcome:    "outcome = ?",
	audit.FieldTicket:     fmt.Sprintf(fold, "ticket") + " = ?",
	audit.FieldJob:        "params->>'job' = ?",
	audit.FieldFrom:       "at >= ?",
	audit.FieldTo:         "at < ?",
	audit.FieldBefore:     "id < ?",
}

// where builds the WHERE clause for a filter; withCursor adds the keyset
// condition List uses and the export does not.
func where(f audit.Filter, withCursor bool) (string, []any) {
	var conds []string
	var args []any
	for _, c := range f.Conds(withCursor) {
		args = append(args, c.Value)
		conds = append(conds, strings.ReplaceAll(filterSQL[c.Field], "?", fmt.Sprintf("$%d", len(args))))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// List implements audit.Store.
func (s *Store) List(ctx context.Context, f audit.Filter) (audit.Page, error) {
	if err := s.check(); err != nil {
		return audit.Page{}, err
	}
	limit := f.PageSize()
	cond, args := where(f, true)
	// One extra row tells whether an older page exists.
	rows, err := s.pool.Query(ctx, "SELECT "+columns+" FROM audit_records"+cond+
		fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit+1), args...)
	if err != nil {
		return audit.Page{}, fmt.Errorf("audit: list: %w", err)
	}
	recs, err := collect(rows)
	if err != nil {
		return audit.Page{}, fmt.Errorf("audit: list: %w", err)
	}
	return audit.Paged(recs, limit), nil
}

// records yields the rows of a query as records, then closes them; it
// stops at the first error.
func records(rows pgx.Rows) iter.Seq2[audit.Record, error] {
	return func(yield func(audit.Record, error) bool) {
		defer rows.Close()
		for rows.Next() {
			r, err := scanRecord(rows)
			if !yield(r, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(audit.Record{}, err)
		}
	}
}

func collect(rows pgx.Rows) ([]audit.Record, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (audit.Record, error) { return scanRecord(r) })
}

// ForTarget implements audit.Store.
func (s *Store) ForTarget(ctx context.Context, targetID int64, limit int) ([]audit.Record, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	limit = audit.Filter{Limit: limit}.PageSize()
	rows, err := s.pool.Query(ctx, "SELECT "+columns+" FROM audit_records WHERE target_id = $1 ORDER BY id DESC LIMIT $2", targetID, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: records for %d: %w", targetID, err)
	}
	out, err := collect(rows)
	if err != nil {
		return nil, fmt.Errorf("audit: records for %d: %w", targetID, err)
	}
	return out, nil
}

// ExportCSV implements audit.Store. pgx reads the result from the
// connection as the rows are written out, so memory stays flat however many
// records match.
func (s *Store) ExportCSV(ctx context.Context, f audit.Filter, w io.Writer) error {
	if err := s.check(); err != nil {
		return err
	}
	cond, args := where(f, false)
	rows, err := s.pool.Query(ctx, "SELECT "+columns+" FROM audit_records"+cond+" ORDER BY id DESC", args...)
	if err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return audit.WriteCSV(w, records(rows))
}

// pruneBatch bounds one retention DELETE, so that pruning years of records
// never holds a long transaction.
const pruneBatch = 5000

// DeleteBefore implements audit.Pruner: it deletes the records that began
// before cutoff, in batches, and returns how many went.
func (s *Store) DeleteBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, `DELETE FROM audit_records WHERE id IN
			(SELECT id FROM audit_records WHERE at < $1 ORDER BY at LIMIT $2)`, cutoff, pruneBatch)
		if err != nil {
			return total, fmt.Errorf("audit: retention: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < pruneBatch {
			return total, nil
		}
	}
}

// Take implements limits.Store.
func (s *Store) Take(ctx context.Context, key string, max int, window time.Duration, now time.Time) (bool, time.Time, error) {
	if err := limits.Check(key, max, window); err != nil {
		return false, time.Time{}, err
	}
	if err := s.check(); err != nil {
		return false, time.Time{}, err
	}
	ok, retry := false, time.Time{}
	err := s.locked(ctx, lockKey(lockLimit, key), func(tx pgx.Tx) error {
		// Whatever no window can still see goes.
		if _, err := tx.Exec(ctx, `DELETE FROM limit_events WHERE key = $1 AND at <= $2`, key, now.Add(-limits.MaxWindow)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT at FROM limit_events WHERE key = $1 AND at > $2 ORDER BY at`, key, now.Add(-window))
		if err != nil {
			return err
		}
		seen, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
		if err != nil {
			return err
		}
		if ok, retry = limits.Decide(seen, max, window, now); !ok {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO limit_events (key, at) VALUES ($1, $2)`, key, now)
		return err
	})
	if err != nil {
		return false, time.Time{}, fmt.Errorf("limits: %w", err)
	}
	return ok, retry, nil
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
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM limit_events WHERE key = $1 AND at > $2 AND at <= $3`,
		key, now.Add(-window), now).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("limits: %w", err)
	}
	return n, nil
}

// PruneLimits deletes limit events no window can still see; Take does it
// per key, this sweeps keys nobody uses any more.
func (s *Store) PruneLimits(ctx context.Context, now time.Time) error {
	if err := s.check(); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM limit_events WHERE at <= $1`, now.Add(-limits.MaxWindow))
	return err
}
