package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/fakeonelogin"
)

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
