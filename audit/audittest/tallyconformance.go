package audittest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
)

// TallyConformance is what every audit.Tallier does: like steps of one
// source within the window are one complete record, never pending, that
// counts them and keeps a bounded sample of what was typed; another
// source, another reason or the end of the window starts a new record;
// a tally never joins a record written by Begin or Deny.
func TallyConformance(t *testing.T, open Opener) {
	ctx := context.Background()
	now := t0
	s := open(t, nil, audit.WithClock(func() time.Time { return now }))
	tl, ok := s.(audit.Tallier)
	if !ok {
		t.Fatalf("%T is not an audit.Tallier", s)
	}
	step := func(ip, reason, typed string) int64 {
		t.Helper()
		id, err := tl.Tally(ctx, audit.Record{ActorEmail: "unverified", ActorRole: "public", SourceIP: ip,
			Action: access.UnlockRequest, Reason: reason, Params: map[string]string{"via": "public unlock page"}}, 10*time.Minute, typed)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if _, err := s.Begin(ctx, audit.Record{ActorEmail: "unverified", ActorRole: "public", SourceIP: "192.0.2.1",
		Action: access.UnlockRequest, Outcome: audit.OutcomeUnverified}); err != nil {
		t.Fatal(err)
	}
	first := step("192.0.2.1", "", "ann")
	for i := range 3 * audit.MaxSample {
		now = now.Add(time.Second)
		if id := step("192.0.2.1", "", fmt.Sprintf("person%d-%s", i, strings.Repeat("x", 200))); id != first {
			t.Fatalf("step %d of the same source wrote record %d, want it added to %d", i, id, first)
		}
	}
	if id := step("192.0.2.1", "", "ann"); id != first {
		t.Fatalf("a repeated entry wrote record %d", id)
	}
	other := step("198.51.100.9", "", "bob")
	refused := step("192.0.2.1", "limit reached", "carol")
	now = now.Add(10 * time.Minute)
	later := step("192.0.2.1", "", "dave")
	if len(map[int64]bool{first: true, other: true, refused: true, later: true}) != 4 {
		t.Fatalf("records %d %d %d %d: another source, reason or window must each start a record", first, other, refused, later)
	}
	p, err := s.List(ctx, audit.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 5 {
		t.Fatalf("%d records, want 5 (one by Begin, four tallies)", len(p.Records))
	}
	for _, r := range p.Records {
		if r.ID != first {
			continue
		}
		if r.Outcome != audit.OutcomeUnverified || r.CompletedAt.IsZero() {
			t.Errorf("tally outcome %q completed %v, want unverified and complete", r.Outcome, r.CompletedAt)
		}
		if r.Repeats != 3*audit.MaxSample+1 || !r.LastAt.Equal(t0.Add(3*audit.MaxSample*time.Second)) {
			t.Errorf("repeats %d last %v, want %d and the last step's time", r.Repeats, r.LastAt, 3*audit.MaxSample+1)
		}
		sample := r.Params[audit.SampleParam]
		if n := strings.Count(sample, " | ") + 1; n != audit.MaxSample || len(sample) > audit.MaxSample*(audit.MaxSampleLen+8) {
			t.Errorf("sample of %d entries, %d bytes: want %d short entries", n, len(sample), audit.MaxSample)
		}
		if !strings.HasPrefix(sample, "ann | person0-") || r.Params["via"] != "public unlock page" {
			t.Errorf("params %v: want the sample in order of arrival and the other params kept", r.Params)
		}
	}
}
