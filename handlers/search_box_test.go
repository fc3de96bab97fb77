package handlers_test

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/views"
)

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
