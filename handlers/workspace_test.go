package handlers_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// browserSession carries the console's cookies from answer to answer, as a
// browser does for one browser session.
type browserSession struct {
	c   *console
	jar map[string]*http.Cookie
}

func newSession(c *console) *browserSession {
	return &browserSession{c: c, jar: map[string]*http.Cookie{}}
}

func (s *browserSession) do(method, target string, form url.Values, htmx bool) *httptest.ResponseRecorder {
	s.c.t.Helper()
	req := newRequest(method, target, form, htmx)
	for _, ck := range s.jar {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	s.c.http.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(s.jar, ck.Name)
		} else {
			s.jar[ck.Name] = ck
		}
	}
	return rec
}

func (s *browserSession) get(target string) *httptest.ResponseRecorder {
	return s.do("GET", target, nil, false)
}

// ---- the person's page ----

// TestUserPage_leadsWithTheFix: the why panel holds the action that fixes
// the state: a primary Unlock inside it for a locked person, a new password
// or a set-password link for a password problem, an invitation for someone
// never activated, approval for a blocking state, and nothing where the
// console cannot help.
func TestUserPage_leadsWithTheFix(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	setState(t, c, fakeonelogin.PersonaNoRolesID, client.StateUnlicensed)
	for _, tc := range []struct {
		name    string
		id      int64
		unlock  bool
		fixes   []string // data-testid of the fix links, the first primary
		nothing bool
	}{
		{"locked", fakeonelogin.PersonaLockedID, true, nil, false},
		{"password expired", fakeonelogin.PersonaPasswordExpiredID, false, []string{"fix-password", "fix-invite"}, false},
		{"awaiting reset", fakeonelogin.PersonaAwaitingResetID, false, []string{"fix-password", "fix-invite"}, false},
		{"no password yet", fakeonelogin.PersonaPasswordPendingID, false, []string{"fix-password", "fix-invite"}, false},
		{"never activated", fakeonelogin.PersonaUnactivatedID, false, []string{"fix-invite", "fix-password"}, false},
		{"unlicensed", fakeonelogin.PersonaNoRolesID, false, []string{"fix-state"}, false},
		{"suspended", fakeonelogin.PersonaSuspendedID, false, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := doc(t, c.get("/users/"+id(tc.id)))
			why := d.Find(`#panel-status [data-testid="why"]`)
			unlock := why.Find(`form[data-testid="unlock-form"] button.primary`)
			if got := unlock.Length() == 1; got != tc.unlock {
				t.Errorf("a primary Unlock inside the why panel: %v, want %v", got, tc.unlock)
			}
			if tc.unlock && !strings.HasPrefix(strings.TrimSpace(unlock.Text()), "Unlock ") {
				t.Errorf("unlock button reads %q", unlock.Text())
			}
			var fixes []string
			why.Find(`[data-testid^="fix-"]`).Each(func(i int, s *goquery.Selection) {
				if s.Is("a") {
					fixes = append(fixes, s.AttrOr("data-testid", ""))
					if primary := s.HasClass("primary"); primary != (i == 1 || len(fixes) == 1) {
						t.Errorf("%s primary = %v", s.AttrOr("data-testid", ""), primary)
					}
					if target := s.AttrOr("hx-target", ""); target != "#action-area" {
						t.Errorf("%s opens into %q, want the action area", s.AttrOr("data-testid", ""), target)
					}
				}
			})
			if !slices.Equal(fixes, tc.fixes) {
				t.Errorf("fix links %v, want %v", fixes, tc.fixes)
			}
			if tc.nothing && (unlock.Length() != 0 || len(fixes) != 0) {
				t.Error("offers a fix the console cannot make")
			}
		})
	}
}

