package views

import (
	"strconv"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
)

// Policy is what the people's OneLogin policy accepts, as the settings
// declare it (OneLogin's API does not say): forms offer only that, so
// staff do not learn it from a refusal.
type Policy struct {
	// LockMinutes is the policy's "lock effective period"; 0: none.
	LockMinutes int
	// PasswordMinLength is the shortest password it accepts; 0: unchecked.
	PasswordMinLength int
}

// LockPeriods are the lock choices the policy accepts: its own period and
// nothing shorter (OneLogin refuses a shorter lock).
func (p Policy) LockPeriods() []LockPeriod {
	out := make([]LockPeriod, 0, len(LockPeriods))
	for _, lp := range LockPeriods {
		switch {
		case lp.Minutes == 0 && p.LockMinutes > 0:
			lp.Label = "The policy's period (" + minutesWords(p.LockMinutes) + ")"
		case lp.Minutes != 0 && lp.Minutes < p.LockMinutes:
			continue
		}
		out = append(out, lp)
	}
	return out
}

// PasswordTooShort is the message for a typed password the policy would
// refuse for its length, or "" when it is long enough.
func (p Policy) PasswordTooShort(runes int) string {
	if runes >= p.PasswordMinLength {
		return ""
	}
	return "OneLogin's password policy needs at least " + strconv.Itoa(p.PasswordMinLength) + " characters; this one has " + strconv.Itoa(runes) + "."
}

// minutesWords says a period in minutes the way people do: "30 minutes",
// "2 hours", "1 day".
func minutesWords(m int) string {
	switch {
	case m%(24*60) == 0:
		return countWords(m/(24*60), "day", "days")
	case m%60 == 0:
		return countWords(m/60, "hour", "hours")
	}
	return countWords(m, "minute", "minutes")
}

// adminMustUnlock says the signed-in staff member may unlock people but
// not this one: a protected account, or a lock an admin placed.
func adminMustUnlock(p Page, s access.Subject) bool {
	if !p.SignedIn || !p.Identity.Role.Can(access.Unlock) {
		return false
	}
	r := access.Check(p.Identity, access.Unlock, s)
	return r != nil && !r.State
}

// Fix is the why panel's "what to do" for whoever reads it: for a lock
// they may not lift, an admin or the lock's end rather than an Unlock they
// do not have.
func (v UserView) Fix(why SignIn) string {
	if v.User.Status != client.StatusLocked || !adminMustUnlock(v.Page, v.Subject) {
		return why.Fix
	}
	if until := v.User.LockedUntil; until.After(v.Now) && v.User.LockedUntil.Sub(v.Now) < LockUntilUnlocked*time.Minute/2 {
		return "Ask an admin to unlock, or wait until " + ClockTime(until, v.Now, v.Loc) + "."
	}
	return "Ask an admin to unlock the account."
}

// AdminOnly says the row's lock is for an admin to lift, so its empty
// action cell says so.
func (v RowView) AdminOnly() bool {
	return !v.Gone && adminMustUnlock(v.Page, v.Row.Subject)
}
