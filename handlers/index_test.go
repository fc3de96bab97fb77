package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/directory"
	"onelogin-helpdesk/directory/directorytest"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// indexed is a console with a directory index over a store in memory;
// fill lists the fake tenant into it.
type indexed struct {
	*console
	store *directorytest.Memory
	ix    *directory.Index
}

func newIndexedConsole(t *testing.T, role access.Role, opts ...option) *indexed {
	t.Helper()
	store := directorytest.NewMemory()
	ix := directory.NewIndex(store, directory.IndexOptions{})
	opts = append(opts, withConfig(func(c *handlers.Config) { c.Directory = ix }))
	return &indexed{console: newConsole(t, role, opts...), store: store, ix: ix}
}

// fill runs the sync's first full listing to its end, unpaced (the quota
// is said to be vast), and forgets the calls it made.
func (c *indexed) fill() {
	c.t.Helper()
	vast := func() client.RateLimit {
		return client.RateLimit{Limit: 1 << 30, Remaining: 1 << 30, Reset: time.Hour, Observed: time.Now()}
	}
	sy := directory.NewSyncer(c.store, c.ol, c.ix, directory.SyncOptions{Quota: vast, SharePercent: 100})
	for range 100 {
		sy.Step(context.Background())
		if st, _ := c.ix.Status(context.Background()); st.Complete {
			c.fake.Tenant.ResetCalls()
			return
		}
	}
	c.t.Fatal("the first listing did not complete in 100 steps")
}

// apiCalls are the OneLogin API calls made since the last reset (sign-in
// tokens aside: the client reuses one for an hour).
func (c *console) apiCalls() []string {
	var out []string
	for _, call := range c.fake.Tenant.Calls() {
		if strings.HasPrefix(call.Path, "/api/") {
			out = append(out, call.Method+" "+call.Path)
		}
	}
	c.fake.Tenant.ResetCalls()
	return out
}

// search is the results fragment for a search as the box sends it.
func (c *console) search(query string) *goquery.Document {
	c.t.Helper()
	rec := c.getHX("/users?"+query, "search-results")
	wantCode(c.t, rec, http.StatusOK)
	return doc(c.t, rec)
}

func TestIndexSearch_readsTheIndexWithoutACall(t *testing.T) {
	c := newIndexedConsole(t, access.RoleHelpdesk)
	c.fill()
	jose := strconv.FormatInt(fakeonelogin.PersonaAccentsID, 10)
	for _, typed := range []string{"muller jose", "jose muller", "Müller", "JOSÉ MÜLLER", "mulle jos", "mulller jose", "Müller, José"} {
		d := c.search(url.Values{"q": {typed}}.Encode())
		ids := rowIDs(d)
		if single := !strings.Contains(typed, " ") && !strings.Contains(typed, ","); single && !slices.Contains(ids, jose) ||
			!single && (len(ids) == 0 || ids[0] != jose) {
			t.Errorf("%q: rows %v, want José Müller (%s) (first, for his whole name)", typed, ids, jose)
		}
		if asOf := textOf(d, `[data-testid="as-of"]`); !strings.Contains(asOf, "as of ") {
			t.Errorf("%q: results do not say how fresh they are: %q", typed, asOf)
		}
		if calls := c.apiCalls(); len(calls) != 0 {
			t.Errorf("%q: a search from a complete index called OneLogin: %v", typed, calls)
		}
	}
}

func TestIndexSearch_ranksExactBeforePrefixBeforeTypo(t *testing.T) {
	c := newIndexedConsole(t, access.RoleHelpdesk)
	c.fill()
	d := c.search("q=dubois")
	ids := rowIDs(d)
	if len(ids) == 0 || ids[0] != strconv.FormatInt(fakeonelogin.PersonaLockedID, 10) {
		t.Fatalf("rows %v, want Marguerite Dubois first", ids)
	}
	// One typo in a longer name still finds her, after exact matches.
	if ids := rowIDs(c.search("q=duboit")); !slices.Contains(ids, strconv.FormatInt(fakeonelogin.PersonaLockedID, 10)) {
		t.Errorf("one typo: rows %v, want Marguerite Dubois among them", ids)
	}
}

