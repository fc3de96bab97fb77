package directory

import (
	"maps"
	"slices"
	"time"

	"onelogin-helpdesk/client"
)

// Person is one row of the index: what OneLogin lists about a person,
// never a secret.
type Person struct {
	ID                  int64
	Firstname, Lastname string
	Email, Username     string
	Status              client.Status
	State               client.State
	// LockedUntil is when a lock runs out; zero for none or for a lock
	// without end.
	LockedUntil       time.Time
	LastLogin         time.Time
	PasswordChangedAt time.Time
	Title             string
	Department        string
	Company           string
	ManagerUserID     int64
	ManagerADID       string
	RoleIDs           []int64
	DirectoryID       int64
	// Custom holds the custom attributes the listing gave, by shortname.
	Custom map[string]string
	// UpdatedAt is OneLogin's updated_at; an older copy of a person never
	// replaces a newer one.
	UpdatedAt time.Time
	// SyncedAt is when the console read this person from OneLogin.
	SyncedAt time.Time
}

// FromUser is the row for a user read from OneLogin at time at.
func FromUser(u client.User, at time.Time) Person {
	p := Person{
		ID: u.ID, Firstname: u.Firstname, Lastname: u.Lastname, Email: u.Email, Username: u.Username,
		Status: u.Status, State: u.State, LockedUntil: u.LockedUntil.UTC(), LastLogin: u.LastLogin.UTC(),
		PasswordChangedAt: u.PasswordChangedAt.UTC(), Title: u.Title, Department: u.Department, Company: u.Company,
		ManagerUserID: u.ManagerUserID, ManagerADID: u.ManagerADID, RoleIDs: slices.Clone(u.RoleIDs),
		DirectoryID: u.DirectoryID, UpdatedAt: u.UpdatedAt.UTC(), SyncedAt: at.UTC(),
	}
	slices.Sort(p.RoleIDs)
	// Only attributes with a value: OneLogin lists every defined one, most
	// of them empty.
	for k, v := range u.CustomAttributes {
		if v != "" {
			if p.Custom == nil {
				p.Custom = map[string]string{}
			}
			p.Custom[k] = v
		}
	}
	return p
}

// User is the row as a client.User, for pages that show people: only
// what the index keeps is set.
func (p Person) User() client.User {
	return client.User{
		ID: p.ID, Firstname: p.Firstname, Lastname: p.Lastname, Email: p.Email, Username: p.Username,
		Status: p.Status, State: p.State, LockedUntil: p.LockedUntil, LastLogin: p.LastLogin,
		PasswordChangedAt: p.PasswordChangedAt, Title: p.Title, Department: p.Department, Company: p.Company,
		ManagerUserID: p.ManagerUserID, ManagerADID: p.ManagerADID, RoleIDs: slices.Clone(p.RoleIDs),
		DirectoryID: p.DirectoryID, CustomAttributes: maps.Clone(p.Custom), UpdatedAt: p.UpdatedAt,
	}
}

// Name is the display name, as client.User.Name gives it.
func (p Person) Name() string {
	return client.User{Firstname: p.Firstname, Lastname: p.Lastname, Email: p.Email, Username: p.Username}.Name()
}

// clone is p with its own slices and maps.
func (p Person) clone() Person {
	p.RoleIDs = slices.Clone(p.RoleIDs)
	p.Custom = maps.Clone(p.Custom)
	return p
}

// Condition is what a person's account allows, as the status filters and
// views name it.
type Condition string

// The conditions. A person is in exactly one (or none, for statuses
// OneLogin may add).
const (
	Active          Condition = "active"
	Locked          Condition = "locked"
	Suspended       Condition = "suspended"
	PasswordExpired Condition = "password_expired"
	AwaitingReset   Condition = "awaiting_reset"
	NeverActivated  Condition = "never_activated"
)

// Conditions lists every condition, in the order views show them.
var Conditions = []Condition{Locked, Suspended, PasswordExpired, AwaitingReset, NeverActivated, Active}

// Valid reports whether c is a known condition.
func (c Condition) Valid() bool { return slices.Contains(Conditions, c) }

// ConditionAt is p's condition at time now, from the status codes of
// onelogin-api-v1.md §4.2 as package client names them. A lock whose
// locked_until has passed is over (OneLogin lifts it itself, without
// changing updated_at); one without locked_until lasts until unlocked.
// Unactivated (0) and Password pending (7, created without a password)
// have never signed in; Security questions (8) is active with a step left.
func (p Person) ConditionAt(now time.Time) Condition {
	switch p.Status {
	case client.StatusLocked:
		if p.LockedUntil.IsZero() || p.LockedUntil.After(now) {
			return Locked
		}
		return Active
	case client.StatusActive, client.StatusSecurityQuestions:
		return Active
	case client.StatusSuspended:
		return Suspended
	case client.StatusPasswordExpired:
		return PasswordExpired
	case client.StatusAwaitingReset:
		return AwaitingReset
	case client.StatusUnactivated, client.StatusPasswordPending:
		return NeverActivated
	}
	return ""
}
