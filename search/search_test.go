package search

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
)

// recording is a Source that passes each listing to the fake tenant and
// keeps what was asked.
type recording struct {
	src *client.Client
	mu  sync.Mutex
	qs  []client.ListUsersQuery
}

func (r *recording) ListUsers(ctx context.Context, q client.ListUsersQuery) ([]client.User, client.Page, error) {
	r.mu.Lock()
	r.qs = append(r.qs, q)
	r.mu.Unlock()
	return r.src.ListUsers(ctx, q)
}

func (r *recording) calls() []client.ListUsersQuery {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.qs
	r.qs = nil
	return out
}

// tenant is a source over the demo tenant with 1,500 people.
func tenant(t *testing.T) *recording {
	t.Helper()
	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: 1500})
	t.Cleanup(fake.Close)
	ol, err := client.New(fake.URL, fake.ClientID, fake.ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	return &recording{src: ol}
}

// names is the part of a listing the box decides.
func names(q client.ListUsersQuery) string {
	var parts []string
	for _, f := range []struct{ k, v string }{{"id", q.ID}, {"username", q.Username}, {"firstname", q.Firstname}, {"lastname", q.Lastname}, {"email", q.Email}} {
		if f.v != "" {
			parts = append(parts, f.k+"="+f.v)
		}
	}
	return strings.Join(parts, " ")
}

// TestParse_readsTheBox: each spelling of the box becomes the listings its
// rule names, never more than four, and is said back in words.
func TestParse_readsTheBox(t *testing.T) {
	for _, tc := range []struct {
		q        string
		listings []string
		rule     string
	}{
		{"30100052", []string{"id=30100052"}, "user id 30100052"},
		{"ann@ex", []string{"email=ann@ex*"}, "email starts with “ann@ex”"},
		{"@example.com", []string{"email=*@example.com"}, "email ends with “@example.com”"},
		{"Smith, Ann", []string{"firstname=Ann* lastname=Smith*"}, "last name starts with “Smith” and first name starts with “Ann”"},
		{"ann  smith", []string{"firstname=ann* lastname=smith*", "firstname=smith* lastname=ann*"},
			"first name starts with “ann” and last name starts with “smith”, or the other way round"},
		{"maria de la", []string{"firstname=maria de* lastname=la*", "firstname=de la* lastname=maria*", "firstname=maria* lastname=de la*"},
			"first name starts with “maria de” and last name starts with “la”, or the other way round"},
		{"*ubois", []string{"username=*ubois", "firstname=*ubois", "lastname=*ubois", "email=*ubois"},
			"username, first name, last name or email ends with “ubois”"},
		{"priya", []string{"username=priya*", "firstname=priya*", "lastname=priya*", "email=priya*"},
			"username, first name, last name or email start with “priya”"},
	} {
		p, err := Parse(Query{Q: tc.q}, time.UTC)
		if err != nil {
			t.Fatalf("%q: %v", tc.q, err)
		}
		var got []string
		if p.merged == nil {
			got = []string{names(p.base)}
		}
		for _, l := range p.merged {
			got = append(got, names(l.query(p.base)))
		}
		if strings.Join(got, " | ") != strings.Join(tc.listings, " | ") {
			t.Errorf("%q: listings %q, want %q", tc.q, got, tc.listings)
		}
		if !p.Searched() || p.Rule() != tc.rule {
			t.Errorf("%q: rule %q, want %q", tc.q, p.Rule(), tc.rule)
		}
	}
}

