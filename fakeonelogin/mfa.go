package fakeonelogin

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MFA factors, v1 (extra reference §1.1–1.4): the factors a person has
// enrolled, triggering one (a push, a texted or mailed code) and verifying
// it. State tokens, pushes and codes follow the tenant's Clock, so a test
// can let a state token expire by moving the clock.

// Factor is a kind of MFA factor of the fake account (extra reference §1.0).
// Only factors the API can verify exist here.
type Factor int

// The account's factors. Voice is only ever offered for enrolment
// (auth_factors); the seed enrols none.
const (
	FactorProtect       Factor = iota + 1 // OneLogin Protect: push, or a TOTP code from the app
	FactorSMS                             // OneLogin SMS: trigger, then the texted code
	FactorEmail                           // OneLogin Email: trigger, then the mailed code
	FactorAuthenticator                   // Google Authenticator: an RFC 6238 TOTP code, no trigger
	FactorYubiKey                         // YubiKey: a one-time password typed by the key, no trigger
	FactorVoice                           // OneLogin Voice
)

type factorInfo struct {
	id           int64  // the account's factor_id
	name         string // auth_factor_name and type_display_name
	needsTrigger bool
}

var factorInfos = map[Factor]factorInfo{
	FactorProtect:       {58958, "OneLogin Protect", true},
	FactorSMS:           {16282, "OneLogin SMS", true},
	FactorEmail:         {16290, "OneLogin Email", true},
	FactorAuthenticator: {16285, "Google Authenticator", false},
	FactorYubiKey:       {16287, "Yubico YubiKey", false},
	FactorVoice:         {16283, "OneLogin Voice", true},
}

// String is the factor's auth_factor_name.
func (f Factor) String() string {
	if fi, ok := factorInfos[f]; ok {
		return fi.name
	}
	return "Factor(" + strconv.Itoa(int(f)) + ")"
}

// State-token lifetimes of the trigger call (extra reference §1.3).
const (
	DefaultStateTokenLifetime = 120 * time.Second
	MaxStateTokenLifetime     = 900 * time.Second
)

// Verify and trigger sentences. The reference confirms only "User does not
// exist" and that a pending push's message contains "Authentication
// pending"; the rest is unconfirmed (U) and chosen here, each an
// Assumption. Clients must not match on the U ones.
const (
	msgUserNotExist  = "User does not exist"
	msgPending       = "Authentication pending on OneLogin Protect"
	msgWrongOTP      = "Failed authentication with this factor"    // U
	msgPushDenied    = "Authentication was denied on the device"   // U
	msgStateExpired  = "State token has expired"                   // U (D: "an example exists")
	msgStateTokenBad = "State token is invalid"                    // U
	msgStateMissing  = "state_token is required for this device"   // U
	msgOTPMissing    = "otp_token is required for this device"     // U
	msgNoTrigger     = "This device does not need to be triggered" // U
	msgSMSSent       = "SMS token sent to your mobile device. Authentication pending."
	msgEmailV1       = "Use the verifications API of /api/2 for an email factor"                 // U
	msgPushSent      = "Push notification sent to OneLogin Protect. Authentication pending."     // U
	msgSMSTooLong    = "sms_message should not be longer than 160 characters after substitution" // U
	msgStateLifetime = "state_token_expires_in should be between 1 and 900"                      // U
)

// otpDevice is one enrolled factor of a person.
type otpDevice struct {
	id          int64
	factor      Factor
	active      bool // verified at least once
	isDefault   bool
	displayName string // user_display_name
	phone       string // SMS: E.164
	email       string // Email: where codes go
	secret      []byte // Protect, Authenticator: the TOTP key
	lastStep    int64  // newest TOTP time step accepted: a code works once (RFC 6238 §5.2)
	yubiID      string // YubiKey: the 12-character modhex public id
}

// Device is a copy of one enrolled factor. Phone is the full number; the
// API shows it masked.
type Device struct {
	ID          int64
	Factor      Factor
	Active      bool
	Default     bool
	DisplayName string
	Phone       string // SMS only
	Email       string // Email only
}

func (d *otpDevice) snapshot() Device {
	return Device{ID: d.id, Factor: d.factor, Active: d.active, Default: d.isDefault,
		DisplayName: d.displayName, Phone: d.phone, Email: d.email}
}

// pushAnswerState is where a challenge stands.
type pushAnswerState int

const (
	answerPending pushAnswerState = iota
	answerApproved
	answerDenied
)

