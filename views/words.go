package views

import (
	"strconv"
	"strings"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
)

// Audit records are read in words, the way an agent would tell a colleague
// what happened: "Unlocked Jane Doe · ticket INC-123 · OneLogin confirmed".
// The audit page, a person's history and "My recent actions" all use these.

// RecordWords is what a record says happened, around the person's name:
// Pre + name + Post on the audit page ("Locked" Jane Doe "for 1 hour"),
// and Short on the person's own page, where the name goes without saying.
type RecordWords struct {
	Pre, Post string
	Short     string
}

// Words says what the attempt in r was, in the past tense when it
// succeeded ("Unlocked") and as an attempt otherwise ("Tried to unlock").
func Words(r audit.Record) RecordWords {
	w := verbOf(r)
	if r.Outcome != audit.OutcomeSucceeded {
		w.Pre = "Tried to " + w.base
		w.Short = "Tried to " + w.baseShort
	}
	return RecordWords{Pre: w.Pre, Post: w.Post, Short: w.Short}
}

// verb is an action's words: the past tense (Pre, Post, Short) and the
// base form an unfinished attempt uses (base around the name, baseShort
// without it).
type verb struct {
	Pre, Post, Short string
	base, baseShort  string
}

func verbOf(r audit.Record) verb {
	p := r.Params
	switch r.Action {
	case access.Unlock:
		return verb{Pre: "Unlocked", Short: "Unlocked", base: "unlock", baseShort: "unlock"}
	case access.Lock:
		period := lockWords(p["minutes"])
		return verb{Pre: "Locked", Post: period, Short: "Locked " + period, base: "lock", baseShort: "lock " + period}
	case access.Logout:
		return verb{Pre: "Logged", Post: "out of OneLogin", Short: "Logged out of OneLogin", base: "log", baseShort: "log out"}
	case access.ResetPassword:
		how := ""
		if p["method"] == "generated" {
			how = " (generated)"
		}
		return verb{Pre: "Set a new password for", Post: how, Short: "Set a new password" + how,
			base: "set a new password for", baseShort: "set a new password"}
	case access.ImportPasswordHash:
		return verb{Pre: "Imported a pre-hashed password for", Short: "Imported a pre-hashed password",
			base: "import a pre-hashed password for", baseShort: "import a pre-hashed password"}
	case access.MFAToken:
		valid := secondsWords(p["expires_in"])
		if p["reusable"] == "true" {
			valid += ", reusable"
		}
		if valid != "" {
			valid = " (" + strings.TrimPrefix(valid, ", ") + ")"
		}
		return verb{Pre: "Created a temporary MFA token for", Post: valid, Short: "Created a temporary MFA token" + valid,
			base: "create a temporary MFA token for", baseShort: "create a temporary MFA token"}
	case access.SetState:
		switch p["state_name"] {
		case "Approved":
			return verb{Pre: "Approved", Short: "Approved", base: "approve", baseShort: "approve"}
		case "Rejected":
			return verb{Pre: "Rejected", Short: "Rejected", base: "reject", baseShort: "reject"}
		case "Unlicensed":
			return verb{Pre: "Unlicensed", Short: "Unlicensed", base: "unlicense", baseShort: "unlicense"}
		}
		return verb{Pre: "Changed the state of", Short: "Changed the state", base: "change the state of", baseShort: "change the state"}
	case access.AddRoles:
		roles := rolesWords(p["roles"])
		return verb{Pre: "Gave", Post: roles, Short: "Given " + roles, base: "give", baseShort: "give " + roles}
	case access.RemoveRoles:
		roles := rolesWords(p["roles"])
		return verb{Pre: "Took " + roles + " from", Short: "Lost " + roles, base: "take " + roles + " from", baseShort: "remove " + roles}
	case access.SetCustomAttributes:
		what := ""
		if a := p["attributes"]; a != "" {
			what = ": " + a
		}
		return verb{Pre: "Changed custom attributes of", Post: what, Short: "Changed custom attributes" + what,
			base: "change custom attributes of", baseShort: "change custom attributes"}
	case access.CreateUser:
		return verb{Pre: "Created", Short: "Created", base: "create", baseShort: "create the account"}
	case access.UpdateUser:
		fields := ""
		if f := p["fields"]; f != "" {
			fields = " (" + strings.ReplaceAll(f, ",", ", ") + ")"
		}
		return verb{Pre: "Edited the profile of", Post: fields, Short: "Edited the profile" + fields,
			base: "edit the profile of", baseShort: "edit the profile"}
	case access.DeleteUser:
		return verb{Pre: "Deleted", Short: "Deleted", base: "delete", baseShort: "delete the account"}
	case access.InviteLink:
		if to := p["sent_to"]; to != "" {
			return verb{Pre: "Mailed", Post: "a set-password link (to " + to + ")", Short: "Mailed a set-password link to " + to,
				base: "mail", baseShort: "mail a set-password link"}
		}
		if p["delivery"] == "email" {
			return verb{Pre: "Mailed", Post: "a set-password link", Short: "Mailed a set-password link",
				base: "mail", baseShort: "mail a set-password link"}
		}
		return verb{Pre: "Made a set-password link for", Short: "Made a set-password link (shown once)",
			base: "make a set-password link for", baseShort: "make a set-password link"}
	case access.SelfUnlock:
		return verb{Pre: "Unlocked their own account", Short: "Unlocked their own account", base: "unlock their own account", baseShort: "unlock their own account"}
	case access.SelfLogout:
		return verb{Pre: "Signed out of OneLogin everywhere", Short: "Signed out of OneLogin everywhere", base: "sign out everywhere", baseShort: "sign out everywhere"}
	case access.ViewAudit:
		return verb{Pre: "Opened the audit trail", Short: "Opened the audit trail", base: "open the audit trail", baseShort: "open the audit trail"}
	}
	a := ActionWords(string(r.Action))
	return verb{Pre: capitalised(a), Short: capitalised(a), base: a, baseShort: a}
}

