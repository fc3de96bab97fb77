package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/views"
)

// ---- helpers ----

// getHX sends a GET as htmx does when it swaps into the element with id target.
func (c *console) getHX(target, hxTarget string) *httptest.ResponseRecorder {
	c.t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("HX-Request", "true")
	if hxTarget != "" {
		req.Header.Set("HX-Target", hxTarget)
	}
	rec := httptest.NewRecorder()
	c.http.ServeHTTP(rec, req)
	return rec
}

// userListCalls are the GET /api/1/users calls the fake received.
func (c *console) userListCalls() []fakeonelogin.Call {
	var out []fakeonelogin.Call
	for _, call := range c.fake.Tenant.Calls() {
		if call.Method == "GET" && call.Path == "/api/1/users" {
			out = append(out, call)
		}
	}
	return out
}

// rowIDs are the user ids of the search result rows, in page order.
func rowIDs(d *goquery.Document) []string {
	var ids []string
	d.Find(`[data-testid="user-row"]`).Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, s.AttrOr("data-user-id", ""))
	})
	return ids
}

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d; body:\n%s", rec.Code, want, clipBody(rec.Body.String()))
	}
}

func clipBody(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

func text(d *goquery.Document, sel string) string {
	return strings.Join(strings.Fields(d.Find(sel).Text()), " ")
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// ---- search ----

// TestSearch_box checks how the one box is read: the OneLogin query it
// sends and that the person looked for is in the results.
func TestSearch_box(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	tests := []struct {
		name  string
		q     string
		calls []map[string]string // query parameters of each list call, in any order
		want  int64               // a user the results must contain; 0 for none
	}{
		{"email prefix", "marguerite.dubois@ex", []map[string]string{{"email": "marguerite.dubois@ex*"}}, fakeonelogin.PersonaLockedID},
		{"email", "marguerite.dubois@", []map[string]string{{"email": "marguerite.dubois@*"}}, fakeonelogin.PersonaLockedID},
		{"domain", "@example.com", []map[string]string{{"email": "*@example.com"}}, fakeonelogin.PersonaAdminID},
		{"typed wildcard kept", "*dubois@example.com", []map[string]string{{"email": "*dubois@example.com"}}, fakeonelogin.PersonaLockedID},
		{"first and last name", "Marguerite Dub", []map[string]string{{"firstname": "Marguerite*", "lastname": "Dub*"},
			{"firstname": "Dub*", "lastname": "Marguerite*"}}, fakeonelogin.PersonaLockedID},
		{"last and first name", "dubois marguerite", []map[string]string{{"firstname": "dubois*", "lastname": "marguerite*"},
			{"firstname": "marguerite*", "lastname": "dubois*"}}, fakeonelogin.PersonaLockedID},
		{"last, first", "dubois, marg", []map[string]string{{"lastname": "dubois*", "firstname": "marg*"}}, fakeonelogin.PersonaLockedID},
		{"user id", id(fakeonelogin.PersonaSuspendedID), []map[string]string{{"id": id(fakeonelogin.PersonaSuspendedID)}}, fakeonelogin.PersonaSuspendedID},
		{"one word: username, first name, last name or email", "priya", []map[string]string{
			{"username": "priya*"}, {"firstname": "priya*"}, {"lastname": "priya*"}, {"email": "priya*"}}, fakeonelogin.PersonaAdminID},
		{"one word: the start of an email", "chloe.martin", []map[string]string{
			{"username": "chloe.martin*"}, {"firstname": "chloe.martin*"}, {"lastname": "chloe.martin*"}, {"email": "chloe.martin*"}},
			fakeonelogin.PersonaPasswordExpiredID},
		{"one word with wildcard", "*ubois", []map[string]string{
			{"username": "*ubois"}, {"firstname": "*ubois"}, {"lastname": "*ubois"}, {"email": "*ubois"}}, fakeonelogin.PersonaLockedID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.fake.Tenant.ResetCalls()
			rec := c.get("/users?q=" + url.QueryEscape(tt.q))
			wantStatus(t, rec, 200)
			calls := c.userListCalls()
			if len(calls) != len(tt.calls) {
				t.Fatalf("%d list calls, want %d: %v", len(calls), len(tt.calls), calls)
			}
			for _, want := range tt.calls {
				found := false
				for _, call := range calls {
					match := true
					for k, v := range want {
						if got := url.Values(call.Query).Get(k); got != v {
							match = false
						}
					}
					if match {
						found = true
					}
				}
				if !found {
					var got []string
					for _, call := range calls {
						got = append(got, call.RawQuery)
					}
					t.Errorf("no list call with %v; calls: %v", want, got)
				}
			}
			d := doc(t, rec)
			if ids := rowIDs(d); !slices.Contains(ids, id(tt.want)) {
				t.Errorf("results %v lack user %d", ids, tt.want)
			}
			// Every row once, even when several listings found the person.
			ids := rowIDs(d)
			seen := map[string]bool{}
			for _, x := range ids {
				if seen[x] {
					t.Errorf("user %s listed twice", x)
				}
				seen[x] = true
			}
			if got := d.Find("#q").AttrOr("value", ""); got != tt.q {
				t.Errorf("search box shows %q, want %q", got, tt.q)
			}
		})
	}
}

// TestSearch_mergedConcurrently: the four listings of a one-word search
// overlap, so the search costs one OneLogin round trip, not four.
func TestSearch_mergedConcurrently(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	c.getHX("/users?q=warm", "search-results") // token fetched
	c.fake.Tenant.SetLatency(latency)
	c.fake.Tenant.ResetCalls()
	start := time.Now()
	wantStatus(t, c.getHX("/users?q=priya", "search-results"), 200)
	t.Logf("one-word search with %s per OneLogin call: %s", latency, time.Since(start))
	calls := c.userListCalls()
	if len(calls) != 4 {
		t.Fatalf("%d list calls, want 4", len(calls))
	}
	overlapping(t, calls)
}

// TestSearch_mergedSortedByName: the merged listings of a one-word search
// come back in one order, by name ignoring case, then by id.
func TestSearch_mergedSortedByName(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	for _, q := range []string{"ma", "e", "s"} {
		rec := c.getHX("/users?q="+q, "search-results")
		wantStatus(t, rec, 200)
		type row struct {
			name string
			id   int64
		}
		var rows []row
		doc(t, rec).Find(`[data-testid="user-row"]`).Each(func(_ int, s *goquery.Selection) {
			id, _ := strconv.ParseInt(s.AttrOr("data-user-id", ""), 10, 64)
			rows = append(rows, row{strings.ToLower(strings.TrimSpace(s.Find(`td[data-label="Name"]`).Text())), id})
		})
		if len(rows) < 10 {
			t.Fatalf("q=%s: %d rows, want a page to sort", q, len(rows))
		}
		for i := 1; i < len(rows); i++ {
			a, b := rows[i-1], rows[i]
			if a.name > b.name || (a.name == b.name && a.id >= b.id) {
				t.Errorf("q=%s: row %d %+v before row %d %+v", q, i-1, a, i, b)
			}
		}
	}
}

// latency is what the fake adds to each call in the concurrency tests.
const latency = 300 * time.Millisecond

// overlapping checks that calls reached the fake together: one after
// another, each would arrive at least latency after the previous.
func overlapping(t *testing.T, calls []fakeonelogin.Call) {
	t.Helper()
	first, last := calls[0].Time, calls[0].Time
	for _, c := range calls {
		if c.Time.Before(first) {
			first = c.Time
		}
		if c.Time.After(last) {
			last = c.Time
		}
	}
	if spread := last.Sub(first); spread >= latency/2 {
		t.Errorf("calls arrived %s apart; made concurrently they would arrive together", spread)
	}
}

func TestSearch_statusInWords(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	d := doc(t, c.get("/users?q="+url.QueryEscape("@example.com")+"&role="+id(fakeonelogin.RoleIDEmployees)))
	words := map[string]string{}
	d.Find(`[data-testid="user-row"]`).Each(func(_ int, s *goquery.Selection) {
		words[s.AttrOr("data-user-id", "")] = strings.TrimSpace(s.Find(`[data-testid="status-badge"]`).Text())
	})
	if w := words[id(fakeonelogin.PersonaLockedID)]; !strings.HasPrefix(w, "Locked until ") {
		t.Errorf("locked persona's badge says %q, want Locked until hh:mm", w)
	}
	if w := words[id(fakeonelogin.PersonaEmployeeID)]; w != "Locked until unlocked" {
		t.Errorf("indefinitely locked persona's badge says %q", w)
	}
	// Direct lookups for statuses that may sit on other pages.
	for _, tt := range []struct {
		id   int64
		want string
	}{
		{fakeonelogin.PersonaSuspendedID, "Suspended"},
		{fakeonelogin.PersonaPasswordExpiredID, "Password expired"},
		{fakeonelogin.PersonaAdminID, "Active"},
	} {
		d := doc(t, c.get("/users?q="+id(tt.id)))
		if got := text(d, `[data-testid="status-badge"]`); got != tt.want {
			t.Errorf("user %d badge %q, want %q", tt.id, got, tt.want)
		}
	}
}

// TestSearch_asksOnlyForRowFields: a search asks OneLogin for the
// attributes its rows show, and every column is still filled from them.
func TestSearch_asksOnlyForRowFields(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	wantFields := "firstname,lastname,email,username,status,locked_until,last_login"
	for _, q := range []string{
		"@example.com&role=" + id(fakeonelogin.RoleIDEmployees), // one listing, locked personas among them
		"ma", // three merged listings
		id(fakeonelogin.PersonaUnactivatedID),
	} {
		t.Run(q, func(t *testing.T) {
			c.fake.Tenant.ResetCalls()
			rec := c.getHX("/users?q="+strings.Replace(url.QueryEscape(q), "%26role%3D", "&role=", 1), "search-results")
			wantStatus(t, rec, 200)
			calls := c.userListCalls()
			if len(calls) == 0 {
				t.Fatal("no list call")
			}
			for _, call := range calls {
				if got := url.Values(call.Query).Get("fields"); got != wantFields {
					t.Errorf("fields=%q sent, want %q (%s)", got, wantFields, call.RawQuery)
				}
			}
			rows := doc(t, rec).Find(`[data-testid="user-row"]`)
			if rows.Length() == 0 {
				t.Fatal("no rows")
			}
			rows.Each(func(_ int, row *goquery.Selection) {
				uid, _ := strconv.ParseInt(row.AttrOr("data-user-id", ""), 10, 64)
				u, ok := c.fake.Tenant.User(uid)
				if !ok {
					t.Fatalf("row for unknown user %d", uid)
				}
				cell := func(label string) *goquery.Selection { return row.Find(`td[data-label="` + label + `"]`) }
				orDash := func(s string) string {
					if s == "" {
						return "—"
					}
					return s
				}
				if got, want := strings.TrimSpace(cell("Name").Text()), strings.TrimSpace(u.Firstname+" "+u.Lastname); got != want {
					t.Errorf("user %d name %q, want %q", uid, got, want)
				}
				if got := strings.TrimSpace(cell("Email").Text()); got != orDash(u.Email) {
					t.Errorf("user %d email %q, want %q", uid, got, u.Email)
				}
				if got := strings.TrimSpace(cell("Username").Text()); got != orDash(u.Username) {
					t.Errorf("user %d username %q, want %q", uid, got, u.Username)
				}
				badge := cell("Status").Find(`[data-testid="status-badge"]`)
				if got := badge.AttrOr("data-status", ""); got != strconv.Itoa(u.Status) {
					t.Errorf("user %d status %s, want %d", uid, got, u.Status)
				}
				if u.Status == fakeonelogin.StatusLocked && !u.LockedUntil.IsZero() &&
					!strings.HasPrefix(strings.TrimSpace(badge.Text()), "Lock") {
					t.Errorf("user %d locked until %s, badge says %q", uid, u.LockedUntil, badge.Text())
				}
				last := cell("Last sign-in")
				switch {
				case u.LastLogin.IsZero() && strings.TrimSpace(last.Text()) != "never":
					t.Errorf("user %d never signed in, shown %q", uid, last.Text())
				case !u.LastLogin.IsZero() && last.Find("time").AttrOr("datetime", "") != views.MachineTime(u.LastLogin):
					t.Errorf("user %d last sign-in %q, want %s", uid, last.Find("time").AttrOr("datetime", ""), views.MachineTime(u.LastLogin))
				}
			})
		})
	}
}

func TestSearch_filters(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	tests := []struct {
		name  string
		query string
		want  map[string]string
	}{
		{"role", "role=" + id(fakeonelogin.RoleIDHelpdesk), map[string]string{"role_id": id(fakeonelogin.RoleIDHelpdesk)}},
		{"directory", "directory=48211", map[string]string{"directory_id": "48211"}},
		{"created window", "since=2024-01-01&until=2024-12-31", map[string]string{
			"since": "2024-01-01T00:00:00.000Z", "until": "2025-01-01T00:00:00.000Z"}},
		{"custom attribute", "attr=location&value=Lon*", map[string]string{"custom_attributes.location": "Lon*"}},
		{"with the box", "q=ann&role=" + id(fakeonelogin.RoleIDEmployees), map[string]string{
			"role_id": id(fakeonelogin.RoleIDEmployees)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.fake.Tenant.ResetCalls()
			rec := c.get("/users?" + tt.query)
			wantStatus(t, rec, 200)
			calls := c.userListCalls()
			if len(calls) == 0 {
				t.Fatal("no list call")
			}
			for _, call := range calls {
				for k, v := range tt.want {
					if got := url.Values(call.Query).Get(k); got != v {
						t.Errorf("%s=%q sent, want %q (%s)", k, got, v, call.RawQuery)
					}
				}
			}
		})
	}

	// The role filter finds the helpdesk persona and names the role in the rule.
	d := doc(t, c.get("/users?role="+id(fakeonelogin.RoleIDHelpdesk)))
	if !slices.Contains(rowIDs(d), id(fakeonelogin.PersonaHelpdeskID)) {
		t.Errorf("role filter results %v lack the helpdesk persona", rowIDs(d))
	}
	if got := text(d, `[data-testid="result-summary"]`); !strings.Contains(got, fakeonelogin.GroupHelpdesk) {
		t.Errorf("summary %q does not name the role", got)
	}
	// The picker lists roles by name with the chosen one selected, and the
	// filters are open because one is set.
	if got := strings.TrimSpace(d.Find(`#f-role option[selected]`).Text()); got != fakeonelogin.GroupHelpdesk {
		t.Errorf("selected role %q", got)
	}
	if _, open := d.Find("details.filters").Attr("open"); !open {
		t.Error("filters closed although a filter is set")
	}
	if n := d.Find(`#f-attr option[value="cost_center"]`).Length(); n != 1 {
		t.Error("custom attribute picker lacks cost_center")
	}
}

func TestSearch_unknownAttribute(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	rec := c.get("/users?attr=shoe_size&value=42")
	wantStatus(t, rec, 400)
	if got := text(doc(t, rec), `[data-testid="search-error"]`); !strings.Contains(got, "shoe_size") {
		t.Errorf("error %q does not name the attribute", got)
	}
	if n := len(c.userListCalls()); n != 0 {
		t.Errorf("%d list calls for an unknown attribute", n)
	}
}

// TestSearch_paging follows next and previous links, for a plain search
// (OneLogin's cursors) and a one-word search (three merged listings).
func TestSearch_paging(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	for _, start := range []string{
		"/users?role=" + id(fakeonelogin.RoleIDEmployees),
		"/users?q=" + url.QueryEscape("*a*"),
	} {
		t.Run(start, func(t *testing.T) {
			var pages [][]string
			var prevLinks []string
			link := start
			for i := 0; i < 3; i++ {
				d := doc(t, c.get(link))
				ids := rowIDs(d)
				if len(ids) == 0 {
					t.Fatalf("page %d empty", i+1)
				}
				pages = append(pages, ids)
				prev, hasPrev := d.Find(`[data-testid="prev"]`).Attr("href")
				if hasPrev != (i > 0) {
					t.Fatalf("page %d: previous link present=%v", i+1, hasPrev)
				}
				prevLinks = append(prevLinks, prev)
				next, ok := d.Find(`[data-testid="next"]`).Attr("href")
				if !ok {
					if i < 2 {
						t.Fatalf("page %d has no next link", i+1)
					}
					break
				}
				if !strings.Contains(next, "after=") || strings.Contains(next, "before=") {
					t.Fatalf("next link %q", next)
				}
				if hx := d.Find(`[data-testid="next"]`).AttrOr("hx-get", ""); hx != next {
					t.Errorf("next link's hx-get %q differs from href %q", hx, next)
				}
				link = next
			}
			// Pages differ from each other.
			for i := 1; i < len(pages); i++ {
				if slices.Equal(pages[i], pages[i-1]) {
					t.Errorf("page %d repeats page %d", i+1, i)
				}
			}
			// Previous from page 3 is page 2; previous from page 2 is page 1.
			for i := len(pages) - 1; i >= 1; i-- {
				got := rowIDs(doc(t, c.get(prevLinks[i])))
				if !sameSet(got, pages[i-1]) {
					t.Errorf("previous of page %d shows %d rows, not page %d's %d", i+1, len(got), i, len(pages[i-1]))
				}
			}
			// A merged search's page 2 leads back to the plain search URL.
			if strings.Contains(start, "q=") && strings.Contains(prevLinks[1], "before=") {
				t.Errorf("previous of page 2 should be the plain first page, is %q", prevLinks[1])
			}
		})
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestSearch_fragmentAndPage(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	q := "/users?q=" + url.QueryEscape("marguerite dub")

	full := c.get(q)
	wantStatus(t, full, 200)
	if !strings.Contains(full.Header().Get("Vary"), "HX-Request") {
		t.Errorf("full page Vary %q", full.Header().Get("Vary"))
	}
	fd := doc(t, full)
	if fd.Find("html").Length() != 1 || fd.Find("form#search-form").Length() != 1 {
		t.Fatal("full page lacks the layout or the form")
	}
	form := fd.Find("form#search-form")
	for attr, want := range map[string]string{"action": "/users", "method": "get", "hx-get": "/users",
		"hx-target": "#search-results", "hx-push-url": "true", "hx-sync": "this:replace"} {
		if got := form.AttrOr(attr, ""); got != want {
			t.Errorf("form %s=%q, want %q", attr, got, want)
		}
	}
	box := fd.Find("input#q")
	if got := box.AttrOr("hx-trigger", ""); got != "input changed delay:300ms, search" {
		t.Errorf("search box hx-trigger %q", got)
	}
	if fd.Find(`label[for="q"]`).Length() != 1 {
		t.Error("search box has no label")
	}
	if fd.Find(`form#search-form button[type="submit"]`).Length() != 1 {
		t.Error("no submit button for a browser without JavaScript")
	}
	// Every control of the form has a label.
	fd.Find("form#search-form input, form#search-form select").Each(func(_ int, s *goquery.Selection) {
		id := s.AttrOr("id", "")
		if id == "" || fd.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("control %s without a label", s.AttrOr("name", "?"))
		}
	})

	frag := c.getHX(q, "search-results")
	wantStatus(t, frag, 200)
	body := frag.Body.String()
	if strings.Contains(body, "<html") || strings.Contains(body, "search-form") {
		t.Error("fragment contains the page or the form")
	}
	if !strings.Contains(frag.Header().Get("Vary"), "HX-Request") {
		t.Errorf("fragment Vary %q", frag.Header().Get("Vary"))
	}
	if got := frag.Header().Get("HX-Push-Url"); got != "/users?q=marguerite+dub" {
		t.Errorf("HX-Push-Url %q", got)
	}
	if !sameSet(rowIDs(doc(t, frag)), rowIDs(fd)) {
		t.Error("fragment and page show different results")
	}
	// The fragment clears a stale banner and updates the live status line
	// (which screen readers announce) out of band.
	if doc(t, frag).Find(`#banner[hx-swap-oob]`).Length() != 1 {
		t.Error("fragment does not clear the banner")
	}
	if got := text(doc(t, frag), `#search-status[hx-swap-oob="innerHTML"]`); got != "1 person found." {
		t.Errorf("status line %q", got)
	}
	if fd.Find(`#search-status[role="status"]`).Length() != 1 {
		t.Error("page has no live status line")
	}

	// Another htmx request (a boosted link) gets the whole search body.
	other := c.getHX(q, "")
	if !strings.Contains(other.Body.String(), `id="search-form"`) || strings.Contains(other.Body.String(), "<html") {
		t.Error("htmx request without the results target should get the page body without layout")
	}
}

func TestSearch_emptyAndNoResults(t *testing.T) {
	c := newConsole(t, access.RoleViewer)

	rec := c.get("/users")
	wantStatus(t, rec, 200)
	d := doc(t, rec)
	if d.Find(`[data-testid="search-guide"]`).Length() != 1 {
		t.Error("no guide before any search")
	}
	if n := len(c.userListCalls()); n != 0 {
		t.Errorf("%d list calls with nothing to search for", n)
	}
	if d.Find(`#f-role option`).Length() < 2 {
		t.Error("role picker empty on the search page")
	}

	rec = c.get("/users?q=zzqxv")
	wantStatus(t, rec, 200)
	d = doc(t, rec)
	none := d.Find(`[data-testid="no-results"]`)
	if none.Length() != 1 {
		t.Fatal("no 'no results' message")
	}
	if got := strings.Join(strings.Fields(none.Text()), " "); !strings.Contains(got, "“zzqxv”") || !strings.Contains(got, "Check the spelling") {
		t.Errorf("no-results text %q does not say what was searched and what to try", got)
	}
}

// TestSearch_invalid: bad input is a 400 with a message, and OneLogin is
// not called (a fresh console, so not even for the pickers).
func TestSearch_invalid(t *testing.T) {
	tests := []struct {
		name, query, want string
	}{
		{"bad since", "since=31/12/2024", "Created on or after"},
		{"bad until", "until=2024-13-01", "Created on or before"},
		{"dates reversed", "since=2024-05-02&until=2024-05-01", "Swap the dates"},
		{"after and before", "q=ann&after=x&before=y", "after and before"},
		{"role not an id", "role=admins", "Choose the role"},
		{"directory not a number", "directory=12a", "directory id"},
		{"wildcard inside", "q=" + url.QueryEscape("an*n"), "start or end"},
		{"only a wildcard", "q=" + url.QueryEscape("**"), "besides *"},
		{"attribute without value", "attr=location", "value"},
		{"value without attribute", "value=London", "Choose which custom attribute"},
		{"attribute name", "attr=" + url.QueryEscape("a b") + "&value=1", "Choose the custom attribute"},
		{"damaged page link", "q=ann&after=m1.not-base64!", "damaged"},
		{"page link of another kind", "q=ann&before=" + url.QueryEscape("eyJxIjoiIn0"), "damaged"},
		{"too long", "q=" + strings.Repeat("a", 201), "longer than"},
		{"email with spaces", "q=" + url.QueryEscape("ann @example.com"), "spaces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, htmx := range []bool{false, true} {
				c := newConsole(t, access.RoleViewer)
				var rec *httptest.ResponseRecorder
				if htmx {
					rec = c.getHX("/users?"+tt.query, "search-results")
				} else {
					rec = c.get("/users?" + tt.query)
				}
				wantStatus(t, rec, 400)
				got := text(doc(t, rec), `[data-testid="search-error"]`)
				if !strings.Contains(got, tt.want) {
					t.Errorf("htmx=%v: message %q lacks %q", htmx, got, tt.want)
				}
				if calls := c.fake.Tenant.Calls(); len(calls) != 0 {
					t.Errorf("htmx=%v: %d calls to OneLogin for invalid input, first %s %s", htmx, len(calls), calls[0].Method, calls[0].Path)
				}
			}
		})
	}
}

