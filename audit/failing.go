package audit

import (
	"context"
	"io"
	"sync/atomic"
)

// FailingStore wraps a Store and, once switched on with Fail(true), fails
// every call with ErrUnavailable. Tests use it to prove that an action is
// refused when its audit record cannot be written.
type FailingStore struct {
	Store
	failing atomic.Bool
}

var _ Store = (*FailingStore)(nil)

// NewFailing wraps s; it passes calls through until Fail(true).
func NewFailing(s Store) *FailingStore { return &FailingStore{Store: s} }

// Fail switches failure on or off.
func (f *FailingStore) Fail(on bool) { f.failing.Store(on) }

// Begin implements Store.
func (f *FailingStore) Begin(ctx context.Context, r Record) (int64, error) {
	if f.failing.Load() {
		return 0, ErrUnavailable
	}
	return f.Store.Begin(ctx, r)
}

// Complete implements Store.
func (f *FailingStore) Complete(ctx context.Context, id int64, r Result) error {
	if f.failing.Load() {
		return ErrUnavailable
	}
	return f.Store.Complete(ctx, id, r)
}

// List implements Store.
func (f *FailingStore) List(ctx context.Context, fl Filter) (Page, error) {
	if f.failing.Load() {
		return Page{}, ErrUnavailable
	}
	return f.Store.List(ctx, fl)
}

// ForTarget implements Store.
func (f *FailingStore) ForTarget(ctx context.Context, id int64, limit int) ([]Record, error) {
	if f.failing.Load() {
		return nil, ErrUnavailable
	}
	return f.Store.ForTarget(ctx, id, limit)
}

// ExportCSV implements Store.
func (f *FailingStore) ExportCSV(ctx context.Context, fl Filter, w io.Writer) error {
	if f.failing.Load() {
		return ErrUnavailable
	}
	return f.Store.ExportCSV(ctx, fl, w)
}
