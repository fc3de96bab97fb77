package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

// Who may act on whom is decided by access.Check; this file gathers what it
// needs to know about a person: whether they hold a protected role (from
// OneLogin) and who placed their lock (from the audit trail).

// lockSource is what lock provenance needs from the audit trail. Every
// audit.Store has it.
type lockSource interface {
	Last(ctx context.Context, targetID int64, kinds ...audit.Kind) (audit.Record, bool, error)
}

// lockKinds are the records that start or end a lock placed through the
// console. A lock whose answer never came (unknown), or that is still
// awaited (pending, or a crash before the answer), may have been made: it
// counts as its author's. Only an unlock that succeeded ends one.
var lockKinds = append([]audit.Kind{{Action: access.Lock,
	Outcomes: []audit.Outcome{audit.OutcomeSucceeded, audit.OutcomeUnknown, audit.OutcomePending}}},
	audit.Succeeded(access.Unlock, access.SelfUnlock)...)

// lockedNow reports whether u is locked: status Locked, or a lock end in
// the future whatever the status says (the real tenant's exact encoding is
// not confirmed, so either is believed).
func lockedNow(u *client.User, now time.Time) bool {
	return u.Status == client.StatusLocked || u.LockedUntil.After(now)
}

// subject gathers what the access policy needs to know about u. It fails
// when it cannot tell (role names or the audit trail unavailable): an action
// is refused rather than allowed on a guess.
func (h *Handler) subject(ctx context.Context, u *client.User) (access.Subject, *views.LockSource, error) {
	now := h.now()
	s := access.Subject{
		Email:      u.Email,
		Status:     u.Status.String(),
		Active:     u.Status == client.StatusActive,
		Locked:     lockedNow(u, now),
		Unlockable: u.Status == client.StatusLocked,
		NeedsPassword: u.Status == client.StatusPasswordExpired || u.Status == client.StatusAwaitingReset ||
			u.Status == client.StatusPasswordPending,
	}
	if !h.protected.Empty() && len(u.RoleIDs) > 0 {
		roles, err := h.dir.Roles(ctx)
		if err != nil {
			return s, nil, fmt.Errorf("role names, to tell whether the account is protected: %w", err)
		}
		s.Protected = h.isProtected(u.RoleIDs, roles)
	}
	if !s.Locked {
		return s, nil, nil
	}
	src, err := h.lockSource(ctx, u, now)
	if err != nil {
		return s, nil, &problem{Status: http.StatusServiceUnavailable, Heading: "Audit trail unavailable",
			Message: "The audit trail could not be read, so the console cannot tell who locked this account. Nothing was changed; try again later.", Err: err}
	}
	if src.Console {
		s.LockedBy = access.ParseRole(src.Role)
		if s.LockedBy == access.RoleNone {
			// A console lock whose author's role is unreadable is treated
			// as the strictest.
			s.LockedBy = access.RoleAdmin
		}
	}
	return s, src, nil
}

// subjectFor is subject for an action about to pass the door: a
// self-service unlock also needs OneLogin's events to say the lock came
// from failed sign-ins, and the helpdesk's contact for its refusals.
func (h *Handler) subjectFor(ctx context.Context, a access.Action, u *client.User) (access.Subject, error) {
	s, _, err := h.subject(ctx, u)
	if err != nil || a != access.SelfUnlock {
		return s, err
	}
	s.Contact = h.contact
	if s.Locked && s.LockedBy == access.RoleNone {
		if s.SignInLockout, err = h.signInLockout(ctx, u.ID); err != nil {
			return s, &problem{Status: http.StatusServiceUnavailable, Heading: "Try again later",
				Message: "OneLogin's sign-in events could not be read, so the console cannot tell how the account was locked. Nothing was changed; try again later.", Err: err}
		}
	}
	return s, nil
}

// The event types that say how an account came to be locked (reference
// §4): failed sign-ins then the policy's USER_LOCKED, or a lock by an
// administrator or through the API, or an unlock since.
const (
	evFailedSignIn = "USER_FAILED_ONELOGIN_LOGIN"
	evLocked       = "USER_LOCKED"
)

var (
	apiLockEvents = []string{"API_LOCK_USER", "USER_LOCKED_VIA_API"}
	unlockEvents  = []string{"UNLOCKED_USER", "UNLOCKED_USER_VIA_API", "UNLOCKED_USER_IN_DIRECTORY"}
)

