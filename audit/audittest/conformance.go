package audittest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
)

// Opener opens a fresh, empty store for one test; log may be nil.
type Opener func(t *testing.T, log *slog.Logger, opts ...audit.Option) audit.Store

// Conformance is the behaviour every audit.Store shares. Each store's tests
// call it with a way to open an empty store, so the memory store stays a
// faithful stand-in for the real ones and a new backend is held to the
// same rules.
func Conformance(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"beginComplete", beginComplete},
		{"completeNamesTheCreatedTarget", completeNamesTheCreatedTarget},
		{"deniedIsCompleteAtOnce", deniedIsCompleteAtOnce},
		{"invalidRecords", invalidRecords},
		{"secretParamsRefused", secretParamsRefused},
		{"pagingWalksEveryRecordOnce", pagingWalksEveryRecordOnce},
		{"filtersSelectRecords", filtersSelectRecords},
		{"forTargetNewestFirst", forTargetNewestFirst},
		{"exportCSV", exportCSV},
		{"concurrentWrites", concurrentWrites},
		{"failing", failing},
		{"closed", closed},
		{"logLines", logLines},
		{"denyCollapsesRepeats", denyCollapsesRepeats},
		{"last", last},
		{"unknownOutcome", unknownOutcome},
		{"pendingBefore", pendingBefore},
		{"retention", retention},
		{"partialMatches", partialMatches},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func lockRecord() audit.Record {
	return audit.Record{
		ActorEmail: "ann@example.com", ActorRole: "helpdesk",
		SourceIP: "10.0.0.7", RequestID: "req-1",
		TargetID: 42, TargetEmail: "bob@example.com", TargetName: "Bob Example",
		Action: access.Lock, Params: map[string]string{"minutes": "30"},
		Ticket: "INC-1",
	}
}

// beginComplete: a record begins pending and Complete finishes it once, in
// place; a second Complete or an unknown id is refused.
func beginComplete(t *testing.T, open Opener) {
	s := open(t, nil)
	ctx := context.Background()
	id, err := s.Begin(ctx, lockRecord())
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ForTarget(ctx, 42, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != id || got[0].Outcome != audit.OutcomePending || !got[0].CompletedAt.IsZero() {
		t.Fatalf("after Begin: %+v", got)
	}
	if got[0].Time.IsZero() {
		t.Error("Begin did not stamp the time")
	}
	if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeFailed, Status: 400, Message: "bad request"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ForTarget(ctx, 42, 10)
	if len(got) != 1 {
		t.Fatalf("Complete added a record: %d records", len(got))
	}
	r := got[0]
	want := lockRecord()
	if r.Outcome != audit.OutcomeFailed || r.Status != 400 || r.Message != "bad request" || r.CompletedAt.IsZero() ||
		r.ActorEmail != want.ActorEmail || r.ActorRole != want.ActorRole || r.SourceIP != want.SourceIP ||
		r.RequestID != want.RequestID || r.TargetEmail != want.TargetEmail || r.TargetName != want.TargetName ||
		r.Action != want.Action || r.Params["minutes"] != "30" || r.Ticket != "INC-1" {
		t.Errorf("completed record = %+v", r)
	}

	if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeSucceeded}); !errors.Is(err, audit.ErrCompleted) {
		t.Errorf("second Complete: %v, want ErrCompleted", err)
	}
	if err := s.Complete(ctx, id+100, audit.Result{Outcome: audit.OutcomeSucceeded}); !errors.Is(err, audit.ErrNotFound) {
		t.Errorf("Complete unknown id: %v, want ErrNotFound", err)
	}
	id2, _ := s.Begin(ctx, lockRecord())
	for _, o := range []audit.Outcome{"", audit.OutcomePending, "maybe"} {
		if err := s.Complete(ctx, id2, audit.Result{Outcome: o}); !errors.Is(err, audit.ErrInvalid) {
			t.Errorf("Complete with outcome %q: %v, want ErrInvalid", o, err)
		}
	}
}

