package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// protectStaff makes the fake tenant's staff roles protected, as the
// console does by default with its admin and helpdesk groups.
func protectStaff(cfg *handlers.Config) {
	cfg.ProtectedRoles = access.NewNames([]string{fakeonelogin.GroupAdmins, fakeonelogin.GroupHelpdesk}, false)
}

// accountActions are the staff actions on a person, each with a valid form,
// so that only who is acting on whom decides.
var accountActions = []struct {
	path   string
	action access.Action
	form   url.Values
}{
	{"lock", access.Lock, url.Values{"minutes": {"60"}}},
	{"logout", access.Logout, url.Values{}},
	{"password", access.ResetPassword, url.Values{"mode": {"generate"}}},
	{"password-hash", access.ImportPasswordHash, url.Values{"password_hash": {strings.Repeat("ab", 32)}}},
	{"state", access.SetState, url.Values{"state": {"2"}}},
	{"mfa-token", access.MFAToken, url.Values{"expires_in": {"600"}}},
	{"roles/add", access.AddRoles, url.Values{"role_id": {strconv.FormatInt(fakeonelogin.RoleIDViewers, 10)}}},
	{"custom-attributes", access.SetCustomAttributes, url.Values{"attr.location": {"Lyon"}}},
}

// TestRoutes_whoMayActOnWhom walks every staff action on a person for each
// staff role and each kind of target: an ordinary person, a protected one
// (holding a staff role) and the actor's own account. Refused means 403,
// one denied record and no change asked of OneLogin.
func TestRoutes_whoMayActOnWhom(t *testing.T) {
	targets := []struct {
		kind  string
		email string
		id    int64
	}{
		{"ordinary", fakeonelogin.PersonaNoRoles, fakeonelogin.PersonaNoRolesID},
		{"protected", fakeonelogin.PersonaViewer, fakeonelogin.PersonaViewerID}, // holds a staff role below
		{"self", fakeonelogin.PersonaNoRoles, fakeonelogin.PersonaNoRolesID},
	}
	for _, role := range []access.Role{access.RoleHelpdesk, access.RoleAdmin} {
		for _, target := range targets {
			for _, a := range accountActions {
				t.Run(role.String()+"/"+target.kind+"/"+a.path, func(t *testing.T) {
					actor := "staff@example.com"
					if target.kind == "self" {
						actor = target.email
					}
					c := newConsole(t, role, signedInAs(actor), withConfig(func(cfg *handlers.Config) {
						cfg.ProtectedRoles = access.NewNames([]string{fakeonelogin.GroupViewers}, false)
					}))
					c.fake.Tenant.ResetCalls()
					rec := c.do("POST", actPath(target.id, a.path), a.form, true)
					refused := !role.Can(a.action) || target.kind == "self" || target.kind == "protected" && role != access.RoleAdmin
					if !refused {
						if rec.Code == http.StatusForbidden || rec.Code >= 500 {
							t.Fatalf("status %d, want it allowed: %.300s", rec.Code, rec.Body)
						}
						return
					}
					if rec.Code != http.StatusForbidden {
						t.Fatalf("status %d, want 403: %.300s", rec.Code, rec.Body)
					}
					if w := actWrites(c); len(w) != 0 {
						t.Errorf("refused, yet OneLogin was asked to %v", w)
					}
					recs := c.records()
					if len(recs) != 1 || recs[0].Outcome != audit.OutcomeDenied || recs[0].Action != a.action || recs[0].TargetID != target.id {
						t.Errorf("records = %+v, want one denied %s", recs, a.action)
					}
					want := "Protected account: an admin must do this."
					if target.kind == "self" {
						want = "This is your own account."
					}
					if role.Can(a.action) && !strings.Contains(rec.Body.String(), want) {
						t.Errorf("the answer does not say %q: %.300s", want, rec.Body)
					}
				})
			}
		}
	}
}

