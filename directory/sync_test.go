package directory_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/directory"
	"onelogin-helpdesk/directory/directorytest"
	"onelogin-helpdesk/fakeonelogin"
)

// bubbleEpoch is where time starts in a synctest bubble.
var bubbleEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// bubbleClock is the fake tenant's clock in these tests. The tenant is
// built outside the bubble (its server listens on a socket, which a bubble
// cannot wait on), seeded at the bubble's epoch, and then reads the
// bubble's time, so that the tenant, the client and the sync agree.
type bubbleClock struct{ inside atomic.Bool }

func (c *bubbleClock) Now() time.Time {
	if c.inside.Load() {
		return time.Now()
	}
	return bubbleEpoch
}

type syncFixture struct {
	srv   *fakeonelogin.Server
	c     *client.Client
	store *directorytest.Memory
	ix    *directory.Index
}

// inBubble runs f in a synctest bubble with a fake tenant of n people,
// the client talking to it in process, an empty store and an index.
func inBubble(t *testing.T, n int, f func(t *testing.T, fx *syncFixture)) {
	clock := &bubbleClock{}
	srv := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 4, Users: n, Clock: clock})
	t.Cleanup(srv.Close)
	synctest.Test(t, func(t *testing.T) {
		clock.inside.Store(true)
		defer clock.inside.Store(false)
		c, err := client.New(srv.URL, srv.ClientID, srv.ClientSecret, client.WithHTTPClient(&http.Client{Transport: srv.Transport()}))
		if err != nil {
			t.Fatal(err)
		}
		store := directorytest.NewMemory()
		f(t, &syncFixture{srv: srv, c: c, store: store, ix: directory.NewIndex(store, directory.IndexOptions{})})
	})
}

func (fx *syncFixture) syncer(owner string) *directory.Syncer {
	return directory.NewSyncer(fx.store, fx.c, fx.ix, directory.SyncOptions{Owner: owner, Quota: fx.c.RateLimit})
}

// run runs s until the test's end.
func run(t *testing.T, s *directory.Syncer) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func listCalls(srv *fakeonelogin.Server) []fakeonelogin.Call {
	var out []fakeonelogin.Call
	for _, c := range srv.Tenant.Calls() {
		if c.Path == "/api/2/users" {
			out = append(out, c)
		}
	}
	return out
}

