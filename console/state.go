package console

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/directory"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/limits"
	"onelogin-helpdesk/notify"
	"onelogin-helpdesk/pgstore"
	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/sessions"
	"onelogin-helpdesk/sqlitestore"
)

// stateStore is everything the console keeps beyond a request: the audit
// trail, limit counters, staff sessions, bulk jobs and the mail queue. sqlitestore (one
// node, the demo) and pgstore (replicas) are the two.
type stateStore interface {
	audit.Store
	audit.Pruner
	audit.Reporter
	audit.PendingLister
	limits.Adder // the OneLogin call budgets write their counts in batches
	sessions.Store
	jobs.Store
	notify.Store
	directory.Store
	selfunlock.ShapeStore // the shapes decoys are drawn from, shared by the replicas
	// PruneLimits forgets limit events no window can still see.
	PruneLimits(ctx context.Context, now time.Time) error
	// Ping tells readiness whether the store answers.
	Ping(ctx context.Context) error
}

var (
	_ stateStore = (*sqlitestore.Store)(nil)
	_ stateStore = (*pgstore.Store)(nil)
	_ jobs.Store = (*pgstore.Store)(nil)
)

// openTimeout bounds connecting to PostgreSQL and migrating at start.
const openTimeout = 30 * time.Second

// openState opens PostgreSQL when HELPDESK_DATABASE_URL is set, otherwise
// the SQLite file (a temporary one for a demo without HELPDESK_AUDIT_DB).
// Errors never carry the database password.
func (a *App) openState(cfg config.Config, logger *slog.Logger) (stateStore, error) {
	if u := cfg.State.DatabaseURL; u != "" {
		ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
		defer cancel()
		st, err := pgstore.Open(ctx, string(u), logger)
		if err != nil {
			// The driver's error may quote the URL in any form.
			return nil, fmt.Errorf("state database %s: %w", u.Redacted(), u.ScrubError(err))
		}
		logger.Info("state in PostgreSQL", "database", u.Redacted(), "schema_version", pgstore.SchemaVersion())
		return st, nil
	}
	path := cfg.Audit.DB
	if path == "" { // a demo's trail lives and dies with the process
		dir, err := os.MkdirTemp("", "helpdesk-demo-")
		if err != nil {
			return nil, fmt.Errorf("demo audit trail: %w", err)
		}
		a.tempDir = dir
		path = filepath.Join(dir, "demo-audit.db")
	}
	st, err := sqlitestore.Open(path, logger)
	if err != nil {
		return nil, fmt.Errorf("audit trail %s: %w", path, err)
	}
	return st, nil
}

// janitorEvery is how often retention runs; the first run is at start.
const janitorEvery = time.Hour

// janitor deletes what the console no longer keeps: audit records older
// than the retention (HELPDESK_AUDIT_RETENTION; 0 keeps them), limit
// events past every window, ended staff sessions.
type janitor struct {
	st        stateStore
	retention time.Duration
	// sweepSessions deletes the staff sessions that ended by time.
	sweepSessions func(ctx context.Context) (int, error)
	now           func() time.Time
	log           *slog.Logger

	cancel context.CancelFunc
	done   sync.WaitGroup
}

func startJanitor(st stateStore, retention time.Duration, sweepSessions func(context.Context) (int, error), logger *slog.Logger) *janitor {
	j := &janitor{st: st, retention: retention, sweepSessions: sweepSessions, now: time.Now, log: logger}
	ctx, cancel := context.WithCancel(context.Background())
	j.cancel = cancel
	// The first sweep runs before the console serves, so it never holds
	// the store while the first requests want it.
	j.sweep(ctx)
	t := time.NewTicker(janitorEvery)
	j.done.Add(1)
	go func() {
		defer j.done.Done()
		defer t.Stop()
		j.run(ctx, t.C)
	}()
	return j
}

// run sweeps once at once, then at every tick, until ctx ends.
func (j *janitor) run(ctx context.Context, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			j.sweep(ctx)
		}
	}
}

// sweep is one round. Each step's failure is logged and the next round
// tries again: a database that is away for an hour delays retention, it
// does not stop it.
func (j *janitor) sweep(ctx context.Context) {
	now := j.now()
	if j.retention > 0 {
		cutoff := now.Add(-j.retention)
		n, err := j.st.DeleteBefore(ctx, cutoff)
		switch {
		case err != nil && ctx.Err() == nil:
			j.log.Error("audit retention failed", "error", err)
		case n > 0:
			j.log.Info("audit retention", "deleted", n, "before", cutoff)
		}
	}
	if err := j.st.PruneLimits(ctx, now); err != nil && ctx.Err() == nil {
		j.log.Warn("pruning limit counters failed", "error", err)
	}
	if j.sweepSessions != nil {
		if _, err := j.sweepSessions(ctx); err != nil && ctx.Err() == nil {
			j.log.Warn("sweeping ended sessions failed", "error", err)
		}
	}
}

func (j *janitor) stop() {
	j.cancel()
	j.done.Wait()
}
