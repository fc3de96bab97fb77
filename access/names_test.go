package access

import (
	"slices"
	"testing"
)

// TestStaffGroups_RoleFor: names compare byte for byte after trimming
// ASCII blanks, or ignoring A-Z case only; no Unicode folding or trimming.
func TestStaffGroups_RoleFor(t *testing.T) {
	groups := func(fold bool) StaffGroups {
		return StaffGroups{Admin: NewNames([]string{"hd-admins"}, fold), Helpdesk: NewNames([]string{"helpdesk", "it-support"}, fold),
			Viewer: NewNames([]string{"Readers"}, fold)}
	}
	exact, folded := groups(false), groups(true)
	const (
		longS  = "\u017f" // ſ LATIN SMALL LETTER LONG S: Unicode folds it to s
		kelvin = "\u212a" // K KELVIN SIGN: Unicode folds it to k
		nbsp   = "\u00a0" // NO-BREAK SPACE: strings.TrimSpace trims it
		turkI  = "\u0130" // İ: lower-cases to i + combining dot
		zwsp   = "\u200b" // ZERO WIDTH SPACE
	)
	tests := []struct {
		name          string
		groups        []string
		exact, folded Role
	}{
		{"no groups is an employee", nil, RoleEmployee, RoleEmployee},
		{"no staff group is an employee", []string{"sales"}, RoleEmployee, RoleEmployee},
		{"exact name", []string{"Readers"}, RoleViewer, RoleViewer},
		{"highest role wins", []string{"Readers", "it-support", "hd-admins"}, RoleAdmin, RoleAdmin},
		{"ASCII spaces and tabs are trimmed", []string{" \thelpdesk\t "}, RoleHelpdesk, RoleHelpdesk},
		{"ASCII case differs", []string{"HD-Admins"}, RoleEmployee, RoleAdmin},
		{"ASCII case differs, lower", []string{"readers"}, RoleEmployee, RoleViewer},
		{"no partial match", []string{"hd-admin"}, RoleEmployee, RoleEmployee},
		{"no prefix match", []string{"hd-admins-old"}, RoleEmployee, RoleEmployee},
		{"long s is not s", []string{"hd-admin" + longS}, RoleEmployee, RoleEmployee},
		{"Kelvin sign is not k", []string{"helpdes" + kelvin}, RoleEmployee, RoleEmployee},
		{"Kelvin sign is not K", []string{"HELPDES" + kelvin}, RoleEmployee, RoleEmployee},
		{"dotted capital I is not i", []string{turkI + "t-support"}, RoleEmployee, RoleEmployee},
		{"no-break space is not trimmed", []string{"helpdesk" + nbsp}, RoleEmployee, RoleEmployee},
		{"zero-width space is part of the name", []string{"help" + zwsp + "desk"}, RoleEmployee, RoleEmployee},
		{"a blank group matches nothing", []string{"", " "}, RoleEmployee, RoleEmployee},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := exact.RoleFor(tc.groups); got != tc.exact {
				t.Errorf("exact: RoleFor(%+q) = %s, want %s", tc.groups, got, tc.exact)
			}
			if got := folded.RoleFor(tc.groups); got != tc.folded {
				t.Errorf("ASCII case-insensitive: RoleFor(%+q) = %s, want %s", tc.groups, got, tc.folded)
			}
		})
	}
	if got := (StaffGroups{}).RoleFor([]string{"anything", ""}); got != RoleEmployee {
		t.Errorf("no group settings: %s", got)
	}
}

// TestNames_Missing: the configured names no given name matches, compared
// the same way as Has.
func TestNames_Missing(t *testing.T) {
	tests := []struct {
		name  string
		set   []string
		fold  bool
		have  []string
		wants []string
	}{
		{"all there", []string{"Admins", "Service Desk"}, false, []string{"Service Desk", "Admins", "Other"}, nil},
		{"case differs, exact", []string{"Admins"}, false, []string{"admins"}, []string{"Admins"}},
		{"case differs, folded", []string{"Admins"}, true, []string{"ADMINS"}, nil},
		{"trimmed", []string{" Admins\t"}, false, []string{"Admins "}, nil},
		{"none", []string{"Admins"}, false, nil, []string{"Admins"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NewNames(tc.set, tc.fold).Missing(tc.have)
			if !slices.Equal(got, tc.wants) {
				t.Errorf("Missing(%q) = %q, want %q", tc.have, got, tc.wants)
			}
		})
	}
}
