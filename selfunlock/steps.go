package selfunlock

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/limits"
)

// PollEvery is how often a push is asked about at most, whatever the
// browser does.
const PollEvery = 2 * time.Second

// Choose takes the chosen factor (an Offer's Choice): it sends the push or
// the code, or asks for an app's code. With no choice it shows the list
// again.
func (s *Service) Choose(ctx context.Context, who Caller, id, choice string) (State, error) {
	return s.step(ctx, id, func(f *Flow) (State, error) {
		if choice == "" {
			f.chosen, f.ch = -1, Challenge{}
			return f.state(StepChoose), nil
		}
		i, err := strconv.Atoi(choice)
		if err != nil || i < 1 || i > len(f.factors) {
			st := f.state(StepChoose)
			st.Error = "Choose one of the ways listed."
			return st, nil
		}
		fa := f.factors[i-1]
		f.chosen, f.ch, f.broken, f.settled = i-1, Challenge{}, false, false
		step := StepCode
		if fa.push {
			step = StepPush
		}
		if !fa.NeedsTrigger() {
			return f.state(step), s.tally(ctx, who, f, access.UnlockFactor, audit.OutcomeUnverified, "")
		}
		begun := s.clock.Now()
		err = s.trigger(ctx, who, f, fa)
		s.pace(ctx, &s.paced.choose, begun, f.user != nil && !f.broken)
		var failed *sendFailed
		switch {
		case errors.As(err, &failed):
			f.chosen = -1
			st := f.state(StepChoose)
			st.Error = failed.Error()
			return st, nil
		case err != nil:
			f.chosen = -1
			return f.state(StepChoose), err
		}
		return f.state(step), nil
	})
}

// sendFailed is a push, text or mail OneLogin did not send: the person is
// told so, not left waiting for a code that never comes.
type sendFailed struct{ kind client.FactorKind }

func (e *sendFailed) Error() string {
	what := "The code could not be sent"
	if e.kind == client.FactorProtect {
		what = "The push could not be sent"
	}
	return what + ": OneLogin did not take it. Try again in a few minutes, or choose another way."
}

// trigger sends the push, text or email of a real factor, or pretends to
// for a decoy. It takes from the allowances first: the address's and the
// typed login's sends, which say when to come back; then the account's
// sends (Sends) and attempts, which once used up pretend to send, so that
// reaching them looks like any verification that fails.
func (s *Service) trigger(ctx context.Context, who Caller, f *Flow, fa Factor) error {
	f.ch = expecting(fa, s.now())
	if err := s.take(ctx, s.perIP, AddressKey(who.IP), tooManyFromNetwork); err != nil {
		s.tallyQuietly(ctx, who, f, access.UnlockFactor, audit.OutcomeDenied, "per-address limit reached")
		return err
	}
	// The sends of the login as typed are what the page shows (the same
	// for every login); the account's, across its spellings and the
	// helpdesk's sends, hold silently, so two spellings cannot be linked.
	if err := s.take(ctx, s.sends, "typed:"+asciiLower(f.login), "No more codes or pushes can be sent just now."); err != nil {
		s.tallyQuietly(ctx, who, f, access.UnlockFactor, audit.OutcomeDenied, "send limit reached")
		return err
	}
	for _, l := range []limits.Limit{s.sends, s.attempts} {
		ok, _, err := l.Take(ctx, f.key)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrUncounted, err)
		}
		if !ok {
			f.broken = true
			return s.tally(ctx, who, f, access.UnlockFactor, audit.OutcomeDenied, "account's "+l.Name+" limit reached; nothing sent")
		}
	}
	if err := s.tally(ctx, who, f, access.UnlockFactor, audit.OutcomeUnverified, ""); err != nil {
		return err
	}
	if f.user == nil {
		return nil
	}
	if err := s.spend(ctx, who, 1); err != nil {
		return err
	}
	ch, err := s.verifier.Trigger(ctx, f.user.ID, fa, s.now())
	f.ch = ch
	if err != nil {
		f.broken = true
		s.log.WarnContext(ctx, "public unlock: sending failed", "user_id", f.user.ID, "error", err)
		s.tallyQuietly(ctx, who, f, access.UnlockFactor, audit.OutcomeFailed, "send failed: "+s.failed(err).Message)
		return &sendFailed{fa.kind}
	}
	return nil
}

