package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/static"
)

// routeActions is the action each route of the table requires. A route
// added to handlers/routes.go and missing here fails TestRoutes_everyRole,
// so no route goes untested for who may use it.
var routeActions = map[string]access.Action{
	"GET /users":                        access.Search,
	"GET /users/new":                    access.CreateUser,
	"POST /users":                       access.CreateUser,
	"GET /users/:id":                    access.ViewUser,
	"GET /users/:id/activity":           access.ViewUser,
	"GET /users/:id/name":               access.ViewUser,
	"GET /users/:id/lock":               access.Lock,
	"GET /users/:id/logout":             access.Logout,
	"GET /users/:id/password":           access.ResetPassword,
	"GET /users/:id/invite":             access.InviteLink,
	"POST /users/:id/invite":            access.InviteLink,
	"GET /users/:id/state":              access.SetState,
	"GET /users/:id/mfa-token":          access.MFAToken,
	"GET /users/:id/roles":              access.AddRoles,
	"GET /users/:id/custom-attributes":  access.SetCustomAttributes,
	"GET /users/:id/delete":             access.DeleteUser,
	"POST /ticket":                      access.Search,
	"GET /users/:id/edit":               access.UpdateUser,
	"POST /users/:id":                   access.UpdateUser,
	"POST /users/:id/delete":            access.DeleteUser,
	"POST /users/:id/unlock":            access.Unlock,
	"POST /users/:id/lock":              access.Lock,
	"POST /users/:id/logout":            access.Logout,
	"POST /users/:id/password":          access.ResetPassword,
	"POST /users/:id/password-hash":     access.ImportPasswordHash,
	"POST /users/:id/state":             access.SetState,
	"POST /users/:id/mfa-token":         access.MFAToken,
	"POST /users/:id/roles/add":         access.AddRoles,
	"POST /users/:id/roles/remove":      access.RemoveRoles,
	"POST /users/:id/custom-attributes": access.SetCustomAttributes,
	"GET /me":                           access.SelfView,
	"POST /me/unlock":                   access.SelfUnlock,
	"POST /me/logout":                   access.SelfLogout,
	"GET /locked":                       access.LockedNow,
	"POST /locked/:id/unlock":           access.Unlock,
	"POST /locked/bulk-unlock":          access.BulkUnlock,
	"POST /locked/bulk-logout":          access.BulkLogout,
	"GET /jobs/:id":                     access.LockedNow,
	"POST /jobs/:id/stop":               access.StopJob,
	"GET /audit":                        access.ViewAudit,
	"GET /mail":                         access.ViewAudit,
	"GET /reports":                      access.ViewAudit, // by default; HELPDESK_REPORT_VIEWERS may add helpdesk
	"GET /reports.csv":                  access.ViewAudit,
	"GET /audit.csv":                    access.ViewAudit,
	"GET /directory":                    access.ViewAudit,
	"GET /sessions":                     access.SelfSessions,
	"POST /sessions/others/revoke":      access.SelfSessions,
	"POST /sessions/:id/revoke":         access.RevokeSession,
	"POST /sessions/blocks/lift":        access.RevokeSession,
	"GET /users/:id/factors":            access.ViewFactors,
	"POST /users/:id/factors/remove":    access.RemoveFactor,
	"POST /users/:id/caller/send":       access.CallerChallenge,
	"POST /users/:id/caller/code":       access.VerifyCaller,
	"POST /users/:id/caller/poll":       access.VerifyCaller,
	"POST /users/:id/caller/override":   access.CallerOverride,
}

var allRoles = []access.Role{access.RoleNone, access.RoleEmployee, access.RoleViewer, access.RoleHelpdesk, access.RoleAdmin}

