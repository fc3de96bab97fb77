package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"onelogin-helpdesk/access"
)

// storeKinds runs a test against every Store implementation, so Memory
// stays a faithful stand-in for SQLiteStore.
var storeKinds = []struct {
	name string
	open func(t *testing.T, log *slog.Logger) Store
}{
	{"sqlite", func(t *testing.T, log *slog.Logger) Store {
		s, err := OpenSQLite(filepath.Join(t.TempDir(), "audit.db"), log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"memory", func(t *testing.T, log *slog.Logger) Store { return NewMemory(log) }},
}

func forEachStore(t *testing.T, fn func(t *testing.T, s Store)) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) { fn(t, k.open(t, nil)) })
	}
}

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func lockRecord() Record {
	return Record{
		ActorEmail: "ann@example.com", ActorRole: "helpdesk",
		SourceIP: "10.0.0.7", RequestID: "req-1",
		TargetID: 42, TargetEmail: "bob@example.com", TargetName: "Bob Example",
		Action: access.Lock, Params: map[string]string{"minutes": "30"},
		Ticket: "INC-1",
	}
}

func TestStore_beginComplete(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		id, err := s.Begin(ctx, lockRecord())
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ForTarget(ctx, 42, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != id || got[0].Outcome != OutcomePending || !got[0].CompletedAt.IsZero() {
			t.Fatalf("after Begin: %+v", got)
		}
		if got[0].Time.IsZero() {
			t.Error("Begin did not stamp the time")
		}
		if err := s.Complete(ctx, id, Result{Outcome: OutcomeFailed, Status: 400, Message: "bad request"}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.ForTarget(ctx, 42, 10)
		if len(got) != 1 {
			t.Fatalf("Complete added a record: %d records", len(got))
		}
		r := got[0]
		want := lockRecord()
		if r.Outcome != OutcomeFailed || r.Status != 400 || r.Message != "bad request" || r.CompletedAt.IsZero() ||
			r.ActorEmail != want.ActorEmail || r.ActorRole != want.ActorRole || r.SourceIP != want.SourceIP ||
			r.RequestID != want.RequestID || r.TargetEmail != want.TargetEmail || r.TargetName != want.TargetName ||
			r.Action != want.Action || r.Params["minutes"] != "30" || r.Ticket != "INC-1" {
			t.Errorf("completed record = %+v", r)
		}

		if err := s.Complete(ctx, id, Result{Outcome: OutcomeSucceeded}); !errors.Is(err, ErrCompleted) {
			t.Errorf("second Complete: %v, want ErrCompleted", err)
		}
		if err := s.Complete(ctx, id+100, Result{Outcome: OutcomeSucceeded}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Complete unknown id: %v, want ErrNotFound", err)
		}
		id2, _ := s.Begin(ctx, lockRecord())
		for _, o := range []Outcome{"", OutcomePending, "maybe"} {
			if err := s.Complete(ctx, id2, Result{Outcome: o}); !errors.Is(err, ErrInvalid) {
				t.Errorf("Complete with outcome %q: %v, want ErrInvalid", o, err)
			}
		}
	})
}

// A created person's id is known only when OneLogin answers: Complete
// names them, and their history then holds the record.
func TestStore_completeNamesTheCreatedTarget(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		r := lockRecord()
		r.Action, r.TargetID, r.Params = access.CreateUser, 0, map[string]string{"email": "new@example.com"}
		id, err := s.Begin(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Complete(ctx, id, Result{Outcome: OutcomeSucceeded, Status: 200, TargetID: 7001}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.ForTarget(ctx, 7001, 10)
		if len(got) != 1 || got[0].ID != id || got[0].TargetEmail != r.TargetEmail {
			t.Fatalf("history of the created person: %+v", got)
		}
		// A result without an id keeps the record's target.
		id2, _ := s.Begin(ctx, lockRecord())
		if err := s.Complete(ctx, id2, Result{Outcome: OutcomeSucceeded}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ForTarget(ctx, 42, 10); len(got) != 1 || got[0].ID != id2 {
			t.Errorf("history of 42: %+v", got)
		}
		id3, _ := s.Begin(ctx, lockRecord())
		if err := s.Complete(ctx, id3, Result{Outcome: OutcomeSucceeded, TargetID: -1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("negative target id: %v, want ErrInvalid", err)
		}
	})
}

func TestStore_deniedIsCompleteAtOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		r := lockRecord()
		r.Outcome = OutcomeDenied
		r.Reason = "role viewer may not lock"
		id, err := s.Begin(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.ForTarget(ctx, 42, 1)
		if got[0].Outcome != OutcomeDenied || got[0].CompletedAt.IsZero() || got[0].Reason != r.Reason {
			t.Errorf("denied record = %+v", got[0])
		}
		if err := s.Complete(ctx, id, Result{Outcome: OutcomeSucceeded}); !errors.Is(err, ErrCompleted) {
			t.Errorf("Complete of denied record: %v", err)
		}
	})
}

