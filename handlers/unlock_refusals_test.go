package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/fakeonelogin"
)

// ---- only what self-service may undo ----

// TestUnlock_staffLockRefusedAfterVerification: a lock a helpdesk agent
// placed through the console is never lifted by the person: the public page
// verifies them like anyone, then says to contact the helpdesk, and /me
// refuses the same way. Nothing is unlocked.
func TestUnlock_staffLockRefusedAfterVerification(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	id := fakeonelogin.PersonaNoRolesID
	if _, ok := u.fake.Tenant.Enroll(id, fakeonelogin.FactorAuthenticator); !ok {
		t.Fatal("enrol an authenticator")
	}
	u.who = access.Identity{Email: fakeonelogin.PersonaHelpdesk, Name: "Agent", Role: access.RoleHelpdesk}
	wantCode(t, u.postConfirmed("/users/"+idStr(id)+"/lock", url.Values{"minutes": {"60"}, "ticket": {"SEC-311 suspected account takeover"}}), http.StatusOK)
	u.who = access.Identity{}
	u.fake.Tenant.ResetCalls()

	b := u.browser("198.51.100.20")
	rec := b.start(fakeonelogin.PersonaNoRoles)
	if strings.Contains(strings.ToLower(rec.Body.String()), "helpdesk locked") || strings.Contains(rec.Body.String(), "SEC-311") {
		t.Fatal("the page tells who locked the account before verification")
	}
	if rec = b.choose(factorChoice(t, rec, "authenticator")); step(t, rec) != "code" {
		t.Fatalf("the staff-locked person is not asked for a code: %.500s", rec.Body.String())
	}
	rec = b.code(u.fake.Tenant.TOTP(id, u.clock.Now()))
	wantCode(t, rec, http.StatusForbidden)
	if got := textOf(doc(t, rec), "[data-testid=unlock-message]"); got != "Your account was locked by the IT helpdesk: contact them ("+testContact+")." {
		t.Errorf("after verification the page says %q", got)
	}
	if n := u.unlockCalls(id); n != 0 {
		t.Fatalf("the staff lock was lifted (%d unlock calls)", n)
	}
	recs := u.mem.Records()
	if last := recs[len(recs)-1]; last.Action != access.SelfUnlock || last.Outcome != audit.OutcomeDenied || last.ActorEmail != fakeonelogin.PersonaNoRoles {
		t.Errorf("the refusal is recorded as %+v", last)
	}

	// /me, signed in as the same person, refuses alike.
	u.who = access.Identity{Email: fakeonelogin.PersonaNoRoles, Name: "Søren", Role: access.RoleEmployee}
	rec = u.browser("198.51.100.20").do("POST", "/me/unlock", url.Values{}, "HX-Request", "true")
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Your account was locked by the IT helpdesk: contact them ("+testContact+").") {
		t.Errorf("/me/unlock of a staff lock = %d: %.500s", rec.Code, rec.Body.String())
	}
	if n := u.unlockCalls(id); n != 0 {
		t.Fatalf("/me lifted the staff lock (%d unlock calls)", n)
	}
}

// TestUnlock_lockEndedMeanwhile: a lock that ran out between the look-up
// and the code is not "unlocked": the verified person is told they can
// sign in, and OneLogin is not asked to unlock.
func TestUnlock_lockEndedMeanwhile(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	id := fakeonelogin.PersonaLockedID // locked for 20 minutes from the seed time
	u.clock.Advance(18 * time.Minute)
	b := u.browser("198.51.100.21")
	rec := b.choose(factorChoice(t, b.start(fakeonelogin.PersonaLocked), "sms"))
	if s := step(t, rec); s != "code" {
		t.Fatalf("step %q", s)
	}
	u.clock.Advance(3 * time.Minute)
	code, _ := u.fake.Tenant.LastCode(id)
	rec = b.code(code)
	wantCode(t, rec, http.StatusConflict)
	if got := textOf(doc(t, rec), "[data-testid=unlock-message]"); !strings.Contains(got, "no longer locked") {
		t.Errorf("the page says %q", got)
	}
	if n := u.unlockCalls(id); n != 0 {
		t.Errorf("%d unlock calls for an account that was no longer locked", n)
	}
}

// ---- failures and input ----

// TestUnlock_sendFails: when OneLogin fails to send a code, the page says
// so (not "code sent") and offers the ways again; nothing is unlocked and
// the failure is in the trail.
func TestUnlock_sendFails(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	id := fakeonelogin.PersonaLockedSMSID
	b := u.browser("198.51.100.70")
	rec := b.start(fakeonelogin.PersonaLockedSMS)
	u.fake.Tenant.FailNextMFA(1, http.StatusInternalServerError)
	rec = b.choose(factorChoice(t, rec, "sms"))
	wantCode(t, rec, http.StatusUnprocessableEntity)
	if s := step(t, rec); s != "choose" || !strings.HasPrefix(textOf(doc(t, rec), "[data-testid=unlock-error]"), "The code could not be sent") {
		t.Fatalf("after a failed send: step %q, the page says %q; want the ways again and that nothing was sent", s, textOf(doc(t, rec), "[data-testid=unlock-error]"))
	}
	if n := u.unlockCalls(id); n != 0 || len(u.stateTokens()) != 0 {
		t.Errorf("unlock calls %d, verifications with a token %d; want none", n, len(u.stateTokens()))
	}
	recs := u.mem.Records()
	found := false
	for _, r := range recs {
		found = found || (r.Action == access.UnlockFactor && r.Outcome == audit.OutcomeFailed && strings.HasPrefix(r.Reason, "send failed"))
	}
	if !found {
		t.Errorf("the failed send is not in the trail: %+v", recs)
	}
}

