// Package jobstest helps test bulk jobs: an in-memory jobs.Store, and the
// conformance suite every jobs.Store passes (sqlitestore's, and a
// PostgreSQL store's when there is one):
//
//	func TestMyStore(t *testing.T) {
//		jobstest.Conformance(t, func(t *testing.T) jobs.Store { return openEmpty(t) })
//	}
package jobstest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"onelogin-helpdesk/jobs"
)

// Memory is a jobs.Store in memory, for tests.
type Memory struct {
	mu    sync.Mutex
	jobs  map[string]*memJob
	order []string // creation order
}

type memJob struct {
	j     jobs.Job
	items []jobs.Item
}

var _ jobs.Store = (*Memory)(nil)

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{jobs: map[string]*memJob{}} }

func (m *Memory) view(mj *memJob) jobs.Job {
	j := mj.j
	j.Counts = jobs.Counts{}
	for _, it := range mj.items {
		j.Counts.Add(it.State)
	}
	return j
}

// CreateJob implements jobs.Store.
func (m *Memory) CreateJob(_ context.Context, j jobs.Job, people []jobs.Item) error {
	if strings.TrimSpace(j.ID) == "" || !j.Kind.Valid() || len(people) == 0 {
		return jobs.ErrInvalid
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.jobs[j.ID]; ok {
		return jobs.ErrExists
	}
	j.State, j.Ended, j.StoppedBy, j.Runs, j.Owner, j.LeaseUntil = jobs.StateRunning, time.Time{}, "", 0, "", time.Time{}
	j.Wait, j.WaitUntil, j.Counts = "", time.Time{}, jobs.Counts{}
	j.Created = j.Created.UTC()
	items := make([]jobs.Item, len(people))
	for i, p := range people {
		items[i] = jobs.Item{Seq: i + 1, TargetID: p.TargetID, Email: p.Email, Name: p.Name,
			State: jobs.ItemPending, Updated: j.Created}
	}
	m.jobs[j.ID] = &memJob{j: j, items: items}
	m.order = append(m.order, j.ID)
	return nil
}

// Job implements jobs.Store.
func (m *Memory) Job(_ context.Context, id string) (jobs.Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, ok := m.jobs[id]
	if !ok {
		return jobs.Job{}, jobs.ErrNotFound
	}
	return m.view(mj), nil
}

// Jobs implements jobs.Store.
func (m *Memory) Jobs(_ context.Context, limit int) ([]jobs.Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []jobs.Job
	for i := len(m.order) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, m.view(m.jobs[m.order[i]]))
	}
	return out, nil
}

// Items implements jobs.Store.
func (m *Memory) Items(_ context.Context, id string) ([]jobs.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, ok := m.jobs[id]
	if !ok {
		return nil, jobs.ErrNotFound
	}
	return slices.Clone(mj.items), nil
}

// Claim implements jobs.Store.
func (m *Memory) Claim(_ context.Context, owner string, now time.Time, ttl time.Duration) (jobs.Job, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range m.order {
		mj := m.jobs[id]
		if mj.j.State.Finished() || (mj.j.Owner != "" && mj.j.LeaseUntil.After(now)) {
			continue
		}
		mj.j.Owner, mj.j.LeaseUntil = owner, now.Add(ttl).UTC()
		mj.j.Runs++
		return m.view(mj), true, nil
	}
	return jobs.Job{}, false, nil
}

// held finds an unfinished job whose lease owner holds (at now, unless now
// is zero). Caller holds m.mu.
func (m *Memory) held(id, owner string, now time.Time) (*memJob, error) {
	mj, ok := m.jobs[id]
	switch {
	case !ok:
		return nil, jobs.ErrNotFound
	case mj.j.State.Finished():
		return nil, jobs.ErrFinished
	case mj.j.Owner != owner || (!now.IsZero() && !mj.j.LeaseUntil.After(now)):
		return nil, jobs.ErrLeaseLost
	}
	return mj, nil
}

// Renew implements jobs.Store.
func (m *Memory) Renew(_ context.Context, id, owner string, now time.Time, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, err := m.held(id, owner, time.Time{})
	if err != nil {
		return err
	}
	mj.j.LeaseUntil = now.Add(ttl).UTC()
	return nil
}

// Release implements jobs.Store.
func (m *Memory) Release(_ context.Context, id, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if mj, ok := m.jobs[id]; ok && mj.j.Owner == owner {
		mj.j.LeaseUntil = time.Time{}
		mj.j.Wait, mj.j.WaitUntil = "", time.Time{}
	}
	return nil
}

// Next implements jobs.Store.
func (m *Memory) Next(_ context.Context, id string) (jobs.Item, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, ok := m.jobs[id]
	if !ok {
		return jobs.Item{}, false, jobs.ErrNotFound
	}
	for _, it := range mj.items {
		if it.State == jobs.ItemPending {
			return it, true, nil
		}
	}
	return jobs.Item{}, false, nil
}

func item(mj *memJob, seq int) *jobs.Item {
	if seq < 1 || seq > len(mj.items) {
		return nil
	}
	return &mj.items[seq-1]
}

// StartItem implements jobs.Store.
func (m *Memory) StartItem(_ context.Context, id string, seq int, owner string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, err := m.held(id, owner, now)
	if err != nil {
		return err
	}
	it := item(mj, seq)
	if it == nil || it.State != jobs.ItemPending {
		return jobs.ErrItemState
	}
	it.State, it.Updated = jobs.ItemWorking, now.UTC()
	return nil
}

// FinishItem implements jobs.Store.
func (m *Memory) FinishItem(_ context.Context, id string, seq int, owner string, state jobs.ItemState, message string, now time.Time) error {
	if state != jobs.ItemPending && !state.Final() {
		return jobs.ErrInvalid
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, err := m.held(id, owner, time.Time{})
	if err != nil {
		return err
	}
	it := item(mj, seq)
	if it == nil || it.State != jobs.ItemWorking {
		return jobs.ErrItemState
	}
	it.State, it.Message, it.Updated = state, message, now.UTC()
	return nil
}

// SetWait implements jobs.Store.
func (m *Memory) SetWait(_ context.Context, id, owner string, why jobs.Wait, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, err := m.held(id, owner, time.Time{})
	if err != nil {
		return err
	}
	if why == "" {
		until = time.Time{}
	}
	mj.j.Wait, mj.j.WaitUntil = why, until.UTC()
	return nil
}

// RequestStop implements jobs.Store.
func (m *Memory) RequestStop(_ context.Context, id, by string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, ok := m.jobs[id]
	switch {
	case !ok:
		return jobs.ErrNotFound
	case mj.j.State.Finished():
		return jobs.ErrFinished
	case mj.j.State == jobs.StateRunning:
		mj.j.State, mj.j.StoppedBy = jobs.StateStopping, by
	}
	return nil
}

// End implements jobs.Store.
func (m *Memory) End(_ context.Context, id, owner string, state jobs.State, now time.Time) error {
	if !state.Finished() {
		return jobs.ErrInvalid
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, err := m.held(id, owner, time.Time{})
	if err != nil {
		return err
	}
	for i := range mj.items {
		if mj.items[i].State == jobs.ItemPending {
			mj.items[i].State, mj.items[i].Updated = jobs.ItemNotDone, now.UTC()
		}
	}
	mj.j.State, mj.j.Ended = state, now.UTC()
	mj.j.LeaseUntil, mj.j.Wait, mj.j.WaitUntil = time.Time{}, "", time.Time{}
	return nil
}
