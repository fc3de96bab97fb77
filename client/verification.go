package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Managing a person's factors and checking one of them, for the public
// unlock page and for the helpdesk verifying a caller, through one path:
//
//	devs, err := c.OTPDevices(ctx, userID)           // v1: Manage users suffices
//	v, err := c.StartVerification(ctx, userID, devs[0], client.VerificationOptions{})
//	st, err := c.PollVerification(ctx, v)            // a push: while st == VerifyPending
//	st, err := c.CheckVerificationCode(ctx, v, code) // a code the person reads out
//	err = c.RemoveOTPDevice(ctx, userID, devs[0].ID) // a lost phone
//
// Wire details: directory-mfa reference §B, extra reference §1.

func mfa2Path(userID int64, suffix string) string {
	return "/api/2/mfa/users/" + strconv.FormatInt(userID, 10) + suffix
}

// MFADevices lists a user's activated factors through v2
// (GET /api/2/mfa/users/:id/devices; needs a Manage All credential). v2
// lists no pending device and no phone number, so OTPDevices (v1) is the
// primary listing; this one is for credentials and tenants that use v2.
// Every device comes back Active. An unknown user is ErrNotFound.
func (c *Client) MFADevices(ctx context.Context, userID int64) ([]OTPDevice, error) {
	const op = "MFADevices"
	res, err := c.do(ctx, call{op: op, method: http.MethodGet, path: mfa2Path(userID, "/devices"), idempotent: true})
	if err != nil {
		return nil, err
	}
	items, err := listIn(res.body, "devices") // a bare array (D); an object holding one is taken too
	if err != nil {
		return nil, decodeError(op, err)
	}
	out := make([]OTPDevice, 0, len(items))
	for i, it := range items {
		var w wireDevice
		if err := json.Unmarshal(it, &w); err != nil {
			return nil, decodeError(op, fmt.Errorf("device %d: %w", i, err))
		}
		id := int64(w.DeviceID) // a string on v2 (D)
		if id == 0 {
			id = int64(w.ID)
		}
		out = append(out, OTPDevice{ID: id, Active: true, Default: bool(w.Default),
			FactorName: string(w.AuthFactorName), TypeName: string(w.TypeDisplayName), DeviceName: string(w.UserDisplayName)})
	}
	return out, nil
}

// RemoveOTPDevice removes one of a user's factors, a lost or replaced
// phone for instance (DELETE /api/1/users/:id/otp_devices/:device_id; a
// Manage users credential suffices, which is why v1 is the primary path).
// Any 200 is success, whatever its body (the docs sample is {}). A device
// the user does not have is OneLogin's 400 "Factor could not be found",
// which also matches ErrNotFound.
func (c *Client) RemoveOTPDevice(ctx context.Context, userID, deviceID int64) error {
	const op = "RemoveOTPDevice"
	_, err := c.do(ctx, call{op: op, method: http.MethodDelete,
		path: userPath(userID, "/otp_devices/"+strconv.FormatInt(deviceID, 10)), idempotent: true})
	var e *Error
	if errors.As(err, &e) && e.HTTPStatus == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Message), "could not be found") {
		e.Reason = ErrNotFound
	}
	return err
}

// RemoveMFADevice removes a factor through v2
// (DELETE /api/2/mfa/users/:id/devices/:device_id, 204; Manage All).
// Unconfirmed (directory-mfa reference E10): an unknown device or user is
// taken to be 404, ErrNotFound, which a caller may treat as already gone.
func (c *Client) RemoveMFADevice(ctx context.Context, userID, deviceID int64) error {
	_, err := c.do(ctx, call{op: "RemoveMFADevice", method: http.MethodDelete,
		path: mfa2Path(userID, "/devices/"+strconv.FormatInt(deviceID, 10)), idempotent: true})
	return err
}

// VerificationOptions tune StartVerification. The zero value takes
// OneLogin's defaults.
type VerificationOptions struct {
	// Lifetime is how long the push or code stays valid, rounded up to
	// whole seconds: at most MaxStateTokenLifetime; on v2 at least 120 s.
	// 0 is OneLogin's default of 120 seconds.
	Lifetime time.Duration
	// NumericSMS asks for a 6-digit code in an SMS (v1 only; v2 codes are
	// digits). Sent for SMS devices only, as documented.
	NumericSMS bool
	// SMSMessage replaces the SMS text: {{otp_code}} becomes the code; on
	// v1 {{expiration}}, on v2 {{otp_expiry}} the minutes it is valid.
	// Sent for SMS devices only.
	SMSMessage string
	// V2 sends every factor through v2 verifications (needs a Manage All
	// credential). Email always goes through v2: v1 documents trigger for
	// SMS and push only.
	V2 bool
}

