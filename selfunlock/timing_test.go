package selfunlock_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/selfunlock"
)

// slowOneLogin is OneLogin as far away as a real tenant: every call takes
// latency (in the test's bubble, virtual time).
type slowOneLogin struct {
	selfunlock.OneLogin
	latency time.Duration
}

func (s slowOneLogin) ListUsers(ctx context.Context, q client.ListUsersQuery) ([]client.User, client.Page, error) {
	time.Sleep(s.latency)
	return s.OneLogin.ListUsers(ctx, q)
}

func (s slowOneLogin) OTPDevices(ctx context.Context, id int64) ([]client.OTPDevice, error) {
	time.Sleep(s.latency)
	return s.OneLogin.OTPDevices(ctx, id)
}

// TestService_answersTakeTheSameTime: a look-up of a locked account asks
// OneLogin twice, of an unknown or unlocked one once; over many tries the
// answers take the same time, whatever the account.
func TestService_answersTakeTheSameTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBenchWith(t, benchOptions{cfg: func(c *config.PublicUnlock) { c.PerIP = 100000 },
			opts: func(o *selfunlock.Options) { o.OneLogin = slowOneLogin{o.OneLogin, 150 * time.Millisecond} }})
		ctx := context.Background()
		took := map[string][]time.Duration{}
		kinds := []struct{ kind, login string }{
			{"locked", fakeonelogin.PersonaLockedTOTP},
			{"unknown", "ghost%d@example.com"},
			{"not locked", fakeonelogin.PersonaNoRoles},
		}
		for i := range 60 {
			for _, k := range kinds {
				login := k.login
				if k.kind == "unknown" {
					login = fmt.Sprintf(login, i)
				}
				who := caller
				who.IP = fmt.Sprintf("192.0.2.%d", i%200)
				begun := time.Now()
				if _, _, err := b.s.Start(ctx, who, login); err != nil {
					t.Fatalf("%s: %v", login, err)
				}
				took[k.kind] = append(took[k.kind], time.Since(begun))
				b.clock.Advance(time.Minute)
			}
		}
		mean := func(ds []time.Duration) time.Duration {
			var sum time.Duration
			for _, d := range ds {
				sum += d
			}
			return sum / time.Duration(len(ds))
		}
		locked := mean(took["locked"])
		if locked < 300*time.Millisecond {
			t.Fatalf("a locked account's look-up took %s, want the two calls' 300ms: the test measures nothing", locked)
		}
		for kind, ds := range took {
			if m := mean(ds); m < locked-locked/100 || m > locked+locked/100 {
				t.Errorf("%s accounts: mean %s, locked ones %s; want within 1%%", kind, m, locked)
			}
			for i, d := range ds {
				if d < 300*time.Millisecond {
					t.Errorf("%s account, try %d: %s, faster than the slow path", kind, i, d)
				}
			}
		}
	})
}
