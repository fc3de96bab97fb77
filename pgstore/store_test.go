package pgstore

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/limits"
	"onelogin-helpdesk/limits/limitstest"
	"onelogin-helpdesk/pgstore/pgtest"
)

func open(t *testing.T, u string, log *slog.Logger, opts ...audit.Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), u, log, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPostgres_conforms(t *testing.T) {
	audittest.Conformance(t, func(t *testing.T, log *slog.Logger, opts ...audit.Option) audit.Store {
		return open(t, pgtest.URL(t), log, opts...)
	})
}

func TestPostgres_limitsConform(t *testing.T) {
	limitstest.Conformance(t, func(t *testing.T) limits.Store { return open(t, pgtest.URL(t), nil) })
}

// TestPostgres_replicasStartTogether: replicas that open one empty database
// at the same moment apply each migration once and all start.
func TestPostgres_replicasStartTogether(t *testing.T) {
	u := pgtest.URL(t)
	const replicas = 6
	var wg sync.WaitGroup
	errs := make(chan error, replicas)
	for range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), u, nil)
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := open(t, u, nil)
	var rows, max int
	if err := s.pool.QueryRow(context.Background(), "SELECT count(*), max(version) FROM schema_migrations").Scan(&rows, &max); err != nil {
		t.Fatal(err)
	}
	if rows != SchemaVersion() || max != SchemaVersion() {
		t.Errorf("schema_migrations has %d rows up to %d, want each of the %d migrations once", rows, max, SchemaVersion())
	}
}

// TestPostgres_refusesNewerSchema: a binary older than the database's schema
// does not start, rather than write into a schema it does not know.
func TestPostgres_refusesNewerSchema(t *testing.T) {
	u := pgtest.URL(t)
	open(t, u, nil).Close()
	pgtest.Exec(t, u, "INSERT INTO schema_migrations (version, name) VALUES (9999, 'from the future')")
	if _, err := Open(context.Background(), u, nil); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open on a newer schema: %v", err)
	}
}

// TestPostgres_passwordNeverInErrors: whatever goes wrong while connecting,
// the error names the host and user but not the password.
func TestPostgres_passwordNeverInErrors(t *testing.T) {
	good := pgtest.URL(t)
	const secret = "Sup3r-s3cret-pw-in-the-url"
	wrongPassword, _ := url.Parse(good)
	wrongPassword.User = url.UserPassword(wrongPassword.User.Username(), secret)
	noServer, _ := url.Parse(wrongPassword.String())
	noServer.Host = "127.0.0.1:1"
	for name, u := range map[string]string{
		"wrong password": wrongPassword.String(),
		"nobody listens": noServer.String(),
		"bad option":     wrongPassword.String() + "&pool_max_conns=many",
		"not postgres":   "mysql://root:" + secret + "@127.0.0.1/x",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s, err := Open(ctx, u, nil)
		cancel()
		if err == nil {
			s.Close()
			t.Errorf("%s: Open succeeded", name)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error carries the password: %v", name, err)
		}
	}
}

// TestPostgres_replicasShareCounts: two stores on one database, as two
// replicas, hammer the same limit and the same refusal at once: the
// allowance is never overspent and the refusals collapse into one record.
func TestPostgres_replicasShareCounts(t *testing.T) {
	u := pgtest.URL(t)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := audit.WithClock(func() time.Time { return now })
	a, b := open(t, u, nil, clock), open(t, u, nil, clock)
	ctx := context.Background()
	refusal := audit.Record{ActorEmail: "ann@example.com", ActorRole: "viewer", TargetID: 42,
		TargetEmail: "bob@example.com", Action: access.Lock, Reason: "role viewer may not lock"}

	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	ids := map[int64]int{}
	for i := range 40 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := s.Take(ctx, "self-unlock:ann@example.com", 3, time.Hour, now)
			if err != nil {
				t.Error(err)
			}
			id, err := s.Deny(ctx, refusal, time.Minute)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				taken++
			}
			ids[id]++
		}()
	}
	wg.Wait()
	if taken != 3 {
		t.Errorf("%d takes succeeded across the replicas, want exactly 3", taken)
	}
	if len(ids) != 1 {
		t.Fatalf("the refusals went into %d records, want 1: %v", len(ids), ids)
	}
	got, _ := b.ForTarget(ctx, 42, 10)
	if len(got) != 1 || got[0].Repeats != 39 {
		t.Errorf("records %+v, want one with 39 repeats", got)
	}
}

// TestPostgres_exportStreams: the export reaches the writer row by row; a
// writer that stops part-way stops it with an error rather than a silently
// short file.
func TestPostgres_exportStreams(t *testing.T) {
	s := open(t, pgtest.URL(t), nil)
	ctx := context.Background()
	for range 300 {
		if _, err := s.Begin(ctx, audit.Record{ActorEmail: "ann@example.com", Action: access.Lock, TargetID: 1}); err != nil {
			t.Fatal(err)
		}
	}
	w := &stopAfter{n: 10000}
	if err := s.ExportCSV(ctx, audit.Filter{}, w); err == nil {
		t.Error("an export whose writer failed reported success")
	}
	if w.buf.Len() == 0 {
		t.Error("nothing reached the writer before it failed")
	}
}

type stopAfter struct {
	buf bytes.Buffer
	n   int
}

func (w *stopAfter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.n {
		return 0, errStop
	}
	return w.buf.Write(p)
}

var errStop = &stopError{}

type stopError struct{}

func (*stopError) Error() string { return "the reader went away" }
