package selfunlock

import (
	"context"
	"crypto/rand"
	"strconv"
	"sync"
	"time"

	"onelogin-helpdesk/client"
)

const (
	// FlowTTL is how long a flow lives from its start: long enough to find
	// a phone and read a code, short enough to be one sitting.
	FlowTTL = 15 * time.Minute
	// maxFlows bounds the flows a MemoryStore keeps at once; past it the
	// page asks people to come back later rather than grow without end.
	maxFlows = 10000
	// SweepEvery is how often the console sweeps expired flows from its
	// Store (RunSweeper): an expired flow is refused at once, this only
	// bounds how long its bytes stay.
	SweepEvery = time.Minute
)

// Flow is one person's way through the steps, kept on the server: the
// caller holds only its id. Its mutex is held for a whole step, OneLogin
// calls included, so a poll and a click never verify or unlock twice.
type Flow struct {
	mu sync.Mutex
	id string
	// version is the SealedStore's: a step saves only if it is unchanged.
	version int64

	login string // as typed; the unverified claimant in the audit trail
	ua    string // user agent at the start
	// key is whose allowances the flow uses: the account's id when there
	// is one to act on, otherwise the typed login.
	key string
	// route says, for the audit trail only, why the flow is real or a decoy.
	route string
	// user is the account to unlock once verified; nil for a decoy, which
	// shows made-up factors and never verifies.
	user    *client.User
	factors []Factor

	chosen int // index into factors; -1 before a choice
	// ch is what was sent for the chosen factor; its state token is a secret.
	ch Challenge
	// broken is set when the trigger failed: the step looks the same, and
	// verification fails as a decoy's does.
	broken   bool
	lastPoll time.Time
	settled  bool // a push's final outcome is recorded
	done     bool // verified: the flow ends whatever the unlock does
}

// Step is the step a State shows.
type Step int

const (
	StepStart  Step = iota // type a username or email
	StepChoose             // choose a factor
	StepCode               // type a code
	StepPush               // approve the push
	StepDone               // verified and unlocked
)

// State is what a step shows of its flow; it holds no secret.
type State struct {
	Step    Step
	Login   string
	Factors []Offer
	// Chosen indexes Factors; -1 when none is chosen.
	Chosen int
	// Expires is when the code or push sent for the chosen factor
	// expires; zero when nothing is sent for it.
	Expires time.Time
	// Error is what is wrong with what was typed or chosen, for beside
	// the form; the step was not taken.
	Error string
	// Notice is a push's news: still Pending, or denied or expired (then
	// Step is StepChoose).
	Notice  string
	Pending bool
	// Ended is set once the person has verified: the flow is gone, and
	// its id with it.
	Ended bool
}

// Offer is a factor as offered: its Choice is what Choose takes.
type Offer struct {
	Choice, Name, Label string
}

// state is f's State at step.
func (f *Flow) state(step Step) State {
	st := State{Step: step, Login: f.login, Chosen: f.chosen}
	for i, fa := range f.factors {
		st.Factors = append(st.Factors, Offer{Choice: strconv.Itoa(i + 1), Name: fa.Name(), Label: fa.label})
	}
	if f.chosen >= 0 && f.factors[f.chosen].NeedsTrigger() {
		st.Expires = f.ch.Expires
	}
	return st
}

// Store keeps the flows between steps: MemoryStore in one process,
// SealedStore in the state store for replicas.
type Store interface {
	// Add keeps f under a new random id for FlowTTL; false when the store
	// is full.
	Add(ctx context.Context, f *Flow) (id string, ok bool, err error)
	// Get is the live flow with the id.
	Get(ctx context.Context, id string) (*Flow, bool, error)
	// Put saves f, as Get gave it and a step changed it; false when
	// another step saved or removed the flow meanwhile.
	Put(ctx context.Context, f *Flow) (bool, error)
	Remove(ctx context.Context, id string) error
	// Sweep forgets the flows expired by now; RunSweeper calls it on a
	// timer, so they go without a request arriving.
	Sweep(ctx context.Context) error
}

// MemoryStore keeps flows in memory: a flow is one sitting, and a restart
// only sends people back to the first step. (Behind several replicas, the
// page needs sticky sessions.) Expired flows are forgotten by Sweep and
// when the store is full; at most maxFlows are kept.
type MemoryStore struct {
	mu    sync.Mutex
	flows map[string]memoryFlow
	now   func() time.Time
}

type memoryFlow struct {
	f       *Flow
	expires time.Time
}

// NewMemoryStore is an empty store on the clock now.
func NewMemoryStore(now func() time.Time) *MemoryStore {
	return &MemoryStore{flows: map[string]memoryFlow{}, now: now}
}

// Add implements Store.
func (s *MemoryStore) Add(_ context.Context, f *Flow) (string, bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.flows) >= maxFlows {
		s.sweepLocked(now)
	}
	if len(s.flows) >= maxFlows {
		return "", false, nil
	}
	id := rand.Text()
	s.flows[id] = memoryFlow{f: f, expires: now.Add(FlowTTL)}
	f.id = id
	return id, true, nil
}

// Len is how many flows the store holds, expired ones not yet swept
// included.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.flows)
}

// Sweep implements Store.
func (s *MemoryStore) Sweep(context.Context) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	return nil
}

// sweepLocked forgets the flows expired at now.
func (s *MemoryStore) sweepLocked(now time.Time) {
	for id, old := range s.flows {
		if !now.Before(old.expires) {
			delete(s.flows, id)
		}
	}
}

// Get implements Store.
func (s *MemoryStore) Get(_ context.Context, id string) (*Flow, bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.flows[id]
	if !ok {
		return nil, false, nil
	}
	if !now.Before(m.expires) {
		delete(s.flows, id)
		return nil, false, nil
	}
	return m.f, true, nil
}

// Put implements Store: the flow is the one held, and its mutex has kept
// other steps out; it is saved unless it went.
func (s *MemoryStore) Put(_ context.Context, f *Flow) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.flows[f.id]
	return ok && m.f == f, nil
}

// Remove implements Store.
func (s *MemoryStore) Remove(_ context.Context, id string) error {
	s.mu.Lock()
	delete(s.flows, id)
	s.mu.Unlock()
	return nil
}
