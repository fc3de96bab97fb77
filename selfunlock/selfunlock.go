package selfunlock

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/limits"
)

// OneLogin is what the flow needs of OneLogin: find the person, read them
// back, the tenant's quota, and the MFA API.
type OneLogin interface {
	ListUsers(ctx context.Context, q client.ListUsersQuery) ([]client.User, client.Page, error)
	GetUser(ctx context.Context, id int64) (*client.User, error)
	RateLimit() client.RateLimit
	MFA
}

// Trail keeps the flow's audit records. Unverified steps are tallied
// (audit.Tallier): one record per source address, kind of step and
// window, with no target, so a flood writes little and never reaches a
// person's history. A verified person's steps are records of their own:
// Begin; Denied writes a refused one and reports its own failure to write.
type Trail interface {
	Begin(ctx context.Context, r audit.Record) (int64, error)
	Denied(ctx context.Context, r audit.Record, reason string)
	audit.Tallier
}

// Unlocker lifts the lock of u for who, its owner, once verified: the
// console's action door, which asks the access policy, records the attempt
// and reads the account back. Its errors: an *access.Refusal (reachable
// with errors.As) when the policy refuses, ErrMaybeUnlocked, ErrStillLocked,
// or any other failure.
type Unlocker func(ctx context.Context, who access.Identity, u *client.User, params map[string]string) error

var (
	// ErrMaybeUnlocked is an unlock sent to OneLogin without an answer in
	// time.
	ErrMaybeUnlocked = errors.New("no answer in time; the account may be unlocked")
	// ErrStillLocked is an unlock OneLogin accepted that did not take.
	ErrStillLocked = errors.New("OneLogin accepted the unlock, but the account is still locked")
	// ErrNotRecorded refuses a step whose audit record could not be written.
	ErrNotRecorded = errors.New("selfunlock: the audit record could not be written")
	// ErrUncounted refuses a step whose allowance could not be counted.
	ErrUncounted = errors.New("selfunlock: the allowances cannot be counted")
	// ErrNoFlows refuses a step whose flow could not be kept or read.
	ErrNoFlows = errors.New("selfunlock: the flows cannot be kept")
)

// Stop ends a step with a page that says why and what to do; it never
// depends on whether the account exists.
type Stop struct {
	Status           int
	Heading, Message string
	// RetryAt, when set, is when to come back: the page says so after
	// Message.
	RetryAt time.Time
}

func (s *Stop) Error() string { return strconv.Itoa(s.Status) + " " + s.Message }

// tooManyFromNetwork is the per-address allowance's refusal.
const tooManyFromNetwork = "There have been too many attempts from your network."

// errFlowGone answers a step whose flow ended or never was.
var errFlowGone = &Stop{Status: http.StatusBadRequest, Heading: "Start again",
	Message: "This page was open too long, or was started in another browser. Start again."}

// Caller is who a step answers, for the limits and the audit trail.
type Caller struct {
	IP, UserAgent, RequestID string
}

// Options are what the flow works with beside its settings.
type Options struct {
	OneLogin OneLogin
	// Limits counts the allowances, so they survive a restart and hold
	// across replicas.
	Limits limits.Store
	Trail  Trail
	// Failed is the audit result of a OneLogin call that failed: its
	// status and a message fit for the trail.
	Failed func(err error) audit.Result
	// QuotaReserve is the tenant's hourly OneLogin calls kept for account
	// actions (HELPDESK_QUOTA_RESERVE): the page's share comes out of what
	// lies above it, and the page stops when the tenant is down to it.
	QuotaReserve int
	// Flows keeps the flows between steps; nil keeps them in memory.
	Flows Store
	// DecoyKey keys the made-up factors, so a login shows the same ones
	// on every visit; with a stable key, across restarts too. nil: a
	// random key per process.
	DecoyKey []byte
	// Shapes counts the shapes of the real factor lists shown, which the
	// decoys are drawn from: the state store, so that every replica draws
	// from the same counts, across restarts; nil counts in memory.
	Shapes ShapeStore
	Logger *slog.Logger
	// Now is the clock of the flows and allowances; nil means time.Now.
	Now func() time.Time
	// Pace is the clock answers are held back on so that they take the
	// same time whatever the account; zero means the wall clock.
	Pace Clock
}

