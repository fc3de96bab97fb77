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

// MFA factors, v1: which factors a user has, and checking one of them (a
// push to OneLogin Protect, or a code the user reads out), for instance to
// make sure who is calling before unlocking their account.
//
//	devs, err := c.OTPDevices(ctx, userID)
//	// pick one; for a push:
//	trig, err := c.TriggerOTP(ctx, userID, dev.ID, client.TriggerOptions{})
//	st, err := c.VerifyPush(ctx, userID, dev.ID, trig.StateToken) // poll while st == VerifyPending
//	// for a texted or mailed code: TriggerOTP, then VerifyOTP(ctx, userID, dev.ID, code, trig.StateToken)
//	// for an authenticator app: VerifyOTP(ctx, userID, dev.ID, code, "")
//
// State tokens and codes are secrets: they never appear in an error or in
// the printed form of a returned value.

// FactorKind is the kind of an MFA device, told from its factor name.
type FactorKind int

// The kinds of factors the API can verify (extra reference §1.0).
const (
	FactorOther         FactorKind = iota // a factor this client does not know
	FactorProtect                         // OneLogin Protect: a push, or a code from the app
	FactorSMS                             // OneLogin SMS: a texted code, after TriggerOTP
	FactorVoice                           // OneLogin Voice
	FactorEmail                           // OneLogin Email: a mailed code, after TriggerOTP
	FactorAuthenticator                   // Google Authenticator or another TOTP app
	FactorYubiKey                         // a YubiKey's one-time password
)

// String names the kind in words.
func (k FactorKind) String() string {
	switch k {
	case FactorProtect:
		return "OneLogin Protect"
	case FactorSMS:
		return "SMS"
	case FactorVoice:
		return "Voice"
	case FactorEmail:
		return "Email"
	case FactorAuthenticator:
		return "Authenticator app"
	case FactorYubiKey:
		return "YubiKey"
	}
	return "Other factor"
}

// factorKind reads a factor name. v1 says "OneLogin Protect", "OneLogin
// SMS", "Google Authenticator"; v2 says "OneLogin" and "SMS".
func factorKind(names ...string) FactorKind {
	for _, n := range names {
		l := strings.ToLower(strings.TrimSpace(n))
		switch {
		case l == "":
			continue
		case strings.Contains(l, "protect") || l == "onelogin":
			return FactorProtect
		case strings.Contains(l, "sms"):
			return FactorSMS
		case strings.Contains(l, "voice"):
			return FactorVoice
		case strings.Contains(l, "email"):
			return FactorEmail
		case strings.Contains(l, "authenticator") || strings.Contains(l, "totp"):
			return FactorAuthenticator
		case strings.Contains(l, "yubi"):
			return FactorYubiKey
		}
	}
	return FactorOther
}

// AuthFactor is a factor a user could still enrol
// (GET /api/1/users/:id/auth_factors).
type AuthFactor struct {
	ID   int64  // factor_id
	Name string // e.g. "OneLogin SMS"
}

// OTPDevice is an MFA factor a user has enrolled
// (GET /api/1/users/:id/otp_devices).
type OTPDevice struct {
	ID           int64
	Active       bool // verified at least once; false: enrolled, never used
	Default      bool // the user's default factor
	NeedsTrigger bool // TriggerOTP must come before verifying
	FactorName   string
	TypeName     string
	DeviceName   string // the name the user gave it (user_display_name)
	// PhoneNumber is the SMS or Voice number as OneLogin gives it, which
	// may be masked ("+1xxxxxxx4821"); "" for other factors.
	PhoneNumber string
}

// Kind tells the factor from its names.
func (d OTPDevice) Kind() FactorKind { return factorKind(d.FactorName, d.TypeName) }

// CanPush reports whether the device can be checked with a push: every
// OneLogin Protect device, whatever needs_trigger says. OneLogin's own
// sample lists Protect once with needs_trigger false (extra reference,
// corrections), so the flag cannot be the rule.
func (d OTPDevice) CanPush() bool { return d.Kind() == FactorProtect }

