package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
)

// TestSearch_findsWhatAgentsType: the spellings agents type find the person:
// the start of an email as one word, a full name in either order, "last,
// first", each costing at most four OneLogin calls.
func TestSearch_findsWhatAgentsType(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	for _, tc := range []struct {
		q     string
		want  int64
		calls int
	}{
		{"chloe.martin", fakeonelogin.PersonaPasswordExpiredID, 4},
		{"jonas becker", fakeonelogin.PersonaEmployeeID, 2},
		{"becker jonas", fakeonelogin.PersonaEmployeeID, 2},
		{"Becker, Jonas", fakeonelogin.PersonaEmployeeID, 1},
		{"marguerite.dubois@", fakeonelogin.PersonaLockedID, 1},
		{"becker", fakeonelogin.PersonaEmployeeID, 4},
	} {
		c.fake.Tenant.ResetCalls()
		d := doc(t, c.getHX("/users?q="+url.QueryEscape(tc.q), "search-results"))
		rows := rowIDs(d)
		if len(rows) == 0 || rows[0] != id(tc.want) {
			t.Errorf("%q: rows %v, want %d first", tc.q, first(rows, 5), tc.want)
		}
		if n := len(c.userListCalls()); n != tc.calls || n > 4 {
			t.Errorf("%q: %d OneLogin calls, want %d (and never more than 4)", tc.q, n, tc.calls)
		}
	}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// TestSearch_mergedByRelevance: merged results come exact before prefix,
// and a match on the name before one on the username, before one on the
// email; by name within each, each person once.
func TestSearch_mergedByRelevance(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	ol, err := client.New(c.fake.URL, c.fake.ClientID, c.fake.ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	// In the order the search must give them, which is not their names' order.
	people := []client.UserCreate{
		{Firstname: "Ann", Lastname: "Quillmart", Email: "aq@example.net", Username: "ann.q"},      // last name is the word
		{Firstname: "Zed", Lastname: "Zulu", Email: "zz@example.net", Username: "quillmart"},       // username is the word
		{Firstname: "Yann", Lastname: "Young", Email: "quillmart@example.net", Username: "yy"},     // email before the @ is the word
		{Firstname: "Quillmartina", Lastname: "Aaron", Email: "qa@example.net", Username: "qa"},    // a name starts with it
		{Firstname: "Xavier", Lastname: "Xu", Email: "xx@example.net", Username: "quillmartinez"},  // a username starts with it
		{Firstname: "Will", Lastname: "Wu", Email: "quillmart.w@example.net", Username: "ww"},      // an email starts with it
		{Firstname: "Bea", Lastname: "Quillmartinson", Email: "bq@example.net", Username: "bea.q"}, // a name starts with it
	}
	var want []string
	for _, p := range people {
		u, err := ol.CreateUser(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id(u.ID))
	}
	// Bea and Quillmartina both start a name with it: by name, Bea first.
	want = []string{want[0], want[1], want[2], want[6], want[3], want[4], want[5]}
	d := doc(t, c.getHX("/users?q=quillmart", "search-results"))
	if got := rowIDs(d); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("order %v\nwant  %v", got, want)
	}

	// Over the seeded tenant too: never a less relevant row before a more
	// relevant one, and by name within the same relevance.
	for _, q := range []string{"ma", "e", "martin", "jo", "li"} {
		d := doc(t, c.getHX("/users?q="+q, "search-results"))
		type row struct {
			rank int
			name string
		}
		var rows []row
		seen := map[string]bool{}
		d.Find(`[data-testid="user-row"]`).Each(func(_ int, s *goquery.Selection) {
			uid := s.AttrOr("data-user-id", "")
			if seen[uid] {
				t.Errorf("q=%s: user %s twice", q, uid)
			}
			seen[uid] = true
			name := strings.TrimSpace(s.Find(`td[data-label="Name"]`).Text())
			email := strings.TrimSpace(s.Find(`td[data-label="Email"]`).Text())
			username := strings.TrimSpace(s.Find(`td[data-label="Username"]`).Text())
			rows = append(rows, row{expectedRank(q, name, username, email), strings.ToLower(name)})
		})
		if len(rows) < 3 {
			t.Fatalf("q=%s: %d rows, want some to order", q, len(rows))
		}
		for i := 1; i < len(rows); i++ {
			a, b := rows[i-1], rows[i]
			if a.rank > b.rank || (a.rank == b.rank && a.name > b.name) {
				t.Errorf("q=%s: row %d %+v before row %d %+v", q, i-1, a, i, b)
			}
		}
	}
}

// expectedRank is the relevance order spelled out from what a row shows:
// exact name, exact username, exact email (or its part before the @),
// then name, username and email prefixes.
func expectedRank(q, name, username, email string) int {
	q = strings.ToLower(q)
	words := strings.Fields(strings.ToLower(name))
	username, email = strings.ToLower(username), strings.ToLower(email)
	local, _, _ := strings.Cut(email, "@")
	has := func(pred func(string) bool) bool {
		for _, w := range words {
			if pred(w) {
				return true
			}
		}
		return false
	}
	switch {
	case has(func(w string) bool { return w == q }):
		return 0
	case username == q:
		return 1
	case email == q || local == q:
		return 2
	case has(func(w string) bool { return strings.HasPrefix(w, q) }):
		return 3
	case strings.HasPrefix(username, q):
		return 4
	case strings.HasPrefix(email, q):
		return 5
	}
	return 6
}

// TestSearch_settledSearchIsReused: the same search within a few seconds
// (a repeated keystroke, Enter after typing, back) costs no OneLogin call;
// after the cache time, or after any action, it asks again.
func TestSearch_settledSearchIsReused(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin))
	search := func() int {
		c.fake.Tenant.ResetCalls()
		wantCode(t, c.getHX("/users?q=dubois", "search-results"), http.StatusOK)
		return len(c.userListCalls())
	}
	if n := search(); n != 4 {
		t.Fatalf("first search: %d calls, want 4", n)
	}
	if n := search(); n != 0 {
		t.Errorf("the same search again: %d calls, want 0", n)
	}
	// A different page of the same search, or another search, is its own.
	c.fake.Tenant.ResetCalls()
	c.getHX("/users?q=duboi", "search-results")
	if n := len(c.userListCalls()); n != 4 {
		t.Errorf("another search: %d calls", n)
	}
	c.clock.Advance(6 * time.Second)
	if n := search(); n != 4 {
		t.Errorf("after 6 s: %d calls, want 4", n)
	}
	wantCode(t, c.post(actPath(fakeonelogin.PersonaLockedID, "unlock"), url.Values{}), http.StatusOK)
	if n := search(); n != 4 {
		t.Errorf("after an unlock: %d calls, want 4 (a cached row could still say Locked)", n)
	}
	d := doc(t, c.getHX("/users?q=dubois", "search-results"))
	row := d.Find(`[data-testid="user-row"][data-user-id="` + id(fakeonelogin.PersonaLockedID) + `"] [data-testid="status-badge"]`)
	if got := strings.TrimSpace(row.Text()); got != "Active" {
		t.Errorf("after the unlock the result says %q", got)
	}
}