// SelfAction reports whether a record is about the actor's own account, so
// no name follows the words.
func SelfAction(r audit.Record) bool {
	switch r.Action {
	case access.SelfUnlock, access.SelfLogout, access.ViewAudit:
		return true
	}
	return false
}

// OutcomeWords says how an attempt ended: "OneLogin confirmed",
// "OneLogin refused: …", "Refused by the console: …".
func OutcomeWords(r audit.Record) string {
	switch r.Outcome {
	case audit.OutcomeSucceeded:
		if r.Message != "" { // whether the person was told by mail
			return "OneLogin confirmed; " + r.Message
		}
		return "OneLogin confirmed"
	case audit.OutcomeFailed:
		if r.Message != "" {
			return "OneLogin refused: " + r.Message
		}
		return "OneLogin refused it"
	case audit.OutcomeDenied:
		s := "Refused by the console"
		if r.Reason != "" {
			s += ": " + r.Reason
		}
		if r.Repeats > 0 {
			s += " (tried " + strconv.Itoa(r.Repeats+1) + " times)"
		}
		return s
	case audit.OutcomeUnknown:
		return "No answer from OneLogin in time: it may have happened"
	case audit.OutcomePending:
		return "No outcome recorded"
	case audit.OutcomeUnverified:
		return "Not verified: nobody proved who they are (" + strconv.Itoa(r.Repeats+1) + " steps)"
	}
	return string(r.Outcome)
}

// OutcomeLabel is the outcome badge's word.
func OutcomeLabel(o audit.Outcome) string {
	switch o {
	case audit.OutcomeSucceeded:
		return "done"
	case audit.OutcomeFailed:
		return "failed"
	case audit.OutcomeDenied:
		return "refused"
	case audit.OutcomeUnknown:
		return "unknown"
	}
	return string(o)
}

func lockWords(minutes string) string {
	n, err := strconv.Atoi(minutes)
	if err != nil {
		return ""
	}
	return LockPeriodLabel(n)
}

func secondsWords(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil {
		return ""
	}
	for _, o := range MFAValidities {
		if o.Seconds == n {
			return "valid " + o.Label
		}
	}
	return "valid " + strconv.Itoa(n/60) + " minutes"
}

func rolesWords(roles string) string {
	if roles == "" {
		return "roles"
	}
	if strings.Contains(roles, ",") {
		return "the roles " + roles
	}
	return "the role " + roles
}
