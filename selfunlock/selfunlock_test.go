package selfunlock_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
	"onelogin-helpdesk/limits/limitstest"
	"onelogin-helpdesk/selfunlock"
)

// allFactors are the page's settings with every factor it can check, as
// config parses them.
func allFactors(t *testing.T) config.PublicUnlock {
	t.Helper()
	return consoletest.Config(t, map[string]string{"HELPDESK_PUBLIC_UNLOCK": "true",
		"HELPDESK_PUBLIC_UNLOCK_FACTORS": "protect,authenticator,sms,email,yubikey"}).PublicUnlock
}

// trail is the audit trail the flow writes to, in memory.
type trail struct{ *audittest.Memory }

func (t trail) Denied(ctx context.Context, r audit.Record, reason string) {
	r.Outcome, r.Reason = audit.OutcomeDenied, reason
	_, _ = t.Deny(ctx, r, time.Minute)
}

// bench is a flow in front of an in-process fake tenant on a manual clock,
// with a door that counts the unlocks it is asked for.
type bench struct {
	s      *selfunlock.Service
	tenant *fakeonelogin.Tenant
	clock  *fakeonelogin.ManualClock
	ol     *client.Client
	trail  trail
	asked  []access.Identity // who the door was asked to unlock
}

func newBench(t *testing.T) *bench { return newBenchWith(t, benchOptions{}) }

// benchOptions change a bench: the tenant's hourly quota, the page's
// settings, the flow's options.
type benchOptions struct {
	quota int
	cfg   func(*config.PublicUnlock)
	opts  func(*selfunlock.Options)
}

