package fakeonelogin

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func mfa2Path(user int64, suffix string) string { return "/api/2/mfa/users/" + itoa(user) + suffix }

// doV2 calls a v2 path with the token and decodes its bare JSON answer
// into out (when given and the body is not empty).
func (f *fixture) doV2(method, path, body string, out any) *http.Response {
	f.t.Helper()
	hdr := map[string]string{"Authorization": "bearer " + f.token}
	if body != "" {
		hdr["Content-Type"] = "application/json"
	}
	resp, b := f.raw(method, path, hdr, body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp
}

type v2Body struct {
	StatusCode int    `json:"statusCode"`
	Name       string `json:"name"`
	Message    string `json:"message"`
}

func TestMFA2_devicesAreActiveOnlyWithV2NamesAndStringIDs(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	var devs []map[string]any
	resp := f.doV2("GET", mfa2Path(PersonaNoRolesID, "/devices"), "", &devs)
	if resp.StatusCode != 200 || resp.Header.Get("X-Ratelimit-Remaining") != "" {
		t.Fatalf("status %d, headers %v: v2 answers 200 without rate-limit headers", resp.StatusCode, resp.Header)
	}
	var names []string
	for _, d := range devs {
		names = append(names, d["auth_factor_name"].(string))
		if _, isString := d["device_id"].(string); !isString {
			t.Errorf("device_id is a string on v2: %v", d)
		}
		if _, has := d["phone_number"]; has {
			t.Errorf("v2 lists no phone number: %v", d)
		}
	}
	if strings.Join(names, ",") != "SMS,OneLogin Email,Yubico YubiKey" {
		t.Errorf("v2 factor names %v", names)
	}
	if devs[0]["default"] != true || devs[1]["default"] != false {
		t.Errorf("default flags %v", devs)
	}

	var empty []map[string]any
	if f.doV2("GET", mfa2Path(PersonaLockedNoFactorID, "/devices"), "", &empty); empty == nil || len(empty) != 0 {
		t.Errorf("no factor is [], got %v", empty)
	}
	var nf v2Body
	if r := f.doV2("GET", mfa2Path(99, "/devices"), "", &nf); r.StatusCode != 404 || nf.Name != "NotFoundError" {
		t.Errorf("unknown user: %d %+v", r.StatusCode, nf)
	}
}

func TestMFA_removeDevice(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	sms := f.deviceOf(PersonaNoRolesID, FactorSMS)
	email := f.deviceOf(PersonaNoRolesID, FactorEmail)

	r, b := f.raw("DELETE", userPath(PersonaNoRolesID, "/otp_devices/"+itoa(sms)), map[string]string{"Authorization": "bearer " + f.token}, "")
	if r.StatusCode != 200 || string(b) != "{}" {
		t.Fatalf("v1 removal: %d %s, want 200 {} (the docs sample)", r.StatusCode, b)
	}
	devs := f.srv.Tenant.Devices(PersonaNoRolesID)
	if len(devs) != 2 || devs[0].ID != email || !devs[0].Default {
		t.Fatalf("after removing the default SMS: %+v (the next device becomes the default)", devs)
	}
	r2, m := f.do("DELETE", userPath(PersonaNoRolesID, "/otp_devices/"+itoa(sms)), "")
	if _, _, msg := statusOf(m); r2.StatusCode != 400 || msg != "Factor could not be found" {
		t.Errorf("removing again: %d %v", r2.StatusCode, m)
	}

	if r := f.doV2("DELETE", mfa2Path(PersonaNoRolesID, "/devices/"+itoa(email)), "", nil); r.StatusCode != 204 {
		t.Errorf("v2 removal: %d, want 204", r.StatusCode)
	}
	var nf v2Body
	if r := f.doV2("DELETE", mfa2Path(PersonaNoRolesID, "/devices/"+itoa(email)), "", &nf); r.StatusCode != 404 || nf.Name != "NotFoundError" {
		t.Errorf("v2 removing again: %d %+v", r.StatusCode, nf)
	}
	removals := 0
	for _, e := range f.eventsOf(PersonaNoRolesID) {
		if num(e["event_type_id"]) == EventUserRemovedOTPDevice && num(e["otp_device_id"]) != 0 {
			removals++
		}
	}
	if removals != 2 {
		t.Errorf("%d removal events (24), want 2", removals)
	}
}

// startV2 activates a device through v2 and returns the verification id.
func (f *fixture) startV2(user, device int64, body string) string {
	f.t.Helper()
	if body == "" {
		body = `{"device_id":` + itoa(device) + `}`
	}
	var out []map[string]any
	if r := f.doV2("POST", mfa2Path(user, "/verifications"), body, &out); r.StatusCode != 201 || len(out) != 1 {
		f.t.Fatalf("activate: %d %v", r.StatusCode, out)
	}
	if out[0]["device_id"] != itoa(device) || out[0]["user_id"] != itoa(user) {
		f.t.Errorf("activation reply %v: ids are strings", out[0])
	}
	return out[0]["id"].(string)
}

func (f *fixture) pollV2(user int64, id string) (int, string) {
	f.t.Helper()
	r, b := f.raw("GET", mfa2Path(user, "/verifications/"+id), map[string]string{"Authorization": "bearer " + f.token}, "")
	var out []map[string]any
	if r.StatusCode != 200 || json.Unmarshal(b, &out) != nil || len(out) != 1 {
		return r.StatusCode, ""
	}
	return 200, out[0]["status"].(string)
}

func TestMFA2_codeVerifications(t *testing.T) {
	for _, tc := range []struct {
		name    string
		user    int64
		factor  Factor
		channel Channel
	}{
		{"SMS", PersonaLockedSMSID, FactorSMS, ChannelSMS},
		{"email", PersonaLockedEmailID, FactorEmail, ChannelEmail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 3, Users: 1})
			dev := f.deviceOf(tc.user, tc.factor)
			id := f.startV2(tc.user, dev, `{"device_id":"`+itoa(dev)+`","expires_in":240}`)
			msgs := f.srv.Tenant.Inbox(tc.user)
			if len(msgs) != 1 || msgs[0].Channel != tc.channel || msgs[0].Code == "" {
				t.Fatalf("the fake phone or inbox got %+v", msgs)
			}
			if st, s := f.pollV2(tc.user, id); st != 200 || s != "pending" {
				t.Errorf("poll before the code: %d %q", st, s)
			}
			var wrong v2Body
			if r := f.doV2("PUT", mfa2Path(tc.user, "/verifications/"+id), `{"otp":"000000"}`, &wrong); r.StatusCode != 401 || wrong.Name != "InvalidCredentials" {
				t.Errorf("wrong code: %d %+v", r.StatusCode, wrong)
			}
			var ok map[string]any
			if r := f.doV2("PUT", mfa2Path(tc.user, "/verifications/"+id), `{"otp":"`+msgs[0].Code+`"}`, &ok); r.StatusCode != 200 {
				t.Fatalf("right code: %d %v", r.StatusCode, ok)
			}
			if code, typ, msg := statusOf(ok); code != 200 || typ != "success" || msg != "Success" {
				t.Errorf("success envelope %v", ok)
			}
			if st, s := f.pollV2(tc.user, id); st != 200 || s != "accepted" {
				t.Errorf("poll after the code: %d %q", st, s)
			}
			if r := f.doV2("PUT", mfa2Path(tc.user, "/verifications/"+id), `{"otp":"`+msgs[0].Code+`"}`, nil); r.StatusCode != 404 {
				t.Errorf("a code works once: %d", r.StatusCode)
			}
		})
	}
}

