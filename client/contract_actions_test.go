package client

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
)

// Contract tests for the helpdesk actions (passwords, state, lock, unlock,
// logout, temporary MFA tokens) against the fake tenant.

// fixedClock is the tenant clock of tests that compare times exactly.
func fixedClock() *fakeonelogin.ManualClock {
	return fakeonelogin.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
}

const strongPassword = "Harbour-Lights-77!"

func TestSetPassword_policyChecked(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	id := fakeonelogin.PersonaEmployeeID
	if err := c.SetPassword(t.Context(), id, strongPassword, true); err != nil {
		t.Fatal(err)
	}
	if !srv.Tenant.CheckPassword(id, strongPassword) {
		t.Error("tenant does not accept the new password")
	}
}

func TestSetPassword_weakRefusedWithoutRepeatingIt(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	err := c.SetPassword(t.Context(), fakeonelogin.PersonaEmployeeID, "weak", true)
	wantErr(t, err, ErrBadRequest, fakeonelogin.DefaultPasswordPolicy().Check("weak"), "")
	if strings.Contains(err.Error(), "weak") && !strings.Contains(fakeonelogin.DefaultPasswordPolicy().Check("weak"), "weak") {
		t.Errorf("error repeats the password: %v", err)
	}
}

func TestSetPassword_policySkipped(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	id := fakeonelogin.PersonaEmployeeID
	if err := c.SetPassword(t.Context(), id, "weak", false); err != nil {
		t.Fatalf("without validate_policy: %v", err)
	}
	if !srv.Tenant.CheckPassword(id, "weak") {
		t.Error("policy skipped, but password not set")
	}
}

func TestSetPassword_notFound(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	err := c.SetPassword(t.Context(), unknownID, strongPassword, false)
	wantErr(t, err, ErrNotFound, notFoundMsg(unknownID), "")
}

func TestSetPasswordHash(t *testing.T) {
	for _, salt := range []string{"0f1e2d3c", ""} {
		t.Run(fmt.Sprintf("salt %q", salt), func(t *testing.T) {
			srv, c := newFake(t, fakeonelogin.Options{})
			id := fakeonelogin.PersonaPasswordPendingID
			clear := "Salted-Secret-" + salt
			if err := c.SetPasswordHash(t.Context(), id, HashedPassword{Hash: HashPassword(salt, clear), Salt: salt}); err != nil {
				t.Fatal(err)
			}
			if !srv.Tenant.CheckPassword(id, clear) {
				t.Errorf("salt %q: tenant does not accept the cleartext behind the hash", salt)
			}
		})
	}
}

func TestSetPasswordHash_notHex(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	err := c.SetPasswordHash(t.Context(), fakeonelogin.PersonaPasswordPendingID, HashedPassword{Hash: "nothex"})
	wantErr(t, err, ErrBadRequest, "password should be a hex encoded SHA-256 hash", "password")
}

func TestSetState_unlicensedAndBack(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	id := fakeonelogin.PersonaEmployeeID
	if err := c.SetState(t.Context(), id, StateUnlicensed); err != nil {
		t.Fatal(err)
	}
	if s := snapshot(t, srv, id); s.State != int(StateUnlicensed) {
		t.Errorf("state %d", s.State)
	}
	if err := c.SetState(t.Context(), id, StateApproved); err != nil {
		t.Fatal(err)
	}
}

func TestSetState_refused(t *testing.T) {
	for _, tc := range []struct {
		name string
		to   State
		msg  string
	}{
		{"same state", StateUnlicensed, "user is already in this state"},
		{"unlicensed to unapproved", StateUnapproved, "state is invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newFake(t, fakeonelogin.Options{})
			id := fakeonelogin.PersonaEmployeeID
			if err := c.SetState(t.Context(), id, StateUnlicensed); err != nil {
				t.Fatal(err)
			}
			err := c.SetState(t.Context(), id, tc.to)
			wantErr(t, err, ErrBadRequest, tc.msg, "")
		})
	}
}

func TestLock_policyPeriod(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	id := fakeonelogin.PersonaHelpdeskID
	now := srv.Tenant.Clock().Now()
	if err := c.LockUser(t.Context(), id, 0); err != nil {
		t.Fatal(err)
	}
	s := snapshot(t, srv, id)
	if s.Status != int(StatusLocked) || !s.LockedUntil.Equal(now.Add(fakeonelogin.DefaultPolicyLockMinutes*time.Minute)) {
		t.Errorf("after lock: status %d until %v", s.Status, s.LockedUntil)
	}
	u, _ := c.GetUser(t.Context(), id)
	if u.Status != StatusLocked || !u.LockedUntil.Equal(s.LockedUntil) {
		t.Errorf("read back %v until %v", u.Status, u.LockedUntil)
	}
}

