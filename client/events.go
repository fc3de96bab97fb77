package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// eventTypesTTL is how long EventTypes keeps OneLogin's answer: the docs
// call the call rate-limited and allow caching it for up to a day.
const eventTypesTTL = 24 * time.Hour

// eventTypesCache holds the last EventTypes answer of a Client.
type eventTypesCache struct {
	mu    sync.Mutex
	types []EventType
	at    time.Time
	// warned holds the missing names EventTypeIDs has logged.
	warned map[string]bool
}

func (q EventQuery) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	setID := func(k string, id int64) {
		if id != 0 {
			v.Set(k, strconv.FormatInt(id, 10))
		}
	}
	setTime := func(k string, t time.Time) {
		if !t.IsZero() {
			v.Set(k, t.UTC().Format(isoMillis))
		}
	}
	if len(q.TypeIDs) > 0 {
		// Several ids go comma-separated, as documented (and as the Node
		// SDK sends them); repeated parameters are not documented.
		ids := make([]string, len(q.TypeIDs))
		for i, id := range q.TypeIDs {
			ids[i] = strconv.Itoa(id)
		}
		v.Set("event_type_id", strings.Join(ids, ","))
	}
	setID("user_id", q.UserID)
	set("client_id", q.ClientID)
	setID("directory_id", q.DirectoryID)
	setID("id", q.ID)
	set("resolution", q.Resolution)
	setTime("created_at", q.CreatedAt)
	setTime("since", q.Since)
	setTime("until", q.Until)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	sort := q.Sort
	if sort == "" {
		sort = "-created_at"
	}
	v.Set("sort", sort)
	set("fields", strings.Join(q.Fields, ","))
	set("after_cursor", q.AfterCursor)
	set("before_cursor", q.BeforeCursor)
	return v
}

// ListEvents returns one page of events matching q (GET /api/1/events),
// newest first unless q.Sort says otherwise, and the cursors around it.
// Use AllEvents to walk every page.
func (c *Client) ListEvents(ctx context.Context, q EventQuery) ([]Event, Page, error) {
	const op = "ListEvents"
	res, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/api/1/events", query: q.values(), idempotent: true})
	if err != nil {
		return nil, Page{}, err
	}
	size := q.Limit
	if size <= 0 {
		size = 50 // OneLogin's default (and largest) page
	}
	return decodeList(op, res, (*wireEvent).event, size, decodeEvents)
}

// AllEvents yields every event matching q, following after_cursor from page
// to page, like AllUsers. Stop ranging once you have seen enough: a tenant
// keeps a great many events.
func (c *Client) AllEvents(ctx context.Context, q EventQuery) iter.Seq2[Event, error] {
	return paginate(ctx, q, c.ListEvents, func(q *EventQuery, after string) {
		q.AfterCursor, q.BeforeCursor = after, ""
	})
}

// GetEvent returns one event (GET /api/1/events/:id).
func (c *Client) GetEvent(ctx context.Context, id int64) (*Event, error) {
	const op = "GetEvent"
	env, err := c.envelopeCall(ctx, call{op: op, method: http.MethodGet,
		path: "/api/1/events/" + strconv.FormatInt(id, 10), idempotent: true})
	if err != nil {
		return nil, err
	}
	events, err := decodeEvents(env.Data)
	if err != nil {
		return nil, decodeError(op, err)
	}
	if len(events) != 1 {
		return nil, decodeError(op, errWantOne("event", len(events)))
	}
	return &events[0], nil
}

// EventTypes lists every kind of event (GET /api/1/events/types). OneLogin
// rate-limits the call and allows caching it for a day, so the answer is
// kept for 24 hours; a failure is not kept.
func (c *Client) EventTypes(ctx context.Context) ([]EventType, error) {
	const op = "EventTypes"
	tc := c.eventTypes
	tc.mu.Lock()
	if tc.types != nil && c.now().Before(tc.at.Add(eventTypesTTL)) {
		types := slices.Clone(tc.types)
		tc.mu.Unlock()
		return types, nil
	}
	tc.mu.Unlock()
	// The docs list only a Content-Type header for this call; the token is
	// sent anyway, as on every other call.
	env, err := c.envelopeCall(ctx, call{op: op, method: http.MethodGet, path: "/api/1/events/types", idempotent: true})
	if err != nil {
		return nil, err
	}
	types, err := decodeEventTypes(env.Data)
	if err != nil {
		return nil, decodeError(op, err)
	}
	tc.mu.Lock()
	tc.types, tc.at = types, c.now()
	tc.mu.Unlock()
	return slices.Clone(types), nil
}

// isoMillis is the form OneLogin documents for since/until (and
// created_at): UTC with milliseconds, "2024-05-02T08:59:14.123Z".
const isoMillis = "2006-01-02T15:04:05.000Z"

// EventTypeIDs resolves event type names to ids through EventTypes (kept
// for a day), so callers need not write ids down. missing lists the wanted
// names the tenant does not know; with WithLogger each is also logged as a
// warning, once in the client's life, since asking again will not change
// the answer.
func (c *Client) EventTypeIDs(ctx context.Context, names ...string) (ids map[string]int, missing []string, err error) {
	types, err := c.EventTypes(ctx)
	if err != nil {
		return nil, nil, err
	}
	byName := make(map[string]int, len(types))
	for _, t := range types {
		byName[t.Name] = t.ID
	}
	ids = make(map[string]int, len(names))
	for _, n := range names {
		if id, ok := byName[n]; ok {
			ids[n] = id
		} else if !slices.Contains(missing, n) {
			missing = append(missing, n)
		}
	}
	if c.log != nil && len(missing) > 0 {
		tc := c.eventTypes
		tc.mu.Lock()
		var fresh []string
		for _, n := range missing {
			if !tc.warned[n] {
				if tc.warned == nil {
					tc.warned = map[string]bool{}
				}
				tc.warned[n] = true
				fresh = append(fresh, n)
			}
		}
		tc.mu.Unlock()
		for _, n := range fresh {
			c.log.WarnContext(ctx, "OneLogin lists no event type of this name; what needs it will not see these events", "event_type", n)
		}
	}
	return ids, missing, nil
}
