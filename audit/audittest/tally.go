package audittest

import (
	"context"
	"time"

	"onelogin-helpdesk/audit"
)

var (
	_ audit.Tallier = (*Memory)(nil)
	_ audit.Tallier = (*FailingStore)(nil)
)

// Tally implements audit.Tallier.
func (m *Memory) Tally(ctx context.Context, rec audit.Record, within time.Duration, sample string) (int64, error) {
	rec, err := audit.PrepareTally(rec, m.now(), sample)
	if err != nil {
		return 0, err
	}
	return m.collapseOrAppend(ctx, rec, func() (int64, bool) {
		for i := len(m.records) - 1; i >= 0 && rec.Time.Sub(m.records[i].Time) < within; i-- {
			r := &m.records[i]
			if _, tallied := r.Params[audit.SampleParam]; !tallied || !audit.SameTally(*r, rec) {
				continue
			}
			r.Repeats++
			r.LastAt = rec.Time
			params := copyRecord(*r).Params
			params[audit.SampleParam] = audit.AddSample(params[audit.SampleParam], sample)
			r.Params = params
			return r.ID, true
		}
		return 0, false
	})
}

// Tally implements audit.Tallier: it fails while the store fails.
func (f *FailingStore) Tally(ctx context.Context, r audit.Record, within time.Duration, sample string) (int64, error) {
	if f.failing.Load() {
		return 0, audit.ErrUnavailable
	}
	t, ok := f.Store.(audit.Tallier)
	if !ok {
		return 0, audit.ErrUnavailable
	}
	return t.Tally(ctx, r, within, sample)
}