// TestUserPage_actionsOnDemand: the page offers each action the role
// allows as a link in the action bar and holds none of their forms; the
// link's GET is the action's panel (a fragment for htmx, a page of its own
// without JavaScript), which fits into the page without clashing ids.
func TestUserPage_actionsOnDemand(t *testing.T) {
	active := fakeonelogin.PersonaNoRolesID
	for _, tc := range []struct {
		role  access.Role
		links []string
	}{
		{access.RoleAdmin, []string{"lock", "logout", "password", "invite", "mfa-token", "state", "roles", "custom-attributes", "edit", "delete"}},
		{access.RoleHelpdesk, []string{"lock", "logout", "password", "invite", "mfa-token", "state"}},
		{access.RoleViewer, nil},
	} {
		t.Run(tc.role.String(), func(t *testing.T) {
			c := newConsole(t, tc.role)
			page := c.get("/users/" + id(active))
			wantStatus(t, page, 200)
			d := doc(t, page)
			var links []string
			d.Find(`[data-testid="action-bar"] a`).Each(func(_ int, s *goquery.Selection) {
				links = append(links, strings.TrimPrefix(s.AttrOr("data-testid", ""), "open-"))
			})
			if !slices.Equal(links, tc.links) {
				t.Errorf("action bar %v, want %v", links, tc.links)
			}
			if n := d.Find("main form").Length(); n != 0 {
				t.Errorf("the page holds %d action forms; they load on demand", n)
			}
			if d.Find("[hx-confirm]").Length() != 0 {
				t.Error("a control still asks with the browser's pop-up")
			}
			pageIDs := ids(d.Selection)
			for _, l := range tc.links {
				if l == "edit" {
					continue // a page of its own
				}
				rec := c.getHX("/users/"+id(active)+"/"+l, "action-area")
				wantStatus(t, rec, 200)
				body := strings.TrimSpace(rec.Body.String())
				if !strings.HasPrefix(body, `<section id="panel-`) || strings.Contains(body, "<html") {
					t.Errorf("%s: not just its panel: %.200s", l, body)
				}
				pd := doc(t, rec)
				if pd.Find("form[hx-post]").Length() == 0 {
					t.Errorf("%s: the panel has no form", l)
				}
				if pd.Find("[data-autofocus]").Length() != 1 {
					t.Errorf("%s: a panel just opened takes focus on its heading", l)
				}
				panelIDs := ids(pd.Selection)
				for id := range panelIDs {
					if pageIDs[id] > 0 {
						t.Errorf("%s: id %q is on the page already", l, id)
					}
				}
				pd.Find("label[for]").Each(func(_ int, s *goquery.Selection) {
					if panelIDs[s.AttrOr("for", "")] != 1 {
						t.Errorf("%s: label for %q has no input", l, s.AttrOr("for", ""))
					}
				})
				plain := c.get("/users/" + id(active) + "/" + l)
				if plain.Code != 200 || doc(t, plain).Find(`[data-testid="action-page"] form`).Length() == 0 {
					t.Errorf("%s without JavaScript: %d, want a page with the form", l, plain.Code)
				}
			}
			for id, n := range pageIDs {
				if n > 1 {
					t.Errorf("id %q appears %d times", id, n)
				}
			}
		})
	}
}

// ids counts the ids under s.
func ids(s *goquery.Selection) map[string]int {
	out := map[string]int{}
	s.Find("[id]").Each(func(_ int, e *goquery.Selection) { out[e.AttrOr("id", "")]++ })
	return out
}

