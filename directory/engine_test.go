package directory_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/directory"
)

var now = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// people is a small directory with the cases search must tell apart.
func people() []directory.Person {
	return []directory.Person{
		{ID: 1, Firstname: "José", Lastname: "Müller", Email: "jose.muller@northwind.example", Username: "jmuller",
			Status: client.StatusActive, Department: "Façade Engineering", RoleIDs: []int64{7}, ManagerUserID: 9,
			DirectoryID: 3, Custom: map[string]string{"site": "Zürich"}},
		{ID: 2, Firstname: "Joseph", Lastname: "Mullins", Email: "joseph.mullins@northwind.example", Username: "jmullins",
			Status: client.StatusLocked, LockedUntil: now.Add(10 * time.Minute)},
		{ID: 3, Firstname: "Ann", Lastname: "Lee", Email: "muller.fan@northwind.example", Username: "annlee",
			Status: client.StatusSuspended},
		{ID: 4, Firstname: "Bob", Lastname: "Stone", Email: "bob@northwind.example", Username: "muller",
			Status: client.StatusLocked}, // locked without end
		{ID: 5, Firstname: "Siobhán", Lastname: "O'Brien-Øst", Email: "sob@northwind.example",
			Status: client.StatusLocked, LockedUntil: now.Add(-time.Minute)}, // the lock has run out
		{ID: 6, Firstname: "Eve", Lastname: "Park", Email: "eve@northwind.example", Status: client.StatusPasswordExpired},
		{ID: 7, Firstname: "Max", Lastname: "Roe", Email: "max@northwind.example", Status: client.StatusAwaitingReset},
		{ID: 8, Firstname: "New", Lastname: "Hire", Email: "new@northwind.example", Status: client.StatusPasswordPending},
		{ID: 9, Firstname: "Una", Lastname: "Boss", Email: "una@northwind.example", Status: client.StatusUnactivated},
	}
}

func ids(hits []directory.Hit) []int64 {
	out := make([]int64, len(hits))
	for i, h := range hits {
		out[i] = h.Person.ID
	}
	return out
}

func TestEngine_Search_text(t *testing.T) {
	e := directory.NewEngine(people())
	for _, tc := range []struct {
		text string
		want []int64
	}{
		{"jose muller", []int64{1}},
		{"muller jose", []int64{1}},
		{"Müller", []int64{1, 4, 3}}, // name exact, then username exact, then email prefix
		{"MULLER", []int64{1, 4, 3}},
		{"josé", []int64{1, 2}},                       // exact, then prefix (Joseph)
		{"jos", []int64{1, 2}},                        // prefix on first names
		{"mul", []int64{1, 2, 4, 3}},                  // name prefixes, then username, then email
		{"jose.muller@north", []int64{1}},             // prefix on the email
		{"jose.muller@northwind.example", []int64{1}}, // the whole email
		{"mulelr", []int64{1}},                        // one swap in a longer name (typos in names only)
		{"mullerr", []int64{1}},                       // one letter too many
		{"muler jose", []int64{1}},                    // one dropped
		{"mxller", []int64{1}},                        // one changed
		{"jse", nil},                                  // short words need their letters
		{"obrien", []int64{5}},                        // punctuation dropped
		{"o'brien-ost", []int64{5}},                   // or typed
		{"siobhan ost", []int64{5}},                   // each part of a name
		{"jose stone", nil},                           // every word must match one person
		{"   ", []int64{9, 8, 3, 1, 2, 5, 6, 7, 4}},   // no text: everyone, by last name
	} {
		t.Run(tc.text, func(t *testing.T) {
			hits, total := e.Search(directory.Query{Text: tc.text}, now)
			if got := ids(hits); !slices.Equal(got, tc.want) || total != len(tc.want) {
				t.Errorf("Search(%q) = %v (total %d), want %v", tc.text, got, total, tc.want)
			}
		})
	}
}

func TestEngine_Search_matchKinds(t *testing.T) {
	e := directory.NewEngine(people())
	for text, want := range map[string]directory.Match{"muller": directory.Exact, "mull": directory.Prefix, "mulelr": directory.Fuzzy} {
		hits, _ := e.Search(directory.Query{Text: text}, now)
		if len(hits) == 0 || hits[0].Person.ID != 1 || hits[0].Match != want {
			t.Errorf("Search(%q) first hit = %+v, want José Müller as %v", text, hits, want)
		}
	}
}

