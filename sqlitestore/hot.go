package sqlitestore

import (
	"database/sql"
	"errors"

	"onelogin-helpdesk/audit"
)

// hotWrites are the writer's statements that every anonymous step of the
// public unlock page runs (its allowances, its tallied audit record),
// prepared once at open: parsing them anew was most of a step's cost. A
// transaction takes one with tx.StmtContext, which reuses the writer
// connection's prepared statement.
type hotWrites struct {
	tallyFind, tallyBump               *sql.Stmt
	limitsPrune, limitsSeen, limitsAdd *sql.Stmt
}

func prepareHotWrites(w *sql.DB) (hotWrites, error) {
	var h hotWrites
	for _, q := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&h.tallyFind, `SELECT id, json_extract(params, '$.` + audit.SampleParam + `') FROM audit_records
			WHERE actor_email = ? COLLATE NOCASE AND action = ? AND source_ip = ? AND outcome = ? AND reason = ?
				AND time_us > ? AND json_type(params, '$.` + audit.SampleParam + `') IS NOT NULL
			ORDER BY id DESC LIMIT 1`},
		{&h.tallyBump, `UPDATE audit_records SET repeats = repeats + 1, last_us = ?,
			params = json_set(params, '$.` + audit.SampleParam + `', ?) WHERE id = ?`},
		{&h.limitsPrune, `DELETE FROM limit_events WHERE at_us <= ?`},
		{&h.limitsSeen, `SELECT at_us FROM limit_events WHERE key = ? AND at_us > ? ORDER BY at_us`},
		{&h.limitsAdd, `INSERT INTO limit_events (key, at_us) VALUES (?, ?)`},
	} {
		st, err := w.Prepare(q.query)
		if err != nil {
			return hotWrites{}, errors.Join(err, h.close())
		}
		*q.stmt = st
	}
	return h, nil
}

func (h hotWrites) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{h.tallyFind, h.tallyBump, h.limitsPrune, h.limitsSeen, h.limitsAdd} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}
