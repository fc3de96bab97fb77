package selfunlock

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

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
	return s.step(id, func(f *Flow) (State, error) {
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
			rec := s.record(who, f, access.UnlockFactor)
			rec.Params["factor"] = fa.kind.String()
			rec.Outcome, rec.Message = audit.OutcomeSucceeded, "asked for a code"
			if _, err := s.trail.Begin(ctx, rec); err != nil {
				s.log.ErrorContext(ctx, "audit write failed; unlock step refused", "error", err)
				return f.state(step), ErrNotRecorded
			}
			return f.state(step), nil
		}
		if err := s.takeBoth(ctx, who, f); err != nil {
			f.chosen = -1
			s.denied(ctx, who, f, access.UnlockFactor, "limit reached")
			return f.state(StepChoose), err
		}
		if err := s.trigger(ctx, who, f, fa); err != nil {
			f.chosen = -1
			return f.state(StepChoose), err
		}
		return f.state(step), nil
	})
}

// trigger sends the push, text or email of a real factor (recorded first),
// or pretends to for a decoy. A failed send looks like a sent one: the
// verification then fails, as a decoy's does.
func (s *Service) trigger(ctx context.Context, who Caller, f *Flow, fa Factor) error {
	f.ch = expecting(fa, s.now())
	rec := s.record(who, f, access.UnlockFactor)
	rec.Params["factor"] = fa.kind.String()
	if f.user == nil {
		rec.Outcome, rec.Message = audit.OutcomeFailed, "nothing sent ("+f.route+")"
		if _, err := s.trail.Begin(ctx, rec); err != nil {
			s.log.ErrorContext(ctx, "audit write failed; unlock step refused", "error", err)
			return ErrNotRecorded
		}
		return nil
	}
	if err := s.spend(ctx, 1); err != nil {
		return err
	}
	id, err := s.trail.Begin(ctx, rec)
	if err != nil {
		s.log.ErrorContext(ctx, "audit write failed; unlock step refused", "error", err)
		return ErrNotRecorded
	}
	ch, err := s.verifier.Trigger(ctx, f.user.ID, fa, s.now())
	f.ch = ch
	res := audit.Result{Outcome: audit.OutcomeSucceeded, Status: http.StatusOK, Message: "sent"}
	if err != nil {
		f.broken = true
		res = s.failed(err)
		s.log.WarnContext(ctx, "public unlock: sending failed; the step goes on as if sent", "user_id", f.user.ID, "error", err)
	}
	s.complete(ctx, id, res)
	return nil
}

// codeExpired is the answer to a code sent too long ago.
const codeExpired = "That code has expired. Send a new one."

// codeFailed is the one answer to a code that did not verify, whatever the
// reason (wrong, a decoy, OneLogin failing), so that it tells nothing.
const codeFailed = "That code did not work. Check it and try again, or send a new one."

// Code checks a typed code and, when it is right, unlocks through unlock.
func (s *Service) Code(ctx context.Context, who Caller, id, typed string, unlock Unlocker) (State, error) {
	return s.step(id, func(f *Flow) (State, error) {
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
		if err := s.takeBoth(ctx, who, f); err != nil {
			s.denied(ctx, who, f, access.UnlockVerify, "limit reached")
			return st, err
		}
		if fa.NeedsTrigger() && !s.now().Before(f.ch.Expires) {
			s.recordVerify(ctx, who, f, fa, audit.Result{Outcome: audit.OutcomeFailed, Message: "code expired"})
			st.Error = codeExpired
			return st, nil
		}
		vs := client.VerifyDenied
		res := audit.Result{Outcome: audit.OutcomeFailed, Message: "not verified (" + f.route + ")"}
		if f.user != nil && !f.broken {
			if err := s.spend(ctx, 1); err != nil {
				return st, err
			}
			rec := s.record(who, f, access.UnlockVerify)
			rec.Params["factor"] = fa.kind.String()
			id, err := s.trail.Begin(ctx, rec)
			if err != nil {
				s.log.ErrorContext(ctx, "audit write failed; verification refused", "error", err)
				return st, ErrNotRecorded
			}
			vs, err = s.verifier.Verify(ctx, f.user.ID, fa, f.ch, code)
			switch {
			case err != nil:
				res = s.failed(err)
			case vs == client.VerifyApproved:
				res = audit.Result{Outcome: audit.OutcomeSucceeded, Status: http.StatusOK, Message: "verified"}
			default:
				res = audit.Result{Outcome: audit.OutcomeFailed, Message: "code " + vs.String()}
			}
			s.complete(ctx, id, res)
		} else {
			s.recordVerify(ctx, who, f, fa, res)
		}
		switch vs {
		case client.VerifyApproved:
			return s.verified(ctx, who, f, fa, unlock)
		case client.VerifyExpired:
			st.Error = codeExpired
		default:
			st.Error = codeFailed
		}
		return st, nil
	})
}

