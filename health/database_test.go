package health

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// fakeDB answers Ping as told: up, down at once, or not until the deadline.
type fakeDB struct{ state atomic.Int32 } // 0 up, 1 refused, 2 hangs

func (d *fakeDB) Ping(ctx context.Context) error {
	switch d.state.Load() {
	case 1:
		return errors.New("dial tcp 10.1.2.3:5432: connect: connection refused (user=helpdesk)")
	case 2:
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

// TestReady_database: the database going away makes the console not ready,
// with a reason that names neither host nor user, and coming back makes it
// ready again once the cached verdict expires, without a restart.
func TestReady_database(t *testing.T) {
	synctest.Test(t, testReadyDatabase)
}

func testReadyDatabase(t *testing.T) {
	db := &fakeDB{}
	var oneLoginAsked atomic.Int32
	oneLogin := func(context.Context) error { oneLoginAsked.Add(1); return nil }
	p := New(All(Database(db), oneLogin), Options{Timeout: 50 * time.Millisecond})
	ctx := context.Background()
	steps := []struct {
		state int32
		want  string
	}{
		{0, ""},
		{1, "the database cannot be reached"},
		{2, "the database did not answer in time"},
		{0, ""},
	}
	for i, s := range steps {
		db.state.Store(s.state)
		time.Sleep(DefaultCacheFor) // virtual time: the cached verdict expires
		err := p.Check(ctx)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != s.want {
			t.Errorf("step %d (database state %d): %q, want %q", i, s.state, got, s.want)
		}
	}
	if n := oneLoginAsked.Load(); n != 2 {
		t.Errorf("OneLogin asked %d times, want 2: only while the database answers", n)
	}
}
