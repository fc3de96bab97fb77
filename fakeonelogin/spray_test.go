package fakeonelogin

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func sprayEvents(f *fixture, ids []int64) map[int64][]map[string]any {
	out := map[int64][]map[string]any{}
	for _, id := range ids {
		evs := f.eventsOf(id)
		slices.Reverse(evs) // oldest first
		out[id] = evs
	}
	return out
}

func TestSpray_locksPeopleAfterFailedSignIns(t *testing.T) {
	f := newFixture(t, Options{Seed: 7, Users: 300})
	tn := f.srv.Tenant
	start := f.clock.Now()
	ids := tn.Spray(4)
	if len(ids) != 4 || !f.clock.Now().Equal(start) {
		t.Fatalf("ids %v; clock moved %v", ids, f.clock.Now().Sub(start))
	}
	ips := map[string]bool{}
	for id, evs := range sprayEvents(f, ids) {
		if slices.Contains(personaIDs, id) {
			t.Errorf("persona %d sprayed", id)
		}
		s, _ := tn.User(id)
		if s.Status != StatusLocked || s.InvalidLoginAttempts != DefaultMaxLoginAttempts || s.LockedUntil.IsZero() {
			t.Errorf("user %d after the spray: %+v", id, s)
		}
		// The spray's events: failures up to the maximum, then the lock.
		var spray []map[string]any
		for _, e := range evs {
			at, _ := time.Parse(isoMillis, e["created_at"].(string))
			if !at.Before(start.Add(-sprayWindow)) {
				spray = append(spray, e)
				if at.After(start) {
					t.Errorf("event after now: %v", e)
				}
			}
		}
		types := typesOf(spray)
		if len(types) < 2 || types[len(types)-1] != 19 || slices.Contains(types[:len(types)-1], 19) {
			t.Fatalf("user %d spray events %v", id, types)
		}
		for _, e := range spray[:len(spray)-1] {
			if num(e["event_type_id"]) != 6 || e["risk_score"] == nil || !strings.HasPrefix(e["risk_reasons"].(string), "Unfamiliar location: ") {
				t.Errorf("failure %v", e)
			}
			ips[e["ipaddr"].(string)] = true
		}
		lockAt, _ := time.Parse(isoMillis, spray[len(spray)-1]["created_at"].(string))
		if !s.LockedUntil.Equal(lockAt.Add(DefaultPolicyLockMinutes * time.Minute)) {
			t.Errorf("locked until %v, lock at %v", s.LockedUntil, lockAt)
		}
	}
	if len(ips) < 3 {
		t.Errorf("attempts from %d addresses, want several", len(ips))
	}
	if again := tn.Spray(4); len(again) != 4 || slices.ContainsFunc(again, func(id int64) bool { return slices.Contains(ids, id) }) {
		t.Errorf("second spray %v repeats people of %v", again, ids)
	}
	if tn.Spray(0) != nil {
		t.Error("Spray(0) did something")
	}
}

// The same seed sprays the same people from the same addresses at the same times.
func TestSpray_deterministic(t *testing.T) {
	run := func(seed int64) (ids []int64, trace string) {
		f := newFixture(t, Options{Seed: seed, Users: 300})
		ids = f.srv.Tenant.Spray(3)
		for _, id := range ids {
			for _, e := range f.eventsOf(id) {
				trace += fmt.Sprintf("%v %v %v %v|", e["created_at"], e["event_type_id"], e["ipaddr"], e["risk_score"])
			}
		}
		return ids, trace
	}
	ids1, trace1 := run(11)
	ids2, trace2 := run(11)
	if !slices.Equal(ids1, ids2) || trace1 != trace2 {
		t.Errorf("seed 11 twice:\n%v %s\n%v %s", ids1, trace1, ids2, trace2)
	}
	if ids3, _ := run(12); slices.Equal(ids1, ids3) {
		t.Errorf("seeds 11 and 12 spray the same people %v", ids1)
	}
}

func TestSpray_onStart(t *testing.T) {
	clock := NewManualClock(seedEpoch)
	tn := NewTenant(Options{Seed: 5, Users: 200, Clock: clock, SprayOnStart: 3})
	locked := 0
	for _, id := range tn.order {
		if slices.Contains(personaIDs, id) {
			continue
		}
		if s, _ := tn.User(id); s.Status == StatusLocked && s.LockedUntil.After(seedEpoch) && s.InvalidLoginAttempts == DefaultMaxLoginAttempts {
			locked++
		}
	}
	plain := NewTenant(Options{Seed: 5, Users: 200, Clock: NewManualClock(seedEpoch)})
	base := 0
	for _, id := range plain.order {
		if slices.Contains(personaIDs, id) {
			continue
		}
		if s, _ := plain.User(id); s.Status == StatusLocked && s.LockedUntil.After(seedEpoch) && s.InvalidLoginAttempts == DefaultMaxLoginAttempts {
			base++
		}
	}
	if locked != base+3 {
		t.Errorf("%d locked with SprayOnStart 3, %d without", locked, base)
	}
	if !clock.Now().Equal(seedEpoch) {
		t.Error("spray moved the clock")
	}
}
