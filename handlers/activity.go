package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

const (
	// activityEntries is how many sign-in related events the panel shows:
	// one page of OneLogin's events, so one call.
	activityEntries = 20
	// activityTTL is how long a person's events are reused: an agent
	// reloading the page, or two agents on the same person, ask once.
	activityTTL = 30 * time.Second
	// activityCacheSize bounds the cache; the oldest entry goes first.
	activityCacheSize = 500
)

// briefCache keeps what OneLogin said about a person (their sign-in
// activity, their factors) for activityTTL, so that an agent reloading the
// page, or two agents on the same person, ask once.
type briefCache[T any] struct {
	mu sync.Mutex
	m  map[int64]briefEntry[T]
}

type briefEntry[T any] struct {
	at    time.Time
	items T
}

func newBriefCache[T any]() *briefCache[T] { return &briefCache[T]{m: map[int64]briefEntry[T]{}} }

// activityCache keeps people's recent sign-in activity.
type activityCache = briefCache[[]views.Activity]

func newActivityCache() *activityCache { return newBriefCache[[]views.Activity]() }

func (c *briefCache[T]) get(id int64, now time.Time) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || now.Sub(e.at) >= activityTTL || now.Before(e.at) {
		var zero T
		return zero, false
	}
	return e.items, true
}

func (c *briefCache[T]) put(id int64, items T, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= activityCacheSize {
		var oldest int64
		first := true
		for k, e := range c.m {
			if first || e.at.Before(c.m[oldest].at) {
				oldest, first = k, false
			}
		}
		delete(c.m, oldest)
	}
	c.m[id] = briefEntry[T]{at: now, items: items}
}

// forget drops what is kept about a person, after changing it.
func (c *briefCache[T]) forget(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}

// activity is a person's sign-in activity: the fragment the person's page
// asks for once it has loaded, or a page of its own without JavaScript.
func (h *Handler) activity(c echo.Context) error {
	id, err := userIDParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := h.now()
	v := views.ActivityView{UserID: id, Now: now, Loc: h.loc, Locked: c.QueryParam("locked") == "1",
		Caller: c.QueryParam("caller") == "1" && h.caller.on()}
	items, ok := h.activities.get(id, now)
	switch {
	case ok:
		v.Items = items
	default:
		if note := h.quotaLowNote("the sign-in activity"); note != "" {
			v.Skipped = note
			break
		}
		items, err := h.loadActivity(ctx, id)
		if err != nil {
			if errors.Is(ctx.Err(), context.Canceled) {
				return err // the page was left; nobody reads the answer
			}
			h.log.WarnContext(ctx, "sign-in activity unavailable", "user_id", id, "error", err)
			v.Failed = true
			break
		}
		h.activities.put(id, items, now)
		v.Items = items
	}
	if wantsFragment(c) {
		return h.fragment(c, http.StatusOK, views.ActivityPanel(v))
	}
	name := "User " + strconv.FormatInt(id, 10)
	if u, err := h.ol.GetUser(ctx, id); err == nil {
		name = u.Name()
		v.Locked = lockedNow(u, now)
	} else if errors.Is(err, client.ErrNotFound) {
		return notFound("OneLogin has no user with this id.")
	}
	pg := h.page(c, "Sign-in activity · "+name, "users")
	v.Page = &pg
	return h.render(c, http.StatusOK, pg, views.ActivityPage(name, v))
}

// loadActivity reads a person's newest sign-in related events, in one call.
func (h *Handler) loadActivity(ctx context.Context, id int64) ([]views.Activity, error) {
	ids, names, err := h.eventTypes(ctx, views.ActivityTypes)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil // the tenant lists none of them
	}
	evs, _, err := h.ol.ListEvents(ctx, client.EventQuery{UserID: id, TypeIDs: ids, Limit: activityEntries})
	if err != nil {
		return nil, err
	}
	out := make([]views.Activity, 0, len(evs))
	for _, e := range evs {
		if e.UserID != id {
			continue // OneLogin filtered by user_id; a stray one is not theirs
		}
		out = append(out, views.DescribeEvent(names[e.TypeID], e))
	}
	return out, nil
}
