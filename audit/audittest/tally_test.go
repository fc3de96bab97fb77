package audittest

import (
	"log/slog"
	"testing"

	"onelogin-helpdesk/audit"
)

func TestMemory_tallies(t *testing.T) {
	TallyConformance(t, func(t *testing.T, log *slog.Logger, opts ...audit.Option) audit.Store { return NewMemory(log, opts...) })
}
