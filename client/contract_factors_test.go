package client

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
)

// Factors on a person's page and verifying a caller, against the fake
// tenant (directory-mfa reference §B; extra reference corrections).

func TestFactors_listedInWords(t *testing.T) {
	_, c, _ := newMFAFake(t)
	type row struct{ words, name, contact string }
	for _, tc := range []struct {
		name string
		list func(context.Context, int64) ([]OTPDevice, error)
		want []row
	}{
		{"v1 (primary)", c.OTPDevices, []row{{"SMS", "Mobile", "••• 0172"}, {"email", "Work email", ""}, {"security key", "YubiKey 5 NFC", ""}}},
		{"v2", c.MFADevices, []row{{"SMS", "Mobile", ""}, {"email", "Work email", ""}, {"security key", "YubiKey 5 NFC", ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			devs, err := tc.list(t.Context(), fakeonelogin.PersonaNoRolesID)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, d := range devs {
				got = append(got, row{d.TypeInWords(), d.DeviceName, d.MaskedContact()})
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("device %d: %+v, want %+v", i, got[i], tc.want[i])
				}
			}
			if !devs[0].Default || devs[1].Default {
				t.Errorf("default flags %+v", devs)
			}
		})
	}
	if got := (OTPDevice{FactorName: "OneLogin Protect"}).TypeInWords(); got != "OneLogin Protect" {
		t.Errorf("Protect in words: %q", got)
	}
	if got := (OTPDevice{FactorName: "Google Authenticator"}).TypeInWords(); got != "authenticator app" {
		t.Errorf("Authenticator in words: %q", got)
	}
}

// OneLogin's sample lists Protect once with needs_trigger false: it is
// still pushable (issue 19 §4).
func TestFactors_protectIsPushableWhateverNeedsTrigger(t *testing.T) {
	_, c, _ := newMFAFake(t)
	d := deviceOf(t, c, fakeonelogin.PersonaLockedPushID, FactorProtect)
	if d.NeedsTrigger || !d.CanPush() {
		t.Errorf("Protect listed with needs_trigger %t: CanPush %t, want true", d.NeedsTrigger, d.CanPush())
	}
	if (OTPDevice{FactorName: "OneLogin SMS", NeedsTrigger: true}).CanPush() {
		t.Error("SMS is not a push")
	}
}

func TestFactors_remove(t *testing.T) {
	srv, c, _ := newMFAFake(t)
	id := fakeonelogin.PersonaNoRolesID
	sms := deviceOf(t, c, id, FactorSMS)
	if err := c.RemoveOTPDevice(t.Context(), id, sms.ID); err != nil {
		t.Fatalf("v1 removal: %v", err)
	}
	if err := c.RemoveOTPDevice(t.Context(), id, sms.ID); !errors.Is(err, ErrNotFound) || !errors.Is(err, ErrBadRequest) {
		t.Errorf("removing again: %v, want OneLogin's 400 \"Factor could not be found\" matching ErrNotFound", err)
	}
	email := deviceOf(t, c, id, FactorEmail)
	if err := c.RemoveMFADevice(t.Context(), id, email.ID); err != nil {
		t.Fatalf("v2 removal: %v", err)
	}
	if err := c.RemoveMFADevice(t.Context(), id, email.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("v2 removing again: %v", err)
	}
	if left := srv.Tenant.Devices(id); len(left) != 1 || left[0].Factor != fakeonelogin.FactorYubiKey || !left[0].Default {
		t.Errorf("left %+v", left)
	}
}

