package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	// Secrets a test sends and looks for in errors and printed values.
	secretOTP   = "731904"
	secretState = "5c1e0b7a9d3f44e28a61c0f2b7d9e3a41c6f8b20"
)

func TestMFA_requests(t *testing.T) {
	trig := envelopeOf(`[{"id":7,"device_id":9,"state_token":"st-1","state_token_expires_at":"2024-05-02T09:14:07Z"}]`)
	statusOnly := `{` + okStatus + `}`
	for _, tc := range []struct {
		name         string
		method, path string
		answer       string
		run          func(context.Context, *Client) error
		wantBody     string // "" = no body
	}{
		{"AuthFactors", "GET", "/api/1/users/7/auth_factors", envelopeOf(`{"auth_factors":[]}`), func(ctx context.Context, c *Client) error {
			_, err := c.AuthFactors(ctx, 7)
			return err
		}, ""},
		{"OTPDevices", "GET", "/api/1/users/7/otp_devices", envelopeOf(`{"otp_devices":[]}`), func(ctx context.Context, c *Client) error {
			_, err := c.OTPDevices(ctx, 7)
			return err
		}, ""},
		{"TriggerOTP defaults", "POST", "/api/1/users/7/otp_devices/9/trigger", trig, func(ctx context.Context, c *Client) error {
			_, err := c.TriggerOTP(ctx, 7, 9, TriggerOptions{})
			return err
		}, ""},
		{"TriggerOTP options", "POST", "/api/1/users/7/otp_devices/9/trigger", trig, func(ctx context.Context, c *Client) error {
			_, err := c.TriggerOTP(ctx, 7, 9, TriggerOptions{StateTokenLifetime: 1500 * time.Millisecond, NumericSMS: true, SMSMessage: "{{otp_code}}"})
			return err
		}, `{"state_token_expires_in":2,"numeric_sms_otp":true,"sms_message":"{{otp_code}}"}`},
		{"VerifyOTP with a state token", "POST", "/api/1/users/7/otp_devices/9/verify", statusOnly, func(ctx context.Context, c *Client) error {
			_, err := c.VerifyOTP(ctx, 7, 9, " 123456 ", "st-1")
			return err
		}, `{"otp_token":"123456","state_token":"st-1"}`},
		{"VerifyOTP authenticator", "POST", "/api/1/users/7/otp_devices/9/verify", statusOnly, func(ctx context.Context, c *Client) error {
			_, err := c.VerifyOTP(ctx, 7, 9, "123456", "")
			return err
		}, `{"otp_token":"123456"}`},
		{"VerifyPush", "POST", "/api/1/users/7/otp_devices/9/verify", statusOnly, func(ctx context.Context, c *Client) error {
			_, err := c.VerifyPush(ctx, 7, 9, "st-1")
			return err
		}, `{"state_token":"st-1"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply(tc.method+" "+tc.path, 200, tc.answer)
			if err := tc.run(context.Background(), a.client()); err != nil {
				t.Fatal(err)
			}
			reqs := a.recorded()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.Body != tc.wantBody {
				t.Errorf("body %s, want %s", r.Body, tc.wantBody)
			}
			if ct := r.Header.Get("Content-Type"); (tc.wantBody != "") != (ct == "application/json") {
				t.Errorf("Content-Type %q with body %q", ct, r.Body)
			}
		})
	}
}

func TestMFA_refusedBeforeSending(t *testing.T) {
	a := newTestAPI(t)
	c := a.client()
	ctx := context.Background()
	_, e1 := c.TriggerOTP(ctx, 7, 9, TriggerOptions{StateTokenLifetime: 16 * time.Minute})
	_, e2 := c.VerifyOTP(ctx, 7, 9, "  ", "st")
	_, e3 := c.VerifyPush(ctx, 7, 9, "")
	for i, err := range []error{e1, e2, e3} {
		if !errors.Is(err, ErrBadRequest) {
			t.Errorf("%d: %v", i, err)
		}
	}
	if n := len(a.recorded()); n != 0 {
		t.Errorf("%d requests", n)
	}
}

func TestMFA_OTPDevices_shapes(t *testing.T) {
	sms := `{"id":731944,"active":true,"default":true,"needs_trigger":true,"auth_factor_name":"OneLogin SMS","type_display_name":"OneLogin SMS","user_display_name":"Work phone","phone_number":"+1xxxxxxx4821"}`
	want := []OTPDevice{{ID: 731944, Active: true, Default: true, NeedsTrigger: true, FactorName: "OneLogin SMS", TypeName: "OneLogin SMS", DeviceName: "Work phone", PhoneNumber: "+1xxxxxxx4821"}}
	for _, tc := range []struct {
		name, data string
		want       []OTPDevice
	}{
		{"documented", `{"otp_devices":[` + sms + `]}`, want},
		{"empty", `{"otp_devices":[]}`, []OTPDevice{}},
		{"null list", `{"otp_devices":null}`, []OTPDevice{}},
		{"bare list", `[` + sms + `]`, want},
		{"object in a list", `[{"otp_devices":[` + sms + `]}]`, want},
		{"strings for numbers and booleans", `{"otp_devices":[{"id":"731944","active":"true","default":1,"needs_trigger":"true","auth_factor_name":"OneLogin SMS","type_display_name":"OneLogin SMS","user_display_name":"Work phone","phone_number":"+1xxxxxxx4821","extra":{"x":1}}]}`, want},
		{"v2 device_id", `{"otp_devices":[{"device_id":"731944","auth_factor_name":"SMS"}]}`, []OTPDevice{{ID: 731944, FactorName: "SMS"}}},
		// Protect may be listed twice, for the push and for its codes (S).
		{"Protect twice", `{"otp_devices":[{"id":5,"needs_trigger":false,"auth_factor_name":"OneLogin Protect","user_display_name":"Pixel 8"},{"id":5,"needs_trigger":true,"active":true,"auth_factor_name":"OneLogin Protect","user_display_name":"Pixel 8"}]}`,
			[]OTPDevice{{ID: 5, NeedsTrigger: true, Active: true, FactorName: "OneLogin Protect", DeviceName: "Pixel 8"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			// Key order as recorded: data before status, no pagination (R).
			a.reply("GET /api/1/users/7/otp_devices", 200, `{"data":`+tc.data+`,`+okStatus+`}`)
			got, err := a.client().OTPDevices(context.Background(), 7)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v", got)
			}
		})
	}
	a := newTestAPI(t)
	a.reply("GET /api/1/users/7/otp_devices", 200, envelopeOf(`{"devices":[]}`))
	if _, err := a.client().OTPDevices(context.Background(), 7); err == nil {
		t.Error("data without otp_devices was taken")
	}
}

func TestMFA_AuthFactors_shapes(t *testing.T) {
	for _, data := range []string{`{"auth_factors":[{"name":"OneLogin SMS","factor_id":16282}]}`, `[{"name":"OneLogin SMS","factor_id":"16282"}]`, `{"auth_factors":[{"name":"OneLogin SMS","id":16282}]}`} {
		a := newTestAPI(t)
		a.reply("GET /api/1/users/7/auth_factors", 200, envelopeOf(data))
		got, err := a.client().AuthFactors(context.Background(), 7)
		if err != nil || !reflect.DeepEqual(got, []AuthFactor{{ID: 16282, Name: "OneLogin SMS"}}) {
			t.Errorf("%s: %+v %v", data, got, err)
		}
	}
}

func TestMFA_TriggerOTP_shapes(t *testing.T) {
	at := time.Date(2024, 5, 2, 9, 14, 7, 0, time.UTC)
	for _, tc := range []struct {
		name, answer string
		expires      time.Time
		err          bool
	}{
		{"documented", `{"status":{"type":"success","code":200,"message":"SMS token sent to your mobile device. Authentication pending.","error":false},"data":[{"id":41877290,"device_id":731944,"state_token":"` + secretState + `","state_token_expires_at":"2024-05-02T09:14:07Z"}]}`, at, false},
		{"bare object", envelopeOf(`{"state_token":"` + secretState + `","state_token_expires_at":"2024-05-02T09:14:07.000Z"}`), at, false},
		{"nested list", envelopeOf(`[[{"state_token":"` + secretState + `","state_token_expires_at":"2024-05-02T09:14:07Z"}]]`), at, false},
		{"no expiry: the lifetime asked for", envelopeOf(`[{"state_token":"` + secretState + `"}]`), time.Date(2024, 5, 1, 8, 5, 0, 0, time.UTC), false},
		{"no state token", envelopeOf(`[{"id":1}]`), time.Time{}, true},
		{"no data", `{` + okStatus + `}`, time.Time{}, true},
		{"error with HTTP 200", `{"status":{"error":true,"code":400,"type":"bad request","message":"nope"}}`, time.Time{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply("POST /api/1/users/7/otp_devices/9/trigger", 200, tc.answer)
			c := a.client()
			c.now = func() time.Time { return time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC) }
			trig, err := c.TriggerOTP(context.Background(), 7, 9, TriggerOptions{StateTokenLifetime: 5 * time.Minute})
			if tc.err {
				if err == nil {
					t.Fatalf("want an error, got %v", trig)
				}
				assertNoMFASecret(t, "error", err.Error())
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if trig.UserID != 7 || trig.DeviceID != 9 || trig.StateToken != secretState || !trig.ExpiresAt.Equal(tc.expires) {
				t.Errorf("%v %q", trig, trig.StateToken)
			}
		})
	}
}

// TestMFA_verifyOutcomes: how each answer to verify reads.
func TestMFA_verifyOutcomes(t *testing.T) {
	env := func(code int, typ, msg string) string {
		return fmt.Sprintf(`{"status":{"error":true,"code":%d,"type":%q,"message":%q}}`, code, typ, msg)
	}
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		want    VerifyStatus
		wantErr error
	}{
		{"accepted", 200, `{"status":{"type":"success","code":200,"message":"Success","error":false}}`, VerifyApproved, nil},
		// Approval needs status.type "success" (extra reference, corrections).
		{"a bare object fails closed", 200, `{}`, 0, ErrUnrecognized},
		{"200 pending is pending", 200, `{"status":{"type":"pending","code":200,"message":"Authentication pending","error":false}}`, VerifyPending, nil},
		{"200 with a pending message", 200, `{"status":{"type":"success","code":200,"message":"Authentication pending on OneLogin Protect","error":false}}`, VerifyPending, nil},
		{"200 of another type fails closed", 200, `{"status":{"type":"accepted","code":200,"message":"OK","error":false}}`, 0, ErrUnrecognized},
		{"200 with no status fails closed", 200, `{"data":[]}`, 0, ErrUnrecognized},
		{"pending (pritunl's test)", 401, env(401, "Unauthorized", "Authentication pending on OL Protect"), VerifyPending, nil},
		{"pending, other wording", 401, env(401, "Unauthorized", "Authentication pending."), VerifyPending, nil},
		{"denied push", 401, env(401, "Unauthorized", "Authentication was denied on the device"), VerifyDenied, nil},
		{"wrong code", 401, env(401, "Unauthorized", "Failed authentication with this factor"), VerifyDenied, nil},
		{"expired state token", 400, env(400, "bad request", "State token has expired"), VerifyExpired, nil},
		{"expired, other wording", 400, env(400, "bad request", "The state_token is expired"), VerifyExpired, nil},
		{"error envelope with HTTP 200", 200, env(401, "Unauthorized", "Failed authentication with this factor"), VerifyDenied, nil},
		{"unknown user", 400, env(400, "bad request", "User does not exist"), 0, ErrBadRequest},
		{"weak credential", 401, env(401, "Unauthorized", "Insufficient Permission"), 0, ErrUnauthorized},
		{"v2 credentials error", 401, `{"statusCode":401,"name":"InvalidCredentials","message":"Please provide valid credentials"}`, 0, ErrUnauthorized},
		{"401 not JSON", 401, `<html>no</html>`, 0, ErrUnauthorized},
		{"forbidden", 403, env(403, "forbidden", "user is not authorized to access this User"), 0, ErrForbidden},
		{"server error", 500, env(500, "internal server error", "Internal Server Error"), 0, ErrUnavailable},
		{"empty 200 fails closed", 200, ``, 0, ErrUnavailable},
		{"garbage 200 fails closed", 200, `<html>ok</html>`, 0, ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply("POST /api/1/users/7/otp_devices/9/verify", tc.status, tc.body)
			got, err := a.client().VerifyPush(context.Background(), 7, 9, secretState)
			if got != tc.want || (tc.wantErr == nil) != (err == nil) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Errorf("got %v %v, want %v %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestMFA_Verify_secretsNotInErrors: even a server that repeats the code
// and the state token in its error does not get them into our errors.
func TestMFA_Verify_secretsNotInErrors(t *testing.T) {
	echo := func(w http.ResponseWriter, r *http.Request) {
		var in verifyBody
		_ = json.NewDecoder(r.Body).Decode(&in)
		body := fmt.Sprintf(`{"status":{"error":true,"code":%%d,"type":"x","message":"bad otp_token %s for state_token %s"}}`, in.OTPToken, in.StateToken)
		switch r.URL.Path {
		case "/api/1/users/7/otp_devices/9/verify":
			writeJSON(w, 400, fmt.Sprintf(body, 400))
		case "/api/1/users/8/otp_devices/9/verify":
			w.Header().Set("X-RateLimit-Reset", "60")
			writeJSON(w, 429, fmt.Sprintf(body, 429))
		default:
			writeJSON(w, 500, fmt.Sprintf(body, 500))
		}
	}
	a := newTestAPI(t)
	a.handle("POST /api/1/users/{id}/otp_devices/9/verify", echo)
	c := a.client()
	ctx := context.Background()
	var errs []error
	for _, run := range []func() (VerifyStatus, error){
		func() (VerifyStatus, error) { return c.VerifyOTP(ctx, 7, 9, secretOTP, secretState) },
		func() (VerifyStatus, error) { return c.VerifyPush(ctx, 7, 9, secretState) },
		func() (VerifyStatus, error) { return c.VerifyOTP(ctx, 8, 9, secretOTP, secretState) },
		func() (VerifyStatus, error) { return c.VerifyOTP(ctx, 10, 9, secretOTP, secretState) },
	} {
		st, err := run()
		if err == nil || st != 0 {
			t.Fatalf("want an error, got %v %v", st, err)
		}
		errs = append(errs, err)
	}
	if !errors.Is(errs[2], ErrRateLimited) || !errors.Is(errs[3], ErrUnavailable) {
		t.Errorf("types lost: %v / %v", errs[2], errs[3])
	}
	var e *Error
	if !errors.As(errs[0], &e) || !strings.Contains(e.Message, "[redacted]") {
		t.Errorf("message %v", errs[0])
	}
	for _, err := range errs {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			assertNoMFASecret(t, verb+" of "+fmt.Sprintf("%T", err), fmt.Sprintf(verb, err))
		}
	}
}

func TestMFA_Trigger_neverPrintsTheStateToken(t *testing.T) {
	tr := Trigger{UserID: 7, DeviceID: 9, FactorName: "OneLogin SMS", StateToken: secretState, ExpiresAt: time.Date(2024, 5, 2, 9, 14, 7, 0, time.UTC)}
	for _, v := range []any{tr, &tr, []Trigger{tr}, map[string]Trigger{"a": tr}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%T"} {
			assertNoMFASecret(t, fmt.Sprintf("%s of %T", verb, v), fmt.Sprintf(verb, v))
		}
	}
	if got := tr.String(); got != `Trigger{user:7 device:9 factor:"OneLogin SMS" expires:2024-05-02T09:14:07Z state_token:[redacted]}` {
		t.Errorf("String %s", got)
	}
}

func assertNoMFASecret(t *testing.T, what, s string) {
	t.Helper()
	for _, bad := range []string{secretOTP, secretState, secretState[:16]} {
		if strings.Contains(s, bad) {
			t.Errorf("%s leaks %q: %s", what, bad, s)
		}
	}
}

func TestMFA_OTPDevice_Label(t *testing.T) {
	for _, tc := range []struct {
		d    OTPDevice
		want string
		kind FactorKind
	}{
		{OTPDevice{FactorName: "OneLogin SMS", PhoneNumber: "+447700909910"}, "SMS to ••• 9910", FactorSMS},
		{OTPDevice{FactorName: "OneLogin SMS", PhoneNumber: "+1xxxxxxx4821"}, "SMS to ••• 4821", FactorSMS},
		{OTPDevice{FactorName: "OneLogin SMS", PhoneNumber: "+1xxxxxxxxx"}, "SMS", FactorSMS},
		{OTPDevice{FactorName: "OneLogin SMS"}, "SMS", FactorSMS},
		{OTPDevice{FactorName: "OneLogin Voice", PhoneNumber: "+1 (212) 555-0147"}, "Voice call to ••• 0147", FactorVoice},
		{OTPDevice{FactorName: "Google Authenticator", DeviceName: "Google Authenticator"}, "Authenticator app", FactorAuthenticator},
		{OTPDevice{TypeName: "Authenticator (TOTP)"}, "Authenticator app", FactorAuthenticator},
		{OTPDevice{FactorName: "OneLogin Protect", DeviceName: "Pixel 8"}, "OneLogin Protect on Pixel 8", FactorProtect},
		{OTPDevice{FactorName: "OneLogin Protect", DeviceName: "OneLogin Protect"}, "OneLogin Protect", FactorProtect},
		{OTPDevice{FactorName: "OneLogin", DeviceName: "Pixel\n8"}, "OneLogin Protect on Pixel 8", FactorProtect},
		{OTPDevice{FactorName: "OneLogin Email", DeviceName: "Work email"}, "Email code", FactorEmail},
		{OTPDevice{FactorName: "OneLogin Email", DeviceName: "dana.reyes@acme.example"}, "Email to d•••@acme.example", FactorEmail},
		{OTPDevice{FactorName: "Yubico YubiKey"}, "YubiKey", FactorYubiKey},
		{OTPDevice{FactorName: "Duo Security", TypeName: "Duo"}, "Duo", FactorOther},
		{OTPDevice{ID: 42}, "Factor 42", FactorOther},
	} {
		if got := tc.d.Label(); got != tc.want || tc.d.Kind() != tc.kind {
			t.Errorf("%+v: %q %v, want %q %v", tc.d, got, tc.d.Kind(), tc.want, tc.kind)
		}
	}
	if !(OTPDevice{FactorName: "OneLogin Protect", NeedsTrigger: true}).CanPush() || (OTPDevice{FactorName: "OneLogin SMS", NeedsTrigger: true}).CanPush() {
		t.Error("CanPush")
	}
}

func TestMFA_names(t *testing.T) {
	got := fmt.Sprint(VerifyPending, VerifyApproved, VerifyDenied, VerifyExpired, VerifyStatus(0), FactorProtect, FactorOther)
	if got != "pending approved denied expired VerifyStatus(0) OneLogin Protect Other factor" {
		t.Errorf("%s", got)
	}
}
