package handlers

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/limits"
	"onelogin-helpdesk/views"
)

// The public unlock page: GET and POST /unlock, POST /unlock/factor,
// /unlock/code and /unlock/push. It serves people who cannot sign in, so it
// sits outside staff sign-in (security headers and CSRF still apply). A
// person types their username or email, proves who they are with a factor
// enrolled on their OneLogin account (a push to OneLogin Protect, a code
// from an app, or a code OneLogin texts or mails), and the console then
// unlocks the account through the same door as /me (unlockOwn).
//
// No enumeration: until the person has verified, the page answers the same
// for an account that does not exist, is not locked or has no usable factor
// as for one that is locked and has: same statuses, same HTML, made-up
// factors (decoyFactors), limits counted alike, and a verification that
// simply fails. What cannot be made the same is time: a real account costs
// OneLogin calls (its factors, the trigger, each verification) that a decoy
// does not make, so an attacker timing the answers closely may tell them
// apart. The per-address and per-account limits bound how often they can
// try.

// PublicUnlock configures the public unlock page. The zero value leaves it
// off.
type PublicUnlock struct {
	Enabled bool
	// Factors names the factors the page accepts: protect (a push to
	// OneLogin Protect), authenticator, sms, email, yubikey.
	Factors []string
	// Attempts is how many verifications (codes tried, pushes and codes
	// sent) an account gets within CoolDown.
	Attempts int
	CoolDown time.Duration
	// UnlocksPerDay is how often an account may be unlocked here in any
	// 24 hours.
	UnlocksPerDay int
	// PerIP is how many look-ups, sends and tries one source address may
	// make in an hour.
	PerIP int
	// QuotaShare is the largest percentage of the tenant's hourly OneLogin
	// quota the page may spend.
	QuotaShare int
	// Middleware runs before the page's routes in place of
	// Config.Middleware: security headers and CSRF, and no sign-in.
	Middleware []echo.MiddlewareFunc
	// SecureCookie marks the flow cookie Secure whatever the request says
	// (behind a TLS-terminating proxy).
	SecureCookie bool
	// DecoyKey keys the made-up factors, so a login shows the same ones on
	// every visit; with a stable key, across restarts too. nil: a random
	// key per process.
	DecoyKey []byte
	// Demo, in demo mode, points people at the fake tenant's phone, inbox
	// and push pages.
	Demo *views.UnlockDemo
}

// unlockPage is the page's state: its flows and allowances.
type unlockPage struct {
	cfg      PublicUnlock
	kinds    []client.FactorKind
	flows    *flowStore
	attempts limits.Limit // per account, CoolDown
	daily    limits.Limit // unlocks per account, a day
	perIP    limits.Limit // per source address, an hour
	quota    limits.Limit // OneLogin calls, an hour; Max follows the tenant's quota
	decoyKey []byte
}

func newUnlockPage(cfg PublicUnlock, store limits.Store, now func() time.Time) (*unlockPage, error) {
	if store == nil {
		return nil, errors.New("handlers: the public unlock page needs a Limits store for its allowances")
	}
	kinds, err := parseFactorNames(cfg.Factors)
	if err != nil {
		return nil, err
	}
	if cfg.Attempts <= 0 || cfg.CoolDown <= 0 || cfg.UnlocksPerDay <= 0 || cfg.PerIP <= 0 || cfg.QuotaShare <= 0 || cfg.QuotaShare > 100 {
		return nil, fmt.Errorf("handlers: public unlock limits must be positive (share 1-100): %+v", cfg)
	}
	key := cfg.DecoyKey
	if len(key) == 0 {
		key = []byte(rand.Text())
	}
	return &unlockPage{
		cfg: cfg, kinds: kinds, flows: newFlowStore(now), decoyKey: key,
		attempts: limits.Limit{Store: store, Name: "unlock-attempts", Max: cfg.Attempts, Window: cfg.CoolDown, Now: now},
		daily:    limits.Limit{Store: store, Name: "unlock-daily", Max: cfg.UnlocksPerDay, Window: 24 * time.Hour, Now: now},
		perIP:    limits.Limit{Store: store, Name: "unlock-ip", Max: cfg.PerIP, Window: time.Hour, Now: now},
		quota:    limits.Limit{Store: store, Name: "unlock-onelogin", Window: time.Hour, Now: now},
	}, nil
}