// challenge is one trigger: its state token and what it waits for.
type challenge struct {
	token string // state_token (v1)
	// verificationID is a v2 verification's id; "" for a v1 trigger.
	verificationID string
	userID         int64
	deviceID       int64
	factor         Factor
	code           string // SMS, Email: the code sent
	pushID         string // Protect: the push's id on the fake phone (not the secret token)
	answer         pushAnswerState
	autoAt         time.Time // Protect: when the phone answers by itself; zero = never
	autoOK         bool      // ... and whether it approves
	createdAt      time.Time
	expiresAt      time.Time
	used           bool // verified successfully: the token is spent
	// denialRecorded: the denied push is in the events already.
	denialRecorded bool
}

// settle applies a push answer the phone gives by itself (SetPushAnswer),
// if it came before the state token expired.
func (c *challenge) settle(now time.Time) {
	if c.factor != FactorProtect || c.answer != answerPending || c.autoAt.IsZero() {
		return
	}
	if !now.Before(c.autoAt) && c.autoAt.Before(c.expiresAt) {
		c.answer = answerDenied
		if c.autoOK {
			c.answer = answerApproved
		}
	}
}

// PushAnswer is what the fake phone does with a push nobody answers on
// the push page or through ApprovePush/DenyPush.
type PushAnswer int

const (
	// PushWaits leaves a push pending until someone answers it or its
	// state token expires (the default).
	PushWaits PushAnswer = iota
	// PushApproves approves a push by itself after a delay.
	PushApproves
	// PushDenies denies a push by itself after a delay.
	PushDenies
)

// mfaState is the tenant's MFA and invite state. The fields above kMu are
// guarded by Tenant.mu, since handlers change them together with users.
type mfaState struct {
	nextDeviceID  int64
	challenges    map[string]*challenge // v1, by state token
	verifications map[string]*challenge // v2, by verification id
	pushes        map[string]*challenge // v1 and v2, by push id
	yubiOTPs      map[string]int64      // issued, unused YubiKey OTP -> device id
	inbox         []Message             // oldest first, at most maxInbox
	nextMsgID     int
	invites       []Invite // oldest first, at most maxInvites

	kMu        sync.Mutex
	pushAnswer PushAnswer
	pushAfter  time.Duration
	failN      int
	failStatus int
}

// ---- knobs ----

// SetPushAnswer makes pushes sent from now on answer themselves: approve
// or deny after the delay after on the tenant clock, or, with PushWaits
// (the default), wait for ApprovePush/DenyPush or the push page. A delay
// longer than the state token's lifetime is a push that is never answered
// in time: polling sees pending, then expired.
func (t *Tenant) SetPushAnswer(a PushAnswer, after time.Duration) {
	t.mfa.kMu.Lock()
	t.mfa.pushAnswer, t.mfa.pushAfter = a, max(after, 0)
	t.mfa.kMu.Unlock()
}

// FailNextMFA makes the next n calls to MFA paths (auth_factors,
// otp_devices and below) answer status with a v1 error envelope, as a
// failing factor service would; other calls are not affected.
func (t *Tenant) FailNextMFA(n int, status int) {
	t.mfa.kMu.Lock()
	t.mfa.failN, t.mfa.failStatus = n, status
	t.mfa.kMu.Unlock()
}

func isMFAPath(path string) bool {
	if strings.HasPrefix(path, "/api/2/mfa/") {
		return true
	}
	if !strings.HasPrefix(path, "/api/1/users/") {
		return false
	}
	return strings.Contains(path, "/otp_devices") || strings.HasSuffix(path, "/auth_factors") || strings.HasSuffix(path, "/auth_factor")
}

func (t *Tenant) takeMFAFault(path string) (int, bool) {
	if !isMFAPath(path) {
		return 0, false
	}
	t.mfa.kMu.Lock()
	defer t.mfa.kMu.Unlock()
	if t.mfa.failN > 0 {
		t.mfa.failN--
		return t.mfa.failStatus, true
	}
	return 0, false
}

// ExpireStateTokens ends every state token issued so far, as if their
// lifetime ran out.
func (t *Tenant) ExpireStateTokens() {
	now := t.clock.Now()
	t.mu.Lock()
	for _, c := range t.mfa.challenges {
		if c.expiresAt.After(now) {
			c.expiresAt = now
		}
	}
	t.mu.Unlock()
}

// ---- seeding ----

