package pgstore

import (
	"testing"

	"onelogin-helpdesk/pgstore/pgtest"
	"onelogin-helpdesk/selfunlock/flowstest"
)

func TestPostgres_unlockFlowsConform(t *testing.T) {
	flowstest.Conformance(t, open(t, pgtest.URL(t), nil))
}