func TestSearch_oneLoginDown(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	c.get("/users") // fill the picker cache
	c.fake.Tenant.FailNext(20, http.StatusServiceUnavailable)
	rec := c.getHX("/users?q=marguerite.dubois@", "search-results")
	if rec.Code != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", rec.Code)
	}
	if rec.Header().Get("HX-Retarget") != "#banner" {
		t.Errorf("error not retargeted to the banner")
	}
	if got := text(doc(t, rec), `[data-testid="banner"]`); !strings.Contains(got, "try again") {
		t.Errorf("banner %q does not say what to do", got)
	}
}

// ---- a person's page ----

func TestUser_whyCannotSignIn(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	tests := []struct {
		name     string
		id       int64
		badge    string
		headline string
		details  []string
	}{
		{"locked with an end", fakeonelogin.PersonaLockedID, "Locked until ", "Locked until ", []string{"6 failed sign-in attempts"}},
		{"locked until unlocked", fakeonelogin.PersonaEmployeeID, "Locked until unlocked", "Locked until someone unlocks", []string{"5 failed sign-in attempts"}},
		{"suspended", fakeonelogin.PersonaSuspendedID, "Suspended", "Suspended", []string{"suspended the account"}},
		{"password expired", fakeonelogin.PersonaPasswordExpiredID, "Password expired", "Password expired", []string{"policy"}},
		{"unactivated", fakeonelogin.PersonaUnactivatedID, "Unactivated", "Not activated", []string{"never activated"}},
		{"awaiting reset", fakeonelogin.PersonaAwaitingResetID, "Awaiting password reset", "Waiting for a password reset", nil},
		{"password pending", fakeonelogin.PersonaPasswordPendingID, "Password pending", "No password set yet", nil},
		{"active", fakeonelogin.PersonaAdminID, "Active", "Nothing in OneLogin blocks sign-in", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := c.get("/users/" + id(tt.id))
			wantStatus(t, rec, 200)
			d := doc(t, rec)
			if got := text(d, `#user-status-badge [data-testid="status-badge"]`); !strings.HasPrefix(got, tt.badge) {
				t.Errorf("header badge %q, want %q…", got, tt.badge)
			}
			panel := d.Find("section#panel-status")
			if panel.Length() != 1 {
				t.Fatal("no status panel")
			}
			if got := strings.TrimSpace(panel.Find(`[data-testid="why-headline"]`).Text()); !strings.HasPrefix(got, tt.headline) {
				t.Errorf("headline %q, want %q…", got, tt.headline)
			}
			why := strings.Join(strings.Fields(panel.Find(`[data-testid="why"]`).Text()), " ")
			for _, w := range tt.details {
				if !strings.Contains(why, w) {
					t.Errorf("explanation %q lacks %q", why, w)
				}
			}
			if panel.Find(`[data-testid="why-fix"]`).Text() == "" {
				t.Error("no fix given")
			}
		})
	}

	// The locked persona's lock ends 20 minutes after the seed: the panel
	// gives the time and what is left.
	d := doc(t, c.get("/users/"+id(fakeonelogin.PersonaLockedID)))
	snap, _ := c.fake.Tenant.User(fakeonelogin.PersonaLockedID)
	until := snap.LockedUntil.UTC().Format("15:04")
	headline := text(d, `[data-testid="why-headline"]`)
	if !strings.Contains(headline, until) || !strings.Contains(headline, "left") {
		t.Errorf("headline %q lacks the end %s and the time left", headline, until)
	}
	if got := d.Find(`[data-testid="locked-until"] time`).AttrOr("datetime", ""); got != snap.LockedUntil.UTC().Format(time.RFC3339) {
		t.Errorf("locked-until datetime %q", got)
	}
	if got := text(d, `[data-testid="failed-attempts"]`); got != "6" {
		t.Errorf("failed attempts %q", got)
	}
}