// codeExpired is the answer to a code sent too long ago.
const codeExpired = "That code has expired. Send a new one."

// codeFailed is the one answer to a code that did not verify, whatever the
// reason (wrong, a decoy, OneLogin failing, the account's attempts used
// up), so that it tells nothing.
const codeFailed = "That code did not work. Check it and try again, or send a new one."

// Code checks a typed code and, when it is right, unlocks through unlock.
func (s *Service) Code(ctx context.Context, who Caller, id, typed string, unlock Unlocker) (State, error) {
	return s.step(ctx, id, func(f *Flow) (State, error) {
		if f.chosen < 0 || f.factors[f.chosen].push {
			return f.state(StepChoose), nil
		}
		fa := f.factors[f.chosen]
		st := f.state(StepCode)
		code := CleanCode(typed)
		if code == "" {
			st.Error = "Type the code: the letters and digits only."
			return st, nil
		}
		begun := s.clock.Now()
		vs, err := s.check(ctx, who, f, fa, code)
		s.pace(ctx, &s.paced.code, begun, f.user != nil && !f.broken)
		switch {
		case err != nil:
			return st, err
		case vs == client.VerifyApproved:
			if err := s.recordVerified(ctx, who, f, fa); err != nil {
				return st, err
			}
			return s.verified(ctx, who, f, fa, unlock)
		case vs == client.VerifyExpired:
			st.Error = codeExpired
		default:
			st.Error = codeFailed
		}
		return st, nil
	})
}

// check counts a typed code against the allowances, records the attempt
// and asks OneLogin whether it is right: never for a decoy or a send that
// failed, and never once the account's attempts are used up.
func (s *Service) check(ctx context.Context, who Caller, f *Flow, fa Factor, code string) (client.VerifyStatus, error) {
	if err := s.take(ctx, s.perIP, AddressKey(who.IP), tooManyFromNetwork); err != nil {
		s.tallyQuietly(ctx, who, f, access.UnlockVerify, audit.OutcomeDenied, "per-address limit reached")
		return 0, err
	}
	ok, _, err := s.attempts.Take(ctx, f.key)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrUncounted, err)
	}
	if !ok {
		return client.VerifyDenied, s.tally(ctx, who, f, access.UnlockVerify, audit.OutcomeDenied, "attempts limit reached")
	}
	if fa.NeedsTrigger() && !s.now().Before(f.ch.Expires) {
		return client.VerifyExpired, s.tally(ctx, who, f, access.UnlockVerify, audit.OutcomeUnverified, "code expired")
	}
	if err := s.tally(ctx, who, f, access.UnlockVerify, audit.OutcomeUnverified, ""); err != nil {
		return 0, err
	}
	if f.user == nil || f.broken {
		return client.VerifyDenied, nil
	}
	if err := s.spend(ctx, who, 1); err != nil {
		return 0, err
	}
	vs, err := s.verifier.Verify(ctx, f.user.ID, fa, f.ch, code)
	if err != nil {
		s.log.WarnContext(ctx, "public unlock: code check failed", "user_id", f.user.ID, "error", err)
		s.tallyQuietly(ctx, who, f, access.UnlockVerify, audit.OutcomeFailed, "check failed: "+s.failed(err).Message)
		return client.VerifyDenied, nil
	}
	return vs, nil
}

