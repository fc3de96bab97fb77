// Package directorytest has an in-memory directory.Store for tests and the
// conformance suite every directory.Store passes (sqlitestore, pgstore and
// the memory store run it).
package directorytest

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"onelogin-helpdesk/directory"
)

// Memory is a directory.Store in memory.
type Memory struct {
	mu     sync.Mutex
	rows   map[int64]directory.Change // the latest change per id, deletions included
	log    []directory.Change         // every change in sequence order
	seq    int64
	state  directory.SyncState
	owner  string
	leaseT time.Time
}

var _ directory.Store = (*Memory)(nil)

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{rows: map[int64]directory.Change{}} }

// PutPeople implements directory.Store.
func (m *Memory) PutPeople(_ context.Context, people []directory.Person) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range people {
		m.seq++
		if old, ok := m.rows[p.ID]; ok && !old.Deleted && old.Person.UpdatedAt.After(p.UpdatedAt) {
			old.Person.SyncedAt, old.Seq = p.SyncedAt, m.seq
			m.record(old)
			continue
		}
		m.record(directory.Change{Seq: m.seq, Person: p})
	}
	return nil
}

// DeletePeople implements directory.Store.
func (m *Memory) DeletePeople(_ context.Context, ids []int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.deleteLocked(id)
	}
	return nil
}

func (m *Memory) deleteLocked(id int64) {
	if old, ok := m.rows[id]; ok && !old.Deleted {
		m.seq++
		m.record(directory.Change{Seq: m.seq, Person: directory.Person{ID: id}, Deleted: true})
	}
}

func (m *Memory) record(c directory.Change) {
	m.rows[c.Person.ID] = c
	m.log = append(m.log, c)
}

// PruneUnsynced implements directory.Store.
func (m *Memory) PruneUnsynced(_ context.Context, before time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, c := range m.rows {
		if !c.Deleted && c.Person.SyncedAt.Before(before) {
			m.deleteLocked(id)
			n++
		}
	}
	return n, nil
}

// PeopleChanges implements directory.Store.
func (m *Memory) PeopleChanges(_ context.Context, after int64, limit int) ([]directory.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, _ := slices.BinarySearchFunc(m.log, after+1, func(c directory.Change, seq int64) int { return cmp.Compare(c.Seq, seq) })
	var out []directory.Change
	for _, c := range m.log[i:] {
		if len(out) == limit {
			break
		}
		if m.rows[c.Person.ID].Seq == c.Seq { // not superseded since
			out = append(out, c)
		}
	}
	return out, nil
}

// CountPeople implements directory.Store.
func (m *Memory) CountPeople(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range m.rows {
		if !c.Deleted {
			n++
		}
	}
	return n, nil
}

// SyncState implements directory.Store.
func (m *Memory) SyncState(context.Context) (directory.SyncState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stateLocked(), nil
}

func (m *Memory) stateLocked() directory.SyncState {
	st := m.state
	st.Owner, st.LeaseUntil = m.owner, m.leaseT
	return st
}

// ClaimSync implements directory.Store.
func (m *Memory) ClaimSync(_ context.Context, owner string, now time.Time, ttl time.Duration) (directory.SyncState, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.owner != "" && m.owner != owner && now.Before(m.leaseT) {
		return m.stateLocked(), false, nil
	}
	m.owner, m.leaseT = owner, now.Add(ttl)
	return m.stateLocked(), true, nil
}

// SaveSync implements directory.Store.
func (m *Memory) SaveSync(_ context.Context, owner string, now time.Time, st directory.SyncState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.owner != owner || !now.Before(m.leaseT) {
		return directory.ErrLeaseLost
	}
	st.Owner, st.LeaseUntil = "", time.Time{}
	m.state = st
	return nil
}

// ReleaseSync implements directory.Store.
func (m *Memory) ReleaseSync(_ context.Context, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.owner == owner {
		m.owner, m.leaseT = "", time.Time{}
	}
	return nil
}
