package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxPrepared bounds a pool's statements. Query texts are constants with
// placeholders, but a few carry one mark per value (IN lists), so their
// number is bounded by the callers' limits, not by the data.
const maxPrepared = 64

// prepared keeps one prepared statement per query text for a pool, so a
// query the bulk runner or a page asks again and again is parsed once:
// parsing was most of the cost of reading a job. database/sql prepares a
// statement again on each connection it runs on and keeps it there.
type prepared struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newPrepared(db *sql.DB) *prepared { return &prepared{db: db, m: map[string]*sql.Stmt{}} }

// stmt returns the statement for query, preparing it the first time
// unless create is false; nil when it is not prepared and will not be.
// Within a transaction nothing is prepared: the writer pool's one
// connection is the transaction's, and preparing would wait for it.
func (p *prepared) stmt(ctx context.Context, query string, create bool) (*sql.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.m[query]; ok {
		return st, nil
	}
	if !create || len(p.m) >= maxPrepared {
		return nil, nil
	}
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.m[query] = st
	return st, nil
}

func (p *prepared) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for q, st := range p.m {
		errs = append(errs, st.Close())
		delete(p.m, q)
	}
	return errors.Join(errs...)
}

// on runs queries through p's statements, on the pool itself (tx nil) or
// within tx, which takes each statement with tx.StmtContext. A query that
// cannot be prepared runs unprepared and fails there with SQLite's error.
func (p *prepared) on(tx *sql.Tx) querier { return preparedQuerier{p: p, tx: tx} }

type preparedQuerier struct {
	p  *prepared
	tx *sql.Tx
}

func (q preparedQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	st, err := q.p.stmt(ctx, query, q.tx == nil)
	if err != nil || st == nil {
		return nil
	}
	if q.tx != nil {
		return q.tx.StmtContext(ctx, st)
	}
	return st
}

func (q preparedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.QueryContext(ctx, query, args...)
	}
	return q.p.db.QueryContext(ctx, query, args...)
}

func (q preparedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.QueryRowContext(ctx, query, args...)
	}
	return q.p.db.QueryRowContext(ctx, query, args...)
}
