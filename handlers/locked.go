package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

// The Locked now page is read from OneLogin when someone asks (and on the
// first visit): the lock events of the last week name the people, the
// failed sign-ins before each lock say how it came about, and each person's
// account is read to confirm they are locked now. That is a page of events
// per 50 locks, a few pages of failures and one call per person, so the
// answer is kept and shared until someone refreshes it.
const (
	lockedLookback   = 7 * 24 * time.Hour
	lockedMaxLocks   = 1000 // lock events read per refresh (20 pages)
	lockedMaxFails   = 2000 // failed sign-ins read per refresh (40 pages)
	lockedFailWindow = time.Hour
	lockedMaxPeople  = 500
	lockedReaders    = 4 // accounts read at once
	lockedJobs       = 5 // bulk jobs listed on the page
)

// lockedBoard is the shared Locked now list.
type lockedBoard struct {
	refresh sync.Mutex // one refresh at a time
	mu      sync.Mutex
	snap    lockedSnapshot
	events  lockEvents // with a directory index: the last read of the events
}

func (b *lockedBoard) lastEvents() lockEvents {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.events
}

func (b *lockedBoard) keepEvents(ev lockEvents) {
	b.mu.Lock()
	b.events = ev
	b.mu.Unlock()
}

// lockedSnapshot is the list as one refresh read it.
type lockedSnapshot struct {
	at            time.Time
	rows          []views.LockedRow
	unlockedSince int
	unreadable    int
	truncated     bool
	calls         int
	// indexed: the rows are the directory index's as of at, and the
	// events (how each lock came about) were read at eventsAt; sprays
	// group the people locked in one attack.
	indexed  bool
	eventsAt time.Time
	sprays   []views.Spray
}

func (b *lockedBoard) current() lockedSnapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.snap
	s.rows = slices.Clone(s.rows)
	return s
}

func (b *lockedBoard) set(s lockedSnapshot) {
	b.mu.Lock()
	b.snap = s
	b.mu.Unlock()
}

// update replaces the row of a person after an action on them; a person no
// longer locked leaves the list.
func (b *lockedBoard) update(u *client.User, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.snap.rows, func(r views.LockedRow) bool { return r.User.ID == u.ID })
	if i < 0 {
		return
	}
	if !lockedNow(u, now) {
		b.snap.rows = slices.Delete(slices.Clone(b.snap.rows), i, i+1)
		b.snap.unlockedSince++
		return
	}
	b.snap.rows = slices.Clone(b.snap.rows)
	b.snap.rows[i].User = *u
}

// row finds a person on the list.
func (s lockedSnapshot) row(id int64) (views.LockedRow, bool) {
	i := slices.IndexFunc(s.rows, func(r views.LockedRow) bool { return r.User.ID == id })
	if i < 0 {
		return views.LockedRow{}, false
	}
	return s.rows[i], true
}

// lockedList is the Locked now page. ?refresh=1 reads the list from
// OneLogin again, then sends the browser back to /locked, so that a reload
// does not spend the quota again.
func (h *Handler) lockedList(c echo.Context) error {
	ctx := c.Request().Context()
	refresh := c.QueryParam("refresh") != ""
	if snap, ok, err := h.lockedFromIndex(ctx, refresh && h.quotaLowNote("") == ""); err != nil {
		return err
	} else if ok {
		if refresh {
			return h.seeOther(c, "/locked")
		}
		return h.render(c, http.StatusOK, h.page(c, "Locked now", "locked"), views.LockedPage(h.lockedView(c, snap)))
	}
	snap := h.locked.current()
	note := ""
	if snap.at.IsZero() || refresh {
		if note = h.quotaLowNote("the list"); note == "" {
			var err error
			if snap, err = h.refreshLocked(ctx); err != nil {
				return err
			}
			if refresh {
				return h.seeOther(c, "/locked")
			}
		}
	}
	v := h.lockedView(c, snap)
	v.Note = note
	return h.render(c, http.StatusOK, v.Page, views.LockedPage(v))
}

