package views

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"onelogin-helpdesk/client"
)

// StatusWords says in words what a person's account status means right now,
// as a badge shows it: "Locked until 14:05", "Suspended", "Password expired".
func StatusWords(u *client.User, now time.Time, loc *time.Location) string {
	if u.Status != client.StatusLocked {
		return u.Status.String()
	}
	switch {
	case u.LockedUntil.IsZero():
		return "Locked until unlocked"
	case !u.LockedUntil.After(now):
		return "Lock ended " + ClockTime(u.LockedUntil, now, loc)
	}
	return "Locked until " + ClockTime(u.LockedUntil, now, loc)
}

// StatusTone is the badge colour family for a status. The badge always
// carries the words too, so colour is never the only signal.
func StatusTone(s client.Status) string {
	switch s {
	case client.StatusActive:
		return "ok"
	case client.StatusLocked, client.StatusSuspended:
		return "bad"
	case client.StatusPasswordExpired, client.StatusAwaitingReset,
		client.StatusPasswordPending, client.StatusSecurityQuestions:
		return "warn"
	}
	return "neutral"
}

// StateTone is the badge colour family for an account state.
func StateTone(s client.State) string {
	switch s {
	case client.StateApproved:
		return "ok"
	case client.StateRejected:
		return "bad"
	}
	return "warn"
}

// ClockTime shows a time as compactly as is unambiguous next to now:
// "14:05" today, "3 Mar 14:05" this year, "3 Mar 2023 14:05" otherwise.
func ClockTime(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t, now = t.In(loc), now.In(loc)
	switch {
	case sameDay(t, now):
		return t.Format("15:04")
	case t.Year() == now.Year():
		return t.Format("2 Jan 15:04")
	}
	return t.Format("2 Jan 2006 15:04")
}

// FullTime is a time with its zone, for tooltips and the profile.
func FullTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "never"
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2 Jan 2006 15:04 MST")
}