func TestStore_invalidRecords(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		noAction := lockRecord()
		noAction.Action = ""
		badOutcome := lockRecord()
		badOutcome.Outcome = "meh"
		tooMany := lockRecord()
		tooMany.Params = map[string]string{}
		for i := range maxParams + 1 {
			tooMany.Params[fmt.Sprint("p", i)] = "x"
		}
		for name, r := range map[string]Record{"no action": noAction, "bad outcome": badOutcome, "too many params": tooMany} {
			if _, err := s.Begin(ctx, r); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
		long := lockRecord()
		long.Reason = strings.Repeat("é", maxFieldLen) // 2 bytes each
		if _, err := s.Begin(ctx, long); err != nil {
			t.Fatal(err)
		}
		got, _ := s.ForTarget(ctx, 42, 1)
		if n := len(got[0].Reason); n > maxFieldLen || n < maxFieldLen-1 || !strings.HasPrefix(long.Reason, got[0].Reason) {
			t.Errorf("long reason stored as %d bytes", n)
		}
	})
}

func TestStore_secretParamsRefused(t *testing.T) {
	const secretValue = "Hunter2-s3cret-value"
	keys := []string{"password", "New_Password", "PASSWORD_CONFIRMATION", "passwd", "hash", "password_hash",
		"Salt", "mfa_token", "TOKEN", "otp", "client_secret", "apiSecret", "hash_algorithm"}
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := k.open(t, slog.New(slog.NewJSONHandler(&logs, nil)))
			ctx := context.Background()
			for _, key := range keys {
				r := lockRecord()
				r.Params = map[string]string{"minutes": "5", key: secretValue}
				id, err := s.Begin(ctx, r)
				if !errors.Is(err, ErrSecretParam) {
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
			if err := s.ExportCSV(ctx, Filter{}, &csvOut); err != nil {
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
		})
	}
}

// seed writes 30 records: actors alternate, targets cycle over three users,
// one record a minute from t0.
func seed(t *testing.T, s Store) []int64 {
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
		r := Record{
			Time:       t0.Add(time.Duration(i) * time.Minute),
			ActorEmail: actors[i%2], ActorRole: "helpdesk",
			TargetID: tg.id, TargetEmail: tg.email, TargetName: "User " + tg.email,
			Action: actions[(i/3)%3], Params: map[string]string{"i": fmt.Sprint(i)},
		}
		if i%5 == 0 {
			r.Outcome = OutcomeDenied
		}
		id, err := s.Begin(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestStore_listFiltersAndPages(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		ids := seed(t, s)

		// Paging walks every record exactly once, newest first.
		var seen []int64
		f := Filter{Limit: 7}
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
		// An exact fit leaves no next page.
		if p, _ := s.List(ctx, Filter{Limit: 30}); len(p.Records) != 30 || p.Next != 0 {
			t.Errorf("exact page: %d records, next %d", len(p.Records), p.Next)
		}

		count := func(f Filter) int {
			t.Helper()
			f.Limit = MaxPageSize
			p, err := s.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Records {
				if !f.match(r, true) {
					t.Errorf("filter %+v returned non-matching %+v", f, r)
				}
			}
			return len(p.Records)
		}
		tests := []struct {
			name string
			f    Filter
			want int
		}{
			{"all", Filter{}, 30},
			{"actor", Filter{Actor: "ann@example.com"}, 15},
			{"actor case-insensitive", Filter{Actor: "CARL@example.COM"}, 15},
			{"unknown actor", Filter{Actor: "nobody@example.com"}, 0},
			{"target id", Filter{Target: "2"}, 10},
			{"target email", Filter{Target: "THREE@example.com"}, 10},
			{"action", Filter{Action: access.Lock}, 9},
			{"outcome", Filter{Outcome: OutcomeDenied}, 6},
			{"from", Filter{From: t0.Add(20 * time.Minute)}, 10},
			{"to is exclusive", Filter{To: t0.Add(10 * time.Minute)}, 10},
			{"range", Filter{From: t0.Add(5 * time.Minute), To: t0.Add(8 * time.Minute)}, 3},
			{"combined", Filter{Actor: "ann@example.com", Target: "1"}, 5},
		}
		for _, tc := range tests {
			if got := count(tc.f); got != tc.want {
				t.Errorf("%s: %d records, want %d", tc.name, got, tc.want)
			}
		}

		recent, err := s.ForTarget(ctx, 1, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(recent) != 4 || recent[0].ID != ids[27] || recent[3].ID != ids[18] {
			t.Errorf("ForTarget(1, 4) = %v", recentIDs(recent))
		}
	})
}

func recentIDs(rs []Record) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestStore_exportCSV(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
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
		if err := s.ExportCSV(ctx, Filter{Before: 5, Limit: 1}, &buf); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 32 {
			t.Fatalf("%d rows, want header + 31", len(rows))
		}
		if strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
			t.Errorf("header = %v", rows[0])
		}
		first := rows[1] // newest first
		col := func(name string) string {
			for i, h := range csvHeader {
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
		if err := s.ExportCSV(ctx, Filter{Target: "bob@example.com"}, &buf); err != nil {
			t.Fatal(err)
		}
		if rows, _ := csv.NewReader(&buf).ReadAll(); len(rows) != 2 {
			t.Errorf("filtered export: %d rows, want 2", len(rows))
		}
	})
}