// defaultQuota is OneLogin's documented hourly quota, assumed until the
// client has seen the tenant's.
const defaultQuota = 5000

// spend counts n OneLogin calls against the page's share of the tenant's
// hourly quota. It refuses (with when to come back) once the share is
// used, and fails closed when the count cannot be read.
func (h *Handler) spend(ctx context.Context, n int) error {
	u := h.public
	l := u.quota
	limit := h.ol.RateLimit().Limit
	if limit <= 0 {
		limit = defaultQuota
	}
	l.Max = max(limit*u.cfg.QuotaShare/100, 1)
	for range n {
		ok, retryAt, err := l.Take(ctx, "tenant")
		if err != nil {
			return errUnlockUncounted(err)
		}
		if !ok {
			return &unlockStop{status: http.StatusServiceUnavailable, heading: "Try again later",
				message: "This page is busy. Try again after " + views.ClockTime(nextMinute(retryAt), h.now(), h.loc) + ", or call the IT helpdesk."}
		}
	}
	return nil
}

// unlockStop ends a step with a page that says why and what to do; it
// never depends on whether the account exists.
type unlockStop struct {
	status           int
	heading, message string
}

func (s *unlockStop) Error() string { return strconv.Itoa(s.status) + " " + s.message }

func errUnlockUncounted(err error) error {
	return &problem{Status: http.StatusServiceUnavailable, Heading: "Try again later",
		Message: "The console cannot count attempts just now, so it checks nothing. Try again in a minute or call the IT helpdesk.", Err: err}
}

// take uses one of l's units for key, or says when to come back.
func (h *Handler) take(ctx context.Context, l limits.Limit, key, why string) error {
	ok, retryAt, err := l.Take(ctx, key)
	if err != nil {
		return errUnlockUncounted(err)
	}
	if !ok {
		return &unlockStop{status: http.StatusTooManyRequests, heading: "Too many attempts",
			message: why + " Try again after " + views.ClockTime(nextMinute(retryAt), h.now(), h.loc) + ", or call the IT helpdesk."}
	}
	return nil
}

// takeAddress counts a request from the person's address.
func (h *Handler) takeAddress(c echo.Context) error {
	return h.take(c.Request().Context(), h.public.perIP, c.RealIP(), "There have been too many attempts from your network.")
}

// takeAttempt counts a verification of the flow's account.
func (h *Handler) takeAttempt(c echo.Context, f *unlockFlow) error {
	return h.take(c.Request().Context(), h.public.attempts, f.key, "There have been too many attempts for this account.")
}

// unlockView starts the page model.
func (h *Handler) unlockView(c echo.Context, step views.UnlockStep) views.UnlockView {
	return views.UnlockView{Page: h.page(c, "Unlock your account", ""), Step: step, Now: h.now(), Loc: h.loc,
		PollEvery: pollEvery, Demo: h.public.cfg.Demo}
}

// flowView is the page model for a flow's current step.
func (h *Handler) flowView(c echo.Context, f *unlockFlow, step views.UnlockStep) views.UnlockView {
	v := h.unlockView(c, step)
	v.Login = f.login
	for i, fa := range f.factors {
		v.Factors = append(v.Factors, views.UnlockFactor{Choice: strconv.Itoa(i + 1), Kind: fa.kindName(), Label: fa.label})
	}
	if f.chosen >= 0 {
		v.Factor = v.Factors[f.chosen]
		if f.factors[f.chosen].needsTrigger() {
			v.Expires = f.codeExpires
		}
	}
	return v
}

// unlockAnswer renders the page; an *unlockStop becomes its stopped step,
// anything else goes to the error handler.
func (h *Handler) unlockAnswer(c echo.Context, status int, v views.UnlockView, err error) error {
	var stop *unlockStop
	if errors.As(err, &stop) {
		v.Step, v.Heading, v.Message, status = views.UnlockStopped, stop.heading, stop.message, stop.status
	} else if err != nil {
		return err
	}
	return h.render(c, status, v.Page, views.UnlockPage(v))
}

// unlockForm shows the first step.
func (h *Handler) unlockForm(c echo.Context) error {
	return h.unlockAnswer(c, http.StatusOK, h.unlockView(c, views.UnlockStart), nil)
}

// maxLoginLen is the longest username or email the page takes (an email's
// limit).
const maxLoginLen = 254

