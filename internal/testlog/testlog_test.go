package testlog_test

import (
	"log/slog"
	"sync"
	"testing"

	"onelogin-helpdesk/internal/testlog"
)

func TestBuffer_findsLinesByTheirFields(t *testing.T) {
	var logs testlog.Buffer
	log := logs.Logger(slog.LevelInfo)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() { log.Info("request", "n", i, "route", "/users") })
	}
	log.Debug("below the level")
	wg.Wait()

	cases := []struct {
		want map[string]any
		has  bool
	}{
		{map[string]any{"msg": "request", "route": "/users", "n": float64(7)}, true},
		{map[string]any{"msg": "request", "n": float64(10)}, false},
		{map[string]any{"msg": "below the level"}, false},
	}
	for _, c := range cases {
		if got := logs.Has(t, c.want); got != c.has {
			t.Errorf("Has(%v) = %v, want %v", c.want, got, c.has)
		}
	}
	if !logs.Eventually(t, map[string]any{"level": "INFO"}) {
		t.Error("Eventually missed a line already there")
	}
}