// A created person's id is known only when OneLogin answers: Complete
// names them, and their history then holds the record.
func completeNamesTheCreatedTarget(t *testing.T, open Opener) {
	s := open(t, nil)
	ctx := context.Background()
	r := lockRecord()
	r.Action, r.TargetID, r.Params = access.CreateUser, 0, map[string]string{"email": "new@example.com"}
	id, err := s.Begin(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeSucceeded, Status: 200, TargetID: 7001}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.ForTarget(ctx, 7001, 10)
	if len(got) != 1 || got[0].ID != id || got[0].TargetEmail != r.TargetEmail {
		t.Fatalf("history of the created person: %+v", got)
	}
	// A result without an id keeps the record's target.
	id2, _ := s.Begin(ctx, lockRecord())
	if err := s.Complete(ctx, id2, audit.Result{Outcome: audit.OutcomeSucceeded}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ForTarget(ctx, 42, 10); len(got) != 1 || got[0].ID != id2 {
		t.Errorf("history of 42: %+v", got)
	}
	id3, _ := s.Begin(ctx, lockRecord())
	if err := s.Complete(ctx, id3, audit.Result{Outcome: audit.OutcomeSucceeded, TargetID: -1}); !errors.Is(err, audit.ErrInvalid) {
		t.Errorf("negative target id: %v, want ErrInvalid", err)
	}
}

// deniedIsCompleteAtOnce: a refused attempt is one Begin, already complete.
func deniedIsCompleteAtOnce(t *testing.T, open Opener) {
	s := open(t, nil)
	ctx := context.Background()
	r := lockRecord()
	r.Outcome = audit.OutcomeDenied
	r.Reason = "role viewer may not lock"
	id, err := s.Begin(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.ForTarget(ctx, 42, 1)
	if got[0].Outcome != audit.OutcomeDenied || got[0].CompletedAt.IsZero() || got[0].Reason != r.Reason {
		t.Errorf("denied record = %+v", got[0])
	}
	if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeSucceeded}); !errors.Is(err, audit.ErrCompleted) {
		t.Errorf("Complete of denied record: %v", err)
	}
}