// signInLockout reports whether OneLogin's events show the person's current
// lock came from failed sign-ins: the newest lock or unlock event is a
// USER_LOCKED by nobody or the person themselves (no admin, API system or
// credential behind it) that came right after a failed sign-in. Anything
// else, including a tenant that does not list these event types, is not
// such evidence.
func (h *Handler) signInLockout(ctx context.Context, userID int64) (bool, error) {
	want := append(append([]string{evFailedSignIn, evLocked}, apiLockEvents...), unlockEvents...)
	ids, names, err := h.eventTypes(ctx, want)
	if err != nil {
		return false, err
	}
	listed := map[string]bool{}
	for _, id := range ids {
		listed[names[id]] = true
	}
	if !listed[evFailedSignIn] || !listed[evLocked] || !slices.ContainsFunc(apiLockEvents, func(n string) bool { return listed[n] }) {
		h.log.WarnContext(ctx, "OneLogin lists no event types to tell a lockout from an admin's lock; self-service unlock refused")
		return false, nil
	}
	evs, _, err := h.ol.ListEvents(ctx, client.EventQuery{UserID: userID, TypeIDs: ids, Limit: lockEvidenceEvents})
	if err != nil {
		return false, err
	}
	lockSeen := false
	for _, e := range evs { // newest first
		if e.UserID != userID {
			continue
		}
		name := names[e.TypeID]
		if lockSeen {
			return name == evFailedSignIn, nil
		}
		if name != evLocked {
			if name == evFailedSignIn {
				continue // failed sign-ins of a locked account, after the lock
			}
			return false, nil // an unlock, or a lock by an admin or the API
		}
		if e.ActorSystem != "" || e.ClientID != "" || e.AssumingActingUserID != 0 ||
			(e.ActorUserID != 0 && e.ActorUserID != userID) {
			return false, nil // USER_LOCKED by someone else
		}
		lockSeen = true
	}
	return false, nil
}

// lockEvidenceEvents is how many of a person's newest events are read to
// tell how they were locked: one page.
const lockEvidenceEvents = 50

// isProtected reports whether any of the role ids names a protected role.
func (h *Handler) isProtected(ids []int64, roles []client.Role) bool {
	for _, r := range roles {
		for _, id := range ids {
			if r.ID == id && h.protected.Has(r.Name) {
				return true
			}
		}
	}
	return false
}

// lockSource says who placed u's current lock: the newest lock or unlock
// through the console, if it was a lock still in force.
func (h *Handler) lockSource(ctx context.Context, u *client.User, now time.Time) (*views.LockSource, error) {
	trail, ok := h.audit.(lockSource)
	if !ok {
		// A trail that cannot say who locked cannot vouch that no one did.
		return nil, errors.New("the audit trail cannot say who locked an account")
	}
	r, found, err := trail.Last(ctx, u.ID, lockKinds...)
	if err != nil {
		return nil, fmt.Errorf("the audit trail, to tell who locked the account: %w", err)
	}
	if !found || r.Action != access.Lock {
		return &views.LockSource{}, nil
	}
	minutes, _ := strconv.Atoi(r.Params["minutes"])
	if minutes > 0 && !r.Time.Add(time.Duration(minutes)*time.Minute).After(now) {
		return &views.LockSource{}, nil // that lock ran out; this one is OneLogin's
	}
	return &views.LockSource{Console: true, By: r.ActorEmail, Role: r.ActorRole, At: r.Time, Minutes: minutes, Ticket: r.Ticket}, nil
}

// errStillLocked is an unlock OneLogin accepted that did not take.
var errStillLocked = &problem{Status: http.StatusConflict, Heading: "Still locked",
	Message: "OneLogin accepted the unlock, but the account is still locked."}

// unlockAndCheck unlocks u and reads the account again: OneLogin answering
// 200 is not proof the lock is gone.
func (h *Handler) unlockAndCheck(ctx context.Context, id int64) error {
	_, err := h.unlockReadBack(ctx, id)
	return err
}

// unlockReadBack is unlockAndCheck that also returns what it read after
// the unlock (nil when the read failed), so the answer shows the person
// without reading them a second time.
func (h *Handler) unlockReadBack(ctx context.Context, id int64) (*client.User, error) {
	if err := h.ol.UnlockUser(ctx, id); err != nil {
		return nil, err
	}
	after, err := h.ol.GetUser(ctx, id)
	if err != nil {
		h.log.WarnContext(ctx, "re-reading the account after an unlock failed", "user_id", id, "error", err)
		return nil, nil
	}
	if lockedNow(after, h.now()) {
		return after, errStillLocked
	}
	return after, nil
}

// maybeDone is a change that was sent to OneLogin without an answer in
// time: it may or may not have been made.
type maybeDone struct{ err error }

func (m *maybeDone) Error() string { return "no answer in time: " + m.err.Error() }
func (m *maybeDone) Unwrap() error { return m.err }

// noAnswer reports whether err means the change was sent and OneLogin (or
// a gateway in front of it) gave no answer in time, rather than a refusal
// or a failure to send at all.
func noAnswer(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		oneLoginStatus(err) == http.StatusGatewayTimeout
}

// noAnswerMessage is what the page and the audit record say then.
const noAnswerMessage = "OneLogin did not answer in time; the change may have been made"

// fillSubject tells a page what the access policy knows of its person, so
// it offers only what the server would allow. When that cannot be told the
// page offers staff nothing but admin actions; the server decides anyway.
func (h *Handler) fillSubject(ctx context.Context, v *views.UserView) {
	s, lock, err := h.subject(ctx, &v.User)
	if err != nil {
		h.log.WarnContext(ctx, "who may act on this person is unknown; actions shown to admins only", "user_id", v.User.ID, "error", err)
		v.Missing = append(v.Missing, "permissions")
		s.Protected = true
	}
	v.Subject, v.Lock = s, lock
}
