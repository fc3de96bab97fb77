package search

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/client"
)

// TestRun_mergedByRelevance: merged results come exact before prefix, and
// a match on the name before one on the username, before one on the
// email; by name within each, each person once.
func TestRun_mergedByRelevance(t *testing.T) {
	src := tenant(t)
	ol := src.src
	s := New(src, 0, time.Now)
	run := func(q string) []client.User {
		t.Helper()
		p, err := Parse(Query{Q: q}, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Run(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		return r.Users
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
		want = append(want, strconv.FormatInt(u.ID, 10))
	}
	// Bea and Quillmartina both start a name with it: by name, Bea first.
	want = []string{want[0], want[1], want[2], want[6], want[3], want[4], want[5]}
	var got []string
	for _, u := range run("quillmart") {
		got = append(got, strconv.FormatInt(u.ID, 10))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("order %v\nwant  %v", got, want)
	}

	// Over the seeded tenant too: never a less relevant person before a more
	// relevant one, and by name within the same relevance.
	for _, q := range []string{"ma", "e", "martin", "jo", "li"} {
		type row struct {
			rank int
			name string
		}
		var rows []row
		seen := map[int64]bool{}
		for _, u := range run(q) {
			if seen[u.ID] {
				t.Errorf("q=%s: user %d twice", q, u.ID)
			}
			seen[u.ID] = true
			rows = append(rows, row{expectedRank(q, u.Name(), u.Username, u.Email), strings.ToLower(u.Name())})
		}
		if len(rows) < 3 {
			t.Fatalf("q=%s: %d people, want some to order", q, len(rows))
		}
		for i := 1; i < len(rows); i++ {
			a, b := rows[i-1], rows[i]
			if a.rank > b.rank || (a.rank == b.rank && a.name > b.name) {
				t.Errorf("q=%s: person %d %+v before person %d %+v", q, i-1, a, i, b)
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
