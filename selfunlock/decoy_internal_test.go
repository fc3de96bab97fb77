package selfunlock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"testing"
	"time"

	"onelogin-helpdesk/client"
)

// allKinds are every kind the page can check.
var allKinds = []client.FactorKind{client.FactorProtect, client.FactorAuthenticator, client.FactorSMS, client.FactorEmail, client.FactorYubiKey}

// realLists is a tenant's real lists: 60% OneLogin Protect alone, 25% an
// authenticator app alone, 15% Protect and a texted code.
var realLists = []struct {
	shape string
	share float64
}{{"protect", 0.60}, {"authenticator", 0.25}, {"protect+sms", 0.15}}

// learnt are the counts after n real lists of realLists were counted
// through the ShapeStore's bounds.
func learnt(t *testing.T, n int) *MemoryShapes {
	t.Helper()
	m := NewMemoryShapes()
	for _, r := range realLists {
		for range int(math.Round(r.share * float64(n))) {
			if err := m.CountFactorShape(context.Background(), r.shape, MaxShapes, MaxShapeTotal); err != nil {
				t.Fatal(err)
			}
		}
	}
	return m
}

func counts(t *testing.T, m *MemoryShapes) map[string]int {
	t.Helper()
	c, err := m.FactorShapes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// decoyShapes are the shapes of the decoys of n distinct unknown names.
func decoyShapes(n int, c map[string]int) []string {
	shapes := shapeWeights(c, allKinds)
	out := make([]string, n)
	for i := range out {
		out[i] = shapeOf(decoyFactors([]byte("test decoy key"), fmt.Sprintf("person%05d@example.com", i), shapes))
	}
	return out
}

// chiSquareCritical is the chi-square of 2 degrees of freedom that a fit
// exceeds by chance once in a thousand (the key is fixed, so the test
// cannot flake: this only says how sure it is).
const chiSquareCritical = 13.816

// TestDecoys_followTheRealLists: once real lists were counted, the decoys
// of 5,000 unknown names take the shapes of real lists in the same shares
// (a chi-square test at 0.1%; fewer than 1% take a shape no real list has,
// from the prior); with the fixed weights the decoys had before, they do
// not.
func TestDecoys_followTheRealLists(t *testing.T) {
	const names = 5000
	cases := []struct {
		name   string
		counts map[string]int
		fits   bool
	}{
		{"drawn from 6,000 real lists counted", counts(t, learnt(t, 6000)), true},
		{"drawn from the fixed prior alone", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seen := map[string]int{}
			for _, s := range decoyShapes(names, c.counts) {
				seen[s]++
			}
			in := 0
			for _, r := range realLists {
				in += seen[r.shape]
			}
			chi := 0.0
			for _, r := range realLists {
				want := r.share * float64(in)
				chi += (float64(seen[r.shape]) - want) * (float64(seen[r.shape]) - want) / want
			}
			other := float64(names-in) / names
			t.Logf("decoy shapes %v: chi-square %.2f (critical %.3f), %.2f%% of another shape", seen, chi, chiSquareCritical, 100*other)
			if fits := chi < chiSquareCritical && other < 0.01; fits != c.fits {
				t.Errorf("the decoys fit the real lists: %t, want %t (chi-square %.2f, %.2f%% of another shape)", fits, c.fits, chi, 100*other)
			}
		})
	}
}

