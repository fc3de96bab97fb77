package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
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
