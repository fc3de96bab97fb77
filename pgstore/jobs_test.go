package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/jobs/jobstest"
	"onelogin-helpdesk/pgstore/pgtest"
)

func TestPostgres_jobsConform(t *testing.T) {
	jobstest.Conformance(t, func(t *testing.T) jobs.Store { return open(t, pgtest.URL(t), nil) })
}

// TestPostgres_replicasClaimOneJob: two stores on one database, as two
// replicas, claim the same single job at the same moment from many
// goroutines each: exactly one claim gets it, and the other replica sees
// that claim's lease and progress.
func TestPostgres_replicasClaimOneJob(t *testing.T) {
	u := pgtest.URL(t)
	a, b := open(t, u, nil), open(t, u, nil)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const ttl = 30 * time.Second
	const id = "00000000000000aa"
	if err := a.CreateJob(ctx, jobs.Job{ID: id, Kind: jobs.KindUnlock, Created: t0},
		[]jobs.Item{{TargetID: 1, Email: "p1@example.com"}, {TargetID: 2, Email: "p2@example.com"}}); err != nil {
		t.Fatal(err)
	}

	const perReplica = 8
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		winner []string
	)
	start := make(chan struct{})
	for i := range 2 * perReplica {
		s, replica := a, "a"
		if i%2 == 1 {
			s, replica = b, "b"
		}
		owner := fmt.Sprintf("%s-%d", replica, i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			j, ok, err := s.Claim(ctx, owner, t0, ttl)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				mu.Lock()
				winner = append(winner, owner)
				mu.Unlock()
				if j.ID != id || j.Owner != owner || j.Runs != 1 {
					t.Errorf("claimed %s owner %q runs %d", j.ID, j.Owner, j.Runs)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(winner) != 1 {
		t.Fatalf("claims that got the job: %v, want exactly one", winner)
	}
	owner := winner[0]
	holder, other := a, b
	if owner[0] == 'b' {
		holder, other = b, a
	}

	// The holder works; the other replica shows its progress.
	if err := holder.StartItem(ctx, id, 1, owner, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := holder.FinishItem(ctx, id, 1, owner, jobs.ItemDone, "", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	j, err := other.Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if j.Owner != owner || !j.LeaseUntil.Equal(t0.Add(ttl)) || j.Counts != (jobs.Counts{Total: 2, Pending: 1, Done: 1}) {
		t.Errorf("the other replica sees owner %q until %v with %+v; want %q until %v, one done", j.Owner, j.LeaseUntil, j.Counts, owner, t0.Add(ttl))
	}
	if _, ok, err := other.Claim(ctx, "c", t0.Add(ttl-time.Microsecond), ttl); ok || err != nil {
		t.Errorf("the other replica claimed a held job: %v %v", ok, err)
	}

	// Once the lease runs out the other replica takes the job over, and the
	// first can start no one more.
	late := t0.Add(ttl)
	if j, ok, err := other.Claim(ctx, "c", late, ttl); !ok || err != nil || j.Runs != 2 {
		t.Fatalf("claim after the lease ran out = %v runs %d, %v", ok, j.Runs, err)
	}
	if err := holder.StartItem(ctx, id, 2, owner, late); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("the first replica starting a person after the takeover = %v, want ErrLeaseLost", err)
	}
}
