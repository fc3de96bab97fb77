package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile_nearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	cases := []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}}
	for _, c := range cases {
		if got := percentile(lat, c.p); got != c.want {
			t.Errorf("p%v = %s, want %s", c.p, got, c.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("one sample: %s", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("no samples: %s", got)
	}
}

func TestLoad_countsMeasuresAndReportsFailures(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		time.Sleep(10 * time.Millisecond)
		// Every other answer fails, so any two measured requests hold a
		// failure however few a busy machine manages.
		if n%2 == 0 {
			http.Error(w, "boom", http.StatusBadGateway)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	mk := func(int, int) (*http.Request, error) { return http.NewRequest("GET", srv.URL, nil) }
	res := load(context.Background(), newLoadClient(4), 4, 100*time.Millisecond, 300*time.Millisecond, "t", mk)

	if res.Sent != int(hits.Load()) {
		t.Errorf("sent %d, server saw %d: every request must be complete when load returns", res.Sent, hits.Load())
	}
	if res.Requests+res.Failures >= res.Sent {
		t.Errorf("warm-up requests were measured: %d+%d of %d", res.Requests, res.Failures, res.Sent)
	}
	// 4 workers, at least 10 ms each, 300 ms: at most 120 measured, fewer
	// on a busy machine; every other one fails.
	if res.Requests < 1 || res.Requests+res.Failures > 130 || res.Failures == 0 {
		t.Errorf("measured %d ok, %d failed", res.Requests, res.Failures)
	}
	if !strings.Contains(res.FirstError, "status 502") {
		t.Errorf("first error %q", res.FirstError)
	}
	if p50 := res.Percentile(50); p50 < 10*time.Millisecond {
		t.Errorf("p50 %s for a 10 ms server", p50)
	}
	if rps, want := res.RPS(), float64(res.Requests)/0.3; rps != want {
		t.Errorf("%.1f req/s, want the %d answers over the 300 ms measured (%.1f)", rps, res.Requests, want)
	}
}

func TestMetricsText_sums(t *testing.T) {
	m := metricsText(`# HELP helpdesk_onelogin_request_duration_seconds x
helpdesk_onelogin_request_duration_seconds_count{op="GetUser",status="200"} 10
helpdesk_onelogin_request_duration_seconds_count{op="UserApps",status="200"} 9
helpdesk_onelogin_request_duration_seconds_count{op="Token",status="200"} 1
helpdesk_onelogin_request_duration_seconds_sum{op="GetUser",status="200"} 0.5
helpdesk_onelogin_request_duration_seconds_sum{op="UserApps",status="200"} 0.45
helpdesk_onelogin_request_duration_seconds_sum{op="Token",status="200"} 3
helpdesk_onelogin_token_fetches_total{outcome="error"} 0
helpdesk_onelogin_token_fetches_total{outcome="ok"} 1
`)
	if n := m.sum("helpdesk_onelogin_request_duration_seconds_count", nil, []string{`op="Token"`}); n != 19 {
		t.Errorf("%v calls, want 19 (token requests aside)", n)
	}
	if n := m.tokenRequests(); n != 1 {
		t.Errorf("token requests %v", n)
	}
	if n := m.sum("helpdesk_onelogin_request_duration_seconds_count", []string{`op="GetUser"`}, nil); n != 10 {
		t.Errorf("GetUser %v", n)
	}
}

func TestStatCPU(t *testing.T) {
	// The command name may hold spaces and parentheses.
	stat := "4242 (help desk (x)) S 1 4242 4242 0 -1 4194560 1200 0 0 0 250 75 0 0 20 0 9 0 12345 900000 5000 18446744073709551615"
	got, err := statCPU(stat)
	if err != nil || got != 3250*time.Millisecond {
		t.Errorf("statCPU = %s, %v; want 3.25s (250+75 ticks)", got, err)
	}
	for _, bad := range []string{"no name here", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 ten 12"} {
		if _, err := statCPU(bad); err == nil {
			t.Errorf("statCPU(%q) accepted", bad)
		}
	}
}

func TestParseMachineCPU(t *testing.T) {
	busy, total, err := parseMachineCPU("cpu  100 5 20 800 10 0 3 2 0 0\ncpu0 50 2 10 400 5 0 1 1 0 0\n")
	if err != nil || busy != 130 || total != 940 {
		t.Errorf("busy %d of %d, %v; want 130 of 940 (idle and iowait are not busy, steal is)", busy, total, err)
	}
	for _, bad := range []string{"", "intr 1 2 3", "cpu 1 2 x 4 5 6 7 8"} {
		if _, _, err := parseMachineCPU(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestVmHWM(t *testing.T) {
	status := "Name:\thelpdesk\nVmPeak:\t  900000 kB\nVmHWM:\t   41234 kB\nVmRSS:\t   40000 kB\n"
	got, err := vmHWM(strings.NewReader(status))
	if err != nil || got != 41234*1024 {
		t.Errorf("vmHWM = %d, %v", got, err)
	}
	if _, err := vmHWM(strings.NewReader("Name: x\n")); err == nil {
		t.Error("no VmHWM line accepted")
	}
}

// TestTargets_judgedFromMeasurements feeds the report a run that meets
// some targets and misses others.
func TestTargets_judgedFromMeasurements(t *testing.T) {
	L := 50 * time.Millisecond
	three := func(d time.Duration) []time.Duration { return []time.Duration{d, d, d} }
	r := &report{Options: options{latency: L, levels: []int{1, 100}, duration: time.Second}, CPUs: 2}
	add := func(setup string, wl workload, latency time.Duration, c int, d, overhead time.Duration, n int) {
		r.Measurements = append(r.Measurements, measurement{Setup: setup, Workload: wl, Latency: latency, MachineBusy: -1,
			Result:  result{Concurrency: c, Requests: n, Elapsed: time.Second, Latencies: three(d)},
			Matched: true, CallsPerRequest: 1, UpstreamSpans: three(d - overhead), Overheads: three(overhead)})
	}
	user := userPageWorkload([]string{"1"})
	add(setupConsole, user, L, 1, 52*time.Millisecond, 2*time.Millisecond, 10)
	add(setupConsole, user, L, 100, 70*time.Millisecond, 20*time.Millisecond, 10) // p50 over 65 ms
	add(setupConsole, searchWorkload(), L, 100, 54*time.Millisecond, 4*time.Millisecond, 10)
	add(setupBaseline, baselineWorkload(defaultListCall), L, 100, 52*time.Millisecond, time.Millisecond, 10)
	add(setupConsole, searchWorkload(), 0, 1, time.Millisecond, time.Millisecond, 300)
	add(setupBaseline, baselineWorkload(defaultListCall), 0, 1, time.Millisecond, time.Millisecond, 500)
	add(setupConsole, searchWorkload(), 0, 100, time.Millisecond, time.Millisecond, 100)
	add(setupBaseline, baselineWorkload(defaultListCall), 0, 100, time.Millisecond, time.Millisecond, 500)
	r.Processes = []process{
		{Setup: setupConsole, Latency: L, PeakRSS: 40 << 20, TokenRequests: 1, FakeTokens: 1},
		{Setup: setupConsole, Latency: 0, PeakRSS: 30 << 20, TokenRequests: 1, FakeTokens: 2},
		{Setup: setupEmbedded, Latency: L, PeakRSS: 70 << 20, TokenRequests: 1, FakeTokens: -1},
	}
	r.Measurements[0].CPUPerRequest = 650 * time.Microsecond
	r.Measurements[1].CPUPerRequest = 650 * time.Microsecond // user page at 100
	add(setupEmbedded, user, L, 100, 70*time.Millisecond, 0, 10)

	want := map[string]bool{
		"User page p50": false,
		"overhead p99 ≤ 5.0 ms at 100 concurrent: user page":                     false, // 20 ms
		"overhead p99 ≤ 5.0 ms at 100 concurrent: search fragment":               true,  // 4 ms
		"Search fragment at zero":                                                false, // 0.2× at 100
		"Peak RSS ≤ 60 MB (console, upstream 50ms)":                              true,
		"Peak RSS ≤ 60 MB (console, embedded fake, upstream 50ms)":               false,
		"token request in the whole run (console, upstream 50ms)":                true,
		"token request in the whole run (console, upstream 0s)":                  false, // the fake saw 2
		"token request in the whole run (console, embedded fake, upstream 50ms)": true,
	}
	checkTargets(t, r.targets(), want)
	md := r.markdown()
	for _, s := range []string{"| console | user page | 100 | 10.0 | 70.0 ms", "| 20.0 ms |", "**missed**", "| console, embedded fake | 50ms | 70.0 MB | 1 | – |",
		"| 20.0 ms (the baseline proxy's: 1.0 ms; one round of 100 requests is 65.0 ms of console CPU, 32.5 ms on 2 CPUs) | **missed** |",
		"| 2.0 ms | 0.65 ms | – |\n"} {
		if !strings.Contains(md, s) {
			t.Errorf("report lacks %q", s)
		}
	}
}

func TestSpanRecorder_matchesCallsToRequests(t *testing.T) {
	up := startFake(20 * time.Millisecond)
	defer up.close()
	token, err := fetchToken(up)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, id string) {
		req, _ := http.NewRequest("GET", up.URL()+path, nil)
		req.Header.Set("Authorization", "bearer "+token)
		req.Header.Set("X-Request-Id", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get("/api/1/users?limit=1", "r1")
	get("/api/1/users?limit=2", "r1")
	get("/api/1/users?limit=1", "r2")
	settle(up.spans, "r1", 2)
	settle(up.spans, "r2", 1)
	sp, ok := up.spans.take("r1")
	if !ok || sp.calls != 2 || sp.end.Sub(sp.start) < 40*time.Millisecond {
		t.Errorf("r1: %+v (two sequential 20 ms calls)", sp)
	}
	if _, ok := up.spans.take("r1"); ok {
		t.Error("take did not forget r1")
	}
	up.spans.reset()
	if _, ok := up.spans.take("r2"); ok {
		t.Error("reset did not forget r2")
	}
	if n := up.tokenRequests(); n != 1 {
		t.Errorf("token requests %d", n)
	}
	if got := up.lastList(); got != "/api/1/users?limit=1" {
		t.Errorf("last list call %q", got)
	}
}

// settle waits until the recorder has noted calls calls of request id: it
// notes a call after answering it, so a client can see the answer first.
func settle(s *spanRecorder, id string, calls int) {
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s.mu.Lock()
		n := s.spans[id].calls
		s.mu.Unlock()
		if n >= calls {
			return
		}
	}
}

func TestBaseline_servesTheListCallWithTheToken(t *testing.T) {
	b, err := startBaseline(0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	req, _ := baselineWorkload(defaultListCall).mk(b.base())(0, 0)
	req.Header.Set("X-Request-Id", "base-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("baseline: %s", resp.Status)
	}
	settle(b.upstream.spans, "base-1", 1)
	if sp, ok := b.upstream.spans.take("base-1"); !ok || sp.calls != 1 {
		t.Errorf("the fake did not see the request id through the proxy: %+v", sp)
	}
}

// checkTargets checks that every target named (by a part of its name) in
// want is in got, met or missed as want says.
func checkTargets(t *testing.T, got []target, want map[string]bool) {
	t.Helper()
	for prefix, met := range want {
		found := false
		for _, tg := range got {
			if strings.Contains(tg.name, prefix) {
				found = true
				if tg.met != met {
					t.Errorf("%s: met=%v, want %v (%s)", tg.name, tg.met, met, tg.measured)
				}
			}
		}
		if !found {
			t.Errorf("no target %q", prefix)
		}
	}
}
