package pgstore

import (
	"testing"

	"onelogin-helpdesk/pgstore/pgtest"
	"onelogin-helpdesk/sessions"
	"onelogin-helpdesk/sessions/sessionstest"
)

func TestPostgres_blocksConform(t *testing.T) {
	sessionstest.BlocksConformance(t, func(t *testing.T) sessions.Blocks { return open(t, pgtest.URL(t), nil) })
}
