package pgstore

import (
	"context"
	"errors"
	"fmt"
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
	var id int64
	inserted := false
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ns, k := lockKey(lockTally, strings.ToLower(rec.ActorEmail), string(rec.Action), rec.SourceIP, string(rec.Outcome), rec.Reason)
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", ns, k); err != nil {
			return err
		}
		var kept string
		err := tx.QueryRow(ctx, `SELECT id, params->>'`+audit.SampleParam+`' FROM audit_records
			WHERE lower(actor_email) = lower($1) AND action = $2 AND source_ip = $3 AND outcome = $4 AND reason = $5
				AND at > $6 AND params->>'`+audit.SampleParam+`' IS NOT NULL
			ORDER BY id DESC LIMIT 1`,
			rec.ActorEmail, string(rec.Action), rec.SourceIP, string(rec.Outcome), rec.Reason, rec.Time.Add(-within)).Scan(&id, &kept)
		switch {
		case err == nil:
			_, err := tx.Exec(ctx, `UPDATE audit_records SET repeats = repeats + 1, last_at = $1,
				params = jsonb_set(params, '{`+audit.SampleParam+`}', to_jsonb($2::text)) WHERE id = $3`,
				rec.Time, audit.AddSample(kept, sample), id)
			return err
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		inserted = true
		id, err = insert(ctx, tx, rec)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("audit: write record: %w", err)
	}
	if inserted {
		rec.ID = id
		audit.LogBegin(ctx, s.log, rec)
	}
	return id, nil
}