// checkLogin says what is wrong with a typed username or email, or "".
// OneLogin reads * as a wildcard (and the fake a leading ! as "not"), and
// a comma as a list: none of them can be part of an exact look-up.
func checkLogin(s string) string {
	switch {
	case s == "":
		return "Type your username or email."
	case len(s) > maxLoginLen:
		return fmt.Sprintf("That is longer than a username or email can be (%d characters).", maxLoginLen)
	case strings.ContainsAny(s, "*,") || strings.HasPrefix(s, "!") ||
		strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "Type your username or email exactly, without spaces, commas or *."
	}
	return ""
}

// unlockLookup takes the username or email and offers the factors: the
// account's real ones when it is locked and has usable ones, made-up ones
// otherwise, on the same page.
func (h *Handler) unlockLookup(c echo.Context) error {
	ctx := c.Request().Context()
	login := strings.TrimSpace(c.FormValue("login"))
	v := h.unlockView(c, views.UnlockStart)
	v.Login = login
	if msg := checkLogin(login); msg != "" {
		v.Error = msg
		return h.unlockAnswer(c, http.StatusUnprocessableEntity, v, nil)
	}
	if err := h.takeAddress(c); err != nil {
		h.unlockDenied(c, &unlockFlow{login: login}, access.UnlockRequest, "per-address limit reached")
		return h.unlockAnswer(c, 0, v, err)
	}
	// Both calls a real account costs are counted before the first, so
	// running out of quota looks the same whatever the account.
	if err := h.spend(ctx, 2); err != nil {
		return h.unlockAnswer(c, 0, v, err)
	}
	f := &unlockFlow{login: login, ua: c.Request().UserAgent(), chosen: -1}
	if err := h.findAccount(ctx, f); err != nil {
		return err // the look-up itself failed: the same for every login
	}
	if f.user == nil {
		if f.key == "" { // no account at all: the allowances go by what was typed
			f.key = "login:" + asciiLower(login)
		}
		f.factors = decoyFactors(h.public.decoyKey, login, h.public.kinds)
	}
	if !h.public.flows.add(f) {
		return h.unlockAnswer(c, 0, v, &unlockStop{status: http.StatusServiceUnavailable, heading: "Try again later",
			message: "This page is busy. Try again in a few minutes, or call the IT helpdesk."})
	}
	rec := h.unlockRecord(c, f, access.UnlockRequest)
	rec.Outcome, rec.Message = audit.OutcomeSucceeded, fmt.Sprintf("%d factors offered", len(f.factors))
	if _, err := h.audit.Begin(ctx, rec); err != nil {
		h.public.flows.remove(f.id)
		h.log.ErrorContext(ctx, "audit write failed; unlock look-up refused", "error", err)
		return errNotRecorded
	}
	c.SetCookie(h.public.flowCookie(c, f.id))
	return h.unlockAnswer(c, http.StatusOK, h.flowView(c, f, views.UnlockChoose), nil)
}

