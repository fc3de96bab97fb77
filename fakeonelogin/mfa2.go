package fakeonelogin

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MFA factors, v2 (directory-mfa reference §B1, §B2, §B5) and removing a
// factor on v1 (§B1): what the helpdesk uses to list and remove a lost
// device and to check who is calling. v2 verifications share the v1
// challenges' machinery, so their texts, mails and pushes reach the fake
// phone, inbox and push page exactly as a trigger's do.

// v2 MFA error bodies the reference gives verbatim.
var (
	v2InvalidCredentials = v2Error{StatusCode: 401, Name: "InvalidCredentials", Message: "Please provide valid credentials"}
	v2ForbiddenAction    = v2Error{StatusCode: 403, Name: "ForbiddenAction", Message: "You are not authorised to perform this action or access the resource"}
	v2NotFound           = v2Error{StatusCode: 404, Name: "NotFound", Message: "The resource can't be found or the server has not found anything matching the Request-URI"}
	v2NotFoundError      = v2Error{StatusCode: 404, Name: "NotFoundError", Message: "The resource with the given id could not be found"}
)

// Assumption (U): a v2 body the fake cannot use answers the v2 users
// pages' 400 shape.
func v2BadRequest(msg string) v2Error {
	return v2Error{StatusCode: 400, Name: "BadRequestError", Message: msg}
}

// v2FactorName is auth_factor_name on v2, which differs from v1 (§B2).
// Assumption (U): YubiKey keeps its v1 name; v2 does not list it for
// verification.
func v2FactorName(f Factor) string {
	switch f {
	case FactorProtect:
		return "OneLogin"
	case FactorSMS:
		return "SMS"
	}
	return factorInfos[f].name
}

// v2Reply runs f under the tenant lock and writes its status and body;
// a nil body is an empty answer (204).
func (t *Tenant) v2Reply(w http.ResponseWriter, f func() (int, any)) {
	t.mu.Lock()
	code, body := f()
	var b []byte
	var err error
	if body != nil {
		b, err = json.Marshal(body)
	}
	t.mu.Unlock()
	switch {
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, v2Error{StatusCode: 500, Name: "InternalServerError", Message: "Internal Server Error"})
	case body == nil:
		w.WriteHeader(code)
	default:
		writeRaw(w, code, b)
	}
}

// v2User resolves the :id of a v2 MFA path. Assumption (U): an unknown
// user answers the v2 users pages' 404 NotFoundError. Caller holds t.mu.
func (t *Tenant) v2User(q *req) (*user, *v2Error) {
	id, err := strconv.ParseInt(q.id, 10, 64)
	u, ok := t.users[id]
	if err != nil || !ok {
		return nil, &v2NotFoundError
	}
	if u.forbidden {
		return nil, &v2ForbiddenAction
	}
	u.settle(q.now)
	return u, nil
}

// ---- GET /api/2/mfa/users/:id/devices (§B2) ----

type wireDeviceV2 struct {
	DeviceID        string `json:"device_id"`
	UserDisplayName string `json:"user_display_name"`
	TypeDisplayName string `json:"type_display_name"`
	AuthFactorName  string `json:"auth_factor_name"`
	Default         bool   `json:"default"`
}