// TestActions_askInsideThePage: a destructive action answers valid input
// with a question in its form (naming the person and the effect) and
// changes nothing; the question's button does it; a question answered for
// one choice does not let another through; invalid input gets its message
// and no question; an action the policy refuses is refused at once.
func TestActions_askInsideThePage(t *testing.T) {
	hash := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, action, form string
		values             url.Values
		wantQ              string
		write              string
	}{
		{"lock", "lock", "lock-form", url.Values{"minutes": {"60"}}, "Lock Søren Aalto's account for 1 hour?", "/lock_user"},
		{"log out", "logout", "logout-form", url.Values{}, "Sign Søren Aalto out of every OneLogin session?", "/logout"},
		{"generated password", "password", "password-form", url.Values{"mode": {"generate"}}, "Replace Søren Aalto's password with a generated one?", "set_password"},
		{"typed password", "password", "password-form", url.Values{"mode": {"set"}, "password": {"Aa1!aaaaaaaa"}, "password_confirmation": {"Aa1!aaaaaaaa"}},
			"Replace Søren Aalto's password with the one you typed?", "set_password"},
		{"hash", "password-hash", "password-hash-form", url.Values{"password_hash": {hash}}, "with the imported hash?", "set_password_using_salt"},
		{"reject", "state", "state-form", url.Values{"state": {"2"}}, "Reject Søren Aalto?", "/set_state"},
		{"unlicense", "state", "state-form", url.Values{"state": {"3"}}, "Unlicense Søren Aalto?", "/set_state"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleAdmin)
			target := actPath(fakeonelogin.PersonaNoRolesID, tc.action)
			c.fake.Tenant.ResetCalls()
			rec := c.post(target, tc.values)
			wantStatus(t, rec, 200)
			if got := rec.Header().Get("HX-Retarget"); got != "#"+tc.form+"-confirm" {
				t.Errorf("HX-Retarget = %q, want the form's confirmation area", got)
			}
			if got := rec.Header().Get("HX-Reswap"); got != "innerHTML" {
				t.Errorf("HX-Reswap = %q", got)
			}
			q := textOf(doc(t, rec), `[data-testid="confirm"] .confirm-question`)
			if !strings.Contains(q, tc.wantQ) {
				t.Errorf("question %q, want it to contain %q", q, tc.wantQ)
			}
			if w := actWrites(c); len(w) != 0 || len(c.records()) != 0 {
				t.Fatalf("asking changed something: writes %v, records %d", w, len(c.records()))
			}
			if strings.Contains(rec.Body.String(), "Aa1!aaaaaaaa") {
				t.Error("the question carries the typed password back")
			}
			rec = c.postConfirmed(target, tc.values)
			wantStatus(t, rec, 200)
			if w := actWrites(c); len(w) != 1 || !strings.Contains(w[0], tc.write) {
				t.Errorf("after yes: writes %v, want one %s", w, tc.write)
			}
		})
	}

	t.Run("a question answered for one choice is asked again for another", func(t *testing.T) {
		c := newConsole(t, access.RoleAdmin)
		target := actPath(fakeonelogin.PersonaNoRolesID, "state")
		token, _, _, ok := confirmBox(t, c.post(target, url.Values{"state": {"2"}}))
		if !ok {
			t.Fatal("reject did not ask")
		}
		rec := c.post(target, url.Values{"state": {"3"}, "confirmed": {token}})
		if _, _, _, asked := confirmBox(t, rec); !asked {
			t.Errorf("reject's answer let unlicense through: %d", rec.Code)
		}
		if w := actWrites(c); len(w) != 0 {
			t.Errorf("writes %v", w)
		}
	})

	t.Run("removing one role is not confirmed by another's question", func(t *testing.T) {
		c := newConsole(t, access.RoleAdmin)
		target := actPath(fakeonelogin.PersonaAdminID, "roles/remove")
		u, _ := c.fake.Tenant.User(fakeonelogin.PersonaAdminID)
		if len(u.RoleIDs) < 2 {
			t.Fatalf("want two roles, have %v", u.RoleIDs)
		}
		a, b := strconv.FormatInt(u.RoleIDs[0], 10), strconv.FormatInt(u.RoleIDs[1], 10)
		token, name, value, ok := confirmBox(t, c.post(target, url.Values{"role_id": {a}}))
		if !ok || name != "role_id" || value != a {
			t.Fatalf("question button %s=%s, want role_id=%s", name, value, a)
		}
		if _, _, _, asked := confirmBox(t, c.post(target, url.Values{"role_id": {b}, "confirmed": {token}})); !asked {
			t.Error("the question about one role removed another")
		}
		if w := actWrites(c); len(w) != 0 {
			t.Errorf("writes %v", w)
		}
	})

	t.Run("invalid input is not asked about", func(t *testing.T) {
		c := newConsole(t, access.RoleAdmin)
		rec := c.post(actPath(fakeonelogin.PersonaNoRolesID, "password"), url.Values{"mode": {"set"}, "password": {"x"}, "password_confirmation": {"y"}})
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		if _, _, _, asked := confirmBox(t, rec); asked {
			t.Error("asked about input that is not valid")
		}
	})

	t.Run("what the policy refuses is refused at once", func(t *testing.T) {
		c := newConsole(t, access.RoleHelpdesk)
		rec := c.post(actPath(fakeonelogin.PersonaLockedID, "lock"), url.Values{"minutes": {"60"}})
		wantStatus(t, rec, http.StatusConflict)
		if _, _, _, asked := confirmBox(t, rec); asked {
			t.Error("asked about a lock the policy refuses")
		}
	})

	t.Run("not destructive: no question", func(t *testing.T) {
		c := newConsole(t, access.RoleAdmin)
		setState(t, c, fakeonelogin.PersonaNoRolesID, client.StateRejected)
		for _, p := range []struct {
			action string
			values url.Values
		}{
			{"mfa-token", url.Values{"expires_in": {"600"}}},
			{"state", url.Values{"state": {"1"}}},
			{"roles/add", url.Values{"role_id": {id(fakeonelogin.RoleIDViewers)}}},
		} {
			rec := c.post(actPath(fakeonelogin.PersonaNoRolesID, p.action), p.values)
			if _, _, _, asked := confirmBox(t, rec); asked || rec.Code != 200 {
				t.Errorf("%s: %d, asked %v", p.action, rec.Code, asked)
			}
		}
	})

	t.Run("without JavaScript the question is a page", func(t *testing.T) {
		c := newConsole(t, access.RoleHelpdesk)
		rec := c.do("POST", actPath(fakeonelogin.PersonaNoRolesID, "logout"), url.Values{}, false)
		wantStatus(t, rec, 200)
		d := doc(t, rec)
		if d.Find(`[data-testid="action-page"] form[data-testid="logout-form"] [data-testid="confirm"]`).Length() != 1 {
			t.Errorf("no question inside the form on a page: %.300s", rec.Body)
		}
		rec = c.doConfirmed("POST", actPath(fakeonelogin.PersonaNoRolesID, "logout"), url.Values{}, false)
		if rec.Code != http.StatusSeeOther || len(actWrites(c)) != 1 {
			t.Errorf("yes without JavaScript: %d, writes %v", rec.Code, actWrites(c))
		}
	})
}