// findAccount fills in the flow's account and factors when the login names
// exactly one account that is locked and has a usable factor; otherwise it
// leaves f.user nil (a decoy) and says why in f.route, for the trail.
func (h *Handler) findAccount(ctx context.Context, f *unlockFlow) error {
	q := client.ListUsersQuery{Limit: 2}
	email := strings.Contains(f.login, "@")
	if email {
		q.Email = f.login
	} else {
		q.Username = f.login
	}
	users, _, err := h.ol.ListUsers(ctx, q)
	if err != nil {
		return err
	}
	// OneLogin's search may match more loosely than the page will act.
	var found []client.User
	for _, u := range users {
		if (email && sameEmail(u.Email, f.login)) || (!email && access.SameEmail(u.Username, f.login)) {
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
	case !lockedNow(&found[0], h.now()):
		f.route = "decoy: account not locked (" + found[0].Status.String() + ")"
		f.key = accountKey(found[0].ID)
		return nil
	}
	u := found[0]
	f.key = accountKey(u.ID)
	devs, err := h.ol.OTPDevices(ctx, u.ID)
	if err != nil {
		// An error here would show only for real accounts: the person gets
		// the decoy's page and a verification that fails, and the log says why.
		h.log.WarnContext(ctx, "public unlock: factors unreadable; answering as for an unknown account", "user_id", u.ID, "error", err)
		f.route = "decoy: factors unreadable (" + safeMessage(err) + ")"
		f.factors = decoyFactors(h.public.decoyKey, f.login, h.public.kinds)
		return nil
	}
	f.factors = usableFactors(devs, h.public.kinds)
	if len(f.factors) == 0 {
		f.route = "decoy: no usable factor"
		return nil
	}
	f.route = "locked account"
	f.user = &u
	return nil
}

func accountKey(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

// errFlowGone answers a step whose flow ended or never was.
var errFlowGone = &unlockStop{status: http.StatusBadRequest, heading: "Start again",
	message: "This page was open too long, or was started in another browser. Start again."}

// withFlow runs a step with the request's flow held.
func (h *Handler) withFlow(c echo.Context, step func(f *unlockFlow) error) error {
	f, ok := h.public.flowOf(c)
	if !ok {
		return h.unlockAnswer(c, 0, h.unlockView(c, views.UnlockStart), errFlowGone)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return h.unlockAnswer(c, 0, h.unlockView(c, views.UnlockStart), errFlowGone)
	}
	return step(f)
}

// unlockFactor takes the chosen factor: it sends the push or the code, or
// asks for an app's code. With no factor it shows the list again.
func (h *Handler) unlockFactor(c echo.Context) error {
	return h.withFlow(c, func(f *unlockFlow) error {
		ctx := c.Request().Context()
		choice := c.FormValue("factor")
		if choice == "" {
			f.chosen, f.stateToken = -1, ""
			return h.unlockAnswer(c, http.StatusOK, h.flowView(c, f, views.UnlockChoose), nil)
		}
		i, err := strconv.Atoi(choice)
		if err != nil || i < 1 || i > len(f.factors) {
			v := h.flowView(c, f, views.UnlockChoose)
			v.Error = "Choose one of the ways listed."
			return h.unlockAnswer(c, http.StatusUnprocessableEntity, v, nil)
		}
		fa := f.factors[i-1]
		f.chosen, f.stateToken, f.broken, f.settled, f.codeExpires = i-1, "", false, false, time.Time{}
		step := views.UnlockCode
		if fa.push {
			step = views.UnlockPush
		}
		if fa.needsTrigger() {
			if err := h.takeBoth(c, f); err != nil {
				f.chosen = -1
				h.unlockDenied(c, f, access.UnlockFactor, "limit reached")
				return h.unlockAnswer(c, 0, h.flowView(c, f, views.UnlockChoose), err)
			}
			if err := h.trigger(c, f, fa); err != nil {
				f.chosen = -1
				return h.unlockAnswer(c, 0, h.flowView(c, f, views.UnlockChoose), err)
			}
		} else {
			rec := h.unlockRecord(c, f, access.UnlockFactor)
			rec.Params["factor"] = fa.kind.String()
			rec.Outcome, rec.Message = audit.OutcomeSucceeded, "asked for a code"
			if _, err := h.audit.Begin(ctx, rec); err != nil {
				h.log.ErrorContext(ctx, "audit write failed; unlock step refused", "error", err)
				return errNotRecorded
			}
		}
		return h.unlockAnswer(c, http.StatusOK, h.flowView(c, f, step), nil)
	})
}

// takeBoth counts a verification against the address and the account,
// the account only when the address has some left.
func (h *Handler) takeBoth(c echo.Context, f *unlockFlow) error {
	if err := h.takeAddress(c); err != nil {
		return err
	}
	return h.takeAttempt(c, f)
}

// trigger sends the push, text or email of a real factor (recorded first),
// or pretends to for a decoy. A failed send looks like a sent one: the
// verification then fails, as a decoy's does.
func (h *Handler) trigger(c echo.Context, f *unlockFlow, fa unlockFactor) error {
	ctx := c.Request().Context()
	life := codeLifetime
	if fa.push {
		life = pushLifetime
	}
	f.codeExpires = h.now().Add(life).Truncate(time.Second)
	rec := h.unlockRecord(c, f, access.UnlockFactor)
	rec.Params["factor"] = fa.kind.String()
	if f.user == nil {
		rec.Outcome, rec.Message = audit.OutcomeFailed, "nothing sent ("+f.route+")"
		if _, err := h.audit.Begin(ctx, rec); err != nil {
			h.log.ErrorContext(ctx, "audit write failed; unlock step refused", "error", err)
			return errNotRecorded
		}
		return nil
	}
	if err := h.spend(ctx, 1); err != nil {
		return err
	}
	id, err := h.audit.Begin(ctx, rec)
	if err != nil {
		h.log.ErrorContext(ctx, "audit write failed; unlock step refused", "error", err)
		return errNotRecorded
	}
	trig, err := h.ol.TriggerOTP(ctx, f.user.ID, fa.deviceID, client.TriggerOptions{StateTokenLifetime: life, NumericSMS: true})
	res := audit.Result{Outcome: audit.OutcomeSucceeded, Status: http.StatusOK, Message: "sent"}
	if err != nil {
		f.broken = true
		res = audit.Result{Outcome: audit.OutcomeFailed, Status: oneLoginStatus(err), Message: safeMessage(err)}
		h.log.WarnContext(ctx, "public unlock: sending failed; the step goes on as if sent", "user_id", f.user.ID, "error", err)
	} else {
		f.stateToken = trig.StateToken
		if !trig.ExpiresAt.IsZero() {
			f.codeExpires = trig.ExpiresAt // expire as OneLogin's token does
		}
	}
	if err := h.audit.Complete(context.WithoutCancel(ctx), id, res); err != nil {
		h.log.ErrorContext(ctx, "audit completion failed", "audit_id", id, "error", err)
	}
	return nil
}

// maxCodeLen is the longest code the page takes: a YubiKey's is 44.
const maxCodeLen = 64

// cleanCode reads a typed code: letters and digits, with spaces and dashes
// people type between groups left out; "" when it cannot be a code.
func cleanCode(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ' ' || r == '-':
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			return ""
		}
	}
	if b.Len() < 4 || b.Len() > maxCodeLen {
		return ""
	}
	return b.String()
}

