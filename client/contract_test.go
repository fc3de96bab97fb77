package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/client/onelogintest"
)

// The contract suite runs every client operation against the fake tenant of
// package onelogintest, which was written from the wire reference
// independently of the client. Each case gets a fresh tenant.

const fakeUsers = 120 // personas plus filler: three pages at the default 50

func newFake(t *testing.T, opts onelogintest.Options, copts ...client.Option) (*onelogintest.Server, *client.Client) {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Users == 0 {
		opts.Users = fakeUsers
	}
	srv := onelogintest.NewServer(opts)
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, srv.ClientID, srv.ClientSecret, append([]client.Option{client.WithMaxRetryWait(20 * time.Millisecond)}, copts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func snapshot(t *testing.T, srv *onelogintest.Server, id int64) onelogintest.UserSnapshot {
	t.Helper()
	u, ok := srv.Tenant.User(id)
	if !ok {
		t.Fatalf("user %d not in the tenant", id)
	}
	return u
}

// wantErr checks the sentinel and OneLogin's exact sentence (and attribute).
func wantErr(t *testing.T, err, sentinel error, msg, attr string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("err = %v, want %v", err, sentinel)
	}
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("err %T is not *client.Error", err)
	}
	if e.Message != msg || e.Attribute != attr {
		t.Errorf("message %q attribute %q, want %q %q", e.Message, e.Attribute, msg, attr)
	}
}

func roleSubsetMessage(srv *onelogintest.Server) string {
	var ids []string
	for _, r := range srv.Tenant.Roles() {
		ids = append(ids, strconv.FormatInt(r.ID, 10))
	}
	return "role_id_array should be a subset of -> [" + strings.Join(ids, ", ") + "]"
}

