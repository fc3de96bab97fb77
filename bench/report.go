package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// Targets from issue #6.
const (
	userPageFactor   = 1.3 // user page p50 <= 1.3 x one upstream latency
	overheadP99Max   = 5 * time.Millisecond
	overheadLevel    = 100      // ... at 100 concurrent
	searchVsBaseline = 0.5      // search at zero latency >= half the baseline's req/s
	peakRSSMax       = 60 << 20 // bytes
	tokenRequests    = 1        // per console process
)

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// overhead is the console's own share of a latency: what is left after
// depth upstream latencies.
func overhead(lat time.Duration, m measurement) time.Duration {
	return lat - time.Duration(m.Workload.Depth)*m.Latency
}

func (r *report) find(scenario, workload string, c int) (measurement, bool) {
	for _, m := range r.Measurements {
		if m.Scenario == scenario && m.Workload.Name == workload && m.Result.Concurrency == c {
			return m, true
		}
	}
	return measurement{}, false
}

func yes(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func (r *report) markdown() string {
	var b strings.Builder
	o := r.Options
	L := o.latency
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# Benchmark results\n\n")
	w("Written by `make bench` (`go run ./bench`) on %s. Machine: %d CPUs (%s), %s %s/%s. ",
		r.Started.UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	w("Each level: %s of unmeasured warm-up, then %s measured, closed loop (each worker sends its next request when it has read the last answer), loopback only. ", o.warmup, o.duration)
	w("The load generator, the console and the baseline share the machine.\n\n")

	w("## Method\n\n")
	w("- **The console** runs as its own process, built from this module, on its embedded fake tenant (2,000 people) with `HELPDESK_FAKE_LATENCY` injected before every answer, in proxy sign-in mode (`HELPDESK_AUTH_MODE=proxy`, `HELPDESK_TRUSTED_PROXIES=127.0.0.1/32`) so the load generator says who it is with `X-Forwarded-Email`/`X-Forwarded-Groups` (a %q agent). Log level info: the access log is written for every request, as in production.\n", staffGroups)
	w("- **Workloads.** *Search fragment*: `GET %s` with `HX-Request: true` and `HX-Target: search-results`, answered with the results fragment: 50 rows from one list call. *One-word search*: `GET %s`, three concurrent list calls of 25 merged. *User page*: `GET /users/{id}`, walking the 50 people the search finds; its OneLogin calls (the user and their apps; role names and attribute definitions are cached for a minute) run concurrently.\n", searchPath, wordSearchPath)
	w("- **Upstream calls per request**: the difference in the console's own count of OneLogin exchanges (`helpdesk_onelogin_request_duration_seconds_count`, token requests aside; every exchange is one call in the fake's record) over the level, divided by the requests sent in it.\n")
	w("- **Console overhead** = console latency − depth × upstream latency, where depth is the number of upstream calls one after another on the request's path (1 for all three workloads: their calls run concurrently). The fake's own work (filtering 2,000 people, writing JSON) and the loopback hop to it count as console overhead here, so this overstates it; the baseline row at the same latency shows that floor.\n")
	w("- **Baseline**: a bare `httputil.ReverseProxy` in the benchmark process in front of the same kind of fake tenant (same seed, same latency), adding the bearer token, serving the list call the search makes: `GET %s`. It does no sign-in check, no rendering, no logging.\n", baselinePath)
	w("- **Peak RSS**: `VmHWM` from `/proc/<pid>/status` of the console process at the end of its run. It includes the embedded fake tenant (2,000 people, its call record and its HTTP server), which a console on a real tenant does not carry.\n")
	w("- **Token requests**: `helpdesk_onelogin_token_fetches_total` (every outcome) from the console's `/metrics` at the end of each process's run.\n\n")

	for _, lat := range []time.Duration{L, 0} {
		w("## Results: upstream latency %s\n\n", lat)
		w("| Workload | Concurrency | req/s | p50 | p95 | p99 | Failures | Upstream calls/req | Mean upstream call | Overhead p50 | Overhead p95 | Overhead p99 |\n")
		w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, m := range r.Measurements {
			if m.Latency != lat {
				continue
			}
			res := m.Result
			mean := "–"
			if m.Console {
				mean = ms(m.UpstreamMean)
			}
			w("| %s | %d | %.1f | %s | %s | %s | %d | %.2f | %s | %s | %s | %s |\n",
				m.Workload.Name, res.Concurrency, res.RPS(), ms(res.Percentile(50)), ms(res.Percentile(95)), ms(res.Percentile(99)),
				res.Failures, m.CallsPerRequest, mean,
				ms(overhead(res.Percentile(50), m)), ms(overhead(res.Percentile(95), m)), ms(overhead(res.Percentile(99), m)))
		}
		w("\n")
		for _, m := range r.Measurements {
			if m.Latency == lat && m.Result.FirstError != "" {
				w("First failure, %s at %d: `%s`\n\n", m.Workload.Name, m.Result.Concurrency, m.Result.FirstError)
			}
		}
	}

	w("## Console processes\n\n| Upstream latency | Peak RSS | Token requests | Stop on SIGTERM |\n|---|---:|---:|---|\n")
	for _, p := range r.Processes {
		w("| %s | %.1f MB | %.0f | %s |\n", p.Latency, float64(p.PeakRSS)/(1<<20), p.TokenRequests, orOK(p.StopErr))
	}
	w("\n")

	w("## Targets\n\n| Target | Measured | Result |\n|---|---|---|\n")
	for _, t := range r.targets() {
		w("| %s | %s | %s |\n", t.name, t.measured, yes(t.met))
	}
	w("\n")
	w("## Reading these numbers\n\n")
	w("- The machine is small and shared: the load generator, the console, its embedded fake tenant and (for the baseline) the proxy and its fake all compete for the same CPUs, so at 100 concurrent requests every number includes queueing for a CPU. A console on its own host in front of the real OneLogin does not serve its upstream's work.\n")
	w("- At zero latency the console's process also does the fake tenant's work for every call (filtering people, writing their JSON), while the baseline's fake runs in the benchmark process; the comparison is of whole systems on one machine.\n")
	w("- OneLogin's real quota is 5,000 calls an hour per account (`helpdesk_onelogin_rate_limit_remaining`); these rates are far above what a real tenant allows, and the fake's quota is raised for the benchmark (`HELPDESK_FAKE_RATE_LIMIT`).\n")
	return b.String()
}

type target struct {
	name, measured string
	met            bool
}

func (r *report) targets() []target {
	L := r.Options.latency
	console := fmt.Sprintf("console, upstream %s", L)
	zero := "console, upstream 0s"
	var ts []target

	// User page p50 within 1.3 upstream latencies, at every level.
	limit := time.Duration(userPageFactor * float64(L))
	var parts []string
	met := true
	for _, c := range r.Options.levels {
		m, ok := r.find(console, "user page", c)
		if !ok {
			continue
		}
		p50 := m.Result.Percentile(50)
		met = met && p50 <= limit && m.Result.Requests > 0
		parts = append(parts, fmt.Sprintf("%d: %s", c, ms(p50)))
	}
	ts = append(ts, target{fmt.Sprintf("User page p50 ≤ %.1f × upstream latency (%s), every level", userPageFactor, ms(limit)),
		"p50 by concurrency " + strings.Join(parts, ", "), met && len(parts) > 0})

	// Console overhead p99 at 100 concurrent.
	for _, wl := range []string{"user page", "search fragment"} {
		m, ok := r.find(console, wl, overheadLevel)
		if !ok {
			continue
		}
		oh := overhead(m.Result.Percentile(99), m)
		extra := ""
		if b, ok := r.find(fmt.Sprintf("baseline, upstream %s", L), baselineWorkload().Name, overheadLevel); ok {
			extra = fmt.Sprintf(" (the baseline proxy's, same way: %s)", ms(overhead(b.Result.Percentile(99), b)))
		}
		ts = append(ts, target{fmt.Sprintf("Console overhead p99 ≤ %s at %d concurrent: %s", ms(overheadP99Max), overheadLevel, wl),
			ms(oh) + extra, oh <= overheadP99Max && m.Result.Requests > 0})
	}

	// Search fragment at zero latency vs the baseline.
	parts, met = nil, true
	for _, c := range r.Options.levels {
		s, ok1 := r.find(zero, "search fragment", c)
		b, ok2 := r.find("baseline, upstream 0s", baselineWorkload().Name, c)
		if !ok1 || !ok2 || b.Result.RPS() == 0 {
			continue
		}
		ratio := s.Result.RPS() / b.Result.RPS()
		met = met && ratio >= searchVsBaseline
		parts = append(parts, fmt.Sprintf("%d: %.0f vs %.0f req/s (%.2f×)", c, s.Result.RPS(), b.Result.RPS(), ratio))
	}
	ts = append(ts, target{fmt.Sprintf("Search fragment at zero upstream latency ≥ %.1f × the baseline proxy's req/s, every level", searchVsBaseline),
		strings.Join(parts, "; "), met && len(parts) > 0})

	for _, p := range r.Processes {
		ts = append(ts, target{fmt.Sprintf("Peak RSS ≤ %d MB (console process, upstream %s)", peakRSSMax>>20, p.Latency),
			fmt.Sprintf("%.1f MB", float64(p.PeakRSS)/(1<<20)), p.PeakRSS <= peakRSSMax && p.PeakRSS > 0})
	}
	for _, p := range r.Processes {
		ts = append(ts, target{fmt.Sprintf("Exactly %d token request in the whole run (console process, upstream %s)", tokenRequests, p.Latency),
			fmt.Sprintf("%.0f", p.TokenRequests), p.TokenRequests == tokenRequests})
	}
	return ts
}

// cpuModel is the CPU's name from /proc/cpuinfo, or "unknown CPU".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
