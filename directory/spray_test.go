package directory_test

import (
	"fmt"
	"testing"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/directory"
)

func TestGroupSprays(t *testing.T) {
	at := func(hh, mm, ss int) time.Time { return time.Date(2026, 3, 2, hh, mm, ss, 0, time.UTC) }
	var events []client.Event
	addrs := []string{"203.0.113.1", "203.0.113.2", "198.51.100.7", "198.51.100.8"}
	// 24 people, each failing from two neighbouring addresses of four and
	// locked between 09:10 and 09:14.
	for i := range 24 {
		id := int64(100 + i)
		locked := at(9, 10, 0).Add(time.Duration(i) * 10 * time.Second)
		for k := range 3 {
			events = append(events, client.Event{TypeID: client.EventLoginFailed, UserID: id,
				IPAddr: addrs[(i+k%2)%4], CreatedAt: locked.Add(-time.Duration(3-k) * time.Second)})
		}
		events = append(events, client.Event{TypeID: client.EventLocked, UserID: id, CreatedAt: locked})
	}
	// Two people locked from one address of their own: too few for a spray.
	for _, id := range []int64{900, 901} {
		events = append(events,
			client.Event{TypeID: client.EventLoginFailed, UserID: id, IPAddr: "192.0.2.9", CreatedAt: at(9, 12, 0)},
			client.Event{TypeID: client.EventLocked, UserID: id, CreatedAt: at(9, 12, 1)})
	}
	// A failure long before a lock is not its cause; an admin lock has no failures.
	events = append(events,
		client.Event{TypeID: client.EventLoginFailed, UserID: 950, IPAddr: "203.0.113.1", CreatedAt: at(7, 0, 0)},
		client.Event{TypeID: client.EventLocked, UserID: 950, CreatedAt: at(9, 13, 0)},
		client.Event{TypeID: client.EventLocked, UserID: 951, CreatedAt: at(9, 13, 0)})

	got := directory.GroupSprays(events, directory.SprayOptions{})
	if len(got) != 1 {
		t.Fatalf("GroupSprays = %d groups %+v, want the one spray", len(got), got)
	}
	s := got[0]
	if want := "24 people locked from 4 addresses between 09:10 and 09:13"; s.Summary(time.UTC) != want {
		t.Errorf("Summary = %q, want %q", s.Summary(time.UTC), want)
	}
	if s.People[0] != 100 || s.People[23] != 123 || fmt.Sprint(s.Addresses) != "[198.51.100.7 198.51.100.8 203.0.113.1 203.0.113.2]" {
		t.Errorf("spray = %+v", s)
	}
	if two := directory.GroupSprays(events, directory.SprayOptions{MinPeople: 2}); len(two) != 2 || len(two[1].People) != 2 {
		t.Errorf("with MinPeople 2: %+v, want the pair too", two)
	}
}
