// Package access names the console's staff roles and the actions they may take.
// It is the single table that the server enforces and the pages consult to
// decide which controls to show:
//
//	if id.Role.Can(access.Unlock) { ... }
package access

// Role is what a signed-in person may do in the console, from least to most.
type Role int

// The roles. Employee is anyone signed in who is in no staff group: they get
// self-service only.
const (
	RoleNone Role = iota
	RoleEmployee
	RoleViewer
	RoleHelpdesk
	RoleAdmin
)

func (r Role) String() string {
	switch r {
	case RoleEmployee:
		return "employee"
	case RoleViewer:
		return "viewer"
	case RoleHelpdesk:
		return "helpdesk"
	case RoleAdmin:
		return "admin"
	}
	return "none"
}

// Action is one thing the console can do. Its string is the name used in
// audit records and metrics.
type Action string

// Every action the console offers.
const (
	Search              Action = "search"
	ViewUser            Action = "view_user"
	Unlock              Action = "unlock"
	Lock                Action = "lock"
	Logout              Action = "logout"
	ResetPassword       Action = "reset_password"
	MFAToken            Action = "mfa_token"
	SetState            Action = "set_state"
	AddRoles            Action = "add_roles"
	RemoveRoles         Action = "remove_roles"
	SetCustomAttributes Action = "set_custom_attributes"
	CreateUser          Action = "create_user"
	UpdateUser          Action = "update_user"
	DeleteUser          Action = "delete_user"
	ImportPasswordHash  Action = "import_password_hash"
	// InviteLink mails a person a set-password link, or makes one for staff
	// to pass on (OneLogin's invite-link API).
	InviteLink Action = "invite_link"
	ViewAudit  Action = "view_audit"
	SelfView   Action = "self_view"
	SelfUnlock Action = "self_unlock"
	SelfLogout Action = "self_logout"

	// The steps of the public unlock page (/unlock) before the unlock
	// itself, which is a SelfUnlock by the verified person. Whoever takes
	// them is not signed in, so no role may take them through the console's
	// doors (Can refuses them); they exist for the audit trail.
	UnlockRequest Action = "unlock_request" // a claimant typed a username or email
	UnlockFactor  Action = "unlock_factor"  // chose a factor; a push or code was sent
	UnlockVerify  Action = "unlock_verify"  // a code or push was checked

	// RevokeSession ends anyone's console session (the sessions page);
	// SelfSessions lists one's own and ends the others.
	RevokeSession Action = "revoke_session"
	SelfSessions  Action = "self_sessions"

	// LockedNow is the list of people locked right now and the progress
	// of bulk jobs.
	LockedNow Action = "locked_now"
	// BulkUnlock and BulkLogout start a job that unlocks (logs out) many
	// people one by one; each person is then checked and recorded as an
	// Unlock (Logout) of their own. How many people a role may name is
	// the console's setting (Bulk).
	BulkUnlock Action = "bulk_unlock"
	BulkLogout Action = "bulk_logout"
	// StopJob stops a bulk job after the person in hand.
	StopJob Action = "stop_job"
)

// recordOnly are actions no role takes, kept in the audit trail.
var recordOnly = []Action{UnlockRequest, UnlockFactor, UnlockVerify}

// minimum is the least role that may take each action.
var minimum = map[Action]Role{
	Search:              RoleViewer,
	ViewUser:            RoleViewer,
	Unlock:              RoleHelpdesk,
	Lock:                RoleHelpdesk,
	Logout:              RoleHelpdesk,
	ResetPassword:       RoleHelpdesk,
	MFAToken:            RoleHelpdesk,
	InviteLink:          RoleHelpdesk,
	SetState:            RoleHelpdesk,
	AddRoles:            RoleAdmin,
	RemoveRoles:         RoleAdmin,
	SetCustomAttributes: RoleAdmin,
	CreateUser:          RoleAdmin,
	UpdateUser:          RoleAdmin,
	DeleteUser:          RoleAdmin,
	ImportPasswordHash:  RoleAdmin,
	ViewAudit:           RoleAdmin,
	SelfView:            RoleEmployee,
	SelfUnlock:          RoleEmployee,
	SelfLogout:          RoleEmployee,
	RevokeSession:       RoleAdmin,
	SelfSessions:        RoleEmployee,
	LockedNow:           RoleHelpdesk,
	BulkUnlock:          RoleHelpdesk, // and only as Bulk allows
	BulkLogout:          RoleHelpdesk, // and only as Bulk allows
	StopJob:             RoleHelpdesk,
}

// Can reports whether the role may take the action. Unknown actions are refused.
func (r Role) Can(a Action) bool {
	min, ok := minimum[a]
	return ok && r >= min
}

// Actions lists every known action, for tests that walk the whole table
// and for the audit page's filter; the public unlock page's steps too.
func Actions() []Action {
	out := make([]Action, 0, len(minimum)+len(recordOnly))
	for a := range minimum {
		out = append(out, a)
	}
	return append(out, recordOnly...)
}

// Sensitive reports whether an action changes an account in a way that a
// setting may require a ticket for.
func (a Action) Sensitive() bool {
	switch a {
	case Search, ViewUser, ViewAudit, SelfView, UnlockRequest, UnlockFactor, UnlockVerify,
		// Console sessions are not accounts: no ticket is asked. Ending
		// one is still recorded before it happens.
		RevokeSession, SelfSessions,
		// Stopping a job changes no account: it only ends work.
		LockedNow, StopJob:
		return false
	}
	return true
}

// Bulk is how many people one bulk job may name, from the console's
// settings. Only admins start bulk jobs unless HelpdeskMax allows helpdesk
// staff too.
type Bulk struct {
	// Max is the most people any job may name.
	Max int
	// HelpdeskMax is the most a helpdesk member's job may name; 0 means
	// helpdesk staff start none. It never exceeds Max.
	HelpdeskMax int
}

// MaxFor is the most people a job started by role may name; 0 means none.
func (b Bulk) MaxFor(r Role) int {
	switch {
	case r >= RoleAdmin:
		return b.Max
	case r == RoleHelpdesk:
		return min(b.HelpdeskMax, b.Max)
	}
	return 0
}

// IsBulk reports whether a starts a bulk job.
func (a Action) IsBulk() bool { return a == BulkUnlock || a == BulkLogout }

// SelfService reports whether an action is an employee's on their own
// account, which takes no ticket.
func (a Action) SelfService() bool {
	return a == SelfUnlock || a == SelfLogout || a == SelfView
}

// Identity is the signed-in person as the SSO in front describes them.
type Identity struct {
	Email  string
	Name   string
	Groups []string
	Role   Role
}
