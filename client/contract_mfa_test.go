package client

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
)

// The MFA calls against the fake tenant, which follows the wire reference
// (onelogin-api-extra.md §1). Time moves on the fake's manual clock.

var mfaEpoch = time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)

func newMFAFake(t *testing.T) (*fakeonelogin.Server, *Client, *fakeonelogin.ManualClock) {
	t.Helper()
	clock := fakeonelogin.NewManualClock(mfaEpoch)
	srv, c := newFake(t, fakeonelogin.Options{Users: 1, Clock: clock})
	return srv, c, clock
}

// deviceOf is the id of a person's first device of a kind, read through the client.
func deviceOf(t *testing.T, c *Client, userID int64, kind FactorKind) OTPDevice {
	t.Helper()
	devs, err := c.OTPDevices(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if d.Kind() == kind {
			return d
		}
	}
	t.Fatalf("user %d has no %s: %+v", userID, kind, devs)
	return OTPDevice{}
}

func TestMFA_OTPDevices_personas(t *testing.T) {
	_, c, _ := newMFAFake(t)
	type dev struct {
		kind    FactorKind
		label   string
		canPush bool
	}
	for _, tc := range []struct {
		name string
		id   int64
		want []dev
	}{
		{"push", fakeonelogin.PersonaLockedPushID, []dev{{FactorProtect, "OneLogin Protect on Pixel 7a", true}}},
		{"TOTP", fakeonelogin.PersonaLockedTOTPID, []dev{{FactorAuthenticator, "Authenticator app", false}}},
		{"SMS", fakeonelogin.PersonaLockedSMSID, []dev{{FactorSMS, "SMS to ••• 9910", false}}},
		{"email", fakeonelogin.PersonaLockedEmailID, []dev{{FactorEmail, "Email code", false}}},
		{"no factor", fakeonelogin.PersonaLockedNoFactorID, []dev{}},
		{"admin", fakeonelogin.PersonaAdminID, []dev{{FactorProtect, "OneLogin Protect on iPhone 15 Pro", true}, {FactorAuthenticator, "Authenticator app", false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			devs, err := c.OTPDevices(context.Background(), tc.id)
			if err != nil {
				t.Fatal(err)
			}
			got := []dev{}
			for _, d := range devs {
				got = append(got, dev{d.Kind(), d.Label(), d.CanPush()})
				if d.ID == 0 || !d.Active {
					t.Errorf("device %+v", d)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if len(devs) > 0 && !devs[0].Default {
				t.Errorf("first device not the default: %+v", devs[0])
			}
		})
	}
	_, err := c.OTPDevices(context.Background(), 999)
	wantErr(t, err, ErrNotFound, "User for id 999 was not found", "")
}

func TestMFA_AuthFactors(t *testing.T) {
	_, c, _ := newMFAFake(t)
	got, err := c.AuthFactors(context.Background(), fakeonelogin.PersonaAdminID)
	if err != nil {
		t.Fatal(err)
	}
	want := []AuthFactor{{ID: 16282, Name: "OneLogin SMS"}, {ID: 16283, Name: "OneLogin Voice"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	// An enrolled factor drops out.
	got, err = c.AuthFactors(context.Background(), fakeonelogin.PersonaLockedSMSID)
	if err != nil || len(got) != 1 || got[0].Name != "OneLogin Voice" {
		t.Errorf("SMS person: %+v %v", got, err)
	}
}

func TestMFA_VerifyPush_outcomes(t *testing.T) {
	id := fakeonelogin.PersonaLockedPushID
	for _, tc := range []struct {
		name   string
		answer func(srv *fakeonelogin.Server, clock *fakeonelogin.ManualClock)
		want   VerifyStatus
	}{
		{"pending", func(*fakeonelogin.Server, *fakeonelogin.ManualClock) {}, VerifyPending},
		{"approved", func(srv *fakeonelogin.Server, _ *fakeonelogin.ManualClock) {
			srv.Tenant.ApprovePush(srv.Tenant.PendingPushes(id)[0].ID)
		}, VerifyApproved},
		{"denied", func(srv *fakeonelogin.Server, _ *fakeonelogin.ManualClock) {
			srv.Tenant.DenyPush(srv.Tenant.PendingPushes(id)[0].ID)
		}, VerifyDenied},
		{"expired", func(_ *fakeonelogin.Server, clock *fakeonelogin.ManualClock) { clock.Advance(2 * time.Minute) }, VerifyExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, clock := newMFAFake(t)
			ctx := context.Background()
			dev := deviceOf(t, c, id, FactorProtect)
			trig, err := c.TriggerOTP(ctx, id, dev.ID, TriggerOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if trig.UserID != id || trig.DeviceID != dev.ID || !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(trig.StateToken) ||
				!trig.ExpiresAt.Equal(mfaEpoch.Add(2*time.Minute)) || trig.FactorName != "OneLogin Protect" || trig.Message == "" {
				t.Fatalf("trigger %+v", *trig)
			}
			// Waiting is a 401 like a refused token; it must not make the
			// client fetch a new token.
			for range 3 {
				if st, err := c.VerifyPush(ctx, id, dev.ID, trig.StateToken); st != VerifyPending || err != nil {
					t.Fatalf("before the answer: %v %v", st, err)
				}
			}
			tc.answer(srv, clock)
			st, err := c.VerifyPush(ctx, id, dev.ID, trig.StateToken)
			if st != tc.want || err != nil {
				t.Errorf("got %v %v, want %v", st, err, tc.want)
			}
			// Polling again answers the same, but for an approval, which
			// spends the state token.
			st, err = c.VerifyPush(ctx, id, dev.ID, trig.StateToken)
			if tc.want == VerifyApproved {
				if !errors.Is(err, ErrBadRequest) {
					t.Errorf("polling a spent token: %v %v", st, err)
				}
			} else if st != tc.want || err != nil {
				t.Errorf("polling again: %v %v", st, err)
			}
			if n := srv.Tenant.CallCount("POST", "/auth/oauth2/v2/token"); n != 1 {
				t.Errorf("%d token requests", n)
			}
		})
	}
}

func TestMFA_VerifyPush_slowPhone(t *testing.T) {
	srv, c, clock := newMFAFake(t)
	ctx := context.Background()
	id := fakeonelogin.PersonaLockedPushID
	srv.Tenant.SetPushAnswer(fakeonelogin.PushApproves, 45*time.Second)
	dev := deviceOf(t, c, id, FactorProtect)
	trig, err := c.TriggerOTP(ctx, id, dev.ID, TriggerOptions{StateTokenLifetime: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !trig.ExpiresAt.Equal(mfaEpoch.Add(time.Minute)) {
		t.Errorf("expires %v", trig.ExpiresAt)
	}
	var seen []VerifyStatus
	for range 6 { // poll every 10 s of the fake's clock
		st, err := c.VerifyPush(ctx, id, dev.ID, trig.StateToken)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, st)
		if st != VerifyPending {
			break
		}
		clock.Advance(10 * time.Second)
	}
	want := []VerifyStatus{VerifyPending, VerifyPending, VerifyPending, VerifyPending, VerifyPending, VerifyApproved}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("polls %v", seen)
	}
}

// TestMFA_VerifyOTP_codes: v1 verify of each code factor v1 documents
// (email codes are v2 verifications: TestVerification_codes).
func TestMFA_VerifyOTP_codes(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		id   int64
		kind FactorKind
		// code returns the right code and the state token to send.
		code func(t *testing.T, srv *fakeonelogin.Server, c *Client, dev OTPDevice) (string, string)
	}{
		{"SMS", fakeonelogin.PersonaLockedSMSID, FactorSMS, triggered},
		{"authenticator", fakeonelogin.PersonaLockedTOTPID, FactorAuthenticator, totp},
		{"Protect app code", fakeonelogin.PersonaLockedPushID, FactorProtect, totp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, _ := newMFAFake(t)
			dev := deviceOf(t, c, tc.id, tc.kind)
			code, state := tc.code(t, srv, c, dev)
			st, err := c.VerifyOTP(ctx, tc.id, dev.ID, code, state)
			if st != VerifyApproved || err != nil {
				t.Errorf("right code: %v %v", st, err)
			}
		})
	}
}

func triggered(t *testing.T, srv *fakeonelogin.Server, c *Client, dev OTPDevice) (string, string) {
	t.Helper()
	trig, err := c.TriggerOTP(context.Background(), userOf(t, srv, dev), dev.ID, TriggerOptions{NumericSMS: true})
	if err != nil {
		t.Fatal(err)
	}
	code, ok := srv.Tenant.LastCode(trig.UserID)
	if !ok {
		t.Fatal("no code sent")
	}
	return code, trig.StateToken
}

func totp(t *testing.T, srv *fakeonelogin.Server, _ *Client, dev OTPDevice) (string, string) {
	t.Helper()
	return srv.Tenant.DeviceTOTP(userOf(t, srv, dev), dev.ID, srv.Tenant.Clock().Now()), ""
}

// userOf finds whose device this is among the locked personas.
func userOf(t *testing.T, srv *fakeonelogin.Server, dev OTPDevice) int64 {
	t.Helper()
	for _, id := range []int64{fakeonelogin.PersonaLockedPushID, fakeonelogin.PersonaLockedTOTPID, fakeonelogin.PersonaLockedSMSID, fakeonelogin.PersonaLockedEmailID} {
		for _, d := range srv.Tenant.Devices(id) {
			if d.ID == dev.ID {
				return id
			}
		}
	}
	t.Fatalf("device %d belongs to no locked persona", dev.ID)
	return 0
}

func TestMFA_Verify_wrongCode(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		id    int64
		kind  FactorKind
		state bool
	}{
		{"SMS", fakeonelogin.PersonaLockedSMSID, FactorSMS, true},
		{"authenticator", fakeonelogin.PersonaLockedTOTPID, FactorAuthenticator, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, _ := newMFAFake(t)
			dev := deviceOf(t, c, tc.id, tc.kind)
			var state string
			if tc.state {
				_, state = triggered(t, srv, c, dev)
			}
			st, err := c.VerifyOTP(ctx, tc.id, dev.ID, "000000", state)
			if st != VerifyDenied || err != nil {
				t.Errorf("wrong code: %v %v", st, err)
			}
		})
	}
}

func TestMFA_Verify_expiredStateToken(t *testing.T) {
	srv, c, clock := newMFAFake(t)
	ctx := context.Background()
	id := fakeonelogin.PersonaLockedSMSID
	dev := deviceOf(t, c, id, FactorSMS)
	code, state := triggered(t, srv, c, dev)
	clock.Advance(2 * time.Minute)
	if st, err := c.VerifyOTP(ctx, id, dev.ID, code, state); st != VerifyExpired || err != nil {
		t.Errorf("after 2 minutes: %v %v", st, err)
	}
	// ExpireStateTokens ends them at once.
	code, state = triggered(t, srv, c, dev)
	srv.Tenant.ExpireStateTokens()
	if st, err := c.VerifyOTP(ctx, id, dev.ID, code, state); st != VerifyExpired || err != nil {
		t.Errorf("expired by the knob: %v %v", st, err)
	}
}

func TestMFA_Verify_temporaryMFAToken(t *testing.T) {
	_, c, _ := newMFAFake(t)
	ctx := context.Background()
	id := fakeonelogin.PersonaLockedNoFactorID
	tok, err := c.GenerateMFAToken(ctx, id, time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.VerifyOTP(ctx, id, 0, tok.Token, ""); st != VerifyApproved || err != nil {
		t.Errorf("device 0: %v %v", st, err)
	}
	if st, err := c.VerifyOTP(ctx, id, 0, tok.Token, ""); st != VerifyDenied || err != nil {
		t.Errorf("used twice: %v %v", st, err)
	}
}

func TestMFA_TriggerOTP_options(t *testing.T) {
	srv, c, _ := newMFAFake(t)
	ctx := context.Background()
	id := fakeonelogin.PersonaLockedSMSID
	dev := deviceOf(t, c, id, FactorSMS)
	trig, err := c.TriggerOTP(ctx, id, dev.ID, TriggerOptions{StateTokenLifetime: 299500 * time.Millisecond,
		NumericSMS: true, SMSMessage: "Northwind helpdesk: {{otp_code}}"})
	if err != nil {
		t.Fatal(err)
	}
	if trig.Message != "SMS token sent to your mobile device. Authentication pending." || !trig.ExpiresAt.Equal(mfaEpoch.Add(300*time.Second)) {
		t.Errorf("trigger %+v", *trig)
	}
	inbox := srv.Tenant.Inbox(id)
	if len(inbox) != 1 || !regexp.MustCompile(`^Northwind helpdesk: [0-9]{6}$`).MatchString(inbox[0].Body) {
		t.Errorf("inbox %+v", inbox)
	}
	// Too long a lifetime is refused before any request.
	srv.Tenant.ResetCalls()
	_, err = c.TriggerOTP(ctx, id, dev.ID, TriggerOptions{StateTokenLifetime: 901 * time.Second})
	if !errors.Is(err, ErrBadRequest) || len(srv.Tenant.Calls()) != 0 {
		t.Errorf("err %v, %d calls", err, len(srv.Tenant.Calls()))
	}
	// A device that needs no trigger: OneLogin's 400 as is.
	totpDev := deviceOf(t, c, fakeonelogin.PersonaLockedTOTPID, FactorAuthenticator)
	if _, err := c.TriggerOTP(ctx, fakeonelogin.PersonaLockedTOTPID, totpDev.ID, TriggerOptions{}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("authenticator trigger: %v", err)
	}
}

func TestMFA_errors(t *testing.T) {
	ctx := context.Background()
	t.Run("unknown user", func(t *testing.T) {
		_, c, _ := newMFAFake(t)
		_, err := c.VerifyOTP(ctx, 999, 1, "123456", "")
		wantErr(t, err, ErrBadRequest, "User does not exist", "")
	})
	t.Run("factor service fails", func(t *testing.T) {
		srv, c, _ := newMFAFake(t)
		srv.Tenant.FailNextMFA(1, 502)
		if _, err := c.OTPDevices(ctx, fakeonelogin.PersonaLockedSMSID); !errors.Is(err, ErrUnavailable) {
			t.Errorf("devices: %v", err)
		}
		dev := deviceOf(t, c, fakeonelogin.PersonaLockedPushID, FactorProtect)
		srv.Tenant.FailNextMFA(1, 500)
		if _, err := c.TriggerOTP(ctx, fakeonelogin.PersonaLockedPushID, dev.ID, TriggerOptions{}); !errors.Is(err, ErrUnavailable) {
			t.Errorf("trigger: %v", err)
		}
		srv.Tenant.FailNextMFA(1, 500)
		if st, err := c.VerifyPush(ctx, fakeonelogin.PersonaLockedPushID, dev.ID, "0123456789abcdef"); st != 0 || !errors.Is(err, ErrUnavailable) {
			t.Errorf("verify: %v %v", st, err)
		}
	})
	t.Run("a made-up state token", func(t *testing.T) {
		_, c, _ := newMFAFake(t)
		dev := deviceOf(t, c, fakeonelogin.PersonaLockedPushID, FactorProtect)
		st, err := c.VerifyPush(ctx, fakeonelogin.PersonaLockedPushID, dev.ID, "0123456789abcdef")
		if st != 0 || !errors.Is(err, ErrBadRequest) {
			t.Errorf("%v %v", st, err)
		}
	})
}

// TestMFA_notRetriedOn429: triggering or verifying again would send a
// second push or count a second try, so a 429 comes back at once; listing
// devices is retried like any read.
func TestMFA_notRetriedOn429(t *testing.T) {
	ctx := context.Background()
	id := fakeonelogin.PersonaLockedPushID
	for _, tc := range []struct {
		name  string
		run   func(c *Client, dev int64) error
		calls int
	}{
		{"trigger", func(c *Client, dev int64) error {
			_, err := c.TriggerOTP(ctx, id, dev, TriggerOptions{})
			return err
		}, 1},
		{"verify push", func(c *Client, dev int64) error {
			_, err := c.VerifyPush(ctx, id, dev, "0123456789abcdef")
			return err
		}, 1},
		{"verify code", func(c *Client, dev int64) error {
			_, err := c.VerifyOTP(ctx, id, dev, "123456", "")
			return err
		}, 1},
		{"devices", func(c *Client, _ int64) error {
			_, err := c.OTPDevices(ctx, id)
			return err
		}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, _ := newMFAFake(t)
			dev := deviceOf(t, c, id, FactorProtect)
			srv.Tenant.SpendRateLimit()
			srv.Tenant.ResetCalls()
			err := tc.run(c, dev.ID)
			var rle *RateLimitError
			if !errors.As(err, &rle) || !errors.Is(err, ErrRateLimited) {
				t.Fatalf("err = %v", err)
			}
			if n := len(srv.Tenant.Calls()); n != tc.calls {
				t.Errorf("%d requests, want %d", n, tc.calls)
			}
		})
	}
}
