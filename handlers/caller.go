package handlers

// Verifying who is calling the helpdesk: a push or a code sent to one of
// the person's factors through selfunlock.Verifier (the public unlock
// page's MFA steps), counted in the same per-account allowance of sends,
// with the outcome in the audit trail. With HELPDESK_CALLER_VERIFICATION
// require, the action door refuses the configured actions until the agent
// taking them has verified the person's caller.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/limits"
	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/views"
)

// callerKinds are the factors a caller can be verified with: a push, a
// texted or mailed code, or a code the caller reads from their app.
var callerKinds = []client.FactorKind{client.FactorProtect, client.FactorSMS, client.FactorEmail, client.FactorAuthenticator}

const (
	// maxWrongCodes is how many wrong codes one push or code survives
	// before a new one must be sent.
	maxWrongCodes = 3
	// callerRecords is how many of a person's newest audit records are read
	// to find a verification still in force.
	callerRecords = 50
)

// callerDesk is the console's caller verification: its setting, the
// Verifier, the shared allowance of sends and the verifications under way,
// one per agent and person. They are kept in this process: a replica
// answers a push or code only if it sent it.
type callerDesk struct {
	mode     config.CallerMode
	needs    []string
	verifier selfunlock.Verifier
	sends    limits.Limit
	now      func() time.Time

	mu   sync.Mutex
	open map[callerKey]*callerCheck
}

type callerKey struct {
	agent  string
	userID int64
}

// callerCheck is a verification under way: the factor, OneLogin's challenge
// (whose secret stays in selfunlock) and the ticket it is for.
type callerCheck struct {
	factor selfunlock.Factor
	ch     selfunlock.Challenge
	ticket string
	// user is the person as the check began, to show the panel while a
	// push is awaited without reading them from OneLogin every poll.
	user     *client.User
	wrong    int
	lastPoll time.Time
	started  time.Time
}

func newCallerDesk(h *Handler, cfg Config) (*callerDesk, error) {
	d := &callerDesk{mode: cfg.Caller.Mode, needs: cfg.Caller.Actions, now: h.now, open: map[callerKey]*callerCheck{}}
	if d.mode == "" {
		d.mode = config.CallerOff
	}
	if !d.on() {
		return d, nil
	}
	if cfg.Limits == nil {
		return nil, errors.New("handlers: caller verification needs a Limits store to count the pushes and codes it sends")
	}
	d.verifier = selfunlock.Verifier{MFA: cachedFactors{MFA: h.ol, h: h}, Kinds: callerKinds}
	d.sends = selfunlock.Sends(cfg.Limits, h.now)
	return d, nil
}

func (d *callerDesk) on() bool { return d.mode == config.CallerOffer || d.mode == config.CallerRequire }

func keyOf(agent string, userID int64) callerKey {
	return callerKey{agent: strings.ToLower(strings.TrimSpace(agent)), userID: userID}
}

// pending is the agent's verification of the person under way, if any.
func (d *callerDesk) pending(agent string, userID int64) (callerCheck, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.open[keyOf(agent, userID)]
	if !ok {
		return callerCheck{}, false
	}
	return *c, true
}

// begin keeps a new verification, replacing the agent's last one of the
// person, and lets go of those nobody finished.
func (d *callerDesk) begin(agent string, userID int64, c callerCheck) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	for k, o := range d.open {
		if now.Sub(o.started) >= access.CallerVerifiedFor {
			delete(d.open, k)
		}
	}
	d.open[keyOf(agent, userID)] = &c
}

// update changes the agent's verification under way, if it is still there.
func (d *callerDesk) update(agent string, userID int64, f func(c *callerCheck)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.open[keyOf(agent, userID)]; ok {
		f(c)
	}
}

func (d *callerDesk) end(agent string, userID int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.open, keyOf(agent, userID))
}

// takeSend counts a push, text or mail to the person in the allowance the
// public unlock page counts its own in.
func (d *callerDesk) takeSend(ctx context.Context, userID int64) error {
	ok, retryAt, err := d.sends.Take(ctx, selfunlock.AccountKey(userID))
	if err != nil {
		return &problem{Status: http.StatusServiceUnavailable, Heading: "Not sent",
			Message: "The console could not count what it sends to this person, so nothing was sent. Try again later.", Err: err}
	}
	if !ok {
		return &problem{Status: http.StatusTooManyRequests, Heading: "Too many sent",
			Message: fmt.Sprintf("At most %d pushes, texts or emails go to one person in %d minutes, from this console and the unlock page together. Nothing was sent; try again after %s, or ask for the code from their authenticator app.",
				selfunlock.MaxSends, int(selfunlock.SendWindow.Minutes()), retryAt.Format("15:04"))}
	}
	return nil
}