func TestStore_concurrentWrites(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
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
					if err := s.Complete(ctx, id, Result{Outcome: OutcomeSucceeded, Status: 200}); err != nil {
						errs <- err
					}
					if i%5 == 0 {
						if _, err := s.List(ctx, Filter{Limit: 5}); err != nil {
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
		p, _ := s.List(ctx, Filter{Limit: MaxPageSize, Outcome: OutcomeSucceeded})
		if len(unique) != workers*each || len(p.Records) != workers*each {
			t.Errorf("%d ids, %d succeeded records; want %d", len(unique), len(p.Records), workers*each)
		}
	})
}

func TestStore_failing(t *testing.T) {
	forEachStore(t, func(t *testing.T, inner Store) {
		ctx := context.Background()
		s := NewFailing(inner)
		id, err := s.Begin(ctx, lockRecord())
		if err != nil {
			t.Fatal(err)
		}
		s.Fail(true)
		if _, err := s.Begin(ctx, lockRecord()); !errors.Is(err, ErrUnavailable) {
			t.Errorf("Begin: %v", err)
		}
		if err := s.Complete(ctx, id, Result{Outcome: OutcomeSucceeded}); !errors.Is(err, ErrUnavailable) {
			t.Errorf("Complete: %v", err)
		}
		if _, err := s.List(ctx, Filter{}); !errors.Is(err, ErrUnavailable) {
			t.Errorf("List: %v", err)
		}
		if _, err := s.ForTarget(ctx, 42, 1); !errors.Is(err, ErrUnavailable) {
			t.Errorf("ForTarget: %v", err)
		}
		if err := s.ExportCSV(ctx, Filter{}, &bytes.Buffer{}); !errors.Is(err, ErrUnavailable) {
			t.Errorf("ExportCSV: %v", err)
		}
		s.Fail(false)
		if err := s.Complete(ctx, id, Result{Outcome: OutcomeSucceeded}); err != nil {
			t.Errorf("Complete after recovery: %v", err)
		}
		if got, _ := inner.ForTarget(ctx, 42, 10); len(got) != 1 {
			t.Errorf("failed Begin reached the inner store: %d records", len(got))
		}
	})
}

func TestStore_closed(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		id, _ := s.Begin(ctx, lockRecord())
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Begin(ctx, lockRecord()); !errors.Is(err, ErrClosed) {
			t.Errorf("Begin after Close: %v", err)
		}
		if err := s.Complete(ctx, id, Result{Outcome: OutcomeSucceeded}); !errors.Is(err, ErrClosed) {
			t.Errorf("Complete after Close: %v", err)
		}
		if _, err := s.List(ctx, Filter{}); !errors.Is(err, ErrClosed) {
			t.Errorf("List after Close: %v", err)
		}
	})
}

func TestStore_logLines(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := k.open(t, slog.New(slog.NewJSONHandler(&logs, nil)))
			ctx := context.Background()
			id, err := s.Begin(ctx, lockRecord())
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Complete(ctx, id, Result{Outcome: OutcomeSucceeded, Status: 200}); err != nil {
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
		})
	}
}