// TestSearch_cancelledAndBusy: the form cancels a search still running
// when a newer one starts, and disables its button and shows progress
// while one runs.
func TestSearch_cancelledAndBusy(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	d := doc(t, c.get("/users"))
	form := d.Find("#search-form")
	if form.AttrOr("hx-sync", "") != "this:replace" || d.Find("#q").AttrOr("hx-sync", "") != "closest form:replace" {
		t.Error("a newer search does not replace the one in flight")
	}
	if d.Find(form.AttrOr("hx-disabled-elt", "")).Length() != 1 || form.AttrOr("hx-indicator", "") != "#search-busy" {
		t.Error("the search does not show it is running")
	}
}

// TestSearch_emptyStateSuggests: a search that finds nobody says what was
// looked for and offers searches to try instead, as links.
func TestSearch_emptyStateSuggests(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	for _, tc := range []struct {
		q, filters string
		want       []string // the q of each suggestion
	}{
		{"jonas beckerzz", "", []string{"jonas", "beckerzz"}},
		{"zzzqqq", "", []string{"zzz"}},
		{"nobody.here@example.com", "", []string{"nobody.here", "@example.com"}},
		{"becker", "&role=" + id(fakeonelogin.RoleIDAdmins), []string{"bec", "becker"}},
	} {
		d := doc(t, c.getHX("/users?q="+url.QueryEscape(tc.q)+tc.filters, "search-results"))
		if d.Find(`[data-testid="no-results"]`).Length() != 1 {
			t.Errorf("%q: not the empty state", tc.q)
			continue
		}
		var got []string
		d.Find(`[data-testid="suggestion"]`).Each(func(_ int, s *goquery.Selection) {
			u, _ := url.Parse(s.AttrOr("href", ""))
			got = append(got, u.Query().Get("q"))
		})
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q: suggestions %q, want %q", tc.q, got, tc.want)
		}
	}
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
