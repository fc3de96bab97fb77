package directory

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/jobs"
)

// API is what the sync asks OneLogin (package client's Client has it).
type API interface {
	ListDirectory(ctx context.Context, q client.DirectoryQuery) (client.DirectoryPage, error)
	DeletedSince(ctx context.Context, since time.Time) ([]int64, time.Time, error)
}

// SyncOptions configure a Syncer.
type SyncOptions struct {
	// Owner names this replica in the lease (default a random id).
	Owner string
	// Period is how often changes are asked for (default 60s:
	// HELPDESK_DIRECTORY_SYNC).
	Period time.Duration
	// Reconcile is how often everyone is listed again, to drop people
	// whose deletion no event told of (default 24h:
	// HELPDESK_DIRECTORY_RECONCILE).
	Reconcile time.Duration
	// DeletionCheck is how often deletion events are asked for (default
	// 5 minutes): a v1 events call, counted against the hourly quota,
	// which the v2 listing is not said to be (reference §A1.7).
	DeletionCheck time.Duration
	// Overlap is how far before the watermark changes are asked for
	// (default 5 minutes: OneLogin may apply a change up to 5 minutes
	// late, reference §A1.5, and whether updated_since is strict is
	// unconfirmed, §E5).
	Overlap time.Duration
	// Lease is how long the sync lease holds without renewal (default
	// 2 minutes): a replica that dies leaves the sync to another.
	Lease time.Duration
	// Quota reads OneLogin's hourly quota as the client last saw it
	// (client.Client.RateLimit). Listing pages are paced so the sync
	// spends at most SharePercent of the hourly limit and never the last
	// ReservePercent: the rest of the hour's quota is everyone else's.
	// Without Quota the limit is taken to be DefaultHourlyLimit.
	Quota          func() client.RateLimit
	SharePercent   int // default 10
	ReservePercent int // default 20
	Logger         *slog.Logger
	// Now is the clock (default time.Now); waits use timers, so tests run
	// in a synctest bubble.
	Now func() time.Time
}

// DefaultHourlyLimit is OneLogin's documented 5,000 calls an hour, used
// to pace when the limit is not known yet.
const DefaultHourlyLimit = 5000

// Syncer keeps a Store in step with OneLogin. Run it on every replica:
// the one holding the lease syncs, the others wait to take over.
type Syncer struct {
	store Store
	api   API
	ix    *Index // caught up after each round, may be nil
	o     SyncOptions
	log   *slog.Logger

	lastCall time.Time // when this replica last listed a page
	failures int       // rounds failed in a row, for the back-off
}

// NewSyncer returns a syncer writing to store what api lists; ix, when
// given, is caught up after every round.
func NewSyncer(store Store, api API, ix *Index, o SyncOptions) *Syncer {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Period, 60*time.Second)
	def(&o.Reconcile, 24*time.Hour)
	def(&o.DeletionCheck, 5*time.Minute)
	def(&o.Overlap, 5*time.Minute)
	def(&o.Lease, 2*time.Minute)
	if o.Owner == "" {
		o.Owner = "directory-" + jobs.NewID()
	}
	if o.SharePercent <= 0 || o.SharePercent > 100 {
		o.SharePercent = 10
	}
	if o.ReservePercent <= 0 || o.ReservePercent > 100 {
		o.ReservePercent = 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Syncer{store: store, api: api, ix: ix, o: o, log: log}
}

