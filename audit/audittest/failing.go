package audittest

import (
	"context"
	"io"
	"sync/atomic"
	"time"

	"onelogin-helpdesk/audit"
)

// FailingStore wraps an audit.Store and, once switched on with Fail(true), fails
// every call with audit.ErrUnavailable. Tests use it to prove that an action is
// refused when its audit record cannot be written.
type FailingStore struct {
	audit.Store
	failing atomic.Bool
}

var _ audit.Store = (*FailingStore)(nil)

// NewFailing wraps s; it passes calls through until Fail(true).
func NewFailing(s audit.Store) *FailingStore { return &FailingStore{Store: s} }

// Fail switches failure on or off.
func (f *FailingStore) Fail(on bool) { f.failing.Store(on) }

// Begin implements audit.Store.
func (f *FailingStore) Begin(ctx context.Context, r audit.Record) (int64, error) {
	if f.failing.Load() {
		return 0, audit.ErrUnavailable
	}
	return f.Store.Begin(ctx, r)
}

// Complete implements audit.Store.
func (f *FailingStore) Complete(ctx context.Context, id int64, r audit.Result) error {
	if f.failing.Load() {
		return audit.ErrUnavailable
	}
	return f.Store.Complete(ctx, id, r)
}

// List implements audit.Store.
func (f *FailingStore) List(ctx context.Context, fl audit.Filter) (audit.Page, error) {
	if f.failing.Load() {
		return audit.Page{}, audit.ErrUnavailable
	}
	return f.Store.List(ctx, fl)
}

// ForTarget implements audit.Store.
func (f *FailingStore) ForTarget(ctx context.Context, id int64, limit int) ([]audit.Record, error) {
	if f.failing.Load() {
		return nil, audit.ErrUnavailable
	}
	return f.Store.ForTarget(ctx, id, limit)
}

// ExportCSV implements audit.Store.
func (f *FailingStore) ExportCSV(ctx context.Context, fl audit.Filter, w io.Writer) error {
	if f.failing.Load() {
		return audit.ErrUnavailable
	}
	return f.Store.ExportCSV(ctx, fl, w)
}

// Deny implements audit.Store.
func (f *FailingStore) Deny(ctx context.Context, r audit.Record, within time.Duration) (int64, error) {
	if f.failing.Load() {
		return 0, audit.ErrUnavailable
	}
	return f.Store.Deny(ctx, r, within)
}

// Last implements audit.Store.
func (f *FailingStore) Last(ctx context.Context, targetID int64, kinds ...audit.Kind) (audit.Record, bool, error) {
	if f.failing.Load() {
		return audit.Record{}, false, audit.ErrUnavailable
	}
	return f.Store.Last(ctx, targetID, kinds...)
}
