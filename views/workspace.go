package views

import (
	"html"
	"strings"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
)

// Home is what the search page shows before anything is typed: the people
// opened in this browser session and the signed-in person's own recent
// actions.
type Home struct {
	Recent []RecentPerson // newest first
	// MineShown is false when the console keeps no readable trail.
	MineShown bool
	// MineMissing says the trail could not be read just now.
	MineMissing bool
	Mine        []MyAction // newest first
}

// MyAction is one line of "My recent actions": an action on one person, or
// a whole bulk job, whose records read as one line.
type MyAction struct {
	// Record is the action's record; of a job, its newest.
	Record audit.Record
	// Job is set when the line is a bulk job.
	Job *JobLine
}

// JobLine is a bulk job in one line: "Unlocked 24 people, job 7, ticket
// INC-9000".
type JobLine struct {
	ID string
	// Logout is a job that logs people out; otherwise it unlocks.
	Logout bool
	// Done is how many people the job has done so far.
	Done   int
	Ticket string
}

// Words is the line before its ticket: "Unlocked 24 people, job 7".
func (j JobLine) Words() string {
	verb := "Unlocked"
	if j.Logout {
		verb = "Logged out"
	}
	return verb + " " + countWords(j.Done, "person", "people") + ", job " + j.ID
}

// RecentPerson is someone opened in this session.
type RecentPerson struct {
	ID   int64
	Name string
}

// Confirmation asks, inside the page, to confirm a destructive action
// whose input was valid: the question names the person and the effect, and
// the button sends the same form again with the token.
type Confirmation struct {
	// Form is the data-testid of the form asking; its confirmation area is
	// the element with id Form+"-confirm".
	Form     string
	Question string
	Button   string
	// Token ties the confirmation to the values it was asked about.
	Token string
	// SubmitName and SubmitValue repeat the button that was pressed, for
	// forms with several (state, password mode, which role to remove).
	SubmitName, SubmitValue string
	// Danger colours the button red rather than amber.
	Danger bool
}

// FormTestID is the data-testid of the form a handler names by its form
// name ("lock" is lock-form).
func FormTestID(form string) string { return form + "-form" }

// ConfirmArea is the id of a form's confirmation area.
func ConfirmArea(form string) string { return form + "-confirm" }

// actionItem is one entry of a person's action bar.
type actionItem struct {
	Label string
	Path  string // suffix of the person's URL: GET shows the panel, POST acts
	// Page opens a page of its own rather than a panel (the profile editor).
	Page bool
}

// actionItems are the actions the signed-in person may take on this
// person now, in the order an agent reaches for them. Unlock is not among
// them: it is the why panel's own button.
func actionItems(v UserView) []actionItem {
	var out []actionItem
	add := func(ok bool, label, path string) {
		if ok {
			out = append(out, actionItem{Label: label, Path: path})
		}
	}
	add(v.Can(access.Lock), "Lock", "lock")
	add(v.Can(access.Logout), "Log out", "logout")
	add(v.Can(access.ResetPassword) || v.Can(access.ImportPasswordHash), "Password", "password")
	add(v.Can(access.InviteLink), "Set-password link", "invite")
	add(v.Can(access.MFAToken), "MFA token", "mfa-token")
	add(v.Can(access.SetState), "Approval", "state")
	add(v.Can(access.AddRoles) || v.Can(access.RemoveRoles), "Roles", "roles")
	add(v.Can(access.SetCustomAttributes) && len(v.AttributeNames) > 0, "Attributes", "custom-attributes")
	if v.Can(access.UpdateUser) {
		out = append(out, actionItem{Label: "Edit profile", Path: "edit", Page: true})
	}
	add(v.Can(access.DeleteUser), "Delete", "delete")
	return out
}

// fixLink opens, from the why panel, the action that fixes the person's
// state when it is not an unlock.
type fixLink struct {
	Label, Path string
	Primary     bool
}

// fixLinks are the actions that fix why the person cannot sign in, besides
// unlocking (which is a form of its own): a password problem is fixed by a
// new password or a set-password link, an account never activated by an
// invitation, a state that blocks the account by approving it.
func fixLinks(v UserView) []fixLink {
	var out []fixLink
	add := func(a access.Action, label, path string) {
		if v.Can(a) {
			out = append(out, fixLink{Label: label, Path: path, Primary: len(out) == 0})
		}
	}
	switch v.User.Status {
	case client.StatusPasswordExpired, client.StatusAwaitingReset, client.StatusPasswordPending:
		add(access.ResetPassword, "Reset the password", "password")
		add(access.InviteLink, "Send a set-password link", "invite")
	case client.StatusUnactivated:
		add(access.InviteLink, "Send an invitation", "invite")
		add(access.ResetPassword, "Set a password", "password")
	}
	switch v.User.State {
	case client.StateUnapproved, client.StateRejected:
		add(access.SetState, "Approve the account", "state")
	case client.StateUnlicensed:
		add(access.SetState, "License the account", "state")
	}
	return out
}

// emailParts splits an email where a line may break without cutting a
// word: before the @ and before each dot.
func emailParts(e string) []string {
	var parts []string
	start := 0
	for i := 1; i < len(e); i++ {
		if e[i] == '@' || e[i] == '.' {
			parts = append(parts, e[start:i])
			start = i
		}
	}
	return append(parts, e[start:])
}

// emailHTML is an email, escaped, with <wbr> where it may break.
func emailHTML(e string) string {
	parts := emailParts(e)
	for i, p := range parts {
		parts[i] = html.EscapeString(p)
	}
	return strings.Join(parts, "<wbr>")
}

// OneLoginUserURL fills a person's id into the admin-portal template.
func OneLoginUserURL(template string, id int64) string {
	if template == "" {
		return ""
	}
	return strings.ReplaceAll(template, "{id}", itoa(id))
}

// outOfBand is v as the copies an action's answer carries of the panels
// it changed: without the action's notice, form, secret or question, and
// marked for an out-of-band swap.
func (v UserView) outOfBand() UserView {
	v.OutOfBand = true
	v.Notice, v.Form, v.Secret, v.Confirm, v.Opened = nil, Form{}, nil, nil, false
	return v
}