func TestUser_page(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	c.fake.Tenant.ResetCalls()
	rec := c.get("/users/" + id(fakeonelogin.PersonaAdminID))
	wantStatus(t, rec, 200)
	d := doc(t, rec)

	if got := text(d, `[data-testid="user-name"]`); got != "Priya Raman" {
		t.Errorf("name %q", got)
	}
	if got := text(d, "title"); !strings.HasPrefix(got, "Priya Raman") {
		t.Errorf("title %q", got)
	}
	// Every panel appears once under its stable id.
	for _, panel := range []string{"panel-status", "panel-profile", "panel-apps", "panel-history"} {
		if n := d.Find("section#" + panel).Length(); n != 1 {
			t.Errorf("%d sections #%s", n, panel)
		}
	}
	if n := d.Find("#user-status-badge").Length(); n != 1 {
		t.Errorf("%d header badges", n)
	}

	// Roles by name, not id.
	roles := text(d, `#panel-profile [data-testid="roles"]`)
	if !strings.Contains(roles, fakeonelogin.GroupAdmins) {
		t.Errorf("roles panel %q lacks %q", roles, fakeonelogin.GroupAdmins)
	}
	if strings.Contains(roles, id(fakeonelogin.RoleIDAdmins)) {
		t.Errorf("roles panel shows a role id: %q", roles)
	}

	// Apps with name and icon; relative icons resolved against the tenant.
	apps := d.Find(`#panel-apps [data-testid="app"]`)
	if apps.Length() == 0 {
		t.Fatal("no apps shown")
	}
	relative := false
	apps.Each(func(_ int, s *goquery.Selection) {
		src := s.Find("img").AttrOr("src", "")
		if !strings.HasPrefix(src, c.fake.URL+"/") {
			t.Errorf("app %q icon %q is not an absolute tenant URL", s.Find(".app-name").Text(), src)
		}
		if s.Find(".app-name").Text() == "" {
			t.Error("app without a name")
		}
		if strings.Contains(src, "google-workspace") {
			relative = true
		}
	})
	if !relative {
		t.Error("the relative icon (Google Workspace) was not shown")
	}

	// Custom attribute values and the profile.
	if got := text(d, `#panel-profile [data-testid="attributes"]`); !strings.Contains(got, "CC-7100") {
		t.Errorf("attributes panel %q lacks cost_center's value", got)
	}
	if got := text(d, "#panel-profile"); !strings.Contains(got, fakeonelogin.PersonaAdmin) {
		t.Errorf("profile %q lacks the email", got)
	}
	if d.Find(`[data-testid="apps-missing"]`).Length() != 0 || d.Find(`[data-testid="partial-note"]`).Length() != 0 {
		t.Error("page says parts are missing")
	}
	// No style attributes or inline scripts (the CSP forbids them).
	if d.Find("[style]").Length() != 0 || d.Find("script:not([src])").Length() != 0 {
		t.Error("inline style or script on the page")
	}
	// The apps call was made, with the user, concurrently (one call each).
	if n := c.fake.Tenant.CallCount("GET", "/api/1/users/"+id(fakeonelogin.PersonaAdminID)+"/apps"); n != 1 {
		t.Errorf("%d apps calls", n)
	}
}