// invalidRecords: a record without an action, with an unknown outcome or too
// many parameters is refused; a long field is clipped without splitting a
// character.
func invalidRecords(t *testing.T, open Opener) {
	s := open(t, nil)
	ctx := context.Background()
	noAction := lockRecord()
	noAction.Action = ""
	badOutcome := lockRecord()
	badOutcome.Outcome = "meh"
	tooMany := lockRecord()
	tooMany.Params = map[string]string{}
	for i := range audit.MaxParams + 1 {
		tooMany.Params[fmt.Sprint("p", i)] = "x"
	}
	for name, r := range map[string]audit.Record{"no action": noAction, "bad outcome": badOutcome, "too many params": tooMany} {
		if _, err := s.Begin(ctx, r); !errors.Is(err, audit.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	long := lockRecord()
	long.Reason = strings.Repeat("é", audit.MaxFieldLen) // 2 bytes each
	if _, err := s.Begin(ctx, long); err != nil {
		t.Fatal(err)
	}
	got, _ := s.ForTarget(ctx, 42, 1)
	if n := len(got[0].Reason); n > audit.MaxFieldLen || n < audit.MaxFieldLen-1 || !strings.HasPrefix(long.Reason, got[0].Reason) {
		t.Errorf("long reason stored as %d bytes", n)
	}
}

// secretParamsRefused: a parameter whose name mentions a secret is refused
// without echoing its value, and nothing is stored.
func secretParamsRefused(t *testing.T, open Opener) {
	const secretValue = "Hunter2-s3cret-value"
	keys := []string{"password", "New_Password", "PASSWORD_CONFIRMATION", "passwd", "hash", "password_hash",
		"Salt", "mfa_token", "TOKEN", "otp", "client_secret", "apiSecret", "hash_algorithm"}
	var logs bytes.Buffer
	s := open(t, slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx := context.Background()
	for _, key := range keys {
		r := lockRecord()
		r.Params = map[string]string{"minutes": "5", key: secretValue}
		id, err := s.Begin(ctx, r)
		if !errors.Is(err, audit.ErrSecretParam) {
			t.Errorf("key %q: Begin = %d, %v; want ErrSecretParam", key, id, err)
			continue
		}
		if strings.Contains(err.Error(), secretValue) {
			t.Errorf("key %q: error repeats the value: %v", key, err)
		}
	}
	if got, _ := s.ForTarget(ctx, 42, 100); len(got) != 0 {
		t.Errorf("refused records were stored: %+v", got)
	}
	var csvOut bytes.Buffer
	if err := s.ExportCSV(ctx, audit.Filter{}, &csvOut); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String()+csvOut.String(), secretValue) {
		t.Error("secret value reached the log or the export")
	}
	// Ordinary parameters pass.
	r := lockRecord()
	r.Params = map[string]string{"minutes": "5", "roles_added": "7,9", "state": "1", "Reusable": "true"}
	if _, err := s.Begin(ctx, r); err != nil {
		t.Errorf("ordinary params refused: %v", err)
	}
}

// seed writes 30 records: actors alternate, targets cycle over three users,
// one record a minute from t0.
func seed(t *testing.T, s audit.Store) []int64 {
	t.Helper()
	ctx := context.Background()
	actors := []string{"ann@example.com", "Carl@Example.com"}
	targets := []struct {
		id    int64
		email string
	}{{1, "one@example.com"}, {2, "two@example.com"}, {3, "three@example.com"}}
	actions := []access.Action{access.Unlock, access.Lock, access.ResetPassword}
	var ids []int64
	for i := range 30 {
		tg := targets[i%3]
		r := audit.Record{
			Time:       t0.Add(time.Duration(i) * time.Minute),
			ActorEmail: actors[i%2], ActorRole: "helpdesk",
			TargetID: tg.id, TargetEmail: tg.email, TargetName: "User " + tg.email,
			Action: actions[(i/3)%3], Params: map[string]string{"i": fmt.Sprint(i)},
		}
		if i%5 == 0 {
			r.Outcome = audit.OutcomeDenied
		}
		if i%4 == 1 {
			r.Ticket = "inc-1"
		}
		if i%6 == 0 {
			r.Params["job"] = "7"
		}
		id, err := s.Begin(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// pagingWalksEveryRecordOnce: following Next walks every record exactly
// once, newest first; a page that fits exactly has no next page.
func pagingWalksEveryRecordOnce(t *testing.T, open Opener) {
	s := open(t, nil)
	ctx := context.Background()
	ids := seed(t, s)
	var seen []int64
	f := audit.Filter{Limit: 7}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		p, err := s.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Records) > 7 {
			t.Fatalf("page of %d records, limit 7", len(p.Records))
		}
		for _, r := range p.Records {
			seen = append(seen, r.ID)
		}
		if p.Next == 0 {
			break
		}
		f.Before = p.Next
	}
	if len(seen) != len(ids) {
		t.Fatalf("paging saw %d records, want %d", len(seen), len(ids))
	}
	for i := range seen {
		if seen[i] != ids[len(ids)-1-i] {
			t.Fatalf("paging order: got %v", seen)
		}
	}
	if p, _ := s.List(ctx, audit.Filter{Limit: 30}); len(p.Records) != 30 || p.Next != 0 {
		t.Errorf("exact page: %d records, next %d", len(p.Records), p.Next)
	}
}

// filtersSelectRecords: each filter field, alone or combined, lists the
// records it matches and only those.
func filtersSelectRecords(t *testing.T, open Opener) {
	s := open(t, nil)
	ctx := context.Background()
	seed(t, s)
	count := func(f audit.Filter) int {
		t.Helper()
		f.Limit = audit.MaxPageSize
		p, err := s.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Records {
			if !f.Match(r) && (f.Before <= 0 || r.ID < f.Before) {
				t.Errorf("filter %+v returned non-matching %+v", f, r)
			}
		}
		return len(p.Records)
	}
	tests := []struct {
		name string
		f    audit.Filter
		want int
	}{
		{"all", audit.Filter{}, 30},
		{"actor", audit.Filter{Actor: "ann@example.com"}, 15},
		{"actor case-insensitive", audit.Filter{Actor: "CARL@example.COM"}, 15},
		{"unknown actor", audit.Filter{Actor: "nobody@example.com"}, 0},
		{"target id", audit.Filter{Target: "2"}, 10},
		{"target email", audit.Filter{Target: "THREE@example.com"}, 10},
		{"action", audit.Filter{Action: access.Lock}, 9},
		{"outcome", audit.Filter{Outcome: audit.OutcomeDenied}, 6},
		{"from", audit.Filter{From: t0.Add(20 * time.Minute)}, 10},
		{"to is exclusive", audit.Filter{To: t0.Add(10 * time.Minute)}, 10},
		{"range", audit.Filter{From: t0.Add(5 * time.Minute), To: t0.Add(8 * time.Minute)}, 3},
		{"combined", audit.Filter{Actor: "ann@example.com", Target: "1"}, 5},
		{"ticket, case-insensitive", audit.Filter{Ticket: "INC-1"}, 8},
		{"unknown ticket", audit.Filter{Ticket: "INC-2"}, 0},
		{"job", audit.Filter{Job: "7"}, 5},
		{"unknown job", audit.Filter{Job: "8"}, 0},
	}
	for _, tc := range tests {
		if got := count(tc.f); got != tc.want {
			t.Errorf("%s: %d records, want %d", tc.name, got, tc.want)
		}
	}
}

// forTargetNewestFirst: a user's records, newest first, up to the limit.
func forTargetNewestFirst(t *testing.T, open Opener) {
	s := open(t, nil)
	ids := seed(t, s)
	recent, err := s.ForTarget(context.Background(), 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 4 || recent[0].ID != ids[27] || recent[3].ID != ids[18] {
		t.Errorf("ForTarget(1, 4) = %v", recentIDs(recent))
	}
}

func recentIDs(rs []audit.Record) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// exportCSV: the export ignores paging, writes every matching record newest
// first in the shared layout, and defuses formula cells.
func exportCSV(t *testing.T, open Opener) {
	s := open(t, nil)
	ctx := context.Background()
	seed(t, s)
	r := lockRecord()
	r.TargetName = "=HYPERLINK(\"http://evil\")"
	r.Params = map[string]string{"b": "2", "a": "1"}
	if _, err := s.Begin(ctx, r); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	// Before and Limit do not apply to the export.
	if err := s.ExportCSV(ctx, audit.Filter{Before: 5, Limit: 1}, &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 32 {
		t.Fatalf("%d rows, want header + 31", len(rows))
	}
	if strings.Join(rows[0], ",") != strings.Join(audit.CSVHeader, ",") {
		t.Errorf("header = %v", rows[0])
	}
	first := rows[1] // newest first
	col := func(name string) string {
		for i, h := range audit.CSVHeader {
			if h == name {
				return first[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	if col("target_name") != "'=HYPERLINK(\"http://evil\")" {
		t.Errorf("formula not defused: %q", col("target_name"))
	}
	if col("params") != "a=1; b=2" || col("action") != "lock" || col("outcome") != "pending" || col("target_id") != "42" {
		t.Errorf("row = %v", first)
	}

	buf.Reset()
	if err := s.ExportCSV(ctx, audit.Filter{Target: "bob@example.com"}, &buf); err != nil {
		t.Fatal(err)
	}
	if rows, _ := csv.NewReader(&buf).ReadAll(); len(rows) != 2 {
		t.Errorf("filtered export: %d rows, want 2", len(rows))
	}
}

// concurrentWrites: concurrent writers each get their own id and every
// record is kept.
func concurrentWrites(t *testing.T, open Opener) {
	s := open(t, nil)
	ctx := context.Background()
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	ids := make(chan int64, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r := lockRecord()
				r.TargetID = int64(w)
				id, err := s.Begin(ctx, r)
				if err != nil {
					errs <- err
					continue
				}
				ids <- id
				if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeSucceeded, Status: 200}); err != nil {
					errs <- err
				}
				if i%5 == 0 {
					if _, err := s.List(ctx, audit.Filter{Limit: 5}); err != nil {
						errs <- err
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(ids)
	for err := range errs {
		t.Error(err)
	}
	unique := map[int64]bool{}
	for id := range ids {
		if unique[id] {
			t.Errorf("id %d handed out twice", id)
		}
		unique[id] = true
	}
	p, _ := s.List(ctx, audit.Filter{Limit: audit.MaxPageSize, Outcome: audit.OutcomeSucceeded})
	if len(unique) != workers*each || len(p.Records) != workers*each {
		t.Errorf("%d ids, %d succeeded records; want %d", len(unique), len(p.Records), workers*each)
	}
}

// failing: the failing wrapper refuses every call while told to fail and
// reaches the store again after.
func failing(t *testing.T, open Opener) {
	inner := open(t, nil)
	ctx := context.Background()
	s := NewFailing(inner)
	id, err := s.Begin(ctx, lockRecord())
	if err != nil {
		t.Fatal(err)
	}
	s.Fail(true)
	if _, err := s.Begin(ctx, lockRecord()); !errors.Is(err, audit.ErrUnavailable) {
		t.Errorf("Begin: %v", err)
	}
	if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeSucceeded}); !errors.Is(err, audit.ErrUnavailable) {
		t.Errorf("Complete: %v", err)
	}
	if _, err := s.List(ctx, audit.Filter{}); !errors.Is(err, audit.ErrUnavailable) {
		t.Errorf("List: %v", err)
	}
	if _, err := s.ForTarget(ctx, 42, 1); !errors.Is(err, audit.ErrUnavailable) {
		t.Errorf("ForTarget: %v", err)
	}
	if err := s.ExportCSV(ctx, audit.Filter{}, &bytes.Buffer{}); !errors.Is(err, audit.ErrUnavailable) {
		t.Errorf("ExportCSV: %v", err)
	}
	s.Fail(false)
	if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeSucceeded}); err != nil {
		t.Errorf("Complete after recovery: %v", err)
	}
	if got, _ := inner.ForTarget(ctx, 42, 10); len(got) != 1 {
		t.Errorf("failed Begin reached the inner store: %d records", len(got))
	}
}

// closed: a closed store refuses every call with ErrClosed.
func closed(t *testing.T, open Opener) {
	s := open(t, nil)
	ctx := context.Background()
	id, _ := s.Begin(ctx, lockRecord())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(ctx, lockRecord()); !errors.Is(err, audit.ErrClosed) {
		t.Errorf("Begin after Close: %v", err)
	}
	if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeSucceeded}); !errors.Is(err, audit.ErrClosed) {
		t.Errorf("Complete after Close: %v", err)
	}
	if _, err := s.List(ctx, audit.Filter{}); !errors.Is(err, audit.ErrClosed) {
		t.Errorf("List after Close: %v", err)
	}
}

// logLines: each record and its completion are mirrored in one structured
// log line.
func logLines(t *testing.T, open Opener) {
	var logs bytes.Buffer
	s := open(t, slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx := context.Background()
	id, err := s.Begin(ctx, lockRecord())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeSucceeded, Status: 200}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2:\n%s", len(lines), logs.String())
	}
	var begin, done map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &begin); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &done); err != nil {
		t.Fatal(err)
	}
	if begin["audit_id"] != float64(id) || begin["actor_email"] != "ann@example.com" ||
		begin["action"] != "lock" || begin["outcome"] != "pending" || begin["target_id"] != float64(42) {
		t.Errorf("begin line = %v", begin)
	}
	if p, _ := begin["params"].(map[string]any); p["minutes"] != "30" {
		t.Errorf("begin params = %v", begin["params"])
	}
	if done["audit_id"] != float64(id) || done["outcome"] != "succeeded" || done["status"] != float64(200) {
		t.Errorf("complete line = %v", done)
	}
}

// denyCollapsesRepeats: the same refusal by the same person within the
// window is one record with a count; a different reason, target or actor,
// or the window passing, starts a new record.
func denyCollapsesRepeats(t *testing.T, open Opener) {
	now := t0
	s := open(t, nil, audit.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	refusal := lockRecord()
	refusal.Reason = "role viewer may not lock"
	first, err := s.Deny(ctx, refusal, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for range 99 {
		now = now.Add(100 * time.Millisecond)
		id, err := s.Deny(ctx, refusal, time.Minute)
		if err != nil || id != first {
			t.Fatalf("a repeat within the window: id %d, %v; want %d", id, err, first)
		}
	}
	other := refusal
	other.Reason = "protected account"
	if id, _ := s.Deny(ctx, other, time.Minute); id == first {
		t.Error("a different reason was collapsed into the first refusal")
	}
	now = now.Add(2 * time.Minute)
	if id, _ := s.Deny(ctx, refusal, time.Minute); id == first {
		t.Error("a refusal after the window was collapsed")
	}
	got, err := s.ForTarget(ctx, 42, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d records, want 3", len(got))
	}
	oldest := got[2]
	if oldest.ID != first || oldest.Repeats != 99 || oldest.Outcome != audit.OutcomeDenied ||
		!oldest.LastAt.Equal(t0.Add(9900*time.Millisecond)) {
		t.Errorf("collapsed record: id %d repeats %d outcome %s last %v", oldest.ID, oldest.Repeats, oldest.Outcome, oldest.LastAt)
	}
	var buf bytes.Buffer
	if err := s.ExportCSV(ctx, audit.Filter{}, &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), ",99,") {
		t.Errorf("the export does not carry the count:\n%s", buf.String())
	}
}

// last finds the newest record of the given actions and outcomes about one
// person, skipping other outcomes, other actions and other people: a lock
// whose answer never came (unknown) or is still awaited (pending) is picked
// when asked for, a failed unlock is not.
func last(t *testing.T, open Opener) {
	s := open(t, nil)
	ctx := context.Background()
	succeeded := audit.Succeeded(access.Lock, access.Unlock)
	if _, ok, err := s.Last(ctx, 42, succeeded...); ok || err != nil {
		t.Fatalf("empty trail: ok %v, %v", ok, err)
	}
	write := func(a access.Action, target int64, o audit.Outcome) int64 {
		r := lockRecord()
		r.Action, r.TargetID = a, target
		id, err := s.Begin(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if o == audit.OutcomePending {
			return id
		}
		if err := s.Complete(ctx, id, audit.Result{Outcome: o}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	lock := write(access.Lock, 42, audit.OutcomeSucceeded)
	write(access.Unlock, 42, audit.OutcomeFailed)
	write(access.Unlock, 7, audit.OutcomeSucceeded)
	write(access.Logout, 42, audit.OutcomeSucceeded)
	r, ok, err := s.Last(ctx, 42, succeeded...)
	if err != nil || !ok || r.ID != lock || r.Params["minutes"] != "30" {
		t.Errorf("got %+v %v %v; want the lock %d", r, ok, err, lock)
	}
	unlock := write(access.Unlock, 42, audit.OutcomeSucceeded)
	if r, _, _ := s.Last(ctx, 42, succeeded...); r.ID != unlock {
		t.Errorf("got %d, want the later unlock %d", r.ID, unlock)
	}
	locks := []audit.Kind{{Action: access.Lock, Outcomes: []audit.Outcome{audit.OutcomeSucceeded, audit.OutcomeUnknown, audit.OutcomePending}},
		{Action: access.Unlock, Outcomes: []audit.Outcome{audit.OutcomeSucceeded}}}
	for _, o := range []audit.Outcome{audit.OutcomeUnknown, audit.OutcomePending} {
		id := write(access.Lock, 42, o)
		if r, _, _ := s.Last(ctx, 42, locks...); r.ID != id || r.Outcome != o {
			t.Errorf("a %s lock: got %d (%s), want %d", o, r.ID, r.Outcome, id)
		}
		if r, _, _ := s.Last(ctx, 42, succeeded...); r.ID != unlock {
			t.Errorf("succeeded only: got %d after a %s lock, want the unlock %d", r.ID, o, unlock)
		}
	}
	if _, ok, err := s.Last(ctx, 42); ok || err != nil {
		t.Errorf("no kinds: ok %v, %v", ok, err)
	}
}

// pendingBefore lists what a crash left pending: only pending records
// that began before the cutoff, oldest first, at most limit of them.
func pendingBefore(t *testing.T, open Opener) {
	now := t0
	s := open(t, nil, audit.WithClock(func() time.Time { return now }))
	lister, ok := s.(audit.PendingLister)
	if !ok {
		t.Fatalf("%T cannot list pending records, so a crash's would stay pending for ever", s)
	}
	ctx := context.Background()
	begin := func(at time.Time, complete bool) int64 {
		now = at
		id, err := s.Begin(ctx, lockRecord())
		if err != nil {
			t.Fatal(err)
		}
		if complete {
			if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeSucceeded}); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	first := begin(t0, false)
	begin(t0.Add(time.Second), true)
	second := begin(t0.Add(2*time.Second), false)
	begin(t0.Add(time.Minute), false) // too recent: may still be waiting
	got, err := lister.PendingBefore(ctx, t0.Add(30*time.Second), 10)
	if err != nil || len(got) != 2 || got[0].ID != first || got[1].ID != second || got[0].Outcome != audit.OutcomePending {
		t.Fatalf("got %+v, %v; want %d and %d", got, err, first, second)
	}
	if got, _ := lister.PendingBefore(ctx, t0.Add(30*time.Second), 1); len(got) != 1 || got[0].ID != first {
		t.Errorf("limit 1: got %+v", got)
	}
}

// unknownOutcome: a change whose answer never came is completed as unknown.
func unknownOutcome(t *testing.T, open Opener) {
	s := open(t, nil)
	ctx := context.Background()
	id, err := s.Begin(ctx, lockRecord())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, id, audit.Result{Outcome: audit.OutcomeUnknown, Message: "OneLogin did not answer in time"}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.ForTarget(ctx, 42, 1)
	if len(got) != 1 || got[0].Outcome != audit.OutcomeUnknown {
		t.Errorf("got %+v", got)
	}
}

// retention: DeleteBefore forgets exactly the records that began before the
// cutoff, and the trail carries on (ids keep rising, older pending records
// that remain can still be completed).
func retention(t *testing.T, open Opener) {
	s := open(t, nil)
	p, ok := s.(audit.Pruner)
	if !ok {
		t.Fatalf("%T does not implement audit.Pruner: retention would never delete", s)
	}
	ctx := context.Background()
	ids := seed(t, s) // one a minute from t0
	n, err := p.DeleteBefore(ctx, t0.Add(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if n != 10 {
		t.Errorf("deleted %d records, want 10", n)
	}
	page, _ := s.List(ctx, audit.Filter{Limit: audit.MaxPageSize})
	if len(page.Records) != 20 || page.Records[19].ID != ids[10] {
		t.Fatalf("after retention: %d records, oldest %v", len(page.Records), recentIDs(page.Records))
	}
	for _, r := range page.Records {
		if r.Time.Before(t0.Add(10 * time.Minute)) {
			t.Errorf("record %d at %v survived", r.ID, r.Time)
		}
	}
	if n, _ := p.DeleteBefore(ctx, t0); n != 0 {
		t.Errorf("a second, earlier cutoff deleted %d", n)
	}
	next, err := s.Begin(ctx, lockRecord())
	if err != nil || next <= ids[len(ids)-1] {
		t.Errorf("Begin after retention: id %d, %v; want > %d", next, err, ids[len(ids)-1])
	}
	if err := s.Complete(ctx, ids[29], audit.Result{Outcome: audit.OutcomeSucceeded}); err != nil && !errors.Is(err, audit.ErrCompleted) {
		t.Errorf("Complete of a kept record: %v", err)
	}
	if err := s.Complete(ctx, ids[0], audit.Result{Outcome: audit.OutcomeSucceeded}); !errors.Is(err, audit.ErrNotFound) {
		t.Errorf("Complete of a deleted record: %v, want ErrNotFound", err)
	}
}