// TestActions_answerRefreshesThePage: after an action, the answer brings
// the whole page up to date out of band: the why panel and the header's
// badge, the profile and the history (which used to keep saying "Nothing
// blocks sign-in" after an unlicense, and "No helpdesk actions yet").
func TestActions_answerRefreshesThePage(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	target := fakeonelogin.PersonaNoRolesID
	rec := c.postConfirmed(actPath(target, "state"), url.Values{"state": {"3"}, "ticket": {"INC-5"}})
	wantStatus(t, rec, 200)
	d := doc(t, rec)
	status := d.Find(`section#panel-status[hx-swap-oob="true"]`)
	if got := textOf(d, `section#panel-status [data-testid="why-headline"]`); status.Length() != 1 || got != "Unlicensed" {
		t.Errorf("out-of-band why panel %d, headline %q, want Unlicensed", status.Length(), got)
	}
	if d.Find(`#user-status-badge[hx-swap-oob="true"]`).Length() != 1 {
		t.Error("no out-of-band header badge")
	}
	history := d.Find(`section#panel-history[hx-swap-oob="true"] [data-testid="history-item"]`)
	if first := strings.Join(strings.Fields(history.First().Text()), " "); !strings.Contains(first, "Unlicensed") || !strings.Contains(first, "INC-5") {
		t.Errorf("newest history item %q, want the unlicense with its ticket", first)
	}
	if d.Find(`section#panel-profile[hx-swap-oob="true"]`).Length() != 1 {
		t.Error("no out-of-band profile")
	}
	// The action's own panel leads, without the out-of-band mark.
	if d.Find(`section#panel-state`).AttrOr("hx-swap-oob", "") != "" {
		t.Error("the action's panel is marked out of band")
	}

	// A role given shows in the profile at once.
	rec = c.post(actPath(target, "roles/add"), url.Values{"role_id": {id(fakeonelogin.RoleIDViewers)}})
	wantStatus(t, rec, 200)
	if roles := textOf(doc(t, rec), `section#panel-profile[hx-swap-oob] [data-testid="roles"]`); !strings.Contains(roles, fakeonelogin.GroupViewers) {
		t.Errorf("profile roles %q after adding %s", roles, fakeonelogin.GroupViewers)
	}

	// Unlock answers the status panel itself: it is not repeated.
	rec = c.post(actPath(fakeonelogin.PersonaLockedID, "unlock"), url.Values{})
	wantStatus(t, rec, 200)
	d = doc(t, rec)
	if n := d.Find("#panel-status").Length(); n != 1 {
		t.Errorf("%d status panels in the unlock's answer", n)
	}
	for id, n := range ids(d.Selection) {
		if n > 1 {
			t.Errorf("id %q %d times in one answer", id, n)
		}
	}
}

