package selfunlock

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"onelogin-helpdesk/client"
)

// TestMemoryStore_boundedMemory: 10,000 live flows, each started with a
// 1 MB User-Agent and the longest login, hold under 50 MB; the store takes
// no more than maxFlows.
func TestMemoryStore_boundedMemory(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := NewMemoryStore(func() time.Time { return now })
	ua := strings.Repeat("u", 1<<20)
	kinds := []client.FactorKind{client.FactorProtect, client.FactorAuthenticator, client.FactorSMS, client.FactorEmail}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range maxFlows {
		login := strings.Repeat("x", maxLoginLen-10) + fmt.Sprintf("%010d", i)
		f := &Flow{login: login, ua: clipUserAgent(ua), chosen: -1, key: "login:" + login, factors: decoyFactors([]byte("k"), login, shapeWeights(nil, kinds))}
		if _, ok, _ := s.Add(context.Background(), f); !ok {
			t.Fatalf("flow %d refused", i)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d flows hold %.1f MB", maxFlows, float64(held)/(1<<20))
	if held >= 50<<20 {
		t.Errorf("%d flows hold %d bytes, want under 50 MB", maxFlows, held)
	}
	if _, ok, _ := s.Add(context.Background(), &Flow{}); ok {
		t.Error("the store took a flow past maxFlows")
	}
	runtime.KeepAlive(s)
}

// TestMemoryStore_sweptOnATimer: with RunSweeper running, expired flows
// go within SweepEvery of expiring though no request arrives, live ones
// stay, and the sweeper returns when its context ends.
func TestMemoryStore_sweptOnATimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		s := NewMemoryStore(time.Now)
		for range 100 {
			s.Add(ctx, &Flow{})
		}
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			RunSweeper(ctx, s, SweepEvery, slog.New(slog.DiscardHandler))
		}()
		time.Sleep(FlowTTL / 2)
		late, _, _ := s.Add(ctx, &Flow{})

		time.Sleep(FlowTTL/2 + SweepEvery)
		synctest.Wait()
		if n := s.Len(); n != 1 {
			t.Errorf("%d flows held a sweep after 100 expired, want the 1 live", n)
		}
		if _, ok, _ := s.Get(ctx, late); !ok {
			t.Error("the live flow was swept")
		}

		cancel()
		synctest.Wait()
		select {
		case <-ended:
		default:
			t.Error("the sweeper runs on after its context ended")
		}
	})
}