// Push asks whether the push was approved, OneLogin at most every
// PollEvery and never once it has expired, each ask counted against the
// address, and when it was, unlocks through unlock.
func (s *Service) Push(ctx context.Context, who Caller, id string, unlock Unlocker) (State, error) {
	return s.step(ctx, id, func(f *Flow) (State, error) {
		if f.chosen < 0 || !f.factors[f.chosen].push {
			return f.state(StepChoose), nil
		}
		fa := f.factors[f.chosen]
		now := s.now()
		begun := s.clock.Now()
		vs := client.VerifyPending
		asked := false
		switch {
		case !now.Before(f.ch.Expires):
			vs = client.VerifyExpired
		case f.user != nil && !f.broken && now.Sub(f.lastPoll) >= PollEvery:
			f.lastPoll = now
			if s.spend(ctx, who, 1) == nil {
				asked = true
				v, err := s.verifier.Poll(ctx, f.user.ID, fa, f.ch)
				if err != nil {
					// Keep waiting until the push expires, as a decoy's does.
					s.log.WarnContext(ctx, "public unlock: push poll failed", "user_id", f.user.ID, "error", err)
				} else {
					vs = v
				}
			}
		}
		s.pace(ctx, &s.paced.push, begun, asked)
		switch vs {
		case client.VerifyPending:
			st := f.state(StepPush)
			st.Pending, st.Notice = true, "The push has not been approved yet."
			return st, nil
		case client.VerifyApproved:
			if err := s.recordVerified(ctx, who, f, fa); err != nil {
				return f.state(StepPush), err
			}
			return s.verified(ctx, who, f, fa, unlock)
		}
		msg := "The push was denied on your phone. If that was not you, tell the IT helpdesk; otherwise choose a way to try again."
		if vs == client.VerifyExpired {
			msg = "The push was not approved in time. Choose a way to try again."
		}
		if !f.settled {
			f.settled = true
			s.tallyQuietly(ctx, who, f, access.UnlockVerify, audit.OutcomeUnverified, "push "+vs.String())
		}
		f.chosen = -1
		st := f.state(StepChoose)
		st.Notice = msg
		return st, nil
	})
}

// verified unlocks the account of a person who has just proved who they
// are. From here on they are no longer an unverified claimant, so the page
// may say what stands in the way.
func (s *Service) verified(ctx context.Context, who Caller, f *Flow, fa Factor, unlock Unlocker) (State, error) {
	f.done = true
	f.ch.v = nil // verified: the secret has served
	// The flow is claimed before anything else: of two steps that
	// verified at once, on any replicas, one goes on.
	if claimed, err := s.flows.Put(ctx, f); err != nil || !claimed {
		return State{Step: StepStart, Chosen: -1}, errFlowGone
	}
	if err := s.flows.Remove(context.WithoutCancel(ctx), f.id); err != nil {
		s.log.WarnContext(ctx, "public unlock: a verified flow was not removed; it can no longer verify", "error", err)
	}
	st := f.state(StepDone)
	st.Ended = true

	person := access.Identity{Email: f.user.Email, Name: f.user.Name(), Role: access.RoleEmployee}
	ok, _, err := s.daily.Take(ctx, f.key)
	if err != nil {
		return st, fmt.Errorf("%w: %w", ErrUncounted, err)
	}
	if !ok {
		s.trail.Denied(ctx, s.record(who, f, access.SelfUnlock), fmt.Sprintf("public unlock limit of %d a day reached", s.cfg.UnlocksPerDay))
		return st, &Stop{Status: http.StatusTooManyRequests, Heading: "Call the IT helpdesk",
			Message: fmt.Sprintf("Your account has been unlocked here %s in the last day, which is as often as this page allows. Call the IT helpdesk.", Times(s.cfg.UnlocksPerDay))}
	}
	// The verified person's unlock is not held back by the page's share of
	// the quota, but it counts in it: the read below, and in the action door
	// the lock's evidence (events, and their types when the client's day-long
	// list is cold), the unlock and its read-back.
	_ = s.spend(ctx, who, unlockCalls)
	u, err := s.ol.GetUser(ctx, f.user.ID) // as it is now, for the policy
	if err != nil {
		return st, err
	}
	params := s.params(who, f)
	params["factor"] = fa.kind.String()
	err = unlock(ctx, person, u, params)
	var ref *access.Refusal
	switch {
	case err == nil:
		return st, nil
	case errors.As(err, &ref) && !ref.State:
		// A lock placed by staff: the policy's words are for this person.
		err = &Stop{Status: http.StatusForbidden, Heading: "Contact the IT helpdesk", Message: ref.Message}
	case errors.As(err, &ref) && !lockedNow(u, s.now()):
		err = &Stop{Status: http.StatusConflict, Heading: "Not locked",
			Message: "Your account is no longer locked: you can sign in again now."}
	case errors.As(err, &ref):
		err = &Stop{Status: http.StatusConflict, Heading: "Contact the IT helpdesk",
			Message: "Your account cannot be unlocked here: OneLogin reports it as " + strings.ToLower(u.Status.String()) + ". Contact the IT helpdesk."}
	case errors.Is(err, ErrMaybeUnlocked):
		err = &Stop{Status: http.StatusGatewayTimeout, Heading: "Not sure it worked",
			Message: "OneLogin did not answer in time, so your account may or may not be unlocked. Try to sign in in a minute; if you cannot, call the IT helpdesk."}
	case errors.Is(err, ErrStillLocked):
		err = &Stop{Status: http.StatusConflict, Heading: "Still locked",
			Message: "OneLogin accepted the unlock, but your account is still locked. Call the IT helpdesk."}
	}
	return st, err
}