// MachineTime is the datetime attribute of a <time> element.
func MachineTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Relative says how far a time is from now in words: "3 minutes ago",
// "in 2 hours", "just now"; "never" for the zero time.
func Relative(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var n int
	var unit string
	switch {
	case d < 45*time.Second:
		return "just now"
	case d < 90*time.Second:
		n, unit = 1, "minute"
	case d < 45*time.Minute:
		n, unit = int((d+30*time.Second)/time.Minute), "minute"
	case d < 90*time.Minute:
		n, unit = 1, "hour"
	case d < 22*time.Hour:
		n, unit = int((d+30*time.Minute)/time.Hour), "hour"
	case d < 36*time.Hour:
		n, unit = 1, "day"
	case d < 26*24*time.Hour:
		n, unit = int((d+12*time.Hour)/(24*time.Hour)), "day"
	case d < 320*24*time.Hour:
		n, unit = max(1, int((d+15*24*time.Hour)/(30*24*time.Hour))), "month"
	default:
		n, unit = max(1, int((d+182*24*time.Hour)/(365*24*time.Hour))), "year"
	}
	s := strconv.Itoa(n) + " " + unit
	if n != 1 {
		s += "s"
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// Remaining says how long until t, for "Locked until 14:05 (23 minutes left)".
func Remaining(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "ended"
	case d < time.Minute:
		return "less than a minute left"
	case d < time.Hour:
		m := int((d + time.Minute - 1) / time.Minute)
		return plural(m, "minute") + " left"
	case d < 48*time.Hour:
		h := int(d / time.Hour)
		m := int((d % time.Hour) / time.Minute)
		if m == 0 {
			return plural(h, "hour") + " left"
		}
		return plural(h, "hour") + " " + plural(m, "minute") + " left"
	}
	return plural(int(d/(24*time.Hour)), "day") + " left"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// UserURL is the address of a person's page.
func UserURL(id int64) string { return "/users/" + strconv.FormatInt(id, 10) }

// IconURL resolves an app icon against the tenant: OneLogin returns either an
// absolute URL or a path on the tenant host. Anything that is not http(s)
// after resolution is dropped, so a hostile value cannot become a
// javascript: or data: URL.
func IconURL(base, icon string) string {
	icon = strings.TrimSpace(icon)
	if icon == "" {
		return ""
	}
	ref, err := url.Parse(icon)
	if err != nil {
		return ""
	}
	if !ref.IsAbs() {
		b, err := url.Parse(base)
		if err != nil || b.Host == "" {
			return ""
		}
		ref = b.ResolveReference(ref)
	}
	if ref.Scheme != "https" && ref.Scheme != "http" {
		return ""
	}
	return ref.String()
}

// orDash shows an empty value as a dash, so a blank cell reads as "none".
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func countWords(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// SignIn is the answer to "why can't this person sign in?" for one account.
type SignIn struct {
	// Blocked is true when OneLogin itself refuses the person's sign-in.
	Blocked  bool
	Headline string
	// Details are sentences of evidence: until when, how many attempts.
	Details []string
	// Fix says what to do about it, in one sentence.
	Fix string
}

// ExplainSignIn reads a user's status, state, lock and attempt counters and
// says in words whether and why OneLogin refuses their sign-in.
func ExplainSignIn(u client.User, now time.Time, loc *time.Location) SignIn {
	attempts := ""
	if u.InvalidLoginAttempts > 0 {
		attempts = countWords(u.InvalidLoginAttempts, "failed sign-in attempt", "failed sign-in attempts") + " recorded since the last successful sign-in."
	}
	var s SignIn
	switch u.Status {
	case client.StatusLocked:
		s.Blocked = true
		switch {
		case u.LockedUntil.IsZero():
			s.Headline = "Locked until someone unlocks the account"
			s.Details = append(s.Details, "No end time is set: an administrator locked the account, or the policy has no lock period.")
			s.Fix = "Unlock the account once you have confirmed who is asking."
		case !u.LockedUntil.After(now):
			s.Headline = "Locked, but the lock period is over"
			s.Details = append(s.Details, "The lock ended at "+ClockTime(u.LockedUntil, now, loc)+"; OneLogin lifts it at the next sign-in.")
			s.Fix = "If the person still cannot sign in, unlock the account."
		default:
			s.Headline = "Locked until " + ClockTime(u.LockedUntil, now, loc) + " (" + Remaining(u.LockedUntil, now) + ")"
			s.Details = append(s.Details, "OneLogin locks an account after too many failed sign-ins, or when someone locks it.")
			s.Fix = "Unlock the account now, or ask the person to wait until " + ClockTime(u.LockedUntil, now, loc) + "."
		}
		if attempts != "" {
			s.Details = append(s.Details, attempts)
		}
	case client.StatusSuspended:
		s.Blocked = true
		s.Headline = "Suspended"
		s.Details = append(s.Details, "An administrator or a directory sync suspended the account. A suspended person cannot sign in or open any app.")
		s.Fix = "Check the ticket: a suspension is usually deliberate (leaver, security). Reactivation is done in OneLogin's admin portal."
	case client.StatusPasswordExpired:
		s.Blocked = true
		s.Headline = "Password expired"
		if u.PasswordChangedAt.IsZero() {
			s.Details = append(s.Details, "The password is older than the policy allows.")
		} else {
			s.Details = append(s.Details, "The password was last changed "+Relative(u.PasswordChangedAt, now)+" ("+FullTime(u.PasswordChangedAt, loc)+"); the policy asks for a new one.")
		}
		s.Fix = "The person can choose a new password on the sign-in page. If that fails, set a temporary password."
	case client.StatusAwaitingReset:
		s.Blocked = true
		s.Headline = "Waiting for a password reset"
		s.Details = append(s.Details, "The person must reset their password before they can sign in.")
		s.Fix = "Send them through “Forgot password” on the sign-in page, or set a temporary password."
	case client.StatusPasswordPending:
		s.Blocked = true
		s.Headline = "No password set yet"
		s.Details = append(s.Details, invitation(u, now))
		s.Fix = "Set a password, or have the person follow their invitation email."
	case client.StatusUnactivated:
		s.Blocked = true
		s.Headline = "Not activated"
		s.Details = append(s.Details, "The account exists but was never activated. "+invitation(u, now))
		s.Fix = "Have the person follow their invitation email, or set a password to activate the account."
	case client.StatusSecurityQuestions:
		s.Blocked = true
		s.Headline = "Security questions required"
		s.Details = append(s.Details, "OneLogin will ask the person to set up security questions at their next sign-in.")
		s.Fix = "Nothing to change here: ask the person to sign in and answer the questions."
	case client.StatusActive:
		if b, ok := stateBlocks(u.State); ok {
			s.Blocked, s.Headline, s.Fix = true, b.Headline, b.Fix
			s.Details = append(s.Details, b.Details...)
			break
		}
		if u.State != client.StateApproved {
			s.Headline = "Active, in an unknown state (" + u.State.String() + ")"
			s.Fix = "Check the account in OneLogin's admin portal."
			break
		}
		s.Headline = "Nothing in OneLogin blocks sign-in"
		s.Details = append(s.Details, "The account is active and approved.")
		if attempts != "" {
			s.Details = append(s.Details, attempts+" More failures will lock the account.")
		}
		s.Fix = "If they still cannot sign in: set a new password, issue a temporary MFA token, or log out their sessions."
	default:
		s.Blocked = true
		s.Headline = "Unknown status (" + u.Status.String() + ")"
		s.Details = append(s.Details, "OneLogin reported a status this console does not know.")
		s.Fix = "Check the account in OneLogin's admin portal."
	}
	// A state that blocks sign-in outlives fixing the status: say so, so
	// that unlocking a locked but unlicensed person is not the end of it.
	if b, ok := stateBlocks(u.State); ok && u.Status != client.StatusActive {
		s.Details = append(s.Details, "The account is also "+strings.ToLower(b.Headline)+
			": once the status is fixed, it still cannot be used. "+b.Fix)
	}
	return s
}

// stateBlocks explains a state that keeps an account from being used.
func stateBlocks(st client.State) (SignIn, bool) {
	switch st {
	case client.StateUnapproved:
		return SignIn{Blocked: true, Headline: "Waiting for approval",
			Details: []string{"The account is active but not approved, so it cannot be used yet."},
			Fix:     "Approve the account if the request is genuine."}, true
	case client.StateRejected:
		return SignIn{Blocked: true, Headline: "Rejected",
			Details: []string{"The account's approval was rejected, so it cannot be used."},
			Fix:     "Change the state to approved only if the rejection was a mistake."}, true
	case client.StateUnlicensed:
		return SignIn{Blocked: true, Headline: "Unlicensed",
			Details: []string{"The account has no OneLogin license, so it cannot be used."},
			Fix:     "Change the state to approved (licensed) if a license is free."}, true
	}
	return SignIn{}, false
}

func invitation(u client.User, now time.Time) string {
	if u.InvitationSentAt.IsZero() {
		return "No invitation has been sent."
	}
	return "The invitation was sent " + Relative(u.InvitationSentAt, now) + "."
}

// oob marks an element for an out-of-band htmx swap when on is set.
func oob(on bool) templ.Attributes {
	if on {
		return templ.Attributes{"hx-swap-oob": "true"}
	}
	return templ.Attributes{}
}

// joinWords lists parts in a sentence: "apps", "apps and history".
func joinWords(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func idOrEmpty(id int64) string {
	if id == 0 {
		return ""
	}
	return itoa(id)
}

// outcomeTone colours an audit outcome; the word is always shown with it.
func outcomeTone(o string) string {
	switch o {
	case "succeeded":
		return "ok"
	case "failed", "denied":
		return "bad"
	}
	return "neutral"
}

// LockSourceLine says who locked an account, for the why panel.
func LockSourceLine(l *LockSource, now time.Time, loc *time.Location) string {
	if !l.Console {
		return "This lock was not placed through the console: it came from failed sign-ins or from OneLogin's own admin pages."
	}
	line := "Locked through the console by " + l.By
	if l.Role != "" {
		line += " (" + l.Role + ")"
	}
	line += " at " + ClockTime(l.At, now, loc) + ", " + LockPeriodLabel(l.Minutes)
	if l.Ticket != "" {
		line += ", ticket " + l.Ticket
	}
	return line + "."
}
