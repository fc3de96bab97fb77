package selfunlock

import (
	"context"
	"log/slog"
	"time"
)

// RunSweeper sweeps flows's expired flows every interval until ctx ends, so
// they go whether or not requests arrive. A failed sweep is logged and the
// next one tries again.
func RunSweeper(ctx context.Context, flows Store, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := flows.Sweep(ctx); err != nil && ctx.Err() == nil {
				log.Warn("sweeping expired unlock flows failed", "error", err)
			}
		}
	}
}