// TestRoutes_everyRole walks the whole route table as each role. Signed out
// is 401 everywhere; a role the action is not for gets 403 and OneLogin is
// not called at all (refused account actions are recorded as denied); a
// role it is for gets past the door.
func TestRoutes_everyRole(t *testing.T) {
	for _, role := range allRoles {
		t.Run(role.String(), func(t *testing.T) {
			c := newConsole(t, role, signedInAs(fakeonelogin.PersonaEmployee), withSelfUnlocks(3), withCaller(config.CallerOffer))
			seen := 0
			for _, r := range c.e.Routes() {
				switch r.Method {
				case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
				default:
					continue // echo's own not-found routes of the group
				}
				if strings.HasPrefix(r.Path, static.Prefix) {
					continue // assets are public
				}
				key := r.Method + " " + r.Path
				path := strings.ReplaceAll(r.Path, ":id", idStr(fakeonelogin.PersonaLockedID))
				var form url.Values
				if r.Method == http.MethodPost {
					form = url.Values{}
				}
				c.fake.Tenant.ResetCalls()
				before := c.records()
				rec := c.do(r.Method, path, form, false)
				calls := c.fake.Tenant.Calls()
				newRecs := writtenSince(before, c.records())

				if r.Path == "/" {
					want := "/me"
					if role.Can(access.Search) {
						want = "/users"
					}
					if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want || len(calls) != 0 {
						t.Errorf("GET / = %d to %q with %d calls, want 303 to %s and none", rec.Code, rec.Header().Get("Location"), len(calls), want)
					}
					continue
				}
				action, ok := routeActions[key]
				if !ok {
					t.Errorf("route %s is not in routeActions: add the action it requires", key)
					continue
				}
				seen++
				switch {
				case role == access.RoleNone:
					if rec.Code != http.StatusUnauthorized || len(calls) != 0 || len(newRecs) != 0 {
						t.Errorf("%s signed out = %d, %d calls, %d records; want 401, none, none", key, rec.Code, len(calls), len(newRecs))
					}
				case !role.Can(action):
					if rec.Code != http.StatusForbidden {
						t.Errorf("%s as %s = %d, want 403", key, role, rec.Code)
					}
					if len(calls) != 0 {
						t.Errorf("%s as %s was refused but called OneLogin: %s %s", key, role, calls[0].Method, calls[0].Path)
					}
					wantRecs := 0
					if action.Sensitive() {
						wantRecs = 1
					}
					if len(newRecs) != wantRecs {
						t.Errorf("%s as %s left %d audit records, want %d", key, role, len(newRecs), wantRecs)
					} else if wantRecs == 1 {
						if d := newRecs[0]; d.Outcome != audit.OutcomeDenied || d.Action != action || d.ActorRole != role.String() {
							t.Errorf("%s as %s recorded %+v, want a denied %s by %s", key, role, d, action, role)
						}
					}
				default:
					if rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden || rec.Code >= 500 {
						t.Errorf("%s as %s = %d, want it let through: %.300s", key, role, rec.Code, rec.Body.String())
					}
				}
			}
			if seen != len(routeActions) {
				t.Errorf("walked %d routes of routeActions' %d: a route in the table is no longer served", seen, len(routeActions))
			}
		})
	}
}

// TestRoutes_allowedMatchesAccess checks the table above against the access
// package from the other side: each role may use exactly the routes whose
// action its role can take, and the whole ladder is covered.
func TestRoutes_allowedMatchesAccess(t *testing.T) {
	counts := map[access.Role]int{}
	for _, role := range allRoles {
		for _, a := range routeActions {
			if role.Can(a) {
				counts[role]++
			}
		}
	}
	if counts[access.RoleNone] != 0 {
		t.Errorf("signed-out may use %d routes", counts[access.RoleNone])
	}
	for i := 1; i < len(allRoles); i++ {
		if counts[allRoles[i]] <= counts[allRoles[i-1]] {
			t.Errorf("%s may use %d routes, not more than %s's %d", allRoles[i], counts[allRoles[i]], allRoles[i-1], counts[allRoles[i-1]])
		}
	}
	if counts[access.RoleAdmin] != len(routeActions) {
		t.Errorf("admin may use %d of %d routes", counts[access.RoleAdmin], len(routeActions))
	}
}

// ---- HELPDESK_REQUIRE_TICKET ----

