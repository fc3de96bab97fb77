package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
)

// TestUnlock_coolDown: wrong codes until the account's attempts are used
// up, then a cool-down that a made-up account gets alike, that survives a
// restart and ends on time. OneLogin is asked no more than the attempts
// allow, and nothing is unlocked.
func TestUnlock_coolDown(t *testing.T) {
	for _, login := range []string{fakeonelogin.PersonaLockedTOTP, "ghost@example.com"} {
		t.Run(login, func(t *testing.T) {
			u := newUnlockConsole(t, fakeonelogin.Options{}, func(p *config.PublicUnlock) {
				p.Attempts, p.CoolDown, p.Factors = 3, 15*time.Minute, []string{"authenticator"}
			})
			b := u.browser("198.51.100.30")
			b.choose(factorChoice(t, b.start(login), "authenticator"))
			for i := range 3 {
				if rec := b.code("000000"); rec.Code != http.StatusUnprocessableEntity {
					t.Fatalf("wrong code %d = %d, want 422", i+1, rec.Code)
				}
			}
			// Past the allowance a code fails as any wrong code does, and
			// OneLogin is not asked.
			asked := u.fake.Tenant.CallCount("POST", "/api/1/users")
			rec := b.code("000000")
			wantCode(t, rec, http.StatusUnprocessableEntity)
			if got := textOf(doc(t, rec), "[data-testid=unlock-error]"); got != "That code did not work. Check it and try again, or send a new one." {
				t.Errorf("past the allowance the page says %q", got)
			}
			if n := u.fake.Tenant.CallCount("POST", "/api/1/users"); n != asked {
				t.Errorf("past the allowance OneLogin was asked %d more times", n-asked)
			}

			u.restart() // the count is in the limits store, not the process
			b2 := u.browser("198.51.100.31")
			b2.choose(factorChoice(t, b2.start(login), "authenticator"))
			b2.code("000000")
			if n := u.fake.Tenant.CallCount("POST", "/api/1/users"); n != asked {
				t.Errorf("after a restart, from another address, OneLogin was asked %d more times; want the allowance to hold", n-asked)
			}

			u.clock.Advance(15 * time.Minute)
			b3 := u.browser("198.51.100.32")
			b3.choose(factorChoice(t, b3.start(login), "authenticator"))
			if rec := b3.code("000000"); rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("after the cool-down = %d, want the code checked again", rec.Code)
			}
			if n := u.fake.Tenant.CallCount("POST", "/api/1/users"); login == fakeonelogin.PersonaLockedTOTP && n != asked+1 {
				t.Errorf("after the cool-down OneLogin was asked %d times, want once", n-asked)
			}
			for _, w := range u.writes() {
				if strings.Contains(w, "unlock") {
					t.Errorf("wrong codes led to %s", w)
				}
			}
		})
	}
}

// TestUnlock_perAddress: one address gets so many look-ups, sends and tries
// an hour, whatever accounts it names; another address is not affected.
func TestUnlock_perAddress(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, func(p *config.PublicUnlock) { p.PerIP = 2 })
	b := u.browser("198.51.100.40")
	b.start("ghost@example.com")
	b.start(fakeonelogin.PersonaLockedSMS)
	calls := len(u.fake.Tenant.Calls())
	for _, login := range []string{fakeonelogin.PersonaLockedTOTP, "someone@example.com"} {
		rec := b.start(login)
		wantCode(t, rec, http.StatusTooManyRequests)
		if got := textOf(doc(t, rec), "[data-testid=unlock-message]"); !strings.HasPrefix(got, "There have been too many attempts from your network.") {
			t.Errorf("%s: the page says %q", login, got)
		}
	}
	if n := len(u.fake.Tenant.Calls()); n != calls {
		t.Errorf("refused look-ups made %d calls to OneLogin", n-calls)
	}
	if rec := u.browser("198.51.100.41").start(fakeonelogin.PersonaLockedTOTP); rec.Code != http.StatusOK {
		t.Errorf("another address = %d, want 200", rec.Code)
	}
}

// TestUnlock_perDay: an account is unlocked here at most so often a day;
// past that the verified person is told to call the helpdesk.
func TestUnlock_perDay(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, func(p *config.PublicUnlock) { p.UnlocksPerDay = 1 })
	id := fakeonelogin.PersonaLockedTOTPID
	unlock := func() *httptest.ResponseRecorder {
		b := u.browser("198.51.100.50")
		b.choose(factorChoice(t, b.start(fakeonelogin.PersonaLockedTOTP), "authenticator"))
		return b.code(u.fake.Tenant.TOTP(id, u.clock.Now()))
	}
	if rec := unlock(); step(t, rec) != "done" {
		t.Fatalf("first unlock: %.500s", rec.Body.String())
	}
	// Locked again by failed sign-ins.
	for range 5 {
		u.fake.Tenant.RecordSignIn(fakeonelogin.SignIn{UserID: id, IP: "192.0.2.1"})
	}
	u.clock.Advance(time.Minute) // a fresh authenticator code
	rec := unlock()
	wantCode(t, rec, http.StatusTooManyRequests)
	if got := textOf(doc(t, rec), "[data-testid=unlock-message]"); !strings.Contains(got, "as often as this page allows") {
		t.Errorf("the second unlock says %q", got)
	}
	if n := u.unlockCalls(id); n != 1 {
		t.Errorf("%d unlock calls, want 1", n)
	}
}

// TestUnlock_quotaCeiling: the page spends at most its share of the
// tenant's hourly OneLogin quota; past it, everyone is asked to come back.
func TestUnlock_quotaCeiling(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{RateLimitPerHour: 400}, func(p *config.PublicUnlock) { p.QuotaShare = 1 })
	if _, err := u.ol.GetUser(context.Background(), fakeonelogin.PersonaAdminID); err != nil { // the client learns the quota
		t.Fatal(err)
	}
	// From several addresses, so that no address's fair part is what stops.
	for i, login := range []string{"a@example.com", "b@example.com"} {
		if rec := u.browser("198.51.100.6" + strconv.Itoa(i)).start(login); rec.Code != http.StatusOK {
			t.Fatalf("look-up %d = %d, want 200 within 1%% of 400 calls", i+1, rec.Code)
		}
	}
	calls := len(u.fake.Tenant.Calls())
	b := u.browser("198.51.100.69")
	rec := b.start(fakeonelogin.PersonaLockedSMS)
	wantCode(t, rec, http.StatusServiceUnavailable)
	if got := textOf(doc(t, rec), "[data-testid=unlock-message]"); !strings.HasPrefix(got, "This page is busy. Try again after") {
		t.Errorf("the page says %q", got)
	}
	if n := len(u.fake.Tenant.Calls()); n != calls {
		t.Errorf("past the ceiling the page made %d calls", n-calls)
	}
	if rec := b.start("c@example.com"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("an unknown account past the ceiling = %d, want the same 503", rec.Code)
	}
}
