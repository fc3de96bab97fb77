package console_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"onelogin-helpdesk/console"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
)

// readOnlyNote is what a helpdesk agent reads on a protected person's page.
const readOnlyNote = "Protected account: an admin must do this."

// TestProtectedRoles_compareAsGroupsAndAlwaysCoverStaff: protected roles
// compare as groups do, so with HELPDESK_GROUPS_CASE_INSENSITIVE a role
// spelt in another case protects its holders; and whatever
// HELPDESK_PROTECTED_ROLES lists, the holders of the admin and helpdesk
// groups' roles stay protected.
func TestProtectedRoles_compareAsGroupsAndAlwaysCoverStaff(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		target   func(t *testing.T, s *consoletest.Console) int64
	}{
		{"a role in another case, groups compared ignoring case",
			map[string]string{"HELPDESK_GROUPS_CASE_INSENSITIVE": "true", "HELPDESK_PROTECTED_ROLES": "engineering"},
			func(t *testing.T, s *consoletest.Console) int64 { return holderOf(t, s, "Engineering") }},
		{"an admin, with other protected roles configured",
			map[string]string{"HELPDESK_PROTECTED_ROLES": "Engineering"},
			func(*testing.T, *consoletest.Console) int64 { return fakeonelogin.PersonaAdminID }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := consoletest.Start(t, behindProxy(tc.settings))
			p := asHelpdesk(s.Browser(t)).Get(userPath(tc.target(t, s), ""))
			if note := strings.TrimSpace(p.Text("[data-testid=read-only]")); p.Status != http.StatusOK || note != readOnlyNote {
				t.Errorf("helpdesk on the person's page: %d, note %q; want %q", p.Status, note, readOnlyNote)
			}
		})
	}
}

// holderOf is a person holding role and no staff role.
func holderOf(t *testing.T, s *consoletest.Console, role string) int64 {
	t.Helper()
	for _, p := range s.Tenant.Persons() {
		if slices.Contains(p.Groups, role) && !slices.Contains(p.Groups, fakeonelogin.GroupAdmins) && !slices.Contains(p.Groups, fakeonelogin.GroupHelpdesk) {
			return p.ID
		}
	}
	t.Fatalf("nobody in the tenant holds %s", role)
	return 0
}

// TestProtectedRoles_unknownRoleStopsTheStart: a protected role the tenant
// does not have (misspelt, or in another case while groups compare
// exactly) protects nobody, so the console refuses to start, naming it, as
// a configuration error (main exits 2).
func TestProtectedRoles_unknownRoleStopsTheStart(t *testing.T) {
	for name, settings := range map[string]map[string]string{
		"misspelt":               {"HELPDESK_PROTECTED_ROLES": "Enginering"},
		"case, compared exactly": {"HELPDESK_PROTECTED_ROLES": "enginering"},
		"a staff group":          {"HELPDESK_HELPDESK_GROUPS": "Enginering"},
	} {
		t.Run(name, func(t *testing.T) {
			want := settings["HELPDESK_PROTECTED_ROLES"] + settings["HELPDESK_HELPDESK_GROUPS"]
			app, err := console.New(consoletest.Config(t, settings), nil)
			if err == nil {
				app.Close()
				t.Fatal("the console started with a protected role the tenant does not have")
			}
			if !errors.Is(err, console.ErrConfiguration) || !strings.Contains(err.Error(), `"`+strings.ToLower(want)+`"`) && !strings.Contains(err.Error(), `"`+want+`"`) {
				t.Errorf("err = %v; want a configuration error naming %q", err, want)
			}
		})
	}
}

// TestProtectedRoles_uncheckedAtStart: when OneLogin does not answer at
// start the console starts all the same, saying which roles are
// unchecked; readiness asks again (TestProtection_ready).
func TestProtectedRoles_uncheckedAtStart(t *testing.T) {
	s := consoletest.Start(t, map[string]string{"ONELOGIN_TIMEOUT": "200ms", "HELPDESK_FAKE_LATENCY": "5s"})
	logs := s.Logs.String()
	if !strings.Contains(logs, "the protected roles could not be checked") || !strings.Contains(logs, fakeonelogin.GroupHelpdesk) {
		t.Errorf("no warning naming the unchecked protected roles: %s", logs)
	}
}