// TestAct_requireTicket: with tickets required, a sensitive action without
// one is refused with 422 and the reason, recorded as denied, and OneLogin
// is not asked to change anything; with a ticket it goes ahead.
func TestAct_requireTicket(t *testing.T) {
	locked := fakeonelogin.PersonaLockedID
	other := fakeonelogin.PersonaNoRolesID
	cases := []struct {
		name   string
		path   string
		form   url.Values
		action access.Action
	}{
		{"unlock", "/users/" + idStr(locked) + "/unlock", url.Values{}, access.Unlock},
		{"lock", "/users/" + idStr(other) + "/lock", url.Values{"minutes": {"60"}}, access.Lock},
		{"logout", "/users/" + idStr(other) + "/logout", url.Values{}, access.Logout},
		{"password", "/users/" + idStr(other) + "/password", url.Values{"mode": {"generate"}}, access.ResetPassword},
		{"mfa token", "/users/" + idStr(other) + "/mfa-token", url.Values{"expires_in": {"3600"}}, access.MFAToken},
		{"blank ticket", "/users/" + idStr(locked) + "/unlock", url.Values{"ticket": {"   "}}, access.Unlock},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin), withConfig(func(cfg *handlers.Config) { cfg.RequireTicket = true }))
			c.fake.Tenant.ResetCalls()
			rec := c.do("POST", tc.path, tc.form, true)
			wantCode(t, rec, http.StatusUnprocessableEntity)
			if !strings.Contains(rec.Body.String(), "Give a ticket number or reason") {
				t.Errorf("the answer does not say a ticket is needed: %.300s", rec.Body.String())
			}
			d := doc(t, rec)
			besideTicket := d.Find(".field-error").FilterFunction(func(_ int, e *goquery.Selection) bool {
				return strings.Contains(e.Text(), "Give a ticket number or reason") &&
					e.Closest(".field").Find(`input[name="ticket"]`).Length() == 1
			})
			if besideTicket.Length() != 1 {
				t.Errorf("the message is not beside the ticket field: %.600s", rec.Body.String())
			}
			d.Find(`input[name="ticket"]`).Each(func(_ int, in *goquery.Selection) {
				if _, ok := in.Attr("required"); !ok {
					t.Errorf("ticket input %s is not marked required", in.AttrOr("id", "?"))
				}
			})
			if w := writesOf(c); len(w) != 0 {
				t.Errorf("OneLogin was asked %v without a ticket", w)
			}
			r := oneRecord(t, c)
			if r.Outcome != audit.OutcomeDenied || r.Action != tc.action || !strings.Contains(r.Reason, "no ticket") {
				t.Errorf("record = %+v, want a denied %s for want of a ticket", r, tc.action)
			}

			form := url.Values{}
			for k, v := range tc.form {
				form[k] = v
			}
			form.Set("ticket", "INC-77")
			rec = c.doConfirmed("POST", tc.path, form, true)
			if rec.Code != http.StatusOK {
				t.Fatalf("with a ticket: %d %.300s", rec.Code, rec.Body.String())
			}
			if w := writesOf(c); len(w) != 1 {
				t.Errorf("with a ticket, changing calls = %v, want 1", w)
			}
			if recs := c.records(); recs[len(recs)-1].Ticket != "INC-77" || recs[len(recs)-1].Outcome != audit.OutcomeSucceeded {
				t.Errorf("record with ticket = %+v", recs[len(recs)-1])
			}
		})
	}
}

// TestAct_requireTicketScope: reading is never held up by the setting,
// self-service is exempt, and with the setting off no ticket is needed.
func TestAct_requireTicketScope(t *testing.T) {
	t.Run("reading", func(t *testing.T) {
		c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin), withConfig(func(cfg *handlers.Config) { cfg.RequireTicket = true }))
		for _, p := range []string{"/users?q=marguerite", "/users/" + idStr(fakeonelogin.PersonaLockedID), "/audit", "/me"} {
			if rec := c.get(p); rec.Code != http.StatusOK {
				t.Errorf("GET %s = %d with tickets required", p, rec.Code)
			}
		}
	})
	t.Run("self-service", func(t *testing.T) {
		c := newConsole(t, access.RoleEmployee, signedInAs(fakeonelogin.PersonaEmployee), withConfig(func(cfg *handlers.Config) {
			cfg.RequireTicket, cfg.SelfUnlocksPerHour = true, 3
		}))
		wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusOK)
		wantCode(t, c.do("POST", "/me/logout", url.Values{}, true), http.StatusOK)
		if w := writesOf(c); len(w) != 2 {
			t.Errorf("self-service calls = %v, want unlock and logout", w)
		}
	})
	t.Run("setting off", func(t *testing.T) {
		c := newConsole(t, access.RoleHelpdesk, signedInAs(fakeonelogin.PersonaHelpdesk))
		wantCode(t, c.do("POST", "/users/"+idStr(fakeonelogin.PersonaLockedID)+"/unlock", url.Values{}, true), http.StatusOK)
		if r := oneRecord(t, c); r.Outcome != audit.OutcomeSucceeded || r.Ticket != "" {
			t.Errorf("record = %+v", r)
		}
	})
}