// TestUser_concurrentCalls shows the page's calls overlap: with latency on
// every OneLogin call, the user and apps calls arrive together.
func TestUser_concurrentCalls(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	c.get("/users/" + id(fakeonelogin.PersonaAdminID)) // token, roles and attributes cached
	c.fake.Tenant.SetLatency(latency)
	c.fake.Tenant.ResetCalls()
	start := time.Now()
	wantStatus(t, c.get("/users/"+id(fakeonelogin.PersonaLockedID)), 200)
	t.Logf("user page with %s per OneLogin call: %s", latency, time.Since(start))
	calls := c.fake.Tenant.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want the user and the apps", len(calls))
	}
	overlapping(t, calls)
}

func TestUser_invalidAndUnknown(t *testing.T) {
	tests := []struct {
		path   string
		status int
		want   string
		calls  bool
	}{
		{"/users/abc", 400, "is not a user id", false},
		{"/users/-5", 400, "is not a user id", false},
		{"/users/0", 400, "is not a user id", false},
		{"/users/99999999999999999999", 400, "is not a user id", false},
		{"/users/12", 404, "OneLogin has no user with id 12", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c := newConsole(t, access.RoleViewer)
			rec := c.get(tt.path)
			wantStatus(t, rec, tt.status)
			d := doc(t, rec)
			if got := text(d, `[data-testid="error-page"]`); !strings.Contains(got, tt.want) {
				t.Errorf("error page %q lacks %q", got, tt.want)
			}
			if d.Find("html").Length() != 1 {
				t.Error("not a whole page")
			}
			if n := len(c.fake.Tenant.Calls()); (n > 0) != tt.calls {
				t.Errorf("%d calls to OneLogin", n)
			}
		})
	}
}

