package config

import (
	"fmt"
	"slices"
	"strings"
)

// Caller is checking who is calling the helpdesk before changing their
// account: a push or code sent to one of the person's factors.
type Caller struct {
	// Mode is CallerOff, CallerOffer or CallerRequire.
	Mode CallerMode
	// Actions are the CallerActionNames that, with CallerRequire, need
	// the caller verified by the same agent in the last 15 minutes.
	Actions []string
}

// CallerMode is how the console asks agents to verify callers.
type CallerMode string

// The modes of HELPDESK_CALLER_VERIFICATION.
const (
	// CallerOff offers no verification.
	CallerOff CallerMode = "off"
	// CallerOffer offers it on every person's page and puts it first when
	// sign-in activity suggests someone else is trying the account.
	CallerOffer CallerMode = "offer"
	// CallerRequire refuses Actions until the caller is verified.
	CallerRequire CallerMode = "require"
)

// CallerActionNames are the actions HELPDESK_CALLER_VERIFICATION_ACTIONS
// may name: the console's action names, and invite_link_elsewhere for a
// set-password link mailed to an address other than the person's own.
var CallerActionNames = []string{"reset_password", "import_password_hash", "invite_link", "invite_link_elsewhere",
	"mfa_token", "remove_factor", "unlock", "lock", "logout", "set_state"}

// DefaultCallerActions are the actions a caller must be verified for by
// default: those that hand the account to whoever is on the phone.
const DefaultCallerActions = "reset_password,invite_link_elsewhere,mfa_token,remove_factor"

func (p *parser) callerMode(v string) CallerMode {
	m := CallerMode(strings.ToLower(strings.TrimSpace(v)))
	switch m {
	case CallerOff, CallerOffer, CallerRequire:
		return m
	}
	p.fail(fmt.Sprintf("%q is not a mode: use off, offer or require", v))
	return CallerOffer
}

func (p *parser) callerActions(v string) []string {
	var out []string
	for _, a := range list(strings.ToLower(v)) {
		if !slices.Contains(CallerActionNames, a) {
			p.fail(fmt.Sprintf("%q is not an action that can wait for a verified caller; use %s", a, strings.Join(CallerActionNames, ", ")))
			continue
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}