// devicesV2 lists activated devices only (D), as a bare array with string
// ids and v2 factor names; no phone number.
func (t *Tenant) devicesV2(w http.ResponseWriter, q *req) {
	t.v2Reply(w, func() (int, any) {
		u, e := t.v2User(q)
		if e != nil {
			return e.StatusCode, e
		}
		list := []wireDeviceV2{}
		for _, d := range u.devices {
			if d.active {
				list = append(list, wireDeviceV2{DeviceID: itoa64(d.id), UserDisplayName: d.displayName,
					TypeDisplayName: factorInfos[d.factor].name, AuthFactorName: v2FactorName(d.factor), Default: d.isDefault})
			}
		}
		return http.StatusOK, list
	})
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// ---- removing a device: v1 DELETE .../otp_devices/:id, v2 DELETE .../devices/:id (§B1) ----

// removeDevice takes d away from u; the next device becomes the default
// when d was it. Assumption (U): an API removal is logged as 24
// USER_REMOVED_OTP_DEVICE naming the device, and its open challenges end.
// Caller holds t.mu.
func (t *Tenant) removeDevice(q *req, u *user, d *otpDevice) {
	for i, x := range u.devices {
		if x == d {
			u.devices = append(u.devices[:i:i], u.devices[i+1:]...)
			break
		}
	}
	if d.isDefault && len(u.devices) > 0 {
		u.devices[0].isDefault = true
	}
	for _, c := range t.mfa.challenges {
		if c.userID == u.id && c.deviceID == d.id {
			c.used = true
		}
	}
	for _, c := range t.mfa.verifications {
		if c.userID == u.id && c.deviceID == d.id {
			c.used = true
		}
	}
	u.updatedAt = q.now.UTC()
	t.deviceEvent(q, EventUserRemovedOTPDevice, u, d)
}

// removeDeviceV1 answers 200 {} (the docs sample, not an envelope), or
// 400 "Factor could not be found" for a device the person does not have.
// Assumption (U): an unknown user is the v1 404.
func (t *Tenant) removeDeviceV1(w http.ResponseWriter, q *req) {
	t.withUser(w, q, func(u *user) response {
		devID, err := strconv.ParseInt(q.sub, 10, 64)
		d := t.device(u.id, devID)
		if err != nil || d == nil {
			return errResp(http.StatusBadRequest, "Factor could not be found")
		}
		t.removeDevice(q, u, d)
		return response{http.StatusOK, struct{}{}}
	})
}

// removeDeviceV2 answers 204, or (E10) 404 NotFoundError.
func (t *Tenant) removeDeviceV2(w http.ResponseWriter, q *req) {
	t.v2Reply(w, func() (int, any) {
		u, e := t.v2User(q)
		if e != nil {
			return e.StatusCode, e
		}
		devID, err := strconv.ParseInt(q.sub, 10, 64)
		d := t.device(u.id, devID)
		if err != nil || d == nil {
			return http.StatusNotFound, v2NotFoundError
		}
		t.removeDevice(q, u, d)
		return http.StatusNoContent, nil
	})
}

// ---- POST /api/2/mfa/users/:id/verifications (§B5 activate) ----

type verificationReply struct {
	ID              string `json:"id"`
	UserID          string `json:"user_id"`
	DeviceID        string `json:"device_id"`
	AuthFactorName  string `json:"auth_factor_name"`
	TypeDisplayName string `json:"type_display_name"`
	UserDisplayName string `json:"user_display_name"`
	ExpiresAt       string `json:"expires_at"`
}

// Assumption (U): the v2 SMS text, whose placeholders are {{otp_code}}
// and {{otp_expiry}} (D).
const defaultSMSTextV2 = "{{otp_code}} is your OneLogin verification code. It expires in {{otp_expiry}} minutes."

func (t *Tenant) startVerification(w http.ResponseWriter, q *req) {
	t.v2Reply(w, func() (int, any) {
		u, e := t.v2User(q)
		if e != nil {
			return e.StatusCode, e
		}
		m, ok := jsonObject(q.body)
		if !ok {
			return http.StatusBadRequest, v2BadRequest(msgInvalidJSON)
		}
		// device_id comes as a number or a string (GO vs MCP): both taken.
		devID, isInt := jsonInt(m["device_id"])
		if !isInt {
			if s, isStr := jsonString(m["device_id"]); isStr {
				devID, _ = strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			}
		}
		d := t.device(u.id, devID)
		if d == nil || !d.active { // only activated devices exist on v2 (D)
			return http.StatusNotFound, v2NotFound
		}
		life := DefaultStateTokenLifetime
		if raw, has := m["expires_in"]; has && !isNull(raw) {
			n, isN := jsonInt(raw)
			if !isN {
				if s, isStr := jsonString(raw); isStr {
					n, _ = strconv.ParseInt(s, 10, 64)
				}
			}
			if n < 120 || n > 900 {
				return http.StatusBadRequest, v2BadRequest("expires_in must be between 120 and 900")
			}
			life = time.Duration(n) * time.Second
		}
		msg, _ := jsonString(m["custom_message"])
		now := q.now.UTC()
		c := &challenge{verificationID: newUUID(), userID: u.id, deviceID: d.id, factor: d.factor,
			createdAt: now, expiresAt: now.Add(life).Truncate(time.Second)}
		switch d.factor {
		case FactorSMS:
			c.code = randomDigits(6)
			tmpl := defaultSMSTextV2
			if msg != "" {
				tmpl = msg
			}
			text := strings.ReplaceAll(expandOTPText(tmpl, c.code, life), "{{otp_expiry}}",
				strconv.Itoa(int((life+time.Minute-1)/time.Minute)))
			if len([]rune(text)) > 160 {
				return http.StatusBadRequest, v2BadRequest("custom_message should not be longer than 160 characters after substitution")
			}
			t.deliver(Message{At: now, UserID: u.id, Channel: ChannelSMS, To: d.phone, Body: text, Code: c.code})
		case FactorEmail:
			// Assumption (U): redirect_to (a magic link) is not offered;
			// the mail carries a code.
			c.code = randomDigits(6)
			t.deliver(Message{At: now, UserID: u.id, Channel: ChannelEmail, To: d.email, Subject: emailSubject,
				Body: expandOTPText("Your verification code is {{otp_code}}. It expires in {{expiration}} minutes.", c.code, life),
				Code: c.code})
		case FactorProtect:
			c.pushID = randomHex(6)
			t.mfa.kMu.Lock()
			if t.mfa.pushAnswer != PushWaits {
				c.autoAt, c.autoOK = now.Add(t.mfa.pushAfter), t.mfa.pushAnswer == PushApproves
			}
			t.mfa.kMu.Unlock()
		case FactorAuthenticator:
			// Nothing is sent: the id is what the code is checked against (D).
		default:
			return http.StatusBadRequest, v2BadRequest("This factor cannot be verified through this API")
		}
		t.keepVerification(c, now)
		t.deviceEvent(q, EventAPITriggerFactor, u, d)
		return http.StatusCreated, []verificationReply{{ID: c.verificationID, UserID: itoa64(u.id), DeviceID: itoa64(d.id),
			AuthFactorName: v2FactorName(d.factor), TypeDisplayName: factorInfos[d.factor].name,
			UserDisplayName: d.displayName, ExpiresAt: c.expiresAt.Format("2006-01-02T15:04:05Z")}}
	})
}

// keepVerification stores a v2 challenge, forgetting those expired an
// hour ago. Caller holds t.mu.
func (t *Tenant) keepVerification(c *challenge, now time.Time) {
	if t.mfa.verifications == nil {
		t.mfa.verifications = map[string]*challenge{}
	}
	if t.mfa.pushes == nil {
		t.mfa.pushes = map[string]*challenge{}
	}
	for id, old := range t.mfa.verifications {
		if now.Sub(old.expiresAt) > time.Hour {
			delete(t.mfa.verifications, id)
			delete(t.mfa.pushes, old.pushID)
		}
	}
	t.mfa.verifications[c.verificationID] = c
	if c.pushID != "" {
		t.mfa.pushes[c.pushID] = c
	}
}

// newUUID is a random version-4 UUID, the form of a verification id (D).
func newUUID() string {
	h := []byte(randomHex(16))
	h[12] = '4'
	h[16] = "89ab"[h[16]%4]
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// liveVerification finds a verification of this user that has not
// expired. Assumption (E13): an unknown, expired or removed one is the poll
// page's 404 NotFound. Caller holds t.mu.
func (t *Tenant) liveVerification(q *req, u *user) (*challenge, *v2Error) {
	c, ok := t.mfa.verifications[q.sub]
	if !ok || c.userID != u.id || !q.now.Before(c.expiresAt) || (c.used && c.answer != answerApproved) {
		return nil, &v2NotFound
	}
	return c, nil
}

type pollReply struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	DeviceID string `json:"device_id"`
}

// ---- GET /api/2/mfa/users/:id/verifications/:verification_id (poll) ----

// pollVerification answers pending, accepted or rejected (D). A code
// verification is accepted once its code was checked.
func (t *Tenant) pollVerification(w http.ResponseWriter, q *req) {
	t.v2Reply(w, func() (int, any) {
		u, e := t.v2User(q)
		if e != nil {
			return e.StatusCode, e
		}
		c, e := t.liveVerification(q, u)
		if e != nil {
			return e.StatusCode, e
		}
		c.settle(q.now)
		status := "pending"
		switch c.answer {
		case answerApproved:
			status = "accepted"
			if !c.used {
				c.used = true
				if d := t.device(u.id, c.deviceID); d != nil {
					d.active = true
					t.deviceEvent(q, EventAPIVerifyFactor, u, d)
				}
			}
		case answerDenied:
			status = "rejected"
			if !c.denialRecorded {
				c.denialRecorded = true
				t.deviceEvent(q, EventOTPPushReject, u, t.device(u.id, c.deviceID))
			}
		}
		return http.StatusOK, []pollReply{{ID: c.verificationID, Status: status, DeviceID: itoa64(c.deviceID)}}
	})
}

// ---- PUT /api/2/mfa/users/:id/verifications/:verification_id (a code) ----

// checkVerificationCode answers 200 with the v1-style success envelope
// (D) or, for a wrong code, 401 InvalidCredentials (Assumption E12: the
// only documented non-200 on that page). A code works once.
func (t *Tenant) checkVerificationCode(w http.ResponseWriter, q *req) {
	t.v2Reply(w, func() (int, any) {
		u, e := t.v2User(q)
		if e != nil {
			return e.StatusCode, e
		}
		c, e := t.liveVerification(q, u)
		if e != nil || c.used {
			return http.StatusNotFound, v2NotFound
		}
		m, ok := jsonObject(q.body)
		if !ok {
			return http.StatusBadRequest, v2BadRequest(msgInvalidJSON)
		}
		otp, isStr := jsonString(m["otp"])
		if !isStr { // the enrolment page types it as an integer
			if n, isInt := jsonInt(m["otp"]); isInt {
				otp = strconv.FormatInt(n, 10)
			}
		}
		otp = strings.TrimSpace(otp)
		d := t.device(u.id, c.deviceID)
		if otp == "" || d == nil {
			return http.StatusBadRequest, v2BadRequest("otp is required")
		}
		var right bool
		switch c.factor {
		case FactorSMS, FactorEmail:
			right = subtle.ConstantTimeCompare([]byte(otp), []byte(c.code)) == 1
		case FactorProtect, FactorAuthenticator:
			right = d.checkTOTP(otp, q.now)
		}
		if !right {
			t.deviceEvent(q, EventAPIVerifyFactorFailed, u, d)
			return http.StatusUnauthorized, v2InvalidCredentials
		}
		c.used, c.answer = true, answerApproved
		d.active = true
		t.deviceEvent(q, EventAPIVerifyFactor, u, d)
		return http.StatusOK, envelope{Status: success()}
	})
}