// devicePlan is a factor to enrol at seeding.
type devicePlan struct {
	factor Factor
	name   string // user_display_name; "" = a usual one for the factor
	phone  string // SMS: E.164; "" = from the person's phone or made up
}

// personaFactors are the personas' factors: among them every kind the
// helpdesk's Factors panel names (Protect, authenticator app, SMS, email,
// security key). PersonaUnactivated,
// PersonaPasswordPending and PersonaLockedNoFactor have none. Phone numbers
// are from ranges reserved for fiction.
var personaFactors = map[int64][]devicePlan{
	PersonaAdminID:           {{factor: FactorProtect, name: "iPhone 15 Pro"}, {factor: FactorAuthenticator}},
	PersonaHelpdeskID:        {{factor: FactorProtect, name: "Pixel 8"}},
	PersonaViewerID:          {{factor: FactorAuthenticator}},
	PersonaEmployeeID:        {{factor: FactorProtect, name: "Galaxy S23"}, {factor: FactorSMS, name: "Mobile", phone: "+12125550147"}},
	PersonaLockedID:          {{factor: FactorSMS, name: "Work phone", phone: "+12125550163"}},
	PersonaSuspendedID:       {{factor: FactorProtect, name: "iPhone 12"}},
	PersonaPasswordExpiredID: {{factor: FactorAuthenticator}},
	PersonaAwaitingResetID:   {{factor: FactorEmail}},
	PersonaNoRolesID:         {{factor: FactorSMS, name: "Mobile", phone: "+14165550172"}, {factor: FactorEmail}, {factor: FactorYubiKey}},
	PersonaLockedPushID:      {{factor: FactorProtect, name: "Pixel 7a"}},
	PersonaLockedTOTPID:      {{factor: FactorAuthenticator}},
	PersonaLockedSMSID:       {{factor: FactorSMS, name: "Work phone", phone: "+447700909910"}},
	PersonaLockedEmailID:     {{factor: FactorEmail}},
}

var (
	phoneModels  = []string{"iPhone 15", "iPhone 13 mini", "Pixel 8", "Pixel 6a", "Galaxy S24", "Galaxy A54", "OnePlus 12"}
	smsNames     = []string{"Work phone", "Mobile", "Personal phone"}
	firstDevice  = int64(731900)
	seedTOTPSalt = []byte("fakeonelogin totp key")
)

// seedFactors enrols factors for everyone, in id order. Each person's
// factors come from a generator of their own (seeded by Options.Seed and
// the id), so the rest of the seed is the same with or without them.
func (t *Tenant) seedFactors() {
	t.mfa.nextDeviceID = firstDevice
	for _, id := range t.order {
		u := t.users[id]
		r := rand.New(rand.NewPCG(uint64(t.opts.Seed), uint64(id)^0x6d666131))
		plans, persona := personaFactors[id]
		if !persona && id >= firstRandomID {
			plans = randomFactors(u, r)
		}
		for _, p := range plans {
			d := t.newDevice(u, p, r)
			if !persona && r.Float64() < 0.05 {
				d.active = false // enrolled, never used
			}
		}
	}
}

func randomFactors(u *user, r *rand.Rand) []devicePlan {
	if u.status == StatusUnactivated || u.status == StatusPasswordPending {
		return nil // never signed in, so never enrolled
	}
	var ps []devicePlan
	switch p := r.Float64(); {
	case p < 0.50:
		ps = append(ps, devicePlan{factor: FactorProtect})
		if r.Float64() < 0.2 {
			ps = append(ps, devicePlan{factor: FactorAuthenticator})
		}
	case p < 0.70:
		ps = append(ps, devicePlan{factor: FactorAuthenticator})
	case p < 0.82:
		ps = append(ps, devicePlan{factor: FactorSMS})
	case p < 0.86:
		ps = append(ps, devicePlan{factor: FactorEmail})
	case p < 0.88:
		ps = append(ps, devicePlan{factor: FactorYubiKey})
	}
	if len(ps) > 0 && ps[0].factor != FactorSMS && r.Float64() < 0.15 {
		ps = append(ps, devicePlan{factor: FactorSMS}) // a backup
	}
	return ps
}