// TestUserPage_namesNotNumbers: the manager by name with a link (asked for
// after the page, then cached), Open in OneLogin when configured, copy
// buttons for email, username and id, and an email that breaks only before
// its @ or a dot.
func TestUserPage_namesNotNumbers(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, signedInAs("agent@example.com"), withConfig(func(cfg *handlers.Config) {
		cfg.OneLoginUserURL = "https://acme.onelogin.com/users/{id}/edit"
	}))
	target := fakeonelogin.PersonaLockedID
	d := doc(t, c.get("/users/"+id(target)))
	link := d.Find(`#panel-profile [data-testid="manager-link"]`)
	if link.AttrOr("href", "") != "/users/"+id(fakeonelogin.PersonaAdminID) || link.AttrOr("hx-get", "") != "/users/"+id(fakeonelogin.PersonaAdminID)+"/name" {
		t.Errorf("manager link %s", outer(link))
	}
	c.fake.Tenant.ResetCalls()
	rec := c.getHX("/users/"+id(fakeonelogin.PersonaAdminID)+"/name", "")
	wantStatus(t, rec, 200)
	if got := textOf(doc(t, rec), `a[data-testid="manager-link"]`); got != "Priya Raman" {
		t.Errorf("manager name %q", got)
	}
	c.fake.Tenant.ResetCalls()
	d = doc(t, c.get("/users/"+id(target)))
	if got := textOf(d, `#panel-profile [data-testid="manager-link"]`); got != "Priya Raman" {
		t.Errorf("second page: manager %q, want the cached name", got)
	}
	if n := c.fake.Tenant.CallCount("GET", "/api/1/users/"+id(fakeonelogin.PersonaAdminID)); n != 0 {
		t.Errorf("the cached name was read again (%d calls)", n)
	}
	if href := d.Find(`[data-testid="open-onelogin"]`).AttrOr("href", ""); href != "https://acme.onelogin.com/users/"+id(target)+"/edit" {
		t.Errorf("Open in OneLogin = %q", href)
	}
	copies := []string{"user-email", "user-id"}
	if d.Find("#user-username").Length() > 0 { // shown when it differs from the email
		copies = append(copies, "user-username")
	}
	for _, what := range copies {
		button := d.Find(`button[data-copy="#` + what + `"]`)
		if button.Length() != 1 || d.Find("#"+what).Length() != 1 {
			t.Errorf("no copy button for #%s", what)
		}
	}
	if html, _ := d.Find(`[data-testid="user-email"]`).Html(); html != "marguerite<wbr/>.dubois<wbr/>@example<wbr/>.com" {
		t.Errorf("email markup %q, want break points before the dots and the @ only", html)
	}

	plain := newConsole(t, access.RoleHelpdesk)
	if doc(t, plain.get("/users/"+id(target))).Find(`[data-testid="open-onelogin"]`).Length() != 0 {
		t.Error("Open in OneLogin shown without HELPDESK_ONELOGIN_USER_URL")
	}
}

func outer(s *goquery.Selection) string {
	h, _ := goquery.OuterHtml(s)
	return h
}

// ---- the working ticket ----