// TestUserPage_protectedAccountIsReadOnlyForHelpdesk: a helpdesk agent sees
// an admin's page without action forms and with the reason; an admin sees
// the forms.
func TestUserPage_protectedAccountIsReadOnlyForHelpdesk(t *testing.T) {
	for _, tc := range []struct {
		role     access.Role
		readOnly bool
	}{{access.RoleHelpdesk, true}, {access.RoleAdmin, false}} {
		t.Run(tc.role.String(), func(t *testing.T) {
			c := newConsole(t, tc.role, withConfig(protectStaff))
			d := doc(t, c.get("/users/"+id(fakeonelogin.PersonaAdminID)))
			note := strings.TrimSpace(d.Find("[data-testid=read-only]").Text())
			forms := d.Find("[data-testid=action-bar] a[href$='/password'], [data-testid=action-bar] a[href$='/mfa-token'], [data-testid=action-bar] a[href$='/logout']").Length()
			if tc.readOnly && (note != "Protected account: an admin must do this." || forms != 0) {
				t.Errorf("note %q and %d actions offered; want the note and none", note, forms)
			}
			if !tc.readOnly && (note != "" || forms == 0) {
				t.Errorf("note %q and %d actions offered; want no note and the actions", note, forms)
			}
		})
	}
}

// TestLock_authorDecidesWhoMayLiftIt: an admin's lock through the console is
// for an admin to lift; a helpdesk agent's lock, for helpdesk or admin; the
// page says who locked the account, when, for how long and with which
// ticket.
func TestLock_authorDecidesWhoMayLiftIt(t *testing.T) {
	for _, tc := range []struct {
		lockedBy, unlockedBy access.Role
		want                 int
	}{
		{access.RoleAdmin, access.RoleHelpdesk, http.StatusForbidden},
		{access.RoleAdmin, access.RoleAdmin, http.StatusOK},
		{access.RoleHelpdesk, access.RoleHelpdesk, http.StatusOK},
		{access.RoleHelpdesk, access.RoleAdmin, http.StatusOK},
	} {
		t.Run(tc.lockedBy.String()+" lock, "+tc.unlockedBy.String()+" unlock", func(t *testing.T) {
			c := newConsole(t, tc.lockedBy, signedInAs("locker@example.com"))
			target := fakeonelogin.PersonaNoRolesID
			wantCode(t, c.doConfirmed("POST", actPath(target, "lock"), url.Values{"minutes": {"60"}, "ticket": {"SEC-311"}}, true), http.StatusOK)
			page := doc(t, c.get("/users/"+id(target)))
			line := strings.TrimSpace(page.Find("[data-testid=lock-source]").Text())
			for _, w := range []string{"Locked through the console by locker@example.com (" + tc.lockedBy.String() + ")", "for 1 hour", "ticket SEC-311"} {
				if !strings.Contains(line, w) {
					t.Errorf("lock source %q does not say %q", line, w)
				}
			}

			c.who = access.Identity{Email: "lifter@example.com", Role: tc.unlockedBy}
			c.fake.Tenant.ResetCalls()
			rec := c.do("POST", actPath(target, "unlock"), url.Values{}, true)
			if rec.Code != tc.want {
				t.Fatalf("unlock: status %d, want %d: %.300s", rec.Code, tc.want, rec.Body)
			}
			if tc.want == http.StatusForbidden {
				if !strings.Contains(rec.Body.String(), "only an admin can unlock it") {
					t.Errorf("the refusal does not say why: %.300s", rec.Body)
				}
				if w := actWrites(c); len(w) != 0 {
					t.Errorf("OneLogin was asked to %v", w)
				}
			}
		})
	}
}

// TestLock_unansweredLockKeepsItsAuthor: a console lock whose answer never
// came (unknown), or that is still awaited or was cut short by a crash
// (pending), may well be in force: it is its author's as much as one that
// succeeded. A helpdesk agent may not lift an admin's such lock, and the
// person may not lift it themselves.
func TestLock_unansweredLockKeepsItsAuthor(t *testing.T) {
	for _, outcome := range []audit.Outcome{audit.OutcomeUnknown, audit.OutcomePending} {
		t.Run(string(outcome), func(t *testing.T) {
			c := newConsole(t, access.RoleHelpdesk, signedInAs("agent@example.com"), withSelfUnlocks(3))
			target := fakeonelogin.PersonaNoRolesID
			u, _ := c.fake.Tenant.User(target)
			id, err := c.mem.Begin(context.Background(), audit.Record{ActorEmail: "admin@example.com", ActorRole: "admin",
				TargetID: target, TargetEmail: u.Email, Action: access.Lock, Params: map[string]string{"minutes": "60"}, Ticket: "SEC-311"})
			if err != nil {
				t.Fatal(err)
			}
			if outcome == audit.OutcomeUnknown {
				if err := c.mem.Complete(context.Background(), id, audit.Result{Outcome: audit.OutcomeUnknown}); err != nil {
					t.Fatal(err)
				}
			}
			c.fake.Tenant.Lock(target, 60) // the lock did reach OneLogin
			c.fake.Tenant.ResetCalls()

			rec := c.do("POST", actPath(target, "unlock"), url.Values{}, true)
			if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "only an admin can unlock it") {
				t.Errorf("helpdesk unlock of an admin's %s lock: %d %.300s", outcome, rec.Code, rec.Body)
			}
			c.who = access.Identity{Email: u.Email, Role: access.RoleEmployee}
			rec = c.do("POST", "/me/unlock", url.Values{}, true)
			if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "locked by the IT helpdesk") {
				t.Errorf("self-unlock of a %s staff lock: %d %.300s", outcome, rec.Code, rec.Body)
			}
			if w := actWrites(c); len(w) != 0 {
				t.Errorf("OneLogin was asked to %v", w)
			}
		})
	}
}

