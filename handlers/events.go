package handlers

import (
	"context"
	"fmt"
	"slices"
	"time"

	"onelogin-helpdesk/views"
)

// eventTypes resolves OneLogin's event type names to ids through the API's
// own list (the client keeps it for a day), so no id is written down here:
// ids asks for the names, and names maps every id to its name. A name the
// tenant does not list is left out, and the client warns of it once.
func (h *Handler) eventTypes(ctx context.Context, want []string) (ids []int, names map[int]string, err error) {
	byName, _, err := h.ol.EventTypeIDs(ctx, want...)
	if err != nil {
		return nil, nil, err
	}
	types, err := h.ol.EventTypes(ctx)
	if err != nil {
		return nil, nil, err
	}
	names = make(map[int]string, len(types))
	for _, t := range types {
		names[t.ID] = t.Name
	}
	for _, n := range want {
		if id, ok := byName[n]; ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, names, nil
}

// quotaLowNote says why an optional read is skipped when OneLogin's hourly
// quota is low (below HELPDESK_QUOTA_LOW), or "" when it is not: the calls
// left are kept for actions. what names the read ("sign-in activity").
func (h *Handler) quotaLowNote(what string) string {
	if h.quotaLow <= 0 {
		return ""
	}
	rl := h.ol.RateLimit()
	// Observed and Reset are on the client's clock.
	since := time.Since(rl.Observed)
	if rl.Limit <= 0 || rl.Observed.IsZero() || since >= rl.Reset || rl.Remaining >= h.quotaLow {
		return ""
	}
	renews := h.now().Add(rl.Reset - since)
	return fmt.Sprintf("OneLogin's hourly quota is nearly used up (%d of %d calls left until %s), so %s is not loaded now: the calls left are kept for unlocks and other actions.",
		rl.Remaining, rl.Limit, views.ClockTime(renews, h.now(), h.loc), what)
}
