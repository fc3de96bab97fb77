package console

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/staffauth"
	"onelogin-helpdesk/views"
)

// The public unlock page's wiring, and the demo's person locked by the
// helpdesk.

// unlockPath is where the public unlock page lives.
const unlockPath = "/unlock"

// unlockPage is the public unlock page's wiring beside its settings: the
// security headers and CSRF without sign-in, the decoys' key, and in a demo
// where the fake tenant's phone and inbox are. It starts the sweeper of the
// page's expired flows, which Close stops.
func (a *App) unlockPage(cfg config.Config, auth *staffauth.Auth, logger *slog.Logger) handlers.UnlockPage {
	if !cfg.PublicUnlock.Enabled {
		return handlers.UnlockPage{}
	}
	p := handlers.UnlockPage{
		// Only this page may be framed (HELPDESK_FRAME_ANCESTORS), e.g. by
		// an intranet portal; staff pages never are.
		Middleware:   []echo.MiddlewareFunc{auth.PublicSecurityHeaders(cfg.HTTP.FrameAncestors), auth.CSRF()},
		QuotaReserve: cfg.Quota.Reserve, SignInURL: cfg.PublicUnlock.SignInURL,
	}
	// Decoy factors stay the same across restarts when the session keys
	// do; a key of their own, so they reveal nothing about those.
	p.DecoyKey = auth.DeriveKey("helpdesk unlock decoys")
	// Decoys are drawn from the shapes of the real lists every replica
	// counted in the state store.
	p.Shapes = a.state
	if p.SignInURL == "" {
		p.SignInURL = origin(cfg.OneLogin.BaseURL) + "/"
	}
	// Flows live in the state store, sealed with the session keys, so
	// replicas need no sticky sessions; without keys (a demo's are made
	// per run), in memory.
	p.Flows = selfunlock.NewMemoryStore(time.Now)
	if blobs, ok := a.state.(selfunlock.FlowBlobs); ok && len(cfg.Session.Keys) > 0 {
		keys := make([][]byte, len(cfg.Session.Keys))
		for i, k := range cfg.Session.Keys {
			keys[i] = k
		}
		if flows, err := selfunlock.NewSealedStore(blobs, keys, nil); err == nil {
			p.Flows = flows
		}
	}
	a.flowSweeper = startFlowSweeper(p.Flows, logger)
	if a.fake != nil {
		p.Demo = &views.UnlockDemo{FakeURL: a.fake.URL, People: a.demoPeople()}
	}
	return p
}

// startFlowSweeper sweeps flows's expired flows every
// selfunlock.SweepEvery, whether or not requests arrive, until stop.
func startFlowSweeper(flows selfunlock.Store, logger *slog.Logger) *background {
	return goBackground(func(ctx context.Context) { selfunlock.RunSweeper(ctx, flows, selfunlock.SweepEvery, logger) })
}

// demoPeople are the demo tenant's people locked out, for the page's hint.
func (a *App) demoPeople() []views.UnlockDemoPerson {
	ps := []views.UnlockDemoPerson{
		{Login: fakeonelogin.PersonaLockedPush, About: "OneLogin Protect: approve the push on the push page"},
		{Login: fakeonelogin.PersonaLockedTOTP, About: "an authenticator app: its code is on the authenticator page"},
		{Login: fakeonelogin.PersonaLockedSMS, About: "a texted code: read it in the inbox"},
		{Login: fakeonelogin.PersonaLockedEmail, About: "an emailed code: read it in the inbox"},
		{Login: fakeonelogin.PersonaLockedNoFactor, About: "no factor the page can check: the page looks the same, and verification fails"},
	}
	if a.helpdeskLocked != "" {
		ps = append(ps, views.UnlockDemoPerson{Login: a.helpdeskLocked,
			About: "locked by the helpdesk (ticket " + demoLockTicket + "): refused after verification, with an authenticator app or texted code"})
	}
	return append(ps, views.UnlockDemoPerson{Login: "nobody@example.com", About: "no such account: the page looks the same"})
}

// demoLockTicket is the ticket of the demo's helpdesk lock.
const demoLockTicket = "SEC-311 suspected account takeover"

// demoHelpdeskLock locks one ordinary, active person of the demo tenant as
// the demo's helpdesk agent would through the console: the attempt in the
// audit trail first, then the lock at the fake tenant (as an API lock, on
// the fake's Go side, so that the console's client starts without a token
// or a call in its metrics, as without the demo), then the outcome. Lock
// provenance then works from a real trail: the public unlock page and /me
// refuse to lift it. It returns the person's email, "" when the tenant has
// nobody suitable.
func demoHelpdeskLock(ctx context.Context, tenant *fakeonelogin.Tenant, trail audit.Store, agentEmail string, log *slog.Logger) string {
	target, ok := demoLockTarget(tenant)
	if !ok {
		log.Warn("demo: nobody to lock as the helpdesk; the public unlock page's staff-lock case is not shown")
		return ""
	}
	id, err := trail.Begin(ctx, audit.Record{
		ActorEmail: agentEmail, ActorRole: access.RoleHelpdesk.String(), SourceIP: "127.0.0.1", RequestID: "demo-start",
		TargetID: target.ID, TargetEmail: target.Email, TargetName: target.Name,
		Action: access.Lock, Params: map[string]string{"minutes": fmt.Sprint(views.LockUntilUnlocked)},
		Ticket: demoLockTicket,
	})
	if err != nil {
		log.Warn("demo: the helpdesk lock could not be recorded, so it was not made", "error", err)
		return ""
	}
	res := audit.Result{Outcome: audit.OutcomeSucceeded, Status: http.StatusOK}
	locked := tenant.Lock(target.ID, views.LockUntilUnlocked)
	if !locked {
		res = audit.Result{Outcome: audit.OutcomeFailed, Message: "the fake tenant did not lock the person"}
	}
	if err := trail.Complete(ctx, id, res); err != nil {
		log.Warn("demo: the helpdesk lock's outcome was not recorded", "error", err)
	}
	if !locked {
		return ""
	}
	log.Info("demo: locked a person as the helpdesk", "email", target.Email, "ticket", demoLockTicket)
	return target.Email
}

// demoLockTarget is the first ordinary person (not a persona, no staff
// role) who is active and has an authenticator app, or else a texted
// code, so that they can verify on the public unlock page.
func demoLockTarget(tenant *fakeonelogin.Tenant) (fakeonelogin.Person, bool) {
	for _, want := range []fakeonelogin.Factor{fakeonelogin.FactorAuthenticator, fakeonelogin.FactorSMS} {
		for _, p := range tenant.Persons() {
			if p.ID <= fakeonelogin.PersonaLockedNoFactorID || slices.ContainsFunc(p.Groups, func(g string) bool {
				return g == fakeonelogin.GroupAdmins || g == fakeonelogin.GroupHelpdesk || g == fakeonelogin.GroupViewers
			}) {
				continue
			}
			u, ok := tenant.User(p.ID)
			if !ok || u.Status != fakeonelogin.StatusActive {
				continue
			}
			if slices.ContainsFunc(tenant.Devices(p.ID), func(d fakeonelogin.Device) bool { return d.Factor == want && d.Active }) {
				return p, true
			}
		}
	}
	return fakeonelogin.Person{}, false
}