// newDevice enrols p for u. Caller holds t.mu (or is seeding).
func (t *Tenant) newDevice(u *user, p devicePlan, r *rand.Rand) *otpDevice {
	t.mfa.nextDeviceID += 1 + int64(r.IntN(9))
	d := &otpDevice{id: t.mfa.nextDeviceID, factor: p.factor, active: true, displayName: p.name, isDefault: len(u.devices) == 0}
	switch p.factor {
	case FactorProtect:
		if d.displayName == "" {
			d.displayName = phoneModels[r.IntN(len(phoneModels))]
		}
		d.secret = t.totpKey(u.id, d.id)
	case FactorAuthenticator:
		if d.displayName == "" {
			d.displayName = "Google Authenticator"
		}
		d.secret = t.totpKey(u.id, d.id)
	case FactorSMS:
		if d.displayName == "" {
			d.displayName = smsNames[r.IntN(len(smsNames))]
		}
		d.phone = p.phone
		if d.phone == "" {
			d.phone = e164(strOf(u.phone))
		}
		if d.phone == "" {
			d.phone = fmt.Sprintf("+1415555%04d", r.IntN(10000))
		}
	case FactorEmail:
		if d.displayName == "" {
			d.displayName = "Work email"
		}
		d.email = u.email
	case FactorYubiKey:
		if d.displayName == "" {
			d.displayName = "YubiKey 5 NFC"
		}
		d.yubiID = modhex(r.IntN, 12)
	}
	u.devices = append(u.devices, d)
	return d
}

// e164 turns "+49 30 5550 1234" into "+493055501234"; "" if not a number.
func e164(s string) string {
	var b strings.Builder
	for i, c := range s {
		switch {
		case c == '+' && i == 0:
			b.WriteRune(c)
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		}
	}
	if b.Len() < 8 || !strings.HasPrefix(b.String(), "+") {
		return ""
	}
	return b.String()
}

const modhexDigits = "cbdefghijklnrtuv"

func modhex(intN func(int) int, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = modhexDigits[intN(16)]
	}
	return string(b)
}

// ---- TOTP (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits) ----

const totpStep = 30

// totpKey derives a device's TOTP key from the seed, so tests and the demo
// can compute codes: the same Seed gives the same keys.
func (t *Tenant) totpKey(userID, deviceID int64) []byte {
	m := hmac.New(sha256.New, seedTOTPSalt)
	fmt.Fprintf(m, "%d|%d|%d", t.opts.Seed, userID, deviceID)
	return m.Sum(nil)[:20]
}

// hotp is RFC 4226's HOTP value for counter, as 6 digits.
func hotp(key []byte, counter uint64) string {
	m := hmac.New(sha1.New, key)
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], counter)
	m.Write(c[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000)
}

func totpStepAt(at time.Time) int64 { return at.Unix() / totpStep }

// checkTOTP accepts the code of the current step or one step either side
// (clock drift), once.
func (d *otpDevice) checkTOTP(code string, now time.Time) bool {
	code = strings.TrimSpace(code)
	step := totpStepAt(now)
	for _, s := range []int64{step - 1, step, step + 1} {
		if s <= d.lastStep {
			continue // RFC 6238 §5.2: a code is accepted once
		}
		if subtle.ConstantTimeCompare([]byte(hotp(d.secret, uint64(s))), []byte(code)) == 1 {
			d.lastStep = s
			return true
		}
	}
	return false
}

// TOTP returns the code user id's authenticator shows at the given time:
// their Google Authenticator, or else the OneLogin Protect app. It returns
// "" when they have neither.
func (t *Tenant) TOTP(userID int64, at time.Time) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[userID]
	if !ok {
		return ""
	}
	for _, f := range []Factor{FactorAuthenticator, FactorProtect} {
		for _, d := range u.devices {
			if d.factor == f {
				return hotp(d.secret, uint64(totpStepAt(at)))
			}
		}
	}
	return ""
}

// DeviceTOTP returns the code a given Protect or Authenticator device shows
// at the given time, or "" if there is no such device.
func (t *Tenant) DeviceTOTP(userID, deviceID int64, at time.Time) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	d := t.device(userID, deviceID)
	if d == nil || d.secret == nil {
		return ""
	}
	return hotp(d.secret, uint64(totpStepAt(at)))
}

// TOTPSecret returns the base32 key of a Protect or Authenticator device
// (what its QR code holds), so a real authenticator app can show the codes
// too. "" if there is no such device.
func (t *Tenant) TOTPSecret(userID, deviceID int64) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	d := t.device(userID, deviceID)
	if d == nil || d.secret == nil {
		return ""
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(d.secret)
}