// Service runs the flows.
type Service struct {
	cfg      config.PublicUnlock
	ol       OneLogin
	verifier Verifier
	flows    Store
	trail    Trail
	failed   func(error) audit.Result
	log      *slog.Logger
	now      func() time.Time
	clock    Clock
	decoyKey []byte
	shapes   shapeCache
	learnt   limits.Limit // a real list's shape counted per account (learnEvery)
	reserve  int
	attempts limits.Limit // per account, CoolDown
	sends    limits.Limit // pushes, texts and mails per account (Sends)
	daily    limits.Limit // unlocks per account, a day
	perIP    limits.Limit // per source address, an hour
	quota    limits.Limit // OneLogin calls, an hour; Max follows the tenant's quota
	ipCalls  limits.Limit // OneLogin calls per source address, an hour: a fair part of quota
	// paced holds each step's answers to its slow path's time.
	paced struct{ start, choose, code, push pacer }
}

// New is the flow with the settings config parsed (cfg.Enabled is the
// caller's business).
func New(cfg config.PublicUnlock, o Options) (*Service, error) {
	if o.OneLogin == nil || o.Limits == nil || o.Trail == nil || o.Failed == nil {
		return nil, errors.New("selfunlock: the flow needs OneLogin, a Limits store for its allowances, a Trail and Failed")
	}
	kinds, err := Kinds(cfg.Factors)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, ol: o.OneLogin, verifier: Verifier{MFA: o.OneLogin, Kinds: kinds},
		flows: o.Flows, trail: o.Trail, failed: o.Failed, log: o.Logger, now: o.Now, clock: o.Pace, decoyKey: o.DecoyKey,
		reserve: max(o.QuotaReserve, 0)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.clock.Now == nil || s.clock.Sleep == nil {
		s.clock = realClock
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.flows == nil {
		s.flows = NewMemoryStore(s.now)
	}
	s.shapes.store = o.Shapes
	if s.shapes.store == nil {
		s.shapes.store = NewMemoryShapes()
	}
	if len(s.decoyKey) == 0 {
		s.decoyKey = []byte(rand.Text())
	}
	s.attempts = limits.Limit{Store: o.Limits, Name: "unlock-attempts", Max: cfg.Attempts, Window: cfg.CoolDown, Now: s.now}
	s.sends = Sends(o.Limits, s.now)
	s.daily = limits.Limit{Store: o.Limits, Name: "unlock-daily", Max: cfg.UnlocksPerDay, Window: 24 * time.Hour, Now: s.now}
	s.perIP = limits.Limit{Store: o.Limits, Name: "unlock-ip", Max: cfg.PerIP, Window: time.Hour, Now: s.now}
	s.quota = limits.Limit{Store: o.Limits, Name: "unlock-onelogin", Window: time.Hour, Now: s.now}
	s.learnt = limits.Limit{Store: o.Limits, Name: "unlock-shape-counted", Max: 1, Window: learnEvery, Now: s.now}
	s.ipCalls = limits.Limit{Store: o.Limits, Name: "unlock-onelogin-ip", Window: time.Hour, Now: s.now}
	return s, nil
}

// Start takes the username or email typed and offers factors: the
// account's real ones when it is locked and has usable ones, made-up ones
// otherwise, alike, and in the same time. It returns the new flow's id.
func (s *Service) Start(ctx context.Context, who Caller, login string) (string, State, error) {
	st := State{Step: StepStart, Login: login, Chosen: -1}
	if msg := CheckLogin(login); msg != "" {
		st.Error = msg
		return "", st, nil
	}
	begun := s.clock.Now()
	f := &Flow{login: login, ua: clipUserAgent(who.UserAgent), chosen: -1}
	if err := s.take(ctx, s.perIP, AddressKey(who.IP), tooManyFromNetwork); err != nil {
		s.tallyQuietly(ctx, who, f, access.UnlockRequest, audit.OutcomeDenied, "per-address limit reached")
		return "", st, err
	}
	if err := s.tally(ctx, who, f, access.UnlockRequest, audit.OutcomeUnverified, ""); err != nil {
		return "", st, err
	}
	// Both calls a real account costs are counted before the first, so
	// running out of quota looks the same whatever the account.
	if err := s.spend(ctx, who, 2); err != nil {
		return "", st, err
	}
	if err := s.findAccount(ctx, f); err != nil {
		return "", st, err // the look-up itself failed: the same for every login
	}
	if f.user == nil {
		if f.key == "" { // no account at all: the allowances go by what was typed
			f.key = "login:" + asciiLower(login)
		}
		f.factors = s.decoy(ctx, login)
	}
	s.log.DebugContext(ctx, "public unlock: look-up", "route", f.route)
	id, ok, err := s.flows.Add(ctx, f)
	s.pace(ctx, &s.paced.start, begun, f.user != nil)
	switch {
	case err != nil:
		return "", st, fmt.Errorf("%w: %w", ErrNoFlows, err)
	case !ok:
		return "", st, &Stop{Status: http.StatusServiceUnavailable, Heading: "Try again later",
			Message: "This page is busy. Try again in a few minutes."}
	}
	return id, f.state(StepChoose), nil
}

// findAccount fills in the flow's account and factors when the login names
// exactly one account that is locked and has a usable factor; otherwise it
// leaves f.user nil (a decoy) and says why in f.route, for the trail.
func (s *Service) findAccount(ctx context.Context, f *Flow) error {
	q := client.ListUsersQuery{Limit: 2}
	email := strings.Contains(f.login, "@")
	if email {
		q.Email = f.login
	} else {
		q.Username = f.login
	}
	users, _, err := s.ol.ListUsers(ctx, q)
	if err != nil {
		return err
	}
	// OneLogin's search may match more loosely than the flow will act.
	var found []client.User
	for _, u := range users {
		if (email && access.SameEmail(u.Email, f.login)) || (!email && access.SameEmail(u.Username, f.login)) {
			found = append(found, u)
		}
	}
	switch {
	case len(found) == 0:
		f.route = "decoy: no such account"
		return nil
	case len(found) > 1:
		f.route = "decoy: several accounts match"
		return nil
	case !lockedNow(&found[0], s.now()):
		f.route = "decoy: account not locked (" + found[0].Status.String() + ")"
		f.key = AccountKey(found[0].ID)
		return nil
	}
	u := found[0]
	f.key = AccountKey(u.ID)
	factors, err := s.verifier.Factors(ctx, u.ID)
	if err != nil {
		// An error here would show only for real accounts: the person gets
		// the decoy's page and a verification that fails, and the log says why.
		s.log.WarnContext(ctx, "public unlock: factors unreadable; answering as for an unknown account", "user_id", u.ID, "error", err)
		f.route = "decoy: factors unreadable (" + s.failed(err).Message + ")"
		f.factors = s.decoy(ctx, f.login)
		return nil
	}
	f.factors = factors
	if len(f.factors) == 0 {
		f.route = "decoy: no usable factor"
		return nil
	}
	f.route = "locked account"
	f.user = &u
	s.learn(ctx, f.key, f.factors)
	return nil
}

// lockedNow reports whether u is locked, as the access policy reads it:
// status Locked, or a lock end in the future whatever the status says.
func lockedNow(u *client.User, now time.Time) bool {
	return u.Status == client.StatusLocked || u.LockedUntil.After(now)
}

// step runs a step with the flow id's flow held, and saves what it did.
func (s *Service) step(ctx context.Context, id string, run func(f *Flow) (State, error)) (State, error) {
	gone := State{Step: StepStart, Chosen: -1}
	f, ok, err := s.flows.Get(ctx, id)
	switch {
	case err != nil:
		return gone, fmt.Errorf("%w: %w", ErrNoFlows, err)
	case !ok:
		return gone, errFlowGone
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return gone, errFlowGone
	}
	st, err := run(f)
	if !f.done {
		// A step another replica saved meanwhile wins; this one's answer
		// stands, its changes to the flow go.
		if saved, perr := s.flows.Put(context.WithoutCancel(ctx), f); perr != nil || !saved {
			s.log.WarnContext(ctx, "public unlock: a step's flow was not saved", "saved", saved, "error", perr)
		}
	}
	return st, err
}