func TestLock_shorterThanPolicy(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	err := c.LockUser(t.Context(), fakeonelogin.PersonaHelpdeskID, 5)
	wantErr(t, err, ErrBadRequest, "locked_until should not be less than the policy lock period of 30 minutes", "")
}

func TestLock_notFound(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	err := c.LockUser(t.Context(), unknownID, 0)
	wantErr(t, err, ErrNotFound, notFoundMsg(unknownID), "")
}

func TestUnlock_v2_clearsLock(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	id := fakeonelogin.PersonaHelpdeskID
	if err := c.LockUser(t.Context(), id, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.UnlockUser(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if s := snapshot(t, srv, id); s.Status != int(StatusActive) || !s.LockedUntil.IsZero() || s.InvalidLoginAttempts != 0 {
		t.Errorf("after unlock %+v", s)
	}
}

func TestUnlock_v2_lockedWithNoEnd(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	if err := c.UnlockUser(t.Context(), fakeonelogin.PersonaEmployeeID); err != nil {
		t.Errorf("unlock persona locked with no end: %v", err)
	}
}

func TestUnlock_v2_suspendedRefused(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	err := c.UnlockUser(t.Context(), fakeonelogin.PersonaSuspendedID)
	wantErr(t, err, ErrBadRequest, "User cannot be unlocked", "")
}

func TestUnlock_v2_notFound(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	err := c.UnlockUser(t.Context(), unknownID)
	wantErr(t, err, ErrNotFound, "Not Found", "")
}

func TestLogout_endsSessions(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{})
	id := fakeonelogin.PersonaViewerID
	srv.Tenant.StartSession(id)
	srv.Tenant.StartSession(id)
	if err := c.LogoutUser(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if n := srv.Tenant.Sessions(id); n != 0 {
		t.Errorf("sessions = %d", n)
	}
}

func TestLogout_notFound(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{})
	err := c.LogoutUser(t.Context(), unknownID)
	wantErr(t, err, ErrNotFound, notFoundMsg(unknownID), "")
}

func TestMFAToken_singleUse(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	id := fakeonelogin.PersonaEmployeeID
	once, err := c.GenerateMFAToken(t.Context(), id, 10*time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	if once.Reusable || !once.ExpiresAt.Equal(srv.Tenant.Clock().Now().Add(10*time.Minute)) || once.Token == "" {
		t.Errorf("token %v (expires %v)", once, once.ExpiresAt)
	}
	if !srv.Tenant.UseMFAToken(id, once.Token) || srv.Tenant.UseMFAToken(id, once.Token) {
		t.Error("single-use token should work exactly once")
	}
}

func TestMFAToken_reusableWithDefaultLifetime(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	id := fakeonelogin.PersonaEmployeeID
	again, err := c.GenerateMFAToken(t.Context(), id, 0, true)
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
}

func TestMFAToken_refused(t *testing.T) {
	for _, tc := range []struct {
		name      string
		id        int64
		expiresIn time.Duration
		sentinel  error
		msg, attr string
	}{
		{"longer than 72h", fakeonelogin.PersonaEmployeeID, 73 * time.Hour, ErrBadRequest, "expires_in should be less than or equal to 259200", "expires_in"},
		{"unknown user", unknownID, time.Minute, ErrNotFound, notFoundMsg(unknownID), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
			_, err := c.GenerateMFAToken(t.Context(), tc.id, tc.expiresIn, false)
			wantErr(t, err, tc.sentinel, tc.msg, tc.attr)
		})
	}
}

func TestMFAToken_neverPrinted(t *testing.T) {
	_, c := newFake(t, fakeonelogin.Options{Clock: fixedClock()})
	once, err := c.GenerateMFAToken(t.Context(), fakeonelogin.PersonaEmployeeID, 10*time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.GenerateMFAToken(t.Context(), fakeonelogin.PersonaEmployeeID, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{once, *once, again} {
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, once.Token) || strings.Contains(s, again.Token) {
				t.Errorf("%s shows the MFA token: %s", verb, s)
			}
		}
	}
}