// YubiKeyOTP returns a fresh one-time password from user id's YubiKey, as
// if they touched it: accepted once by verify. "" if they have none.
func (t *Tenant) YubiKeyOTP(userID int64) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[userID]
	if !ok {
		return ""
	}
	for _, d := range u.devices {
		if d.factor == FactorYubiKey {
			otp := d.yubiID + modhex(rand.IntN, 32)
			if t.mfa.yubiOTPs == nil {
				t.mfa.yubiOTPs = map[string]int64{}
			}
			t.mfa.yubiOTPs[otp] = d.id
			return otp
		}
	}
	return ""
}

// device finds one of user id's devices. Caller holds t.mu.
func (t *Tenant) device(userID, deviceID int64) *otpDevice {
	u, ok := t.users[userID]
	if !ok {
		return nil
	}
	for _, d := range u.devices {
		if d.id == deviceID {
			return d
		}
	}
	return nil
}

// ---- Go access ----

// Devices lists user id's enrolled factors, oldest first.
func (t *Tenant) Devices(userID int64) []Device {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[userID]
	if !ok {
		return nil
	}
	out := make([]Device, len(u.devices))
	for i, d := range u.devices {
		out[i] = d.snapshot()
	}
	return out
}

// Enroll adds a factor to user id, as the person would in their OneLogin
// profile, and returns it (active, default if it is their first). Voice
// cannot be enrolled; ok is false for it and for an unknown user.
func (t *Tenant) Enroll(userID int64, f Factor) (Device, bool) {
	if _, known := factorInfos[f]; !known || f == FactorVoice {
		return Device{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[userID]
	if !ok {
		return Device{}, false
	}
	r := rand.New(rand.NewPCG(uint64(t.opts.Seed), uint64(userID)^uint64(len(u.devices))<<48))
	return t.newDevice(u, devicePlan{factor: f}, r).snapshot(), true
}

// RemoveDevices takes all of user id's factors away.
func (t *Tenant) RemoveDevices(userID int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if u, ok := t.users[userID]; ok {
		u.devices = nil
	}
}

// ---- GET /api/1/users/:id/auth_factors (§1.1) ----

type wireFactor struct {
	Name     string `json:"name"`
	FactorID int64  `json:"factor_id"`
}

// authFactors lists what the person could still enrol through v1: only SMS
// and Voice are enrolable there, and an enrolled factor drops out (D).
func (t *Tenant) authFactors(w http.ResponseWriter, q *req) {
	t.withUser(w, q, func(u *user) response {
		list := []wireFactor{}
		for _, f := range []Factor{FactorSMS, FactorVoice} {
			if !slices.ContainsFunc(u.devices, func(d *otpDevice) bool { return d.factor == f }) {
				list = append(list, wireFactor{Name: factorInfos[f].name, FactorID: factorInfos[f].id})
			}
		}
		return okResp(map[string]any{"auth_factors": list})
	})
}

// ---- GET /api/1/users/:id/otp_devices (§1.2) ----

type wireDevice struct {
	ID              int64  `json:"id"`
	Active          bool   `json:"active"`
	Default         bool   `json:"default"`
	NeedsTrigger    bool   `json:"needs_trigger"`
	AuthFactorName  string `json:"auth_factor_name"`
	TypeDisplayName string `json:"type_display_name"`
	UserDisplayName string `json:"user_display_name"`
	PhoneNumber     string `json:"phone_number,omitempty"`
}

// The Protect app is listed once with needs_trigger false, as OneLogin's
// own enrolled-factors sample lists it (extra reference, corrections), yet
// it takes a trigger for a push; its TOTP code verifies without one. The
// Java SDK's docs say such a factor appears twice; clients must accept
// both and push to Protect whatever the flag says.
func (d *otpDevice) wire() wireDevice {
	fi := factorInfos[d.factor]
	w := wireDevice{ID: d.id, Active: d.active, Default: d.isDefault, NeedsTrigger: fi.needsTrigger && d.factor != FactorProtect,
		AuthFactorName: fi.name, TypeDisplayName: fi.name, UserDisplayName: d.displayName}
	if d.factor == FactorSMS {
		// Assumption (U): the number is masked as in the reference's sample.
		w.PhoneNumber = maskPhone(d.phone)
	}
	return w
}

func (t *Tenant) otpDevices(w http.ResponseWriter, q *req) {
	t.withUser(w, q, func(u *user) response {
		list := make([]wireDevice, 0, len(u.devices)) // none is [], not null (R)
		for _, d := range u.devices {
			list = append(list, d.wire())
		}
		return okResp(map[string]any{"otp_devices": list})
	})
}

// lookupDevice resolves the user and device of a trigger or verify path.
// Assumption (U): both calls answer an unknown user like verify's
// documented 400 "User does not exist", and an unknown device (or one of
// someone else) 404 "Device for id <id> was not found". Caller holds t.mu.
func (t *Tenant) lookupDevice(q *req) (*user, *otpDevice, *response) {
	id, err := strconv.ParseInt(q.id, 10, 64)
	if err != nil {
		r := badAttr("id", msgIDIncorrect)
		return nil, nil, &r
	}
	u, ok := t.users[id]
	if !ok {
		r := errResp(http.StatusBadRequest, msgUserNotExist)
		return nil, nil, &r
	}
	if u.forbidden {
		r := errResp(http.StatusForbidden, msgForbiddenUser)
		return nil, nil, &r
	}
	u.settle(q.now)
	devID, err := strconv.ParseInt(q.sub, 10, 64)
	if err != nil {
		r := badAttr("device_id", msgIDIncorrect)
		return nil, nil, &r
	}
	if devID == 0 {
		return u, nil, nil // verify: the temporary MFA token
	}
	d := t.device(id, devID)
	if d == nil {
		r := errResp(http.StatusNotFound, fmt.Sprintf("Device for id %d was not found", devID))
		return nil, nil, &r
	}
	return u, d, nil
}

// ---- POST .../otp_devices/:device_id/trigger (§1.3) ----

type triggerReply struct {
	ID                  int64  `json:"id"` // the user id (S fixtures)
	DeviceID            int64  `json:"device_id"`
	Active              bool   `json:"active"`
	AuthFactorName      string `json:"auth_factor_name"`
	TypeDisplayName     string `json:"type_display_name"`
	UserDisplayName     string `json:"user_display_name"`
	StateToken          string `json:"state_token"`
	StateTokenExpiresAt string `json:"state_token_expires_at"`
}

type triggerOpts struct {
	lifetime   time.Duration
	numericSMS bool
	smsMessage string
}

// parseTrigger reads the optional body; unknown fields (pritunl's ipaddr)
// are ignored.
func parseTrigger(body []byte) (triggerOpts, *response) {
	o := triggerOpts{lifetime: DefaultStateTokenLifetime}
	if strings.TrimSpace(string(body)) == "" {
		return o, nil // old SDKs send none
	}
	m, okJSON := jsonObject(body)
	if !okJSON {
		r := errResp(http.StatusBadRequest, msgInvalidJSON)
		return o, &r
	}
	if raw, ok := m["state_token_expires_in"]; ok && !isNull(raw) {
		n, isInt := jsonInt(raw)
		if !isInt || n < 1 || n > int64(MaxStateTokenLifetime/time.Second) {
			r := badAttr("state_token_expires_in", msgStateLifetime)
			return o, &r
		}
		o.lifetime = time.Duration(n) * time.Second
	}
	if raw, ok := m["numeric_sms_otp"]; ok && !isNull(raw) {
		b, isBool := jsonBool(raw)
		if !isBool {
			r := badAttr("numeric_sms_otp", "numeric_sms_otp has incorrect data type. It should be -> boolean")
			return o, &r
		}
		o.numericSMS = b
	}
	if raw, ok := m["sms_message"]; ok && !isNull(raw) {
		s, isStr := jsonString(raw)
		if !isStr {
			r := badAttr("sms_message", "sms_message has incorrect data type. It should be -> string")
			return o, &r
		}
		o.smsMessage = s
	}
	return o, nil
}

// Assumption (U): the default SMS and email texts.
const (
	defaultSMSText = "{{otp_code}} is your OneLogin verification code. It expires in {{expiration}} minutes."
	emailSubject   = "Your OneLogin verification code"
)

func expandOTPText(tmpl, code string, lifetime time.Duration) string {
	minutes := int((lifetime + time.Minute - 1) / time.Minute)
	return strings.NewReplacer("{{otp_code}}", code, "{{expiration}}", strconv.Itoa(minutes)).Replace(tmpl)
}

func (t *Tenant) triggerDevice(w http.ResponseWriter, q *req) {
	t.withLock(w, func() response {
		u, d, e := t.lookupDevice(q)
		if e != nil {
			return *e
		}
		if d == nil || !factorInfos[d.factor].needsTrigger {
			// Assumption (U): Authenticator and YubiKey codes need no trigger,
			// and asking for one is refused rather than ignored.
			return errResp(http.StatusBadRequest, msgNoTrigger)
		}
		if d.factor == FactorEmail {
			// v1 trigger is documented for SMS and push only; email codes
			// are a v2 verification (extra reference, corrections). What
			// OneLogin answers here is not documented (U): refused, so a
			// client that tries shows up.
			return errResp(http.StatusBadRequest, msgEmailV1)
		}
		o, e := parseTrigger(q.body)
		if e != nil {
			return *e
		}
		now := q.now.UTC()
		c := &challenge{token: randomHex(20), userID: u.id, deviceID: d.id, factor: d.factor,
			createdAt: now, expiresAt: now.Add(o.lifetime).Truncate(time.Second)}
		var msg string
		switch d.factor {
		case FactorSMS:
			if o.numericSMS {
				c.code = randomDigits(6)
			} else {
				c.code = randomAlnum(6) // alphanumeric unless numeric_sms_otp (D)
			}
			tmpl := defaultSMSText
			if o.smsMessage != "" {
				tmpl = o.smsMessage
			}
			text := expandOTPText(tmpl, c.code, o.lifetime)
			if len([]rune(text)) > 160 {
				return badAttr("sms_message", msgSMSTooLong)
			}
			t.deliver(Message{At: now, UserID: u.id, Channel: ChannelSMS, To: d.phone, Body: text, Code: c.code})
			msg = msgSMSSent
		case FactorProtect:
			c.pushID = randomHex(6)
			t.mfa.kMu.Lock()
			if t.mfa.pushAnswer != PushWaits {
				c.autoAt, c.autoOK = now.Add(t.mfa.pushAfter), t.mfa.pushAnswer == PushApproves
			}
			t.mfa.kMu.Unlock()
			msg = msgPushSent
		default: // Voice: never enrolled
			return errResp(http.StatusBadRequest, msgNoTrigger)
		}
		t.keepChallenge(c, now)
		t.deviceEvent(q, EventAPITriggerFactor, u, d)
		fi := factorInfos[d.factor]
		return response{http.StatusOK, envelope{
			Status: statusBlock{Code: 200, Type: "success", Message: msg},
			Data: []triggerReply{{ID: u.id, DeviceID: d.id, Active: d.active, AuthFactorName: fi.name,
				TypeDisplayName: fi.name, UserDisplayName: d.displayName, StateToken: c.token,
				StateTokenExpiresAt: c.expiresAt.Format("2006-01-02T15:04:05Z")}},
		}}
	})
}

// keepChallenge stores c and forgets challenges that expired an hour ago,
// so a long demo stays bounded. Caller holds t.mu.
func (t *Tenant) keepChallenge(c *challenge, now time.Time) {
	if t.mfa.challenges == nil {
		t.mfa.challenges = map[string]*challenge{}
	}
	if t.mfa.pushes == nil {
		t.mfa.pushes = map[string]*challenge{}
	}
	for tok, old := range t.mfa.challenges {
		if now.Sub(old.expiresAt) > time.Hour {
			delete(t.mfa.challenges, tok)
			delete(t.mfa.pushes, old.pushID)
		}
	}
	t.mfa.challenges[c.token] = c
	if c.pushID != "" {
		t.mfa.pushes[c.pushID] = c
	}
}

const alnumDigits = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" // no 0/O, 1/I

func randomAlnum(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnumDigits[rand.IntN(len(alnumDigits))]
	}
	return string(b)
}

// ---- POST .../otp_devices/:device_id/verify (§1.4) ----

func (t *Tenant) verifyDevice(w http.ResponseWriter, q *req) {
	t.withLock(w, func() response {
		u, d, e := t.lookupDevice(q)
		if e != nil {
			return *e
		}
		m, okJSON := jsonObject(q.body)
		if !okJSON {
			return errResp(http.StatusBadRequest, msgInvalidJSON)
		}
		// Ruby's SDK also sends user_id and device_id; they are ignored.
		otp, _ := jsonString(m["otp_token"])
		state, _ := jsonString(m["state_token"])
		otp, state = strings.TrimSpace(otp), strings.TrimSpace(state)
		if d == nil { // device 0: a temporary MFA token (v1 doc §3.17)
			if otp == "" {
				return errResp(http.StatusBadRequest, msgOTPMissing)
			}
			if !u.useMFAToken(otp, q.now) {
				t.deviceEvent(q, EventAPIVerifyFactorFailed, u, nil)
				return errResp(http.StatusUnauthorized, msgWrongOTP)
			}
			t.deviceEvent(q, EventAPIVerifyFactor, u, nil)
			return okResp(nil)
		}
		switch d.factor {
		case FactorProtect:
			if otp != "" { // a code from the app: no trigger needed
				return t.verified(q, u, d, d.checkTOTP(otp, q.now))
			}
			if state == "" {
				return errResp(http.StatusBadRequest, msgOTPMissing)
			}
			c, e := t.liveChallenge(state, u, d, q.now)
			if e != nil {
				return *e
			}
			c.settle(q.now)
			switch c.answer {
			case answerPending:
				return errResp(http.StatusUnauthorized, msgPending)
			case answerDenied:
				// Assumption (U): a denial answers the same to every poll
				// until the token expires; only an approval spends it. It
				// is recorded once, as 950 OL_OTP_PUSH_REJECT.
				if !c.denialRecorded {
					c.denialRecorded = true
					t.deviceEvent(q, EventOTPPushReject, u, d)
				}
				return errResp(http.StatusUnauthorized, msgPushDenied)
			}
			c.used = true
			return t.verified(q, u, d, true)
		case FactorSMS, FactorEmail:
			if state == "" {
				return errResp(http.StatusBadRequest, msgStateMissing)
			}
			c, e := t.liveChallenge(state, u, d, q.now)
			if e != nil {
				return *e
			}
			if otp == "" {
				return errResp(http.StatusBadRequest, msgOTPMissing)
			}
			// Codes are compared without regard to case: people read them aloud.
			ok := subtle.ConstantTimeCompare([]byte(strings.ToUpper(otp)), []byte(strings.ToUpper(c.code))) == 1
			if ok {
				c.used = true
			}
			return t.verified(q, u, d, ok)
		case FactorAuthenticator:
			if otp == "" {
				return errResp(http.StatusBadRequest, msgOTPMissing)
			}
			return t.verified(q, u, d, d.checkTOTP(otp, q.now))
		case FactorYubiKey:
			if otp == "" {
				return errResp(http.StatusBadRequest, msgOTPMissing)
			}
			ok := t.mfa.yubiOTPs[otp] == d.id && strings.HasPrefix(otp, d.yubiID)
			if ok {
				delete(t.mfa.yubiOTPs, otp)
			}
			return t.verified(q, u, d, ok)
		}
		return errResp(http.StatusUnauthorized, msgWrongOTP)
	})
}

// verified is the answer to a checked code: 200 status-only, or 401, with
// the event OneLogin records for it: 528 API_VERIFY_FACTOR or 527
// API_VERIFY_FACTOR_FAILED (reference §2.5). Assumption (U): the device is
// named in otp_device_id/_name. Caller holds t.mu.
func (t *Tenant) verified(q *req, u *user, d *otpDevice, ok bool) response {
	if !ok {
		t.deviceEvent(q, EventAPIVerifyFactorFailed, u, d)
		return errResp(http.StatusUnauthorized, msgWrongOTP)
	}
	d.active = true // active means verified at least once (D)
	t.deviceEvent(q, EventAPIVerifyFactor, u, d)
	return okResp(nil)
}

// liveChallenge finds the state token's challenge for this user and
// device. Assumption (U): an expired token answers 400 "State token has
// expired"; an unknown, spent or foreign one 400 "State token is invalid".
// Caller holds t.mu.
func (t *Tenant) liveChallenge(token string, u *user, d *otpDevice, now time.Time) (*challenge, *response) {
	c, ok := t.mfa.challenges[token]
	if !ok || c.used || c.userID != u.id || c.deviceID != d.id {
		r := errResp(http.StatusBadRequest, msgStateTokenBad)
		return nil, &r
	}
	if !now.Before(c.expiresAt) {
		r := errResp(http.StatusBadRequest, msgStateExpired)
		return nil, &r
	}
	return c, nil
}

// useMFAToken checks a temporary MFA token as a sign-in would: current,
// and a non-reusable token works once. Caller holds t.mu.
func (u *user) useMFAToken(tok string, now time.Time) bool {
	h := hashPassword("mfa:", tok)
	for i := range u.mfa {
		m := &u.mfa[i]
		if m.used || !now.Before(m.expiresAt) || subtle.ConstantTimeCompare([]byte(m.hash), []byte(h)) != 1 {
			continue
		}
		if !m.reusable {
			m.used = true
		}
		return true
	}
	return false
}
