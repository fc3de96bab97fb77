package pgstore

import (
	"testing"

	"onelogin-helpdesk/pgstore/pgtest"
	"onelogin-helpdesk/sessions"
	"onelogin-helpdesk/sessions/sessionstest"
)

func TestPostgres_sessionsConform(t *testing.T) {
	sessionstest.Conformance(t, func(t *testing.T) sessions.Store { return open(t, pgtest.URL(t), nil) })
}
