package fakeonelogin

import (
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func devicePath(user, device int64, action string) string {
	return userPath(user, fmt.Sprintf("/otp_devices/%d/%s", device, action))
}

// devicesOf lists a user's otp_devices over the wire.
func (f *fixture) devicesOf(id int64) []map[string]any {
	f.t.Helper()
	r, m := f.do("GET", userPath(id, "/otp_devices"), "")
	if r.StatusCode != 200 {
		f.t.Fatalf("otp_devices %d: %d %v", id, r.StatusCode, m)
	}
	var out []map[string]any
	for _, d := range m["data"].(map[string]any)["otp_devices"].([]any) {
		out = append(out, d.(map[string]any))
	}
	return out
}

// deviceOf is the id of a user's first device of a factor.
func (f *fixture) deviceOf(user int64, factor Factor) int64 {
	f.t.Helper()
	for _, d := range f.srv.Tenant.Devices(user) {
		if d.Factor == factor {
			return d.ID
		}
	}
	f.t.Fatalf("user %d has no %s", user, factor)
	return 0
}

// trigger triggers a device and returns the state token.
func (f *fixture) trigger(user, device int64, body string) (string, map[string]any) {
	f.t.Helper()
	r, m := f.do("POST", devicePath(user, device, "trigger"), body)
	if r.StatusCode != 200 {
		f.t.Fatalf("trigger: %d %v", r.StatusCode, m)
	}
	d := m["data"].([]any)[0].(map[string]any)
	return d["state_token"].(string), m
}

// verify posts a verify body and returns the HTTP status and message.
func (f *fixture) verify(user, device int64, body string) (int, string) {
	f.t.Helper()
	r, m := f.do("POST", devicePath(user, device, "verify"), body)
	_, _, msg := statusOf(m)
	if r.StatusCode == 200 && (m["data"] != nil || msg != "Success") {
		f.t.Fatalf("verify success body %v", m)
	}
	return r.StatusCode, msgString(msg)
}

func TestMFA_otpDevices_personas(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	for _, tc := range []struct {
		email string
		id    int64
		want  []string // auth_factor_name of each device
	}{
		{PersonaLockedPush, PersonaLockedPushID, []string{"OneLogin Protect"}},
		{PersonaLockedTOTP, PersonaLockedTOTPID, []string{"Google Authenticator"}},
		{PersonaLockedSMS, PersonaLockedSMSID, []string{"OneLogin SMS"}},
		{PersonaLockedEmail, PersonaLockedEmailID, []string{"OneLogin Email"}},
		{PersonaLockedNoFactor, PersonaLockedNoFactorID, nil},
		{PersonaAdmin, PersonaAdminID, []string{"OneLogin Protect", "Google Authenticator"}},
		{PersonaEmployee, PersonaEmployeeID, []string{"OneLogin Protect", "OneLogin SMS"}},
		{PersonaUnactivated, PersonaUnactivatedID, nil},
		{PersonaNoRoles, PersonaNoRolesID, []string{"OneLogin SMS", "OneLogin Email", "Yubico YubiKey"}},
	} {
		t.Run(tc.email, func(t *testing.T) {
			s, ok := f.srv.Tenant.FindByEmail(tc.email)
			if !ok || s.ID != tc.id {
				t.Fatalf("persona %s: %+v", tc.email, s)
			}
			var got []string
			for _, d := range f.devicesOf(tc.id) {
				got = append(got, d["auth_factor_name"].(string))
				if d["type_display_name"] != d["auth_factor_name"] || d["active"] != true {
					t.Errorf("device %v", d)
				}
				// Protect is listed once with needs_trigger false, as in
				// OneLogin's own sample; texted and mailed codes need one.
				wantTrigger := d["auth_factor_name"] == "OneLogin SMS" || d["auth_factor_name"] == "OneLogin Email"
				if d["needs_trigger"] != wantTrigger {
					t.Errorf("needs_trigger %v", d)
				}
				_, hasPhone := d["phone_number"]
				if hasPhone != (d["auth_factor_name"] == "OneLogin SMS") {
					t.Errorf("phone_number only on SMS: %v", d)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("factors %v, want %v", got, tc.want)
			}
		})
	}
	sms := f.devicesOf(PersonaLockedSMSID)[0]
	if sms["phone_number"] != "+4xxxxxxx9910" || sms["user_display_name"] != "Work phone" || sms["default"] != true {
		t.Errorf("SMS device %v", sms)
	}
	if d := f.devicesOf(PersonaLockedPushID)[0]; d["user_display_name"] != "Pixel 7a" {
		t.Errorf("push device %v", d)
	}
	// No factors is an empty list, not null (R).
	_, body := f.raw("GET", userPath(PersonaLockedNoFactorID, "/otp_devices"), map[string]string{"Authorization": "bearer " + f.token}, "")
	if !strings.Contains(string(body), `"data":{"otp_devices":[]}`) {
		t.Errorf("empty list: %s", body)
	}
	for _, id := range []int64{PersonaLockedPushID, PersonaLockedTOTPID, PersonaLockedSMSID, PersonaLockedEmailID, PersonaLockedNoFactorID} {
		s, _ := f.srv.Tenant.User(id)
		if s.Status != StatusLocked || s.InvalidLoginAttempts < 5 || !s.LockedUntil.IsZero() || !f.srv.Tenant.CheckPassword(id, DemoPassword) {
			t.Errorf("locked persona %d: %+v", id, s)
		}
	}
}

func TestMFA_otpDevices_errors(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{"/api/1/users/999/otp_devices", 404, "User for id 999 was not found"},
		{"/api/1/users/abc/otp_devices", 400, `{"attribute":"id","description":"ID is incorrect"}`},
		{"/api/1/users/999/auth_factors", 404, "User for id 999 was not found"},
	} {
		r, m := f.do("GET", tc.path, "")
		if _, _, msg := statusOf(m); r.StatusCode != tc.code || msgString(msg) != tc.msg {
			t.Errorf("%s: %d %v", tc.path, r.StatusCode, m)
		}
	}
}

func TestMFA_authFactors(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	for _, tc := range []struct {
		path string
		want string
	}{
		// Only SMS and Voice are enrolable on v1; an enrolled one drops out.
		{userPath(PersonaAdminID, "/auth_factors"), `[{"name":"OneLogin SMS","factor_id":16282},{"name":"OneLogin Voice","factor_id":16283}]`},
		{userPath(PersonaAdminID, "/auth_factor"), `[{"name":"OneLogin SMS","factor_id":16282},{"name":"OneLogin Voice","factor_id":16283}]`},
		{userPath(PersonaLockedSMSID, "/auth_factors"), `[{"name":"OneLogin Voice","factor_id":16283}]`},
	} {
		r, body := f.raw("GET", tc.path, map[string]string{"Authorization": "bearer " + f.token}, "")
		if r.StatusCode != 200 || !strings.Contains(string(body), `"data":{"auth_factors":`+tc.want+`}`) {
			t.Errorf("%s: %d %s", tc.path, r.StatusCode, body)
		}
	}
}

func TestMFA_Verify_totp(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	tn := f.srv.Tenant
	id := PersonaLockedTOTPID
	dev := f.deviceOf(id, FactorAuthenticator)
	body := func(code string) string { return `{"otp_token":"` + code + `"}` }
	now := f.clock.Now()
	if code, _ := f.verify(id, dev, body(tn.TOTP(id, now.Add(-90*time.Second)))); code != 401 {
		t.Errorf("a code three steps old: %d", code)
	}
	if code, msg := f.verify(id, dev, body("000000")); code != 401 || msg != msgWrongOTP {
		t.Errorf("wrong code: %d %s", code, msg)
	}
	if code, msg := f.verify(id, dev, body(tn.TOTP(id, now))); code != 200 {
		t.Fatalf("current code: %d %s", code, msg)
	}
	if code, _ := f.verify(id, dev, body(tn.TOTP(id, now))); code != 401 {
		t.Errorf("the same code twice: %d", code)
	}
	f.clock.Advance(30 * time.Second)
	// The previous step's code is already spent; the next one works.
	if code, _ := f.verify(id, dev, body(tn.TOTP(id, f.clock.Now()))); code != 200 {
		t.Errorf("next step: %d", code)
	}
	if code, msg := f.verify(id, dev, `{}`); code != 400 || msg != msgOTPMissing {
		t.Errorf("no code: %d %s", code, msg)
	}
	// An authenticator needs no trigger; asking for one is refused.
	if r, m := f.do("POST", devicePath(id, dev, "trigger"), ""); r.StatusCode != 400 {
		t.Errorf("trigger: %d %v", r.StatusCode, m)
	}
	// The Protect app's code verifies without a trigger too.
	push := f.deviceOf(PersonaLockedPushID, FactorProtect)
	if code, _ := f.verify(PersonaLockedPushID, push, body(tn.TOTP(PersonaLockedPushID, f.clock.Now()))); code != 200 {
		t.Errorf("Protect code: %d", code)
	}
}

// TestMFA_TOTP_rfc6238 checks the code generator against RFC 6238's SHA-1
// test vectors (8 digits there; the last 6 here).
func TestMFA_TOTP_rfc6238(t *testing.T) {
	key := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		if got := hotp(key, uint64(totpStepAt(time.Unix(tc.unix, 0)))); got != tc.want {
			t.Errorf("T=%d: %s, want %s", tc.unix, got, tc.want)
		}
	}
}

