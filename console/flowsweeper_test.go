package console

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/sqlitestore"
)

// TestFlowSweeper_expiredFlowsGoWithoutRequests: the console's sweeper
// deletes the public unlock page's expired flows from the state store
// within selfunlock.SweepEvery though no request arrives, and stop (in
// Close) ends it.
func TestFlowSweeper_expiredFlowsGoWithoutRequests(t *testing.T) {
	st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "a.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	synctest.Test(t, func(t *testing.T) {
		flows, err := selfunlock.NewSealedStore(st, [][]byte{[]byte("a session key of 32 bytes, or so")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		id, ok, err := flows.Add(ctx, &selfunlock.Flow{})
		if err != nil || !ok {
			t.Fatalf("Add: %t, %v", ok, err)
		}
		// The bubble ends only once every goroutine in it has: a sweeper
		// that outlived stop would fail the test.
		s := startFlowSweeper(flows, slog.New(slog.DiscardHandler))
		defer s.stop()
		time.Sleep(selfunlock.FlowTTL + selfunlock.SweepEvery)
		synctest.Wait()
		// Read as of long ago: the row is there unless it was deleted.
		if _, _, ok, err := st.UnlockFlow(ctx, id, time.Time{}); ok || err != nil {
			t.Errorf("the expired flow is still stored: %t, %v", ok, err)
		}
	})
}
