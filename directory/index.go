package directory

import (
	"context"
	"errors"
	"sync"
	"time"

	"onelogin-helpdesk/client"
)

// IndexOptions configure an Index.
type IndexOptions struct {
	// MaxLag is how stale the replica's mirror may be before a read asks
	// the store for changes (default 1s): writes made through this Index
	// show at once, other replicas' within MaxLag.
	MaxLag time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Index answers searches from a mirror of the store's rows in this
// replica's memory, caught up by change sequence: loading 50,000 rows per
// search would cost far more than the search itself in either store.
// Safe for concurrent use.
type Index struct {
	store Store
	o     IndexOptions

	catchUp sync.Mutex // one catch-up at a time

	mu       sync.RWMutex // guards what follows
	eng      *Engine
	seq      int64
	checked  time.Time // when the store was last asked
	state    SyncState
	hasState bool
}

// NewIndex returns an index over store; it loads on first use.
func NewIndex(store Store, o IndexOptions) *Index {
	if o.MaxLag <= 0 {
		o.MaxLag = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Index{store: store, o: o, eng: NewEngine(nil)}
}

// changesBatch is how many changes a catch-up reads per query.
const changesBatch = 5000

// sync brings the mirror up to the store if it is older than MaxLag (or
// always, with force).
func (ix *Index) sync(ctx context.Context, force bool) error {
	ix.catchUp.Lock()
	defer ix.catchUp.Unlock()
	now := ix.o.Now()
	ix.mu.RLock()
	fresh := ix.hasState && now.Sub(ix.checked) < ix.o.MaxLag
	seq := ix.seq
	ix.mu.RUnlock()
	if fresh && !force {
		return nil
	}
	for {
		cs, err := ix.store.PeopleChanges(ctx, seq, changesBatch)
		if err != nil {
			return err
		}
		ix.mu.Lock()
		for _, c := range cs {
			if c.Deleted {
				ix.eng.Remove(c.Person.ID)
			} else {
				ix.eng.Put(c.Person)
			}
			ix.seq = max(ix.seq, c.Seq)
		}
		ix.eng.Tidy() // so that searches, under the read lock, only read
		seq = ix.seq
		ix.mu.Unlock()
		if len(cs) < changesBatch {
			break
		}
	}
	st, err := ix.store.SyncState(ctx)
	if err != nil {
		return err
	}
	ix.mu.Lock()
	ix.state, ix.hasState, ix.checked = st, true, now
	ix.mu.Unlock()
	return nil
}

// Result is the answer to a search.
type Result struct {
	Hits  []Hit
	Total int // hits in all; Hits holds at most the query's limit
	// AsOf is when the index last caught up with OneLogin: results are
	// "as of" it.
	AsOf time.Time
	// Complete is false until the first full listing has finished: the
	// index then misses people, and search should ask OneLogin instead.
	Complete bool
}

// Search answers q from the index.
func (ix *Index) Search(ctx context.Context, q Query) (Result, error) {
	if err := ix.sync(ctx, false); err != nil {
		return Result{}, err
	}
	now := ix.o.Now()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	hits, total := ix.eng.Search(q, now)
	return Result{Hits: hits, Total: total, AsOf: ix.state.LastSync, Complete: ix.state.Complete}, nil
}

// LockedNow is everyone locked now, from status and locked_until (see
// Engine.LockedNow), as of the time it returns.
func (ix *Index) LockedNow(ctx context.Context) ([]Person, time.Time, error) {
	if err := ix.sync(ctx, false); err != nil {
		return nil, time.Time{}, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.eng.LockedNow(ix.o.Now()), ix.state.LastSync, nil
}

// Person returns the row for id.
func (ix *Index) Person(ctx context.Context, id int64) (Person, bool, error) {
	if err := ix.sync(ctx, false); err != nil {
		return Person{}, false, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	p, ok := ix.eng.Get(id)
	return p, ok, nil
}

// Status is the sync's state as the store has it now, for admins.
func (ix *Index) Status(ctx context.Context) (SyncState, error) { return ix.store.SyncState(ctx) }

// Refresh writes what a person page or an action's read-back just read
// from OneLogin, so the index shows it at once. An older copy than the
// row's is ignored (see Store.PutPeople).
func (ix *Index) Refresh(ctx context.Context, u client.User) error {
	if u.ID <= 0 {
		return errors.New("directory: refresh of a user without an id")
	}
	if err := ix.store.PutPeople(ctx, []Person{FromUser(u, ix.o.Now())}); err != nil {
		return err
	}
	return ix.sync(ctx, true)
}

// Forget removes a person OneLogin answered 404 for.
func (ix *Index) Forget(ctx context.Context, id int64) error {
	if err := ix.store.DeletePeople(ctx, []int64{id}); err != nil {
		return err
	}
	return ix.sync(ctx, true)
}