// defaultQuota is OneLogin's documented hourly quota, assumed until the
// client has seen the tenant's.
const defaultQuota = 5000

// fairParts is how many addresses the page's share is fair to: no one
// address may spend more than this part of it (at the default share, 100
// calls an hour: a whole walk with two minutes of push polls is 63).
const fairParts = 5

// minFairPart is the least fair part, so that a small share still lets
// one address finish a walk through the page.
const minFairPart = 10

// unlockCalls is the most OneLogin calls a verified unlock makes.
const unlockCalls = 5

// spend counts n OneLogin calls against the page's share of the tenant's
// hourly quota, and against the address's fair part of that share. The
// share comes out of what lies above the reserve kept for account
// actions, and the page stops when the tenant is down to the reserve, so
// that anonymous traffic never refuses staff an action. It refuses (with
// when to come back) once a share is used, and fails closed when the
// count cannot be read.
func (s *Service) spend(ctx context.Context, who Caller, n int) error {
	rl := s.ol.RateLimit()
	limit := rl.Limit
	if limit <= 0 {
		limit = defaultQuota
	}
	busy := &Stop{Status: http.StatusServiceUnavailable, Heading: "Try again later", Message: "This page is busy."}
	above := limit - s.reserve
	if above <= 0 || !rl.Observed.IsZero() && rl.Remaining <= s.reserve {
		if rl.Reset > 0 {
			busy.RetryAt = rl.Observed.Add(rl.Reset)
		}
		return busy
	}
	tenant, addr := s.quota, s.ipCalls
	tenant.Max = max(above*s.cfg.QuotaShare/100, 1)
	// A fair part still pays for a few whole look-ups.
	addr.Max = max(tenant.Max/fairParts, min(tenant.Max, minFairPart))
	for range n {
		if err := s.take(ctx, addr, AddressKey(who.IP), tooManyFromNetwork); err != nil {
			return err
		}
		ok, retryAt, err := tenant.Take(ctx, "tenant")
		if err != nil {
			return fmt.Errorf("%w: %w", ErrUncounted, err)
		}
		if !ok {
			busy.RetryAt = retryAt
			return busy
		}
	}
	return nil
}