// TypeInWords names the kind of factor as the helpdesk says it:
// "OneLogin Protect", "authenticator app", "SMS", "email", "security key",
// "voice call", or OneLogin's own label for another factor.
func (d OTPDevice) TypeInWords() string {
	switch d.Kind() {
	case FactorProtect:
		return "OneLogin Protect"
	case FactorAuthenticator:
		return "authenticator app"
	case FactorSMS:
		return "SMS"
	case FactorEmail:
		return "email"
	case FactorYubiKey:
		return "security key"
	case FactorVoice:
		return "voice call"
	}
	for _, s := range []string{d.TypeName, d.FactorName} {
		if s = cleanText(s); s != "" {
			return s
		}
	}
	return "other factor"
}

// MaskedContact is where a code goes, masked: the phone number as
// OneLogin lists it (fully masked in every documented sample, so no digits
// are promised) with any digits beyond the last four hidden, or an email
// address the device is named after with its local part hidden. "" when
// OneLogin gives neither.
func (d OTPDevice) MaskedContact() string {
	if p := cleanText(d.PhoneNumber); p != "" {
		if last := lastDigits(p, 4); last != "" {
			return "••• " + last
		}
		return p
	}
	if name := cleanText(d.DeviceName); strings.Contains(name, "@") {
		return maskAddress(name)
	}
	return ""
}

// Label describes the device for staff without showing a whole phone
// number or address: "SMS to ••• 9910", "Authenticator app", "OneLogin
// Protect on Pixel 8".
func (d OTPDevice) Label() string {
	name := cleanText(d.DeviceName)
	named := name != "" && !strings.EqualFold(name, d.FactorName) && !strings.EqualFold(name, d.TypeName)
	switch d.Kind() {
	case FactorProtect:
		if named {
			return "OneLogin Protect on " + name
		}
		return "OneLogin Protect"
	case FactorSMS:
		if last := lastDigits(d.PhoneNumber, 4); last != "" {
			return "SMS to ••• " + last
		}
		return "SMS"
	case FactorVoice:
		if last := lastDigits(d.PhoneNumber, 4); last != "" {
			return "Voice call to ••• " + last
		}
		return "Voice call"
	case FactorEmail:
		if strings.Contains(name, "@") {
			return "Email to " + maskAddress(name)
		}
		return "Email code"
	case FactorAuthenticator:
		return "Authenticator app"
	case FactorYubiKey:
		return "YubiKey"
	}
	for _, s := range []string{d.TypeName, d.FactorName} {
		if s = cleanText(s); s != "" {
			return s
		}
	}
	return "Factor " + strconv.FormatInt(d.ID, 10)
}

// lastDigits returns the last n digits of s, or "" if it has fewer (a
// fully masked number).
func lastDigits(s string, n int) string {
	var ds []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			ds = append(ds, s[i])
		}
	}
	if len(ds) < n+1 { // keep at least one digit hidden
		return ""
	}
	return string(ds[len(ds)-n:])
}

// maskAddress keeps the first character and the domain: "d•••@example.com".
func maskAddress(a string) string {
	local, domain, _ := strings.Cut(a, "@")
	r := []rune(local)
	if len(r) == 0 {
		return "•••@" + domain
	}
	return string(r[:1]) + "•••@" + domain
}

// MaxStateTokenLifetime is the longest state token OneLogin issues.
const MaxStateTokenLifetime = 900 * time.Second

// TriggerOptions tune TriggerOTP. The zero value takes OneLogin's defaults.
type TriggerOptions struct {
	// StateTokenLifetime is how long the state token (and a texted or
	// mailed code) stays valid, rounded up to whole seconds; 0 means
	// OneLogin's default of 120 seconds, and it may not exceed
	// MaxStateTokenLifetime.
	StateTokenLifetime time.Duration
	// NumericSMS asks for a 6-digit numeric SMS code instead of an
	// alphanumeric one, which is easier to read out on the phone.
	NumericSMS bool
	// SMSMessage replaces the SMS text: {{otp_code}} becomes the code and
	// {{expiration}} the minutes it is valid; at most 160 characters after
	// that.
	SMSMessage string
}

