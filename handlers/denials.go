package handlers

import (
	"context"
	"strconv"
	"strings"
	"time"

	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/limits"
)

// One signed-in person's refusals: the first few targets in a window are
// recorded in full, each on its person (repeats on one target add to its
// record, audit.Store.Deny); past fullDenials distinct targets, the rest of
// that kind in the window are tallied as one record about nobody, with a
// count and a sample of the targets, so that a script cannot flood the
// trail (or the disk it fails closed on).
const (
	fullDenials       = 5
	deniedTallyWindow = 10 * time.Minute
)

// denials counts a person's refused targets; zero when there is no limits
// store, and then every refusal is recorded in full.
type denials struct {
	targets, people limits.Limit
}

func newDenials(st limits.Store, now func() time.Time) denials {
	if st == nil {
		return denials{}
	}
	return denials{targets: limits.Limit{Store: st, Name: "denied-target", Max: 1, Window: denyWindow, Now: now},
		people: limits.Limit{Store: st, Name: "denied-targets", Max: fullDenials, Window: denyWindow, Now: now}}
}

// flooding reports whether rec's refusal is past its actor's refusals in
// full; when the count cannot be read, it is not (the record is written).
func (d denials) flooding(ctx context.Context, rec audit.Record) bool {
	if d.people.Store == nil {
		return false
	}
	who := strings.ToLower(rec.ActorEmail) + "|" + string(rec.Action)
	target := who + "|" + strconv.FormatInt(rec.TargetID, 10) + "|" + strings.ToLower(rec.TargetEmail)
	first, _, err := d.targets.Take(ctx, target)
	if err != nil {
		return false
	}
	if first {
		ok, _, err := d.people.Take(ctx, who)
		return err == nil && !ok
	}
	left, err := d.people.Remaining(ctx, who)
	return err == nil && left == 0
}

// writeDenied writes a refused attempt: in full, or tallied when its actor
// is flooding.
func (h *Handler) writeDenied(ctx context.Context, rec audit.Record) error {
	tl, ok := h.audit.(audit.Tallier)
	if !ok || !h.denials.flooding(ctx, rec) {
		_, err := h.audit.Deny(ctx, rec, denyWindow)
		return err
	}
	sample := rec.TargetEmail
	if sample == "" {
		sample = strconv.FormatInt(rec.TargetID, 10)
	}
	rec.TargetID, rec.TargetEmail, rec.TargetName = 0, "", ""
	_, err := tl.Tally(ctx, rec, deniedTallyWindow, sample)
	return err
}
