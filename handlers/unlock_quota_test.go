package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
)

// TestUnlock_everyCallCountsInThePageShare: each step of the public page
// counts in the page's share of the OneLogin quota at least the calls it
// made, the verified unlock included, so what anonymous traffic spends is
// what the share says.
func TestUnlock_everyCallCountsInThePageShare(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	id := fakeonelogin.PersonaLockedTOTPID
	b := u.browser("198.51.100.7")
	counted := func() int {
		n, err := u.limits.Count(context.Background(), "unlock-onelogin:tenant", time.Hour, u.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	calls := func() int {
		n := 0
		for _, c := range u.fake.Tenant.Calls() {
			if strings.HasPrefix(c.Path, "/api/") {
				n++
			}
		}
		return n
	}
	steps := []struct {
		name string
		do   func() *http.Response
	}{
		{"look-up", func() *http.Response { return b.start(fakeonelogin.PersonaLockedTOTP).Result() }},
		{"choice", func() *http.Response { return b.choose(factorChoice(t, b.last, "authenticator")).Result() }},
		{"code and unlock", func() *http.Response {
			code := u.fake.Tenant.TOTP(id, u.clock.Now())
			return b.code(code).Result()
		}},
	}
	for _, s := range steps {
		c0, n0 := calls(), counted()
		if res := s.do(); res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", s.name, res.StatusCode)
		}
		if made, spent := calls()-c0, counted()-n0; spent < made {
			t.Errorf("%s: %d OneLogin calls made, %d counted in the page's share", s.name, made, spent)
		}
	}
	if got, _ := u.fake.Tenant.User(id); got.Status != fakeonelogin.StatusActive {
		t.Errorf("status at OneLogin = %d, want active", got.Status)
	}
}