// TestParse_filtersJoinTheRule: the filters go into every listing and
// are said after the box; until includes the whole day picked.
func TestParse_filtersJoinTheRule(t *testing.T) {
	p, err := Parse(Query{Q: "ann", Role: "7", Directory: "12", Since: "2024-01-01", Until: "2024-01-31", Attr: "dept", Value: "sales*"}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	want := "username, first name, last name or email start with “ann”, role 7, directory 12, " +
		"created on or after 2024-01-01, created on or before 2024-01-31, dept starts with “sales”"
	if p.Rule() != want {
		t.Errorf("rule %q,\nwant %q", p.Rule(), want)
	}
	if p.RoleID() != "7" || p.Attr() != "dept" {
		t.Errorf("role %q attr %q", p.RoleID(), p.Attr())
	}
	for _, l := range p.merged {
		q := l.query(p.base)
		if q.DirectoryID != "12" || q.CustomAttributes["dept"] != "sales*" || !q.Until.Equal(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("listing %s lacks the filters: %+v", l.Key, q)
		}
	}
	if p, _ := Parse(Query{}, time.UTC); p.Searched() {
		t.Error("an empty query searched")
	}
}

// TestParse_refusesBeforeAnyCall: bad input is an InputError whose words
// say what to do.
func TestParse_refusesBeforeAnyCall(t *testing.T) {
	long := strings.Repeat("a", maxLen+1)
	for _, tc := range []struct {
		name string
		q    Query
		want string
	}{
		{"too long", Query{Q: long}, "longer than 200"},
		{"inner wildcard", Query{Q: "a*b"}, "not inside"},
		{"only wildcards", Query{Q: "**"}, "at least one letter"},
		{"email with a space", Query{Q: "a@b c"}, "cannot contain spaces"},
		{"lone comma", Query{Q: " , "}, "before or after the comma"},
		{"role not an id", Query{Role: "admin"}, "from the list of roles"},
		{"directory not an id", Query{Directory: "x"}, "whole number"},
		{"bad date", Query{Since: "31/05/2024"}, "a date like"},
		{"dates swapped", Query{Since: "2024-02-01", Until: "2024-01-01"}, "Swap the dates"},
		{"value without attribute", Query{Value: "x"}, "Choose which custom attribute"},
		{"attribute without value", Query{Attr: "dept"}, "Type the value of dept"},
		{"both cursors", Query{Q: "ann", After: "a", Before: "b"}, "after and before at once"},
		{"foreign token", Query{Q: "ann", After: "m2.eyJuIjoyLCJmIjp7ImZsIjp7fX19"}, "belongs to another search"},
		{"not a token", Query{Q: "ann", After: "xyz"}, "damaged"},
	} {
		_, err := Parse(tc.q, time.UTC)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(ie.Message, tc.want) {
			t.Errorf("%s: %v, want an InputError saying %q", tc.name, err, tc.want)
		}
	}
}

// TestRun_pagesAMergedSearch: a one-word search over a busy name pages
// forward to its end and back again, each page at most four listings,
// the previous page the same people as before.
func TestRun_pagesAMergedSearch(t *testing.T) {
	src := tenant(t)
	s := New(src, 0, time.Now)
	ctx := context.Background()
	var pages [][]client.User
	var cursor string
	for {
		p, err := Parse(Query{Q: "a", After: cursor}, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Run(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(src.calls()); n > 4 || n == 0 {
			t.Fatalf("page %d: %d listings", r.Page, n)
		}
		if r.Page != len(pages)+1 {
			t.Fatalf("page number %d, want %d", r.Page, len(pages)+1)
		}
		pages = append(pages, r.Users)
		if r.Next == "" {
			break
		}
		cursor = r.Next
		if len(pages) > 50 {
			t.Fatal("no end to the pages")
		}
	}
	if len(pages) < 3 {
		t.Fatalf("%d pages; the test needs at least 3", len(pages))
	}
	// Back from the last page to the second, then the first, without a cursor.
	p, _ := Parse(Query{Q: "a", After: cursor}, time.UTC)
	last, _ := s.Run(ctx, p)
	p, _ = Parse(Query{Q: "a", Before: last.Prev}, time.UTC)
	back, err := s.Run(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(back.Users), ids(pages[len(pages)-2]); got != want {
		t.Errorf("previous page\n%s\nwant\n%s", got, want)
	}
}

func ids(us []client.User) string {
	var b strings.Builder
	for _, u := range us {
		b.WriteString(u.Email + " ")
	}
	return b.String()
}

// TestSearcher_reusesAnAnswerBriefly: the same search within the cache's
// time costs no listing; after it, or after Forget, it asks again.
func TestSearcher_reusesAnAnswerBriefly(t *testing.T) {
	src := tenant(t)
	now := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	s := New(src, 5*time.Second, func() time.Time { return now })
	p, _ := Parse(Query{Q: "becker"}, time.UTC)
	run := func() int {
		if _, err := s.Run(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		return len(src.calls())
	}
	for _, step := range []struct {
		what  string
		do    func()
		calls int
	}{
		{"first time", func() {}, 4},
		{"again at once", func() {}, 0},
		{"4 s later", func() { now = now.Add(4 * time.Second) }, 0},
		{"5 s after the answer", func() { now = now.Add(time.Second) }, 4},
		{"after Forget", s.Forget, 4},
	} {
		step.do()
		if n := run(); n != step.calls {
			t.Errorf("%s: %d listings, want %d", step.what, n, step.calls)
		}
	}
}

// TestByRelevance_severalWords: several words name the person exactly in
// either order before anyone whose names only start with them.
func TestByRelevance_severalWords(t *testing.T) {
	users := []client.User{{ID: 1, Firstname: "Ann", Lastname: "Smithers"}, {ID: 2, Firstname: "Smith", Lastname: "Ann"}}
	if r := byRelevance(users, termsOf([]string{"ann", "smith"})); r[0].ID != 2 {
		t.Errorf("%d first, want the exact name in the other order", r[0].ID)
	}
}

// TestSuggest: other readings of the box, filters kept, at most five.
func TestSuggest(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"ann@example.com", []string{"ann", "@example.com"}},
		{"ann smith", []string{"ann", "smith"}},
		{"smith, ann", []string{"smith", "ann"}},
		{"marguerite", []string{"mar"}},
		{"ann", nil},
		{"12345", nil},
		{"a b c d e f g", []string{"a", "b", "c", "d", "e"}},
	} {
		var got []string
		for _, s := range Suggest(Query{Q: tc.q, Role: "7"}) {
			got = append(got, s.Query.Q)
			if s.Query.Role != "7" {
				t.Errorf("%q: suggestion %q dropped the filter", tc.q, s.Label)
			}
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q: suggests %q, want %q", tc.q, got, tc.want)
		}
	}
}
