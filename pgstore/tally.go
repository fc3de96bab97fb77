package pgstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"onelogin-helpdesk/audit"
)

var _ audit.Tallier = (*Store)(nil)

// lockTally is the advisory lock namespace of Tally.
const lockTally int32 = 101

// Tally implements audit.Tallier. An advisory lock on the tally's key
// makes replicas queue, so two steps cannot both miss the other's record.
func (s *Store) Tally(ctx context.Context, rec audit.Record, within time.Duration, sample string) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	rec, err := audit.PrepareTally(rec, s.now(), sample)
	if err != nil {
		return 0, err
	}
	lock := lockKey(lockTally, strings.ToLower(rec.ActorEmail), string(rec.Action), rec.SourceIP, string(rec.Outcome), rec.Reason)
	return s.collapseOrInsert(ctx, rec, lock, func(tx pgx.Tx) (int64, bool, error) {
		var id int64
		var kept string
		err := tx.QueryRow(ctx, `SELECT id, params->>'`+audit.SampleParam+`' FROM audit_records
			WHERE lower(actor_email) = lower($1) AND action = $2 AND source_ip = $3 AND outcome = $4 AND reason = $5
				AND at > $6 AND params->>'`+audit.SampleParam+`' IS NOT NULL
			ORDER BY id DESC LIMIT 1`,
			rec.ActorEmail, string(rec.Action), rec.SourceIP, string(rec.Outcome), rec.Reason, rec.Time.Add(-within)).Scan(&id, &kept)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return 0, false, nil
		case err != nil:
			return 0, false, err
		}
		_, err = tx.Exec(ctx, `UPDATE audit_records SET repeats = repeats + 1, last_at = $1,
			params = jsonb_set(params, '{`+audit.SampleParam+`}', to_jsonb($2::text)) WHERE id = $3`,
			rec.Time, audit.AddSample(kept, sample), id)
		return id, true, err
	})
}
