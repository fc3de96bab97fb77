package quota

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// budgetWindow is the period of every budget.
const budgetWindow = time.Hour

// budgetKey is a person's key in the limits store.
func budgetKey(person string) string { return "onelogin-calls:" + person }

// defaultFlushEvery is how often counts reach the store: how long another
// replica may not yet see this one's calls.
const defaultFlushEvery = time.Second

// flushTimeout bounds one periodic flush.
const flushTimeout = 10 * time.Second

// tally is each person's count of calls in memory. A call is decided and
// counted here; the store is asked only for a person this replica has not
// seen lately and for one whose budget looks spent, and written to once a
// flush for everyone.
//
// Exact per replica: every call this replica let through is in stored or
// pending. Shared within a flush: each flush writes what was counted here
// and reads back what every replica wrote. Conservative by up to a flush:
// calls are recorded when they are written, so they leave the window up to
// a flush late, and calls leaving the window are seen at the next flush.
type tally struct {
	mu     sync.Mutex
	counts map[string]*count
	// flushMu makes flushes one at a time, so that no call is written
	// twice.
	flushMu sync.Mutex
	stop    chan struct{}
	done    chan struct{}
}

type count struct {
	max int
	// stored is the person's count in the store, every replica's calls,
	// when last read; pending, the calls counted here since, not yet
	// written.
	stored, pending int
	// refusedUntil is when the store said the count falls below max.
	refusedUntil time.Time
	// used says the person made a call since the last flush; an entry
	// idle for a whole flush is forgotten.
	used bool
}

// decide counts one call if the count allows it; known is false when only
// the store can tell.
func (c *count) decide(max int, now time.Time) (ok, known bool) {
	c.max = max
	if now.Before(c.refusedUntil) {
		return false, true
	}
	if c.stored+c.pending >= max {
		return false, false
	}
	c.pending++
	c.used = true
	return true, true
}

// take decides and counts one call of key against max. A person unknown
// here, or whose budget looks spent, is asked of the store, with what this
// replica counted written first; calls counted meanwhile by the person's
// other requests are written by the next round.
func (b *Budgets) take(ctx context.Context, key string, max int, now time.Time) (bool, time.Time, error) {
	t := &b.tally
	for range 3 {
		t.mu.Lock()
		if c := t.counts[key]; c != nil {
			ok, known := c.decide(max, now)
			until := c.refusedUntil
			t.mu.Unlock()
			if known {
				return ok, until, nil
			}
		} else {
			t.mu.Unlock()
		}
		if err := b.flushKey(ctx, key, max, now); err != nil {
			return false, time.Time{}, err
		}
	}
	// Still spent only by calls in flight here: they are written within a
	// flush, and the store can say more then.
	return false, now.Add(b.flushEvery()), nil
}

func (b *Budgets) flushEvery() time.Duration {
	if b.FlushEvery > 0 {
		return b.FlushEvery
	}
	return defaultFlushEvery
}

// flushKey writes key's pending calls and reads its shared count.
func (b *Budgets) flushKey(ctx context.Context, key string, max int, now time.Time) error {
	t := &b.tally
	t.flushMu.Lock()
	defer t.flushMu.Unlock()
	t.mu.Lock()
	n := 0
	if c := t.counts[key]; c != nil {
		n = c.pending
	}
	t.mu.Unlock()
	return b.write(ctx, key, n, max, now)
}

// write records n of key's pending calls in the store and reads back its
// count; on failure the calls stay pending. The caller holds flushMu.
func (b *Budgets) write(ctx context.Context, key string, n, max int, now time.Time) error {
	stored, retry, err := b.Limits.Add(ctx, key, n, max, budgetWindow, now)
	if err != nil {
		return err
	}
	t := &b.tally
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts == nil {
		t.counts = map[string]*count{}
	}
	c := t.counts[key]
	if c == nil {
		c = &count{max: max}
		t.counts[key] = c
	}
	c.pending -= n
	c.stored, c.refusedUntil = stored, retry
	return nil
}

// Flush writes every call counted and not yet written, and reads back each
// person's shared count. What cannot be written stays counted in memory
// for the next flush, and the error says how many calls wait.
func (b *Budgets) Flush(ctx context.Context) error {
	if b.Limits == nil {
		return nil
	}
	t := &b.tally
	t.flushMu.Lock()
	defer t.flushMu.Unlock()
	type item struct {
		key    string
		n, max int
	}
	var items []item
	t.mu.Lock()
	for key, c := range t.counts {
		if !c.used && c.pending == 0 {
			delete(t.counts, key)
			continue
		}
		c.used = false
		items = append(items, item{key, c.pending, c.max})
	}
	t.mu.Unlock()
	now := b.now()
	var errs []error
	waiting := 0
	for _, it := range items {
		if err := b.write(ctx, it.key, it.n, it.max, now); err != nil {
			errs = append(errs, err)
			waiting += it.n
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("quota: %d OneLogin calls not yet written to the store, still counted here: %w", waiting, errors.Join(errs...))
	}
	return nil
}

// Start flushes every FlushEvery until Close, telling OnFlushError of each
// failure. Call it once, after Limits is set.
func (b *Budgets) Start() {
	t := &b.tally
	t.stop, t.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(t.done)
		tick := time.NewTicker(b.flushEvery())
		defer tick.Stop()
		for {
			select {
			case <-t.stop:
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
				err := b.Flush(ctx)
				cancel()
				if err != nil && b.OnFlushError != nil {
					b.OnFlushError(err)
				}
			}
		}
	}()
}

// Close stops the flushing Start began and writes what is left; its error
// says what could not be.
func (b *Budgets) Close(ctx context.Context) error {
	t := &b.tally
	if t.stop != nil {
		close(t.stop)
		<-t.done
		t.stop = nil
	}
	return b.Flush(ctx)
}
