package directory

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"onelogin-helpdesk/client"
)

// Spray is a group of people locked after failed sign-ins from a shared
// set of addresses: one attack, to be handled (unlocked, or not) as one.
type Spray struct {
	People    []int64  // who was locked, in the order they were locked
	Addresses []string // the addresses the failed sign-ins came from, sorted
	First     time.Time
	Last      time.Time // the first and last lock
}

// Summary says it in a line, times in loc: "24 people locked from 4
// addresses between 09:10 and 09:14".
func (s Spray) Summary(loc *time.Location) string {
	addr := "addresses"
	if len(s.Addresses) == 1 {
		addr = "address"
	}
	return fmt.Sprintf("%d people locked from %d %s between %s and %s", len(s.People), len(s.Addresses), addr,
		s.First.In(loc).Format("15:04"), s.Last.In(loc).Format("15:04"))
}

// SprayOptions tune GroupSprays.
type SprayOptions struct {
	// Window is how long before a lock its failed sign-ins count (default
	// 30 minutes).
	Window time.Duration
	// MinPeople is the smallest group called a spray (default 3).
	MinPeople int
}

// GroupSprays finds sprays among events: each policy lock
// (client.EventLocked) is tied to the addresses of that person's failed
// sign-ins (client.EventLoginFailed) in the window before it, and people
// whose addresses overlap are one group. Groups of at least MinPeople,
// largest first, are returned. The events are what OneLogin gave for the
// locked people (one events call can fetch both types); nothing is asked
// here.
func GroupSprays(events []client.Event, o SprayOptions) []Spray {
	if o.Window <= 0 {
		o.Window = 30 * time.Minute
	}
	if o.MinPeople <= 0 {
		o.MinPeople = 3
	}
	type lock struct {
		user int64
		at   time.Time
	}
	var locks []lock
	fails := map[int64][]client.Event{}
	for _, e := range events {
		switch {
		case e.UserID == 0:
		case e.TypeID == client.EventLocked:
			locks = append(locks, lock{e.UserID, e.CreatedAt})
		case e.TypeID == client.EventLoginFailed && e.IPAddr != "":
			fails[e.UserID] = append(fails[e.UserID], e)
		}
	}
	slices.SortStableFunc(locks, func(a, b lock) int { return a.at.Compare(b.at) })

	// Union-find over people, joined through the addresses they share.
	parent := map[int64]int64{}
	var find func(int64) int64
	find = func(x int64) int64 {
		if parent[x] != x {
			parent[x] = find(parent[x])
		}
		return parent[x]
	}
	byAddr := map[string]int64{}
	addrsOf := map[int64]map[string]bool{}
	for _, l := range locks {
		if _, ok := parent[l.user]; !ok {
			parent[l.user] = l.user
		}
		for _, f := range fails[l.user] {
			if f.CreatedAt.After(l.at) || l.at.Sub(f.CreatedAt) > o.Window {
				continue
			}
			if addrsOf[l.user] == nil {
				addrsOf[l.user] = map[string]bool{}
			}
			addrsOf[l.user][f.IPAddr] = true
			if other, ok := byAddr[f.IPAddr]; ok {
				parent[find(l.user)] = find(other)
			} else {
				byAddr[f.IPAddr] = l.user
			}
		}
	}

	groups := map[int64]*Spray{}
	var roots []int64
	for _, l := range locks {
		if len(addrsOf[l.user]) == 0 {
			continue // a lock with no failed sign-in before it is no spray
		}
		r := find(l.user)
		g := groups[r]
		if g == nil {
			g = &Spray{First: l.at}
			groups[r] = g
			roots = append(roots, r)
		}
		if !slices.Contains(g.People, l.user) {
			g.People = append(g.People, l.user)
		}
		g.Last = l.at
		for a := range addrsOf[l.user] {
			if !slices.Contains(g.Addresses, a) {
				g.Addresses = append(g.Addresses, a)
			}
		}
	}
	var out []Spray
	for _, r := range roots {
		if g := groups[r]; len(g.People) >= o.MinPeople {
			slices.Sort(g.Addresses)
			out = append(out, *g)
		}
	}
	slices.SortStableFunc(out, func(a, b Spray) int { return cmp.Compare(len(b.People), len(a.People)) })
	return out
}