func TestUser_forbidden(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	c.fake.Tenant.SetForbidden(fakeonelogin.PersonaAdminID, true)
	rec := c.get("/users/" + id(fakeonelogin.PersonaAdminID))
	wantStatus(t, rec, 403)
}

// TestUser_slowApps: apps that take longer than their budget (1.5 s) leave
// the page whole and on time, with the apps marked missing and the page
// saying so.
func TestUser_slowApps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { // the budget passes in virtual time
		stalled := onApps(func(r *http.Request, next http.RoundTripper) (*http.Response, error) {
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
				return nil, r.Context().Err()
			}
			return next.RoundTrip(r)
		})
		c := newConsole(t, access.RoleViewer, inProcess(), withFront(stalled))
		start := time.Now()
		rec := c.get("/users/" + id(fakeonelogin.PersonaLockedID))
		took := time.Since(start)
		t.Logf("user page with apps stalled: %s", took)
		wantStatus(t, rec, 200)
		d := doc(t, rec)
		if d.Find(`[data-testid="apps-missing"]`).Length() != 1 {
			t.Error("apps not marked missing")
		}
		if note := text(d, `[data-testid="partial-note"]`); !strings.Contains(note, "did not arrive from OneLogin in time (apps") {
			t.Errorf("page does not say the apps are missing: %q", note)
		}
		if got := text(d, `[data-testid="why-headline"]`); !strings.HasPrefix(got, "Locked until") {
			t.Errorf("status panel missing with slow apps: %q", got)
		}
		if took > 3*time.Second {
			t.Errorf("page took %s; the apps budget is 1.5 s", took)
		}
	})
}