// TestTicket_setOnceCarriedIntoEveryAction: the ticket set in the ticket
// bar starts every action form, is recorded with an action whose form
// leaves the field empty, can be changed for one action, satisfies
// HELPDESK_REQUIRE_TICKET, belongs to the person who set it, and clears.
func TestTicket_setOnceCarriedIntoEveryAction(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, signedInAs(fakeonelogin.PersonaHelpdesk), withConfig(func(cfg *handlers.Config) { cfg.RequireTicket = true }))
	s := newSession(c)
	rec := s.do("POST", "/ticket", url.Values{"ticket": {"INC-123"}}, true)
	wantStatus(t, rec, 200)
	if v := doc(t, rec).Find(`#ticket-bar input[name="ticket"]`).AttrOr("value", ""); v != "INC-123" {
		t.Errorf("the ticket bar shows %q", v)
	}
	if trig := rec.Header().Get("HX-Trigger"); !strings.Contains(trig, "ticket-changed") || !strings.Contains(trig, "INC-123") {
		t.Errorf("HX-Trigger = %q", trig)
	}

	locked := fakeonelogin.PersonaLockedID
	d := doc(t, s.get("/users/"+id(locked)))
	if v := d.Find(`#unlock-ticket`).AttrOr("value", ""); v != "INC-123" {
		t.Errorf("the unlock form's ticket starts as %q", v)
	}
	if v := doc(t, s.do("GET", actPath(fakeonelogin.PersonaNoRolesID, "lock"), nil, true)).Find("#lock-ticket").AttrOr("value", ""); v != "INC-123" {
		t.Errorf("the lock panel's ticket starts as %q", v)
	}

	// Required tickets: the working ticket is enough; the field may be empty.
	wantStatus(t, s.do("POST", actPath(locked, "unlock"), url.Values{"ticket": {""}}, true), 200)
	// Changed for one action.
	rec = s.do("POST", actPath(fakeonelogin.PersonaNoRolesID, "mfa-token"), url.Values{"expires_in": {"600"}, "ticket": {"INC-9"}}, true)
	wantStatus(t, rec, 200)
	recs := c.records()
	if len(recs) != 2 || recs[0].Ticket != "INC-123" || recs[1].Ticket != "INC-9" {
		t.Fatalf("tickets recorded: %+v", recs)
	}

	// Someone else in the same browser does not inherit it.
	c.who = access.Identity{Email: fakeonelogin.PersonaAdmin, Role: access.RoleAdmin}
	if v := doc(t, s.get("/users/"+id(fakeonelogin.PersonaNoRolesID))).Find(`#working-ticket`).AttrOr("value", ""); v != "" {
		t.Errorf("another person sees the ticket %q", v)
	}
	c.who = access.Identity{Email: fakeonelogin.PersonaHelpdesk, Role: access.RoleHelpdesk}

	// Too long: refused beside the field, the old ticket stays.
	rec = s.do("POST", "/ticket", url.Values{"ticket": {strings.Repeat("x", 201)}}, true)
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if textOf(doc(t, rec), "#working-ticket-error") == "" {
		t.Error("no message beside the ticket bar")
	}
	if v := doc(t, s.get("/users?q=")).Find("#working-ticket").AttrOr("value", ""); v != "INC-123" {
		t.Errorf("after a refused change the ticket is %q", v)
	}

	// Cleared: actions need their own again.
	wantStatus(t, s.do("POST", "/ticket", url.Values{"ticket": {"INC-123"}, "clear": {"1"}}, true), 200)
	rec = s.do("POST", actPath(fakeonelogin.PersonaNoRolesID, "mfa-token"), url.Values{"expires_in": {"600"}}, true)
	wantStatus(t, rec, http.StatusUnprocessableEntity)

	// Without JavaScript the bar posts and comes back to the page, never elsewhere.
	for back, want := range map[string]string{"/users/" + id(locked): "/users/" + id(locked), "//evil.example/x": "/users", "https://evil.example": "/users"} {
		rec = s.do("POST", "/ticket", url.Values{"ticket": {"INC-1"}, "back": {back}}, false)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
			t.Errorf("back=%q: %d to %q, want %s", back, rec.Code, rec.Header().Get("Location"), want)
		}
	}
}

// ---- the agent's own trail ----