// minV2Lifetime is the shortest expires_in v2 takes.
const minV2Lifetime = 120 * time.Second

// Verification is a started check of one device: a push sent, a code
// texted or mailed, or (an authenticator app, a security key) nothing sent
// and a code awaited. StateToken (v1) is a secret, and so, while the check
// is open, is ID (v2); neither is printed. Its exported fields let a
// caller keep it between requests.
type Verification struct {
	UserID    int64
	DeviceID  int64
	Kind      FactorKind
	Push      bool      // answered on the phone: poll with PollVerification
	ExpiresAt time.Time // zero when nothing was sent (an authenticator code)
	// StateToken is the v1 trigger's state token; "" on v2.
	StateToken string
	// ID is the v2 verification id; "" on v1.
	ID string
}

// String describes the verification without its token or id.
func (v Verification) String() string {
	api := "v1"
	if v.ID != "" {
		api = "v2"
	}
	return fmt.Sprintf("Verification{%s user:%d device:%d kind:%q push:%t expires:%s}",
		api, v.UserID, v.DeviceID, v.Kind.String(), v.Push, v.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString is String, so %#v cannot show the secrets either.
func (v Verification) GoString() string { return v.String() }

// Format prints String for every verb.
func (v Verification) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, v.String()) }

// StartVerification starts checking device d of a user: a push to
// OneLogin Protect (any Protect device, whatever needs_trigger says), a
// code texted or mailed, or nothing for an authenticator app or a security
// key, whose code the person reads from the device. Email goes through v2
// verifications, as OneLogin documents it; the rest through v1 trigger
// unless opts.V2. A send that fails is an error: nothing was sent. Never
// retried after a 429: it would send a second push or code.
func (c *Client) StartVerification(ctx context.Context, userID int64, d OTPDevice, opts VerificationOptions) (*Verification, error) {
	const op = "StartVerification"
	kind := d.Kind()
	v := &Verification{UserID: userID, DeviceID: d.ID, Kind: kind, Push: kind == FactorProtect}
	if opts.Lifetime > MaxStateTokenLifetime {
		return nil, fmt.Errorf("onelogin %s: %w: lifetime %s is over the maximum of %s", op, ErrBadRequest, opts.Lifetime, MaxStateTokenLifetime)
	}
	if kind != FactorSMS {
		opts.NumericSMS, opts.SMSMessage = false, "" // SMS-only fields (D)
	}
	switch {
	case kind == FactorEmail || kind == FactorVoice || opts.V2 && kind != FactorYubiKey:
		return c.startV2(ctx, v, opts)
	case kind == FactorProtect || kind == FactorSMS:
		t, err := c.TriggerOTP(ctx, userID, d.ID, TriggerOptions{StateTokenLifetime: opts.Lifetime,
			NumericSMS: opts.NumericSMS, SMSMessage: opts.SMSMessage})
		if err != nil {
			return nil, err
		}
		v.StateToken, v.ExpiresAt = t.StateToken, t.ExpiresAt
		return v, nil
	case kind == FactorAuthenticator || kind == FactorYubiKey:
		return v, nil // nothing to send: the code is on the device
	}
	return nil, fmt.Errorf("onelogin %s: %w: %s cannot be verified through the API", op, ErrBadRequest, d.TypeInWords())
}

type verificationBody struct {
	DeviceID      int64  `json:"device_id"`
	ExpiresIn     int64  `json:"expires_in,omitempty"`
	CustomMessage string `json:"custom_message,omitempty"`
}

// startV2 is POST /api/2/mfa/users/:id/verifications: 201 and a list of
// one verification (an object is taken too).
func (c *Client) startV2(ctx context.Context, v *Verification, opts VerificationOptions) (*Verification, error) {
	const op = "StartVerification"
	body := verificationBody{DeviceID: v.DeviceID, CustomMessage: opts.SMSMessage}
	if opts.Lifetime > 0 {
		body.ExpiresIn = int64((max(opts.Lifetime, minV2Lifetime) + time.Second - 1) / time.Second)
	}
	res, err := c.do(ctx, call{op: op, method: http.MethodPost, path: mfa2Path(v.UserID, "/verifications"), body: body})
	if err != nil {
		return nil, err
	}
	w, err := oneVerification(res.body)
	if err != nil {
		return nil, decodeError(op, err)
	}
	if w.ID == "" {
		return nil, decodeError(op, errors.New("no verification id in the answer"))
	}
	v.ID, v.ExpiresAt = string(w.ID), c.expiresAt(time.Time(w.ExpiresAt), opts.Lifetime)
	return v, nil
}