// errCodeFailed is the one answer to a code that did not verify, whatever
// the reason (wrong, a decoy, OneLogin failing), so that it tells nothing.
const errCodeFailed = "That code did not work. Check it and try again, or send a new one."

// unlockCode checks a typed code and, when it is right, unlocks.
func (h *Handler) unlockCode(c echo.Context) error {
	return h.withFlow(c, func(f *unlockFlow) error {
		ctx := c.Request().Context()
		if f.chosen < 0 || f.factors[f.chosen].push {
			return h.unlockAnswer(c, http.StatusOK, h.flowView(c, f, views.UnlockChoose), nil)
		}
		fa := f.factors[f.chosen]
		v := h.flowView(c, f, views.UnlockCode)
		code := cleanCode(c.FormValue("code"))
		if code == "" {
			v.Error = "Type the code: the letters and digits only."
			return h.unlockAnswer(c, http.StatusUnprocessableEntity, v, nil)
		}
		if err := h.takeBoth(c, f); err != nil {
			h.unlockDenied(c, f, access.UnlockVerify, "limit reached")
			return h.unlockAnswer(c, 0, v, err)
		}
		if fa.needsTrigger() && !h.now().Before(f.codeExpires) {
			h.recordVerify(c, f, fa, audit.Result{Outcome: audit.OutcomeFailed, Message: "code expired"})
			v.Error = "That code has expired. Send a new one."
			return h.unlockAnswer(c, http.StatusUnprocessableEntity, v, nil)
		}
		st := client.VerifyDenied
		res := audit.Result{Outcome: audit.OutcomeFailed, Message: "not verified (" + f.route + ")"}
		if f.user != nil && !f.broken {
			if err := h.spend(ctx, 1); err != nil {
				return h.unlockAnswer(c, 0, v, err)
			}
			id, err := h.beginVerify(c, f, fa)
			if err != nil {
				return err
			}
			st, err = h.ol.VerifyOTP(ctx, f.user.ID, fa.deviceID, code, f.stateToken)
			res = verifyResult(st, err)
			if err := h.audit.Complete(context.WithoutCancel(ctx), id, res); err != nil {
				h.log.ErrorContext(ctx, "audit completion failed", "audit_id", id, "error", err)
			}
		} else {
			h.recordVerify(c, f, fa, res)
		}
		switch st {
		case client.VerifyApproved:
			return h.unlockVerified(c, f, fa)
		case client.VerifyExpired:
			v.Error = "That code has expired. Send a new one."
		default:
			v.Error = errCodeFailed
		}
		return h.unlockAnswer(c, http.StatusUnprocessableEntity, v, nil)
	})
}

