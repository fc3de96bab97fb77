// Package fakeonelogin is a fake OneLogin tenant: an in-memory implementation of
// the OneLogin Users API v1 wire format (tokens, users, roles, apps, rate limit,
// events, and the v2 unlock call), written from the wire references
// (../shared/onelogin-api-v1.md, onelogin-api-extra.md §2) independently of
// package client, so that the client is tested against the wire and not
// against itself.
//
// The tenant records events (GET /api/1/events) for what happens in it, on
// its clock: API locks, unlocks, password sets, state and status changes,
// logouts, deletions, temporary MFA tokens, and the sign-ins reported with
// RecordSignIn, whose failures lock an account at Options.MaxLoginAttempts.
// Seeded locked and suspended people come with the events that explain
// them. Spray (or Options.SprayOnStart) simulates a password spray that
// locks ordinary people:
//
//	tenant.Spray(5) // five people locked after failed sign-ins from abroad
//	tenant.RecordSignIn(fakeonelogin.SignIn{UserID: id, Success: true, IP: ip, App: "Helpdesk"})
//
// The tenant is seeded deterministically from Options.Seed with about 2,000
// people, 16 roles, 22 apps and a set of well-known personas (PersonaAdmin,
// PersonaLocked, ...). It keeps real state (locks that run out on its Clock,
// hashed passwords, MFA tokens, sessions), counts calls against an hourly
// rate limit, records the calls it receives (the newest Options.MaxCalls,
// so a long-running demo stays bounded), and has knobs to inject latency,
// failures and dropped connections. It does not import package testing, so
// the demo mode of the application can serve it too.
//
// Use in a test:
//
//	srv := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1})
//	defer srv.Close()
//	c, err := client.New(srv.URL, srv.ClientID, srv.ClientSecret)
//	...
//	srv.Tenant.FailNext(1, http.StatusInternalServerError) // the next call fails
//	clock := fakeonelogin.NewManualClock(time.Now())      // or pass Options.Clock
//	// call c, then look at srv.Tenant.Calls(), srv.Tenant.User(id), ...
//
// The demo mode embeds it: API calls go through srv.Transport() without a
// socket, browsers reach its port for icons and the mounted OIDC provider:
//
//	srv := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1})
//	srv.Mount("/oidc/2/", provider)
//	c, err := client.New(srv.URL, srv.ClientID, srv.ClientSecret,
//		client.WithHTTPClient(&http.Client{Transport: srv.Transport()}))
//
// MFA factors and invite links follow the second reference
// (../shared/onelogin-api-extra.md §1, §3): people have factors enrolled
// (OneLogin Protect, SMS, Email, Google Authenticator, YubiKey; see
// personaFactors), triggers and verifies keep state tokens on the Clock, and
// what OneLogin would text, mail or push goes to a fake phone: read it with
// Tenant.Inbox, Tenant.LastCode, Tenant.TOTP and Tenant.PendingPushes, answer
// pushes with Tenant.ApprovePush, or open the fake's own pages on its port:
// /_fake/inbox, /_fake/push (Approve and Deny buttons) and
// /_fake/authenticator, each filtered by ?user=<id or email>.
//
//	dev := srv.Tenant.Devices(fakeonelogin.PersonaLockedPushID)[0]
//	trig, _ := c.TriggerOTP(ctx, fakeonelogin.PersonaLockedPushID, dev.ID, client.TriggerOptions{})
//	srv.Tenant.ApprovePush(srv.Tenant.PendingPushes(fakeonelogin.PersonaLockedPushID)[0].ID)
//
// Where the reference marks behaviour as unconfirmed (U), the fake makes a
// choice and says so in a comment starting "Assumption". The main ones: the
// exhausted quota answers 429 with a v1 envelope; limit is capped at 100;
// unknown query parameters are ignored; a leading '!' in a search value
// negates it; v1 update accepts status (1 unlocks); lock_user refuses
// periods shorter than the policy's; duplicate email/username, password
// mismatch and policy failures answer 400 with "Validation failed: ..."
// sentences; a previous page (before_cursor) is offered on every page but
// the first, so only a single-page listing has all four pagination keys null.
// For MFA: the sentences of a wrong code, a denied push, an expired or
// unknown state token (401, 401, 400, 400); Protect is listed once with
// needs_trigger false, as in OneLogin's sample, and takes a trigger for a
// push; a device that needs no trigger refuses one; SMS numbers are shown
// masked; OneLogin Email is listed on v1, but a v1 trigger of it is
// refused (v1 trigger is documented for SMS and push only; its email codes
// are v2 verifications); an invite link does
// not invalidate older ones and mailing one sets invitation_sent_at.
//
// MFA v2 and factor removal follow the third reference
// (../shared/onelogin-api-directory-mfa.md §B): GET and DELETE
// /api/2/mfa/users/:id/devices, DELETE /api/1/users/:id/otp_devices/:id,
// and v2 verifications (POST .../verifications, GET to poll, PUT a code),
// whose texts, mails and pushes reach the same fake phone, inbox and push
// page as a v1 trigger's. Assumptions there: a wrong v2 code is 401
// InvalidCredentials (E12); an expired or unknown verification is 404
// NotFound (E13); an API removal is event 24; an injected fault on a v2
// path has a v2 body and no rate-limit headers.
// For events: the default order is ascending id (clients should send
// sort=-created_at); limit is capped at 50; an API lock is 553 and an API
// unlock 554; a policy lockout is 19 with the person as actor; a failed
// sign-in's reason is in notes.
package fakeonelogin