func TestMFA_Verify_push(t *testing.T) {
	id := PersonaLockedPushID
	for _, tc := range []struct {
		name    string
		act     func(f *fixture, tok string)
		code    int
		msg     string
		pending bool // still listed on the phone
	}{
		{"nobody answers", func(*fixture, string) {}, 401, msgPending, true},
		{"approved", func(f *fixture, _ string) { f.srv.Tenant.ApprovePush(f.srv.Tenant.PendingPushes(id)[0].ID) }, 200, "Success", false},
		{"denied", func(f *fixture, _ string) { f.srv.Tenant.DenyPush(f.srv.Tenant.PendingPushes(id)[0].ID) }, 401, msgPushDenied, false},
		{"expired", func(f *fixture, _ string) { f.clock.Advance(DefaultStateTokenLifetime) }, 400, msgStateExpired, false},
		{"expired by the knob", func(f *fixture, _ string) { f.srv.Tenant.ExpireStateTokens() }, 400, msgStateExpired, false},
		{"approved too late", func(f *fixture, _ string) {
			p := f.srv.Tenant.PendingPushes(id)[0]
			f.clock.Advance(DefaultStateTokenLifetime)
			if f.srv.Tenant.ApprovePush(p.ID) {
				t.Error("an expired push was approved")
			}
		}, 400, msgStateExpired, false},
		{"another device's token", func(*fixture, string) {}, 400, msgStateTokenBad, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 3, Users: 1})
			dev := f.deviceOf(id, FactorProtect)
			tok, m := f.trigger(id, dev, "")
			if _, _, msg := statusOf(m); !strings.Contains(msgString(msg), "Authentication pending") {
				t.Errorf("trigger message %v", msg)
			}
			d := m["data"].([]any)[0].(map[string]any)
			if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(tok) || d["id"] != float64(id) || d["device_id"] != float64(dev) ||
				d["state_token_expires_at"] != "2024-05-01T08:02:00Z" {
				t.Errorf("trigger data %v", d)
			}
			tc.act(f, tok)
			verifyDev := dev
			if tc.name == "another device's token" {
				other := f.deviceOf(PersonaAdminID, FactorProtect)
				code, msg := f.verify(PersonaAdminID, other, `{"state_token":"`+tok+`"}`)
				if code != tc.code || msg != tc.msg {
					t.Errorf("verify %d %s, want %d %s", code, msg, tc.code, tc.msg)
				}
				return
			}
			code, msg := f.verify(id, verifyDev, `{"state_token":"`+tok+`"}`)
			if code != tc.code || msg != tc.msg {
				t.Errorf("verify %d %s, want %d %s", code, msg, tc.code, tc.msg)
			}
			if got := len(f.srv.Tenant.PendingPushes(id)) == 1; got != tc.pending {
				t.Errorf("pending on the phone: %v", got)
			}
			// An approval spends the token; anything else answers the same again.
			again, againMsg := tc.code, tc.msg
			if tc.code == 200 {
				again, againMsg = 400, msgStateTokenBad
			}
			if code, msg := f.verify(id, dev, `{"state_token":"`+tok+`"}`); code != again || msg != againMsg {
				t.Errorf("second verify %d %s, want %d %s", code, msg, again, againMsg)
			}
		})
	}
}

