package views

import (
	"strings"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
)

// CallerPolicy is how the console asks agents to verify callers
// (HELPDESK_CALLER_VERIFICATION*), as a person's page needs it.
type CallerPolicy struct {
	// Mode is "off", "offer" or "require".
	Mode string
	// Needs are, with "require", the actions that wait for a verified
	// caller, in words ("a password reset").
	Needs []string
}

// On reports whether the page offers caller verification at all.
func (p CallerPolicy) On() bool { return p.Mode == "offer" || p.Mode == "require" }

// Required reports whether some actions wait for a verified caller.
func (p CallerPolicy) Required() bool { return p.Mode == "require" && len(p.Needs) > 0 }

// LastCallerCheck is the newest caller verification (or admin override)
// among recs (newest first) still in force at now: begun less than
// access.CallerVerifiedFor ago. agent "" takes anyone's; otherwise only
// that agent's count. ok is false when there is none.
func LastCallerCheck(recs []audit.Record, now time.Time, agent string) (audit.Record, bool) {
	for _, r := range recs {
		if r.Action != access.VerifyCaller && r.Action != access.CallerOverride {
			continue
		}
		if r.Outcome != audit.OutcomeSucceeded && r.Outcome != audit.OutcomeFailed {
			continue
		}
		if now.Sub(r.Time) >= access.CallerVerifiedFor || r.Time.After(now) {
			return audit.Record{}, false // older ones are older still
		}
		if agent == "" || access.SameEmail(agent, r.ActorEmail) {
			return r, true
		}
	}
	return audit.Record{}, false
}

// CallerVerified reports whether r, from LastCallerCheck, verified the
// caller.
func CallerVerified(r audit.Record) bool { return r.Outcome == audit.OutcomeSucceeded }

// CallerResult is the person's page's line about who is calling.
type CallerResult struct {
	// Tone is the notice kind: "success" or "warning".
	Tone string
	Text string
}

// CallerLine is what the page says about the newest caller check of the
// last 15 minutes: "Caller verified by OneLogin Protect push at 10:02 by
// tomas.herrera". ok is false when there was none.
func CallerLine(v UserView) (CallerResult, bool) {
	r, ok := LastCallerCheck(v.History, v.Now, "")
	if !ok {
		return CallerResult{}, false
	}
	at := ClockTime(r.Time, v.Now, v.Loc)
	by := agentName(r.ActorEmail)
	how := r.Params["factor"]
	switch {
	case r.Action == access.CallerOverride:
		return CallerResult{Tone: "success", Text: "Caller confirmed without a factor at " + at + " by " + by + ": “" + r.Params["reason"] + "”"}, true
	case CallerVerified(r):
		return CallerResult{Tone: "success", Text: "Caller verified by " + how + " at " + at + " by " + by}, true
	case r.Message == "denied by the person":
		return CallerResult{Tone: "warning", Text: "The person denied the " + how + " sent at " + at + " by " + by +
			": the caller may not be who they say. Do not change the account on their word."}, true
	case r.Message == "expired":
		return CallerResult{Tone: "warning", Text: "Caller not verified: the " + how + " sent at " + at + " by " + by + " expired."}, true
	}
	return CallerResult{Tone: "warning", Text: "Caller not verified: a wrong " + how + " at " + at + " (" + by + ")."}, true
}

// CallerNeeded is, with "require", what the signed-in agent must do before
// the actions that wait for a verified caller; "" when nothing.
func CallerNeeded(v UserView) string {
	if !v.Caller.Required() || !v.Page.Identity.Role.Can(access.VerifyCaller) {
		return ""
	}
	if r, ok := LastCallerCheck(v.History, v.Now, v.Page.Identity.Email); ok && CallerVerified(r) {
		return ""
	}
	return "Verify the caller first: " + joinWords(v.Caller.Needs) + " wait until you have verified who is calling (Factors, below)."
}

// agentName is the part of an agent's email before the @: "tomas.herrera".
func agentName(email string) string {
	if i := strings.IndexByte(email, '@'); i > 0 {
		return email[:i]
	}
	return email
}

// FactorsView is the Factors panel: the person's enrolled factors, the
// ways to verify the caller with them, and a verification under way.
type FactorsView struct {
	UserView
	Devices []client.OTPDevice
	// Choices are the factors the caller can be verified with.
	Choices []CallerChoice
	// Pending is the verification this agent has under way, if any.
	Pending *CallerPending
	// Skipped says why the factors were not loaded (the quota is low);
	// Failed that OneLogin did not list them.
	Skipped string
	Failed  bool
	// Removed is set after a factor was removed: OfferToken when the
	// person has no factor left, so their next sign-in needs a
	// temporary MFA token.
	Removed    bool
	OfferToken bool
}

// CallerChoice is one factor the caller can be verified with.
type CallerChoice struct {
	// Choice is what the form posts (1 for the first).
	Choice string
	// Label names it: "OneLogin Protect on Pixel 7a".
	Label string
	// Push is a OneLogin Protect push; Sends a text or an email; neither
	// a code the caller reads from their app.
	Push, Sends bool
}

// Button is the choice's button words.
func (c CallerChoice) Button() string {
	switch {
	case c.Push:
		return "Send a push to " + c.Label
	case c.Sends:
		return "Send a code to " + c.Label
	}
	return "Ask for the code from " + c.Label
}

// CallerPending is a verification under way: a push to follow, or a code
// to take.
type CallerPending struct {
	Label   string
	Push    bool
	Sends   bool
	Expires time.Time
}

// NoUsableFactor reports whether the caller cannot be verified with any of
// the person's factors.
func (v FactorsView) NoUsableFactor() bool {
	return v.Skipped == "" && !v.Failed && len(v.Choices) == 0
}

// DeviceTestID names a factor's row for tests.
func DeviceTestID(d client.OTPDevice) string { return "factor-" + itoa(d.ID) }

// askCaller reports whether the page offers verifying this person's caller
// to the signed-in agent.
func askCaller(v UserView) bool { return v.Caller.On() && v.Can(access.CallerChallenge) }

// WhatToDo is the why panel's advice for the signed-in person: a fix they
// may not take is never advised (a protected account names who must act),
// and a lock is lifted only once the caller is known.
func WhatToDo(v UserView, why SignIn) string {
	if ro := v.ReadOnly(); ro != "" && why.Blocked {
		if v.User.Status == client.StatusLocked && adminMustUnlock(v.Page, v.Subject) {
			// Who can lift it, and when it lifts itself.
			return ro + " " + v.Fix(why)
		}
		return ro
	}
	if v.User.Status == client.StatusLocked && askCaller(v) {
		return "Confirm who is asking first (Verify the caller, under Factors). " + why.Fix
	}
	return why.Fix
}