// Trigger is a started verification: a push sent, or a code texted or
// mailed. StateToken is a secret; it is never printed.
type Trigger struct {
	UserID     int64
	DeviceID   int64
	FactorName string
	Message    string // OneLogin's sentence, e.g. "SMS token sent to your mobile device. Authentication pending."
	StateToken string
	ExpiresAt  time.Time // when StateToken stops working
}

// String describes the trigger without its state token.
func (t Trigger) String() string {
	return fmt.Sprintf("Trigger{user:%d device:%d factor:%q expires:%s state_token:[redacted]}",
		t.UserID, t.DeviceID, t.FactorName, t.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString is String, so %#v cannot show the state token either.
func (t Trigger) GoString() string { return t.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, %q, %d ...).
func (t Trigger) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// VerifyStatus is the outcome of VerifyPush or VerifyOTP.
type VerifyStatus int

// The outcomes of a verification. The zero value goes with an error.
const (
	// VerifyPending: the push has not been answered yet; ask again.
	VerifyPending VerifyStatus = iota + 1
	// VerifyApproved: the push was approved or the code was right.
	VerifyApproved
	// VerifyDenied: the push was denied or the code was wrong.
	VerifyDenied
	// VerifyExpired: the state token expired; trigger again.
	VerifyExpired
)

// String is "pending", "approved", "denied" or "expired".
func (s VerifyStatus) String() string {
	switch s {
	case VerifyPending:
		return "pending"
	case VerifyApproved:
		return "approved"
	case VerifyDenied:
		return "denied"
	case VerifyExpired:
		return "expired"
	}
	return "VerifyStatus(" + strconv.Itoa(int(s)) + ")"
}

func devicePath(userID, deviceID int64, action string) string {
	return userPath(userID, "/otp_devices/"+strconv.FormatInt(deviceID, 10)+"/"+action)
}

// AuthFactors lists the factors a user could still enrol through the API
// (GET /api/1/users/:id/auth_factors): on v1 only SMS and Voice, and not
// once enrolled. An unknown user is ErrNotFound.
func (c *Client) AuthFactors(ctx context.Context, userID int64) ([]AuthFactor, error) {
	const op = "AuthFactors"
	env, err := c.envelopeCall(ctx, call{op: op, method: http.MethodGet, path: userPath(userID, "/auth_factors"), idempotent: true})
	if err != nil {
		return nil, err
	}
	items, err := listIn(env.Data, "auth_factors")
	if err != nil {
		return nil, decodeError(op, err)
	}
	out := make([]AuthFactor, 0, len(items))
	for i, it := range items {
		var w struct {
			FactorID flexInt    `json:"factor_id"`
			ID       flexInt    `json:"id"`
			Name     flexString `json:"name"`
		}
		if err := json.Unmarshal(it, &w); err != nil {
			return nil, decodeError(op, fmt.Errorf("factor %d: %w", i, err))
		}
		id := int64(w.FactorID)
		if id == 0 {
			id = int64(w.ID)
		}
		out = append(out, AuthFactor{ID: id, Name: string(w.Name)})
	}
	return out, nil
}

type wireDevice struct {
	ID              flexInt    `json:"id"`
	DeviceID        flexInt    `json:"device_id"` // the v2 name
	Active          flexBool   `json:"active"`
	Default         flexBool   `json:"default"`
	NeedsTrigger    flexBool   `json:"needs_trigger"`
	AuthFactorName  flexString `json:"auth_factor_name"`
	TypeDisplayName flexString `json:"type_display_name"`
	UserDisplayName flexString `json:"user_display_name"`
	PhoneNumber     flexString `json:"phone_number"`
}

// OTPDevices lists the factors a user has enrolled, active or pending
// (GET /api/1/users/:id/otp_devices). Only factors the API can verify are
// listed: none gives an empty slice. A device listed twice (OneLogin
// Protect may appear once for the push and once for its codes) comes back
// once, needing a trigger if either entry did. An unknown user is
// ErrNotFound.
func (c *Client) OTPDevices(ctx context.Context, userID int64) ([]OTPDevice, error) {
	const op = "OTPDevices"
	env, err := c.envelopeCall(ctx, call{op: op, method: http.MethodGet, path: userPath(userID, "/otp_devices"), idempotent: true})
	if err != nil {
		return nil, err
	}
	items, err := listIn(env.Data, "otp_devices")
	if err != nil {
		return nil, decodeError(op, err)
	}
	out := make([]OTPDevice, 0, len(items))
	seen := map[int64]int{}
	for i, it := range items {
		var w wireDevice
		if err := json.Unmarshal(it, &w); err != nil {
			return nil, decodeError(op, fmt.Errorf("device %d: %w", i, err))
		}
		d := OTPDevice{ID: int64(w.ID), Active: bool(w.Active), Default: bool(w.Default), NeedsTrigger: bool(w.NeedsTrigger),
			FactorName: string(w.AuthFactorName), TypeName: string(w.TypeDisplayName), DeviceName: string(w.UserDisplayName),
			PhoneNumber: string(w.PhoneNumber)}
		if d.ID == 0 {
			d.ID = int64(w.DeviceID)
		}
		if j, dup := seen[d.ID]; dup {
			out[j].NeedsTrigger = out[j].NeedsTrigger || d.NeedsTrigger
			out[j].Active = out[j].Active || d.Active
			out[j].Default = out[j].Default || d.Default
			continue
		}
		seen[d.ID] = len(out)
		out = append(out, d)
	}
	return out, nil
}

// listIn reads a list that OneLogin wraps in an object under key
// ({"otp_devices":[...]}); a bare list, or the object inside a list, is
// taken too. null or absent is empty.
func listIn(data json.RawMessage, key string) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	if data[0] == '{' {
		var o map[string]json.RawMessage
		if err := json.Unmarshal(data, &o); err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		inner, ok := o[key]
		if !ok {
			return nil, fmt.Errorf("data has no %s", key)
		}
		return flattenList(inner)
	}
	items, err := flattenList(data)
	if err != nil {
		return nil, err
	}
	if len(items) == 1 && len(items[0]) > 0 && items[0][0] == '{' {
		var o map[string]json.RawMessage
		if json.Unmarshal(items[0], &o) == nil {
			if inner, ok := o[key]; ok {
				return flattenList(inner)
			}
		}
	}
	return items, nil
}

type triggerBody struct {
	StateTokenExpiresIn int64  `json:"state_token_expires_in,omitempty"`
	NumericSMSOTP       bool   `json:"numeric_sms_otp,omitempty"`
	SMSMessage          string `json:"sms_message,omitempty"`
}

// defaultStateTokenLifetime is OneLogin's, used when an answer has no
// state_token_expires_at.
const defaultStateTokenLifetime = 120 * time.Second

// TriggerOTP starts verifying a device that needs a trigger
// (POST /api/1/users/:id/otp_devices/:device_id/trigger): OneLogin sends a
// push to OneLogin Protect, or texts or mails a code. Then call VerifyPush
// or VerifyOTP with the state token. Never retried after a 429: it would
// send the person a second push or code.
func (c *Client) TriggerOTP(ctx context.Context, userID, deviceID int64, opts TriggerOptions) (*Trigger, error) {
	const op = "TriggerOTP"
	if opts.StateTokenLifetime > MaxStateTokenLifetime {
		return nil, fmt.Errorf("onelogin %s: %w: state token lifetime %s is over the maximum of %s", op, ErrBadRequest, opts.StateTokenLifetime, MaxStateTokenLifetime)
	}
	var body *triggerBody
	if opts != (TriggerOptions{}) {
		body = &triggerBody{NumericSMSOTP: opts.NumericSMS, SMSMessage: opts.SMSMessage}
		if opts.StateTokenLifetime > 0 {
			body.StateTokenExpiresIn = int64((opts.StateTokenLifetime + time.Second - 1) / time.Second)
		}
	}
	cl := call{op: op, method: http.MethodPost, path: devicePath(userID, deviceID, "trigger")}
	if body != nil {
		cl.body = body // old SDKs send no body at all; so do we when there is nothing to say
	}
	env, err := c.envelopeCall(ctx, cl)
	if err != nil {
		return nil, err
	}
	// data is a list of one (D, S); a bare object is taken too.
	items := []json.RawMessage{bytes.TrimSpace(env.Data)}
	if d := items[0]; len(d) == 0 || d[0] != '{' {
		if items, err = flattenList(d); err != nil {
			return nil, decodeError(op, err)
		}
	}
	if len(items) == 0 {
		return nil, decodeError(op, errors.New("no trigger in data"))
	}
	var w struct {
		AuthFactorName      flexString `json:"auth_factor_name"`
		StateToken          flexString `json:"state_token"`
		StateTokenExpiresAt flexTime   `json:"state_token_expires_at"`
	}
	if err := json.Unmarshal(items[0], &w); err != nil {
		return nil, decodeError(op, err)
	}
	if w.StateToken == "" {
		return nil, decodeError(op, errors.New("no state_token in the answer"))
	}
	// data[0].id is the user's id, not the device's (S fixtures), so the
	// ids asked for are kept rather than read back.
	t := &Trigger{UserID: userID, DeviceID: deviceID, FactorName: string(w.AuthFactorName),
		StateToken: string(w.StateToken), ExpiresAt: c.expiresAt(time.Time(w.StateTokenExpiresAt), opts.StateTokenLifetime),
		Message: statusMessage(env.Status)}
	return t, nil
}

// expiresAt is when a trigger or verification OneLogin answered ends: as
// it said, or (tolerance) without an expiry, after the lifetime asked for.
func (c *Client) expiresAt(said time.Time, asked time.Duration) time.Time {
	if !said.IsZero() {
		return said
	}
	if asked <= 0 {
		asked = defaultStateTokenLifetime
	}
	return c.now().Add(asked)
}

type verifyBody struct {
	OTPToken   string `json:"otp_token,omitempty"`
	StateToken string `json:"state_token,omitempty"`
}

// VerifyPush asks whether the push of a trigger has been answered
// (POST .../otp_devices/:device_id/verify with the state token only).
// Poll it, every second or so, while it returns VerifyPending and the
// trigger's ExpiresAt is ahead. A denied push is VerifyDenied, an expired
// state token VerifyExpired; both with a nil error. Never retried after a
// 429.
func (c *Client) VerifyPush(ctx context.Context, userID, deviceID int64, stateToken string) (VerifyStatus, error) {
	const op = "VerifyPush"
	if stateToken == "" {
		return 0, fmt.Errorf("onelogin %s: %w: no state token", op, ErrBadRequest)
	}
	return c.verify(ctx, op, userID, deviceID, verifyBody{StateToken: stateToken})
}

// VerifyOTP checks a code the user read out
// (POST .../otp_devices/:device_id/verify): stateToken is the trigger's
// for SMS and email codes, and "" for an authenticator app, the OneLogin
// Protect app or a YubiKey. Device 0 checks a temporary MFA token. A wrong
// code is VerifyDenied and an expired state token VerifyExpired, both with
// a nil error. Never retried after a 429: each try counts.
func (c *Client) VerifyOTP(ctx context.Context, userID, deviceID int64, otp, stateToken string) (VerifyStatus, error) {
	const op = "VerifyOTP"
	if strings.TrimSpace(otp) == "" {
		return 0, fmt.Errorf("onelogin %s: %w: no code", op, ErrBadRequest)
	}
	return c.verify(ctx, op, userID, deviceID, verifyBody{OTPToken: strings.TrimSpace(otp), StateToken: stateToken})
}

// verify sends a verify call and reads its outcome. OneLogin answers a
// waiting push, a denied one and a wrong code with 401, like a bad bearer
// token; only the sentence tells them apart (extra reference §1.4).
func (c *Client) verify(ctx context.Context, op string, userID, deviceID int64, body verifyBody) (VerifyStatus, error) {
	// A code is never sent twice (oneTime); a push poll may be.
	res, err := c.do(ctx, call{op: op, method: http.MethodPost, path: devicePath(userID, deviceID, "verify"), body: body,
		oneTime: body.OTPToken != ""})
	if err == nil {
		var st VerifyStatus
		if st, err = successOutcome(op, res); err == nil {
			return st, nil
		}
	}
	var e *Error
	if errors.As(err, &e) {
		if st, ok := verifyOutcome(e); ok {
			return st, nil
		}
	}
	return 0, scrubSecrets(err, body.OTPToken, body.StateToken)
}

// successOutcome reads a 2xx answer to a verification. Only a status of
// type "success" without error approves (extra reference, corrections); a
// status that says pending is VerifyPending ("200 OK – pending" on
// OneLogin's sibling verify endpoints); anything else fails closed.
func successOutcome(op string, res *response) (VerifyStatus, error) {
	env, failed, err := decodeEnvelope(res.body)
	if err != nil {
		return 0, decodeError(op, err)
	}
	if failed {
		return 0, parseError(op, res)
	}
	var st struct {
		Type flexString `json:"type"`
		Code flexInt    `json:"code"`
	}
	_ = json.Unmarshal(env.Status, &st) // absent or odd: not "success"
	msg := statusMessage(env.Status)
	switch {
	case strings.Contains(strings.ToLower(msg+" "+string(st.Type)), "pending"):
		return VerifyPending, nil
	case strings.EqualFold(strings.TrimSpace(string(st.Type)), "success") && (st.Code == 0 || st.Code == 200):
		return VerifyApproved, nil
	}
	if msg == "" {
		msg = "a success status without the documented \"success\""
	}
	return 0, &Error{Op: op, HTTPStatus: res.status, Type: cleanText(string(st.Type)), Message: msg, Reason: ErrUnrecognized}
}

// statusMessage is the sentence of a status block, "" if it has none.
func statusMessage(status json.RawMessage) string {
	var st map[string]json.RawMessage
	if json.Unmarshal(status, &st) != nil {
		return ""
	}
	msg, _ := rawMessage(st["message"])
	return msg
}

// verifyOutcome reads an error answer to verify. 401 "Authentication
// pending" is a waiting push (C: pritunl polls on exactly this); any other
// 401 but the token and permission ones is a denial or a wrong code, whose
// wording is unconfirmed. A 400 that speaks of expiry is an expired state
// token (its wording is unconfirmed too); other 400s stay errors.
func verifyOutcome(e *Error) (VerifyStatus, bool) {
	msg := strings.ToLower(e.Message)
	switch e.HTTPStatus {
	case http.StatusUnauthorized:
		switch {
		case strings.Contains(msg, "pending"):
			return VerifyPending, true
		case errors.Is(e.Reason, ErrRefused):
			return VerifyDenied, true // the token was checked and is good
		case refusesCaller(msg):
			return 0, false
		}
		return VerifyDenied, true
	case http.StatusBadRequest:
		if strings.Contains(msg, "expire") {
			return VerifyExpired, true
		}
	}
	return 0, false
}

// refusesCaller reports a 401 sentence about the API credential rather
// than the person: a bad or expired bearer token (v1 "Authentication
// Failure", v2 "Unauthorized", "Please provide valid credentials"), too
// weak a scope ("Insufficient Permission"), or a 401 that was not JSON
// (its message is then the status text, "Unauthorized ...").
func refusesCaller(msg string) bool {
	return msg == "" || msg == "authentication failure" || strings.HasPrefix(msg, "unauthorized") ||
		strings.Contains(msg, "permission") || strings.Contains(msg, "credentials")
}

// scrubSecrets replaces the given secrets in OneLogin's sentence of an
// error, in case a server repeats them. Secrets shorter than four
// characters are not worth hiding and would mangle the sentence.
func scrubSecrets(err error, secrets ...string) error {
	clean := func(s string) string {
		for _, x := range secrets {
			if len(x) >= 4 {
				s = strings.ReplaceAll(s, x, "[redacted]")
			}
		}
		return s
	}
	switch e := err.(type) {
	case *Error:
		cp := *e
		cp.Message, cp.Attribute = clean(cp.Message), clean(cp.Attribute)
		return &cp
	case *RateLimitError:
		cp := *e
		if e.Err != nil {
			cp.Err = scrubSecrets(e.Err, secrets...).(*Error)
		}
		return &cp
	}
	return err
}