func (fx *syncFixture) search(t *testing.T, q directory.Query) directory.Result {
	t.Helper()
	res, err := fx.ix.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSyncer_firstListingIsPacedAndShowsProgress: 300 people are 6 pages
// of 50; at OneLogin's 5,000 calls an hour the sync spends at most 10%,
// one page every 7.2s. Until the last page search says the index is not
// complete, and the progress is readable.
func TestSyncer_firstListingIsPacedAndShowsProgress(t *testing.T) {
	inBubble(t, 300, func(t *testing.T, fx *syncFixture) {
		ctx := context.Background()
		start := time.Now()
		run(t, fx.syncer("a"))
		time.Sleep(10 * time.Second)
		synctest.Wait()
		st, _ := fx.store.SyncState(ctx)
		if st.Complete || st.Pass.Listed != 100 || st.Pass.Total != 300 || st.Pass.Pages != 2 {
			t.Errorf("after 10s: %+v; want 2 pages, 100 of 300 listed, not complete", st.Pass)
		}
		if res := fx.search(t, directory.Query{}); res.Complete {
			t.Error("search says complete during the first listing")
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		res := fx.search(t, directory.Query{Limit: 1000})
		if !res.Complete || res.Total != fx.srv.Tenant.UserCount() {
			t.Fatalf("after a minute: complete %v with %d people, want all %d", res.Complete, res.Total, fx.srv.Tenant.UserCount())
		}
		calls := listCalls(fx.srv)
		for i := 1; i < 6; i++ {
			if gap := calls[i].Time.Sub(calls[i-1].Time); gap < 7200*time.Millisecond {
				t.Errorf("page %d came %v after the one before, want ≥ 7.2s", i+1, gap)
			}
		}
		if calls[5].Time.Sub(start) > 40*time.Second {
			t.Errorf("the listing took %v, want 5 intervals of 7.2s", calls[5].Time.Sub(start))
		}
		for _, c := range calls {
			if c.Query.Get("fields") == "" {
				t.Errorf("%s asks without fields: custom attributes and roles would be missing", c.RawQuery)
			}
		}
	})
}

// TestSyncer_incremental: once complete, a round with nothing changed
// costs one call; a change in OneLogin shows within a period; a deletion
// within the deletion check; a person page's read at once.
func TestSyncer_incremental(t *testing.T) {
	inBubble(t, 120, func(t *testing.T, fx *syncFixture) {
		ctx := context.Background()
		run(t, fx.syncer("a"))
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if !fx.search(t, directory.Query{}).Complete {
			t.Fatal("not complete after 30s")
		}
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		fx.srv.Tenant.ResetCalls()
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := len(fx.srv.Tenant.Calls()); n != 1 {
			t.Errorf("a round with nothing changed made %d calls, want 1", n)
		}

		locked := fakeonelogin.PersonaAdminID
		fx.srv.Tenant.Lock(locked, 30)
		time.Sleep(time.Minute)
		synctest.Wait()
		res := fx.search(t, directory.Query{Conditions: []directory.Condition{directory.Locked}, Limit: 1000})
		found := false
		for _, h := range res.Hits {
			found = found || h.Person.ID == locked
		}
		if !found {
			t.Errorf("a lock made in OneLogin is not in Locked a minute later")
		}

		snap, _ := fx.srv.Tenant.User(locked)
		if err := fx.c.DeleteUser(ctx, locked); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if _, ok, _ := fx.ix.Person(ctx, locked); ok {
			t.Errorf("%s still in the index 5 minutes after OneLogin deleted them", snap.Email)
		}

		// A person page reads OneLogin and hands the index what it read.
		other := fakeonelogin.PersonaLockedID
		if err := fx.c.UnlockUser(ctx, other); err != nil {
			t.Fatal(err)
		}
		u, err := fx.c.GetUser(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		if err := fx.ix.Refresh(ctx, *u); err != nil {
			t.Fatal(err)
		}
		if p, _, _ := fx.ix.Person(ctx, other); p.ConditionAt(time.Now()) != directory.Active {
			t.Errorf("after a read-back the index says %v, want active at once", p.ConditionAt(time.Now()))
		}
	})
}

// TestSyncer_reconcileDropsPeopleNoEventToldOf: a row OneLogin does not
// list (a deletion whose event was missed) goes at the next full listing.
func TestSyncer_reconcileDropsPeopleNoEventToldOf(t *testing.T) {
	inBubble(t, 60, func(t *testing.T, fx *syncFixture) {
		ctx := context.Background()
		ghost := directorytest.Person(999999, time.Now().Add(-time.Hour))
		if err := fx.store.PutPeople(ctx, []directory.Person{ghost}); err != nil {
			t.Fatal(err)
		}
		run(t, fx.syncer("a"))
		time.Sleep(time.Minute)
		synctest.Wait()
		if _, ok, _ := fx.ix.Person(ctx, ghost.ID); ok {
			t.Fatal("a person OneLogin does not list survived the first listing")
		}
		if err := fx.store.PutPeople(ctx, []directory.Person{directorytest.Person(999998, time.Now())}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(23 * time.Hour)
		synctest.Wait()
		if _, ok, _ := fx.ix.Person(ctx, 999998); !ok {
			t.Fatal("the row went before the reconcile period")
		}
		time.Sleep(90 * time.Minute)
		synctest.Wait()
		if _, ok, _ := fx.ix.Person(ctx, 999998); ok {
			t.Error("the reconcile kept a person OneLogin does not list")
		}
		if st, _ := fx.store.SyncState(ctx); st.LastPass.Before(bubbleEpoch.Add(24 * time.Hour)) {
			t.Errorf("last full listing at %v, want one after a day", st.LastPass)
		}
	})
}

// TestSyncer_oneReplicaAtATime: two replicas on one store; one lists, and
// when it stops the other takes over after the lease runs out.
func TestSyncer_oneReplicaAtATime(t *testing.T) {
	inBubble(t, 120, func(t *testing.T, fx *syncFixture) {
		ctx := context.Background()
		a, b := fx.syncer("a"), fx.syncer("b")
		actx, stopA := context.WithCancel(ctx)
		aDone := make(chan struct{})
		go func() { a.Run(actx); close(aDone) }()
		time.Sleep(time.Second) // a takes the lease first
		run(t, b)
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if n := len(listCalls(fx.srv)); n != 3 {
			t.Errorf("two replicas made %d listing calls for 3 pages, want 3", n)
		}
		if st, _ := fx.store.SyncState(ctx); st.Owner != "a" {
			t.Errorf("lease held by %q, want a", st.Owner)
		}
		stopA()
		<-aDone
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		if st, _ := fx.store.SyncState(ctx); st.Owner != "b" || st.LastSync.Before(bubbleEpoch.Add(2*time.Minute)) {
			t.Errorf("after a stopped: owner %q, last sync %v; want b syncing", st.Owner, st.LastSync)
		}
	})
}
