package fakeonelogin

import (
	"math/rand/v2"
	"slices"
	"time"
)

// sprayOrigins are where a spray's attempts come from (documentation
// addresses outside officeNet), each standing for the country its risk
// reasons name.
var sprayOrigins = []struct{ ip, country string }{
	{"203.0.113.24", "Vietnam"}, {"203.0.113.77", "Brazil"}, {"198.51.100.13", "Romania"},
	{"198.51.100.142", "Netherlands"}, {"203.0.113.190", "Indonesia"}, {"198.51.100.201", "Ukraine"},
	{"203.0.113.58", "Argentina"}, {"198.51.100.230", "Singapore"},
}

// sprayAgents are user agents of the tools that spray.
var sprayAgents = []string{
	"python-requests/2.31.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.110 Safari/537.36",
	"curl/8.4.0",
}

// sprayWindow is how long a spray lasts, ending at the time Spray is called.
const sprayWindow = 4 * time.Minute

var personaIDs = []int64{
	PersonaAdminID, PersonaHelpdeskID, PersonaViewerID, PersonaEmployeeID, PersonaLockedID, PersonaSuspendedID,
	PersonaPasswordExpiredID, PersonaUnactivatedID, PersonaAwaitingResetID, PersonaPasswordPendingID, PersonaNoRolesID,
	PersonaAccentsID,
}

// Spray simulates a password spray against n ordinary people (active,
// approved, with a password, not a persona): from three to five addresses
// in different countries, over the four minutes before now on the tenant's
// clock, round after round of failed sign-ins (6 USER_FAILED_ONELOGIN_LOGIN,
// with risk reasons naming the country) until each person reaches
// Options.MaxLoginAttempts and is locked for the policy's lock period, the
// way OneLogin locks after failed sign-ins: status 3, locked_until set,
// invalid_login_attempts at the maximum, and 19 USER_LOCKED recorded.
//
// The people, addresses and times follow from the tenant's seed; each call
// picks other people. It returns the ids of the people locked, in the order
// they were picked (fewer than n when the tenant has fewer such people).
func (t *Tenant) Spray(n int) []int64 {
	if n <= 0 {
		return nil
	}
	now := t.clock.Now().UTC().Truncate(time.Millisecond)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sprays++
	r := rand.New(rand.NewPCG(uint64(t.opts.Seed), 0x5b7a1000+uint64(t.sprays)))

	var pool []*user
	for _, id := range t.order {
		u := t.users[id]
		u.settle(now)
		if u.status == StatusActive && u.state == StateApproved && u.passwordHash != "" && !u.forbidden &&
			!slices.Contains(personaIDs, id) {
			pool = append(pool, u)
		}
	}
	n = min(n, len(pool))
	for i := range n { // the first n of a shuffle
		j := i + r.IntN(len(pool)-i)
		pool[i], pool[j] = pool[j], pool[i]
	}
	victims := pool[:n]

	perm := r.Perm(len(sprayOrigins))
	origins := make([]int, 3+r.IntN(3))
	copy(origins, perm)
	agent := sprayAgents[r.IntN(len(sprayAgents))]

	// Each person needs the attempts left before the policy locks them.
	need := make([]int, n)
	total, rounds := 0, 0
	for i, u := range victims {
		need[i] = max(1, t.opts.MaxLoginAttempts-attemptsOf(u))
		total += need[i]
		rounds = max(rounds, need[i])
	}
	step := sprayWindow / time.Duration(max(total-1, 1))
	seq := 0
	for round := range rounds {
		for i, u := range victims {
			if round >= need[i] {
				continue
			}
			o := sprayOrigins[origins[(round+i)%len(origins)]]
			at := now.Add(-time.Duration(total-1-seq) * step).Truncate(time.Millisecond)
			seq++
			// Assumption (U): SmartFactor's reasons for a failed sign-in;
			// the wording is ours.
			t.signIn(u, SignIn{
				IP: o.ip, UserAgent: agent, Reason: "Invalid password",
				RiskScore:   70 + r.IntN(30),
				RiskReasons: []string{"Unfamiliar location: " + o.country, "Unfamiliar device", "Address failing sign-ins for many accounts"},
			}, at)
		}
	}
	ids := make([]int64, n)
	for i, u := range victims {
		ids[i] = u.id
	}
	return ids
}