// Run syncs until ctx ends, then gives the lease up.
func (s *Syncer) Run(ctx context.Context) {
	defer s.store.ReleaseSync(context.WithoutCancel(ctx), s.o.Owner) //nolint:errcheck // the lease runs out anyway
	for {
		wait := s.Step(ctx)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Step does the sync's next piece of work, if this replica holds (or can
// take) the lease, and says how long to wait before the next: one page of
// a full listing, or an incremental round with its deletion check.
func (s *Syncer) Step(ctx context.Context) time.Duration {
	now := s.o.Now()
	st, mine, err := s.store.ClaimSync(ctx, s.o.Owner, now, s.o.Lease)
	if err != nil {
		s.log.Warn("directory sync: claiming the lease failed", "error", err)
		return s.o.Period
	}
	if !mine {
		return s.o.Period // another replica syncs
	}
	if wait := s.pace(now); wait > 0 {
		return wait
	}
	var next time.Duration
	switch {
	case st.Complete && now.Sub(st.LastSync) >= s.o.Period:
		// Changes first, even while a reconcile listing is under way.
		err = s.incremental(ctx, &st, now)
		next = s.o.Period
		if s.listing(st, now) {
			next = s.pageInterval() // then a page of the listing
		}
	case s.listing(st, now):
		err = s.listPage(ctx, &st, now)
		next = s.pageInterval()
		if !st.Pass.Active() {
			next = s.o.Period
		}
	default:
		return st.LastSync.Add(s.o.Period).Sub(now)
	}
	if err == nil && st.Complete && now.Sub(st.DeletionsChecked) >= s.o.DeletionCheck {
		err = s.deletions(ctx, &st, now)
	}
	if err != nil {
		if errors.Is(err, ErrLeaseLost) || ctx.Err() != nil {
			return s.o.Period
		}
		s.failures++
		st.LastError, st.ErrorAt = err.Error(), now
		s.log.Warn("directory sync failed", "error", err, "failures", s.failures)
		next = min(s.o.Period<<min(s.failures-1, 4), 15*time.Minute)
	} else {
		s.failures = 0
		st.LastError, st.ErrorAt = "", time.Time{}
	}
	if err := s.store.SaveSync(ctx, s.o.Owner, s.o.Now(), st); err != nil {
		s.log.Warn("directory sync: saving its state failed", "error", err)
	}
	if s.ix != nil {
		if err := s.ix.sync(ctx, true); err != nil {
			s.log.Warn("directory sync: catching the index up failed", "error", err)
		}
	}
	return next
}

// listing reports whether a full listing is under way or due.
func (s *Syncer) listing(st SyncState, now time.Time) bool {
	return st.Pass.Active() || !st.Complete || now.Sub(st.LastPass) >= s.o.Reconcile
}

// limit is the hourly quota's limit and, when known, how many calls
// remain above the reserve and when the window renews.
func (s *Syncer) limit(now time.Time) (limit, spare int, resetAt time.Time, known bool) {
	if s.o.Quota == nil {
		return DefaultHourlyLimit, 0, time.Time{}, false
	}
	q := s.o.Quota()
	if q.Limit <= 0 || q.Observed.IsZero() || !now.Before(q.Observed.Add(q.Reset)) {
		return DefaultHourlyLimit, 0, time.Time{}, false // unknown, or from a window that has renewed
	}
	return q.Limit, q.Remaining - q.Limit*s.o.ReservePercent/100, q.Observed.Add(q.Reset), true
}

// pageInterval spreads listing calls so they use SharePercent of the
// hourly limit: 500 an hour, one every 7.2s, at OneLogin's 5,000.
func (s *Syncer) pageInterval() time.Duration {
	limit, _, _, _ := s.limit(s.o.Now())
	perHour := max(1, limit*s.o.SharePercent/100)
	return time.Hour / time.Duration(perHour)
}

// pace says how long to wait before the next call: until the page
// interval has passed since the last one, and, when the quota is down to
// its reserve, until it renews.
func (s *Syncer) pace(now time.Time) time.Duration {
	wait := time.Duration(0)
	if !s.lastCall.IsZero() {
		wait = s.lastCall.Add(s.pageInterval()).Sub(now)
	}
	if _, spare, resetAt, known := s.limit(now); known && spare <= 0 {
		wait = max(wait, resetAt.Sub(now)+time.Second)
	}
	return max(wait, 0)
}

// list asks for one page and writes it.
func (s *Syncer) list(ctx context.Context, st *SyncState, q client.DirectoryQuery, now time.Time) (client.DirectoryPage, error) {
	s.lastCall = now
	st.Calls++
	page, err := s.api.ListDirectory(ctx, q)
	if err != nil {
		return page, err
	}
	people := make([]Person, len(page.Users))
	for i, u := range page.Users {
		people[i] = FromUser(u, now)
	}
	return page, s.store.PutPeople(ctx, people)
}

// listPage lists the next page of the full listing, starting one if none
// is in progress, and finishes it after the last page: people it did not
// list are gone.
func (s *Syncer) listPage(ctx context.Context, st *SyncState, now time.Time) error {
	if !st.Pass.Active() {
		st.Pass = Pass{Started: now, Total: -1}
	}
	q := client.DirectoryQuery{Cursor: st.Pass.Cursor}
	page, err := s.list(ctx, st, q, now)
	if err != nil {
		if q.Cursor != "" && errors.Is(err, client.ErrBadRequest) {
			// The cursor is no longer accepted: list again from the start.
			st.Pass = Pass{}
		}
		return err
	}
	st.Pass.Cursor, st.Pass.Total = page.AfterCursor, page.TotalCount
	st.Pass.Listed += len(page.Users)
	st.Pass.Pages++
	if page.AfterCursor != "" {
		return nil
	}
	gone, err := s.store.PruneUnsynced(ctx, st.Pass.Started)
	if err != nil {
		return err
	}
	s.log.Info("directory sync: full listing done", "people", st.Pass.Listed, "pages", st.Pass.Pages, "removed", gone)
	if !st.Complete {
		// Changes made while the first listing ran are asked for from its
		// start on; deletions likewise.
		st.Complete, st.Watermark, st.DeletedThrough, st.LastSync = true, st.Pass.Started, st.Pass.Started, now
	}
	st.LastPass, st.Pass = now, Pass{}
	return nil
}

// incremental lists what changed since the watermark (minus the overlap):
// one call when nothing changed.
func (s *Syncer) incremental(ctx context.Context, st *SyncState, now time.Time) error {
	q := client.DirectoryQuery{UpdatedSince: st.Watermark.Add(-s.o.Overlap)}
	newest := st.Watermark
	for {
		page, err := s.list(ctx, st, q, now)
		if err != nil {
			return err
		}
		for _, u := range page.Users {
			if u.UpdatedAt.After(newest) {
				newest = u.UpdatedAt
			}
		}
		if page.AfterCursor == "" {
			break
		}
		q = client.DirectoryQuery{UpdatedSince: q.UpdatedSince, Cursor: page.AfterCursor}
		if wait := s.pace(s.o.Now()); wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				return err
			}
		}
		if _, _, err := s.store.ClaimSync(ctx, s.o.Owner, s.o.Now(), s.o.Lease); err != nil {
			return err
		}
		now = s.o.Now()
	}
	st.Watermark, st.LastSync = newest, now
	return nil
}

// deletions removes the people deletion events name.
func (s *Syncer) deletions(ctx context.Context, st *SyncState, now time.Time) error {
	if _, spare, _, known := s.limit(now); known && spare <= 0 {
		return nil // the events call would spend the reserve: later
	}
	st.Calls++
	// Overlapping like the listing: deleting twice does no harm.
	ids, through, err := s.api.DeletedSince(ctx, st.DeletedThrough.Add(-s.o.Overlap))
	if err != nil {
		return err
	}
	if err := s.store.DeletePeople(ctx, ids); err != nil {
		return err
	}
	if through.After(st.DeletedThrough) {
		st.DeletedThrough = through
	}
	st.DeletionsChecked = now
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