// TestUnlock_factorsUnreadable: when OneLogin cannot list a locked
// person's factors, the page answers as for an unknown account.
func TestUnlock_factorsUnreadable(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	u.fake.Tenant.FailNextMFA(1, http.StatusInternalServerError)
	rec := u.browser("198.51.100.71").start(fakeonelogin.PersonaLockedSMS)
	if s := step(t, rec); rec.Code != http.StatusOK || s != "choose" {
		t.Errorf("= %d step %q, want the factor step", rec.Code, s)
	}
}

// TestUnlock_stateTokenExpired: a code whose state token OneLogin has let
// expire asks for a new one.
func TestUnlock_stateTokenExpired(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	b := u.browser("198.51.100.72")
	b.choose(factorChoice(t, b.start(fakeonelogin.PersonaLockedSMS), "sms"))
	code, _ := u.fake.Tenant.LastCode(fakeonelogin.PersonaLockedSMSID)
	u.fake.Tenant.ExpireStateTokens()
	rec := b.code(code)
	wantCode(t, rec, http.StatusUnprocessableEntity)
	if got := textOf(doc(t, rec), "[data-testid=unlock-error]"); got != "That code has expired. Send a new one." {
		t.Errorf("the page says %q", got)
	}
	// Sending a new code works.
	if rec := b.do("POST", "/unlock/factor", url.Values{"factor": {doc(t, rec).Find("[data-testid=send-again]").AttrOr("value", "")}}); step(t, rec) != "code" {
		t.Fatalf("send a new code: %.500s", rec.Body.String())
	}
	code, _ = u.fake.Tenant.LastCode(fakeonelogin.PersonaLockedSMSID)
	if rec := b.code(code); step(t, rec) != "done" {
		t.Errorf("the new code: %.500s", rec.Body.String())
	}
}

// TestUnlock_auditUnavailable: a step that cannot be written down does not
// happen: with the trail failing, a right code neither reaches OneLogin nor
// unlocks, and a look-up is refused.
func TestUnlock_auditUnavailable(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	id := fakeonelogin.PersonaLockedTOTPID
	b := u.browser("198.51.100.75")
	b.choose(factorChoice(t, b.start(fakeonelogin.PersonaLockedTOTP), "authenticator"))
	u.audit.Fail(true)
	u.fake.Tenant.ResetCalls()
	rec := b.code(u.fake.Tenant.TOTP(id, u.clock.Now()))
	wantCode(t, rec, http.StatusServiceUnavailable)
	if w := u.writes(); len(w) != 0 {
		t.Errorf("with the trail failing the console asked OneLogin to %q", w)
	}
	if rec := u.browser("198.51.100.76").start("ghost@example.com"); rec.Code != http.StatusServiceUnavailable || len(rec.Result().Cookies()) != 0 {
		t.Errorf("a look-up with the trail failing = %d with cookies %v, want 503 and none", rec.Code, rec.Result().Cookies())
	}
}

// TestUnlock_input: bad input is answered in place and asks OneLogin
// nothing; a step without a flow starts again.
func TestUnlock_input(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	for _, login := range []string{"", "   ", "ann*", "*@example.com", "a,b", "!ann", "ann smith", strings.Repeat("a", 255)} {
		u.fake.Tenant.ResetCalls()
		rec := u.browser("198.51.100.80").start(login)
		if rec.Code != http.StatusUnprocessableEntity || doc(t, rec).Find("[data-testid=unlock-error]").Length() != 1 {
			t.Errorf("login %q = %d, want 422 with the error beside the field", login, rec.Code)
		}
		if n := len(u.fake.Tenant.Calls()); n != 0 {
			t.Errorf("login %q made %d calls", login, n)
		}
	}

	b := u.browser("198.51.100.81")
	for _, path := range []string{"/unlock/factor", "/unlock/code", "/unlock/push"} {
		rec := b.do("POST", path, url.Values{"factor": {"1"}, "code": {"123456"}})
		if rec.Code != http.StatusBadRequest || step(t, rec) != "stopped" {
			t.Errorf("%s without a flow = %d step %q, want 400 and start again", path, rec.Code, step(t, rec))
		}
	}
	b.cookie = &http.Cookie{Name: "helpdesk_unlock", Value: "made-up"}
	if rec := b.choose("1"); rec.Code != http.StatusBadRequest {
		t.Errorf("a made-up flow id = %d, want 400", rec.Code)
	}

	b = u.browser("198.51.100.82")
	rec := b.start(fakeonelogin.PersonaLockedTOTP)
	for _, choice := range []string{"0", "9", "x"} {
		if rec := b.choose(choice); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("factor %q = %d, want 422", choice, rec.Code)
		}
	}
	b.choose(factorChoice(t, rec, "authenticator"))
	for _, code := range []string{"", "12", "12345<", strings.Repeat("1", 65)} {
		if rec := b.code(code); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "letters and digits") {
			t.Errorf("code %q = %d", code, rec.Code)
		}
	}
	if n := u.fake.Tenant.CallCount("POST", "/api/1/users"); n != 0 {
		t.Errorf("malformed codes made %d verifications", n)
	}

	// The flow ends with its cookie's lifetime.
	u.clock.Advance(16 * time.Minute)
	if rec := b.code("123456"); rec.Code != http.StatusBadRequest {
		t.Errorf("a step after 16 minutes = %d, want 400 start again", rec.Code)
	}
}
