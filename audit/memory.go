package audit

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"
)

// Memory is a Store held in memory, for tests of other packages. It applies
// the same validation as SQLiteStore, so a test against Memory catches a
// secret parameter just as production would.
type Memory struct {
	mu      sync.Mutex
	records []Record // in id order; id = index+1
	log     *slog.Logger
	now     func() time.Time
	closed  bool
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store. logger may be nil.
func NewMemory(logger *slog.Logger, opts ...Option) *Memory {
	o := buildOptions(opts)
	return &Memory{log: orDiscard(logger), now: o.now}
}

// Begin implements Store.
func (m *Memory) Begin(ctx context.Context, rec Record) (int64, error) {
	rec, err := prepare(rec, m.now())
	if err != nil {
		return 0, err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return 0, ErrClosed
	}
	rec.ID = int64(len(m.records) + 1)
	m.records = append(m.records, rec)
	m.mu.Unlock()
	logBegin(ctx, m.log, rec)
	return rec.ID, nil
}

// Complete implements Store.
func (m *Memory) Complete(ctx context.Context, id int64, res Result) error {
	res, err := prepareResult(res)
	if err != nil {
		return err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	if id < 1 || id > int64(len(m.records)) {
		m.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	r := &m.records[id-1]
	if r.Outcome != OutcomePending {
		m.mu.Unlock()
		return fmt.Errorf("%w: %d is %s", ErrCompleted, id, r.Outcome)
	}
	r.Outcome, r.Status, r.Message = res.Outcome, res.Status, res.Message
	if res.TargetID > 0 {
		r.TargetID = res.TargetID
	}
	r.CompletedAt = m.now().UTC()
	m.mu.Unlock()
	logComplete(ctx, m.log, id, res)
	return nil
}

func (f Filter) match(r Record, withCursor bool) bool {
	if a := strings.TrimSpace(f.Actor); a != "" && !strings.EqualFold(a, r.ActorEmail) {
		return false
	}
	if id, ok := f.targetID(); ok {
		if r.TargetID != id {
			return false
		}
	} else if t := strings.TrimSpace(f.Target); t != "" && !strings.EqualFold(t, r.TargetEmail) {
		return false
	}
	if f.Action != "" && f.Action != r.Action {
		return false
	}
	if f.Outcome != "" && f.Outcome != r.Outcome {
		return false
	}
	// Compare at microsecond precision, as SQLite stores it.
	t := r.Time.UnixMicro()
	if !f.From.IsZero() && t < f.From.UnixMicro() {
		return false
	}
	if !f.To.IsZero() && t >= f.To.UnixMicro() {
		return false
	}
	if withCursor && f.Before > 0 && r.ID >= f.Before {
		return false
	}
	return true
}

// copyRecord keeps callers from mutating the stored params map.
func copyRecord(r Record) Record {
	r.Params = maps.Clone(r.Params)
	return r
}

// List implements Store.
func (m *Memory) List(_ context.Context, f Filter) (Page, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Page{}, ErrClosed
	}
	limit := f.limit()
	var p Page
	for i := len(m.records) - 1; i >= 0; i-- {
		r := m.records[i]
		if !f.match(r, true) {
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

// ForTarget implements Store.
func (m *Memory) ForTarget(_ context.Context, targetID int64, limit int) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	limit = Filter{Limit: limit}.limit()
	var out []Record
	for i := len(m.records) - 1; i >= 0 && len(out) < limit; i-- {
		if m.records[i].TargetID == targetID {
			out = append(out, copyRecord(m.records[i]))
		}
	}
	return out, nil
}

// ExportCSV implements Store.
func (m *Memory) ExportCSV(_ context.Context, f Filter, w io.Writer) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	var matched []Record
	for i := len(m.records) - 1; i >= 0; i-- {
		if f.match(m.records[i], false) {
			matched = append(matched, copyRecord(m.records[i]))
		}
	}
	m.mu.Unlock()
	cw := newCSVWriter(w)
	if err := cw.header(); err != nil {
		return err
	}
	for _, r := range matched {
		if err := cw.record(r); err != nil {
			return err
		}
	}
	return cw.flush()
}

// Close implements Store.
func (m *Memory) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}

// Records returns every record, oldest first, for assertions in tests.
func (m *Memory) Records() []Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Record, len(m.records))
	for i, r := range m.records {
		out[i] = copyRecord(r)
	}
	return out
}
