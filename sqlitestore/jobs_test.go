package sqlitestore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/jobs/jobstest"
)

func TestSQLite_jobsConform(t *testing.T) {
	jobstest.Conformance(t, func(t *testing.T) jobs.Store {
		s, err := Open(filepath.Join(t.TempDir(), "state.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestSQLite_jobsSurviveRestart: a job, its people's outcomes and the
// person a runner had in hand are all there after the file is reopened.
func TestSQLite_jobsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	j := jobs.Job{ID: "00000000000000a1", Kind: jobs.KindLogout, Created: now, Ticket: "INC-1"}
	if err := s.CreateJob(ctx, j, []jobs.Item{{TargetID: 1}, {TargetID: 2}, {TargetID: 3}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Claim(ctx, "before", now, time.Minute); !ok || err != nil {
		t.Fatal(ok, err)
	}
	for seq := 1; seq <= 2; seq++ {
		if err := s.StartItem(ctx, j.ID, seq, "before", now); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FinishItem(ctx, j.ID, 1, "before", jobs.ItemDone, "", now); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, ok, err := s.Claim(ctx, "after", now.Add(time.Minute), time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim after the restart: %v %v", ok, err)
	}
	if got.Runs != 2 || got.Ticket != "INC-1" || got.Kind != jobs.KindLogout ||
		got.Counts != (jobs.Counts{Total: 3, Pending: 1, Working: 1, Done: 1}) {
		t.Errorf("after the restart: %+v", got)
	}
}
