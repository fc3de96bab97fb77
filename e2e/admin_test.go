//go:build e2e

package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
)

// Journey 3: an administrator adds and removes a role by its name, sets a
// custom attribute, and creates, edits and deletes a user (the deletion
// confirmed by typing the person's email).
func TestAdmin_rolesAttributesAndProfiles(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	p := s.person(t, fakeonelogin.PersonaNoRoles)
	roleName := fakeonelogin.GroupEmployee
	roleID, ok := s.Tenant.RoleID(roleName)
	if !ok {
		t.Fatalf("the fake tenant has no role %q", roleName)
	}

	page := newPage(t, "")
	dialogs := watchDialogs(page)
	defer dialogs.noneOpened(t)
	s.signIn(t, page, fakeonelogin.PersonaAdmin, "/users")
	s.openUser(t, page, p)
	s.Tenant.ResetCalls()

	t.Run("add and remove a role by name", func(t *testing.T) {
		panel := openAction(t, page, "roles", "panel-roles")
		must(t, expect.Locator(panel.GetByTestId("no-roles")).ToBeVisible(), "the person starts with no roles")
		add := panel.GetByTestId("roles-add-form")
		_, err := add.GetByLabel("Add a role").SelectOption(playwright.SelectOptionValues{Labels: &[]string{roleName}})
		must(t, err, "choose the role %q by name", roleName)
		must(t, add.GetByLabel("Ticket / reason").Fill("CHG-2001"), "type the ticket")
		must(t, add.GetByRole("button", named("Add the role")).Click(), "press Add the role")
		must(t, expect.Locator(panel.GetByTestId("notice")).ToHaveText("Gave "+p.Name+" the role "+roleName+"."), "a notice confirms the new role")
		must(t, expect.Locator(panel.GetByTestId("role")).ToHaveCount(1), "one role is listed")
		must(t, expect.Locator(panel.GetByTestId("role")).ToContainText(roleName), "the role is listed by name")
		assertRoleIDs(t, s.wantCall(t, "PUT", userPath(p.ID, "/add_roles")), roleID)
		if u, _ := s.Tenant.User(p.ID); !slices.Equal(u.RoleIDs, []int64{roleID}) {
			t.Errorf("fake role ids after adding = %v, want [%d]", u.RoleIDs, roleID)
		}

		must(t, panel.GetByRole("button", named("Remove the role "+roleName)).Click(), "press Remove next to %s", roleName)
		answerYes(t, panel, "Remove the role "+roleName+" from "+p.Name+"?", "Yes, remove "+roleName)
		must(t, expect.Locator(panel.GetByTestId("notice")).ToHaveText("Removed the role "+roleName+" from "+p.Name+"."), "a notice confirms the removal")
		must(t, expect.Locator(panel.GetByTestId("no-roles")).ToBeVisible(), "no roles are left")
		assertRoleIDs(t, s.wantCall(t, "PUT", userPath(p.ID, "/remove_roles")), roleID)
		if u, _ := s.Tenant.User(p.ID); len(u.RoleIDs) != 0 {
			t.Errorf("fake role ids after removing = %v, want none", u.RoleIDs)
		}
	})

	t.Run("set a custom attribute", func(t *testing.T) {
		panel := openAction(t, page, "custom-attributes", "panel-attributes")
		form := panel.GetByTestId("attributes-form")
		must(t, form.GetByLabel("cost_center", playwright.LocatorGetByLabelOptions{Exact: playwright.Bool(true)}).Fill("CC-7781"), "type a cost centre")
		must(t, form.GetByRole("button", named("Save the attributes")).Click(), "press Save")
		must(t, expect.Locator(panel.GetByTestId("notice")).ToHaveText("Saved cost_center for "+p.Name+"."), "a notice confirms the attribute")
		must(t, expect.Locator(panel.GetByLabel("cost_center", playwright.LocatorGetByLabelOptions{Exact: playwright.Bool(true)})).ToHaveValue("CC-7781"), "the new value is shown")
		c := s.wantCall(t, "PUT", userPath(p.ID, "/set_custom_attributes"))
		if !strings.Contains(string(c.Body), `"cost_center":"CC-7781"`) {
			t.Errorf("set_custom_attributes body %s does not set cost_center", c.Body)
		}
		if u, _ := s.Tenant.User(p.ID); u.CustomAttributes["cost_center"] != "CC-7781" {
			t.Errorf("fake cost_center = %q, want CC-7781", u.CustomAttributes["cost_center"])
		}
	})

	t.Run("create, edit and delete a user", func(t *testing.T) {
		const email = "nadia.kowalczyk@example.com"
		_, err := page.Goto(s.URL + "/users")
		must(t, err, "open search")
		must(t, page.GetByTestId("new-user-link").Click(), "follow New user")
		form := page.GetByTestId("profile-form")
		for label, value := range map[string]string{"First name": "Nadia", "Last name": "Kowalczyk", "Email": email, "Username": "nkowalczyk"} {
			must(t, form.GetByLabel(label, playwright.LocatorGetByLabelOptions{Exact: playwright.Bool(true)}).Fill(value), "fill %s", label)
		}
		must(t, form.GetByRole("button", named("Create the user")).Click(), "press Create")
		must(t, expect.Locator(page.GetByTestId("user-name")).ToHaveText("Nadia Kowalczyk"), "the new person's page opens")
		created, ok := s.Tenant.FindByEmail(email)
		if !ok {
			t.Fatalf("the fake tenant has no %s after create; its writes:%s", email, callLines(s.writes()))
		}
		must(t, expect.Page(page).ToHaveURL(fmt.Sprintf("%s/users/%d", s.URL, created.ID)), "the URL is the new person's page")
		c := s.wantCall(t, "POST", "/api/1/users")
		assertJSONBody(t, c, map[string]any{"email": email, "firstname": "Nadia", "lastname": "Kowalczyk", "username": "nkowalczyk"})

		must(t, page.GetByTestId("action-bar").GetByRole("link", named("Edit profile")).Click(), "open the profile editor")
		form = page.GetByTestId("profile-form")
		must(t, expect.Locator(form.GetByLabel("Email", playwright.LocatorGetByLabelOptions{Exact: playwright.Bool(true)})).ToHaveValue(email), "the editor is filled in")
		must(t, form.GetByLabel("Job title").Fill("Payroll Specialist"), "change the job title")
		must(t, form.GetByRole("button", named("Save the profile")).Click(), "press Save")
		must(t, expect.Locator(page.GetByTestId("panel-profile")).ToContainText("Payroll Specialist"), "the page shows the new title")
		assertJSONBody(t, s.wantCall(t, "PUT", userPath(created.ID, "")), map[string]any{"title": "Payroll Specialist"})

		danger := openAction(t, page, "delete", "panel-danger")
		del := danger.GetByTestId("delete-form")
		must(t, expect.Locator(del.GetByTestId("delete-question")).ToContainText(email), "the deletion asks for the email")
		// A wrong confirmation is refused beside the field; OneLogin is not asked.
		must(t, del.GetByLabel("Their email").Fill("nadia@example.com"), "type the wrong email")
		must(t, del.GetByRole("button", named("Delete Nadia Kowalczyk")).Click(), "press Delete")
		must(t, expect.Locator(page.Locator("#panel-danger").GetByTestId("error-confirm")).ToBeVisible(), "a wrong confirmation is refused")
		if n := s.Tenant.CallCount("DELETE", "/api/1/users/"); n != 0 {
			t.Fatalf("a wrong confirmation still sent %d DELETE calls", n)
		}
		del = page.Locator("#panel-danger").GetByTestId("delete-form")
		must(t, del.GetByLabel("Their email").Fill(email), "type the email")
		must(t, del.GetByRole("button", named("Delete Nadia Kowalczyk")).Click(), "press Delete")
		must(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/users$`)), "the browser goes back to search")
		s.wantCall(t, "DELETE", userPath(created.ID, ""))
		if _, ok := s.Tenant.FindByEmail(email); ok {
			t.Errorf("%s is still in the fake tenant after the deletion", email)
		}
	})
}

// assertRoleIDs checks that an add_roles/remove_roles body names exactly id.
func assertRoleIDs(t *testing.T, c fakeonelogin.Call, id int64) {
	t.Helper()
	body := strings.ReplaceAll(string(c.Body), " ", "")
	if body != fmt.Sprintf(`{"role_id_array":[%d]}`, id) {
		t.Errorf("%s %s body %s, want role id %d only", c.Method, c.Path, c.Body, id)
	}
}
