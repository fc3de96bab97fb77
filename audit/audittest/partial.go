package audittest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
)

// partialMatches: Filter.ActorLike finds the actor emails that contain it
// and Filter.TargetLike the target names or emails, ignoring the case of A
// to Z only; characters SQL reads as wildcards match only themselves; the
// export applies them too; the exact Actor filter stays exact.
func partialMatches(t *testing.T, open Opener) {
	s := open(t, nil)
	ctx := context.Background()
	people := []struct{ actor, name, email string }{
		{"ann@example.com", "Jane Doe", "jane.doe@example.com"},
		{"joanne@example.com", "Marguerite Dubois", "marguerite.dubois@example.org"},
		{"Bob@Example.com", "Zoë Whitfield", "zoe.whitfield@example.com"},
		{"carl_ops@example.com", "Ann Smith", "ann.smith@example.com"},
		{"dora%x@example.com", "KELVIN BROWN", "k.brown@example.com"},
	}
	for i, p := range people {
		if _, err := s.Begin(ctx, audit.Record{Time: t0.Add(time.Duration(i) * time.Minute), ActorEmail: p.actor, ActorRole: "helpdesk",
			TargetID: int64(100 + i), TargetName: p.name, TargetEmail: p.email, Action: access.Unlock}); err != nil {
			t.Fatal(err)
		}
	}
	actorsOf := func(f audit.Filter) string {
		t.Helper()
		p, err := s.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for i := len(p.Records) - 1; i >= 0; i-- { // oldest first, as seeded
			out = append(out, p.Records[i].ActorEmail)
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		name string
		f    audit.Filter
		want string
	}{
		{"actor part", audit.Filter{ActorLike: "ann"}, "ann@example.com joanne@example.com"},
		{"actor part, other case", audit.Filter{ActorLike: "BOB@"}, "Bob@Example.com"},
		{"actor part, spaces around", audit.Filter{ActorLike: "  carl  "}, "carl_ops@example.com"},
		{"underscore is itself", audit.Filter{ActorLike: "l_o"}, "carl_ops@example.com"},
		{"underscore is not any character", audit.Filter{ActorLike: "a_n"}, ""},
		{"percent is itself", audit.Filter{ActorLike: "a%x"}, "dora%x@example.com"},
		{"percent is not anything", audit.Filter{ActorLike: "%@example.com"}, ""},
		{"target name part", audit.Filter{TargetLike: "dubois"}, "joanne@example.com"},
		{"target name, other case", audit.Filter{TargetLike: "kelvin b"}, "dora%x@example.com"},
		{"target email part", audit.Filter{TargetLike: "jane.d"}, "ann@example.com"},
		{"target email domain", audit.Filter{TargetLike: "@example.org"}, "joanne@example.com"},
		{"name or email", audit.Filter{TargetLike: "ann"}, "carl_ops@example.com"},
		{"only A-Z fold: ë is not Ë", audit.Filter{TargetLike: "ZOË"}, ""},
		{"non-ASCII as typed", audit.Filter{TargetLike: "zoë"}, "Bob@Example.com"},
		{"the Kelvin sign is not k", audit.Filter{TargetLike: "\u212aelvin"}, ""},
		{"both", audit.Filter{ActorLike: "example.com", TargetLike: "smith"}, "carl_ops@example.com"},
		{"exact actor stays exact", audit.Filter{Actor: "ann"}, ""},
		{"exact and partial", audit.Filter{Actor: "joanne@example.com", TargetLike: "marguerite"}, "joanne@example.com"},
	}
	for _, tc := range tests {
		if got := actorsOf(tc.f); got != tc.want {
			t.Errorf("%s: %+v matched [%s], want [%s]", tc.name, tc.f, got, tc.want)
		}
		// Match, which the memory store and the page use, agrees.
		p, _ := s.List(ctx, audit.Filter{})
		var byMatch []string
		for i := len(p.Records) - 1; i >= 0; i-- {
			if tc.f.Match(p.Records[i]) {
				byMatch = append(byMatch, p.Records[i].ActorEmail)
			}
		}
		if got := strings.Join(byMatch, " "); got != tc.want {
			t.Errorf("%s: Filter.Match matched [%s], want [%s]", tc.name, got, tc.want)
		}
	}
	var buf bytes.Buffer
	if err := s.ExportCSV(ctx, audit.Filter{TargetLike: "DUBOIS"}, &buf); err != nil {
		t.Fatal(err)
	}
	if rows := strings.Count(strings.TrimSpace(buf.String()), "\n"); rows != 1 || !strings.Contains(buf.String(), "marguerite.dubois@example.org") {
		t.Errorf("export with TargetLike: %d rows:\n%s", rows, buf.String())
	}
}
