package console

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/sqlitestore"
)

// readsLocked is a OneLogin whose every account reads Locked.
type readsLocked struct{}

func (readsLocked) GetUser(_ context.Context, id int64) (*client.User, error) {
	return &client.User{ID: id, Status: client.StatusLocked}, nil
}

// TestSettler_atStartAndPeriodically: the console settles the records a
// crash left pending as soon as it starts, and again every settleEvery for
// those that grow old while it runs.
func TestSettler_atStartAndPeriodically(t *testing.T) {
	st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "a.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	synctest.Test(t, func(t *testing.T) {
		begin := func(at time.Time) int64 {
			id, err := st.Begin(ctx, audit.Record{Time: at, ActorEmail: "a@example.com", Action: access.Lock, TargetID: 7})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		outcome := func(id int64) audit.Outcome {
			rs, err := st.ForTarget(ctx, 7, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.ID == id {
					if r.Outcome == audit.OutcomeUnknown && !strings.Contains(r.Message, "now reads: Locked") {
						t.Errorf("message %q", r.Message)
					}
					return r.Outcome
				}
			}
			t.Fatalf("record %d gone", id)
			return ""
		}
		crashed := begin(time.Now().Add(-time.Hour))
		inFlight := begin(time.Now())
		s := startSettler(st, readsLocked{}, 10*time.Second, slog.New(slog.DiscardHandler))
		defer s.stop()
		time.Sleep(time.Second)
		synctest.Wait()
		if o := outcome(crashed); o != audit.OutcomeUnknown {
			t.Errorf("at start: the crashed record is %s, want unknown", o)
		}
		if o := outcome(inFlight); o != audit.OutcomePending {
			t.Errorf("at start: the record in flight is %s, want still pending", o)
		}
		time.Sleep(settleEvery)
		synctest.Wait()
		if o := outcome(inFlight); o != audit.OutcomeUnknown {
			t.Errorf("after %v: %s, want unknown", settleEvery, o)
		}
	})
}
