// Package sessionstest holds the conformance suite every sessions.Store
// passes, so the in-memory store, SQLite and PostgreSQL behave alike.
package sessionstest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/sessions"
)

// Opener opens a fresh, empty store for one test.
type Opener func(t *testing.T) sessions.Store

// Conformance runs the shared behaviour against stores from open, which
// returns a fresh, empty store for each test.
func Conformance(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"saveReadReplace", saveReadReplace},
		{"invalidSessionsRefused", invalidSessionsRefused},
		{"touchUpdatesSeenButNeverRevives", touchUpdatesSeenButNeverRevives},
		{"deleteOneAndOthers", deleteOneAndOthers},
		{"listNewestFirst", listNewestFirst},
		{"sweepDropsIdleAndOld", sweepDropsIdleAndOld},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)

func newSession(email string) sessions.Session {
	_, id := sessions.NewToken()
	return sessions.Session{ID: id, Email: email, Name: "Ann Example", Groups: []string{"Helpdesk", "Staff, all"},
		Role: access.RoleHelpdesk, CSRF: "csrf-secret", Created: t0, Seen: t0, Checked: t0,
		SourceIP: "10.0.0.7", UserAgent: "Firefox"}
}

func saveReadReplace(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	s := newSession("ann@example.com")
	if err := st.SaveSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, ok, err := st.Session(ctx, s.ID)
	if err != nil || !ok {
		t.Fatalf("Session: %v %v", ok, err)
	}
	if got.Email != s.Email || got.Name != s.Name || strings.Join(got.Groups, "|") != "Helpdesk|Staff, all" ||
		got.Role != access.RoleHelpdesk || got.CSRF != "csrf-secret" || !got.Created.Equal(t0) ||
		!got.Seen.Equal(t0) || !got.Checked.Equal(t0) || got.SourceIP != "10.0.0.7" || got.UserAgent != "Firefox" {
		t.Errorf("read back %+v, want %+v", got, s)
	}
	s.Role, s.Groups, s.Checked = access.RoleViewer, nil, t0.Add(time.Hour)
	if err := st.SaveSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, _, _ = st.Session(ctx, s.ID)
	if got.Role != access.RoleViewer || len(got.Groups) != 0 || !got.Checked.Equal(t0.Add(time.Hour)) {
		t.Errorf("after replace: %+v", got)
	}
	if all, _ := st.ListSessions(ctx); len(all) != 1 {
		t.Errorf("replace made %d sessions", len(all))
	}
	if _, ok, err := st.Session(ctx, strings.Repeat("0", 64)); ok || err != nil {
		t.Errorf("unknown id: %v %v", ok, err)
	}
}

func invalidSessionsRefused(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	noEmail := newSession("")
	badID := newSession("ann@example.com")
	badID.ID = "short"
	for name, s := range map[string]sessions.Session{"no email": noEmail, "bad id": badID} {
		if err := st.SaveSession(ctx, s); !errors.Is(err, sessions.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func touchUpdatesSeenButNeverRevives(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	s := newSession("ann@example.com")
	_ = st.SaveSession(ctx, s)
	if err := st.TouchSession(ctx, s.ID, t0.Add(5*time.Minute), "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	got, _, _ := st.Session(ctx, s.ID)
	if !got.Seen.Equal(t0.Add(5*time.Minute)) || got.SourceIP != "192.0.2.9" || got.CSRF != "csrf-secret" || !got.Created.Equal(t0) {
		t.Errorf("after touch: %+v", got)
	}
	// Touching a session that has ended does not bring it back.
	_, _ = st.DeleteSession(ctx, s.ID)
	if err := st.TouchSession(ctx, s.ID, t0.Add(6*time.Minute), "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Session(ctx, s.ID); ok {
		t.Error("a touch revived a deleted session")
	}
}

func deleteOneAndOthers(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	mine1, mine2, mine3 := newSession("ann@example.com"), newSession("ANN@Example.com"), newSession("ann@example.com")
	kelvin := newSession("ann@exampl\u212a.com") // not Ann: ASCII case only
	other := newSession("bob@example.com")
	for _, s := range []sessions.Session{mine1, mine2, mine3, kelvin, other} {
		if err := st.SaveSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := st.DeleteSession(ctx, mine3.ID); !ok || err != nil {
		t.Fatalf("DeleteSession: %v %v", ok, err)
	}
	if ok, _ := st.DeleteSession(ctx, mine3.ID); ok {
		t.Error("deleted the same session twice")
	}
	n, err := st.DeleteSessionsOf(ctx, "Ann@example.com", mine1.ID)
	if err != nil || n != 1 {
		t.Fatalf("DeleteSessionsOf: %d, %v; want 1", n, err)
	}
	left, _ := st.ListSessions(ctx)
	var ids []string
	for _, s := range left {
		ids = append(ids, s.ID)
	}
	want := map[string]bool{mine1.ID: true, kelvin.ID: true, other.ID: true}
	if len(ids) != 3 || !want[ids[0]] || !want[ids[1]] || !want[ids[2]] {
		t.Errorf("left %v, want ann's current, the look-alike and bob's", ids)
	}
}

func listNewestFirst(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	var want []string
	for i := range 5 {
		s := newSession("p@example.com")
		s.Seen = t0.Add(time.Duration(i) * time.Minute)
		_ = st.SaveSession(ctx, s)
		want = append([]string{s.ID}, want...)
	}
	got, err := st.ListSessions(ctx)
	if err != nil || len(got) != 5 {
		t.Fatalf("%d sessions, %v", len(got), err)
	}
	for i := range got {
		if got[i].ID != want[i] {
			t.Fatalf("order %d: %s, want %s", i, got[i].ID, want[i])
		}
	}
}

func sweepDropsIdleAndOld(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	fresh, idle, old := newSession("a@example.com"), newSession("b@example.com"), newSession("c@example.com")
	idle.Seen = t0.Add(-time.Hour)
	old.Created = t0.Add(-13 * time.Hour)
	for _, s := range []sessions.Session{fresh, idle, old} {
		_ = st.SaveSession(ctx, s)
	}
	n, err := st.DeleteSessionsBefore(ctx, t0.Add(-30*time.Minute), t0.Add(-12*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("swept %d, %v; want 2", n, err)
	}
	if _, ok, _ := st.Session(ctx, fresh.ID); !ok {
		t.Error("the fresh session was swept")
	}
}