func TestIndexSearch_filters(t *testing.T) {
	c := newIndexedConsole(t, access.RoleHelpdesk)
	c.fill()
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, tc := range []struct {
		query      string
		want, not  []int64
		wantInRule string
	}{
		{"status=suspended", []int64{fakeonelogin.PersonaSuspendedID}, []int64{fakeonelogin.PersonaAdminID}, "status suspended"},
		{"status=password_expired", []int64{fakeonelogin.PersonaPasswordExpiredID}, []int64{fakeonelogin.PersonaSuspendedID}, "status password expired"},
		{"status=never_activated", []int64{fakeonelogin.PersonaUnactivatedID, fakeonelogin.PersonaPasswordPendingID}, nil, "status never activated"},
		{"status=awaiting_reset", []int64{fakeonelogin.PersonaAwaitingResetID}, nil, "status awaiting password reset"},
		{"status=locked", []int64{fakeonelogin.PersonaLockedID, fakeonelogin.PersonaEmployeeID}, []int64{fakeonelogin.PersonaAdminID}, "status locked"},
		{"status=active&q=priya", []int64{fakeonelogin.PersonaAdminID}, nil, "status active"},
		{"department=finance&q=jose", []int64{fakeonelogin.PersonaAccentsID}, nil, "department “finance”"},
		{"department=Sales&q=muller", nil, []int64{fakeonelogin.PersonaAccentsID}, "department"},
		{"role=" + id(fakeonelogin.RoleIDAdmins), []int64{fakeonelogin.PersonaAdminID}, []int64{fakeonelogin.PersonaViewerID}, "role"},
	} {
		d := c.search(tc.query)
		ids := rowIDs(d)
		for _, w := range tc.want {
			if !slices.Contains(ids, id(w)) {
				t.Errorf("%s: rows %v lack %d", tc.query, ids, w)
			}
		}
		for _, n := range tc.not {
			if slices.Contains(ids, id(n)) {
				t.Errorf("%s: rows %v hold %d", tc.query, ids, n)
			}
		}
		if sum := textOf(d, `[data-testid="result-summary"]`); len(tc.want) > 0 && !strings.Contains(sum, tc.wantInRule) {
			t.Errorf("%s: summary %q does not say %q", tc.query, sum, tc.wantInRule)
		}
	}
	if calls := c.apiCalls(); len(calls) != 1 { // the role names, to say the role in words
		t.Errorf("filtered searches made calls %v, want only the role list", calls)
	}

	// A status no one has heard of is refused without a call.
	rec := c.getHX("/users?status=asleep", "search-results")
	wantCode(t, rec, http.StatusBadRequest)
	if calls := c.apiCalls(); len(calls) != 0 {
		t.Errorf("a bad status called OneLogin: %v", calls)
	}
}

func TestIndexSearch_fallsBackToOneLoginUntilTheFirstListingIsComplete(t *testing.T) {
	c := newIndexedConsole(t, access.RoleHelpdesk) // never filled
	d := c.search("q=priya")
	if ids := rowIDs(d); !slices.Contains(ids, strconv.FormatInt(fakeonelogin.PersonaAdminID, 10)) {
		t.Errorf("rows %v, want Priya Raman from OneLogin's search", ids)
	}
	if n := len(c.userListCalls()); n == 0 {
		t.Error("the search did not ask OneLogin while the index is incomplete")
	}
	if note := textOf(d, `[data-testid="index-note"]`); !strings.Contains(note, "still being filled") {
		t.Errorf("note = %q, want it to say the index is still being filled", note)
	}
	// A status filter has nothing to ask: refused, with the reason.
	c.fake.Tenant.ResetCalls()
	rec := c.getHX("/users?status=suspended", "search-results")
	wantCode(t, rec, http.StatusBadRequest)
	if msg := textOf(doc(t, rec), `[data-testid="search-error"]`); !strings.Contains(msg, "still being filled") {
		t.Errorf("error = %q", msg)
	}
	if calls := c.apiCalls(); len(calls) != 0 {
		t.Errorf("a status filter without the index called OneLogin: %v", calls)
	}
}

func TestIndexSearch_offKeepsOneLoginsSearch(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk) // HELPDESK_DIRECTORY_INDEX=false: no index
	d := doc(t, c.get("/users?q=priya"))
	if d.Find(`[data-testid="status-views"]`).Length() != 0 || d.Find(`#f-status`).Length() != 0 {
		t.Error("status views are offered without an index")
	}
	if len(c.userListCalls()) == 0 {
		t.Error("no OneLogin search without an index")
	}
}

