package selfunlock_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/sqlitestore"
)

// from is a caller at the nth address of a range, so that many look-ups
// stay within the per-address allowance.
func from(n int) selfunlock.Caller {
	return selfunlock.Caller{IP: fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255), UserAgent: "test browser", RequestID: "req"}
}

// offered is the list Start shows for login.
func offered(t *testing.T, s *selfunlock.Service, n int, login string) []selfunlock.Offer {
	t.Helper()
	_, st, err := s.Start(context.Background(), from(n), login)
	if err != nil || len(st.Factors) == 0 {
		t.Fatalf("Start(%q) = %+v, %v; want factors", login, st, err)
	}
	return st.Factors
}

// TestService_decoysStablePerTypedName: an unknown name shows the same
// list however its letters are cased, on either of two replicas sharing
// the state store, and after a restart.
func TestService_decoysStablePerTypedName(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := sqlitestore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 { // real lists counted before: not the prior alone
		shape := []string{"protect", "protect", "authenticator", "protect+sms"}[i%4]
		if err := st.CountFactorShape(ctx, shape, selfunlock.MaxShapes, selfunlock.MaxShapeTotal); err != nil {
			t.Fatal(err)
		}
	}
	var replica *selfunlock.Service
	b := newBenchWith(t, benchOptions{opts: func(o *selfunlock.Options) {
		o.Shapes = st
		if replica, err = selfunlock.New(allFactors(t), *o); err != nil {
			t.Fatal(err)
		}
	}})
	names := []struct{ typed, other string }{
		{"Nobody@Example.com", "nobody@example.com"},
		{"J.DOE", "j.doe"},
		{"ghost.person@example.org", "GHOST.Person@EXAMPLE.ORG"},
	}
	shown := map[string][]selfunlock.Offer{}
	for i, n := range names {
		shown[n.other] = offered(t, b.s, 2*i, n.typed)
		if again := offered(t, replica, 2*i+1, n.other); !slices.Equal(again, shown[n.other]) {
			t.Errorf("%q on one replica shows %v, %q on the other %v", n.typed, shown[n.other], n.other, again)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	reopened, err := sqlitestore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reopened.Close() })
	restarted := newBenchWith(t, benchOptions{opts: func(o *selfunlock.Options) { o.Shapes = reopened }})
	for i, n := range names {
		if again := offered(t, restarted.s, 10+i, n.typed); !slices.Equal(again, shown[n.other]) {
			t.Errorf("after a restart %q shows %v, before %v", n.typed, again, shown[n.other])
		}
	}
}

// TestService_onlyRealListsAreCounted: 1,000 look-ups of unknown names
// and of an account that is not locked count no shape; a locked account's
// real list counts once a day however often it is looked up.
func TestService_onlyRealListsAreCounted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	shapes := selfunlock.NewMemoryShapes()
	b := newBenchWith(t, benchOptions{quota: 1 << 20, cfg: func(c *config.PublicUnlock) { c.QuotaShare = 100 },
		opts: func(o *selfunlock.Options) { o.Shapes = shapes }})
	want := func(want map[string]int) {
		t.Helper()
		got, err := shapes.FactorShapes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("shapes counted: %v, want %v", got, want)
		}
	}
	const lookUps, hours = 1000, 1
	for i := range lookUps {
		b.clock.Advance(hours * time.Hour / lookUps) // within the page's share of the quota
		offered(t, b.s, i, fmt.Sprintf("person%05d@example.com", i))
	}
	offered(t, b.s, lookUps, fakeonelogin.PersonaViewer)
	want(map[string]int{})

	for i := range 3 {
		offered(t, b.s, lookUps+1+i, fakeonelogin.PersonaLockedTOTP)
	}
	want(map[string]int{"authenticator": 1})
	b.clock.Advance(24 * time.Hour)
	offered(t, b.s, lookUps+4, fakeonelogin.PersonaLockedTOTP)
	want(map[string]int{"authenticator": 2})
}
