package fakeonelogin

import (
	"slices"
	"testing"
)

// TestMFA_events: what the factor calls leave in the events, newest first:
// a trigger (539), a wrong code (527), a right one (528), each naming the
// device; a denied push once (950) however often it is polled.
func TestMFA_events(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	tn := f.srv.Tenant

	totpUser := PersonaLockedTOTPID
	dev := f.deviceOf(totpUser, FactorAuthenticator)
	f.verify(totpUser, dev, `{"otp_token":"000000"}`)
	f.verify(totpUser, dev, `{"otp_token":"`+tn.TOTP(totpUser, f.clock.Now())+`"}`)
	evs := f.eventsOf(totpUser)
	if got := typesOf(evs)[:2]; !slices.Equal(got, []int64{EventAPIVerifyFactor, EventAPIVerifyFactorFailed}) {
		t.Fatalf("after a wrong and a right code: %v", got)
	}
	for _, e := range evs[:2] {
		if num(e["otp_device_id"]) != dev || e["otp_device_name"] == nil || e["actor_system"] != "API" || e["client_id"] != tn.ClientID() {
			t.Errorf("verify event %v does not name the device and the API credential", e)
		}
	}

	pushUser := PersonaLockedPushID
	push := f.deviceOf(pushUser, FactorProtect)
	tok, _ := f.trigger(pushUser, push, "")
	tn.DenyPush(tn.PendingPushes(pushUser)[0].ID)
	for range 3 {
		f.verify(pushUser, push, `{"state_token":"`+tok+`"}`)
	}
	if got := typesOf(f.eventsOf(pushUser)); len(got) < 2 || !slices.Equal(got[:2], []int64{EventOTPPushReject, EventAPITriggerFactor}) ||
		slices.Contains(got[2:], EventOTPPushReject) {
		t.Errorf("after a trigger and a denied push polled three times: %v, want one 950 after one 539", got)
	}
}
