package handlers_test

import (
	"strings"
	"testing"

	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
)

// TestUnlock_endsWell: the unlock's success stays on the page and leads to
// sign-in; every step, refusal and dead end says how to reach the
// helpdesk.
func TestUnlock_endsWell(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, func(p *config.PublicUnlock) { p.PerIP = 4 })
	b := u.browser("198.51.100.110")
	steps := map[string]string{}
	rec := b.start(fakeonelogin.PersonaLockedTOTP)
	steps["choose"] = textOf(doc(t, rec), "[data-testid=unlock-help]")
	rec = b.choose(factorChoice(t, rec, "authenticator"))
	steps["code"] = textOf(doc(t, rec), "[data-testid=unlock-help]")
	rec = b.code(u.fake.Tenant.TOTP(fakeonelogin.PersonaLockedTOTPID, u.clock.Now()))
	if s := step(t, rec); s != "done" {
		t.Fatalf("step %q after the right code", s)
	}
	d := doc(t, rec)
	if cls := d.Find("[data-testid=unlock-result]").AttrOr("class", ""); !strings.Contains(cls, "notice-lasting") {
		t.Errorf("the result's classes %q: want it to stay, not fade", cls)
	}
	if href := d.Find("[data-testid=go-sign-in]").AttrOr("href", ""); href != "https://acme.onelogin.com/" {
		t.Errorf("Go to sign-in leads to %q", href)
	}

	// A dead end: the address's allowance is used up.
	other := u.browser("198.51.100.110")
	for range 3 {
		rec = other.start("ghost@example.com")
	}
	if s := step(t, rec); s != "stopped" {
		t.Fatalf("step %q past the per-address allowance", s)
	}
	steps["stopped"] = textOf(doc(t, rec), "[data-testid=unlock-help]")

	push := u.browser("198.51.100.111")
	rec = push.choose(factorChoice(t, push.start(fakeonelogin.PersonaLockedPush), "push"))
	steps["push"] = textOf(doc(t, rec), "[data-testid=unlock-help]")
	steps["start"] = textOf(doc(t, u.browser("198.51.100.112").do("GET", "/unlock", nil)), "[data-testid=unlock-help]")

	for step, help := range steps {
		if !strings.Contains(help, "Contact the IT helpdesk: "+testContact) {
			t.Errorf("the %s step's help says %q, want the helpdesk's contact", step, help)
		}
	}
	for _, step := range []string{"choose"} {
		if !strings.HasPrefix(steps[step], "None of these are mine?") {
			t.Errorf("the %s step's help says %q", step, steps[step])
		}
	}
	for _, step := range []string{"code", "push"} {
		if !strings.HasPrefix(steps[step], "I didn't get anything?") {
			t.Errorf("the %s step's help says %q", step, steps[step])
		}
	}
}