func TestMFA2_pushVerifications(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(*Tenant, string) bool
		want   string
	}{
		{"approved on the phone", (*Tenant).ApprovePush, "accepted"},
		{"denied on the phone", (*Tenant).DenyPush, "rejected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 3, Users: 1})
			id := f.startV2(PersonaLockedPushID, f.deviceOf(PersonaLockedPushID, FactorProtect), "")
			pushes := f.srv.Tenant.PendingPushes(PersonaLockedPushID)
			if len(pushes) != 1 || pushes[0].Device != "Pixel 7a" {
				t.Fatalf("the fake phone shows %+v", pushes)
			}
			r, page := f.raw("GET", "/_fake/push?user="+itoa(PersonaLockedPushID), nil, "")
			if r.StatusCode != 200 || !strings.Contains(string(page), pushes[0].ID) {
				t.Errorf("the push page does not offer the helpdesk's push")
			}
			if _, s := f.pollV2(PersonaLockedPushID, id); s != "pending" {
				t.Errorf("before an answer: %q", s)
			}
			if !tc.answer(f.srv.Tenant, pushes[0].ID) {
				t.Fatal("answering the push failed")
			}
			if _, s := f.pollV2(PersonaLockedPushID, id); s != tc.want {
				t.Errorf("after the answer: %q, want %q", s, tc.want)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		f := newFixture(t, Options{Seed: 3, Users: 1})
		id := f.startV2(PersonaLockedPushID, f.deviceOf(PersonaLockedPushID, FactorProtect), "")
		f.clock.Advance(DefaultStateTokenLifetime)
		var nf v2Body
		if r := f.doV2("GET", mfa2Path(PersonaLockedPushID, "/verifications/"+id), "", &nf); r.StatusCode != 404 || nf.Name != "NotFound" {
			t.Errorf("poll after expires_at: %d %+v", r.StatusCode, nf)
		}
		if p := f.srv.Tenant.PendingPushes(PersonaLockedPushID); len(p) != 0 {
			t.Errorf("an expired push still waits: %+v", p)
		}
	})
}