// TestUnlockTicket_callsPerStep is the ticket of issue 21: find the person,
// open their page with its sign-in activity, unlock them. With a complete
// index the search costs nothing and the unlock reads the person back
// once, so the ticket costs at most 6 calls.
func TestUnlockTicket_callsPerStep(t *testing.T) {
	c := newIndexedConsole(t, access.RoleHelpdesk)
	c.fill()
	// The tenant's role names, attribute list and event types are read
	// once a minute or once ever, not per ticket: read them first.
	wantCode(t, c.get("/users/"+strconv.FormatInt(fakeonelogin.PersonaAdminID, 10)), http.StatusOK)
	c.activity(fakeonelogin.PersonaAdminID, false)
	c.apiCalls()

	id := fakeonelogin.PersonaLockedID
	steps := []struct {
		name string
		max  int
		do   func()
	}{
		{"search", 0, func() {
			if ids := rowIDs(c.search("q=dubois+marguerite")); len(ids) == 0 || ids[0] != strconv.FormatInt(id, 10) {
				t.Errorf("search rows %v", ids)
			}
		}},
		{"person page", 2, func() { wantCode(t, c.get("/users/"+strconv.FormatInt(id, 10)), http.StatusOK) }},
		{"sign-in activity", 1, func() { c.activity(id, true) }},
		{"unlock", 3, func() {
			wantCode(t, c.post("/users/"+strconv.FormatInt(id, 10)+"/unlock", url.Values{"ticket": {"INC-21"}}), http.StatusOK)
		}},
	}
	total := 0
	for _, s := range steps {
		s.do()
		calls := c.apiCalls()
		t.Logf("%s: %d calls %v", s.name, len(calls), calls)
		if len(calls) > s.max {
			t.Errorf("%s: %d calls %v, want at most %d", s.name, len(calls), calls, s.max)
		}
		total += len(calls)
	}
	if total > 6 {
		t.Errorf("the ticket cost %d calls, want at most 6", total)
	}
	// The unlock's read-back refreshed the row: the index says unlocked.
	p, ok, err := c.ix.Person(context.Background(), id)
	if err != nil || !ok || p.ConditionAt(time.Now()) != directory.Active {
		t.Errorf("index row after the unlock = %+v (%v, %v), want active", p, ok, err)
	}
}

func TestIndex_followsReadsAndDeletes(t *testing.T) {
	c := newIndexedConsole(t, access.RoleAdmin)
	c.fill()
	ctx := context.Background()
	id := fakeonelogin.PersonaSuspendedID
	// Changed in OneLogin behind the console's back, then read by a page.
	if _, err := apiClient(t, c.console).UpdateUser(ctx, id, client.UserUpdate{Department: new("Treasury")}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.get("/users/"+strconv.FormatInt(id, 10)), http.StatusOK)
	if p, _, _ := c.ix.Person(ctx, id); p.Department != "Treasury" {
		t.Errorf("department after the page read = %q, want Treasury", p.Department)
	}
	// Deleted through the console: gone from the index.
	rec := c.post("/users/"+strconv.FormatInt(id, 10)+"/delete", url.Values{"confirm": {fakeonelogin.PersonaSuspended}, "ticket": {"INC-1"}})
	if rec.Code >= 400 {
		t.Fatalf("delete = %d", rec.Code)
	}
	if _, ok, _ := c.ix.Person(ctx, id); ok {
		t.Error("a person deleted through the console is still in the index")
	}
}

