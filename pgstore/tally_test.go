package pgstore

import (
	"log/slog"
	"testing"

	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/pgstore/pgtest"
)

func TestPostgres_tallies(t *testing.T) {
	audittest.TallyConformance(t, func(t *testing.T, log *slog.Logger, opts ...audit.Option) audit.Store {
		return open(t, pgtest.URL(t), log, opts...)
	})
}
