package pgstore

import (
	"testing"

	"onelogin-helpdesk/pgstore/pgtest"
	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/selfunlock/shapestest"
)

func TestPostgres_factorShapesConform(t *testing.T) {
	shapestest.Conformance(t, func(t *testing.T) selfunlock.ShapeStore { return open(t, pgtest.URL(t), nil) })
}