// take uses one of l's units for key, or says when to come back.
func (s *Service) take(ctx context.Context, l limits.Limit, key, why string) error {
	ok, retryAt, err := l.Take(ctx, key)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUncounted, err)
	}
	if !ok {
		return &Stop{Status: http.StatusTooManyRequests, Heading: "Too many attempts", Message: why, RetryAt: retryAt}
	}
	return nil
}

// tallyWindow is how long one tallied record gathers the like steps of one
// address: a flood adds at most one record per kind of step and outcome
// in each window.
const tallyWindow = 10 * time.Minute

// unverifiedActor is the actor of tallied steps: whoever typed, unproved.
const unverifiedActor = "unverified (public unlock page)"

// tally records an unverified step of f's flow: added to its address's
// record of like steps in the window, with what was typed in the record's
// sample and no target, so that it never shows in anyone's history. A
// step must not go on when this fails (ErrNotRecorded).
func (s *Service) tally(ctx context.Context, who Caller, f *Flow, a access.Action, o audit.Outcome, reason string) error {
	rec := audit.Record{ActorEmail: unverifiedActor, ActorRole: "public", SourceIP: AddressKey(who.IP), RequestID: who.RequestID,
		Action: a, Outcome: o, Reason: reason, Params: s.params(who, f)}
	typed := f.login
	if f.chosen >= 0 {
		typed += " (" + f.factors[f.chosen].Name() + ")"
	}
	if _, err := s.trail.Tally(ctx, rec, tallyWindow, typed); err != nil {
		s.log.ErrorContext(ctx, "audit write failed; unlock step refused", "action", a, "error", err)
		return ErrNotRecorded
	}
	return nil
}

// tallyQuietly is tally for a step already answered: a failure only goes
// to the log.
func (s *Service) tallyQuietly(ctx context.Context, who Caller, f *Flow, a access.Action, o audit.Outcome, reason string) {
	_ = s.tally(context.WithoutCancel(ctx), who, f, a, o, reason)
}

// record starts an audit record of a verified person's step: theirs, on
// their account.
func (s *Service) record(who Caller, f *Flow, a access.Action) audit.Record {
	return audit.Record{ActorEmail: f.user.Email, ActorRole: access.RoleEmployee.String(), SourceIP: who.IP, RequestID: who.RequestID,
		TargetID: f.user.ID, TargetEmail: f.user.Email, TargetName: f.user.Name(), Action: a, Params: s.params(who, f)}
}

// recordVerified records that the person proved who they are with fa: the
// first record of the flow on their account. Nothing is unlocked unless it
// is written.
func (s *Service) recordVerified(ctx context.Context, who Caller, f *Flow, fa Factor) error {
	rec := s.record(who, f, access.UnlockVerify)
	rec.Params["factor"] = fa.kind.String()
	rec.Outcome, rec.Status, rec.Message = audit.OutcomeSucceeded, http.StatusOK, "verified"
	if _, err := s.trail.Begin(ctx, rec); err != nil {
		s.log.ErrorContext(ctx, "audit write failed; unlock refused", "error", err)
		return ErrNotRecorded
	}
	return nil
}

// maxUserAgent is as much of the browser's User-Agent as a flow keeps and
// the trail records: enough to tell browsers apart, not a megabyte.
const maxUserAgent = 256

// clipUserAgent is ua clipped to maxUserAgent bytes, whole runes.
func clipUserAgent(ua string) string {
	if len(ua) <= maxUserAgent {
		return ua
	}
	n := maxUserAgent
	for n > 0 && !utf8.RuneStart(ua[n]) {
		n--
	}
	return ua[:n]
}

// params are the parameters every record of the flow carries.
func (s *Service) params(who Caller, f *Flow) map[string]string {
	ua := who.UserAgent
	if ua == "" {
		ua = f.ua
	}
	return map[string]string{"via": "public unlock page", "user_agent": clipUserAgent(ua)}
}
