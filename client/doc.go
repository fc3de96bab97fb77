// Package client is a typed client for the OneLogin Users API v1 (plus the
// v2 unlock call and the rate-limit status), the MFA factor calls (v1, and
// v2 devices and verifications: see StartVerification), invite links and
// the Events API v1, built for the helpdesk console. It never prints;
// WithLogger lets it warn, once each, about configuration its caller
// should fix.
//
// It holds one server-side OAuth token per Client, fetched with the client
// credentials grant, reused until shortly before it expires and renewed once
// when OneLogin answers 401. Answers are decoded from OneLogin's real, uneven
// shapes into plain structs; errors are typed (*Error, *RateLimitError,
// *TransportError) and match ErrNotFound, ErrBadRequest, ErrUnauthorized,
// ErrForbidden, ErrRateLimited and ErrUnavailable with errors.Is, and
// ErrRefused or ErrUnrecognized when a success status carries a refusal or
// a reply the client cannot read as success (those fail closed). Neither the
// client secret nor a token ever appears in an error or a printed value, nor
// do MFA codes and state tokens.
//
// A complete use:
//
//	c, err := client.New(client.BaseURLFromSubdomain("acme"), id, secret, client.WithTimeout(5*time.Second))
//	if err != nil {
//		return err // bad configuration; no request was made
//	}
//	ctx = client.WithRequestID(ctx, reqID)
//	for u, err := range c.AllUsers(ctx, client.ListUsersQuery{Email: "*@acme.com"}) {
//		if err != nil {
//			return err
//		}
//		if u.Status == client.StatusLocked {
//			if err := c.UnlockUser(ctx, u.ID); err != nil && !errors.Is(err, client.ErrNotFound) {
//				return err
//			}
//		}
//	}
//	// Why was this person locked? Their newest lock and failed sign-ins.
//	q := client.EventQuery{UserID: id, TypeIDs: []int{client.EventLoginFailed, client.EventLocked, client.EventLockedViaAPI}}
//	events, _, err := c.ListEvents(ctx, q) // newest first
//
// Tests use the in-process fake tenant in package fakeonelogin.
package client
