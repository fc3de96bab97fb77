package client

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
)

// Contract tests for the Events API against the fake tenant, which records
// events for what happens in it.

// allEvents collects AllEvents(q).
func allEvents(t *testing.T, c *Client, q EventQuery) []Event {
	t.Helper()
	var out []Event
	for e, err := range c.AllEvents(t.Context(), q) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func typeIDs(evs []Event) []int {
	out := make([]int, len(evs))
	for i, e := range evs {
		out[i] = e.TypeID
	}
	return out
}

func TestEvents_List_apiLockDecoded(t *testing.T) {
	clock := fixedClock()
	srv, c := newFake(t, fakeonelogin.Options{Clock: clock})
	if err := c.LockUser(t.Context(), fakeonelogin.PersonaHelpdeskID, 0); err != nil {
		t.Fatal(err)
	}
	evs, page, err := c.ListEvents(t.Context(), EventQuery{UserID: fakeonelogin.PersonaHelpdeskID})
	if err != nil || len(evs) != 1 || page != (Page{}) {
		t.Fatalf("events %+v page %+v err %v", evs, page, err)
	}
	e := evs[0]
	want := Event{ID: e.ID, CreatedAt: clock.Now(), TypeID: EventLockedViaAPI, AccountID: fakeonelogin.DefaultAccountID,
		UserID: fakeonelogin.PersonaHelpdeskID, UserName: "Tomás Herrera", ActorUserName: "API", ActorSystem: "API",
		IPAddr: "127.0.0.1", ClientID: srv.ClientID}
	if e.ID <= 1<<31 || !reflect.DeepEqual(e, want) {
		t.Errorf("event %+v\n want %+v", e, want)
	}
}

// The fake lists oldest first unless asked (OneLogin's default order is
// undocumented); the client always asks for the newest first.
func TestEvents_List_newestFirst(t *testing.T) {
	clock := fixedClock()
	_, c := newFake(t, fakeonelogin.Options{Clock: clock})
	for _, id := range []int64{fakeonelogin.PersonaAdminID, fakeonelogin.PersonaHelpdeskID, fakeonelogin.PersonaViewerID} {
		if err := c.LogoutUser(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}
	evs, _, err := c.ListEvents(t.Context(), EventQuery{TypeIDs: []int{EventLoggedOut}})
	if err != nil || len(evs) != 3 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	if evs[0].UserID != fakeonelogin.PersonaViewerID || evs[2].UserID != fakeonelogin.PersonaAdminID || !evs[0].CreatedAt.After(evs[1].CreatedAt) {
		t.Errorf("not newest first: %+v", evs)
	}
	oldest, _, _ := c.ListEvents(t.Context(), EventQuery{TypeIDs: []int{EventLoggedOut}, Sort: "+created_at"})
	if len(oldest) != 3 || oldest[0].UserID != fakeonelogin.PersonaAdminID {
		t.Errorf("+created_at: %+v", oldest)
	}
}

func TestEvents_List_filters(t *testing.T) {
	clock := fixedClock()
	srv, c := newFake(t, fakeonelogin.Options{Clock: clock})
	ctx := t.Context()
	start := clock.Now()
	if err := c.LockUser(ctx, fakeonelogin.PersonaAdminID, 0); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	mid := clock.Now()
	if err := c.UnlockUser(ctx, fakeonelogin.PersonaAdminID); err != nil {
		t.Fatal(err)
	}
	if err := c.LogoutUser(ctx, fakeonelogin.PersonaAdminID); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	srv.Tenant.RecordSignIn(fakeonelogin.SignIn{UserID: fakeonelogin.PersonaAdminID, IP: "203.0.113.9", Reason: "Invalid password"})
	admin := fakeonelogin.PersonaAdminID
	for _, tc := range []struct {
		name string
		q    EventQuery
		want []int // type ids, newest first
	}{
		{"user", EventQuery{UserID: admin}, []int{EventLoginFailed, EventLoggedOut, EventUnlockedViaAPI, EventLockedViaAPI}},
		{"several types", EventQuery{UserID: admin, TypeIDs: []int{EventLockedViaAPI, EventUnlockedViaAPI}}, []int{EventUnlockedViaAPI, EventLockedViaAPI}},
		{"since is strictly after", EventQuery{UserID: admin, Since: start}, []int{EventLoginFailed, EventLoggedOut, EventUnlockedViaAPI}},
		{"until is strictly before", EventQuery{UserID: admin, Until: mid}, []int{EventLockedViaAPI}},
		{"window", EventQuery{UserID: admin, Since: start.Add(-time.Millisecond), Until: mid.Add(time.Millisecond)}, []int{EventLoggedOut, EventUnlockedViaAPI, EventLockedViaAPI}},
		{"created at", EventQuery{UserID: admin, CreatedAt: mid}, []int{EventLoggedOut, EventUnlockedViaAPI}},
		{"by the API", EventQuery{UserID: admin, ClientID: srv.ClientID}, []int{EventLoggedOut, EventUnlockedViaAPI, EventLockedViaAPI}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, _, err := c.ListEvents(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := typeIDs(evs); !slices.Equal(got, tc.want) {
				t.Errorf("types %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEvents_All_walksEveryPage(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	srv.Tenant.Spray(6) // 6 people x (5 failures + a lock), plus the seeded history
	one, _, err := c.ListEvents(t.Context(), EventQuery{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	srv.Tenant.ResetCalls()
	paged := allEvents(t, c, EventQuery{Limit: 7})
	whole := allEvents(t, c, EventQuery{})
	if len(paged) < 36 || !reflect.DeepEqual(paged, whole) || !reflect.DeepEqual(paged[:len(one)], one) {
		t.Fatalf("paged %d events, whole %d, first page %d", len(paged), len(whole), len(one))
	}
	seen := map[int64]bool{}
	for i, e := range paged {
		if seen[e.ID] {
			t.Fatalf("event %d twice", e.ID)
		}
		seen[e.ID] = true
		if i > 0 && e.CreatedAt.After(paged[i-1].CreatedAt) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	want := (len(paged)+6)/7 + (len(paged)+49)/50
	if n := srv.Tenant.CallCount("GET", "/api/1/events"); n != want {
		t.Errorf("list calls = %d, want %d", n, want)
	}
}

func TestEvents_All_breakStopsRequests(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	srv.Tenant.Spray(3)
	srv.Tenant.ResetCalls()
	n := 0
	for _, err := range c.AllEvents(t.Context(), EventQuery{Limit: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 7 {
			break
		}
	}
	if calls := srv.Tenant.CallCount("GET", "/api/1/events"); calls != 2 {
		t.Errorf("list calls = %d, want 2", calls)
	}
}

func TestEvents_Get_sameAsListed(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	evs, _, err := c.ListEvents(t.Context(), EventQuery{UserID: fakeonelogin.PersonaLockedID, Limit: 1})
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v %v", evs, err)
	}
	e, err := c.GetEvent(t.Context(), evs[0].ID)
	if err != nil || !reflect.DeepEqual(*e, evs[0]) {
		t.Errorf("get %+v\nlist %+v\nerr %v", e, evs[0], err)
	}
}

func TestEvents_Get_notFound(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	_, err := c.GetEvent(t.Context(), 1)
	wantErr(t, err, ErrNotFound, "Event for id 1 was not found", "")
}

func TestEventTypes_fake(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	types, err := c.EventTypes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	names := map[int]string{}
	for _, et := range types {
		names[et.ID] = et.Name
		if et.Description == "" {
			t.Errorf("type %d has no description", et.ID)
		}
	}
	for id, name := range map[int]string{EventLoggedIn: "USER_LOGGED_INTO_ONELOGIN", EventLoginFailed: "USER_FAILED_ONELOGIN_LOGIN",
		EventLocked: "USER_LOCKED", EventUnlocked: "UNLOCKED_USER", EventAPILock: "API_LOCK_USER", EventLockedViaAPI: "USER_LOCKED_VIA_API",
		EventUnlockedViaAPI: "UNLOCKED_USER_VIA_API", EventSuspendedViaAPI: "SUSPENDED_USER_VIA_API", EventPasswordExpired: "USER_REDIRECTED_FOR_PASSWORD_CHANGE",
		EventLoggedOut: "USER_LOGGED_OUT_OF_ONELOGIN", EventLoggedIntoApp: "USER_LOGGED_INTO_APP", EventAppLoginFailed: "USER_FAILED_APP_LOGIN",
		EventSuspended: "SUSPENDED_USER", EventReactivated: "REACTIVATED_USER", EventReactivatedViaAPI: "REACTIVATED_USER_VIA_API"} {
		if names[id] != name {
			t.Errorf("type %d is %q, want %q (client constant and fake disagree)", id, names[id], name)
		}
	}
	srv.Tenant.ResetCalls()
	if _, err := c.EventTypes(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := srv.Tenant.CallCount("GET", "/api/1/events/types"); n != 0 {
		t.Errorf("second call within a day made %d requests", n)
	}
}

// Why is this person locked? After a spray, their events say: failed
// sign-ins from abroad with risk reasons, then the policy's lock.
func TestEvents_sprayExplainsTheLock(t *testing.T) {
	clock := fixedClock()
	srv, c := newFake(t, fakeonelogin.Options{Clock: clock})
	ids := srv.Tenant.Spray(3)
	if len(ids) != 3 {
		t.Fatalf("sprayed %v", ids)
	}
	for _, id := range ids {
		u, err := c.GetUser(t.Context(), id)
		if err != nil || u.Status != StatusLocked || u.InvalidLoginAttempts != fakeonelogin.DefaultMaxLoginAttempts {
			t.Fatalf("user %d: %+v %v", id, u, err)
		}
		evs := allEvents(t, c, EventQuery{UserID: id, Since: clock.Now().Add(-5 * time.Minute)})
		if got, want := typeIDs(evs), []int{EventLocked, 6, 6, 6, 6, 6}; !slices.Equal(got, want) {
			t.Fatalf("user %d: types %v, want %v", id, got, want)
		}
		lock := evs[0]
		if lock.ActorSystem != "" || lock.ClientID != "" || !u.LockedUntil.Equal(lock.CreatedAt.Add(fakeonelogin.DefaultPolicyLockMinutes*time.Minute)) {
			t.Errorf("lock %+v, locked until %v", lock, u.LockedUntil)
		}
		for _, e := range evs[1:] {
			if e.IPAddr == "" || e.RiskScore == 0 || len(e.RiskReasons) == 0 || e.Notes != "Invalid password" || e.BrowserFingerprint == "" {
				t.Errorf("failure %+v", e)
			}
		}
	}
}

func TestEvents_signInDecoded(t *testing.T) {
	clock := fixedClock()
	srv, c := newFake(t, fakeonelogin.Options{Clock: clock})
	srv.Tenant.RecordSignIn(fakeonelogin.SignIn{UserID: fakeonelogin.PersonaViewerID, Success: true, IP: "192.0.2.44",
		App: "Zendesk", UserAgent: "Mozilla/5.0", RiskScore: 48, RiskReasons: []string{"New device", "New city"}})
	evs, _, err := c.ListEvents(t.Context(), EventQuery{UserID: fakeonelogin.PersonaViewerID, TypeIDs: []int{EventLoggedIn}})
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v %v", evs, err)
	}
	e := evs[0]
	if e.RiskScore != 48 || !slices.Equal(e.RiskReasons, []string{"New device", "New city"}) || e.AppName != "Zendesk" || e.AppID == 0 ||
		e.IPAddr != "192.0.2.44" || e.ActorUserID != fakeonelogin.PersonaViewerID || !e.CreatedAt.Equal(clock.Now()) {
		t.Errorf("sign-in %+v", e)
	}
}

func TestEvents_readScopeSuffices(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{Scope: fakeonelogin.ScopeReadUsers})
	if _, _, err := c.ListEvents(t.Context(), EventQuery{Limit: 1}); err != nil {
		t.Errorf("list: %v", err)
	}
	_, err := c.GetEvent(t.Context(), 1)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("get: %v", err)
	}
}
