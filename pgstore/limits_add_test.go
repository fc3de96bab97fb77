package pgstore

import (
	"testing"

	"onelogin-helpdesk/limits"
	"onelogin-helpdesk/limits/limitstest"
	"onelogin-helpdesk/pgstore/pgtest"
)

func TestPostgres_limitsAddConforms(t *testing.T) {
	limitstest.AddConformance(t, func(t *testing.T) limits.Adder { return open(t, pgtest.URL(t), nil) })
}
