package selfunlock_test

import (
	"context"
	"path/filepath"
	"testing"

	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/sqlitestore"
)

// TestService_flowsAcrossReplicas: with flows sealed in the state store, a
// person's steps may each land on another replica (no sticky sessions):
// started on one, the code chosen on a second, typed on the first, the
// account is unlocked once; the flow then ends on both.
func TestService_flowsAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "state.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys := [][]byte{[]byte("the console's first session key.")}
	var replicas [2]*selfunlock.Service
	b := newBenchWith(t, benchOptions{opts: func(o *selfunlock.Options) {
		o.Limits, o.Trail = st, sqliteTrail{st}
		if o.Flows, err = selfunlock.NewSealedStore(st, keys, o.Now); err != nil {
			t.Fatal(err)
		}
		other := *o
		if other.Flows, err = selfunlock.NewSealedStore(st, keys, o.Now); err != nil {
			t.Fatal(err)
		}
		if replicas[1], err = selfunlock.New(allFactors(t), other); err != nil {
			t.Fatal(err)
		}
	}})
	replicas[0] = b.s
	id, st0, err := replicas[0].Start(ctx, caller, fakeonelogin.PersonaLockedTOTP)
	if err != nil {
		t.Fatal(err)
	}
	st1, err := replicas[1].Choose(ctx, caller, id, choice(t, st0, "authenticator"))
	if err != nil || st1.Step != selfunlock.StepCode {
		t.Fatalf("Choose on the second replica = %+v, %v", st1, err)
	}
	done, err := replicas[0].Code(ctx, caller, id, b.tenant.TOTP(fakeonelogin.PersonaLockedTOTPID, b.clock.Now()), b.door)
	if err != nil || done.Step != selfunlock.StepDone || len(b.asked) != 1 {
		t.Fatalf("Code on the first replica = %+v, %v, door asked %d times", done, err, len(b.asked))
	}
	for i, r := range replicas {
		if _, err := r.Code(ctx, caller, id, "123456", b.door); err == nil || len(b.asked) != 1 {
			t.Errorf("replica %d took a step after the end: %v", i, err)
		}
	}
}