// TestDecoys_stableWhileLearning: when 5% more real lists of one shape are
// counted, the decoys that change all change to that shape, and no more of
// them than its grown share says. Rendezvous hashing moves a name only if
// the grown shape now wins it: with W the weight before, w the shape's
// and d the weight added, a share of d(W-w)/(W(W+d)) moves, never more
// than d/(W+d) (4.8% for 5%). Allowed: that expectation plus four standard
// errors of 5,000 names.
func TestDecoys_stableWhileLearning(t *testing.T) {
	const names, before = 5000, 6000
	m := learnt(t, before)
	c0 := counts(t, m)
	old := decoyShapes(names, c0)
	const grown, added = "protect+sms", before / 20
	for range added {
		if err := m.CountFactorShape(context.Background(), grown, MaxShapes, MaxShapeTotal); err != nil {
			t.Fatal(err)
		}
	}
	W, w := 0.0, 0.0
	for _, s := range shapeWeights(c0, allKinds) {
		if W += s.weight; s.key == grown {
			w = s.weight
		}
	}
	expected := added * (W - w) / (W * (W + added))
	allowed := expected + 4*math.Sqrt(expected*(1-expected)/names)

	moved, elsewhere := 0, 0
	for i, s := range decoyShapes(names, counts(t, m)) {
		if s == old[i] {
			continue
		}
		if moved++; s != grown {
			elsewhere++
		}
	}
	share := float64(moved) / names
	t.Logf("%.2f%% of names kept their list (%.2f%% moved; expected %.2f%%, allowed %.2f%%)", 100*(1-share), 100*share, 100*expected, 100*allowed)
	if share > allowed {
		t.Errorf("%.2f%% of names changed list, want at most %.2f%%", 100*share, 100*allowed)
	}
	if elsewhere > 0 {
		t.Errorf("%d names changed to a shape other than the one that grew", elsewhere)
	}
}

// TestDecoys_onlyTheAllowedKinds: a shape counted with a kind the page no
// longer checks shows as what the page would show for it now, and a list
// of kinds it does not check at all is never drawn.
func TestDecoys_onlyTheAllowedKinds(t *testing.T) {
	c := map[string]int{"protect+yubikey": 5000, "yubikey": 5000, "sms": 1}
	allowed := []client.FactorKind{client.FactorProtect, client.FactorSMS}
	for i := range 500 {
		for _, f := range decoyFactors([]byte("k"), fmt.Sprintf("n%d", i), shapeWeights(c, allowed)) {
			if f.kind != client.FactorProtect && f.kind != client.FactorSMS {
				t.Fatalf("a decoy offers %v, which the page does not check", f.kind)
			}
		}
	}
	for _, s := range shapeWeights(map[string]int{"voice": 9, "protect+protect+sms+sms+email": 9}, allKinds) {
		if s.key == "voice" || len(s.kinds) > maxFactors {
			t.Errorf("an unknown or overlong shape %q is drawn from", s.key)
		}
	}
}

// readsCounted is a ShapeStore that counts its reads and fails them on
// demand.
type readsCounted struct {
	*MemoryShapes
	reads int
	fail  bool
}

func (r *readsCounted) FactorShapes(ctx context.Context) (map[string]int, error) {
	r.reads++
	if r.fail {
		return nil, errors.New("the store is down")
	}
	return r.MemoryShapes.FactorShapes(ctx)
}

// TestShapeCache_readsOncePerMinute: however many decoys are drawn, the
// counts are read from the store once every shapesFresh; a failed read
// keeps the counts read before.
func TestShapeCache_readsOncePerMinute(t *testing.T) {
	ctx := context.Background()
	store := &readsCounted{MemoryShapes: learnt(t, 100)}
	c := shapeCache{store: store}
	log := slog.New(slog.DiscardHandler)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 10000 {
		c.current(ctx, t0.Add(time.Duration(i)*(shapesFresh-time.Millisecond)/10000), log)
	}
	if store.reads != 1 {
		t.Errorf("10,000 decoys within a minute read the store %d times, want once", store.reads)
	}
	store.fail = true
	got := c.current(ctx, t0.Add(shapesFresh), log)
	if store.reads != 2 || got["protect"] != 60 {
		t.Errorf("after a minute, a failing store: %d reads, counts %v; want a second read and the counts read before", store.reads, got)
	}
	c.current(ctx, t0.Add(shapesFresh+time.Second), log)
	if store.reads != 2 {
		t.Error("a failed read was tried again at once, not a minute later")
	}
}
