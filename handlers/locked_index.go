package handlers

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"onelogin-helpdesk/client"
	dirindex "onelogin-helpdesk/directory"
	"onelogin-helpdesk/views"
)

// With a directory index the Locked now list is who the index says is
// locked (status and locked_until, no call), current after any unlock or
// job in the console since those refresh the index; the events are read
// only for how each lock came about, on refresh: at most
// lockedIndexEventPages pages of lock and failed sign-in events together,
// plus the event type names when the client has none yet, so a refresh
// costs 3 calls or fewer.
const lockedIndexEventPages = 2

// lockEvents is the last read of the events, kept between refreshes.
type lockEvents struct {
	at     time.Time
	names  map[int]string
	events []client.Event
	calls  int
}

// lockedFromIndex is the list from the index, reading the events again
// when refresh is asked or none were read yet; false when the index cannot
// answer (none, or its first listing is not complete).
func (h *Handler) lockedFromIndex(ctx context.Context, refresh bool) (lockedSnapshot, bool, error) {
	if h.index == nil {
		return lockedSnapshot{}, false, nil
	}
	st, err := h.index.Status(ctx)
	if err != nil || !st.Complete {
		return lockedSnapshot{}, false, err
	}
	people, asOf, err := h.index.LockedNow(ctx)
	if err != nil {
		return lockedSnapshot{}, false, err
	}
	ev := h.locked.lastEvents()
	if refresh || ev.at.IsZero() {
		if ev, err = h.readLockEvents(ctx); err != nil {
			return lockedSnapshot{}, false, err
		}
		h.locked.keepEvents(ev)
	}

	// The newest lock of each person, and the failed sign-ins in the hour
	// before it.
	locks := map[int64]client.Event{}
	for _, e := range ev.events {
		if _, seen := locks[e.UserID]; slices.Contains(views.LockTypes, ev.names[e.TypeID]) && !seen {
			locks[e.UserID] = e
		}
	}
	fails := map[int64][]views.Activity{}
	for _, e := range ev.events {
		lock, ok := locks[e.UserID]
		if ok && slices.Contains(views.FailedSignInTypes, ev.names[e.TypeID]) &&
			!e.CreatedAt.After(lock.CreatedAt) && e.CreatedAt.After(lock.CreatedAt.Add(-lockedFailWindow)) {
			fails[e.UserID] = append(fails[e.UserID], views.DescribeEvent(ev.names[e.TypeID], e))
		}
	}

	snap := lockedSnapshot{at: asOf, indexed: true, eventsAt: ev.at, calls: ev.calls}
	if len(people) > lockedMaxPeople {
		people, snap.truncated = people[:lockedMaxPeople], true
	}
	for _, p := range people {
		u := p.User()
		s, src, err := h.subject(ctx, &u)
		if err != nil {
			h.log.WarnContext(ctx, "Locked now: who may unlock is unknown; shown to admins only", "user_id", u.ID, "error", err)
			s.Protected = true
		}
		row := views.LockedRow{User: u, Console: src, Subject: s}
		if lock, ok := locks[u.ID]; ok {
			a := views.DescribeEvent(ev.names[lock.TypeID], lock)
			row.LockedAt, row.How = a.Time, capitalize(views.LockHow(a, fails[u.ID]))
			row.Failures = len(fails[u.ID])
			row.Sources, row.Apps, row.Risk = views.FailureSources(fails[u.ID])
		}
		snap.rows = append(snap.rows, row)
	}
	locked := map[int64]bool{}
	for _, p := range people {
		locked[p.ID] = true
	}
	for _, sp := range dirindex.GroupSprays(ev.events, dirindex.SprayOptions{Window: lockedFailWindow}) {
		// Only those still locked: a spray is offered for a bulk unlock.
		ids := slices.DeleteFunc(slices.Clone(sp.People), func(id int64) bool { return !locked[id] })
		if len(ids) == 0 {
			continue
		}
		sp.People = ids
		snap.sprays = append(snap.sprays, views.Spray{Summary: sp.Summary(h.loc), IDs: ids})
	}
	h.locked.set(snap)
	return snap, true, nil
}

// readLockEvents reads the recent lock and failed sign-in events, newest
// first, in at most lockedIndexEventPages pages.
func (h *Handler) readLockEvents(ctx context.Context) (lockEvents, error) {
	ev := lockEvents{at: h.now()}
	ids, names, err := h.eventTypes(ctx, append(slices.Clone(views.LockTypes), views.FailedSignInTypes...))
	if err != nil {
		return ev, err
	}
	ev.names = names
	if len(ids) == 0 {
		return ev, nil
	}
	var calls atomic.Int64
	_, err = h.walkEvents(ctx, client.EventQuery{TypeIDs: ids, Since: ev.at.Add(-lockedLookback)},
		lockedIndexEventPages*50, &calls, func(e client.Event) {
			if e.UserID != 0 {
				ev.events = append(ev.events, e)
			}
		})
	ev.calls = int(calls.Load())
	return ev, err
}