// Email goes through v2 verifications; a code is checked once and a wrong
// one is a denial, not a token problem (issue 19 §4, issue 20).
func TestVerification_codes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		user     int64
		kind     FactorKind
		opts     VerificationOptions
		wantPath string // the send call
	}{
		{"email through v2", fakeonelogin.PersonaLockedEmailID, FactorEmail, VerificationOptions{}, "/api/2/mfa/users/"},
		{"SMS through v1", fakeonelogin.PersonaLockedSMSID, FactorSMS, VerificationOptions{NumericSMS: true}, "/api/1/users/"},
		{"SMS through v2", fakeonelogin.PersonaLockedSMSID, FactorSMS, VerificationOptions{V2: true, Lifetime: 5 * time.Minute}, "/api/2/mfa/users/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, _ := newMFAFake(t)
			dev := deviceOf(t, c, tc.user, tc.kind)
			srv.Tenant.ResetCalls()
			v, err := c.StartVerification(t.Context(), tc.user, dev, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			calls := srv.Tenant.Calls()
			if len(calls) != 1 || calls[0].Method != "POST" || !strings.HasPrefix(calls[0].Path, tc.wantPath) {
				t.Fatalf("sent %+v, want one POST under %s", calls, tc.wantPath)
			}
			assertNoSecret(t, "verification", v.String())
			code, ok := srv.Tenant.LastCode(tc.user)
			if !ok {
				t.Fatal("nothing reached the fake phone or inbox")
			}
			srv.Tenant.ResetCalls()
			if st, err := c.CheckVerificationCode(t.Context(), v, "000000"); st != VerifyDenied || err != nil {
				t.Errorf("wrong code: %v %v, want denied", st, err)
			}
			if st, err := c.CheckVerificationCode(t.Context(), v, code); st != VerifyApproved || err != nil {
				t.Errorf("right code: %v %v, want approved", st, err)
			}
			sent := 0
			for _, call := range srv.Tenant.Calls() {
				if call.Method != "GET" {
					sent++
				}
			}
			if sent != 2 {
				t.Errorf("%d code submissions for two codes: a code is never resent", sent)
			}
		})
	}
}

// numeric_sms_otp and sms_message are SMS-only (D): never sent with a push.
func TestVerification_pushSendsNoSMSFields(t *testing.T) {
	srv, c, _ := newMFAFake(t)
	dev := deviceOf(t, c, fakeonelogin.PersonaLockedPushID, FactorProtect)
	srv.Tenant.ResetCalls()
	v, err := c.StartVerification(t.Context(), fakeonelogin.PersonaLockedPushID, dev,
		VerificationOptions{NumericSMS: true, SMSMessage: "{{otp_code}}", Lifetime: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if body := string(srv.Tenant.Calls()[0].Body); strings.Contains(body, "numeric_sms_otp") || strings.Contains(body, "sms_message") {
		t.Errorf("push trigger body %s carries SMS-only fields", body)
	}
	if !v.Push {
		t.Error("a Protect verification is a push")
	}
}

func TestVerification_pushes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   VerificationOptions
		answer func(*fakeonelogin.Tenant, string) bool
		want   VerifyStatus
	}{
		{"v1 approved", VerificationOptions{}, (*fakeonelogin.Tenant).ApprovePush, VerifyApproved},
		{"v2 approved", VerificationOptions{V2: true}, (*fakeonelogin.Tenant).ApprovePush, VerifyApproved},
		{"v2 denied", VerificationOptions{V2: true}, (*fakeonelogin.Tenant).DenyPush, VerifyDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, clock := newMFAFake(t)
			id := fakeonelogin.PersonaLockedPushID
			v, err := c.StartVerification(t.Context(), id, deviceOf(t, c, id, FactorProtect), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if st, err := c.PollVerification(t.Context(), v); st != VerifyPending || err != nil {
				t.Fatalf("before an answer: %v %v", st, err)
			}
			pushes := srv.Tenant.PendingPushes(id)
			if len(pushes) != 1 || !tc.answer(srv.Tenant, pushes[0].ID) {
				t.Fatalf("the fake phone shows %+v", pushes)
			}
			if st, err := c.PollVerification(t.Context(), v); st != tc.want || err != nil {
				t.Errorf("after the answer: %v %v, want %v", st, err, tc.want)
			}
			clock.Advance(3 * time.Minute)
			if st, err := c.PollVerification(t.Context(), v); st != VerifyExpired || err != nil {
				t.Errorf("after expiry: %v %v", st, err)
			}
		})
	}
}

