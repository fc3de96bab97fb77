package search

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"onelogin-helpdesk/directory"
)

// TestPlan_Indexed: every search the index can read becomes its query;
// what only OneLogin's listing reads keeps the listing.
func TestPlan_Indexed(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Query
		want directory.Query
		ok   bool
	}{
		{"two words", Query{Q: " muller  jose "}, directory.Query{Text: "muller jose"}, true},
		{"last, first", Query{Q: "Müller, José"}, directory.Query{Text: "Müller José"}, true},
		{"an email's start", Query{Q: "jose.m@"}, directory.Query{Text: "jose.m@"}, true},
		{"status alone", Query{Status: "suspended"}, directory.Query{Conditions: []directory.Condition{directory.Suspended}}, true},
		{"every filter", Query{Q: "ann", Status: "locked", Department: "Sales", Manager: "42", Role: "7", Directory: "9", Attr: "costcenter", Value: "1042"},
			directory.Query{Text: "ann", Conditions: []directory.Condition{directory.Locked}, Department: "Sales", ManagerID: 42,
				RoleID: 7, DirectoryID: 9, Custom: map[string]string{"costcenter": "1042"}}, true},
		{"a user id", Query{Q: "30100052"}, directory.Query{}, false},
		{"a wildcard", Query{Q: "*ubois"}, directory.Query{}, false},
		{"a whole domain", Query{Q: "@example.com"}, directory.Query{}, false},
		{"a wildcard value", Query{Attr: "costcenter", Value: "10*"}, directory.Query{}, false},
		{"a creation date", Query{Q: "ann", Since: "2024-01-01"}, directory.Query{}, false},
		{"nothing", Query{}, directory.Query{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.in, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			got, rule, ok := p.Indexed()
			if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Indexed() = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
			if ok && rule == "" {
				t.Error("no rule in words")
			}
			if want := tc.in.Status != "" || tc.in.Department != "" || tc.in.Manager != ""; p.NeedsIndex() != want {
				t.Errorf("NeedsIndex() = %v, want %v", p.NeedsIndex(), want)
			}
		})
	}
}

func TestParse_refusesBadIndexFilters(t *testing.T) {
	for _, in := range []Query{{Status: "asleep"}, {Manager: "boss"}, {Manager: "0"}} {
		_, err := Parse(in, time.UTC)
		var bad *InputError
		if !errors.As(err, &bad) {
			t.Errorf("%+v: err = %v, want an InputError", in, err)
		}
	}
}
