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
)

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
}

// Can reports whether the role may take the action. Unknown actions are refused.
func (r Role) Can(a Action) bool {
	min, ok := minimum[a]
	return ok && r >= min
}

// Actions lists every known action, for tests that walk the whole table.
func Actions() []Action {
	out := make([]Action, 0, len(minimum))
	for a := range minimum {
		out = append(out, a)
	}
	return out
}

// Sensitive reports whether an action changes an account in a way that a
// setting may require a ticket for.
func (a Action) Sensitive() bool {
	switch a {
	case Search, ViewUser, ViewAudit, SelfView:
		return false
	}
	return true
}

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