func TestUser_failingApps(t *testing.T) {
	failing := onApps(func(*http.Request, http.RoundTripper) (*http.Response, error) {
		rec := httptest.NewRecorder()
		http.Error(rec, `{"status":{"error":true,"code":500,"type":"internal","message":"boom"}}`, 500)
		return rec.Result(), nil
	})
	c := newConsole(t, access.RoleViewer, withFront(failing))
	rec := c.get("/users/" + id(fakeonelogin.PersonaAdminID))
	wantStatus(t, rec, 200)
	if doc(t, rec).Find(`[data-testid="apps-missing"]`).Length() != 1 {
		t.Error("apps not marked missing")
	}
}

// onApps is a front (withFront) that answers OneLogin's apps listings with
// answer, which may pass the call on to next, and passes every other call on.
func onApps(answer func(r *http.Request, next http.RoundTripper) (*http.Response, error)) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/apps") {
				return answer(r, next)
			}
			return next.RoundTrip(r)
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestUser_historyIsNotForViewers: other staff's actions on a person are
// shown to viewers only where the setting allows it.
func TestUser_historyIsNotForViewers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		allow bool
		want  int
	}{{"by default", false, 0}, {"when allowed", true, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleViewer, withConfig(func(cfg *handlers.Config) { cfg.ViewersSeeHistory = tc.allow }))
			target := fakeonelogin.PersonaLockedID
			if _, err := c.mem.Begin(context.Background(), audit.Record{ActorEmail: "tomas.herrera@example.com", ActorRole: "helpdesk",
				TargetID: target, Action: access.Unlock, Outcome: audit.OutcomeDenied, Reason: "test"}); err != nil {
				t.Fatal(err)
			}
			d := doc(t, c.get("/users/"+id(target)))
			if got := d.Find(`#panel-history [data-testid="history-item"]`).Length(); got != tc.want {
				t.Errorf("%d history items shown to a viewer, want %d", got, tc.want)
			}
		})
	}
}

