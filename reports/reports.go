// Package reports computes the numbers a helpdesk lead checks, per day or
// per week, from the audit trail (audit.Reporter): unlocks by the helpdesk
// and by the people themselves, password resets and set-password links,
// temporary MFA tokens, refusals, the median time from a lock to its
// unlock, and the addresses unlock requests came from.
//
//	r, err := reports.Build(ctx, store, reports.Query{From: from, To: to, Period: reports.Week, Loc: loc})
//
// It owns how records count (which actions, which outcomes, whose) and
// how a lock is paired with its unlock. It must never call OneLogin nor
// read whole records: the store's tallies are all it needs.
package reports

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
)

// Period is how long one row of the report covers.
type Period string

// The periods.
const (
	Day  Period = "day"
	Week Period = "week" // Monday to Sunday
)

// Query is the report asked for: the days [From, To) in Loc, by Period.
type Query struct {
	From, To time.Time // midnights in Loc
	Period   Period
	Loc      *time.Location
}

// Counts are one period's (or one agent's) numbers.
type Counts struct {
	// Unlocks are staff's; SelfUnlocks the people's own (/me and the
	// public unlock page).
	Unlocks, SelfUnlocks int
	// PasswordResets counts new passwords set (typed, generated or
	// imported as a hash); PasswordLinks set-password links made or mailed.
	PasswordResets, PasswordLinks int
	TempTokens                    int
	// Refusals counts attempts the console refused.
	Refusals int
}

// SelfShare is the share of unlocks people did themselves, in percent;
// ok is false without unlocks.
func (c Counts) SelfShare() (percent int, ok bool) {
	all := c.Unlocks + c.SelfUnlocks
	if all == 0 {
		return 0, false
	}
	return (c.SelfUnlocks*100 + all/2) / all, true
}

// Row is one period.
type Row struct {
	Start time.Time // its first day, midnight in the query's Loc
	Counts
	// Median is the median time from a lock to its unlock among the
	// unlocks in the period that have a known start (Timed of them).
	Median time.Duration
	Timed  int
}

// Agent is one member of staff's numbers over the whole report, or the
// people's own (SelfService).
type Agent struct {
	Email       string
	SelfService bool
	Counts
}

// Report is the whole report.
type Report struct {
	Query Query
	// Rows are every period of the query, oldest first, empty ones too.
	Rows []Row
	// Total is the sum of the rows.
	Total Counts
	// Median is the median time to unlock over the whole report.
	Median time.Duration
	Timed  int
	// Agents are by unlocks, then by all they did, then by email;
	// self-service is among them.
	Agents []Agent
	// Sources are the addresses unlock requests on the public page came
	// from, most first.
	Sources []audit.SourceCount
}

// MaxSources is how many addresses the report lists.
const MaxSources = 10

// lockLookBack is how far before the report a lock may have begun and
// still be paired with an unlock in it.
const lockLookBack = 7 * 24 * time.Hour

// requestFresh is how long a request on the public page stands for the
// lock it was made about: an older one (a decoy, a person who gave up)
// gives way to the next.
const requestFresh = 24 * time.Hour

// Build computes the report from the trail.
func Build(ctx context.Context, r audit.Reporter, q Query) (Report, error) {
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	rep := Report{Query: q}
	index := map[time.Time]int{}
	for t := q.start(q.From); t.Before(q.To); t = q.next(t) {
		index[t] = len(rep.Rows)
		rep.Rows = append(rep.Rows, Row{Start: t})
	}
	tallies, err := r.Tallies(ctx, q.From, q.To)
	if err != nil {
		return rep, err
	}
	agents := map[string]*Agent{}
	for _, t := range tallies {
		i, ok := index[q.start(t.Slot.In(q.Loc))]
		if !ok {
			continue
		}
		add(&rep.Rows[i].Counts, t)
		add(&rep.Total, t)
		if a := agentOf(t); a != nil {
			key := a.Email
			if agents[key] == nil {
				agents[key] = a
			}
			add(&agents[key].Counts, t)
		}
	}
	for _, a := range agents {
		if a.Counts != (Counts{}) {
			rep.Agents = append(rep.Agents, *a)
		}
	}
	slices.SortFunc(rep.Agents, func(a, b Agent) int {
		return cmp.Or(cmp.Compare(b.Unlocks+b.SelfUnlocks, a.Unlocks+a.SelfUnlocks), cmp.Compare(b.all(), a.all()), cmp.Compare(a.Email, b.Email))
	})

	events, err := r.LockEvents(ctx, q.From.Add(-lockLookBack), q.To)
	if err != nil {
		return rep, err
	}
	perRow := make([][]time.Duration, len(rep.Rows))
	var all []time.Duration
	for _, s := range spans(events) {
		if s.end.Before(q.From) {
			continue
		}
		if i, ok := index[q.start(s.end.In(q.Loc))]; ok {
			perRow[i] = append(perRow[i], s.took)
			all = append(all, s.took)
		}
	}
	for i, d := range perRow {
		rep.Rows[i].Median, rep.Rows[i].Timed = median(d), len(d)
	}
	rep.Median, rep.Timed = median(all), len(all)

	if rep.Sources, err = r.Sources(ctx, access.UnlockRequest, q.From, q.To, MaxSources); err != nil {
		return rep, err
	}
	return rep, nil
}

