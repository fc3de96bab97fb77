package sessionstest

import (
	"context"
	"slices"
	"sync"
	"time"

	"onelogin-helpdesk/sessions"
)

// Memory is a sessions.Store (and sessions.Blocks) in one process's memory,
// for tests; the console always keeps sessions in its state store.
type Memory struct {
	mu     sync.Mutex
	m      map[string]sessions.Session
	blocks map[string]sessions.Block // by EmailKey
}

var _ sessions.Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{m: map[string]sessions.Session{}} }

// SaveSession implements sessions.Store.
func (m *Memory) SaveSession(_ context.Context, s sessions.Session) error {
	s, err := sessions.Prepare(s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[s.ID] = s
	return nil
}

// Session implements sessions.Store.
func (m *Memory) Session(_ context.Context, id string) (sessions.Session, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.m[id]
	s.Groups = slices.Clone(s.Groups)
	return s, ok, nil
}

// TouchSession implements sessions.Store.
func (m *Memory) TouchSession(_ context.Context, id string, seen time.Time, ip string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.m[id]; ok {
		s.Seen, s.SourceIP = seen.UTC().Truncate(time.Microsecond), ip
		m.m[id] = s
	}
	return nil
}

// DeleteSession implements sessions.Store.
func (m *Memory) DeleteSession(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.m[id]
	delete(m.m, id)
	return ok, nil
}

// DeleteSessionsOf implements sessions.Store.
func (m *Memory) DeleteSessionsOf(_ context.Context, email, except string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, s := range m.m {
		if id != except && sessions.EmailKey(s.Email) == sessions.EmailKey(email) {
			delete(m.m, id)
			n++
		}
	}
	return n, nil
}

// ListSessions implements sessions.Store.
func (m *Memory) ListSessions(context.Context) ([]sessions.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]sessions.Session, 0, len(m.m))
	for _, s := range m.m {
		s.Groups = slices.Clone(s.Groups)
		out = append(out, s)
	}
	sessions.Sort(out)
	return out, nil
}

// DeleteSessionsBefore implements sessions.Store.
func (m *Memory) DeleteSessionsBefore(_ context.Context, seenBefore, createdBefore time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, s := range m.m {
		if s.Seen.Before(seenBefore) || s.Created.Before(createdBefore) {
			delete(m.m, id)
			n++
		}
	}
	return n, nil
}

var _ sessions.Blocks = (*Memory)(nil)

// SaveBlock implements sessions.Blocks.
func (m *Memory) SaveBlock(_ context.Context, b sessions.Block) error {
	b, err := sessions.PrepareBlock(b)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.blocks == nil {
		m.blocks = map[string]sessions.Block{}
	}
	m.blocks[sessions.EmailKey(b.Email)] = b
	return nil
}

// BlockOf implements sessions.Blocks.
func (m *Memory) BlockOf(_ context.Context, email string, now time.Time) (sessions.Block, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blocks[sessions.EmailKey(email)]
	if !ok || !b.Until.After(now) {
		return sessions.Block{}, false, nil
	}
	return b, true, nil
}

// DeleteBlock implements sessions.Blocks.
func (m *Memory) DeleteBlock(_ context.Context, email string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.blocks[sessions.EmailKey(email)]
	delete(m.blocks, sessions.EmailKey(email))
	return ok, nil
}

// ListBlocks implements sessions.Blocks.
func (m *Memory) ListBlocks(_ context.Context, now time.Time) ([]sessions.Block, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []sessions.Block
	for _, b := range m.blocks {
		if b.Until.After(now) {
			out = append(out, b)
		}
	}
	sessions.SortBlocks(out)
	return out, nil
}
