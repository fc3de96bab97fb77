package access

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	admin := Identity{Email: "ada@example.com", Role: RoleAdmin}
	agent := Identity{Email: "hal@example.com", Role: RoleHelpdesk}
	viewer := Identity{Email: "vera@example.com", Role: RoleViewer}
	employee := Identity{Email: "emil@example.com", Role: RoleEmployee}

	active := Subject{Email: "bob@example.com", Status: "Active", Active: true, Unlockable: true}
	locked := Subject{Email: "bob@example.com", Status: "Locked", Locked: true, Unlockable: true}
	protected := active
	protected.Protected = true
	lockedByAdmin, lockedByAgent := locked, locked
	lockedByAdmin.LockedBy, lockedByAgent.LockedBy = RoleAdmin, RoleHelpdesk
	suspendedWithLock := Subject{Email: "bob@example.com", Status: "Suspended", Locked: true}
	activeButLockedUntil := Subject{Email: "bob@example.com", Status: "Active", Active: true, Locked: true}
	expiredButLockedUntil := Subject{Email: "bob@example.com", Status: "Password expired", Locked: true, NeedsPassword: true}
	self := active
	self.Email = "HAL@example.com"
	selfLocked := Subject{Email: "emil@example.com", Status: "Locked", Locked: true, Unlockable: true, SignInLockout: true}
	selfLockedOutside := selfLocked
	selfLockedOutside.SignInLockout, selfLockedOutside.Contact = false, "ext. 4357"
	selfExpired := expiredButLockedUntil
	selfExpired.Email, selfExpired.Contact = "emil@example.com", "ext. 4357"
	selfLockedByStaff := selfLocked
	selfLockedByStaff.LockedBy = RoleHelpdesk

	tests := []struct {
		name  string
		actor Identity
		a     Action
		s     Subject
		want  string // part of the refusal's message; "" means allowed
	}{
		{"helpdesk locks an active person", agent, Lock, active, ""},
		{"viewer may not lock", viewer, Lock, active, "does not allow"},
		{"helpdesk may not act on a protected account", agent, ResetPassword, protected, "Protected account: an admin must do this."},
		{"helpdesk may not mint a token for a protected account", agent, MFAToken, protected, "Protected account"},
		{"helpdesk may read a protected account", agent, ViewUser, protected, ""},
		{"admin acts on a protected account", admin, ResetPassword, protected, ""},
		{"nobody resets their own password on staff pages", agent, ResetPassword, self, "your own account"},
		{"not even an admin changes their own roles", Identity{Email: "bob@example.com", Role: RoleAdmin}, AddRoles, active, "your own account"},
		{"own state", agent, SetState, self, "your own account"},
		{"lock only an active account", agent, Lock, suspendedWithLock, "Only an active account can be locked"},
		{"lock not a locked account", agent, Lock, locked, "Only an active account"},
		{"lock not an active account locked until later", agent, Lock, activeButLockedUntil, "Only an active account"},
		{"unlock only a locked account", agent, Unlock, active, "not locked"},
		{"unlock only a Locked status, not an active one locked until later", agent, Unlock, activeButLockedUntil, "only an account whose status is Locked"},
		{"unlock never waves an expired password through", admin, Unlock, expiredButLockedUntil, "Reset its password instead"},
		{"self-service never waves an expired password through", employee, SelfUnlock, selfExpired, "Forgot password\" on the sign-in page, or contact the IT helpdesk (ext. 4357)"},
		{"self-service lifts no lock placed outside failed sign-ins", employee, SelfUnlock, selfLockedOutside, "not locked by failed sign-ins, so it cannot be unlocked here: contact the IT helpdesk (ext. 4357)"},
		{"unlock never reactivates a suspended account", admin, Unlock, suspendedWithLock, "reactivate"},
		{"helpdesk lifts a helpdesk lock", agent, Unlock, lockedByAgent, ""},
		{"admin lifts a helpdesk lock", admin, Unlock, lockedByAgent, ""},
		{"helpdesk may not lift an admin's lock", agent, Unlock, lockedByAdmin, "only an admin can unlock it"},
		{"admin lifts an admin's lock", admin, Unlock, lockedByAdmin, ""},
		{"self-service lifts a lock from failed sign-ins", employee, SelfUnlock, selfLocked, ""},
		{"helpdesk stops their own job", agent, StopJob, Subject{JobStarter: "HAL@example.com"}, ""},
		{"helpdesk may not stop an admin's job", agent, StopJob, Subject{JobStarter: "ada@example.com"}, "Only whoever started this job, or an admin"},
		{"admin stops anyone's job", admin, StopJob, Subject{JobStarter: "hal@example.com"}, ""},
		{"self-service never lifts a staff lock", employee, SelfUnlock, selfLockedByStaff, "locked by the IT helpdesk"},
		{"self-service unlocks nothing that is not locked", employee, SelfUnlock, Subject{Email: "emil@example.com", Status: "Active", Active: true, Unlockable: true}, "not locked"},
		{"self-service never touches a suspended account", employee, SelfUnlock, Subject{Email: "emil@example.com", Status: "Suspended", Locked: true}, "reactivate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Check(tc.actor, tc.a, tc.s)
			switch {
			case tc.want == "" && r != nil:
				t.Errorf("refused: %s (%s)", r.Message, r.Reason)
			case tc.want != "" && r == nil:
				t.Errorf("allowed; want a refusal saying %q", tc.want)
			case tc.want != "" && !strings.Contains(r.Message, tc.want):
				t.Errorf("refusal %q does not say %q", r.Message, tc.want)
			}
		})
	}
}

func TestSameEmail(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"jonas.becker@example.com", "Jonas.Becker@EXAMPLE.com", true},
		{" jonas@example.com ", "jonas@example.com", true},
		{"kim@example.com", "\u212aim@example.com", false}, // Kelvin sign
		{"ſam@example.com", "sam@example.com", false},      // long s
		{"", "", false},
		{"a@example.com", "b@example.com", false},
	}
	for _, tc := range tests {
		if got := SameEmail(tc.a, tc.b); got != tc.want {
			t.Errorf("SameEmail(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
