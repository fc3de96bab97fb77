package audit_test

import (
	"reflect"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
)

// TestPaged: one record beyond the page says an older page exists, and
// the cursor is the last record shown.
func TestPaged(t *testing.T) {
	recs := func(ids ...int64) []audit.Record {
		var out []audit.Record
		for _, id := range ids {
			out = append(out, audit.Record{ID: id})
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		in       []audit.Record
		limit    int
		wantLen  int
		wantNext int64
	}{
		{"none", nil, 2, 0, 0},
		{"fewer than a page", recs(9), 2, 1, 0},
		{"exactly a page", recs(9, 8), 2, 2, 0},
		{"one more than a page", recs(9, 8, 7), 2, 2, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := audit.Paged(tc.in, tc.limit)
			if len(p.Records) != tc.wantLen || p.Next != tc.wantNext {
				t.Errorf("Paged: %d records, next %d; want %d, %d", len(p.Records), p.Next, tc.wantLen, tc.wantNext)
			}
		})
	}
}

// TestFilter_Conds: the conditions a filter sets, trimmed and folded the
// way every store compares them; blank fields set none.
func TestFilter_Conds(t *testing.T) {
	from := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		f          audit.Filter
		withCursor bool
		want       []audit.Cond
	}{
		{"empty", audit.Filter{}, true, nil},
		{"blanks set nothing", audit.Filter{Actor: "  ", Target: " ", ActorLike: " ", Ticket: " ", Job: " "}, true, nil},
		{"actor trimmed, case kept for the store's comparison", audit.Filter{Actor: " Ann@Example.com "}, false,
			[]audit.Cond{{Field: audit.FieldActor, Value: "Ann@Example.com"}}},
		{"a target of digits is a user id", audit.Filter{Target: " 42 "}, false,
			[]audit.Cond{{Field: audit.FieldTargetID, Value: int64(42)}}},
		{"any other target is an email", audit.Filter{Target: "x42@example.com"}, false,
			[]audit.Cond{{Field: audit.FieldTarget, Value: "x42@example.com"}}},
		{"partial matches and ticket lowered A-Z only", audit.Filter{ActorLike: " ANN ", TargetLike: "DÉSIRÉE", Ticket: "INC-1"}, false,
			[]audit.Cond{{Field: audit.FieldActorLike, Value: "ann"}, {Field: audit.FieldTargetLike, Value: "dÉsirÉe"}, {Field: audit.FieldTicket, Value: "inc-1"}}},
		{"action, outcome, job, range", audit.Filter{Action: access.Lock, Outcome: audit.OutcomeDenied, Job: "7", From: from, To: from.Add(time.Hour)}, false,
			[]audit.Cond{{Field: audit.FieldAction, Value: string(access.Lock)}, {Field: audit.FieldOutcome, Value: string(audit.OutcomeDenied)},
				{Field: audit.FieldJob, Value: "7"}, {Field: audit.FieldFrom, Value: from}, {Field: audit.FieldTo, Value: from.Add(time.Hour)}}},
		{"the cursor only with it asked for", audit.Filter{Before: 9}, false, nil},
		{"the cursor", audit.Filter{Before: 9}, true, []audit.Cond{{Field: audit.FieldBefore, Value: int64(9)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.Conds(tc.withCursor); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Conds = %v, want %v", got, tc.want)
			}
		})
	}
}
