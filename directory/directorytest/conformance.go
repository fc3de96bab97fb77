package directorytest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/directory"
)

// Conformance is the behaviour every directory.Store shares; each store's
// tests call it with a way to open an empty store.
func Conformance(t *testing.T, open func(t *testing.T) directory.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	all := func(t *testing.T, s directory.Store) map[int64]directory.Change {
		t.Helper()
		out := map[int64]directory.Change{}
		var after int64
		for {
			cs, err := s.PeopleChanges(ctx, after, 2)
			if err != nil {
				t.Fatalf("PeopleChanges: %v", err)
			}
			for _, c := range cs {
				if c.Seq <= after {
					t.Fatalf("Changes after %d gave %d: not in sequence order", after, c.Seq)
				}
				after = c.Seq
				out[c.Person.ID] = c
			}
			if len(cs) < 2 {
				return out
			}
		}
	}
	put := func(t *testing.T, s directory.Store, ps ...directory.Person) {
		t.Helper()
		if err := s.PutPeople(ctx, ps); err != nil {
			t.Fatalf("PutPeople: %v", err)
		}
	}

	t.Run("roundTrip", func(t *testing.T) {
		s := open(t)
		p := Person(1, t0)
		put(t, s, p, Person(2, t0))
		got := all(t, s)
		if len(got) != 2 || got[1].Deleted {
			t.Fatalf("Changes = %+v, want two people", got)
		}
		if !reflect.DeepEqual(got[1].Person, p) {
			t.Errorf("read back\n%+v\nwant\n%+v", got[1].Person, p)
		}
		if n, err := s.CountPeople(ctx); n != 2 || err != nil {
			t.Errorf("Count = %d, %v", n, err)
		}
	})

	t.Run("olderCopyNeverReplacesNewer", func(t *testing.T) {
		s := open(t)
		newer := Person(1, t0)
		newer.UpdatedAt, newer.Status = t0.Add(time.Minute), client.StatusActive
		put(t, s, newer)
		older := Person(1, t0.Add(time.Hour))
		older.Status, older.UpdatedAt = client.StatusLocked, t0
		put(t, s, older)
		got := all(t, s)[1]
		if got.Person.Status != client.StatusActive || !got.Person.SyncedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("after an older copy: status %v synced %v; want the newer data, synced at the later read", got.Person.Status, got.Person.SyncedAt)
		}
		same := newer
		same.Title, same.SyncedAt = "Changed at the same instant", t0.Add(2*time.Hour)
		put(t, s, same)
		if got := all(t, s)[1]; got.Person.Title != same.Title {
			t.Errorf("a copy as new as the row did not replace it: %+v", got.Person)
		}
	})

	t.Run("changesFollowEveryWrite", func(t *testing.T) {
		s := open(t)
		put(t, s, Person(1, t0), Person(2, t0), Person(3, t0))
		seen := all(t, s)
		last := max(seen[1].Seq, seen[2].Seq, seen[3].Seq)
		put(t, s, Person(2, t0.Add(time.Minute)))
		if err := s.DeletePeople(ctx, []int64{3, 404}); err != nil {
			t.Fatal(err)
		}
		cs, err := s.PeopleChanges(ctx, last, 100)
		if err != nil || len(cs) != 2 || cs[0].Person.ID != 2 || cs[1].Person.ID != 3 || !cs[1].Deleted || cs[0].Deleted {
			t.Fatalf("changes after %d = %+v, %v; want 2 written then 3 deleted", last, cs, err)
		}
		if cs, _ := s.PeopleChanges(ctx, cs[1].Seq, 100); len(cs) != 0 {
			t.Errorf("changes after the last = %+v, want none", cs)
		}
		if n, _ := s.CountPeople(ctx); n != 2 {
			t.Errorf("Count after a deletion = %d, want 2", n)
		}
		put(t, s, Person(3, t0.Add(time.Hour)))
		if n, _ := s.CountPeople(ctx); n != 3 {
			t.Errorf("Count after a deleted person came back = %d, want 3", n)
		}
	})

	t.Run("pruneUnsynced", func(t *testing.T) {
		s := open(t)
		put(t, s, Person(1, t0), Person(2, t0.Add(time.Hour)), Person(3, t0.Add(2*time.Hour)))
		n, err := s.PruneUnsynced(ctx, t0.Add(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("PruneUnsynced = %d, %v; want 1", n, err)
		}
		got := all(t, s)
		if !got[1].Deleted || got[2].Deleted || got[3].Deleted {
			t.Errorf("after pruning: %+v; want only 1 gone", got)
		}
	})

	t.Run("lease", func(t *testing.T) {
		s := open(t)
		const ttl = 30 * time.Second
		if st, err := s.SyncState(ctx); err != nil || st.Complete || st.Owner != "" {
			t.Fatalf("SyncState of a new store = %+v, %v", st, err)
		}
		if _, ok, err := s.ClaimSync(ctx, "a", t0, ttl); !ok || err != nil {
			t.Fatalf("a's claim: %v %v", ok, err)
		}
		if st, ok, err := s.ClaimSync(ctx, "b", t0.Add(ttl/2), ttl); ok || err != nil || st.Owner != "a" {
			t.Fatalf("b's claim while a holds the lease: %v %v (owner %q)", ok, err, st.Owner)
		}
		want := directory.SyncState{Complete: true, Watermark: t0, LastSync: t0.Add(time.Second), Calls: 7,
			Pass: directory.Pass{Started: t0, Cursor: "bGltaXQ9NTAmcGFnZT0y", Listed: 50, Total: 120, Pages: 1}}
		if err := s.SaveSync(ctx, "a", t0.Add(time.Second), want); err != nil {
			t.Fatalf("a saves: %v", err)
		}
		if err := s.SaveSync(ctx, "b", t0.Add(time.Second), directory.SyncState{}); !errors.Is(err, directory.ErrLeaseLost) {
			t.Errorf("b saves without the lease: %v, want ErrLeaseLost", err)
		}
		got, ok, err := s.ClaimSync(ctx, "b", t0.Add(ttl+time.Second), ttl)
		if !ok || err != nil {
			t.Fatalf("b's claim after a's lease ran out: %v %v", ok, err)
		}
		if got.Owner != "b" || !got.LeaseUntil.Equal(t0.Add(2*ttl+time.Second)) {
			t.Errorf("lease = %q until %v", got.Owner, got.LeaseUntil)
		}
		got.Owner, got.LeaseUntil = "", time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("state read back\n%+v\nwant\n%+v", got, want)
		}
		if err := s.SaveSync(ctx, "a", t0.Add(ttl+2*time.Second), want); !errors.Is(err, directory.ErrLeaseLost) {
			t.Errorf("a saves after losing the lease: %v, want ErrLeaseLost", err)
		}
		if err := s.ReleaseSync(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.ClaimSync(ctx, "a", t0.Add(ttl+3*time.Second), ttl); ok {
			t.Error("a released b's lease")
		}
		if err := s.ReleaseSync(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.ClaimSync(ctx, "a", t0.Add(ttl+4*time.Second), ttl); !ok {
			t.Error("a could not claim a released lease")
		}
	})
}

// Person is a full row for id, synced at `at`, with every field set.
func Person(id int64, at time.Time) directory.Person {
	return directory.Person{
		ID: id, Firstname: "José", Lastname: fmt.Sprintf("Müller %d", id),
		Email: fmt.Sprintf("p%d@northwind.example", id), Username: fmt.Sprintf("p%d", id),
		Status: client.StatusLocked, State: client.StateApproved,
		LockedUntil: at.Add(30 * time.Minute), LastLogin: at.Add(-time.Hour), PasswordChangedAt: at.Add(-48 * time.Hour),
		Title: "Engineer", Department: "Façade", Company: "Northwind", ManagerUserID: 9, ManagerADID: "ad-9",
		RoleIDs: []int64{3, 7}, DirectoryID: 4, Custom: map[string]string{"site": "Zürich"},
		UpdatedAt: at.Add(-time.Minute), SyncedAt: at,
	}
}
