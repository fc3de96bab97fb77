package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// TestAuditPage_filters: each filter narrows the list to exactly the
// matching records, newest first, and is shown back in the form.
func TestAuditPage_filters(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin))
	recs := auditSeed(t, c, 30)
	day := func(i int) time.Time { return clockStart.AddDate(0, 0, i).Truncate(24 * time.Hour) }
	cases := []struct {
		name  string
		query string
		keep  func(audit.Record) bool
	}{
		{"none", "", func(audit.Record) bool { return true }},
		{"actor", "actor=ANN@example.com", func(r audit.Record) bool { return r.ActorEmail == "ann@example.com" }},
		{"target id", "target=1002", func(r audit.Record) bool { return r.TargetID == 1002 }},
		{"target email", "target=target3@example.com", func(r audit.Record) bool { return r.TargetEmail == "target3@example.com" }},
		{"action", "action=reset_password", func(r audit.Record) bool { return r.Action == access.ResetPassword }},
		{"outcome", "outcome=denied", func(r audit.Record) bool { return r.Outcome == audit.OutcomeDenied }},
		{"from", "from=" + day(-5).Format(time.DateOnly), func(r audit.Record) bool { return !r.Time.Before(day(-5)) }},
		{"to inclusive", "to=" + day(-25).Format(time.DateOnly), func(r audit.Record) bool { return r.Time.Before(day(-24)) }},
		{"combined", "actor=bob@example.com&outcome=succeeded&from=" + day(-20).Format(time.DateOnly) + "&to=" + day(-2).Format(time.DateOnly),
			func(r audit.Record) bool {
				return r.ActorEmail == "bob@example.com" && r.Outcome == audit.OutcomeSucceeded && !r.Time.Before(day(-20)) && r.Time.Before(day(-1))
			}},
		{"nothing matches", "actor=nobody@example.com", func(audit.Record) bool { return false }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := c.get("/audit?" + tc.query)
			wantCode(t, rec, http.StatusOK)
			d := doc(t, rec)
			want := expectIDs(recs, tc.keep)
			if got := auditRowIDs(d); !slices.Equal(got, want) {
				t.Errorf("rows = %v\nwant   %v", got, want)
			}
			if len(want) == 0 && d.Find("[data-testid=audit-empty]").Length() != 1 {
				t.Error("no “no record matches” message")
			}
			q, _ := url.ParseQuery(tc.query)
			for k := range q {
				sel := "#audit-form [name=" + k + "]"
				got, _ := d.Find(sel).Attr("value")
				if d.Find(sel).Is("select") {
					got, _ = d.Find(sel + " option[selected]").Attr("value")
				}
				if got != q.Get(k) {
					t.Errorf("form field %s = %q, want %q shown back", k, got, q.Get(k))
				}
			}
		})
	}
}

// TestAuditPage_invalidFilters are answered 400 with the reason, on the page
// and the export alike, without reading the trail.
func TestAuditPage_invalidFilters(t *testing.T) {
	trail := &countingTrail{Store: audittest.NewMemory(nil)}
	c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin), withConfig(func(cfg *handlers.Config) { cfg.Audit = trail }))
	cases := []struct{ query, want string }{
		{"action=drop_tables", "Choose the action from the list."},
		{"outcome=maybe", "Choose the outcome from the list"},
		{"from=31/12/2024", "“From” must be a date like 2024-05-31"},
		{"to=yesterday", "“To” must be a date like 2024-05-31"},
		{"from=2025-03-04&to=2025-03-01", "“From” is later than “to”"},
		{"before=-4", "This page link is damaged"},
		{"before=abc", "This page link is damaged"},
		{"actor=" + strings.Repeat("a", 300), "at most 254 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.query[:min(len(tc.query), 20)], func(t *testing.T) {
			rec := c.get("/audit?" + tc.query)
			wantCode(t, rec, http.StatusBadRequest)
			if got := textOf(doc(t, rec), "[data-testid=audit-error] p"); !strings.Contains(got, tc.want) {
				t.Errorf("message = %q, want %q", got, tc.want)
			}
			if strings.HasPrefix(tc.query, "before") {
				return // the export ignores the cursor
			}
			rec = c.get("/audit.csv?" + tc.query)
			wantCode(t, rec, http.StatusBadRequest)
			if ct := rec.Header().Get("Content-Type"); strings.HasPrefix(ct, "text/csv") {
				t.Errorf("a refused export answered as CSV")
			}
		})
	}
	if n, m := trail.lists.Load(), trail.exports.Load(); n != 0 || m != 0 {
		t.Errorf("the trail was read %d+%d times for invalid filters", n, m)
	}
	// The same day on both ends is one day, not an empty range.
	wantCode(t, c.get("/audit?from=2025-03-04&to=2025-03-04"), http.StatusOK)
}

// TestAuditPage_partialFiltersAsYouType: part of a staff email or of a
// person's name finds their records; the inputs apply as the person types.
func TestAuditPage_partialFiltersAsYouType(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin))
	for _, r := range []audit.Record{
		{ActorEmail: "tomas.herrera@example.com", TargetID: 1, TargetName: "Jane Doe", TargetEmail: "jane.doe@example.com", Action: access.Unlock},
		{ActorEmail: "priya.raman@example.com", TargetID: 2, TargetName: "Marguerite Dubois", TargetEmail: "marguerite.dubois@example.com", Action: access.Lock},
	} {
		if _, err := c.mem.Begin(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string]string{
		"actor=herrera": "1", "actor=PRIYA": "2", "target=dubois": "2", "target=jane.d": "1", "target=2": "2", "target=Doe": "1",
	} {
		d := doc(t, c.get("/audit?"+q))
		if got := strings.Join(auditRowIDs(d), ","); got != want {
			t.Errorf("%s: records %s, want %s", q, got, want)
		}
	}
	d := doc(t, c.get("/audit"))
	for _, name := range []string{"actor", "target"} {
		in := d.Find(`#audit-form input[name="` + name + `"]`)
		if trig := in.AttrOr("hx-trigger", ""); !strings.Contains(trig, "input changed delay:") || in.AttrOr("type", "") == "email" {
			t.Errorf("%s input: type %q, hx-trigger %q; want typing to filter", name, in.AttrOr("type", ""), trig)
		}
	}
}
