package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/limits"
	"onelogin-helpdesk/limits/limitstest"
)

// TestSQLite_survivesRestart closes the file mid-trail and reopens it, as a
// process restart would.
func TestSQLite_survivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "audit.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	done, _ := s.Begin(ctx, lockRecord())
	if err := s.Complete(ctx, done, audit.Result{Outcome: audit.OutcomeSucceeded, Status: 200}); err != nil {
		t.Fatal(err)
	}
	pending, _ := s.Begin(ctx, lockRecord())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, err := s.ForTarget(ctx, 42, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].ID != done || got[1].Outcome != audit.OutcomeSucceeded || got[0].Outcome != audit.OutcomePending {
		t.Fatalf("after reopen: %+v", got)
	}
	// The attempt interrupted by the restart can still be completed.
	if err := s.Complete(ctx, pending, audit.Result{Outcome: audit.OutcomeFailed, Message: "interrupted"}); err != nil {
		t.Fatal(err)
	}
	next, _ := s.Begin(ctx, lockRecord())
	if next <= pending {
		t.Errorf("id after restart = %d, want > %d", next, pending)
	}
}

func TestSQLite_walMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mode string
	if err := s.w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	// The read pool cannot write, so a bug there cannot bypass validation.
	if _, err := s.r.Exec("DELETE FROM audit_records"); err == nil {
		t.Error("read pool accepted a write")
	}
}

func TestSQLite_refusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path, nil); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("OpenSQLite on a newer schema: %v", err)
	}
}

func TestSQLite_badPath(t *testing.T) {
	for _, p := range []string{"", "x.db?mode=ro", filepath.Join(t.TempDir(), "missing-dir", "a.db")} {
		if s, err := Open(p, nil); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

func TestSQLite_clockAndContext(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	s, err := Open(filepath.Join(t.TempDir(), "a.db"), nil, audit.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Begin(ctx, lockRecord()); err != nil {
		t.Fatal(err)
	}
	got, _ := s.ForTarget(ctx, 42, 1)
	if !got[0].Time.Equal(now) {
		t.Errorf("time = %v, want %v", got[0].Time, now)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Begin(cancelled, lockRecord()); !errors.Is(err, context.Canceled) {
		t.Errorf("Begin with cancelled context: %v", err)
	}
}

func TestSQLite_conforms(t *testing.T) {
	audittest.Conformance(t, func(t *testing.T, log *slog.Logger, opts ...audit.Option) audit.Store {
		s, err := Open(filepath.Join(t.TempDir(), "audit.db"), log, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func lockRecord() audit.Record {
	return audit.Record{
		ActorEmail: "ann@example.com", ActorRole: "helpdesk", TargetID: 42, TargetEmail: "bob@example.com",
		Action: access.Lock, Params: map[string]string{"minutes": "30"}, Ticket: "INC-1",
	}
}

// TestSQLite_readableByItsOwnerOnly: the trail and its WAL and shared-memory
// files are created 0600, and a trail created looser is tightened on open.
func TestSQLite_readableByItsOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	loose := filepath.Join(dir, "loose.db")
	if err := os.WriteFile(loose, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "audit.db"), loose} {
		s, err := Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Begin(context.Background(), lockRecord()); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if mode := fi.Mode().Perm(); mode != 0o600 {
				t.Errorf("%s is %v, want -rw-------", filepath.Base(p), mode)
			}
		}
		s.Close()
	}
}

func TestSQLite_limitsConform(t *testing.T) {
	limitstest.Conformance(t, func(t *testing.T) limits.Store {
		s, err := Open(filepath.Join(t.TempDir(), "state.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestSQLite_limitsSurviveRestart: an allowance used before a restart is
// still used after it.
func TestSQLite_limitsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := s.Take(ctx, "k", 1, time.Hour, now); !ok || err != nil {
		t.Fatalf("%v %v", ok, err)
	}
	s.Close()
	s, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ok, _, _ := s.Take(ctx, "k", 1, time.Hour, now.Add(time.Minute)); ok {
		t.Error("the allowance was fresh again after a restart")
	}
}
