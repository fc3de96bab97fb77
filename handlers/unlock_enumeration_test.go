package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
)

// skeleton is the page's structure with everything a person typed or a
// factor names taken out: element names, attribute names and the values
// that are the same for everyone, text left out, and repeated factors
// folded into one.
func skeleton(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var walk func(s *goquery.Selection) string
	walk = func(s *goquery.Selection) string {
		var b strings.Builder
		b.WriteString("<" + goquery.NodeName(s))
		attrs := slices.Clone(s.Get(0).Attr)
		sort.Slice(attrs, func(i, j int) bool { return attrs[i].Key < attrs[j].Key })
		for _, a := range attrs {
			v := a.Val
			switch {
			case a.Key == "value" || a.Key == "datetime":
				v = "*"
			case a.Key == "data-testid" && strings.HasPrefix(v, "factor-") && v != "factor-list":
				v = "factor-*"
			}
			b.WriteString(" " + a.Key + "=" + v)
		}
		b.WriteString(">")
		prev := ""
		s.Children().Each(func(_ int, ch *goquery.Selection) {
			if cs := walk(ch); cs != prev { // a repeated factor is one
				b.WriteString(cs)
				prev = cs
			}
		})
		return b.String()
	}
	return walk(doc(t, rec).Find("html"))
}

// unlockWalk is what someone who has not verified sees: each step's status,
// page structure and cookies.
type unlockWalk struct {
	kind     string // the factor chosen
	status   []int
	skeleton []string
	cookie   []string
}

// walkUnlock types login, picks the first factor offered and, for a code,
// types a wrong one.
func walkUnlock(t *testing.T, u *unlockConsole, login string) unlockWalk {
	t.Helper()
	b := u.browser("203.0.113.5")
	var w unlockWalk
	see := func(rec *httptest.ResponseRecorder) *httptest.ResponseRecorder {
		w.status = append(w.status, rec.Code)
		w.skeleton = append(w.skeleton, skeleton(t, rec))
		var names []string
		for _, c := range rec.Result().Cookies() {
			names = append(names, c.Name+" "+c.Path+" "+idStr(int64(c.MaxAge)))
		}
		w.cookie = append(w.cookie, strings.Join(names, ";"))
		return rec
	}
	first := doc(t, see(b.start(login))).Find("[data-testid=factor-list] button").First()
	w.kind = strings.TrimPrefix(first.AttrOr("data-testid", ""), "factor-")
	if rec := see(b.choose(first.AttrOr("value", ""))); step(t, rec) == "code" {
		see(b.code("123456"))
	}
	return w
}

// TestUnlock_noEnumeration: someone who has not verified cannot tell an
// account that does not exist, one that is not locked, or one with no
// factor the page can check from a locked account with factors: each step
// answers with the same status, the same page structure (after the words
// that name the factor) and the same cookies as a locked account's with the
// same kind of factor, and a made-up account never makes OneLogin send or
// check anything.
func TestUnlock_noEnumeration(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, func(p *config.PublicUnlock) {
		p.Factors = []string{"protect", "authenticator", "sms", "email"}
	})
	realOf := map[string]string{"push": fakeonelogin.PersonaLockedPush, "authenticator": fakeonelogin.PersonaLockedTOTP,
		"sms": fakeonelogin.PersonaLockedSMS, "email": fakeonelogin.PersonaLockedEmail}
	ref := map[string]unlockWalk{}
	for kind, login := range realOf {
		w := walkUnlock(t, u, login)
		if w.kind != kind || w.status[0] != http.StatusOK {
			t.Fatalf("the real %s walk: %+v", kind, w)
		}
		ref[kind] = w
	}

	others := map[string]string{
		"no such account":  "no.such.person@example.com",
		"no such username": "nobody42",
		"not locked":       fakeonelogin.PersonaNoRoles,
		"suspended":        fakeonelogin.PersonaSuspended,
		"no usable factor": fakeonelogin.PersonaLockedNoFactor,
		"staff account":    fakeonelogin.PersonaHelpdesk,
		"active with app":  fakeonelogin.PersonaViewer,
	}
	kinds := map[string]bool{}
	for name, login := range others {
		t.Run(name, func(t *testing.T) {
			u.fake.Tenant.ResetCalls()
			got := walkUnlock(t, u, login)
			want, ok := ref[got.kind]
			if !ok {
				t.Fatalf("a made-up factor of kind %q", got.kind)
			}
			kinds[got.kind] = true
			if !slices.Equal(got.status, want.status) {
				t.Errorf("statuses %v, want %v as for a locked account", got.status, want.status)
			}
			if !slices.Equal(got.cookie, want.cookie) {
				t.Errorf("cookies %q, want %q", got.cookie, want.cookie)
			}
			for i := range min(len(got.skeleton), len(want.skeleton)) {
				if got.skeleton[i] != want.skeleton[i] {
					t.Errorf("step %d's page differs from a locked account's:\n got %s\nwant %s", i+1, got.skeleton[i], want.skeleton[i])
				}
			}
			for _, w := range u.writes() {
				t.Errorf("a made-up account asked OneLogin to %s", w)
			}
		})
	}
	if len(kinds) < 2 {
		t.Errorf("every made-up account chose a %v factor: the comparison covers too little", kinds)
	}
}

// TestUnlock_decoysAreStable: a made-up account shows the same factors on
// every visit, as a real one would, and different logins get different
// ones.
func TestUnlock_decoysAreStable(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	factors := func(login string) string {
		return textOf(doc(t, u.browser("203.0.113.6").start(login)), "[data-testid=factor-list]")
	}
	if a, b := factors("ghost@example.com"), factors("GHOST@example.com"); a != b || a == "" {
		t.Errorf("the same login shows %q then %q", a, b)
	}
	seen := map[string]bool{}
	for _, l := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com", "f@example.com"} {
		seen[factors(l)] = true
	}
	if len(seen) < 2 {
		t.Errorf("six made-up accounts all show the same factors: %v", seen)
	}
}

// TestUnlock_unverifiedStepsAreTallied: look-ups, real or made up, are one
// record for the address, with what was typed, about nobody: no person's
// history shows them, and none reads as confirmed.
func TestUnlock_unverifiedStepsAreTallied(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	logins := []string{fakeonelogin.PersonaNoRoles, fakeonelogin.PersonaLockedNoFactor, "ghost@example.com", fakeonelogin.PersonaLockedSMS}
	for _, login := range logins {
		for range 3 {
			u.browser("198.51.100.90").start(login)
		}
	}
	recs := u.mem.Records()
	if len(recs) != 1 {
		t.Fatalf("%d records for 12 look-ups from one address, want 1: %+v", len(recs), recs)
	}
	r := recs[0]
	if r.Action != access.UnlockRequest || r.TargetID != 0 || r.TargetEmail != "" || r.Outcome != audit.OutcomeUnverified || r.Repeats != 11 {
		t.Errorf("the tally = %+v, want 12 unverified look-ups about nobody", r)
	}
	if r.SourceIP != "198.51.100.90" || r.Params[audit.SampleParam] != strings.Join(logins, " | ") {
		t.Errorf("the tally's address %q and sample %q, want the address and each login typed once", r.SourceIP, r.Params[audit.SampleParam])
	}
	for _, id := range []int64{fakeonelogin.PersonaNoRolesID, fakeonelogin.PersonaLockedNoFactorID, fakeonelogin.PersonaLockedSMSID} {
		if h, err := u.mem.ForTarget(context.Background(), id, 50); err != nil || len(h) != 0 {
			t.Errorf("person %d's history holds %d records (%v), want none", id, len(h), err)
		}
	}
}
