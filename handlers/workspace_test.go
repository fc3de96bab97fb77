package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
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