// unlockPush asks whether the push was approved. The page polls it (htmx
// every pollEvery, answered 204 while nothing changed) and a button posts
// it without JavaScript. OneLogin is asked at most every pollEvery.
func (h *Handler) unlockPush(c echo.Context) error {
	return h.withFlow(c, func(f *unlockFlow) error {
		ctx := c.Request().Context()
		if f.chosen < 0 || !f.factors[f.chosen].push {
			return h.unlockAnswer(c, http.StatusOK, h.flowView(c, f, views.UnlockChoose), nil)
		}
		fa := f.factors[f.chosen]
		now := h.now()
		st := client.VerifyPending
		switch {
		case !now.Before(f.codeExpires):
			st = client.VerifyExpired
		case f.user != nil && !f.broken && now.Sub(f.lastPoll) >= pollEvery:
			f.lastPoll = now
			if h.spend(ctx, 1) == nil {
				s, err := h.ol.VerifyPush(ctx, f.user.ID, fa.deviceID, f.stateToken)
				if err != nil {
					// Keep waiting until the push expires, as a decoy's does.
					h.log.WarnContext(ctx, "public unlock: push poll failed", "user_id", f.user.ID, "error", err)
				} else {
					st = s
				}
			}
		}
		switch st {
		case client.VerifyPending:
			if isHTMX(c) && c.Request().Header.Get(hxTrigger) == "push-poll" {
				return c.NoContent(http.StatusNoContent)
			}
			v := h.flowView(c, f, views.UnlockPush)
			v.Notice = &views.Notice{Kind: "warning", Message: "The push has not been approved yet."}
			return h.unlockAnswer(c, http.StatusOK, v, nil)
		case client.VerifyApproved:
			h.recordVerify(c, f, fa, audit.Result{Outcome: audit.OutcomeSucceeded, Status: http.StatusOK, Message: "push approved"})
			return h.unlockVerified(c, f, fa)
		}
		msg := "The push was denied on your phone. If that was not you, call the IT helpdesk; otherwise choose a way to try again."
		if st == client.VerifyExpired {
			msg = "The push was not approved in time. Choose a way to try again."
		}
		if !f.settled {
			f.settled = true
			h.recordVerify(c, f, fa, audit.Result{Outcome: audit.OutcomeFailed, Message: "push " + st.String() + " (" + f.route + ")"})
		}
		f.chosen = -1
		v := h.flowView(c, f, views.UnlockChoose)
		v.Notice = &views.Notice{Kind: "error", Message: msg}
		return h.unlockAnswer(c, http.StatusOK, v, nil)
	})
}

// verifyResult is a verification's audit outcome.
func verifyResult(st client.VerifyStatus, err error) audit.Result {
	switch {
	case err != nil:
		return audit.Result{Outcome: audit.OutcomeFailed, Status: oneLoginStatus(err), Message: safeMessage(err)}
	case st == client.VerifyApproved:
		return audit.Result{Outcome: audit.OutcomeSucceeded, Status: http.StatusOK, Message: "verified"}
	}
	return audit.Result{Outcome: audit.OutcomeFailed, Message: "code " + st.String()}
}