func newBenchWith(t *testing.T, bo benchOptions) *bench {
	t.Helper()
	clock := fakeonelogin.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	tenant := fakeonelogin.NewTenant(fakeonelogin.Options{Seed: 1, Users: 60, Clock: clock, RateLimitPerHour: bo.quota})
	ol, err := client.New("http://onelogin.test", tenant.ClientID(), tenant.ClientSecret(),
		client.WithHTTPClient(&http.Client{Transport: consoletest.InProcess(tenant)}))
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{tenant: tenant, clock: clock, ol: ol, trail: trail{audittest.NewMemory(nil, audit.WithClock(clock.Now))}}
	cfg := allFactors(t)
	if bo.cfg != nil {
		bo.cfg(&cfg)
	}
	o := selfunlock.Options{OneLogin: ol, Limits: limitstest.NewMemory(), Trail: b.trail,
		Failed:   func(error) audit.Result { return audit.Result{Outcome: audit.OutcomeFailed, Message: "failed"} },
		DecoyKey: []byte("test decoy key"), Now: clock.Now}
	if bo.opts != nil {
		bo.opts(&o)
	}
	b.s, err = selfunlock.New(cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// door unlocks at the fake tenant, as the console's door would after the
// access policy.
func (b *bench) door(ctx context.Context, who access.Identity, u *client.User, _ map[string]string) error {
	b.asked = append(b.asked, who)
	return b.ol.UnlockUser(ctx, u.ID)
}

var caller = selfunlock.Caller{IP: "198.51.100.7", UserAgent: "test browser", RequestID: "req-1"}

// choice is the Choice of the offer named name.
func choice(t *testing.T, st selfunlock.State, name string) string {
	t.Helper()
	for _, o := range st.Factors {
		if o.Name == name {
			return o.Choice
		}
	}
	t.Fatalf("no %s among the factors offered: %+v", name, st.Factors)
	return ""
}

// TestService_unlocksOnlyOnAVerifiedCode: a wrong code unlocks nothing; the
// right one unlocks once, in the person's name, and ends the flow.
func TestService_unlocksOnlyOnAVerifiedCode(t *testing.T) {
	b := newBench(t)
	ctx := context.Background()
	id, st, err := b.s.Start(ctx, caller, fakeonelogin.PersonaLockedTOTP)
	if err != nil || st.Step != selfunlock.StepChoose || id == "" {
		t.Fatalf("Start = %q, %+v, %v; want the factors and a flow", id, st, err)
	}
	st, err = b.s.Choose(ctx, caller, id, choice(t, st, "authenticator"))
	if err != nil || st.Step != selfunlock.StepCode {
		t.Fatalf("Choose = %+v, %v; want the code step", st, err)
	}
	if st, err = b.s.Code(ctx, caller, id, "000000", b.door); err != nil || st.Error == "" || st.Ended || len(b.asked) != 0 {
		t.Fatalf("a wrong code: %+v, %v, door asked %d times; want an error, no unlock", st, err, len(b.asked))
	}
	st, err = b.s.Code(ctx, caller, id, b.tenant.TOTP(fakeonelogin.PersonaLockedTOTPID, b.clock.Now()), b.door)
	if err != nil || st.Step != selfunlock.StepDone || !st.Ended {
		t.Fatalf("the right code: %+v, %v; want done and the flow ended", st, err)
	}
	if len(b.asked) != 1 || b.asked[0].Email != fakeonelogin.PersonaLockedTOTP || b.asked[0].Role != access.RoleEmployee {
		t.Errorf("door asked for %+v, want the person once, as an employee", b.asked)
	}
	var stop *selfunlock.Stop
	if _, err := b.s.Code(ctx, caller, id, "123456", b.door); !errors.As(err, &stop) || len(b.asked) != 1 {
		t.Errorf("a step after the end: %v, door asked %d times; want Start again and nothing more", err, len(b.asked))
	}
}

// TestService_madeUpAccountNeverUnlocks: an account that does not exist
// is offered factors like any other, and no code ever opens it; OneLogin
// is asked to send or check nothing.
func TestService_madeUpAccountNeverUnlocks(t *testing.T) {
	b := newBench(t)
	ctx := context.Background()
	id, st, err := b.s.Start(ctx, caller, "nobody@example.com")
	if err != nil || st.Step != selfunlock.StepChoose || len(st.Factors) == 0 {
		t.Fatalf("Start = %+v, %v; want made-up factors to choose from", st, err)
	}
	st, err = b.s.Choose(ctx, caller, id, st.Factors[0].Choice)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"123456", "000000", "cccccbcrtjhd"} {
		if st.Step == selfunlock.StepPush {
			b.clock.Advance(selfunlock.PollEvery)
			st, err = b.s.Push(ctx, caller, id, b.door)
		} else {
			st, err = b.s.Code(ctx, caller, id, code, b.door)
		}
		if err != nil || st.Ended {
			t.Fatalf("step: %+v, %v", st, err)
		}
	}
	if len(b.asked) != 0 {
		t.Errorf("the door was asked %d times for an account that does not exist", len(b.asked))
	}
	for _, c := range b.tenant.Calls() {
		if strings.Contains(c.Path, "/otp_devices") || strings.Contains(c.Path, "/verify") {
			t.Errorf("OneLogin was asked %s %s for a made-up account", c.Method, c.Path)
		}
	}
}

// TestVerifier_textedCode: the MFA steps alone, as a second caller uses
// them: list the person's factors, text a code, check it.
func TestVerifier_textedCode(t *testing.T) {
	b := newBench(t)
	ctx := context.Background()
	kinds, err := selfunlock.Kinds(allFactors(t).Factors)
	if err != nil {
		t.Fatal(err)
	}
	v := selfunlock.Verifier{MFA: b.ol, Kinds: kinds}
	factors, err := v.Factors(ctx, fakeonelogin.PersonaLockedSMSID)
	if err != nil || len(factors) != 1 || factors[0].Kind() != client.FactorSMS || !factors[0].NeedsTrigger() {
		t.Fatalf("Factors = %+v, %v; want the one SMS factor", factors, err)
	}
	ch, err := v.Trigger(ctx, fakeonelogin.PersonaLockedSMSID, factors[0], b.clock.Now())
	if err != nil || !ch.Expires.After(b.clock.Now()) {
		t.Fatalf("Trigger = %+v, %v", ch, err)
	}
	code, ok := b.tenant.LastCode(fakeonelogin.PersonaLockedSMSID)
	if !ok {
		t.Fatal("no code was texted")
	}
	if st, err := v.Verify(ctx, fakeonelogin.PersonaLockedSMSID, factors[0], ch, code); err != nil || st != client.VerifyApproved {
		t.Errorf("Verify(the texted code) = %v, %v; want approved", st, err)
	}
}

// TestKinds: every factor the settings accept is one the flow can check.
func TestKinds(t *testing.T) {
	kinds, err := selfunlock.Kinds(allFactors(t).Factors)
	if err != nil || len(kinds) != 5 {
		t.Errorf("Kinds(every factor config accepts) = %v, %v; want five kinds", kinds, err)
	}
	if _, err := selfunlock.Kinds([]string{"voice"}); err == nil {
		t.Error("Kinds(voice) did not fail")
	}
}

// TestMemoryStore_flowsExpire: a flow is one sitting.
func TestMemoryStore_flowsExpire(t *testing.T) {
	clock := fakeonelogin.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	s := selfunlock.NewMemoryStore(clock.Now)
	ctx := context.Background()
	id, ok, err := s.Add(ctx, &selfunlock.Flow{})
	if !ok || id == "" || err != nil {
		t.Fatalf("Add refused an empty store: %v", err)
	}
	clock.Advance(selfunlock.FlowTTL - time.Second)
	if _, ok, _ := s.Get(ctx, id); !ok {
		t.Error("the flow is gone before FlowTTL")
	}
	clock.Advance(time.Second)
	if _, ok, _ := s.Get(ctx, id); ok {
		t.Error("the flow outlived FlowTTL")
	}
	if _, ok, _ := s.Get(ctx, "not-an-id"); ok {
		t.Error("Get found a flow never added")
	}
}