type wireVerification struct {
	ID        flexString `json:"id"`
	Status    flexString `json:"status"`
	ExpiresAt flexTime   `json:"expires_at"`
}

// oneVerification reads a v2 verification reply: a list of one (D), or
// the bare object the spec shows.
func oneVerification(body []byte) (wireVerification, error) {
	var w wireVerification
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var ws []wireVerification
		if err := json.Unmarshal(body, &ws); err != nil {
			return w, err
		}
		if len(ws) != 1 {
			return w, errWantOne("verification", len(ws))
		}
		return ws[0], nil
	}
	return w, json.Unmarshal(body, &w)
}

// PollVerification asks whether a push has been answered: VerifyPending
// (ask again, every second or two), VerifyApproved, VerifyDenied, or
// VerifyExpired once its time is up (checked locally first, without a
// call). For a code, use CheckVerificationCode.
func (c *Client) PollVerification(ctx context.Context, v *Verification) (VerifyStatus, error) {
	const op = "PollVerification"
	if !v.ExpiresAt.IsZero() && !c.now().Before(v.ExpiresAt) {
		return VerifyExpired, nil
	}
	switch {
	case v.StateToken != "":
		return c.VerifyPush(ctx, v.UserID, v.DeviceID, v.StateToken)
	case v.ID == "":
		return 0, fmt.Errorf("onelogin %s: %w: nothing was sent to poll", op, ErrBadRequest)
	}
	res, err := c.do(ctx, call{op: op, method: http.MethodGet, path: mfa2Path(v.UserID, "/verifications/"+v.ID), idempotent: true})
	if errors.Is(err, ErrNotFound) {
		// Unconfirmed (E13): no "expired" status is documented; an
		// unknown or expired verification is taken to be 404.
		return VerifyExpired, nil
	}
	if err != nil {
		return 0, scrubSecrets(err, v.ID)
	}
	w, err := oneVerification(res.body)
	if err != nil {
		return 0, decodeError(op, err)
	}
	switch strings.ToLower(strings.TrimSpace(string(w.Status))) {
	case "pending":
		return VerifyPending, nil
	case "accepted":
		return VerifyApproved, nil
	case "rejected":
		return VerifyDenied, nil
	}
	return 0, &Error{Op: op, HTTPStatus: res.status, Message: "unknown verification status " + strconv.Quote(cleanText(string(w.Status))), Reason: ErrUnrecognized}
}

// CheckVerificationCode checks a code the person read out for a started
// verification: VerifyApproved, VerifyDenied (a wrong code) or
// VerifyExpired, each with a nil error. The code is sent once: never again
// after a 429 or a 401 (a wrong v2 code is a 401 that reads like an
// expired token; a cheap call tells them apart without resending it).
func (c *Client) CheckVerificationCode(ctx context.Context, v *Verification, code string) (VerifyStatus, error) {
	const op = "CheckVerificationCode"
	code = strings.TrimSpace(code)
	if code == "" {
		return 0, fmt.Errorf("onelogin %s: %w: no code", op, ErrBadRequest)
	}
	if !v.ExpiresAt.IsZero() && !c.now().Before(v.ExpiresAt) {
		return VerifyExpired, nil
	}
	if v.ID == "" {
		return c.VerifyOTP(ctx, v.UserID, v.DeviceID, code, v.StateToken)
	}
	body := struct {
		OTP      string `json:"otp"`
		DeviceID string `json:"device_id,omitempty"` // Authenticator only (directory-mfa reference §D)
	}{OTP: code}
	if v.Kind == FactorAuthenticator {
		body.DeviceID = strconv.FormatInt(v.DeviceID, 10)
	}
	res, err := c.do(ctx, call{op: op, method: http.MethodPut, path: mfa2Path(v.UserID, "/verifications/"+v.ID), body: body, oneTime: true})
	if err == nil {
		var st VerifyStatus
		if st, err = successOutcome(op, res); err == nil {
			return st, nil
		}
	}
	var e *Error
	switch {
	case errors.As(err, &e) && e.HTTPStatus == http.StatusUnauthorized && errors.Is(err, ErrRefused):
		// The token was found good: the code was refused. Unconfirmed
		// (E12): a wrong v2 code is 401 InvalidCredentials.
		return VerifyDenied, nil
	case errors.Is(err, ErrNotFound):
		return VerifyExpired, nil
	}
	return 0, scrubSecrets(err, code, v.ID)
}
