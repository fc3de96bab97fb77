package selfunlock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"onelogin-helpdesk/client"
)

// The shapes of factor lists: the kinds a real list shows, in its order
// ("protect", "protect+sms", "authenticator"), and nothing else of it (no
// device, no number). The page counts the shapes of the real lists it shows,
// in the state store, and draws its decoys from those counts, so that a
// made-up list is as likely as a real one to look the way it does.

const (
	// MaxShapes is how many shapes a ShapeStore keeps: a new shape past it
	// is dropped (a list that rare makes a decoy no likelier).
	MaxShapes = 64
	// MaxShapeTotal bounds the counts: when they add up to more, every
	// count is halved, so the table follows what is enrolled now and its
	// numbers stay small.
	MaxShapeTotal = 10000
	// maxShapeLen is the longest shape: maxFactors of the longest name.
	maxShapeLen = maxFactors * len("authenticator+")
	// shapesFresh is how long the counts a Service read serve its decoys.
	// Decoys are drawn for anonymous look-ups: a store read for each would
	// let anyone load the store at the page's pace, and the counts move
	// slowly, so a minute late changes nothing a visitor can see.
	shapesFresh = time.Minute
	// learnEvery is how often one account's list is counted: a person
	// coming back, or someone looking one account up again and again,
	// does not tilt the counts.
	learnEvery = 24 * time.Hour
)

// ShapeStore keeps how often each shape of a real factor list was seen,
// for every replica and across restarts. sqlitestore and pgstore have it;
// NewMemoryShapes keeps the counts of one process.
type ShapeStore interface {
	// CountFactorShape adds one to shape's count: a new shape only while
	// fewer than maxShapes are kept. When the counts then add up to more
	// than maxTotal, every count is halved and those that reach nought
	// go. Bad arguments (CheckShape) are an error and change nothing.
	CountFactorShape(ctx context.Context, shape string, maxShapes, maxTotal int) error
	// FactorShapes are the counts kept, by shape.
	FactorShapes(ctx context.Context) (map[string]int, error)
}

// CheckShape is the ShapeStore's check of CountFactorShape's arguments.
func CheckShape(shape string, maxShapes, maxTotal int) error {
	switch {
	case shape == "" || len(shape) > maxShapeLen:
		return fmt.Errorf("factor shapes: a shape is 1 to %d bytes, not %d", maxShapeLen, len(shape))
	case maxShapes < 1 || maxTotal < 1:
		return errors.New("factor shapes: the bounds must be positive")
	}
	return nil
}

// kindName is the settings' name of k ("protect", "sms"), "" for a kind
// the page cannot check.
func kindName(k client.FactorKind) string {
	for name, kk := range factorKinds {
		if kk == k {
			return name
		}
	}
	return ""
}

// shapeOf is the shape of a factor list as the page shows it.
func shapeOf(factors []Factor) string {
	names := make([]string, len(factors))
	for i, f := range factors {
		names[i] = kindName(f.kind)
	}
	return strings.Join(names, "+")
}

// parseShape reads a stored shape; ok is false for one this program does
// not know (a newer one's kind, or a damaged row), which is then left out.
func parseShape(shape string) (kinds []client.FactorKind, ok bool) {
	names := strings.Split(shape, "+")
	if len(names) > maxFactors {
		return nil, false
	}
	for _, n := range names {
		k, ok := factorKinds[n]
		if !ok {
			return nil, false
		}
		kinds = append(kinds, k)
	}
	return kinds, true
}

// priorShapes are how often lists of each shape were guessed to be
// enrolled, before any was seen: scaled to priorMass counts, they give a
// fresh install plausible decoys, and fade as real lists are counted.
var priorShapes = map[string]float64{
	"protect": 36, "authenticator": 18, "sms": 10, "email": 5, "yubikey": 2,
	"protect+sms": 12, "protect+authenticator": 8, "authenticator+sms": 4, "protect+email": 3, "sms+email": 2,
}

// priorMass is how many real lists the prior is worth.
const priorMass = 20

// weightedShape is a shape a decoy may take and its weight.
type weightedShape struct {
	key    string // the shape, as kept
	kinds  []client.FactorKind
	weight float64
}

// shapeWeights are the shapes decoys are drawn from: the counts seen plus
// the prior, each shape cut to the allowed kinds (what the page would show
// for such an account now), in a fixed order.
func shapeWeights(counts map[string]int, allowed []client.FactorKind) []weightedShape {
	w := map[string]float64{}
	for shape, p := range priorShapes {
		w[shape] += p * priorMass / 100
	}
	for shape, n := range counts {
		w[shape] += float64(max(n, 0))
	}
	byKey := map[string]*weightedShape{}
	for shape, weight := range w {
		kinds, ok := parseShape(shape)
		if !ok || weight <= 0 {
			continue
		}
		kinds = slices.DeleteFunc(kinds, func(k client.FactorKind) bool { return !slices.Contains(allowed, k) })
		if len(kinds) == 0 {
			continue
		}
		key := shapeOf(factorsOfKinds(kinds))
		if ws, ok := byKey[key]; ok {
			ws.weight += weight
			continue
		}
		byKey[key] = &weightedShape{key: key, kinds: kinds, weight: weight}
	}
	out := make([]weightedShape, 0, len(byKey))
	for _, ws := range byKey {
		out = append(out, *ws)
	}
	slices.SortFunc(out, func(a, b weightedShape) int { return strings.Compare(a.key, b.key) })
	return out
}

func factorsOfKinds(kinds []client.FactorKind) []Factor {
	out := make([]Factor, len(kinds))
	for i, k := range kinds {
		out[i].kind = k
	}
	return out
}

// shapeCache is a Service's copy of the counts, read again at most every
// shapesFresh.
type shapeCache struct {
	store ShapeStore
	mu    sync.Mutex
	read  time.Time
	// counts are the last read; nil until a read succeeds, when the prior
	// alone serves.
	counts map[string]int
}

// current are the counts to draw from: the copy, read again when it is
// older than shapesFresh. A failed read keeps the copy (and is logged):
// decoys never fail where a real list would not.
func (c *shapeCache) current(ctx context.Context, now time.Time, log *slog.Logger) map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if age := now.Sub(c.read); !c.read.IsZero() && age >= 0 && age < shapesFresh {
		return c.counts
	}
	c.read = now
	counts, err := c.store.FactorShapes(ctx)
	if err != nil {
		log.WarnContext(ctx, "public unlock: factor shapes unreadable; decoys keep the last ones read", "error", err)
		return c.counts
	}
	c.counts = counts
	return counts
}

// MemoryShapes is a ShapeStore in memory: one process's counts, gone on
// restart.
type MemoryShapes struct {
	mu     sync.Mutex
	counts map[string]int
}

// NewMemoryShapes is an empty MemoryShapes.
func NewMemoryShapes() *MemoryShapes { return &MemoryShapes{counts: map[string]int{}} }

// CountFactorShape implements ShapeStore.
func (m *MemoryShapes) CountFactorShape(_ context.Context, shape string, maxShapes, maxTotal int) error {
	if err := CheckShape(shape, maxShapes, maxTotal); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.counts[shape]; !ok && len(m.counts) >= maxShapes {
		return nil
	}
	m.counts[shape]++
	total := 0
	for _, n := range m.counts {
		total += n
	}
	if total <= maxTotal {
		return nil
	}
	for s, n := range m.counts {
		if m.counts[s] = n / 2; n/2 == 0 {
			delete(m.counts, s)
		}
	}
	return nil
}

// FactorShapes implements ShapeStore.
func (m *MemoryShapes) FactorShapes(context.Context) (map[string]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.counts), nil
}
