package access

import (
	"fmt"
	"strings"
)

// Subject is what the policy knows about the account an action is about.
// The handlers fill it from OneLogin (status, roles) and the audit trail
// (who placed a lock through the console).
type Subject struct {
	Email string
	// Protected is set when the person holds a role that only admins may
	// act on (HELPDESK_PROTECTED_ROLES).
	Protected bool
	// Status is OneLogin's status in words, for messages ("Suspended").
	Status string
	// Active is OneLogin's status Active: the only status a lock may start
	// from.
	Active bool
	// Locked is set when the account is locked now: status Locked, or a
	// lock end in the future whatever the status says.
	Locked bool
	// Unlockable is OneLogin's status Locked: the only status an unlock
	// may start from. OneLogin's unlock sets any account Active, so it
	// would reactivate a suspended one and wave through one whose password
	// expired or awaits a reset.
	Unlockable bool
	// NeedsPassword is a status that waits for a new password (expired,
	// awaiting a reset, pending): a password reset is what fits, not an
	// unlock.
	NeedsPassword bool
	// LockedBy is the role of whoever placed the current lock through the
	// console; RoleNone for a lock from failed sign-ins or from outside the
	// console.
	LockedBy Role
	// SignInLockout is set when OneLogin's events show the current lock
	// came from failed sign-ins, with no lock by an admin or the API since:
	// the only lock self-service may lift. The handlers fill it for
	// self-service only; unset, self-service is refused.
	SignInLockout bool
	// Contact is how the person reaches the helpdesk
	// (HELPDESK_CONTACT), named when self-service is refused.
	Contact string

	// JobStarter is who started the job a StopJob is about: only they or
	// an admin may stop it.
	JobStarter string

	// People is how many people a bulk action names, and BulkMax the most
	// its actor may name (Bulk.MaxFor); both are only for bulk actions.
	People  int
	BulkMax int
}

// Refusal is why the policy said no: Reason for the audit trail, Message
// for the person, in words they can act on.
type Refusal struct {
	Reason  string
	Message string
	// State is set when the account's state, not the actor, is why: the
	// action makes no sense now (a lock of a locked account).
	State bool
	// Offer is the action that fits the account instead, if any (a
	// password reset for an expired password).
	Offer Action
}

func (r *Refusal) Error() string { return r.Reason }

// Check decides whether actor may take action a on s. It is the one place
// that knows who may act on whom; the pages ask it too, to show only what
// would be allowed. nil means allowed.
func Check(actor Identity, a Action, s Subject) *Refusal {
	if !actor.Role.Can(a) {
		return &Refusal{Reason: "role " + actor.Role.String() + " may not " + string(a),
			Message: "Your role (" + actor.Role.String() + ") does not allow this. Ask an administrator if you need it."}
	}
	if a.onAnotherAccount() {
		if SameEmail(actor.Email, s.Email) {
			return &Refusal{Reason: "staff action on the actor's own account",
				Message: "This is your own account. Staff pages never act on their user's own account: use My account, or ask a colleague."}
		}
		if s.Protected && actor.Role < RoleAdmin {
			return &Refusal{Reason: "protected account; role " + actor.Role.String() + " may not act on it",
				Message: "Protected account: an admin must do this."}
		}
	}
	switch a {
	case BulkUnlock, BulkLogout:
		switch {
		case s.BulkMax <= 0:
			return &Refusal{Reason: "bulk jobs are not allowed for role " + actor.Role.String(),
				Message: "Only admins start bulk jobs on this console. Unlock people one by one, or ask an admin."}
		case s.People > s.BulkMax:
			return &Refusal{Reason: fmt.Sprintf("bulk job of %d people; role %s may name at most %d", s.People, actor.Role, s.BulkMax),
				Message: fmt.Sprintf("One job may name at most %d people for your role (%s); you selected %d. Select fewer and start several jobs.", s.BulkMax, actor.Role, s.People)}
		}
	case StopJob:
		if actor.Role < RoleAdmin && !SameEmail(actor.Email, s.JobStarter) {
			return &Refusal{Reason: "job started by " + s.JobStarter + "; role " + actor.Role.String() + " may stop only their own",
				Message: "Only whoever started this job, or an admin, may stop it."}
		}
	case Lock:
		if !s.Active || s.Locked {
			return &Refusal{Reason: "lock refused: account is " + s.Status, State: true,
				Message: "Only an active account can be locked; this one is " + describe(s) + "."}
		}
	case Unlock:
		if r := unlockable(s, false); r != nil {
			return r
		}
		if s.LockedBy == RoleAdmin && actor.Role < RoleAdmin {
			return &Refusal{Reason: "lock placed by an admin; role " + actor.Role.String() + " may not lift it",
				Message: "An admin locked this account through the console: only an admin can unlock it."}
		}
	case SelfUnlock:
		if r := unlockable(s, true); r != nil {
			return r
		}
		if s.LockedBy != RoleNone {
			return &Refusal{Reason: "self-service may not lift a lock placed by staff",
				Message: "Your account was locked by the IT helpdesk: contact them" + reach(s.Contact) + "."}
		}
		if !s.SignInLockout {
			return &Refusal{Reason: "self-service lifts only a lock from failed sign-ins; OneLogin's events do not show one",
				Message: "Your account was not locked by failed sign-ins, so it cannot be unlocked here: contact the IT helpdesk" + reach(s.Contact) + "."}
		}
	}
	return nil
}