// lockedView builds the page from a snapshot for the signed-in person.
func (h *Handler) lockedView(c echo.Context, snap lockedSnapshot) views.LockedView {
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	v := views.LockedView{
		Page: h.page(c, "Locked now", "locked"), Now: h.now(), Loc: h.loc,
		At: snap.at, Rows: snap.rows, UnlockedSince: snap.unlockedSince, Unreadable: snap.unreadable,
		Truncated: snap.truncated, Calls: snap.calls, Indexed: snap.indexed, EventsAt: snap.eventsAt, Sprays: snap.sprays,
		BulkMax: h.bulk.MaxFor(who.Role),
	}
	switch {
	case h.jobs == nil:
		v.BulkOff = "Bulk jobs are not set up on this console."
	case v.BulkMax == 0 && who.Role.Can(access.BulkUnlock):
		v.BulkOff = "Only admins start bulk jobs on this console; unlock people one by one below."
	}
	if h.jobs != nil {
		js, err := h.jobs.Jobs(ctx, lockedJobs)
		if err != nil {
			h.log.WarnContext(ctx, "bulk jobs could not be listed", "error", err)
		}
		v.Jobs = js
	}
	return v
}

// refreshLocked reads the list from OneLogin and keeps it.
func (h *Handler) refreshLocked(ctx context.Context) (lockedSnapshot, error) {
	asked := h.now()
	h.locked.refresh.Lock()
	defer h.locked.refresh.Unlock()
	if s := h.locked.current(); s.at.After(asked) {
		return s, nil // someone else's refresh ran while this one waited
	}
	now := h.now()
	var calls atomic.Int64
	lockIDs, names, err := h.eventTypes(ctx, views.LockTypes)
	if err != nil {
		return lockedSnapshot{}, err
	}
	var failIDs []int
	for id, n := range names {
		if slices.Contains(views.FailedSignInTypes, n) {
			failIDs = append(failIDs, id)
		}
	}
	snap := lockedSnapshot{at: now}
	if len(lockIDs) == 0 {
		h.locked.set(snap)
		return snap, nil
	}

	// The newest lock of each person, newest first.
	locks := map[int64]client.Event{}
	var order []int64
	truncated, err := h.walkEvents(ctx, client.EventQuery{TypeIDs: lockIDs, Since: now.Add(-lockedLookback)}, lockedMaxLocks, &calls,
		func(e client.Event) {
			if _, seen := locks[e.UserID]; e.UserID != 0 && !seen {
				locks[e.UserID] = e
				order = append(order, e.UserID)
			}
		})
	if err != nil {
		return lockedSnapshot{}, err
	}
	if len(order) > lockedMaxPeople {
		order, truncated = order[:lockedMaxPeople], true
	}
	snap.truncated = truncated

	// The failed sign-ins in the hour before each lock.
	fails := map[int64][]views.Activity{}
	if len(order) > 0 && len(failIDs) > 0 {
		oldest := now
		for _, id := range order {
			if at := locks[id].CreatedAt; at.Before(oldest) {
				oldest = at
			}
		}
		_, err := h.walkEvents(ctx, client.EventQuery{TypeIDs: failIDs, Since: oldest.Add(-lockedFailWindow)}, lockedMaxFails, &calls,
			func(e client.Event) {
				lock, ok := locks[e.UserID]
				if ok && !e.CreatedAt.After(lock.CreatedAt) && e.CreatedAt.After(lock.CreatedAt.Add(-lockedFailWindow)) {
					fails[e.UserID] = append(fails[e.UserID], views.DescribeEvent(names[e.TypeID], e))
				}
			})
		if err != nil {
			return lockedSnapshot{}, err
		}
	}

	// Each person as OneLogin has them now.
	rows := make([]*views.LockedRow, len(order))
	var unlocked, unreadable atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(lockedReaders)
	for i, id := range order {
		g.Go(func() error {
			calls.Add(1)
			u, err := h.ol.GetUser(gctx, id)
			switch {
			case errors.Is(err, client.ErrNotFound):
				return nil // deleted since
			case err != nil && gctx.Err() != nil:
				return gctx.Err()
			case err != nil:
				h.log.WarnContext(ctx, "Locked now: an account could not be read", "user_id", id, "error", err)
				unreadable.Add(1)
				return nil
			case !lockedNow(u, now):
				unlocked.Add(1)
				return nil
			}
			s, src, err := h.subject(gctx, u)
			if err != nil {
				h.log.WarnContext(ctx, "Locked now: who may unlock is unknown; shown to admins only", "user_id", id, "error", err)
				s.Protected = true
			}
			lock := views.DescribeEvent(names[locks[id].TypeID], locks[id])
			ips, apps, risk := views.FailureSources(fails[id])
			rows[i] = &views.LockedRow{User: *u, LockedAt: lock.Time, How: capitalize(views.LockHow(lock, fails[id])),
				Console: src, Failures: len(fails[id]), Sources: ips, Apps: apps, Risk: risk, Subject: s}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return lockedSnapshot{}, err
	}
	for _, r := range rows {
		if r != nil {
			snap.rows = append(snap.rows, *r)
		}
	}
	snap.unlockedSince, snap.unreadable, snap.calls = int(unlocked.Load()), int(unreadable.Load()), int(calls.Load())
	h.locked.set(snap)
	return snap, nil
}

// walkEvents reads events matching q page by page, newest first, handing
// each to fn, up to max events; truncated says whether more were left.
func (h *Handler) walkEvents(ctx context.Context, q client.EventQuery, max int, calls *atomic.Int64, fn func(client.Event)) (truncated bool, err error) {
	q.Limit = 50
	seen := 0
	for {
		calls.Add(1)
		evs, page, err := h.ol.ListEvents(ctx, q)
		if err != nil {
			return false, err
		}
		for _, e := range evs {
			fn(e)
		}
		seen += len(evs)
		if page.AfterCursor == "" || len(evs) == 0 {
			return false, nil
		}
		if seen >= max {
			return true, nil
		}
		q.AfterCursor = page.AfterCursor
	}
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// lockedUnlock is the one-click unlock of a row: the same door (act), the
// same policy and the same read-back as the person's page, answered with
// the row.
func (h *Handler) lockedUnlock(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	f := readTicketForm(form)
	if errs := f.Validate(); errs != nil {
		return h.lockedRow(c, http.StatusUnprocessableEntity, u, &views.Notice{Kind: "error", Message: errs["ticket"]})
	}
	var after *client.User // the unlock's own read-back, shown without a second read
	err = h.act(c, attemptOn(access.Unlock, u, f.Ticket, nil), func(ctx context.Context) (err error) {
		after, err = h.unlockReadBack(ctx, u.ID)
		return err
	})
	if !wantsFragment(c) && err == nil {
		return h.seeOther(c, "/locked")
	}
	var p *problem
	switch {
	case err == nil:
		return h.lockedRowAs(c, http.StatusOK, u, after, &views.Notice{Kind: "success", Message: "Unlocked " + u.Name() + "."})
	case errors.Is(err, errTicketRequired):
		return h.lockedRow(c, http.StatusUnprocessableEntity, u, &views.Notice{Kind: "error", Message: errTicketRequired.Message})
	case errors.As(err, new(*maybeDone)):
		return h.lockedRow(c, http.StatusGatewayTimeout, u, &views.Notice{Kind: "warning", Message: noAnswerMessage + "."})
	case errors.Is(err, errStillLocked):
		return h.lockedRowAs(c, http.StatusConflict, u, after, &views.Notice{Kind: "warning", Message: errStillLocked.Message})
	case errors.As(err, &p) && p.Status < 500:
		return h.lockedRow(c, p.Status, u, &views.Notice{Kind: "error", Message: p.Message})
	}
	if ce := h.refusal(err); ce != nil {
		return h.lockedRow(c, refusedStatus(ce), u, &views.Notice{Kind: "error", Message: "OneLogin rejected the unlock: " + oneLoginSays(ce)})
	}
	return err
}

// lockedRow answers a row action with the row as OneLogin has the person
// now (or as they were, if they cannot be read), and updates the list.
func (h *Handler) lockedRow(c echo.Context, status int, before *client.User, n *views.Notice) error {
	return h.lockedRowAs(c, status, before, nil, n)
}

// lockedRowAs is lockedRow for an action that read the person back itself
// (after; nil when it could not).
func (h *Handler) lockedRowAs(c echo.Context, status int, before, after *client.User, n *views.Notice) error {
	ctx := context.WithoutCancel(c.Request().Context())
	now := h.now()
	u := after
	if u == nil {
		var err error
		if u, err = h.ol.GetUser(ctx, before.ID); err != nil {
			h.log.WarnContext(ctx, "re-reading user after a row action failed", "user_id", before.ID, "error", err)
			u = before
		}
	}
	row, ok := h.locked.current().row(u.ID)
	if !ok {
		row = views.LockedRow{User: *u}
	}
	h.locked.update(u, now)
	row.User, row.Notice = *u, n
	if s, _, err := h.subject(ctx, u); err == nil {
		row.Subject = s
	} else {
		row.Subject.Protected = true
	}
	who, _ := h.identity(ctx)
	v := views.RowView{Page: h.page(c, "Locked now", "locked"), Now: now, Loc: h.loc, Row: row,
		Bulk: h.jobs != nil && h.bulk.MaxFor(who.Role) > 0, Gone: !lockedNow(u, now)}
	if !wantsFragment(c) {
		// Without JavaScript a refusal is shown on a page of its own.
		return h.render(c, status, v.Page, views.LockedRowPage(v))
	}
	return h.fragment(c, status, views.LockedRowView(v))
}