func TestContract_operations(t *testing.T) {
	ctx := context.Background()
	const unknown = int64(999999999)
	for _, tc := range []struct {
		name string
		opts onelogintest.Options
		run  func(t *testing.T, srv *onelogintest.Server, c *client.Client)
	}{
		{"ListUsers by email", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			users, page, err := c.ListUsers(ctx, client.ListUsersQuery{Email: onelogintest.PersonaAdmin})
			if err != nil {
				t.Fatal(err)
			}
			if len(users) != 1 || users[0].ID != onelogintest.PersonaAdminID || page != (client.Page{}) {
				t.Fatalf("users %+v page %+v", users, page)
			}
			s := snapshot(t, srv, onelogintest.PersonaAdminID)
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
		}},
		{"ListUsers filters, sort and fields", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			users, _, err := c.ListUsers(ctx, client.ListUsersQuery{RoleID: strconv.FormatInt(onelogintest.RoleIDAdmins, 10), Sort: "-id", Fields: []string{"email", "role_id"}, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(users) == 0 {
				t.Fatal("no admins")
			}
			for i, u := range users {
				if !slices.Contains(u.RoleIDs, onelogintest.RoleIDAdmins) || u.Email == "" || u.Firstname != "" {
					t.Errorf("user %+v: wrong role or fields", u)
				}
				if i > 0 && users[i-1].ID <= u.ID {
					t.Errorf("not sorted by -id at %d", i)
				}
			}
			// since/until window on created_at.
			s := snapshot(t, srv, onelogintest.PersonaAdminID)
			win, _, err := c.ListUsers(ctx, client.ListUsersQuery{Since: s.CreatedAt.Add(-time.Millisecond), Until: s.CreatedAt.Add(time.Millisecond), Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(win, func(u client.User) bool { return u.ID == s.ID }) {
				t.Errorf("since/until window misses the admin: %d users", len(win))
			}
			for _, u := range win {
				if !u.CreatedAt.After(s.CreatedAt.Add(-time.Millisecond)) || !u.CreatedAt.Before(s.CreatedAt.Add(time.Millisecond)) {
					t.Errorf("user %d created %v outside the window", u.ID, u.CreatedAt)
				}
			}
			// custom attribute filter with a wildcard.
			v := s.CustomAttributes["cost_center"]
			if v == "" {
				t.Skip("admin has no cost_center")
			}
			byAttr, _, err := c.ListUsers(ctx, client.ListUsersQuery{CustomAttributes: map[string]string{"cost_center": v[:1] + "*"}, Limit: 100})
			if err != nil || len(byAttr) == 0 {
				t.Fatalf("custom attribute filter: %d users, %v", len(byAttr), err)
			}
			for _, u := range byAttr {
				if !strings.HasPrefix(u.CustomAttributes["cost_center"], v[:1]) {
					t.Errorf("user %d cost_center %q", u.ID, u.CustomAttributes["cost_center"])
				}
			}
		}},
		{"ListUsers pages both ways", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			p1, page1, err := c.ListUsers(ctx, client.ListUsersQuery{Limit: 10})
			if err != nil || len(p1) != 10 || page1.AfterCursor == "" || page1.BeforeCursor != "" {
				t.Fatalf("page 1: %d users %+v %v", len(p1), page1, err)
			}
			p2, page2, err := c.ListUsers(ctx, client.ListUsersQuery{Limit: 10, AfterCursor: page1.AfterCursor})
			if err != nil || len(p2) != 10 || page2.BeforeCursor == "" || p2[0].ID == p1[0].ID {
				t.Fatalf("page 2: %d users %+v %v", len(p2), page2, err)
			}
			back, _, err := c.ListUsers(ctx, client.ListUsersQuery{Limit: 10, BeforeCursor: page2.BeforeCursor})
			if err != nil || len(back) != 10 || back[0].ID != p1[0].ID {
				t.Fatalf("back to page 1: %v %v", back, err)
			}
		}},
		{"AllUsers walks every page", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			srv.Tenant.ResetCalls()
			seen := map[int64]bool{}
			for u, err := range c.AllUsers(ctx, client.ListUsersQuery{}) {
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
		}},
		{"AllUsers stops on break", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			srv.Tenant.ResetCalls()
			n := 0
			for _, err := range c.AllUsers(ctx, client.ListUsersQuery{Limit: 5}) {
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
		}},
		{"GetUser persona shapes", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			for _, id := range []int64{onelogintest.PersonaLockedID, onelogintest.PersonaNoRolesID, onelogintest.PersonaUnactivatedID, onelogintest.PersonaPasswordPendingID} {
				u, err := c.GetUser(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				s := snapshot(t, srv, id)
				if u.ID != id || int(u.Status) != s.Status || !u.LockedUntil.Equal(s.LockedUntil) || !u.LastLogin.Equal(s.LastLogin) ||
					!slices.Equal(u.RoleIDs, s.RoleIDs) || u.InvalidLoginAttempts != s.InvalidLoginAttempts {
					t.Errorf("user %d decoded %+v\ntenant %+v", id, u, s)
				}
			}
			locked, _ := c.GetUser(ctx, onelogintest.PersonaLockedID)
			if locked.Status != client.StatusLocked || locked.LockedUntil.IsZero() {
				t.Errorf("locked persona: %v until %v", locked.Status, locked.LockedUntil)
			}
			noRoles, _ := c.GetUser(ctx, onelogintest.PersonaNoRolesID)
			if noRoles.RoleIDs != nil {
				t.Errorf("role-less persona has roles %v", noRoles.RoleIDs)
			}
		}},
		{"GetUser unknown", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			_, err := c.GetUser(ctx, unknown)
			wantErr(t, err, client.ErrNotFound, fmt.Sprintf("User for id %d was not found", unknown), "")
		}},
		{"GetUser forbidden", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			srv.Tenant.SetForbidden(onelogintest.PersonaAdminID, true)
			_, err := c.GetUser(ctx, onelogintest.PersonaAdminID)
			wantErr(t, err, client.ErrForbidden, "user is not authorized to access this User", "")
		}},
		{"CreateUser", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			u, err := c.CreateUser(ctx, client.UserCreate{Firstname: "Nia", Lastname: "Kowal", Email: "nia.kowal@example.com",
				Department: "Finance", CustomAttributes: map[string]string{"cost_center": "CC-9"}})
			if err != nil {
				t.Fatal(err)
			}
			if u.ID == 0 || u.Email != "nia.kowal@example.com" || u.Department != "Finance" || u.Status != client.StatusUnactivated ||
				u.OpenIDName != "nia.kowal" || u.CustomAttributes["cost_center"] != "CC-9" || u.CreatedAt.IsZero() {
				t.Errorf("created %+v", u)
			}
			s := snapshot(t, srv, u.ID)
			if s.Email != u.Email || s.CustomAttributes["cost_center"] != "CC-9" {
				t.Errorf("tenant has %+v", s)
			}
		}},
		{"CreateUser errors", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			_, err := c.CreateUser(ctx, client.UserCreate{Firstname: "Dup", Lastname: "Licate", Email: onelogintest.PersonaAdmin})
			wantErr(t, err, client.ErrBadRequest, "Validation failed: Email must be unique within northwind", "")
			_, err = c.CreateUser(ctx, client.UserCreate{Firstname: "No", Email: "no.last@example.com"})
			wantErr(t, err, client.ErrBadRequest, "lastname can't be blank", "lastname")
			_, err = c.CreateUser(ctx, client.UserCreate{Firstname: "A", Lastname: "B", Email: "a.b@example.com", CustomAttributes: map[string]string{"shoe_size": "9"}})
			wantErr(t, err, client.ErrBadRequest, "input custom_attributes is not valid. Valid custom_attributes -> [employee_id cost_center location ]", "")
		}},
		{"UpdateUser", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			title, comment := "Head of Desk", "promoted"
			u, err := c.UpdateUser(ctx, onelogintest.PersonaHelpdeskID, client.UserUpdate{Title: &title, Comment: &comment})
			if err != nil {
				t.Fatal(err)
			}
			s := snapshot(t, srv, onelogintest.PersonaHelpdeskID)
			if u.Title != title || s.Title != title || s.Comment != comment || u.Email != onelogintest.PersonaHelpdesk {
				t.Errorf("returned %+v, tenant %+v", u, s)
			}
			_, err = c.UpdateUser(ctx, unknown, client.UserUpdate{Title: &title})
			wantErr(t, err, client.ErrNotFound, fmt.Sprintf("User for id %d was not found", unknown), "")
			taken := onelogintest.PersonaAdmin
			_, err = c.UpdateUser(ctx, onelogintest.PersonaHelpdeskID, client.UserUpdate{Email: &taken})
			wantErr(t, err, client.ErrBadRequest, "Validation failed: Email must be unique within northwind", "")
		}},
		{"DeleteUser", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			if err := c.DeleteUser(ctx, onelogintest.PersonaViewerID); err != nil {
				t.Fatal(err)
			}
			if _, ok := srv.Tenant.User(onelogintest.PersonaViewerID); ok {
				t.Error("user still there")
			}
			err := c.DeleteUser(ctx, onelogintest.PersonaViewerID)
			wantErr(t, err, client.ErrNotFound, fmt.Sprintf("User for id %d was not found", onelogintest.PersonaViewerID), "")
		}},
		{"UserApps", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			apps, err := c.UserApps(ctx, onelogintest.PersonaAdminID)
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
			none, err := c.UserApps(ctx, onelogintest.PersonaNoRolesID)
			if err != nil || len(none) != 0 {
				t.Errorf("role-less apps %v err %v", none, err)
			}
			_, err = c.UserApps(ctx, unknown)
			wantErr(t, err, client.ErrNotFound, fmt.Sprintf("User for id %d was not found", unknown), "")
		}},
		{"UserRoleIDs", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			ids, err := c.UserRoleIDs(ctx, onelogintest.PersonaAdminID)
			if err != nil || !slices.Equal(ids, snapshot(t, srv, onelogintest.PersonaAdminID).RoleIDs) || !slices.Contains(ids, onelogintest.RoleIDAdmins) {
				t.Errorf("ids %v err %v", ids, err)
			}
			none, err := c.UserRoleIDs(ctx, onelogintest.PersonaNoRolesID)
			if err != nil || len(none) != 0 {
				t.Errorf("role-less ids %v err %v", none, err)
			}
		}},
		{"AddRoles and RemoveRoles", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			id := onelogintest.PersonaNoRolesID
			if err := c.AddRoles(ctx, id, []int64{onelogintest.RoleIDEmployees, onelogintest.RoleIDViewers}); err != nil {
				t.Fatal(err)
			}
			if got := snapshot(t, srv, id).RoleIDs; !slices.Contains(got, onelogintest.RoleIDEmployees) || !slices.Contains(got, onelogintest.RoleIDViewers) {
				t.Errorf("roles after add: %v", got)
			}
			err := c.AddRoles(ctx, id, []int64{onelogintest.RoleIDEmployees})
			wantErr(t, err, client.ErrBadRequest, "input role_id_array is already included as user roles", "")
			err = c.AddRoles(ctx, id, []int64{42})
			wantErr(t, err, client.ErrBadRequest, roleSubsetMessage(srv), "")
			err = c.AddRoles(ctx, id, nil)
			wantErr(t, err, client.ErrBadRequest, "role_id_array is empty", "")

			if err := c.RemoveRoles(ctx, id, []int64{onelogintest.RoleIDViewers}); err != nil {
				t.Fatal(err)
			}
			if got := snapshot(t, srv, id).RoleIDs; !slices.Equal(got, []int64{onelogintest.RoleIDEmployees}) {
				t.Errorf("roles after remove: %v", got)
			}
			err = c.RemoveRoles(ctx, id, []int64{onelogintest.RoleIDViewers})
			wantErr(t, err, client.ErrBadRequest, "input role_id_array is not included as user roles", "")
			err = c.RemoveRoles(ctx, id, []int64{42})
			wantErr(t, err, client.ErrBadRequest, roleSubsetMessage(srv), "")
			err = c.RemoveRoles(ctx, unknown, []int64{onelogintest.RoleIDViewers})
			wantErr(t, err, client.ErrNotFound, fmt.Sprintf("User for id %d was not found", unknown), "")
		}},
		{"custom attributes", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			names, err := c.CustomAttributeNames(ctx)
			if err != nil || !slices.Equal(names, []string{"employee_id", "cost_center", "location"}) {
				t.Fatalf("names %v err %v", names, err)
			}
			id := onelogintest.PersonaEmployeeID
			if err := c.SetCustomAttributes(ctx, id, map[string]string{"location": "Lisbon", "cost_center": ""}); err != nil {
				t.Fatal(err)
			}
			s := snapshot(t, srv, id)
			if s.CustomAttributes["location"] != "Lisbon" || s.CustomAttributes["cost_center"] != "" {
				t.Errorf("tenant custom %v", s.CustomAttributes)
			}
			u, _ := c.GetUser(ctx, id)
			if u.CustomAttributes["location"] != "Lisbon" {
				t.Errorf("read back %v", u.CustomAttributes)
			}
			err = c.SetCustomAttributes(ctx, id, map[string]string{"shoe_size": "9"})
			wantErr(t, err, client.ErrBadRequest, "input custom_attributes is not valid. Valid custom_attributes -> [employee_id cost_center location ]", "")
			err = c.SetCustomAttributes(ctx, id, nil)
			wantErr(t, err, client.ErrBadRequest, "custom_attributes is empty", "")
		}},
		{"SetPassword", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			id := onelogintest.PersonaEmployeeID
			const strong = "Harbour-Lights-77!"
			if err := c.SetPassword(ctx, id, strong, true); err != nil {
				t.Fatal(err)
			}
			if !srv.Tenant.CheckPassword(id, strong) {
				t.Error("tenant does not accept the new password")
			}
			err := c.SetPassword(ctx, id, "weak", true)
			wantErr(t, err, client.ErrBadRequest, onelogintest.DefaultPasswordPolicy().Check("weak"), "")
			if strings.Contains(err.Error(), "weak") && !strings.Contains(onelogintest.DefaultPasswordPolicy().Check("weak"), "weak") {
				t.Errorf("error repeats the password: %v", err)
			}
			if err := c.SetPassword(ctx, id, "weak", false); err != nil {
				t.Fatalf("without validate_policy: %v", err)
			}
			if !srv.Tenant.CheckPassword(id, "weak") {
				t.Error("policy skipped, but password not set")
			}
			err = c.SetPassword(ctx, unknown, strong, false)
			wantErr(t, err, client.ErrNotFound, fmt.Sprintf("User for id %d was not found", unknown), "")
		}},
		{"SetPasswordHash", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			id := onelogintest.PersonaPasswordPendingID
			for _, salt := range []string{"0f1e2d3c", ""} {
				clear := "Salted-Secret-" + salt
				if err := c.SetPasswordHash(ctx, id, client.HashedPassword{Hash: client.HashPassword(salt, clear), Salt: salt}); err != nil {
					t.Fatal(err)
				}
				if !srv.Tenant.CheckPassword(id, clear) {
					t.Errorf("salt %q: tenant does not accept the cleartext behind the hash", salt)
				}
			}
			err := c.SetPasswordHash(ctx, id, client.HashedPassword{Hash: "nothex"})
			wantErr(t, err, client.ErrBadRequest, "password should be a hex encoded SHA-256 hash", "password")
		}},
		{"SetState", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			id := onelogintest.PersonaEmployeeID
			if err := c.SetState(ctx, id, client.StateUnlicensed); err != nil {
				t.Fatal(err)
			}
			if s := snapshot(t, srv, id); s.State != int(client.StateUnlicensed) {
				t.Errorf("state %d", s.State)
			}
			err := c.SetState(ctx, id, client.StateUnlicensed)
			wantErr(t, err, client.ErrBadRequest, "user is already in this state", "")
			err = c.SetState(ctx, id, client.StateUnapproved)
			wantErr(t, err, client.ErrBadRequest, "state is invalid", "")
			if err := c.SetState(ctx, id, client.StateApproved); err != nil {
				t.Fatal(err)
			}
		}},
		{"LockUser and UnlockUser", onelogintest.Options{Clock: onelogintest.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			id := onelogintest.PersonaHelpdeskID
			now := srv.Tenant.Clock().Now()
			if err := c.LockUser(ctx, id, 0); err != nil {
				t.Fatal(err)
			}
			s := snapshot(t, srv, id)
			if s.Status != int(client.StatusLocked) || !s.LockedUntil.Equal(now.Add(onelogintest.DefaultPolicyLockMinutes*time.Minute)) {
				t.Errorf("after lock: status %d until %v", s.Status, s.LockedUntil)
			}
			u, _ := c.GetUser(ctx, id)
			if u.Status != client.StatusLocked || !u.LockedUntil.Equal(s.LockedUntil) {
				t.Errorf("read back %v until %v", u.Status, u.LockedUntil)
			}
			err := c.LockUser(ctx, id, 5)
			wantErr(t, err, client.ErrBadRequest, "locked_until should not be less than the policy lock period of 30 minutes", "")
			if err := c.UnlockUser(ctx, id); err != nil {
				t.Fatal(err)
			}
			if s := snapshot(t, srv, id); s.Status != int(client.StatusActive) || !s.LockedUntil.IsZero() || s.InvalidLoginAttempts != 0 {
				t.Errorf("after unlock %+v", s)
			}
			if err := c.UnlockUser(ctx, onelogintest.PersonaEmployeeID); err != nil {
				t.Errorf("unlock persona locked with no end: %v", err)
			}
			err = c.UnlockUser(ctx, onelogintest.PersonaSuspendedID)
			wantErr(t, err, client.ErrBadRequest, "User cannot be unlocked", "")
			err = c.UnlockUser(ctx, unknown)
			wantErr(t, err, client.ErrNotFound, "Not Found", "")
			err = c.LockUser(ctx, unknown, 0)
			wantErr(t, err, client.ErrNotFound, fmt.Sprintf("User for id %d was not found", unknown), "")
		}},
		{"LogoutUser", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			id := onelogintest.PersonaViewerID
			srv.Tenant.StartSession(id)
			srv.Tenant.StartSession(id)
			if err := c.LogoutUser(ctx, id); err != nil {
				t.Fatal(err)
			}
			if n := srv.Tenant.Sessions(id); n != 0 {
				t.Errorf("sessions = %d", n)
			}
			err := c.LogoutUser(ctx, unknown)
			wantErr(t, err, client.ErrNotFound, fmt.Sprintf("User for id %d was not found", unknown), "")
		}},
		{"GenerateMFAToken", onelogintest.Options{Clock: onelogintest.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			id := onelogintest.PersonaEmployeeID
			once, err := c.GenerateMFAToken(ctx, id, 10*time.Minute, false)
			if err != nil {
				t.Fatal(err)
			}
			if once.Reusable || !once.ExpiresAt.Equal(srv.Tenant.Clock().Now().Add(10*time.Minute)) || once.Token == "" {
				t.Errorf("token %v (expires %v)", once, once.ExpiresAt)
			}
			if !srv.Tenant.UseMFAToken(id, once.Token) || srv.Tenant.UseMFAToken(id, once.Token) {
				t.Error("single-use token should work exactly once")
			}
			again, err := c.GenerateMFAToken(ctx, id, 0, true)
			if err != nil {
				t.Fatal(err)
			}
			if !again.Reusable || !again.ExpiresAt.Equal(srv.Tenant.Clock().Now().Add(72*time.Hour)) {
				t.Errorf("default token %v", again)
			}
			first := srv.Tenant.UseMFAToken(id, again.Token)
			second := srv.Tenant.UseMFAToken(id, again.Token)
			if !first || !second {
				t.Error("reusable token should work repeatedly")
			}
			_, err = c.GenerateMFAToken(ctx, id, 73*time.Hour, false)
			wantErr(t, err, client.ErrBadRequest, "expires_in should be less than or equal to 259200", "expires_in")
			_, err = c.GenerateMFAToken(ctx, unknown, time.Minute, false)
			wantErr(t, err, client.ErrNotFound, fmt.Sprintf("User for id %d was not found", unknown), "")
			for _, v := range []any{once, *once, again} {
				for _, verb := range []string{"%v", "%+v", "%#v"} {
					if s := fmt.Sprintf(verb, v); strings.Contains(s, once.Token) || strings.Contains(s, again.Token) {
						t.Errorf("%s shows the MFA token: %s", verb, s)
					}
				}
			}
		}},
		{"roles", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			want := srv.Tenant.Roles()
			var got []onelogintest.RoleInfo
			for r, err := range c.AllRoles(ctx, client.ListRolesQuery{Limit: 5}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, onelogintest.RoleInfo{ID: r.ID, Name: r.Name})
			}
			if !slices.Equal(got, want) {
				t.Errorf("roles\n got %v\nwant %v", got, want)
			}
			one, _, err := c.ListRoles(ctx, client.ListRolesQuery{Name: onelogintest.GroupHelpdesk})
			if err != nil || len(one) != 1 || one[0].ID != onelogintest.RoleIDHelpdesk {
				t.Errorf("by name: %v %v", one, err)
			}
		}},
		{"RateLimitStatus and headers", onelogintest.Options{RateLimitPerHour: 100}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			if _, err := c.GetUser(ctx, onelogintest.PersonaAdminID); err != nil {
				t.Fatal(err)
			}
			rl := c.RateLimit()
			if rl.Limit != 100 || rl.Remaining != 99 || rl.Reset <= 0 || rl.Reset > time.Hour {
				t.Errorf("from headers: %+v", rl)
			}
			st, err := c.RateLimitStatus(ctx)
			if err != nil || st.Limit != 100 || st.Remaining != 99 {
				t.Errorf("status %+v %v", st, err)
			}
		}},
		{"quota exhausted: GET retried once, then RateLimitError", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			srv.Tenant.SpendRateLimit()
			srv.Tenant.ResetCalls()
			_, err := c.GetUser(ctx, onelogintest.PersonaAdminID)
			var rle *client.RateLimitError
			if !errors.As(err, &rle) || rle.RetryAfter <= 0 || rle.Err.Message != "Rate Limit Exceeded" {
				t.Fatalf("err = %v", err)
			}
			if n := srv.Tenant.CallCount("GET", "/api/1/users/"); n != 2 {
				t.Errorf("calls = %d, want one retry", n)
			}
			if c.RateLimit().Remaining != 0 {
				t.Errorf("RateLimit = %+v", c.RateLimit())
			}
		}},
		{"429 once: GET and PUT succeed on retry", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			srv.Tenant.FailNext(1, http.StatusTooManyRequests)
			if _, err := c.GetUser(ctx, onelogintest.PersonaAdminID); err != nil {
				t.Errorf("GET: %v", err)
			}
			srv.Tenant.FailNext(1, http.StatusTooManyRequests)
			if err := c.LogoutUser(ctx, onelogintest.PersonaAdminID); err != nil {
				t.Errorf("PUT: %v", err)
			}
		}},
		{"429 once: creating POSTs are not retried", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			if err := c.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			srv.Tenant.ResetCalls()
			srv.Tenant.FailNext(1, http.StatusTooManyRequests)
			_, err := c.GenerateMFAToken(ctx, onelogintest.PersonaEmployeeID, time.Hour, false)
			if !errors.Is(err, client.ErrRateLimited) {
				t.Errorf("MFA: %v", err)
			}
			srv.Tenant.FailNext(1, http.StatusTooManyRequests)
			_, err = c.CreateUser(ctx, client.UserCreate{Firstname: "A", Lastname: "B", Email: "ab@example.com"})
			if !errors.Is(err, client.ErrRateLimited) {
				t.Errorf("create: %v", err)
			}
			if n := srv.Tenant.CallCount("POST", "/api/1/users"); n != 2 {
				t.Errorf("POST calls = %d, want 2 (no retries)", n)
			}
			if srv.Tenant.ActiveMFATokens(onelogintest.PersonaEmployeeID) != 0 {
				t.Error("a token was minted")
			}
			if _, ok := srv.Tenant.FindByEmail("ab@example.com"); ok {
				t.Error("a user was created")
			}
		}},
		{"server faults are ErrUnavailable, not retried", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			if err := c.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			srv.Tenant.ResetCalls()
			srv.Tenant.FailNext(1, http.StatusInternalServerError)
			_, err := c.GetUser(ctx, onelogintest.PersonaAdminID)
			wantErr(t, err, client.ErrUnavailable, "Internal Server Error", "")
			// A PUT with a body: net/http itself replays a bodiless GET whose
			// reused connection dies, so that would hide the drop.
			srv.Tenant.DropNext(1)
			err = c.LockUser(ctx, onelogintest.PersonaAdminID, 0)
			var te *client.TransportError
			if !errors.As(err, &te) || !errors.Is(err, client.ErrUnavailable) {
				t.Errorf("dropped connection: %v", err)
			}
			if g, p := srv.Tenant.CallCount("GET", "/api/1/users/"), srv.Tenant.CallCount("PUT", "/api/1/users/"); g != 1 || p != 1 {
				t.Errorf("calls = %d GET, %d PUT; want 1 each", g, p)
			}
		}},
		{"slow tenant hits the per-request timeout", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, _ *client.Client) {
			c, err := client.New(srv.URL, srv.ClientID, srv.ClientSecret, client.WithTimeout(150*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			srv.Tenant.SetLatency(2 * time.Second)
			start := time.Now()
			_, err = c.GetUser(ctx, onelogintest.PersonaAdminID)
			if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, client.ErrUnavailable) {
				t.Errorf("err = %v", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
		}},
		{"expired token: one refresh, one retry", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			if _, err := c.GetUser(ctx, onelogintest.PersonaAdminID); err != nil {
				t.Fatal(err)
			}
			srv.Tenant.ExpireAllTokens()
			srv.Tenant.ResetCalls()
			var wg sync.WaitGroup
			for range 10 {
				wg.Go(func() {
					if _, err := c.GetUser(ctx, onelogintest.PersonaAdminID); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if n := srv.Tenant.CallCount("POST", "/auth/oauth2/v2/token"); n != 1 {
				t.Errorf("token calls = %d, want 1", n)
			}
			// The v2 unlock answers an expired token in v2 style; same cure.
			srv.Tenant.ExpireAllTokens()
			if err := c.UnlockUser(ctx, onelogintest.PersonaLockedID); err != nil {
				t.Errorf("unlock after expiry: %v", err)
			}
		}},
		{"tenant clock passes token lifetime", onelogintest.Options{TokenLifetime: time.Hour}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			if _, err := c.GetUser(ctx, onelogintest.PersonaAdminID); err != nil {
				t.Fatal(err)
			}
			srv.Tenant.AdvanceClock(2 * time.Hour)
			srv.Tenant.ResetCalls()
			if _, err := c.GetUser(ctx, onelogintest.PersonaAdminID); err != nil {
				t.Fatal(err)
			}
			if n := srv.Tenant.CallCount("", "/api/1/users/"); n != 2 {
				t.Errorf("resource calls = %d, want 401 + retry", n)
			}
		}},
		{"insufficient scope is not retried", onelogintest.Options{Scope: onelogintest.ScopeReadUsers}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			if err := c.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			srv.Tenant.ResetCalls()
			err := c.AddRoles(ctx, onelogintest.PersonaNoRolesID, []int64{onelogintest.RoleIDEmployees})
			wantErr(t, err, client.ErrUnauthorized, "Insufficient Permission", "")
			if n := len(srv.Tenant.Calls()); n != 1 {
				t.Errorf("calls = %d, want 1", n)
			}
		}},
		{"bad credentials", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, _ *client.Client) {
			bad, err := client.New(srv.URL, srv.ClientID, "wrong-"+srv.ClientSecret)
			if err != nil {
				t.Fatal(err)
			}
			err = bad.Ping(ctx)
			wantErr(t, err, client.ErrUnauthorized, "Authentication Failure", "")
			_, err = bad.GetUser(ctx, onelogintest.PersonaAdminID)
			wantErr(t, err, client.ErrUnauthorized, "Authentication Failure", "")
			for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", bad), fmt.Sprint(bad)} {
				if strings.Contains(s, srv.ClientSecret) {
					t.Errorf("secret shown: %s", s)
				}
			}
			srv.Tenant.FailNextToken(1, http.StatusTooManyRequests)
			good, _ := client.New(srv.URL, srv.ClientID, srv.ClientSecret)
			if err := good.Ping(ctx); !errors.Is(err, client.ErrRateLimited) {
				t.Errorf("token 429: %v", err)
			}
			if err := good.Ping(ctx); err != nil {
				t.Errorf("after the token 429: %v", err)
			}
		}},
		{"request id, user agent and bearer reach the tenant", onelogintest.Options{}, func(t *testing.T, srv *onelogintest.Server, c *client.Client) {
			if _, err := c.GetUser(client.WithRequestID(ctx, "req-77"), onelogintest.PersonaAdminID); err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, call := range srv.Tenant.Calls() {
				if call.Path == fmt.Sprintf("/api/1/users/%d", onelogintest.PersonaAdminID) {
					found = true
					if call.Header.Get("X-Request-Id") != "req-77" || call.Header.Get("User-Agent") != "onelogin-helpdesk" ||
						!strings.HasPrefix(call.Header.Get("Authorization"), "bearer ") {
						t.Errorf("headers %v", call.Header)
					}
				}
			}
			if !found {
				t.Error("call not recorded")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newFake(t, tc.opts)
			tc.run(t, srv, c)
		})
	}
}