// The outcomes of a verification that did not verify: the call's error
// through the action door, so the audit record is a failure with these
// words, which the person's page reads back (views.CallerLine).
var (
	errCallerDenied  = &problem{Status: http.StatusOK, Message: "denied by the person"}
	errCallerExpired = &problem{Status: http.StatusOK, Message: "expired"}
	errCallerWrong   = &problem{Status: http.StatusOK, Message: "wrong code"}
)

func callerOutcome(vs client.VerifyStatus) error {
	switch vs {
	case client.VerifyApproved:
		return nil
	case client.VerifyDenied:
		return errCallerDenied
	case client.VerifyExpired:
		return errCallerExpired
	}
	return errCallerWrong
}

// factorWords name a factor as the audit trail and the page say how a
// caller was checked: "OneLogin Protect push", "texted code".
func factorWords(f selfunlock.Factor) string {
	switch {
	case f.Push():
		return "OneLogin Protect push"
	case f.Kind() == client.FactorSMS:
		return "texted code"
	case f.Kind() == client.FactorEmail:
		return "emailed code"
	}
	return "authenticator code"
}

func callerParams(f selfunlock.Factor) map[string]string {
	return map[string]string{"factor": factorWords(f), "device": f.Label()}
}

// callerSend is POST /users/:id/caller/send: a push or a code to the
// chosen factor (or, for an app, nothing sent: the caller reads its code).
func (h *Handler) callerSend(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ticket, values, errs := panelTicket(form)
	fs, err := h.caller.verifier.Factors(ctx, u.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(fs, func(f selfunlock.Factor) bool { return f.Label() == form.Get("factor") })
	if i < 0 {
		errs.add(formError, "Choose one of the factors listed.")
	}
	if errs := errs.result(); errs != nil {
		return h.factorsInvalid(c, u, "caller-send", values, errs)
	}
	f := fs[i]
	ch := selfunlock.Challenge{}
	err = h.act(c, attemptOn(access.CallerChallenge, u, ticket, callerParams(f)), func(ctx context.Context) error {
		if !f.NeedsTrigger() {
			return nil // the caller reads the code from their app
		}
		if err := h.caller.takeSend(ctx, u.ID); err != nil {
			return err
		}
		var err error
		ch, err = h.caller.verifier.Trigger(ctx, u.ID, f, h.now())
		return err
	})
	if err != nil {
		return h.factorsFailed(c, u, "caller-send", "sending the "+factorWords(f), values, err)
	}
	who, _ := h.identity(ctx)
	h.caller.begin(who.Email, u.ID, callerCheck{factor: f, ch: ch, ticket: ticket, started: h.now(), user: u})
	return h.answerFactors(c, http.StatusOK, h.factorsView(c, u))
}

// callerCode is POST /users/:id/caller/code: the code the caller read out,
// checked by OneLogin.
func (h *Handler) callerCode(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	p, ok := h.caller.pending(who.Email, u.ID)
	if !ok || p.factor.Push() {
		return h.factorsNotice(c, http.StatusConflict, u, "error", "There is no code to check: send a push or a code first.", false)
	}
	code := selfunlock.CleanCode(form.Get("code"))
	if code == "" {
		return h.factorsInvalid(c, u, "caller-code", nil, fieldErrors{"code": "Type the code the caller reads out: its letters and digits only."})
	}
	expired := p.factor.NeedsTrigger() && !h.now().Before(p.ch.Expires)
	err = h.act(c, attemptOn(access.VerifyCaller, u, p.ticket, callerParams(p.factor)), func(ctx context.Context) error {
		if expired {
			return errCallerExpired
		}
		vs, err := h.caller.verifier.Verify(ctx, u.ID, p.factor, p.ch, code)
		if err != nil || vs == client.VerifyExpired {
			return cmp.Or(err, error(errCallerExpired))
		}
		if vs != client.VerifyApproved {
			return errCallerWrong // OneLogin denies a wrong code
		}
		return nil
	})
	msg, kind := "Caller verified by "+factorWords(p.factor)+": they are "+u.Name()+".", "success"
	switch {
	case err == nil:
		h.caller.end(who.Email, u.ID)
	case errors.Is(err, errCallerExpired):
		h.caller.end(who.Email, u.ID)
		msg, kind = "That code has expired: the caller is not verified. Send a new one.", "warning"
	case errors.Is(err, errCallerWrong):
		msg, kind = "That code is wrong: the caller is not verified. Check it with them and try again.", "warning"
		h.caller.update(who.Email, u.ID, func(c *callerCheck) { c.wrong++ })
		if p.wrong+1 >= maxWrongCodes {
			h.caller.end(who.Email, u.ID)
			msg = fmt.Sprintf("%d wrong codes: the caller is not verified. Send a new one if you still want to check.", maxWrongCodes)
		}
	default:
		return h.factorsFailed(c, u, "caller-code", "the code", nil, err)
	}
	return h.factorsNotice(c, http.StatusOK, u, kind, msg, true)
}

// callerPoll is POST /users/:id/caller/poll: whether the push was
// approved, asking OneLogin at most every selfunlock.PollEvery whatever
// the browser does. The page asks every two seconds while it waits.
func (h *Handler) callerPoll(c echo.Context) error {
	id, err := actionUserID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	p, ok := h.caller.pending(who.Email, id)
	if !ok || !p.factor.Push() {
		u, _, err := h.start(c)
		if err != nil {
			return err
		}
		return h.answerFactors(c, http.StatusOK, h.factorsView(c, u))
	}
	u := p.user
	now := h.now()
	vs := client.VerifyPending
	switch {
	case !now.Before(p.ch.Expires):
		vs = client.VerifyExpired
	case now.Sub(p.lastPoll) >= selfunlock.PollEvery:
		h.caller.update(who.Email, u.ID, func(c *callerCheck) { c.lastPoll = now })
		v, err := h.caller.verifier.Poll(ctx, u.ID, p.factor, p.ch)
		if err != nil {
			// Keep waiting until the push expires; the next poll asks again.
			h.log.WarnContext(ctx, "caller verification: push poll failed", "user_id", u.ID, "error", err)
		} else {
			vs = v
		}
	}
	if vs == client.VerifyPending {
		return h.answerFactors(c, http.StatusOK, h.factorsView(c, u))
	}
	h.caller.end(who.Email, u.ID)
	if u, _, err = h.start(c); err != nil { // as it is now, for the access policy
		return err
	}
	err = h.act(c, attemptOn(access.VerifyCaller, u, p.ticket, callerParams(p.factor)), func(context.Context) error {
		return callerOutcome(vs)
	})
	switch {
	case err == nil:
		return h.factorsNotice(c, http.StatusOK, u, "success", "Caller verified: "+u.Name()+" approved the push.", true)
	case errors.Is(err, errCallerDenied):
		return h.factorsNotice(c, http.StatusOK, u, "warning", u.Name()+" denied the push: the caller may not be who they say. Do not change the account on their word.", true)
	case errors.Is(err, errCallerExpired), errors.Is(err, errCallerWrong):
		return h.factorsNotice(c, http.StatusOK, u, "warning", "The push was not approved in time: the caller is not verified.", true)
	}
	return h.factorsFailed(c, u, "caller-poll", "the push", nil, err)
}

// callerOverride is POST /users/:id/caller/override: an admin records how
// they confirmed who is calling, for a person with no factor to verify.
func (h *Handler) callerOverride(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ticket, values, errs := panelTicket(form)
	reason := field(form, "reason")
	values["reason"] = reason
	switch {
	case reason == "":
		errs.add("reason", "Say how you confirmed who is calling, as in “verified in person, badge 4711”.")
	case len([]rune(reason)) > 200:
		errs.add("reason", "Keep it under 200 characters.")
	}
	if errs := errs.result(); errs != nil {
		return h.factorsInvalid(c, u, "caller-override", values, errs)
	}
	fs, err := h.caller.verifier.Factors(ctx, u.ID)
	if err != nil {
		return err
	}
	if len(fs) > 0 {
		return h.factorsNotice(c, http.StatusConflict, u, "error", u.Name()+" has a factor that can verify the caller: use it. Nothing was recorded.", false)
	}
	err = h.act(c, attemptOn(access.CallerOverride, u, ticket, map[string]string{"reason": reason}), func(context.Context) error { return nil })
	if err != nil {
		return h.factorsFailed(c, u, "caller-override", "the override", values, err)
	}
	return h.factorsNotice(c, http.StatusOK, u, "success", "Recorded that you confirmed who is calling: "+reason+".", true)
}

// callerActions are, in words, the actions HELPDESK_CALLER_VERIFICATION_ACTIONS may name.
var callerActions = map[string]string{
	"reset_password":        "a password reset",
	"import_password_hash":  "importing a password hash",
	"invite_link":           "a set-password link",
	"invite_link_elsewhere": "a set-password link sent anywhere but their own address",
	"mfa_token":             "a temporary MFA token",
	"remove_factor":         "removing a factor",
	"unlock":                "an unlock",
	"lock":                  "a lock",
	"logout":                "a log out",
	"set_state":             "changing the approval state",
}

// policy is the setting as a person's page needs it.
func (d *callerDesk) policy() views.CallerPolicy {
	p := views.CallerPolicy{Mode: string(d.mode)}
	if d.mode == config.CallerRequire {
		for _, a := range d.needs {
			p.Needs = append(p.Needs, callerActions[a])
		}
	}
	return p
}

// needed is the name under which the attempt waits for a verified caller,
// or "" when it does not.
func (d *callerDesk) needed(a Attempt) string {
	if d.mode != config.CallerRequire {
		return ""
	}
	if a.Action == access.InviteLink && slices.Contains(d.needs, "invite_link_elsewhere") &&
		(a.Params["delivery"] == "link" || a.Params["sent_to"] != "" && !access.SameEmail(a.Params["sent_to"], a.Target.Email)) {
		// A link shown to staff, or mailed to another address, reaches
		// whoever is on the phone.
		return "invite_link_elsewhere"
	}
	if slices.Contains(d.needs, string(a.Action)) {
		return string(a.Action)
	}
	return ""
}

// callerRefusal is the action door's check that, when the console requires
// it, who has verified the person's caller in the last
// access.CallerVerifiedFor (or, as an admin, recorded an override). It
// reads the audit trail, so every replica agrees, and refuses when it
// cannot.
func (h *Handler) callerRefusal(ctx context.Context, who access.Identity, a Attempt) *access.Refusal {
	name := h.caller.needed(a)
	if name == "" {
		return nil
	}
	what := callerActions[name]
	hs, ok := h.audit.(historySource)
	if !ok {
		return &access.Refusal{Reason: "caller verification required but the audit trail cannot be read",
			Message: "This console requires a verified caller before " + what + ", and cannot read its audit trail to tell. Nothing was sent."}
	}
	recs, err := hs.ForTarget(ctx, a.Target.ID, callerRecords)
	if err != nil {
		h.log.ErrorContext(ctx, "caller verification could not be read; action refused", "error", err)
		return &access.Refusal{Reason: "caller verification required; audit trail unreadable",
			Message: "This console requires a verified caller before " + what + ", and could not read whether you verified them. Try again. Nothing was sent."}
	}
	now := h.now()
	if r, ok := views.LastCallerCheck(recs, now, who.Email); ok && views.CallerVerified(r) {
		return nil
	}
	reason := "caller not verified by " + who.Email + " in the last 15 minutes"
	msg := "Verify the caller first: this console requires you to verify who is calling before " + what +
		". Use Verify the caller under Factors. Nothing was sent."
	if r, ok := views.LastCallerCheck(recs, now, ""); ok && views.CallerVerified(r) {
		reason += " (verified by " + r.ActorEmail + ")"
		msg = r.ActorEmail + " verified this caller, not you: verify them yourself before " + what + ". Nothing was sent."
	} else if verifiedBefore(recs, who.Email) {
		reason += " (an older verification has expired)"
		msg = "Your verification of this caller is more than 15 minutes old: verify them again before " + what + ". Nothing was sent."
	}
	return &access.Refusal{Reason: reason, Message: msg}
}

// verifiedBefore reports whether agent ever verified the caller among recs.
func verifiedBefore(recs []audit.Record, agent string) bool {
	return slices.ContainsFunc(recs, func(r audit.Record) bool {
		return (r.Action == access.VerifyCaller || r.Action == access.CallerOverride) &&
			r.Outcome == audit.OutcomeSucceeded && access.SameEmail(r.ActorEmail, agent)
	})
}