func TestMFA_SetPushAnswer(t *testing.T) {
	id := PersonaLockedPushID
	for _, tc := range []struct {
		name     string
		answer   PushAnswer
		after    time.Duration
		advance  time.Duration
		code     int
		lifetime string
	}{
		{"approves at once", PushApproves, 0, 0, 200, ""},
		{"denies at once", PushDenies, 0, 0, 401, ""},
		{"slow: still pending", PushApproves, 20 * time.Second, 19 * time.Second, 401, ""},
		{"slow: approved after the delay", PushApproves, 20 * time.Second, 20 * time.Second, 200, ""},
		{"slower than the state token", PushApproves, 200 * time.Second, 200 * time.Second, 400, ""},
		{"a longer state token outlives it", PushApproves, 200 * time.Second, 200 * time.Second, 200, `{"state_token_expires_in":300}`},
		{"waits forever", PushWaits, 0, 119 * time.Second, 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 3, Users: 1})
			f.srv.Tenant.SetPushAnswer(tc.answer, tc.after)
			dev := f.deviceOf(id, FactorProtect)
			tok, _ := f.trigger(id, dev, tc.lifetime)
			f.clock.Advance(tc.advance)
			if code, msg := f.verify(id, dev, `{"state_token":"`+tok+`"}`); code != tc.code {
				t.Errorf("verify %d %s, want %d", code, msg, tc.code)
			}
		})
	}
}