// add counts a tally where it belongs.
func add(c *Counts, t audit.Tally) {
	if t.Outcome == audit.OutcomeDenied {
		c.Refusals += t.Count
		return
	}
	if t.Outcome != audit.OutcomeSucceeded {
		return
	}
	switch t.Action {
	case access.Unlock:
		c.Unlocks += t.Count
	case access.SelfUnlock:
		c.SelfUnlocks += t.Count
	case access.ResetPassword, access.ImportPasswordHash:
		c.PasswordResets += t.Count
	case access.InviteLink:
		c.PasswordLinks += t.Count
	case access.MFAToken:
		c.TempTokens += t.Count
	}
}

// agentOf is whose work a tally is, for the table by agent: staff's
// account actions by their email (its case folded), the people's own
// unlocks as self-service; nil for anything else (the public page's
// steps, searches, sign-ins).
func agentOf(t audit.Tally) *Agent {
	switch t.Action {
	case access.SelfUnlock:
		return &Agent{Email: "", SelfService: true}
	case access.Unlock, access.ResetPassword, access.ImportPasswordHash, access.InviteLink, access.MFAToken:
		return &Agent{Email: audit.LowerASCII(strings.TrimSpace(t.Actor))}
	}
	return nil
}

func (c Counts) all() int {
	return c.Unlocks + c.SelfUnlocks + c.PasswordResets + c.PasswordLinks + c.TempTokens + c.Refusals
}

// start is the first day of t's period, at midnight in the query's zone.
func (q Query) start(t time.Time) time.Time {
	t = t.In(q.Loc)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, q.Loc)
	if q.Period == Week {
		back := (int(d.Weekday()) + 6) % 7 // days since Monday
		d = time.Date(d.Year(), d.Month(), d.Day()-back, 0, 0, 0, 0, q.Loc)
	}
	return d
}

// next is the start of the period after the one starting at t.
func (q Query) next(t time.Time) time.Time {
	days := 1
	if q.Period == Week {
		days = 7
	}
	return time.Date(t.Year(), t.Month(), t.Day()+days, 0, 0, 0, 0, q.Loc)
}

// span is one unlock with the time since its lock began.
type span struct {
	end  time.Time
	took time.Duration
}

// spans pairs each unlock with the start of the lock it lifted: a lock
// placed in the console, or else the first recent request on the public
// page about the person. Unlocks without either (a lock by failed
// sign-ins that the helpdesk lifted on a call) have no known start and
// are left out.
func spans(events []audit.LockEvent) []span {
	type open struct {
		at      time.Time
		request bool
	}
	starts := map[int64]open{}
	var out []span
	for _, e := range events {
		o, has := starts[e.TargetID]
		switch e.Action {
		case access.Lock:
			if !has || o.request {
				starts[e.TargetID] = open{at: e.Time}
			}
		case access.UnlockRequest:
			if !has || o.request && e.Time.Sub(o.at) > requestFresh {
				starts[e.TargetID] = open{at: e.Time, request: true}
			}
		case access.Unlock, access.SelfUnlock:
			if has {
				out = append(out, span{end: e.Time, took: e.Time.Sub(o.at)})
				delete(starts, e.TargetID)
			}
		}
	}
	return out
}

// median of ds (the lower of the middle two for an even count); 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
