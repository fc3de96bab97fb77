package pgstore

import (
	"testing"

	"onelogin-helpdesk/notify"
	"onelogin-helpdesk/notify/notifytest"
	"onelogin-helpdesk/pgstore/pgtest"
)

func TestPostgres_mailConforms(t *testing.T) {
	notifytest.Conformance(t, func(t *testing.T) notify.Store { return open(t, pgtest.URL(t), nil) })
}