// unlockVerified unlocks the account of a person who has just proved who
// they are, through the same door as /me. From here on they are no longer
// an unverified claimant, so the page may say what stands in the way.
func (h *Handler) unlockVerified(c echo.Context, f *unlockFlow, fa unlockFactor) error {
	ctx := c.Request().Context()
	f.done = true
	h.public.flows.remove(f.id)
	c.SetCookie(h.public.flowCookie(c, ""))
	v := h.flowView(c, f, views.UnlockDone)

	who := access.Identity{Email: f.user.Email, Name: f.user.Name(), Role: access.RoleEmployee}
	ok, _, err := h.public.daily.Take(ctx, f.key)
	if err != nil {
		return errUnlockUncounted(err)
	}
	if !ok {
		rec := h.record(c, access.SelfUnlock, ownTarget(f.user))
		rec.ActorEmail, rec.ActorRole, rec.Params = who.Email, who.Role.String(), h.unlockParams(c, f)
		h.recordDenied(ctx, rec, fmt.Sprintf("public unlock limit of %d a day reached", h.public.cfg.UnlocksPerDay))
		return h.unlockAnswer(c, 0, v, &unlockStop{status: http.StatusTooManyRequests, heading: "Call the IT helpdesk",
			message: fmt.Sprintf("Your account has been unlocked here %s in the last day, which is as often as this page allows. Call the IT helpdesk.", timesWord(h.public.cfg.UnlocksPerDay))})
	}
	// The verified person's unlock is not held back by the page's share of
	// the quota, but it counts in it.
	_ = h.spend(ctx, 3)
	u, err := h.ol.GetUser(ctx, f.user.ID) // as it is now, for the policy
	if err != nil {
		return err
	}
	params := h.unlockParams(c, f)
	params["factor"] = fa.kind.String()
	err = h.unlockOwn(c, who, u, params)
	var ref *access.Refusal
	var md *maybeDone
	switch {
	case err == nil:
		return h.unlockAnswer(c, http.StatusOK, v, nil)
	case errors.As(err, &ref) && !ref.State:
		// A lock placed by staff: the policy's words are for this person.
		err = &unlockStop{status: http.StatusForbidden, heading: "Contact the IT helpdesk", message: ref.Message}
	case errors.As(err, &ref) && !lockedNow(u, h.now()):
		err = &unlockStop{status: http.StatusConflict, heading: "Not locked",
			message: "Your account is no longer locked: you can sign in again now."}
	case errors.As(err, &ref):
		err = &unlockStop{status: http.StatusConflict, heading: "Contact the IT helpdesk",
			message: "Your account cannot be unlocked here: OneLogin reports it as " + strings.ToLower(u.Status.String()) + ". Contact the IT helpdesk."}
	case errors.As(err, &md):
		err = &unlockStop{status: http.StatusGatewayTimeout, heading: "Not sure it worked",
			message: "OneLogin did not answer in time, so your account may or may not be unlocked. Try to sign in in a minute; if you cannot, call the IT helpdesk."}
	case errors.Is(err, errStillLocked):
		err = &unlockStop{status: http.StatusConflict, heading: "Still locked",
			message: "OneLogin accepted the unlock, but your account is still locked. Call the IT helpdesk."}
	}
	return h.unlockAnswer(c, 0, v, err)
}

// unlockRecord starts an audit record of a step, by the unverified
// claimant: what they typed, from where, with what browser.
func (h *Handler) unlockRecord(c echo.Context, f *unlockFlow, a access.Action) audit.Record {
	var t Target
	if f.user != nil {
		t = ownTarget(f.user)
	} else if id, ok := strings.CutPrefix(f.key, "user:"); ok {
		t.ID, _ = strconv.ParseInt(id, 10, 64) // a decoy for an existing account
	}
	rec := h.record(c, a, t)
	rec.ActorEmail, rec.ActorRole = "unverified: "+f.login, "public"
	rec.Params = h.unlockParams(c, f)
	if f.route != "" {
		rec.Params["account"] = f.route
	}
	return rec
}

// unlockParams are the parameters every record of the page carries.
func (h *Handler) unlockParams(c echo.Context, f *unlockFlow) map[string]string {
	ua := c.Request().UserAgent()
	if ua == "" {
		ua = f.ua
	}
	return map[string]string{"via": "public unlock page", "user_agent": ua} // audit.Prepare bounds its length
}

// unlockDenied records a step refused by a limit.
func (h *Handler) unlockDenied(c echo.Context, f *unlockFlow, a access.Action, reason string) {
	h.recordDenied(c.Request().Context(), h.unlockRecord(c, f, a), reason)
}

// beginVerify records a verification before OneLogin is asked.
func (h *Handler) beginVerify(c echo.Context, f *unlockFlow, fa unlockFactor) (int64, error) {
	ctx := c.Request().Context()
	rec := h.unlockRecord(c, f, access.UnlockVerify)
	rec.Params["factor"] = fa.kind.String()
	id, err := h.audit.Begin(ctx, rec)
	if err != nil {
		h.log.ErrorContext(ctx, "audit write failed; verification refused", "error", err)
		return 0, errNotRecorded
	}
	return id, nil
}

// recordVerify records a verification's outcome in one go (nothing asked
// of OneLogin, or a push poll's final answer).
func (h *Handler) recordVerify(c echo.Context, f *unlockFlow, fa unlockFactor, res audit.Result) {
	ctx := c.Request().Context()
	rec := h.unlockRecord(c, f, access.UnlockVerify)
	rec.Params["factor"] = fa.kind.String()
	rec.Outcome, rec.Status, rec.Message = res.Outcome, res.Status, res.Message
	if _, err := h.audit.Begin(ctx, rec); err != nil {
		h.log.ErrorContext(ctx, "audit write failed", "action", rec.Action, "error", err)
	}
}
