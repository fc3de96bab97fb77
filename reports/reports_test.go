package reports_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/reports"
)

var paris, _ = time.LoadLocation("Europe/Paris")

// day is midnight in Paris on 2026-03-d (Monday 2 March).
func day(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, paris) }

func trail(t *testing.T, recs ...audit.Record) *audittest.Memory {
	t.Helper()
	m := audittest.NewMemory(nil)
	for _, r := range recs {
		if r.Outcome == "" {
			r.Outcome = audit.OutcomeSucceeded
		}
		if _, err := m.Begin(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func rec(at time.Time, actor string, a access.Action, target int64) audit.Record {
	return audit.Record{Time: at, ActorEmail: actor, Action: a, TargetID: target}
}

// TestBuild_perDay: each day of the query is a row, in the zone's days (a
// record at 23:30 UTC is the next day in Paris); unlocks by staff and by
// the people, password resets (a hash too), links, tokens and refusals
// count where they belong; failures count nowhere; agents fold the case
// of their email and self-service is one of them.
func TestBuild_perDay(t *testing.T) {
	at := func(d, h, m int) time.Time {
		return day(d).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	failed := rec(at(2, 11, 0), "ann@example.com", access.Unlock, 9)
	failed.Outcome = audit.OutcomeFailed
	denied := rec(at(3, 9, 0), "bob@example.com", access.Unlock, 1)
	denied.Outcome = audit.OutcomeDenied
	m := trail(t,
		rec(at(2, 9, 0), "ann@example.com", access.Unlock, 1),
		rec(at(2, 10, 0), "Ann@Example.com", access.ResetPassword, 2),
		rec(at(2, 10, 5), "ann@example.com", access.ImportPasswordHash, 3),
		failed,
		rec(time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC), "c@example.com", access.SelfUnlock, 4), // 00:30 on the 3rd in Paris
		rec(at(3, 9, 30), "bob@example.com", access.InviteLink, 5),
		rec(at(3, 9, 45), "bob@example.com", access.MFAToken, 6),
		denied,
		rec(at(3, 12, 0), "d@example.com", access.SelfUnlock, 7),
		rec(at(3, 12, 0), "e@example.com", access.SelfUnlock, 8),
		rec(at(5, 8, 0), "ann@example.com", access.Unlock, 1), // after the query
	)
	r, err := reports.Build(context.Background(), m, reports.Query{From: day(2), To: day(5), Period: reports.Day, Loc: paris})
	if err != nil {
		t.Fatal(err)
	}
	want := []reports.Row{
		{Start: day(2), Counts: reports.Counts{Unlocks: 1, PasswordResets: 2}},
		{Start: day(3), Counts: reports.Counts{SelfUnlocks: 3, PasswordLinks: 1, TempTokens: 1, Refusals: 1}},
		{Start: day(4)},
	}
	if !slices.EqualFunc(r.Rows, want, func(a, b reports.Row) bool { return a.Start.Equal(b.Start) && a.Counts == b.Counts }) {
		t.Errorf("rows:\n got %+v\nwant %+v", r.Rows, want)
	}
	if share, ok := r.Total.SelfShare(); !ok || share != 75 {
		t.Errorf("self-service share = %d%% (%v), want 75%%", share, ok)
	}
	wantAgents := []reports.Agent{
		{SelfService: true, Counts: reports.Counts{SelfUnlocks: 3}},
		{Email: "ann@example.com", Counts: reports.Counts{Unlocks: 1, PasswordResets: 2}},
		{Email: "bob@example.com", Counts: reports.Counts{PasswordLinks: 1, TempTokens: 1, Refusals: 1}},
	}
	if !slices.Equal(r.Agents, wantAgents) {
		t.Errorf("agents:\n got %+v\nwant %+v", r.Agents, wantAgents)
	}
}

// TestBuild_perWeekFromMonday: weeks start on Monday, the first one
// being the week the query's first day is in.
func TestBuild_perWeekFromMonday(t *testing.T) {
	m := trail(t,
		rec(day(1).Add(9*time.Hour), "ann@example.com", access.Unlock, 1),  // Sunday 1 March
		rec(day(2).Add(9*time.Hour), "ann@example.com", access.Unlock, 2),  // Monday 2 March
		rec(day(15).Add(9*time.Hour), "ann@example.com", access.Unlock, 3), // Sunday 15 March
	)
	r, err := reports.Build(context.Background(), m, reports.Query{From: day(1), To: day(16), Period: reports.Week, Loc: paris})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, row := range r.Rows {
		got = append(got, row.Start.Format("Mon 2 Jan")+":"+string(rune('0'+row.Unlocks)))
	}
	if want := []string{"Mon 23 Feb:1", "Mon 2 Mar:1", "Mon 9 Mar:1"}; !slices.Equal(got, want) {
		t.Errorf("weeks = %v, want %v", got, want)
	}
}

// TestBuild_timeToUnlock: an unlock is timed from a lock placed in the
// console, or from the first recent request on the public page about the
// person; a stale request gives way to a newer one; an unlock with no
// known start is not timed. The median is per period and overall.
func TestBuild_timeToUnlock(t *testing.T) {
	at := func(d, h, m int) time.Time {
		return day(d).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	req := func(when time.Time, target int64, ip string) audit.Record {
		r := rec(when, "unverified: x", access.UnlockRequest, target)
		r.SourceIP = ip
		return r
	}
	m := trail(t,
		rec(at(1, 23, 0), "ann@example.com", access.Lock, 1),   // the day before the query
		rec(at(2, 0, 30), "ann@example.com", access.Unlock, 1), // 90 minutes
		req(at(2, 8, 0), 2, "203.0.113.9"),
		req(at(2, 8, 3), 2, "203.0.113.9"),
		rec(at(2, 8, 10), "p@example.com", access.SelfUnlock, 2), // 10 minutes
		req(at(2, 9, 0), 3, "198.51.100.1"),                      // stale: more than a day before
		req(at(3, 12, 0), 3, "203.0.113.9"),
		rec(at(3, 12, 20), "q@example.com", access.SelfUnlock, 3), // 20 minutes
		rec(at(3, 13, 0), "ann@example.com", access.Unlock, 4),    // no known start
	)
	r, err := reports.Build(context.Background(), m, reports.Query{From: day(2), To: day(4), Period: reports.Day, Loc: paris})
	if err != nil {
		t.Fatal(err)
	}
	if r.Rows[0].Timed != 2 || r.Rows[0].Median != 10*time.Minute || r.Rows[1].Timed != 1 || r.Rows[1].Median != 20*time.Minute {
		t.Errorf("per day: %v over %d, %v over %d; want 10m over 2, 20m over 1", r.Rows[0].Median, r.Rows[0].Timed, r.Rows[1].Median, r.Rows[1].Timed)
	}
	if r.Timed != 3 || r.Median != 20*time.Minute {
		t.Errorf("overall %v over %d, want 20m over 3", r.Median, r.Timed)
	}
	want := []audit.SourceCount{{Address: "203.0.113.9", Count: 3}, {Address: "198.51.100.1", Count: 1}}
	if !slices.Equal(r.Sources, want) {
		t.Errorf("sources = %v, want %v", r.Sources, want)
	}
}