// TestMFA_Trigger_emailIsAV2Verification: v1 trigger is documented for SMS
// and push only; an email device's trigger is refused and sends nothing
// (its codes are v2 verifications, TestMFA2_codeVerifications).
func TestMFA_Trigger_emailIsAV2Verification(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	dev := f.deviceOf(PersonaLockedEmailID, FactorEmail)
	r, m := f.do("POST", devicePath(PersonaLockedEmailID, dev, "trigger"), "")
	if _, _, msg := statusOf(m); r.StatusCode != 400 || msg != msgEmailV1 {
		t.Errorf("trigger: %d %v, want 400 %q", r.StatusCode, m, msgEmailV1)
	}
	if inbox := f.srv.Tenant.Inbox(PersonaLockedEmailID); len(inbox) != 0 {
		t.Errorf("the refused trigger sent %+v", inbox)
	}
}

func TestMFA_Verify_codeByMessage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		id      int64
		factor  Factor
		body    string
		channel Channel
		to      string
		codeRe  string
		textRe  string
	}{
		{"SMS alphanumeric", PersonaLockedSMSID, FactorSMS, "", ChannelSMS, "+447700909910", `^[A-Z2-9]{6}$`, `^[A-Z2-9]{6} is your OneLogin verification code\. It expires in 2 minutes\.$`},
		{"SMS numeric", PersonaLockedSMSID, FactorSMS, `{"numeric_sms_otp":true}`, ChannelSMS, "+447700909910", `^[0-9]{6}$`, ``},
		{"SMS own text", PersonaLockedSMSID, FactorSMS, `{"sms_message":"Code {{otp_code}} ({{expiration}} min)","state_token_expires_in":600,"ipaddr":"203.0.113.9"}`,
			ChannelSMS, "+447700909910", ``, `^Code [A-Z2-9]{6} \(10 min\)$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 3, Users: 1})
			tn := f.srv.Tenant
			dev := f.deviceOf(tc.id, tc.factor)
			tok, m := f.trigger(tc.id, dev, tc.body)
			if tc.factor == FactorSMS {
				if _, _, msg := statusOf(m); msg != msgSMSSent {
					t.Errorf("trigger message %v", msg)
				}
			}
			inbox := tn.Inbox(tc.id)
			code, ok := tn.LastCode(tc.id)
			if len(inbox) != 1 || !ok || inbox[0].Code != code || inbox[0].Channel != tc.channel || inbox[0].To != tc.to {
				t.Fatalf("inbox %+v", inbox)
			}
			if tc.codeRe != "" && !regexp.MustCompile(tc.codeRe).MatchString(code) {
				t.Errorf("code %q", code)
			}
			if tc.textRe != "" && !regexp.MustCompile(tc.textRe).MatchString(inbox[0].Body) {
				t.Errorf("text %q", inbox[0].Body)
			}
			body := func(otp, state string) string { return `{"otp_token":"` + otp + `","state_token":"` + state + `"}` }
			if c, msg := f.verify(tc.id, dev, body("WRONG1", tok)); c != 401 || msg != msgWrongOTP {
				t.Errorf("wrong code: %d %s", c, msg)
			}
			if c, msg := f.verify(tc.id, dev, `{"otp_token":"`+code+`"}`); c != 400 || msg != msgStateMissing {
				t.Errorf("no state token: %d %s", c, msg)
			}
			if c, msg := f.verify(tc.id, dev, body(strings.ToLower(code), tok)); c != 200 {
				t.Errorf("right code: %d %s", c, msg)
			}
			if c, msg := f.verify(tc.id, dev, body(code, tok)); c != 400 || msg != msgStateTokenBad {
				t.Errorf("spent token: %d %s", c, msg)
			}
		})
	}
}

func TestMFA_Verify_codeExpires(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	id := PersonaLockedSMSID
	dev := f.deviceOf(id, FactorSMS)
	tok, m := f.trigger(id, dev, `{"state_token_expires_in":300}`)
	if d := m["data"].([]any)[0].(map[string]any); d["state_token_expires_at"] != "2024-05-01T08:05:00Z" {
		t.Errorf("expires_at %v", d["state_token_expires_at"])
	}
	code, _ := f.srv.Tenant.LastCode(id)
	f.clock.Advance(300 * time.Second)
	if c, msg := f.verify(id, dev, `{"otp_token":"`+code+`","state_token":"`+tok+`"}`); c != 400 || msg != msgStateExpired {
		t.Errorf("expired: %d %s", c, msg)
	}
}

func TestMFA_Trigger_badBodies(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	id := PersonaLockedSMSID
	dev := f.deviceOf(id, FactorSMS)
	for _, tc := range []struct {
		body, msg string
	}{
		{`{"state_token_expires_in":901}`, `{"attribute":"state_token_expires_in","description":"` + msgStateLifetime + `"}`},
		{`{"state_token_expires_in":0}`, `{"attribute":"state_token_expires_in","description":"` + msgStateLifetime + `"}`},
		{`{"numeric_sms_otp":"yes"}`, `{"attribute":"numeric_sms_otp","description":"numeric_sms_otp has incorrect data type. It should be -\u003e boolean"}`},
		{`{"sms_message":"` + strings.Repeat("x", 155) + ` {{otp_code}}"}`, `{"attribute":"sms_message","description":"` + msgSMSTooLong + `"}`},
		{`[1]`, msgInvalidJSON},
	} {
		r, m := f.do("POST", devicePath(id, dev, "trigger"), tc.body)
		if _, _, msg := statusOf(m); r.StatusCode != 400 || msgString(msg) != tc.msg {
			t.Errorf("%s: %d %v", tc.body, r.StatusCode, msgString(msg))
		}
	}
	if n := len(f.srv.Tenant.Inbox(id)); n != 0 {
		t.Errorf("%d texts sent for refused triggers", n)
	}
}

func TestMFA_lookups(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	dev := f.deviceOf(PersonaLockedSMSID, FactorSMS)
	for _, tc := range []struct {
		name, path string
		code       int
		msg        string
	}{
		{"verify unknown user", devicePath(999, dev, "verify"), 400, msgUserNotExist},
		{"trigger unknown user", devicePath(999, dev, "trigger"), 400, msgUserNotExist},
		{"someone else's device", devicePath(PersonaAdminID, dev, "trigger"), 404, fmt.Sprintf("Device for id %d was not found", dev)},
		{"device id not a number", userPath(PersonaAdminID, "/otp_devices/x/verify"), 400, `{"attribute":"device_id","description":"ID is incorrect"}`},
		{"wrong method", devicePath(PersonaLockedSMSID, dev, "verify"), 404, msgNoRoute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := "POST"
			if tc.name == "wrong method" {
				method = "GET"
			}
			r, m := f.do(method, tc.path, `{"otp_token":"1"}`)
			if _, _, msg := statusOf(m); r.StatusCode != tc.code || msgString(msg) != tc.msg {
				t.Errorf("%d %v", r.StatusCode, msgString(msg))
			}
		})
	}
}

func TestMFA_Verify_temporaryToken(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	id := PersonaLockedNoFactorID
	_, m := f.do("POST", userPath(id, "/mfa_token"), `{"expires_in":600,"reusable":false}`)
	tok := m["mfa_token"].(string)
	if c, msg := f.verify(id, 0, `{"otp_token":"`+tok+`"}`); c != 200 {
		t.Fatalf("device 0: %d %s", c, msg)
	}
	if c, _ := f.verify(id, 0, `{"otp_token":"`+tok+`"}`); c != 401 {
		t.Errorf("a one-use token twice: %d", c)
	}
}

func TestMFA_Verify_yubiKey(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	tn := f.srv.Tenant
	id := PersonaViewerID
	d, ok := tn.Enroll(id, FactorYubiKey)
	if !ok || d.Default {
		t.Fatalf("enroll %+v", d)
	}
	otp := tn.YubiKeyOTP(id)
	if len(otp) != 44 {
		t.Fatalf("otp %q", otp)
	}
	if c, _ := f.verify(id, d.ID, `{"otp_token":"`+otp[:12]+strings.Repeat("c", 32)+`"}`); c != 401 {
		t.Errorf("made-up otp: %d", c)
	}
	if c, _ := f.verify(id, d.ID, `{"otp_token":"`+otp+`"}`); c != 200 {
		t.Errorf("otp: %d", c)
	}
	if c, _ := f.verify(id, d.ID, `{"otp_token":"`+otp+`"}`); c != 401 {
		t.Errorf("otp twice: %d", c)
	}
	if _, ok := tn.Enroll(id, FactorVoice); ok {
		t.Error("Voice enrolled")
	}
}

// TestMFA_quotaAndFaults: MFA calls spend the hourly quota like any v1
// call, and FailNextMFA fails only MFA paths.
func TestMFA_quotaAndFaults(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1, RateLimitPerHour: 3})
	id := PersonaLockedSMSID
	dev := f.deviceOf(id, FactorSMS)
	f.srv.Tenant.FailNextMFA(2, http.StatusBadGateway)
	if r, _ := f.do("GET", "/api/1/roles", ""); r.StatusCode != 200 {
		t.Fatalf("roles failed: %d", r.StatusCode)
	}
	for _, p := range []string{userPath(id, "/otp_devices"), devicePath(id, dev, "trigger")} {
		if r, m := f.do("POST", p, ""); r.StatusCode != 502 {
			t.Fatalf("%s: %d %v", p, r.StatusCode, m)
		}
	}
	r, _ := f.do("GET", userPath(id, "/otp_devices"), "")
	if r.StatusCode != 200 || r.Header.Get("X-RateLimit-Remaining") != "1" {
		t.Fatalf("%d remaining %s", r.StatusCode, r.Header.Get("X-RateLimit-Remaining"))
	}
	f.trigger(id, dev, "")
	if r, m := f.do("POST", devicePath(id, dev, "verify"), `{"otp_token":"1","state_token":"2"}`); r.StatusCode != 429 {
		t.Fatalf("over quota: %d %v", r.StatusCode, m)
	}
}

func TestMFA_callRecordHidesSecrets(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	f.do("POST", devicePath(PersonaLockedSMSID, 1, "verify"), `{"otp_token":"SECRET1","state_token":"SECRET2"}`)
	for _, c := range f.srv.Tenant.Calls() {
		if strings.Contains(string(c.Body), "SECRET") {
			t.Errorf("call record keeps %s", c.Body)
		}
	}
}

func TestMFA_seedIsDeterministic(t *testing.T) {
	devices := func(seed int64) (string, int) {
		tn := NewTenant(Options{Seed: seed, Users: 400, Clock: NewManualClock(seedEpoch)})
		var b strings.Builder
		with := 0
		for _, p := range tn.Persons() {
			ds := tn.Devices(p.ID)
			if len(ds) > 0 {
				with++
			}
			fmt.Fprintf(&b, "%d:%v;", p.ID, ds)
		}
		fmt.Fprint(&b, tn.TOTP(PersonaLockedTOTPID, seedEpoch))
		return b.String(), with
	}
	a, with := devices(5)
	if b, _ := devices(5); a != b {
		t.Fatal("same seed, different factors")
	}
	if c, _ := devices(6); a == c {
		t.Fatal("different seeds, same factors")
	}
	if with < 300 || with > 390 {
		t.Errorf("%d of 400 people have factors", with)
	}
}