// Push asks whether the push was approved, OneLogin at most every
// PollEvery, and when it was, unlocks through unlock.
func (s *Service) Push(ctx context.Context, who Caller, id string, unlock Unlocker) (State, error) {
	return s.step(id, func(f *Flow) (State, error) {
		if f.chosen < 0 || !f.factors[f.chosen].push {
			return f.state(StepChoose), nil
		}
		fa := f.factors[f.chosen]
		now := s.now()
		vs := client.VerifyPending
		switch {
		case !now.Before(f.ch.Expires):
			vs = client.VerifyExpired
		case f.user != nil && !f.broken && now.Sub(f.lastPoll) >= PollEvery:
			f.lastPoll = now
			if s.spend(ctx, 1) == nil {
				v, err := s.verifier.Poll(ctx, f.user.ID, fa, f.ch)
				if err != nil {
					// Keep waiting until the push expires, as a decoy's does.
					s.log.WarnContext(ctx, "public unlock: push poll failed", "user_id", f.user.ID, "error", err)
				} else {
					vs = v
				}
			}
		}
		switch vs {
		case client.VerifyPending:
			st := f.state(StepPush)
			st.Pending, st.Notice = true, "The push has not been approved yet."
			return st, nil
		case client.VerifyApproved:
			s.recordVerify(ctx, who, f, fa, audit.Result{Outcome: audit.OutcomeSucceeded, Status: http.StatusOK, Message: "push approved"})
			return s.verified(ctx, who, f, fa, unlock)
		}
		msg := "The push was denied on your phone. If that was not you, call the IT helpdesk; otherwise choose a way to try again."
		if vs == client.VerifyExpired {
			msg = "The push was not approved in time. Choose a way to try again."
		}
		if !f.settled {
			f.settled = true
			s.recordVerify(ctx, who, f, fa, audit.Result{Outcome: audit.OutcomeFailed, Message: "push " + vs.String() + " (" + f.route + ")"})
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
	s.flows.Remove(f.id)
	f.ch.stateToken = "" // verified: the secret has served
	st := f.state(StepDone)
	st.Ended = true

	person := access.Identity{Email: f.user.Email, Name: f.user.Name(), Role: access.RoleEmployee}
	ok, _, err := s.daily.Take(ctx, f.key)
	if err != nil {
		return st, fmt.Errorf("%w: %w", ErrUncounted, err)
	}
	if !ok {
		rec := s.record(who, f, access.SelfUnlock)
		rec.ActorEmail, rec.ActorRole, rec.Params = person.Email, person.Role.String(), s.params(who, f)
		s.trail.Denied(ctx, rec, fmt.Sprintf("public unlock limit of %d a day reached", s.cfg.UnlocksPerDay))
		return st, &Stop{Status: http.StatusTooManyRequests, Heading: "Call the IT helpdesk",
			Message: fmt.Sprintf("Your account has been unlocked here %s in the last day, which is as often as this page allows. Call the IT helpdesk.", Times(s.cfg.UnlocksPerDay))}
	}
	// The verified person's unlock is not held back by the page's share of
	// the quota, but it counts in it.
	_ = s.spend(ctx, 3)
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

// spend counts n OneLogin calls against the flow's share of the tenant's
// hourly quota. It refuses (with when to come back) once the share is
// used, and fails closed when the count cannot be read.
func (s *Service) spend(ctx context.Context, n int) error {
	l := s.quota
	limit := s.ol.RateLimit().Limit
	if limit <= 0 {
		limit = defaultQuota
	}
	l.Max = max(limit*s.cfg.QuotaShare/100, 1)
	for range n {
		ok, retryAt, err := l.Take(ctx, "tenant")
		if err != nil {
			return fmt.Errorf("%w: %w", ErrUncounted, err)
		}
		if !ok {
			return &Stop{Status: http.StatusServiceUnavailable, Heading: "Try again later", Message: "This page is busy.", RetryAt: retryAt}
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

// takeBoth counts a verification against the address and the account,
// the account only when the address has some left.
func (s *Service) takeBoth(ctx context.Context, who Caller, f *Flow) error {
	if err := s.take(ctx, s.perIP, who.IP, "There have been too many attempts from your network."); err != nil {
		return err
	}
	return s.take(ctx, s.attempts, f.key, "There have been too many attempts for this account.")
}

// record starts an audit record of a step, by the unverified claimant:
// what they typed, from where, with what browser.
func (s *Service) record(who Caller, f *Flow, a access.Action) audit.Record {
	rec := audit.Record{ActorEmail: "unverified: " + f.login, ActorRole: "public",
		SourceIP: who.IP, RequestID: who.RequestID, Action: a, Params: s.params(who, f)}
	if f.user != nil {
		rec.TargetID, rec.TargetEmail, rec.TargetName = f.user.ID, f.user.Email, f.user.Name()
	} else if id, ok := strings.CutPrefix(f.key, "user:"); ok {
		rec.TargetID, _ = strconv.ParseInt(id, 10, 64) // a decoy for an existing account
	}
	if f.route != "" {
		rec.Params["account"] = f.route
	}
	return rec
}

// params are the parameters every record of the flow carries.
func (s *Service) params(who Caller, f *Flow) map[string]string {
	ua := who.UserAgent
	if ua == "" {
		ua = f.ua
	}
	return map[string]string{"via": "public unlock page", "user_agent": ua} // audit.Prepare bounds its length
}

// denied records a step refused by a limit.
func (s *Service) denied(ctx context.Context, who Caller, f *Flow, a access.Action, reason string) {
	s.trail.Denied(ctx, s.record(who, f, a), reason)
}

// recordVerify records a verification's outcome in one go (nothing asked
// of OneLogin, or a push poll's final answer).
func (s *Service) recordVerify(ctx context.Context, who Caller, f *Flow, fa Factor, res audit.Result) {
	rec := s.record(who, f, access.UnlockVerify)
	rec.Params["factor"] = fa.kind.String()
	rec.Outcome, rec.Status, rec.Message = res.Outcome, res.Status, res.Message
	if _, err := s.trail.Begin(ctx, rec); err != nil {
		s.log.ErrorContext(ctx, "audit write failed", "action", rec.Action, "error", err)
	}
}

// complete finishes a record begun before OneLogin was asked; OneLogin has
// answered by now, so a failure only goes to the log.
func (s *Service) complete(ctx context.Context, id int64, res audit.Result) {
	if err := s.trail.Complete(context.WithoutCancel(ctx), id, res); err != nil {
		s.log.ErrorContext(ctx, "audit completion failed", "audit_id", id, "error", err)
	}
}
