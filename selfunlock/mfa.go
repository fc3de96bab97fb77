package selfunlock

import (
	"context"
	"fmt"
	"slices"
	"time"

	"onelogin-helpdesk/client"
)

// MFA is OneLogin's MFA API as the flow uses it: its verifications, which
// send email codes through v2 as OneLogin documents; *client.Client has it.
type MFA interface {
	OTPDevices(ctx context.Context, userID int64) ([]client.OTPDevice, error)
	StartVerification(ctx context.Context, userID int64, d client.OTPDevice, opts client.VerificationOptions) (*client.Verification, error)
	PollVerification(ctx context.Context, v *client.Verification) (client.VerifyStatus, error)
	CheckVerificationCode(ctx context.Context, v *client.Verification, code string) (client.VerifyStatus, error)
}

const (
	// pushLifetime and codeLifetime are the state token lifetimes asked of
	// OneLogin: its default for a push, longer for a code that must arrive
	// and be typed.
	pushLifetime = 120 * time.Second
	codeLifetime = 300 * time.Second
	// maxFactors is how many factors a person is offered.
	maxFactors = 4
)

// Factor is one factor a person may verify with. A made-up one (a decoy)
// has no device.
type Factor struct {
	kind  client.FactorKind
	push  bool
	dev   client.OTPDevice
	label string
}

// Kind is the factor's kind.
func (f Factor) Kind() client.FactorKind { return f.kind }

// Push reports whether the factor is a push to OneLogin Protect.
func (f Factor) Push() bool { return f.push }

// Label is the factor as the person knows it: "OneLogin Protect on
// Pixel 8", "OneLogin SMS +1xxxxxxx1234".
func (f Factor) Label() string { return f.label }

// Name is the factor's name on the page and in settings: push,
// authenticator, sms, email, yubikey.
func (f Factor) Name() string {
	if f.push {
		return "push"
	}
	for name, k := range factorKinds {
		if k == f.kind {
			return name
		}
	}
	return ""
}

// NeedsTrigger reports whether OneLogin sends something for the factor (a
// push, a text, an email) before it can be verified.
func (f Factor) NeedsTrigger() bool {
	return f.push || f.kind == client.FactorSMS || f.kind == client.FactorEmail
}

// factorKinds are the kinds behind the settings' factor names
// (config.UnlockFactorNames and "yubikey").
var factorKinds = map[string]client.FactorKind{
	"protect":       client.FactorProtect,
	"authenticator": client.FactorAuthenticator,
	"sms":           client.FactorSMS,
	"email":         client.FactorEmail,
	"yubikey":       client.FactorYubiKey,
}

// Kinds are the factor kinds the settings' names (as config checked them)
// stand for.
func Kinds(names []string) ([]client.FactorKind, error) {
	var out []client.FactorKind
	for _, n := range names {
		k, ok := factorKinds[n]
		if !ok {
			return nil, fmt.Errorf("selfunlock: no factor kind is called %q", n)
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// Verifier runs the MFA steps over OneLogin for whoever has to know that a
// person is who they say: list their usable factors, send a push or code,
// check a typed code, ask whether a push was approved. It keeps nothing
// between calls; the caller holds the Challenge, and with it the state
// token, for no longer than the verification.
type Verifier struct {
	MFA MFA
	// Kinds are the factor kinds it may check.
	Kinds []client.FactorKind
}

// Factors are u's factors the verifier may check: active (verified at
// least once), of an allowed kind, OneLogin Protect only as a push.
func (v Verifier) Factors(ctx context.Context, userID int64) ([]Factor, error) {
	devs, err := v.MFA.OTPDevices(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []Factor
	for _, d := range devs {
		k := d.Kind()
		if !d.Active || !slices.Contains(v.Kinds, k) || len(out) == maxFactors {
			continue
		}
		switch k {
		case client.FactorProtect:
			if !d.CanPush() {
				continue
			}
		case client.FactorSMS, client.FactorEmail, client.FactorAuthenticator, client.FactorYubiKey:
		default:
			continue
		}
		out = append(out, Factor{kind: k, push: k == client.FactorProtect, dev: d, label: d.Label()})
	}
	return out, nil
}

// Challenge is a push or code sent: OneLogin's verification, whose state
// token or id is a secret that never leaves this package, and when it
// expires.
type Challenge struct {
	v       *client.Verification
	Expires time.Time
}

// lifetime is the lifetime asked of OneLogin for f.
func (f Factor) lifetime() time.Duration {
	if f.push {
		return pushLifetime
	}
	return codeLifetime
}

// expecting is the challenge of f before anything is sent: expiring as the
// lifetime asked of OneLogin.
func expecting(f Factor, now time.Time) Challenge {
	return Challenge{Expires: now.Add(f.lifetime()).Truncate(time.Second)}
}

// Trigger sends the push, text or email of f. It returns the challenge to
// verify against, expiring as OneLogin's verification does; when sending
// failed, the error, and a challenge that verifies nothing.
func (v Verifier) Trigger(ctx context.Context, userID int64, f Factor, now time.Time) (Challenge, error) {
	ch := expecting(f, now)
	w, err := v.MFA.StartVerification(ctx, userID, f.dev, client.VerificationOptions{Lifetime: f.lifetime(), NumericSMS: true})
	if err != nil {
		return ch, err
	}
	ch.v = w
	if !w.ExpiresAt.IsZero() {
		ch.Expires = w.ExpiresAt
	}
	return ch, nil
}

// Verify checks a typed code for f: sent under ch, or read from an app or
// a key (then ch is empty and nothing is sent to start it).
func (v Verifier) Verify(ctx context.Context, userID int64, f Factor, ch Challenge, code string) (client.VerifyStatus, error) {
	w := ch.v
	if w == nil {
		if f.NeedsTrigger() {
			return client.VerifyDenied, nil // nothing was sent: nothing can verify
		}
		var err error
		if w, err = v.MFA.StartVerification(ctx, userID, f.dev, client.VerificationOptions{}); err != nil {
			return 0, err
		}
	}
	return v.MFA.CheckVerificationCode(ctx, onItsWay(w), code)
}

// onItsWay is w for the client to ask OneLogin about: its expiry left to
// the caller, who has checked it on the flow's clock (which may not be
// the client's).
func onItsWay(w *client.Verification) *client.Verification {
	c := *w
	c.ExpiresAt = time.Time{}
	return &c
}

// Poll asks whether the push sent under ch was approved.
func (v Verifier) Poll(ctx context.Context, _ int64, _ Factor, ch Challenge) (client.VerifyStatus, error) {
	if ch.v == nil {
		return client.VerifyDenied, nil
	}
	return v.MFA.PollVerification(ctx, onItsWay(ch.v))
}