// reach is how to reach the helpdesk, for the end of a sentence.
func reach(contact string) string {
	if c := strings.TrimSpace(contact); c != "" {
		return " (" + c + ")"
	}
	return ""
}

// unlockable refuses an unlock the account's status does not allow; self
// is self-service, whose words are for the account's owner.
func unlockable(s Subject, self bool) *Refusal {
	switch {
	case !s.Locked:
		return &Refusal{Reason: "unlock refused: account is not locked (" + s.Status + ")", State: true,
			Message: "The account is not locked, so there is nothing to unlock (it is " + describe(s) + ")."}
	case s.Unlockable:
		return nil
	case s.NeedsPassword && self:
		return &Refusal{Reason: "unlock refused: account is " + s.Status + "; it needs a new password", State: true, Offer: ResetPassword,
			Message: "Your account is " + describe(s) + ": it needs a new password, which an unlock would not give it. Use \"Forgot password\" on the sign-in page, or contact the IT helpdesk" + reach(s.Contact) + "."}
	case s.NeedsPassword:
		return &Refusal{Reason: "unlock refused: account is " + s.Status + "; it needs a new password", State: true, Offer: ResetPassword,
			Message: "The account is " + describe(s) + ": an unlock would set it Active and skip the new password it needs. Reset its password instead."}
	}
	return &Refusal{Reason: "unlock refused: account is " + s.Status, State: true,
		Message: "The account is " + describe(s) + ": OneLogin's unlock would set it Active (reactivate it), so the console unlocks only an account whose status is Locked. That needs OneLogin's admin portal."}
}

func describe(s Subject) string {
	if s.Locked && s.Status != "Locked" {
		return strings.ToLower(s.Status) + " and locked"
	}
	return strings.ToLower(s.Status)
}

// onAnotherAccount reports whether a is a staff action on someone's account:
// what nobody may do to themselves and what protected accounts reserve for
// admins. Reading a person's page is not such an action.
func (a Action) onAnotherAccount() bool {
	switch a {
	case Search, ViewUser, ViewAudit, CreateUser, SelfView, SelfUnlock, SelfLogout, RevokeSession, SelfSessions,
		LockedNow, BulkUnlock, BulkLogout, StopJob:
		// A bulk job names many people; each is checked as an Unlock or
		// Logout of their own when the job reaches them.
		return false
	}
	return true
}

// SameEmail compares two email addresses as the console matches people:
// exactly, after lower-casing ASCII letters only. Unicode case folding would
// make the Kelvin sign (U+212A) match a "k", and so someone else's account.
func SameEmail(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" || len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// ParseRole is the inverse of Role.String; unknown names give RoleNone. The
// audit trail stores roles by name.
func ParseRole(s string) Role {
	for r := RoleEmployee; r <= RoleAdmin; r++ {
		if r.String() == s {
			return r
		}
	}
	return RoleNone
}