// A 401 to a one-time code is never cured by a new token and the same
// code: a cheap call tells a bad token from a wrong code.
func TestVerification_401NeverResendsTheCode(t *testing.T) {
	srv, c, clock := newMFAFake(t)
	id := fakeonelogin.PersonaLockedTOTPID
	dev := deviceOf(t, c, id, FactorAuthenticator)
	code := srv.Tenant.DeviceTOTP(id, dev.ID, clock.Now())
	srv.Tenant.ExpireAllTokens()
	srv.Tenant.ResetCalls()
	st, err := c.VerifyOTP(t.Context(), id, dev.ID, code, "")
	if st != 0 || !errors.Is(err, ErrUnauthorized) {
		t.Errorf("with a refused token: %v %v, want the 401 as an error", st, err)
	}
	if n := srv.Tenant.CallCount("POST", "/api/1/users/"); n != 1 {
		t.Errorf("the code was sent %d times, want once", n)
	}
	// The refused token was dropped: the next code goes with a new one.
	if st, err := c.VerifyOTP(t.Context(), id, dev.ID, code, ""); st != VerifyApproved || err != nil {
		t.Errorf("next try: %v %v", st, err)
	}
}

func TestUnlock_refusalAndUnknownRepliesFailClosed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"refusal with 200", 200, `{"message":"User cannot be unlocked"}`, ErrRefused},
		{"refusal with 400", 400, `{"message":"User cannot be unlocked"}`, ErrRefused},
		{"empty object", 200, `{}`, ErrUnrecognized},
		{"not JSON", 200, `<html>ok</html>`, ErrUnrecognized},
		{"success", 200, `{"messsage":"User unlocked"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply("POST /api/2/users/7/unlock", tc.status, tc.body)
			err := a.client().UnlockUser(t.Context(), 7)
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// A v2 429 backs off by its own answer, never by the v1 hourly reset.
func TestRateLimit_v2BacksOffOnItsOwn(t *testing.T) {
	srv, c, _ := newMFAFake(t)
	if _, err := c.OTPDevices(t.Context(), fakeonelogin.PersonaLockedEmailID); err != nil {
		t.Fatal(err)
	}
	if c.RateLimit().Reset < time.Minute {
		t.Fatalf("the v1 reset %v should be far off for this test", c.RateLimit().Reset)
	}
	dev := deviceOf(t, c, fakeonelogin.PersonaLockedEmailID, FactorEmail)
	srv.Tenant.FailNext(1, http.StatusTooManyRequests)
	_, err := c.StartVerification(t.Context(), fakeonelogin.PersonaLockedEmailID, dev, VerificationOptions{})
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Hourly || rl.RetryAfter != v2Backoff {
		t.Fatalf("err = %#v, want a v2 throttle waiting the backoff %v", err, v2Backoff)
	}

	a := newTestAPI(t)
	a.handle("POST /api/2/users/7/unlock", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.Header().Set("X-RateLimit-Reset", "3000") // not v2's: ignored
		writeJSON(w, 429, `{"statusCode":429,"name":"TooManyRequests","message":"Too Many Requests"}`)
	})
	err = a.client(WithMaxRetryWait(0)).UnlockUser(t.Context(), 7)
	if !errors.As(err, &rl) || rl.Hourly || rl.RetryAfter != 7*time.Second {
		t.Errorf("err = %#v, want Retry-After's 7s", err)
	}
}

func TestEventTypeIDs_warnsOnceAboutMissingNames(t *testing.T) {
	var logs bytes.Buffer
	_, c := newFake(t, fakeonelogin.Options{Users: 1}, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	for range 2 {
		ids, missing, err := c.EventTypeIDs(t.Context(), "USER_LOCKED", "NO_SUCH_TYPE")
		if err != nil || ids["USER_LOCKED"] != EventLocked || len(missing) != 1 || missing[0] != "NO_SUCH_TYPE" {
			t.Fatalf("ids %v missing %v err %v", ids, missing, err)
		}
	}
	if n := strings.Count(logs.String(), "NO_SUCH_TYPE"); n != 1 || !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("logged %d times: %s", n, logs.String())
	}
	_, quiet := newFake(t, fakeonelogin.Options{Users: 1})
	if _, missing, _ := quiet.EventTypeIDs(context.Background(), "NO_SUCH_TYPE"); len(missing) != 1 {
		t.Errorf("without a logger the name is still returned: %v", missing)
	}
}
