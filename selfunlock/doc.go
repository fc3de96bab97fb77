// Package selfunlock is the public unlock flow: a person who cannot sign in
// names their account, proves who they are with an MFA factor enrolled on
// it (a push to OneLogin Protect, a code from an app, or a code OneLogin
// texts or mails), and their lock is lifted through the console's action
// door. It owns the flow's steps (look up, choose a factor, send, verify,
// unlock), the made-up factors shown for accounts it will not act on (drawn
// from the shapes of the real lists it showed, counted in a ShapeStore), the
// page's allowances (per address, per account, per day, and its share of
// the tenant's OneLogin quota) and what it writes to the audit trail. The
// MFA steps themselves (list a person's factors, send a push or code, check
// a code, poll a push) are a Verifier that other callers reuse.
//
//	s, err := selfunlock.New(cfg.PublicUnlock, selfunlock.Options{OneLogin: c, Limits: st, Trail: t, ...})
//	id, state, err := s.Start(ctx, caller, login)
//	state, err = s.Choose(ctx, caller, id, "1")
//	state, err = s.Code(ctx, caller, id, "123456", door)
//
// It speaks no HTTP framework and renders nothing: callers parse the
// request, hand over what was typed, and render the State it returns.
//
// It must never:
//   - unlock without a factor verified by OneLogin in this flow, nor unlock
//     past the access policy (the door passed to Code and Push asks it);
//   - reveal, before verification, whether an account exists, is locked or
//     has a factor: the same steps, words and limits for a made-up account
//     as for a real one (only the time OneLogin's calls take differs);
//   - count anything of a real list but its shape (the kinds, in order),
//     nor count anything for a look-up that shows a made-up list;
//   - keep OneLogin's state token (a secret) longer than the flow, or let it
//     out of the flow: not to the caller, a log, an error or the trail;
//   - act when it cannot count an allowance or write the audit record: it
//     fails closed.
package selfunlock