// TestLockedNow_fromTheIndex: who is locked comes from the index, the
// events only say how, a refresh costs 3 calls or fewer, the list is
// current after an unlock in the console without any call, and the spray
// is one group with the people in it ready for a bulk job.
func TestLockedNow_fromTheIndex(t *testing.T) {
	c := newIndexedConsole(t, access.RoleAdmin, withConfig(withJobs(t)))
	sprayed := c.fake.Tenant.Spray(12)
	c.fill()

	rec := c.get("/locked?refresh=1")
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("refresh = %d, want 303", rec.Code)
	}
	calls := c.apiCalls()
	t.Logf("Locked now refresh: %d calls %v", len(calls), calls)
	if len(calls) > 3 {
		t.Errorf("a refresh made %d calls %v, want at most 3", len(calls), calls)
	}
	d := doc(t, c.get("/locked"))
	if calls := c.apiCalls(); len(calls) != 0 {
		t.Errorf("showing the list made calls %v", calls)
	}
	rows := lockedRows(d)
	for _, id := range append(slices.Clone(sprayed), fakeonelogin.PersonaLockedID) {
		if _, ok := rows[id]; !ok {
			t.Errorf("locked person %d is not listed", id)
		}
	}
	if why := cell(rows[sprayed[0]], "locked-why"); !strings.Contains(why, "failed sign-in") {
		t.Errorf("how the sprayed lock came about = %q", why)
	}
	if f := textOf(d, `[data-testid="locked-freshness"]`); !strings.HasPrefix(f, "As of ") {
		t.Errorf("freshness = %q", f)
	}
	spray := d.Find(`[data-testid="spray"]`)
	if spray.Length() != 1 {
		t.Fatalf("%d sprays shown, want 1", spray.Length())
	}
	if sum := textOf(d, `[data-testid="spray-summary"]`); !strings.HasPrefix(sum, "12 people locked from ") {
		t.Errorf("spray summary = %q", sum)
	}
	var ids []int64
	spray.Find(`input[name="id"]`).Each(func(_ int, s *goquery.Selection) {
		n, _ := strconv.ParseInt(s.AttrOr("value", ""), 10, 64)
		ids = append(ids, n)
	})
	slices.Sort(ids)
	want := slices.Sorted(slices.Values(sprayed))
	if !slices.Equal(ids, want) {
		t.Errorf("the spray's bulk form names %v, want %v", ids, want)
	}
	// One click: the spray's button asks to confirm a job for all of them.
	if spray.Find(`[data-testid="spray-unlock-0"]`).Length() != 1 {
		t.Fatal("no button for the spray")
	}
	form := url.Values{"csrf_token": {"test-csrf-token"}, "ticket": {"INC-SPRAY"}}
	for _, id := range ids {
		form.Add("id", strconv.FormatInt(id, 10))
	}
	confirm := doc(t, c.do("POST", spray.AttrOr("action", ""), form, false))
	if q := textOf(confirm, `[data-testid="bulk-confirm"]`); !strings.Contains(q, "12 people") {
		t.Errorf("the confirmation does not name the 12 people: %q", q)
	}
	c.apiCalls()

	// Unlocked from its row: gone from the list at once, without a call.
	wantCode(t, c.post("/locked/"+strconv.FormatInt(sprayed[0], 10)+"/unlock", url.Values{"ticket": {"INC-5"}}), http.StatusOK)
	c.apiCalls()
	d = doc(t, c.get("/locked"))
	if _, ok := lockedRows(d)[sprayed[0]]; ok {
		t.Error("a person unlocked in the console is still listed")
	}
	if calls := c.apiCalls(); len(calls) != 0 {
		t.Errorf("showing the list after an unlock made calls %v", calls)
	}
}

func TestDirectoryStatus_forAdmins(t *testing.T) {
	c := newIndexedConsole(t, access.RoleAdmin)
	d := doc(t, c.get("/directory"))
	if s := textOf(d, `[data-testid="directory-state"]`); !strings.Contains(s, "First listing under way") {
		t.Errorf("state before the first listing = %q", s)
	}
	c.fill()
	d = doc(t, c.get("/directory"))
	if s := textOf(d, `[data-testid="directory-state"]`); !strings.HasPrefix(s, "Complete") {
		t.Errorf("state after the first listing = %q", s)
	}
	if n := textOf(d, `[data-testid="directory-people"]`); n != "300" {
		t.Errorf("people = %q, want 300", n)
	}
	if n := textOf(d, `[data-testid="directory-calls"]`); n == "0" || n == "" {
		t.Errorf("calls = %q", n)
	}
	if calls := c.apiCalls(); len(calls) != 0 {
		t.Errorf("the status page called OneLogin: %v", calls)
	}

	helpdesk := newIndexedConsole(t, access.RoleHelpdesk)
	wantCode(t, helpdesk.get("/directory"), http.StatusForbidden)
}
