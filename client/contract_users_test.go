package client

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
)

// Contract tests for reading and changing people: the client against the
// fake tenant over loopback.

func TestUsers_List_byEmail(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	users, page, err := c.ListUsers(t.Context(), ListUsersQuery{Email: fakeonelogin.PersonaAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].ID != fakeonelogin.PersonaAdminID || page != (Page{}) {
		t.Fatalf("users %+v page %+v", users, page)
	}
	s := snapshot(t, srv, fakeonelogin.PersonaAdminID)
	u := users[0]
	if u.Email != s.Email || u.Firstname != s.Firstname || u.Lastname != s.Lastname || int(u.Status) != s.Status ||
		int(u.State) != s.State || !slices.Equal(u.RoleIDs, s.RoleIDs) || !u.CreatedAt.Equal(s.CreatedAt) ||
		u.Department != s.Department || u.Title != s.Title {
		t.Errorf("decoded %+v\n tenant %+v", u, s)
	}
	for k, v := range s.CustomAttributes {
		if u.CustomAttributes[k] != v {
			t.Errorf("custom %s = %q, want %q", k, u.CustomAttributes[k], v)
		}
	}
}

func TestUsers_List_roleFilterSortAndFields(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	users, _, err := c.ListUsers(t.Context(), ListUsersQuery{RoleID: strconv.FormatInt(fakeonelogin.RoleIDAdmins, 10), Sort: "-id", Fields: []string{"email", "role_id"}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) == 0 {
		t.Fatal("no admins")
	}
	for i, u := range users {
		if !slices.Contains(u.RoleIDs, fakeonelogin.RoleIDAdmins) || u.Email == "" || u.Firstname != "" {
			t.Errorf("user %+v: wrong role or fields", u)
		}
		if i > 0 && users[i-1].ID <= u.ID {
			t.Errorf("not sorted by -id at %d", i)
		}
	}
}

func TestUsers_List_sinceUntilWindow(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	s := snapshot(t, srv, fakeonelogin.PersonaAdminID)
	win, _, err := c.ListUsers(t.Context(), ListUsersQuery{Since: s.CreatedAt.Add(-time.Millisecond), Until: s.CreatedAt.Add(time.Millisecond), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(win, func(u User) bool { return u.ID == s.ID }) {
		t.Errorf("since/until window misses the admin: %d users", len(win))
	}
	for _, u := range win {
		if !u.CreatedAt.After(s.CreatedAt.Add(-time.Millisecond)) || !u.CreatedAt.Before(s.CreatedAt.Add(time.Millisecond)) {
			t.Errorf("user %d created %v outside the window", u.ID, u.CreatedAt)
		}
	}
}

func TestUsers_List_customAttributeWildcard(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	v := snapshot(t, srv, fakeonelogin.PersonaAdminID).CustomAttributes["cost_center"]
	if v == "" {
		t.Skip("admin has no cost_center")
	}
	byAttr, _, err := c.ListUsers(t.Context(), ListUsersQuery{CustomAttributes: map[string]string{"cost_center": v[:1] + "*"}, Limit: 100})
	if err != nil || len(byAttr) == 0 {
		t.Fatalf("custom attribute filter: %d users, %v", len(byAttr), err)
	}
	for _, u := range byAttr {
		if !strings.HasPrefix(u.CustomAttributes["cost_center"], v[:1]) {
			t.Errorf("user %d cost_center %q", u.ID, u.CustomAttributes["cost_center"])
		}
	}
}

func TestUsers_List_cursor(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	ctx := t.Context()
	p1, page1, err := c.ListUsers(ctx, ListUsersQuery{Limit: 10})
	if err != nil || len(p1) != 10 || page1.AfterCursor == "" || page1.BeforeCursor != "" {
		t.Fatalf("page 1: %d users %+v %v", len(p1), page1, err)
	}
	p2, page2, err := c.ListUsers(ctx, ListUsersQuery{Limit: 10, AfterCursor: page1.AfterCursor})
	if err != nil || len(p2) != 10 || page2.BeforeCursor == "" || p2[0].ID == p1[0].ID {
		t.Fatalf("page 2: %d users %+v %v", len(p2), page2, err)
	}
	back, _, err := c.ListUsers(ctx, ListUsersQuery{Limit: 10, BeforeCursor: page2.BeforeCursor})
	if err != nil || len(back) != 10 || back[0].ID != p1[0].ID {
		t.Fatalf("back to page 1: %v %v", back, err)
	}
}

func TestUsers_All_walksEveryPage(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	srv.Tenant.ResetCalls()
	seen := map[int64]bool{}
	for u, err := range c.AllUsers(t.Context(), ListUsersQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[u.ID] {
			t.Fatalf("user %d twice", u.ID)
		}
		seen[u.ID] = true
	}
	n := srv.Tenant.UserCount()
	if len(seen) != n {
		t.Errorf("got %d users, tenant has %d", len(seen), n)
	}
	if calls, want := srv.Tenant.CallCount("GET", "/api/1/users"), (n+49)/50; calls != want {
		t.Errorf("list calls = %d, want %d", calls, want)
	}
}

func TestUsers_All_breakStopsRequests(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	srv.Tenant.ResetCalls()
	n := 0
	for _, err := range c.AllUsers(t.Context(), ListUsersQuery{Limit: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 7 {
			break
		}
	}
	if calls := srv.Tenant.CallCount("GET", "/api/1/users"); calls != 2 {
		t.Errorf("list calls = %d, want 2", calls)
	}
}

func TestUsers_Get_personasMatchTenant(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	for _, id := range []int64{fakeonelogin.PersonaLockedID, fakeonelogin.PersonaNoRolesID, fakeonelogin.PersonaUnactivatedID, fakeonelogin.PersonaPasswordPendingID} {
		t.Run(strconv.FormatInt(id, 10), func(t *testing.T) {
			u, err := c.GetUser(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			s := snapshot(t, srv, id)
			if u.ID != id || int(u.Status) != s.Status || !u.LockedUntil.Equal(s.LockedUntil) || !u.LastLogin.Equal(s.LastLogin) ||
				!slices.Equal(u.RoleIDs, s.RoleIDs) || u.InvalidLoginAttempts != s.InvalidLoginAttempts {
				t.Errorf("user %d decoded %+v\ntenant %+v", id, u, s)
			}
		})
	}
}

func TestUsers_Get_lockedHasLockedUntil(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	locked, err := c.GetUser(t.Context(), fakeonelogin.PersonaLockedID)
	if err != nil {
		t.Fatal(err)
	}
	if locked.Status != StatusLocked || locked.LockedUntil.IsZero() {
		t.Errorf("locked persona: %v until %v", locked.Status, locked.LockedUntil)
	}
}

func TestUsers_Get_noRolesIsNil(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	noRoles, err := c.GetUser(t.Context(), fakeonelogin.PersonaNoRolesID)
	if err != nil {
		t.Fatal(err)
	}
	if noRoles.RoleIDs != nil {
		t.Errorf("role-less persona has roles %v", noRoles.RoleIDs)
	}
}

func TestUsers_Get_notFound(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	_, err := c.GetUser(t.Context(), unknownID)
	wantErr(t, err, ErrNotFound, notFoundMsg(unknownID), "")
}

func TestUsers_Get_forbidden(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	srv.Tenant.SetForbidden(fakeonelogin.PersonaAdminID, true)
	_, err := c.GetUser(t.Context(), fakeonelogin.PersonaAdminID)
	wantErr(t, err, ErrForbidden, "user is not authorized to access this User", "")
}

func TestUsers_Create(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	u, err := c.CreateUser(t.Context(), UserCreate{Firstname: "Nia", Lastname: "Kowal", Email: "nia.kowal@example.com",
		Department: "Finance", CustomAttributes: map[string]string{"cost_center": "CC-9"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Email != "nia.kowal@example.com" || u.Department != "Finance" || u.Status != StatusUnactivated ||
		u.OpenIDName != "nia.kowal" || u.CustomAttributes["cost_center"] != "CC-9" || u.CreatedAt.IsZero() {
		t.Errorf("created %+v", u)
	}
	s := snapshot(t, srv, u.ID)
	if s.Email != u.Email || s.CustomAttributes["cost_center"] != "CC-9" {
		t.Errorf("tenant has %+v", s)
	}
}

func TestUsers_Create_refused(t *testing.T) {
	for _, tc := range []struct {
		name      string
		u         UserCreate
		msg, attr string
	}{
		{"duplicate email", UserCreate{Firstname: "Dup", Lastname: "Licate", Email: fakeonelogin.PersonaAdmin},
			"Validation failed: Email must be unique within northwind", ""},
		{"no lastname", UserCreate{Firstname: "No", Email: "no.last@example.com"},
			"lastname can't be blank", "lastname"},
		{"unknown custom attribute", UserCreate{Firstname: "A", Lastname: "B", Email: "a.b@example.com", CustomAttributes: map[string]string{"shoe_size": "9"}},
			"input custom_attributes is not valid. Valid custom_attributes -> [employee_id cost_center location ]", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newFake(t, fakeonelogin.Options{})
			_, err := c.CreateUser(t.Context(), tc.u)
			wantErr(t, err, ErrBadRequest, tc.msg, tc.attr)
		})
	}
}

func TestUsers_Update(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	title, comment := "Head of Desk", "promoted"
	u, err := c.UpdateUser(t.Context(), fakeonelogin.PersonaHelpdeskID, UserUpdate{Title: &title, Comment: &comment})
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot(t, srv, fakeonelogin.PersonaHelpdeskID)
	if u.Title != title || s.Title != title || s.Comment != comment || u.Email != fakeonelogin.PersonaHelpdesk {
		t.Errorf("returned %+v, tenant %+v", u, s)
	}
}

func TestUsers_Update_notFound(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	title := "Head of Desk"
	_, err := c.UpdateUser(t.Context(), unknownID, UserUpdate{Title: &title})
	wantErr(t, err, ErrNotFound, notFoundMsg(unknownID), "")
}

func TestUsers_Update_emailTaken(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	taken := fakeonelogin.PersonaAdmin
	_, err := c.UpdateUser(t.Context(), fakeonelogin.PersonaHelpdeskID, UserUpdate{Email: &taken})
	wantErr(t, err, ErrBadRequest, "Validation failed: Email must be unique within northwind", "")
}

func TestUsers_Delete_thenNotFound(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	if err := c.DeleteUser(t.Context(), fakeonelogin.PersonaViewerID); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Tenant.User(fakeonelogin.PersonaViewerID); ok {
		t.Error("user still there")
	}
	err := c.DeleteUser(t.Context(), fakeonelogin.PersonaViewerID)
	wantErr(t, err, ErrNotFound, notFoundMsg(fakeonelogin.PersonaViewerID), "")
}

func TestUserApps(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	apps, err := c.UserApps(t.Context(), fakeonelogin.PersonaAdminID)
	if err != nil || len(apps) == 0 {
		t.Fatalf("apps %v err %v", apps, err)
	}
	for _, a := range apps {
		if a.ID == 0 || a.Name == "" || a.Icon == "" {
			t.Errorf("app %+v", a)
		}
		if a.Provisioned != "" && a.Provisioned != "unknown" && a.Provisioned != "pending" {
			t.Errorf("provisioned %q", a.Provisioned)
		}
	}
}

func TestUserApps_noRolesIsEmpty(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	none, err := c.UserApps(t.Context(), fakeonelogin.PersonaNoRolesID)
	if err != nil || len(none) != 0 {
		t.Errorf("role-less apps %v err %v", none, err)
	}
}

func TestUserApps_notFound(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	_, err := c.UserApps(t.Context(), unknownID)
	wantErr(t, err, ErrNotFound, notFoundMsg(unknownID), "")
}

func TestUserRoleIDs(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	ids, err := c.UserRoleIDs(t.Context(), fakeonelogin.PersonaAdminID)
	if err != nil || !slices.Equal(ids, snapshot(t, srv, fakeonelogin.PersonaAdminID).RoleIDs) || !slices.Contains(ids, fakeonelogin.RoleIDAdmins) {
		t.Errorf("ids %v err %v", ids, err)
	}
}

func TestUserRoleIDs_noRolesIsEmpty(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	none, err := c.UserRoleIDs(t.Context(), fakeonelogin.PersonaNoRolesID)
	if err != nil || len(none) != 0 {
		t.Errorf("role-less ids %v err %v", none, err)
	}
}

func TestAddRoles(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	id := fakeonelogin.PersonaNoRolesID
	if err := c.AddRoles(t.Context(), id, []int64{fakeonelogin.RoleIDEmployees, fakeonelogin.RoleIDViewers}); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, srv, id).RoleIDs; !slices.Contains(got, fakeonelogin.RoleIDEmployees) || !slices.Contains(got, fakeonelogin.RoleIDViewers) {
		t.Errorf("roles after add: %v", got)
	}
}

func TestAddRoles_refused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		roles []int64
		msg   func(*fakeonelogin.Server) string
	}{
		{"already held", []int64{fakeonelogin.RoleIDEmployees}, func(*fakeonelogin.Server) string { return "input role_id_array is already included as user roles" }},
		{"not a role", []int64{42}, roleSubsetMessage},
		{"empty", nil, func(*fakeonelogin.Server) string { return "role_id_array is empty" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newFake(t, fakeonelogin.Options{})
			id := fakeonelogin.PersonaNoRolesID
			if err := c.AddRoles(t.Context(), id, []int64{fakeonelogin.RoleIDEmployees, fakeonelogin.RoleIDViewers}); err != nil {
				t.Fatal(err)
			}
			err := c.AddRoles(t.Context(), id, tc.roles)
			wantErr(t, err, ErrBadRequest, tc.msg(srv), "")
		})
	}
}

func TestRemoveRoles(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	id := fakeonelogin.PersonaNoRolesID
	if err := c.AddRoles(t.Context(), id, []int64{fakeonelogin.RoleIDEmployees, fakeonelogin.RoleIDViewers}); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveRoles(t.Context(), id, []int64{fakeonelogin.RoleIDViewers}); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, srv, id).RoleIDs; !slices.Equal(got, []int64{fakeonelogin.RoleIDEmployees}) {
		t.Errorf("roles after remove: %v", got)
	}
}

func TestRemoveRoles_refused(t *testing.T) {
	for _, tc := range []struct {
		name     string
		id       int64
		roles    []int64
		sentinel error
		msg      func(*fakeonelogin.Server) string
	}{
		{"not held", fakeonelogin.PersonaNoRolesID, []int64{fakeonelogin.RoleIDViewers}, ErrBadRequest,
			func(*fakeonelogin.Server) string { return "input role_id_array is not included as user roles" }},
		{"not a role", fakeonelogin.PersonaNoRolesID, []int64{42}, ErrBadRequest, roleSubsetMessage},
		{"unknown user", unknownID, []int64{fakeonelogin.RoleIDViewers}, ErrNotFound,
			func(*fakeonelogin.Server) string { return notFoundMsg(unknownID) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newFake(t, fakeonelogin.Options{})
			// The person holds Employees only, as after TestRemoveRoles.
			if err := c.AddRoles(t.Context(), fakeonelogin.PersonaNoRolesID, []int64{fakeonelogin.RoleIDEmployees}); err != nil {
				t.Fatal(err)
			}
			err := c.RemoveRoles(t.Context(), tc.id, tc.roles)
			wantErr(t, err, tc.sentinel, tc.msg(srv), "")
		})
	}
}

func TestCustomAttributeNames(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	names, err := c.CustomAttributeNames(t.Context())
	if err != nil || !slices.Equal(names, []string{"employee_id", "cost_center", "location"}) {
		t.Fatalf("names %v err %v", names, err)
	}
}

func TestSetCustomAttributes_setAndClear(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	id := fakeonelogin.PersonaEmployeeID
	if err := c.SetCustomAttributes(t.Context(), id, map[string]string{"location": "Lisbon", "cost_center": ""}); err != nil {
		t.Fatal(err)
	}
	s := snapshot(t, srv, id)
	if s.CustomAttributes["location"] != "Lisbon" || s.CustomAttributes["cost_center"] != "" {
		t.Errorf("tenant custom %v", s.CustomAttributes)
	}
	u, _ := c.GetUser(t.Context(), id)
	if u.CustomAttributes["location"] != "Lisbon" {
		t.Errorf("read back %v", u.CustomAttributes)
	}
}

func TestSetCustomAttributes_refused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs map[string]string
		msg   string
	}{
		{"unknown name", map[string]string{"shoe_size": "9"}, "input custom_attributes is not valid. Valid custom_attributes -> [employee_id cost_center location ]"},
		{"nothing to set", nil, "custom_attributes is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newFake(t, fakeonelogin.Options{})
			err := c.SetCustomAttributes(t.Context(), fakeonelogin.PersonaEmployeeID, tc.attrs)
			wantErr(t, err, ErrBadRequest, tc.msg, "")
		})
	}
}