func TestMFA2_authenticatorVerification(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	dev := f.deviceOf(PersonaLockedTOTPID, FactorAuthenticator)
	id := f.startV2(PersonaLockedTOTPID, dev, "")
	if n := len(f.srv.Tenant.Inbox(PersonaLockedTOTPID)); n != 0 {
		t.Errorf("an authenticator verification sends nothing; %d messages", n)
	}
	code := f.srv.Tenant.DeviceTOTP(PersonaLockedTOTPID, dev, f.clock.Now())
	if r := f.doV2("PUT", mfa2Path(PersonaLockedTOTPID, "/verifications/"+id), `{"otp":"`+code+`","device_id":"`+itoa(dev)+`"}`, nil); r.StatusCode != 200 {
		t.Errorf("authenticator code: %d", r.StatusCode)
	}
}

func TestMFA2_refusals(t *testing.T) {
	t.Run("Manage users is refused on v2 MFA", func(t *testing.T) {
		f := newFixture(t, Options{Seed: 3, Users: 1, Scope: ScopeManageUsers})
		var e v2Body
		if r := f.doV2("GET", mfa2Path(PersonaNoRolesID, "/devices"), "", &e); r.StatusCode != 403 || e.Name != "ForbiddenAction" {
			t.Errorf("%d %+v", r.StatusCode, e)
		}
	})
	t.Run("a bad token", func(t *testing.T) {
		f := newFixture(t, Options{Seed: 3, Users: 1})
		id := f.startV2(PersonaLockedPushID, f.deviceOf(PersonaLockedPushID, FactorProtect), "")
		f.token = "nope"
		var e v2Body
		if r := f.doV2("POST", mfa2Path(PersonaLockedPushID, "/verifications"), `{"device_id":1}`, &e); r.StatusCode != 401 || e.Name != "InvalidCredentials" {
			t.Errorf("activate: %d %+v", r.StatusCode, e)
		}
		r, m := f.do("GET", mfa2Path(PersonaLockedPushID, "/verifications/"+id), "")
		if _, _, msg := statusOf(m); r.StatusCode != 401 || msg != msgAuthFailure {
			t.Errorf("the poll page documents the v1 envelope: %d %v", r.StatusCode, m)
		}
	})
	t.Run("an injected 429 is v2-shaped without rate-limit headers", func(t *testing.T) {
		f := newFixture(t, Options{Seed: 3, Users: 1})
		f.srv.Tenant.FailNext(1, http.StatusTooManyRequests)
		var e v2Body
		r := f.doV2("GET", mfa2Path(PersonaNoRolesID, "/devices"), "", &e)
		if r.StatusCode != 429 || e.StatusCode != 429 || r.Header.Get("X-Ratelimit-Reset") != "" {
			t.Errorf("%d %+v %v", r.StatusCode, e, r.Header)
		}
	})
	t.Run("a device removed mid-verification", func(t *testing.T) {
		f := newFixture(t, Options{Seed: 3, Users: 1})
		dev := f.deviceOf(PersonaLockedPushID, FactorProtect)
		id := f.startV2(PersonaLockedPushID, dev, "")
		f.doV2("DELETE", mfa2Path(PersonaLockedPushID, "/devices/"+itoa(dev)), "", nil)
		if st, _ := f.pollV2(PersonaLockedPushID, id); st != 404 {
			t.Errorf("poll: %d", st)
		}
	})
}
