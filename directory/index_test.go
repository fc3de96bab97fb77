package directory_test

import (
	"context"
	"testing"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/directory"
	"onelogin-helpdesk/directory/directorytest"
)

// TestIndex_RefreshAndForget: what a person page read shows at once; an
// older read never undoes a newer one; a person OneLogin answered 404 for
// goes; another replica's index sees both within MaxLag.
func TestIndex_RefreshAndForget(t *testing.T) {
	ctx := context.Background()
	clock := now
	store := directorytest.NewMemory()
	mine := directory.NewIndex(store, directory.IndexOptions{Now: func() time.Time { return clock }})
	other := directory.NewIndex(store, directory.IndexOptions{Now: func() time.Time { return clock }})
	if _, ok, _ := other.Person(ctx, 7); ok {
		t.Fatal("an empty index has person 7")
	}
	u := client.User{ID: 7, Firstname: "José", Lastname: "Müller", Status: client.StatusLocked, UpdatedAt: now}
	if err := mine.Refresh(ctx, u); err != nil {
		t.Fatal(err)
	}
	older := u
	older.Status, older.UpdatedAt = client.StatusActive, now.Add(-time.Minute)
	if err := mine.Refresh(ctx, older); err != nil {
		t.Fatal(err)
	}
	if res, _ := mine.Search(ctx, directory.Query{Text: "muller", Conditions: []directory.Condition{directory.Locked}}); res.Total != 1 {
		t.Errorf("after a newer and an older read: %d locked Müllers, want 1 (the newer read)", res.Total)
	}
	if _, ok, _ := other.Person(ctx, 7); ok {
		t.Error("the other replica caught up before MaxLag")
	}
	clock = clock.Add(2 * time.Second)
	if p, ok, _ := other.Person(ctx, 7); !ok || p.Status != client.StatusLocked {
		t.Errorf("the other replica after MaxLag: %+v %v", p, ok)
	}
	if err := mine.Forget(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := mine.Person(ctx, 7); ok {
		t.Error("Forget left the person in the index")
	}
	if err := mine.Refresh(ctx, client.User{}); err == nil {
		t.Error("a refresh without an id was accepted")
	}
}