// TestSelfUnlock_neverLiftsAStaffLock: the employee verifies nothing here
// (they are signed in), but a lock the helpdesk placed stays theirs to lift.
func TestSelfUnlock_neverLiftsAStaffLock(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, signedInAs("admin@example.com"), withSelfUnlocks(3))
	own := fakeonelogin.PersonaEmployeeID
	wantCode(t, c.do("POST", actPath(own, "unlock"), url.Values{}, true), http.StatusOK)
	c.who = access.Identity{Email: "agent@example.com", Role: access.RoleHelpdesk}
	wantCode(t, c.doConfirmed("POST", actPath(own, "lock"), url.Values{"minutes": {"0"}, "ticket": {"SEC-311 suspected takeover"}}, true), http.StatusOK)

	c.who = access.Identity{Email: fakeonelogin.PersonaEmployee, Role: access.RoleEmployee}
	c.fake.Tenant.ResetCalls()
	rec := c.do("POST", "/me/unlock", url.Values{}, true)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Your account was locked by the IT helpdesk: contact them.") {
		t.Fatalf("self-unlock of a staff lock: %d %.400s", rec.Code, rec.Body)
	}
	if w := actWrites(c); len(w) != 0 {
		t.Errorf("OneLogin was asked to %v", w)
	}
	if u, _ := c.fake.Tenant.User(own); u.Status != fakeonelogin.StatusLocked {
		t.Errorf("status %d, want still locked", u.Status)
	}
}

// TestState_lockOnlyActiveUnlockOnlyLocked: a lock of someone who is not
// active, or an unlock of someone who is not locked (a suspended person
// above all: OneLogin's unlock would reactivate them), is refused with 409
// and never reaches OneLogin.
func TestState_lockOnlyActiveUnlockOnlyLocked(t *testing.T) {
	for _, tc := range []struct {
		name    string
		persona int64
		action  string
		form    url.Values
		want    string
	}{
		{"lock a suspended person", fakeonelogin.PersonaSuspendedID, "lock", url.Values{"minutes": {"60"}}, "Only an active account can be locked"},
		{"lock a locked person", fakeonelogin.PersonaLockedID, "lock", url.Values{"minutes": {"60"}}, "Only an active account can be locked"},
		{"unlock an active person", fakeonelogin.PersonaNoRolesID, "unlock", url.Values{}, "not locked"},
		{"unlock a suspended person", fakeonelogin.PersonaSuspendedID, "unlock", url.Values{}, "not locked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleAdmin)
			c.fake.Tenant.ResetCalls()
			rec := c.post(actPath(tc.persona, tc.action), tc.form)
			if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("status %d: %.300s", rec.Code, rec.Body)
			}
			if w := actWrites(c); len(w) != 0 {
				t.Errorf("OneLogin was asked to %v", w)
			}
		})
	}
}

// unlockIgnored is a OneLogin that answers an unlock 200 and does nothing.
type unlockIgnored struct{ handlers.OneLogin }

func (unlockIgnored) UnlockUser(context.Context, int64) error { return nil }

