// Package limitstest has an in-memory limits.Store for tests and the
// conformance suite every store passes.
package limitstest

import (
	"context"
	"sync"
	"time"

	"onelogin-helpdesk/limits"
)

// Memory is a limits.Store in memory.
type Memory struct {
	mu     sync.Mutex
	events map[string][]time.Time // oldest first
}

var _ limits.Store = (*Memory)(nil)

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{events: map[string][]time.Time{}} }

// inWindow drops key's events that left the window ending at now.
func (m *Memory) inWindow(key string, window time.Duration, now time.Time) []time.Time {
	ev := m.events[key]
	i := 0
	for i < len(ev) && !ev[i].After(now.Add(-window)) {
		i++
	}
	ev = ev[i:]
	m.events[key] = ev
	return ev
}

// Take implements limits.Store.
func (m *Memory) Take(_ context.Context, key string, max int, window time.Duration, now time.Time) (bool, time.Time, error) {
	if err := limits.Check(key, max, window); err != nil {
		return false, time.Time{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ev := m.inWindow(key, window, now)
	ok, retry := limits.Decide(ev, max, window, now)
	if ok {
		m.events[key] = append(ev, now)
	}
	return ok, retry, nil
}

// Count implements limits.Store.
func (m *Memory) Count(_ context.Context, key string, window time.Duration, now time.Time) (int, error) {
	if err := limits.Check(key, 0, window); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.inWindow(key, window, now)), nil
}
