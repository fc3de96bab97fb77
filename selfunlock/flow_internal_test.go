package selfunlock

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
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
		f := &Flow{login: login, ua: clipUserAgent(ua), chosen: -1, key: "login:" + login, factors: decoyFactors([]byte("k"), login, kinds)}
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

// TestMemoryStore_sweeps: expired flows go within sweepEvery, without
// waiting for the store to fill.
func TestMemoryStore_sweeps(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := NewMemoryStore(func() time.Time { return now })
	for range 100 {
		s.Add(context.Background(), &Flow{})
	}
	now = now.Add(FlowTTL + sweepEvery)
	s.Add(context.Background(), &Flow{})
	if n := s.Len(); n != 1 {
		t.Errorf("%d flows held after the others expired, want 1", n)
	}
}
