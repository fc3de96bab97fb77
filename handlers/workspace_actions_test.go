package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
)

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
