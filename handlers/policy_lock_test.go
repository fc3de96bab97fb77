package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// eventsSay is a OneLogin whose event list for one person starts with
// newer events of the test's making (nil: the real list), or fails.
type eventsSay struct {
	handlers.OneLogin
	newer []client.Event
	err   error
}

func (e eventsSay) ListEvents(ctx context.Context, q client.EventQuery) ([]client.Event, client.Page, error) {
	if e.err != nil {
		return nil, client.Page{}, e.err
	}
	evs, p, err := e.OneLogin.ListEvents(ctx, q)
	return append(append([]client.Event{}, e.newer...), evs...), p, err
}

// TestSelfUnlock_onlyALockoutFromFailedSignIns: self-service lifts a lock
// only when OneLogin's events show it came from failed sign-ins, with no
// lock by an admin or the API since. A lock placed through the API or in
// OneLogin's admin pages is refused, after the person is known, with the
// helpdesk's contact; events that cannot be read refuse too. Both /me and
// the public page pass this door (unlockOwn).
func TestSelfUnlock_onlyALockoutFromFailedSignIns(t *testing.T) {
	own := fakeonelogin.PersonaEmployeeID // seeded locked by failed sign-ins
	adminLock := client.Event{ID: 1, CreatedAt: time.Now(), TypeID: client.EventLocked, UserID: own,
		ActorUserID: fakeonelogin.PersonaAdminID, ActorUserName: "Ada Admin"}
	for _, tc := range []struct {
		name   string
		events eventsSay
		api    bool // locked again through the API first
		code   int
		want   string
	}{
		{name: "failed sign-ins", code: http.StatusOK, want: "Your account is unlocked."},
		{name: "locked through the API since", api: true, code: http.StatusForbidden,
			want: "Your account was not locked by failed sign-ins, so it cannot be unlocked here: contact the IT helpdesk (ext. 4357, help.example.com)."},
		{name: "locked by an admin in OneLogin's pages since", events: eventsSay{newer: []client.Event{adminLock}}, code: http.StatusForbidden,
			want: "not locked by failed sign-ins"},
		{name: "events unreadable", events: eventsSay{err: client.ErrUnavailable}, code: http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleEmployee, signedInAs(fakeonelogin.PersonaEmployee), withSelfUnlocks(3), withConfig(func(cfg *handlers.Config) {
				cfg.Contact = "ext. 4357, help.example.com"
				ev := tc.events
				ev.OneLogin = cfg.OneLogin
				cfg.OneLogin = ev
			}))
			if tc.api && !c.fake.Tenant.Lock(own, 60) {
				t.Fatal("the fake did not lock")
			}
			c.fake.Tenant.ResetCalls()
			rec := c.do("POST", "/me/unlock", url.Values{}, true)
			if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("status %d, want %d saying %q: %.600s", rec.Code, tc.code, tc.want, rec.Body)
			}
			if tc.code == http.StatusOK {
				return
			}
			if w := actWrites(c); len(w) != 0 {
				t.Errorf("OneLogin was asked to %v", w)
			}
			if u, _ := c.fake.Tenant.User(own); u.Status != fakeonelogin.StatusLocked {
				t.Errorf("status %d, want still locked", u.Status)
			}
		})
	}
}

// statusSays is a OneLogin that reports one person with another status,
// locked until an hour from now.
type statusSays struct {
	handlers.OneLogin
	id     int64
	status client.Status
}

func (s statusSays) fix(u *client.User) {
	if u.ID == s.id {
		u.Status, u.LockedUntil = s.status, time.Now().Add(time.Hour)
	}
}

func (s statusSays) GetUser(ctx context.Context, id int64) (*client.User, error) {
	u, err := s.OneLogin.GetUser(ctx, id)
	if err == nil {
		s.fix(u)
	}
	return u, err
}

func (s statusSays) ListUsers(ctx context.Context, q client.ListUsersQuery) ([]client.User, client.Page, error) {
	us, p, err := s.OneLogin.ListUsers(ctx, q)
	for i := range us {
		s.fix(&us[i])
	}
	return us, p, err
}

// TestUnlock_onlyFromStatusLocked: OneLogin's unlock sets any account
// Active, so an account whose password expired or awaits a reset, with a
// lock end still ahead, is not unlocked (that would skip the new password
// it needs): staff are told to reset its password, the person to use
// "Forgot password" or the helpdesk, and nothing changes.
func TestUnlock_onlyFromStatusLocked(t *testing.T) {
	own := fakeonelogin.PersonaEmployeeID
	for _, st := range []client.Status{client.StatusPasswordExpired, client.StatusAwaitingReset} {
		t.Run(st.String(), func(t *testing.T) {
			c := newConsole(t, access.RoleAdmin, signedInAs("admin@example.com"), withSelfUnlocks(3), withConfig(func(cfg *handlers.Config) {
				cfg.OneLogin = statusSays{OneLogin: cfg.OneLogin, id: own, status: st}
			}))
			c.fake.Tenant.ResetCalls()
			rec := c.do("POST", actPath(own, "unlock"), url.Values{}, true)
			if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Reset its password instead") {
				t.Errorf("staff unlock: %d %.400s", rec.Code, rec.Body)
			}
			if d := doc(t, c.get("/users/"+id(own))); d.Find("[data-testid=action-bar] a[href$='/password']").Length() == 0 {
				t.Error("the person's page does not offer the password reset")
			}

			c.who = access.Identity{Email: fakeonelogin.PersonaEmployee, Role: access.RoleEmployee}
			rec = c.do("POST", "/me/unlock", url.Values{}, true)
			if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Forgot password") {
				t.Errorf("self-unlock: %d %.400s", rec.Code, rec.Body)
			}
			if w := actWrites(c); len(w) != 0 {
				t.Errorf("OneLogin was asked to %v", w)
			}
			for _, r := range c.records() {
				if r.Outcome != audit.OutcomeDenied {
					t.Errorf("record %s %s, want only refusals", r.Action, r.Outcome)
				}
			}
		})
	}
}