// TestUnlock_stillLockedAfterwards: OneLogin accepting an unlock is not
// proof; the console reads the account back and says so, in the page and
// the audit record.
func TestUnlock_stillLockedAfterwards(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, signedInAs("agent@example.com"), withConfig(func(cfg *handlers.Config) {
		cfg.OneLogin = unlockIgnored{cfg.OneLogin}
	}))
	rec := c.do("POST", actPath(fakeonelogin.PersonaLockedID, "unlock"), url.Values{}, true)
	if rec.Code != http.StatusConflict {
		t.Fatalf("status %d: %.300s", rec.Code, rec.Body)
	}
	if got := actNotice(t, rec); !strings.Contains(got, "OneLogin accepted the unlock, but the account is still locked.") {
		t.Errorf("notice %q", got)
	}
	r := actOneRecord(t, c)
	if r.Outcome != audit.OutcomeFailed || !strings.Contains(r.Message, "still locked") {
		t.Errorf("audit = %s %q", r.Outcome, r.Message)
	}
}

// noAnswer is a OneLogin whose changes are sent (the lock and the password
// really happen) but whose answers never come in time.
type noAnswer struct{ handlers.OneLogin }

func timedOut(op string) error { return &client.TransportError{Op: op, Err: context.DeadlineExceeded} }

func (n noAnswer) LockUser(ctx context.Context, id int64, minutes int) error {
	_ = n.OneLogin.LockUser(ctx, id, minutes)
	return timedOut("LockUser")
}

func (n noAnswer) SetPassword(ctx context.Context, id int64, pw string, validate bool) error {
	_ = n.OneLogin.SetPassword(ctx, id, pw, validate)
	return timedOut("SetPassword")
}

// TestActions_noAnswerInTimeIsUnknown: a change sent without an answer in
// time is neither success nor failure: the record says unknown, the page
// says the change may have been made and shows the account as it reads
// now, and a generated password is still shown once, marked as possibly set.
func TestActions_noAnswerInTimeIsUnknown(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, signedInAs("agent@example.com"), withConfig(func(cfg *handlers.Config) {
		cfg.OneLogin = noAnswer{cfg.OneLogin}
	}))
	target := fakeonelogin.PersonaNoRolesID
	rec := c.doConfirmed("POST", actPath(target, "lock"), url.Values{"minutes": {"60"}}, true)
	if rec.Code != http.StatusGatewayTimeout {
		t.Fatalf("lock: status %d: %.300s", rec.Code, rec.Body)
	}
	if got := actNotice(t, rec); !strings.Contains(got, "OneLogin did not answer in time; the change may have been made") {
		t.Errorf("notice %q", got)
	}
	if badge := doc(t, rec).Find("[data-testid=why-headline]").Text(); !strings.Contains(badge, "Locked") {
		t.Errorf("the page does not show the account as it reads now (locked): %q", badge)
	}
	if r := c.records()[0]; r.Outcome != audit.OutcomeUnknown {
		t.Errorf("audit outcome %s, want unknown", r.Outcome)
	}

	rec = c.doConfirmed("POST", actPath(target, "password"), url.Values{"mode": {"generate"}}, true)
	if rec.Code != http.StatusGatewayTimeout {
		t.Fatalf("password: status %d: %.300s", rec.Code, rec.Body)
	}
	d := doc(t, rec)
	pw := strings.TrimSpace(d.Find("#generated-password").Text())
	if pw == "" || !strings.Contains(d.Find("[data-testid=secret]").Text(), "possibly set") {
		t.Fatalf("the possibly-set password is not shown as such: %.500s", rec.Body)
	}
	if !c.fake.Tenant.CheckPassword(target, pw) {
		t.Error("the password shown is not the one OneLogin received")
	}
	if strings.Contains(c.logBuf.String(), pw) {
		t.Error("the password reached the log")
	}
}

// TestAudit_repeatedRefusalsAreOneRecord: one person hammering a refusal
// leaves one record with a count, not a flood.
func TestAudit_repeatedRefusalsAreOneRecord(t *testing.T) {
	c := newConsole(t, access.RoleViewer, signedInAs("viewer@example.com"))
	for range 50 {
		wantCode(t, c.do("POST", actPath(fakeonelogin.PersonaLockedID, "unlock"), url.Values{}, true), http.StatusForbidden)
		c.clock.Advance(100 * time.Millisecond)
	}
	recs := c.records()
	if len(recs) != 1 || recs[0].Outcome != audit.OutcomeDenied || recs[0].Repeats != 49 {
		t.Fatalf("records: %d, first %+v; want one denied record with 49 repeats", len(recs), recs[0])
	}
	c.clock.Advance(2 * time.Minute)
	c.do("POST", actPath(fakeonelogin.PersonaLockedID, "unlock"), url.Values{}, true)
	if n := len(c.records()); n != 2 {
		t.Errorf("a refusal after the window: %d records, want 2", n)
	}
}