// TestRoutes_auditDownRefusesEveryChange posts a valid form to every route
// that changes an account, with the audit trail failing: each answers 503
// and OneLogin is asked to change nothing. A changing route added to the
// table without a form here fails the test.
func TestRoutes_auditDownRefusesEveryChange(t *testing.T) {
	target := fakeonelogin.PersonaLockedID
	admin := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin), withSelfUnlocks(3), withConfig(withJobs(t)))
	attrs, err := admin.ol.CustomAttributeNames(context.Background())
	if err != nil || len(attrs) == 0 {
		t.Fatalf("custom attributes: %v %v", attrs, err)
	}
	u, _ := admin.fake.Tenant.User(target)
	if len(u.RoleIDs) == 0 {
		t.Fatal("the target has no role to remove")
	}
	forms := map[string]url.Values{
		"POST /users":                       {"firstname": {"Ada"}, "lastname": {"Lovelace"}, "email": {"ada.lovelace@example.com"}},
		"POST /users/:id":                   {"firstname": {"Renamed"}, "lastname": {u.Lastname}, "email": {u.Email}},
		"POST /users/:id/delete":            {"confirm": {u.Email}},
		"POST /users/:id/unlock":            {},
		"POST /users/:id/lock":              {"minutes": {"60"}},
		"POST /users/:id/logout":            {},
		"POST /users/:id/password":          {"mode": {"generate"}},
		"POST /users/:id/password-hash":     {"password_hash": {strings.Repeat("ab", 32)}, "password_salt": {"pepper"}},
		"POST /users/:id/state":             {"state": {"2"}},
		"POST /users/:id/mfa-token":         {"expires_in": {"3600"}},
		"POST /users/:id/roles/add":         {"role_id": {idStr(fakeonelogin.RoleIDViewers)}},
		"POST /users/:id/roles/remove":      {"role_id": {idStr(u.RoleIDs[0])}},
		"POST /users/:id/custom-attributes": {"attr." + attrs[0]: {"changed"}},
		"POST /locked/:id/unlock":           {},
		"POST /locked/bulk-unlock":          {"id": {idStr(target)}, "confirmed": {"1"}},
		"POST /locked/bulk-logout":          {"id": {idStr(target)}, "confirmed": {"1"}},
		"POST /users/:id/invite":            {"delivery": {"email"}},
		"POST /users/:id/factors/remove":    {"device_id": {idStr(admin.fake.Tenant.Devices(target)[0].ID)}},
		"POST /me/unlock":                   {},
		"POST /me/logout":                   {},
	}
	employee := newConsole(t, access.RoleEmployee, signedInAs(fakeonelogin.PersonaEmployee), withSelfUnlocks(3))
	for _, r := range admin.e.Routes() {
		key := r.Method + " " + r.Path
		a, ok := routeActions[key]
		if !ok || !a.Sensitive() || r.Method == http.MethodGet {
			continue // the forms' pages change nothing
		}
		form, ok := forms[key]
		if !ok {
			t.Errorf("%s changes accounts but has no valid form in this test", key)
			continue
		}
		c := admin
		if strings.HasPrefix(r.Path, "/me") {
			c = employee
		}
		c.audit.Fail(true)
		c.fake.Tenant.ResetCalls()
		rec := c.do(r.Method, strings.ReplaceAll(r.Path, ":id", idStr(target)), form, true)
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s with the audit trail down = %d, want 503: %.300s", key, rec.Code, rec.Body.String())
		}
		if w := writesOf(c); len(w) != 0 {
			t.Errorf("%s with the audit trail down asked OneLogin %v", key, w)
		}
	}
	if after, _ := admin.fake.Tenant.User(target); after.Status != u.Status || after.Firstname != u.Firstname {
		t.Errorf("the target changed: %+v", after)
	}
}

// writtenSince is what the trail gained between two reads: new records, and
// refusals that were counted as repeats of an earlier one.
func writtenSince(before, after []audit.Record) []audit.Record {
	var out []audit.Record
	for i, r := range after {
		if i >= len(before) || r.Repeats > before[i].Repeats {
			out = append(out, r)
		}
	}
	return out
}