// recorderOnly is an audit trail that can record but not be read back.
type recorderOnly struct{ handlers.Recorder }

func TestUser_history(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	ctx := context.Background()
	target := fakeonelogin.PersonaLockedID
	for _, r := range []audit.Record{
		{ActorEmail: "tomas.herrera@example.com", ActorRole: "helpdesk", TargetID: target, Action: access.Lock,
			Params: map[string]string{"minutes": "60"}, Outcome: audit.OutcomeDenied, Reason: "role viewer may not lock"},
		{ActorEmail: "tomas.herrera@example.com", ActorRole: "helpdesk", TargetID: target, Action: access.Unlock,
			Ticket: "INC-4711", Outcome: audit.OutcomeDenied, Reason: "test"},
		{ActorEmail: "someone@example.com", ActorRole: "admin", TargetID: fakeonelogin.PersonaAdminID, Action: access.Logout,
			Outcome: audit.OutcomeDenied, Reason: "other person"},
	} {
		if _, err := c.mem.Begin(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	d := doc(t, c.get("/users/"+id(target)))
	items := d.Find(`#panel-history [data-testid="history-item"]`)
	if items.Length() != 2 {
		t.Fatalf("%d history items, want the person's 2", items.Length())
	}
	first := strings.Join(strings.Fields(items.First().Text()), " ")
	for _, w := range []string{"Tried to unlock", "tomas.herrera@example.com", "ticket INC-4711", "Refused by the console: test"} {
		if !strings.Contains(first, w) {
			t.Errorf("newest history item %q lacks %q", first, w)
		}
	}
	if second := strings.Join(strings.Fields(items.Eq(1).Text()), " "); !strings.Contains(second, "Tried to lock for 1 hour") {
		t.Errorf("older item %q lacks its parameters in words", second)
	}

	c.audit.Fail(true)
	rec := c.get("/users/" + id(target))
	wantStatus(t, rec, 200)
	if doc(t, rec).Find(`[data-testid="history-missing"]`).Length() != 1 {
		t.Error("unreadable history not marked missing")
	}

	plain := newConsole(t, access.RoleViewer, withConfig(func(cfg *handlers.Config) { cfg.Audit = recorderOnly{audittest.NewMemory(nil)} }))
	d = doc(t, plain.get("/users/"+id(target)))
	if d.Find(`[data-testid="history-off"]`).Length() != 1 {
		t.Error("without a readable trail the panel should say so")
	}
}

// TestStatusPanel_outOfBandBadge: the status panel as an action's answer
// carries the header badge out of band; the page has each id once.
func TestStatusPanel_outOfBandBadge(t *testing.T) {
	now := time.Date(2026, 5, 1, 14, 0, 0, 0, time.UTC)
	v := views.UserView{User: client.User{ID: 7, Firstname: "Ann", Lastname: "Lee", Status: client.StatusLocked,
		LockedUntil: now.Add(25 * time.Minute), InvalidLoginAttempts: 3}, Now: now, Loc: time.UTC}
	var buf bytes.Buffer
	if err := views.StatusPanel(v).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	d, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	badge := d.Find(`#user-status-badge[hx-swap-oob="true"]`)
	if badge.Length() != 1 {
		t.Fatalf("no out-of-band badge in %s", buf.String())
	}
	if got := strings.TrimSpace(badge.Text()); got != "Locked until 14:25" {
		t.Errorf("badge %q", got)
	}
	if got := text(d, `[data-testid="why-headline"]`); got != "Locked until 14:25 (25 minutes left)" {
		t.Errorf("headline %q", got)
	}
	if got := text(d, `[data-testid="why"]`); !strings.Contains(got, "3 failed sign-in attempts") {
		t.Errorf("why %q", got)
	}
}

// TestNoSecretsInLog: the client secret and the access token never reach
// the log, whatever the pages did (including failures).
func TestNoSecretsInLog(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	c.get("/users?q=ann")
	c.get("/users/" + id(fakeonelogin.PersonaLockedID))
	c.get("/users/12")
	c.get("/users?since=bad")
	c.fake.Tenant.FailNext(10, 500)
	c.get("/users?q=zqxterm")
	c.fake.Tenant.ExpireAllTokens()
	c.get("/users/" + id(fakeonelogin.PersonaAdminID))

	// The fake hands the same token to every caller of the credential until
	// it expires, so asking for one shows the token the console holds.
	body, _ := json.Marshal(map[string]string{"grant_type": "client_credentials"})
	req, _ := http.NewRequest("POST", c.fake.URL+"/auth/oauth2/v2/token", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(c.fake.ClientID, c.fake.ClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("no token from the fake: %v", err)
	}

	log := c.logBuf.String()
	if log == "" {
		t.Fatal("nothing was logged")
	}
	for name, secret := range map[string]string{"client secret": c.fake.ClientSecret, "access token": tok.AccessToken} {
		if strings.Contains(log, secret) {
			t.Errorf("the log contains the %s", name)
		}
	}
	// Search terms are personal data: the access log has the route, not the URL.
	if strings.Contains(log, "zqxterm") {
		t.Error("the log contains a search term")
	}
}

func TestSearch_newUserLinkOnlyForAdmins(t *testing.T) {
	for _, tc := range []struct {
		role access.Role
		want int
	}{{access.RoleViewer, 0}, {access.RoleHelpdesk, 0}, {access.RoleAdmin, 1}} {
		c := newConsole(t, tc.role)
		rec := c.get("/users")
		if got := doc(t, rec).Find(`a[href="/users/new"]`).Length(); got != tc.want {
			t.Errorf("%s: %d new-user links, want %d", tc.role, got, tc.want)
		}
	}
}
