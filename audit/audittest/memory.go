package audittest

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"onelogin-helpdesk/audit"
)

// Memory is a audit.Store held in memory, for tests of other packages. It applies
// the same validation as SQLiteStore, so a test against Memory catches a
// secret parameter just as production would.
type Memory struct {
	mu      sync.Mutex
	records []audit.Record // in id order
	lastID  int64
	log     *slog.Logger
	now     func() time.Time
	closed  bool
}

var (
	_ audit.Store  = (*Memory)(nil)
	_ audit.Pruner = (*Memory)(nil)
)

// NewMemory returns an empty in-memory store. logger may be nil.
func NewMemory(logger *slog.Logger, opts ...audit.Option) *Memory {
	o := audit.NewOptions(opts)
	return &Memory{log: audit.OrDiscard(logger), now: o.Now}
}

// Begin implements audit.Store.
func (m *Memory) Begin(ctx context.Context, rec audit.Record) (int64, error) {
	rec, err := audit.Prepare(rec, m.now())
	if err != nil {
		return 0, err
	}
	return m.collapseOrAppend(ctx, rec, func() (int64, bool) { return 0, false })
}

// collapseOrAppend appends rec, prepared, unless collapse (run under the
// lock) finds an earlier record to count it into: found, with its id. Only
// a new record is logged.
func (m *Memory) collapseOrAppend(ctx context.Context, rec audit.Record, collapse func() (id int64, found bool)) (int64, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return 0, audit.ErrClosed
	}
	if id, found := collapse(); found {
		m.mu.Unlock()
		return id, nil
	}
	m.lastID++
	rec.ID = m.lastID
	m.records = append(m.records, rec)
	m.mu.Unlock()
	audit.LogBegin(ctx, m.log, rec)
	return rec.ID, nil
}

// find is the index of the record with id, or -1.
func (m *Memory) find(id int64) int {
	i, ok := slices.BinarySearchFunc(m.records, id, func(r audit.Record, id int64) int { return cmp.Compare(r.ID, id) })
	if !ok {
		return -1
	}
	return i
}

// DeleteBefore implements audit.Pruner.
func (m *Memory) DeleteBefore(_ context.Context, cutoff time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, audit.ErrClosed
	}
	before := len(m.records)
	m.records = slices.DeleteFunc(m.records, func(r audit.Record) bool { return r.Time.Before(cutoff) })
	return int64(before - len(m.records)), nil
}

// Complete implements audit.Store.
func (m *Memory) Complete(ctx context.Context, id int64, res audit.Result) error {
	res, err := audit.PrepareResult(res)
	if err != nil {
		return err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return audit.ErrClosed
	}
	i := m.find(id)
	if i < 0 {
		m.mu.Unlock()
		return audit.NotPending(id, "")
	}
	r := &m.records[i]
	if r.Outcome != audit.OutcomePending {
		m.mu.Unlock()
		return audit.NotPending(id, r.Outcome)
	}
	r.Outcome, r.Status, r.Message = res.Outcome, res.Status, res.Message
	if res.TargetID > 0 {
		r.TargetID = res.TargetID
	}
	r.CompletedAt = m.now().UTC()
	m.mu.Unlock()
	audit.LogComplete(ctx, m.log, id, res)
	return nil
}

// copyRecord keeps callers from mutating the stored params map.
func copyRecord(r audit.Record) audit.Record {
	r.Params = maps.Clone(r.Params)
	return r
}

// List implements audit.Store.
func (m *Memory) List(_ context.Context, f audit.Filter) (audit.Page, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return audit.Page{}, audit.ErrClosed
	}
	limit := f.PageSize()
	var p audit.Page
	for i := len(m.records) - 1; i >= 0; i-- {
		r := m.records[i]
		if !f.Match(r) || f.Before > 0 && r.ID >= f.Before {
			continue
		}
		if len(p.Records) == limit {
			p.Next = p.Records[limit-1].ID
			break
		}
		p.Records = append(p.Records, copyRecord(r))
	}
	return p, nil
}

// ForTarget implements audit.Store.
func (m *Memory) ForTarget(_ context.Context, targetID int64, limit int) ([]audit.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, audit.ErrClosed
	}
	limit = audit.Filter{Limit: limit}.PageSize()
	var out []audit.Record
	for i := len(m.records) - 1; i >= 0 && len(out) < limit; i-- {
		if m.records[i].TargetID == targetID {
			out = append(out, copyRecord(m.records[i]))
		}
	}
	return out, nil
}

// PendingBefore implements audit.PendingLister.
func (m *Memory) PendingBefore(_ context.Context, cutoff time.Time, limit int) ([]audit.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, audit.ErrClosed
	}
	limit = audit.Filter{Limit: limit}.PageSize()
	var out []audit.Record
	for _, r := range m.records {
		if len(out) < limit && r.Outcome == audit.OutcomePending && r.Time.UnixMicro() < cutoff.UnixMicro() {
			out = append(out, copyRecord(r))
		}
	}
	return out, nil
}

// ExportCSV implements audit.Store.
func (m *Memory) ExportCSV(_ context.Context, f audit.Filter, w io.Writer) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return audit.ErrClosed
	}
	var matched []audit.Record
	for i := len(m.records) - 1; i >= 0; i-- {
		if f.Match(m.records[i]) {
			matched = append(matched, copyRecord(m.records[i]))
		}
	}
	m.mu.Unlock()
	return audit.WriteCSV(w, func(yield func(audit.Record, error) bool) {
		for _, r := range matched {
			if !yield(r, nil) {
				return
			}
		}
	})
}

// Close implements audit.Store.
func (m *Memory) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}

// Records returns every record, oldest first, for assertions in tests.
func (m *Memory) Records() []audit.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]audit.Record, len(m.records))
	for i, r := range m.records {
		out[i] = copyRecord(r)
	}
	return out
}

// Deny implements audit.Store.
func (m *Memory) Deny(ctx context.Context, rec audit.Record, within time.Duration) (int64, error) {
	rec, err := audit.PrepareDenial(rec, m.now())
	if err != nil {
		return 0, err
	}
	return m.collapseOrAppend(ctx, rec, func() (int64, bool) {
		// Only the newest same refusal may take the repeat.
		for i := len(m.records) - 1; i >= 0; i-- {
			r := &m.records[i]
			if !audit.SameRefusal(*r, rec) {
				continue
			}
			if rec.Time.Sub(r.Time) >= within {
				return 0, false
			}
			r.Repeats++
			r.LastAt = rec.Time
			return r.ID, true
		}
		return 0, false
	})
}

// Last implements audit.Store.
func (m *Memory) Last(_ context.Context, targetID int64, kinds ...audit.Kind) (audit.Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return audit.Record{}, false, audit.ErrClosed
	}
	for i := len(m.records) - 1; i >= 0; i-- {
		r := m.records[i]
		if r.TargetID == targetID && audit.Picks(kinds, r) {
			return copyRecord(r), true, nil
		}
	}
	return audit.Record{}, false, nil
}
