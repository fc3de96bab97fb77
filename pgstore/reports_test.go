package pgstore

import (
	"testing"

	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/pgstore/pgtest"
)

func TestPostgres_reports(t *testing.T) {
	audittest.ReporterConformance(t, func(t *testing.T) interface {
		audit.Store
		audit.Reporter
	} {
		return open(t, pgtest.URL(t), nil)
	})
}
