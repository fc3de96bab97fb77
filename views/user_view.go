package views

import (
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
)

// UserView is everything the user page and its panels show. Each panel is a
// component taking a UserView, wrapped in a section with a stable id, so an
// action can re-render just its panel after OneLogin answers.
type UserView struct {
	Page Page
	User client.User
	// Roles are the person's roles with names resolved; AllRoles feeds the picker.
	Roles    []client.Role
	AllRoles []client.Role
	Apps     []client.App
	// Missing names parts of the page that OneLogin did not deliver in time
	// (for example "apps"), so the page can say so instead of failing.
	Missing        []string
	AttributeNames []string
	// History is the newest audit records about the person, newest first.
	History []audit.Record
	// HistoryEnabled is false when the console keeps no readable audit trail,
	// so the page can say where history would appear instead of "none".
	HistoryEnabled bool
	// BaseURL is the OneLogin tenant's URL; app icons given as a path are
	// resolved against it.
	BaseURL string
	Now     time.Time
	Loc     *time.Location
	// Notice and Form belong to the panel being re-rendered after an action.
	Notice *Notice
	Form   Form
	// Secret is shown exactly once after an action that creates one (a
	// generated password, an MFA token) and is never stored or logged.
	Secret *Secret

	// Subject is what the access policy knows of the person; Can asks it.
	Subject access.Subject
	// Lock says who placed the current lock; nil when not locked or unknown.
	Lock *LockSource

	// Confirm, when set, asks to confirm a destructive action whose input
	// was valid, inside the form that asked.
	Confirm *Confirmation
	// Opened marks a panel just loaded on demand: its heading takes focus.
	Opened bool
	// Refresh makes an action's answer carry out-of-band copies of what
	// any action may change: the status panel and badge, profile, history.
	Refresh bool
	// OutOfBand marks a panel rendered as such a copy.
	OutOfBand bool
	// ManagerName is the manager's name when the console knows it; "" has
	// the page fetch it after it loads.
	ManagerName string
	// OneLoginURL is the person's page in OneLogin's admin portal; "" shows
	// no link.
	OneLoginURL string
	// Caller is how agents are asked to verify callers.
	Caller CallerPolicy
}

// Can reports whether the signed-in person may take the action on this
// person now, as the server will decide it.
func (v UserView) Can(a access.Action) bool {
	return v.Page.SignedIn && access.Check(v.Page.Identity, a, v.Subject) == nil
}

// ReadOnly is why a member of staff who could otherwise act sees this person
// read-only (a protected account, their own account), or "".
func (v UserView) ReadOnly() string {
	if !v.Page.SignedIn || !v.Page.Identity.Role.Can(access.Logout) {
		return ""
	}
	if r := access.Check(v.Page.Identity, access.Logout, v.Subject); r != nil {
		return r.Message
	}
	return ""
}

// LockSource says who locked an account: through the console (who, when,
// for how long, with which ticket) or outside it (failed sign-ins, or
// OneLogin's own admin pages).
type LockSource struct {
	Console bool
	By      string
	Role    string
	At      time.Time
	Minutes int // 0: until unlocked
	Ticket  string
}

// IsMissing reports whether OneLogin did not deliver a part of the page.
func (v UserView) IsMissing(part string) bool {
	for _, m := range v.Missing {
		if m == part {
			return true
		}
	}
	return false
}

// Form carries what a person typed back to them, with a message per field.
type Form struct {
	Values map[string]string
	Errors map[string]string
}

// Value returns the submitted value of a field.
func (f Form) Value(name string) string { return f.Values[name] }

// Error returns the message for a field, "" if none.
func (f Form) Error(name string) string { return f.Errors[name] }

// HasErrors reports whether any field was rejected.
func (f Form) HasErrors() bool { return len(f.Errors) > 0 }

// Secret is a one-time value shown with a copy button.
type Secret struct {
	Label     string
	Value     string
	ExpiresAt time.Time
}