func TestEngine_Search_filters(t *testing.T) {
	e := directory.NewEngine(people())
	for _, tc := range []struct {
		name string
		q    directory.Query
		want []int64
	}{
		{"locked now", directory.Query{Conditions: []directory.Condition{directory.Locked}}, []int64{2, 4}},
		{"a run-out lock is active", directory.Query{Conditions: []directory.Condition{directory.Active}}, []int64{1, 5}},
		{"suspended", directory.Query{Conditions: []directory.Condition{directory.Suspended}}, []int64{3}},
		{"password expired", directory.Query{Conditions: []directory.Condition{directory.PasswordExpired}}, []int64{6}},
		{"awaiting reset", directory.Query{Conditions: []directory.Condition{directory.AwaitingReset}}, []int64{7}},
		{"never activated", directory.Query{Conditions: []directory.Condition{directory.NeverActivated}}, []int64{9, 8}},
		{"any of two", directory.Query{Conditions: []directory.Condition{directory.Suspended, directory.AwaitingReset}}, []int64{3, 7}},
		{"role", directory.Query{RoleID: 7}, []int64{1}},
		{"department, any case and accents", directory.Query{Department: "facade engineering"}, []int64{1}},
		{"manager", directory.Query{ManagerID: 9}, []int64{1}},
		{"directory", directory.Query{DirectoryID: 3}, []int64{1}},
		{"custom attribute", directory.Query{Custom: map[string]string{"site": "zurich"}}, []int64{1}},
		{"custom attribute, other value", directory.Query{Custom: map[string]string{"site": "bern"}}, nil},
		{"text and condition", directory.Query{Text: "mul", Conditions: []directory.Condition{directory.Locked}}, []int64{2, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits, total := e.Search(tc.q, now)
			if got := ids(hits); !slices.Equal(got, tc.want) || total != len(tc.want) {
				t.Errorf("= %v (total %d), want %v", got, total, tc.want)
			}
		})
	}
}

func TestEngine_Search_limitKeepsTheTotal(t *testing.T) {
	var ps []directory.Person
	for i := range 120 {
		ps = append(ps, directory.Person{ID: int64(i + 1), Firstname: "Sam", Lastname: fmt.Sprintf("Smith%03d", i)})
	}
	e := directory.NewEngine(ps)
	hits, total := e.Search(directory.Query{Text: "smith", Limit: 10}, now)
	if len(hits) != 10 || total != 120 || hits[0].Person.Lastname != "Smith000" {
		t.Errorf("= %d hits from %s, total %d; want the first 10 by name of 120", len(hits), hits[0].Person.Lastname, total)
	}
	if hits, total := e.Search(directory.Query{}, now); len(hits) != directory.DefaultLimit || total != 120 {
		t.Errorf("no limit: %d hits of %d, want %d of 120", len(hits), total, directory.DefaultLimit)
	}
}

func TestEngine_PutAndRemove(t *testing.T) {
	e := directory.NewEngine(people())
	p := people()[0]
	p.Lastname, p.Email, p.Username = "Smith", "jose.smith@northwind.example", "jsmith"
	e.Put(p)
	if hits, _ := e.Search(directory.Query{Text: "muller jose"}, now); len(hits) != 0 {
		t.Errorf("renamed person still found by the old name: %v", ids(hits))
	}
	if hits, _ := e.Search(directory.Query{Text: "smith jose"}, now); !slices.Equal(ids(hits), []int64{1}) {
		t.Errorf("renamed person not found by the new name: %v", ids(hits))
	}
	e.Remove(1)
	if _, ok := e.Get(1); ok || e.Len() != len(people())-1 {
		t.Errorf("after Remove: found=%v len=%d", ok, e.Len())
	}
}

func TestEngine_LockedNow(t *testing.T) {
	e := directory.NewEngine(people())
	got := e.LockedNow(now)
	if len(got) != 2 || got[0].ID != 4 || got[1].ID != 2 {
		t.Errorf("LockedNow = %v, want the lock without end (4), then 2; not the run-out lock (5)", got)
	}
}
