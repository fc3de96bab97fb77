package fakeonelogin

import (
	"testing"
	"time"
)

func TestTenant_Lock(t *testing.T) {
	clock := NewManualClock(time.Date(2025, 3, 4, 13, 0, 0, 0, time.UTC))
	tn := NewTenant(Options{Seed: 1, Users: 30, Clock: clock})
	if tn.Lock(PersonaNoRolesID, 0) || tn.Lock(12345, 60) {
		t.Fatal("Lock accepted no minutes or an unknown person")
	}
	if !tn.Lock(PersonaNoRolesID, 60) {
		t.Fatal("Lock refused an active person")
	}
	u, _ := tn.User(PersonaNoRolesID)
	if u.Status != StatusLocked || !u.LockedUntil.Equal(clock.Now().Add(time.Hour)) {
		t.Errorf("after Lock: status %d until %s", u.Status, u.LockedUntil)
	}
	found := false
	tn.mu.Lock()
	tn.eachEvent(func(e *event) {
		found = found || (e.userID == PersonaNoRolesID && e.typeID == EventUserLockedViaAPI && e.actorSystem == apiActor)
	})
	tn.mu.Unlock()
	if !found {
		t.Error("no USER_LOCKED_VIA_API event by the API")
	}
	clock.Advance(time.Hour)
	if u, _ := tn.User(PersonaNoRolesID); u.Status != StatusActive {
		t.Errorf("the lock did not run out: status %d", u.Status)
	}
}