// TestHome_recentPeopleAndOwnActions: before a search, the page lists the
// last ten people opened in this session, newest first, and the signed-in
// person's own recent actions in words (not a colleague's whose email
// merely contains theirs).
func TestHome_recentPeopleAndOwnActions(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	s := newSession(c)
	users := c.fake.Tenant.Persons()
	if len(users) < 12 {
		t.Fatalf("tenant: %d users", len(users))
	}
	for _, u := range users[:12] {
		wantStatus(t, s.get("/users/"+id(u.ID)), 200)
	}
	wantStatus(t, s.get("/users/"+id(users[5].ID)), 200) // again: to the top, once
	d := doc(t, s.get("/users"))
	var got []string
	d.Find(`[data-testid="recent-person"]`).Each(func(_ int, e *goquery.Selection) { got = append(got, e.AttrOr("href", "")) })
	want := []string{"/users/" + id(users[5].ID)}
	for i := 11; len(want) < 10; i-- {
		if i != 5 {
			want = append(want, "/users/"+id(users[i].ID))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("recent people %v\nwant %v", got, want)
	}
	if other := newSession(c); doc(t, other.get("/users")).Find(`[data-testid="recent-person"]`).Length() != 0 {
		t.Error("a new session starts with recent people")
	}

	ctx := context.Background()
	for _, r := range []audit.Record{
		{ActorEmail: "staff@example.com", ActorRole: "helpdesk", TargetID: 7, TargetName: "Jane Doe", Action: access.Unlock,
			Ticket: "INC-123", Outcome: audit.OutcomeSucceeded},
		{ActorEmail: "other.staff@example.com", ActorRole: "helpdesk", TargetID: 8, TargetName: "Not Mine", Action: access.Unlock,
			Outcome: audit.OutcomeSucceeded},
	} {
		if _, err := c.mem.Begin(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	mine := doc(t, s.get("/users")).Find(`[data-testid="my-action"]`)
	if mine.Length() != 1 {
		t.Fatalf("%d own actions, want 1", mine.Length())
	}
	if text := strings.Join(strings.Fields(mine.Text()), " "); !strings.Contains(text, "Unlocked Jane Doe · ticket INC-123 · OneLogin confirmed") {
		t.Errorf("own action reads %q", text)
	}
}

// ---- set-password links ----

// TestInvite_insteadOfReadingAPasswordAloud: OneLogin mails the link to
// the person (or another address), or makes one shown once; both are
// audited, and the link is nowhere but the page that shows it.
func TestInvite_insteadOfReadingAPasswordAloud(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	target := fakeonelogin.PersonaUnactivatedID
	email := fakeonelogin.PersonaUnactivated

	rec := c.post(actPath(target, "invite"), url.Values{"delivery": {"email"}, "ticket": {"INC-31"}})
	wantStatus(t, rec, 200)
	if got := actNotice(t, rec); got != "OneLogin mailed Aarav Shah a set-password link at "+email+"." {
		t.Errorf("notice %q", got)
	}
	if inbox := c.fake.Tenant.Inbox(target); len(inbox) != 1 || inbox[0].To != email || inbox[0].Link == "" {
		t.Errorf("inbox %+v", inbox)
	}

	rec = c.post(actPath(target, "invite"), url.Values{"delivery": {"email"}, "personal_email": {"aarav@home.example"}})
	wantStatus(t, rec, 200)
	if inbox := c.fake.Tenant.Inbox(target); len(inbox) != 2 || inbox[0].To != "aarav@home.example" {
		t.Errorf("inbox %+v", inbox)
	}

	rec = c.post(actPath(target, "invite"), url.Values{"delivery": {"link"}})
	wantStatus(t, rec, 200)
	link := textOf(doc(t, rec), "#invite-link")
	if !strings.Contains(link, "/password/reset?token=") {
		t.Fatalf("link shown %q", link)
	}
	if inv := c.fake.Tenant.Invites(target); len(inv) != 3 || inv[0].Link != link || inv[0].SentTo != "" {
		t.Errorf("the link shown is not the one OneLogin made: %+v", inv)
	}

	recs := c.records()
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	for i, want := range []map[string]string{
		{"delivery": "email", "sent_to": email}, {"delivery": "email", "sent_to": "aarav@home.example"}, {"delivery": "link"},
	} {
		if r := recs[i]; r.Action != access.InviteLink || r.Outcome != audit.OutcomeSucceeded || !sameParams(r.Params, want) {
			t.Errorf("record %d = %+v, want params %v", i, r, want)
		}
	}
	if recs[0].Ticket != "INC-31" {
		t.Errorf("ticket %q", recs[0].Ticket)
	}
	token := link[strings.Index(link, "token=")+len("token="):]
	for where, s := range map[string]string{"log": c.logBuf.String(), "page": c.get("/users/" + id(target)).Body.String()} {
		if strings.Contains(s, token) {
			t.Errorf("the link's token is in the %s", where)
		}
	}

	c.fake.Tenant.ResetCalls()
	rec = c.post(actPath(target, "invite"), url.Values{"delivery": {"email"}, "personal_email": {"not an email"}})
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if textOf(doc(t, rec), `[data-testid="error-personal_email"]`) == "" || len(actWrites(c)) != 0 {
		t.Errorf("a bad address was not refused beside the field before OneLogin")
	}
}

// setState changes a person's state at the fake tenant, as OneLogin's own
// admin pages would.
func setState(t *testing.T, c *console, id int64, st client.State) {
	t.Helper()
	ol, err := client.New(c.fake.URL, c.fake.ClientID, c.fake.ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := ol.SetState(context.Background(), id, st); err != nil {
		t.Fatal(err)
	}
}

func sameParams(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// TestProfile_createSetsUpTheAccount: the create form gives the new person
// roles, a manager found by email and a mailed invitation, each its own
// audited action after the creation; the new page says so once. A manager
// nobody has is refused before anything is created.
func TestProfile_createSetsUpTheAccount(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	s := newSession(c)
	form := url.Values{"firstname": {"Nadia"}, "lastname": {"Kowalczyk"}, "email": {"nadia.k@example.com"}, "ticket": {"HR-7"},
		"manager_email": {fakeonelogin.PersonaAdmin}, "role_id": {id(fakeonelogin.RoleIDViewers)}, "invite": {"true"}}

	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("manager_email", "nobody.here@example.com")
	rec := s.do("POST", "/users", bad, false)
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if textOf(doc(t, rec), `[data-testid="error-manager_email"]`) == "" || len(actWrites(c)) != 0 {
		t.Fatalf("an unknown manager was not refused before the creation")
	}

	rec = s.do("POST", "/users", form, false)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create: %d %.300s", rec.Code, rec.Body)
	}
	u, ok := c.fake.Tenant.FindByEmail("nadia.k@example.com")
	if !ok {
		t.Fatal("not created")
	}
	if u.ManagerUserID != fakeonelogin.PersonaAdminID {
		t.Errorf("manager %v, want %d", u.ManagerUserID, fakeonelogin.PersonaAdminID)
	}
	if !slices.Equal(u.RoleIDs, []int64{fakeonelogin.RoleIDViewers}) {
		t.Errorf("roles %v", u.RoleIDs)
	}
	if inbox := c.fake.Tenant.Inbox(u.ID); len(inbox) != 1 || inbox[0].To != "nadia.k@example.com" {
		t.Errorf("inbox %+v", inbox)
	}
	var actions []string
	for _, r := range c.records() {
		if r.TargetID != u.ID || r.Outcome != audit.OutcomeSucceeded || r.Ticket != "HR-7" {
			t.Errorf("record %+v", r)
		}
		actions = append(actions, string(r.Action))
	}
	if want := []string{"create_user", "update_user", "add_roles", "invite_link"}; !slices.Equal(actions, want) {
		t.Errorf("records %v, want %v", actions, want)
	}
	page := doc(t, s.get(rec.Header().Get("Location")))
	if n := textOf(page, `[data-testid="notice"]`); !strings.Contains(n, "Created this account") {
		t.Errorf("notice %q", n)
	}
	if n := doc(t, s.get(rec.Header().Get("Location"))).Find(`[data-testid="notice"]`).Length(); n != 0 {
		t.Error("the notice came back on the next visit")
	}
}

// TestWorkspaceCookies_tamperedAreIgnored: the working-ticket and
// recent-people cookies are signed; one edited in the browser, written
// unsigned, signed by another console or moved to the other cookie's name
// is ignored, as if absent.
func TestWorkspaceCookies_tamperedAreIgnored(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, signedInAs(fakeonelogin.PersonaHelpdesk))
	s := newSession(c)
	wantStatus(t, s.do("POST", "/ticket", url.Values{"ticket": {"INC-123"}}, true), 200)
	wantStatus(t, s.get("/users/"+id(fakeonelogin.PersonaLockedID)), 200)
	ticket, recent := s.jar["helpdesk_ticket"], s.jar["helpdesk_recent"]
	if ticket == nil || recent == nil {
		t.Fatalf("cookies set: %v", s.jar)
	}
	seen := func(jar map[string]*http.Cookie) (string, int) {
		s.jar = jar
		d := doc(t, s.get("/users"))
		return d.Find("#working-ticket").AttrOr("value", ""), d.Find(`[data-testid="recent-person"]`).Length()
	}
	if tk, n := seen(map[string]*http.Cookie{"helpdesk_ticket": ticket, "helpdesk_recent": recent}); tk != "INC-123" || n != 1 {
		t.Fatalf("as written: ticket %q, %d recent people", tk, n)
	}

	encode := func(v string) string { return base64.RawURLEncoding.EncodeToString([]byte(v)) }
	payload, sig, _ := strings.Cut(ticket.Value, ".")
	forged := encode(`{"e":"` + fakeonelogin.PersonaHelpdesk + `","t":"INC-666"}`)
	other := newConsole(t, access.RoleHelpdesk, signedInAs(fakeonelogin.PersonaHelpdesk))
	elsewhere := newSession(other)
	wantStatus(t, elsewhere.do("POST", "/ticket", url.Values{"ticket": {"INC-666"}}, true), 200)
	for name, value := range map[string]string{
		"edited":             forged + "." + sig,
		"unsigned":           forged,
		"signature cut":      payload + ".",
		"another console's":  elsewhere.jar["helpdesk_ticket"].Value,
		"the other cookie's": recent.Value,
		"signature rotated":  payload + "." + sig[1:] + sig[:1],
	} {
		t.Run(name, func(t *testing.T) {
			jar := map[string]*http.Cookie{"helpdesk_ticket": {Name: "helpdesk_ticket", Value: value}}
			if name == "the other cookie's" {
				jar = map[string]*http.Cookie{"helpdesk_recent": {Name: "helpdesk_recent", Value: ticket.Value}, "helpdesk_ticket": {Name: "helpdesk_ticket", Value: value}}
			}
			if tk, n := seen(jar); tk != "" || n != 0 {
				t.Errorf("ticket %q and %d recent people from a cookie the console did not write", tk, n)
			}
		})
	}
}
