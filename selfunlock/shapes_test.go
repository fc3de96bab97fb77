package selfunlock_test

import (
	"testing"

	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/selfunlock/shapestest"
)

func TestMemoryShapes_conform(t *testing.T) {
	shapestest.Conformance(t, func(*testing.T) selfunlock.ShapeStore { return selfunlock.NewMemoryShapes() })
}
