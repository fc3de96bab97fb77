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
	// bulkCallsPerPerson is the most OneLogin calls a bulk job may take
	// for one person it unlocks.
	bulkCallsPerPerson = 2
)

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// percent writes a share as a percentage, "–" when unknown (negative).
func percent(share float64) string {
	if share < 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", share*100)
}

// cpuMS shows a CPU time per request, "–" when not measured.
func cpuMS(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func (r *report) find(setup, workload string, lat time.Duration, c int) (measurement, bool) {
	for _, m := range r.Measurements {
		if m.Setup == setup && m.Workload.Name == workload && m.Latency == lat && m.Result.Concurrency == c {
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
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# Benchmark results\n\n")
	if n := r.failures(); n > 0 {
		w("**This run had failures: %d requests failed**, so the rows with failures do not measure what they name; the first failure of each is given under its table.\n\n", n)
	}
	w("Written by `make bench` (`go run ./bench`) on %s. Machine: %d CPUs (%s), %s %s/%s. ",
		r.Started.UTC().Format("2006-01-02 15:04 MST"), r.cpus(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	w("Each level: %s of unmeasured warm-up, then %s measured, closed loop (each worker sends its next request when it has read the last answer, and keeps the session cookie like a browser), loopback only. ", o.warmup, o.duration)
	w("The load generator, the fake tenant, the console and the baseline share the machine.\n\n")

	w("## Method\n\n")
	w("- **The console** runs as its own process, built from this module, in proxy sign-in mode (`HELPDESK_AUTH_MODE=proxy`, `HELPDESK_TRUSTED_PROXIES=127.0.0.1/32`): the load generator says who it is with `X-Forwarded-Email`/`X-Forwarded-Groups` (a %q agent). Log level info: the access log is written for every request, as in production.\n", staffGroups)
	w("- **The fake tenant** (`fakeonelogin`, 2,000 people) runs in the benchmark process with %s of latency before every answer, and the console is pointed at it with `ONELOGIN_URL`, so that the console process's CPU and memory are the console's alone. A last run uses the fake embedded in the console (`HELPDESK_FAKE_LATENCY`), as `make run` does, for its memory and token count.\n", o.latency)
	w("- **The benchmark persona.** The load generator is one helpdesk agent (%q, group %q) whose hourly budget of OneLogin calls is set to %d (`HELPDESK_BUDGET_HELPDESK`) in every console the benchmark starts, so that no workload is refused by it; what the budgets cost is measured on its own (*Budgets*, below).\n", staffEmail, staffGroups, o.budget)
	w("- **Workloads.** Every search is one the console was not asked within its 5 s search cache, so each is answered by OneLogin: the box with a \"created\" range (`since`, `until`) that moves by a day a request, every range holding most of the tenant. *Search fragment*: `GET /users?q=%s&since=…&until=…` with `HX-Request: true` and `HX-Target: search-results`, answered with the results fragment: 50 rows from one list call. *One-word search*: the same with ten two-letter words in turn (`q=ma`, `q=an`, …), four concurrent list calls of 25 merged. *User page*: `GET /users/{id}`, walking the 50 people the domain search finds; its OneLogin calls (the user and their apps; role names and attribute definitions are cached for a minute) run concurrently.\n", searchBox)
	w("- **Upstream calls and latency per request are measured on the fake's side.** The load generator sends a unique `X-Request-Id` with each request; the console passes it on with every OneLogin call it makes for the request; a recorder in front of the fake notes when each call arrived and when it was answered. A request's *upstream span* runs from its first call's arrival to its last call's answer; *calls/req* counts its calls (the token request carries no id and is counted apart).\n")
	w("- **Console overhead** = the request's latency at the load generator − its upstream span, request by request, then percentiles. It is what the console (and the loopback hops) added around OneLogin's answers: sign-in check, planning, decoding, rendering, logging, metrics, and waiting for a CPU. The baseline is measured the same way.\n")
	w("- **Baseline**: a bare `httputil.ReverseProxy` in the benchmark process in front of the same kind of fake tenant (same seed, same latency, same recorder), adding the bearer token, serving the list call the console made for the search fragment (read from the fake's side): `GET %s`. It does no sign-in check, no decoding, no rendering, no logging.\n", r.listCall())
	w("- **Console CPU/req**: the console process's CPU time (user and system, from `/proc/<pid>/stat`) over a whole level, warm-up included, divided by the requests sent. Unlike latency it hardly depends on what else runs on the machine; with the embedded fake it includes the fake's work.\n")
	w("- **Machine CPU busy**: the share of all the machine's CPU time (every CPU, every process: console, fake, load generator, and time the hypervisor gave to other guests) that was not idle over the level, warm-up included, from `/proc/stat`. Near 100%%, requests queue for a CPU, and that wait lands in whichever latency is being measured.\n")
	w("- **Peak RSS**: `VmHWM` from `/proc/<pid>/status` of the console process at the end of its run.\n")
	w("- **Token requests**: the console's own count (`helpdesk_onelogin_token_fetches_total`, every outcome, from its `/metrics`) at the end of each process's run, and the token requests the recorder in front of the fake counted, where the fake runs in the benchmark.\n\n")

	for _, lat := range []time.Duration{o.latency, 0} {
		w("## Results: upstream latency %s\n\n", lat)
		w("| Setup | Workload | Concurrency | req/s | p50 | p95 | p99 | Failures | Upstream calls/req | Upstream span p50 | Overhead p50 | Overhead p95 | Overhead p99 | Console CPU/req | Machine CPU busy |\n")
		w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, m := range r.Measurements {
			if m.Latency != lat {
				continue
			}
			res := m.Result
			calls, span, o50, o95, o99 := "–", "–", "–", "–", "–"
			if m.Matched {
				calls = fmt.Sprintf("%.2f", m.CallsPerRequest)
				span = ms(percentile(m.UpstreamSpans, 50))
				o50, o95, o99 = ms(percentile(m.Overheads, 50)), ms(percentile(m.Overheads, 95)), ms(percentile(m.Overheads, 99))
			}
			w("| %s | %s | %d | %.1f | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |\n",
				m.Setup, m.Workload.Name, res.Concurrency, res.RPS(), ms(res.Percentile(50)), ms(res.Percentile(95)), ms(res.Percentile(99)),
				res.Failures, calls, span, o50, o95, o99, cpuMS(m.CPUPerRequest), percent(m.MachineBusy))
		}
		w("\n")
		for _, m := range r.Measurements {
			if m.Latency == lat && m.Result.FirstError != "" {
				w("First failure, %s, %s at %d: `%s`\n\n", m.Setup, m.Workload.Name, m.Result.Concurrency, m.Result.FirstError)
			}
		}
	}

	r.budgetsMarkdown(&b)
	r.actionsMarkdown(&b)
	r.abuseMarkdown(&b)
	r.indexMarkdown(&b)

	w("## Console processes\n\n| Setup | Upstream latency | Peak RSS | Token requests (console) | Token requests (fake) | Stop on SIGTERM |\n|---|---|---:|---:|---:|---|\n")
	for _, p := range r.Processes {
		fake := "–"
		if p.FakeTokens >= 0 {
			fake = fmt.Sprint(p.FakeTokens)
		}
		w("| %s | %s | %.1f MB | %.0f | %s | %s |\n", p.Setup, p.Latency, float64(p.PeakRSS)/(1<<20), p.TokenRequests, fake, orOK(p.StopErr))
	}
	w("\n")

	if len(r.Bulk) > 0 {
		w("## Bulk unlock\n\n")
		w("Measured in the benchmark's process: the console's handlers and job runner on a SQLite file, in front of a fake tenant served in the process, after a password spray locked the people. ")
		w("An admin starts one job for all of them (the confirmed form, as the Locked now page posts it); the job leaves %d%% of the hourly quota to others (the default `HELPDESK_BULK_RESERVE_PERCENT`). ", bulkReservePercent)
		w("The quota-bound run is in virtual time: the tenant's clock is movable and the runner sleeps by moving it, so hours of waiting for the quota to renew take seconds. The latency-bound run is in real time, with latency before every answer and quota to spare. ")
		w("Calls are counted on the fake's side by the request id each person's calls carry; *quota calls* are those OneLogin counts against the hourly v1 quota (the v2 unlock is not).\n\n")
		w("| Run | People | Quota / hour | Allowed / hour | Latency | Duration | People / hour | Calls / person | Quota calls / person | Most quota calls in a full hour | 429s | Done / failed / skipped |\n")
		w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
		for _, m := range r.Bulk {
			full := "–"
			if m.FullHourSpend > 0 {
				full = fmt.Sprintf("%d (%.0f%% of allowed)", m.FullHourSpend, 100*float64(m.FullHourSpend)/float64(m.Allowed()))
			}
			w("| %s | %d | %d | %d | %s | %s | %.0f | %.2f | %.2f | %s | %d | %d / %d / %d |\n",
				m.Name, m.People, m.RateLimit, m.Allowed(), m.Latency, m.Duration.Round(time.Second), m.PeoplePerHour(),
				m.per(m.Calls), m.per(m.QuotaCalls), full, m.Refused, m.Done, m.Failed, m.Skipped)
		}
		w("\n")
	}

	w("## Targets\n\n| Target | Measured | Result |\n|---|---|---|\n")
	for _, t := range r.targets() {
		w("| %s | %s | %s |\n", t.name, t.measured, yes(t.met))
	}
	w("\n")
	w("## Reading these numbers\n\n")
	w("- The machine is small and shared: the load generator, the fake tenant, the console and the baseline compete for the same CPUs, so at high concurrency every number includes queueing for a CPU, in the console's overhead as much as in the fake's span. A console on its own host in front of the real OneLogin does not share its CPUs with its upstream and its clients.\n")
	w("- Overhead at %d concurrent is mostly waiting in a round: closed-loop workers that all wait the same upstream latency tend to come back together, and the last of a round waits while the CPUs serve the others. The console's overhead p99 there is of the order of one round's CPU time, c × CPU/req ÷ CPUs (the Targets table gives it). A p99 of %s at %d concurrent on %d CPUs would take under %s of console CPU a request, even if the fake and the load generator used none; the bare proxy, which decodes and renders nothing, stays near it because its share of each round is small.\n",
		overheadLevel, ms(overheadP99Max), overheadLevel, r.cpus(), cpuMS(overheadP99Max*time.Duration(r.cpus())/overheadLevel))
	w("- Runs differ: on this virtual machine, repeated runs of the same build have differed by 10–25%% in req/s, latency and even CPU time per request, as other work on the host takes its share. Read a run against its own baseline rows, and compare builds in the same run or on the console's CPU/req over several runs.\n")
	w("- The embedded fake tenant runs in the console's process, so that process's peak RSS and CPU time hold the fake too: its 2,000 seeded people, its record of recent calls, and the server side of every OneLogin call. Those calls are served in the process, without a socket (`fakeonelogin.Server.Transport`), so they cost no loopback connection.\n")
	w("- OneLogin's real quota is 5,000 calls an hour per account (`helpdesk_onelogin_rate_limit_remaining`); these rates are far above what a real tenant allows, and the fake's quota is raised for the benchmark.\n")
	return b.String()
}

// roundTime is how long c requests of cpu each keep n CPUs busy: the wait
// of the last of them when they all arrive together, as a closed loop's
// workers tend to after a fixed upstream latency.
func roundTime(c int, cpu time.Duration, n int) time.Duration {
	if n < 1 {
		n = 1
	}
	return time.Duration(c) * cpu / time.Duration(n)
}

// cpus is the machine's CPU count, as the report gives it.
func (r *report) cpus() int {
	if r.CPUs > 0 {
		return r.CPUs
	}
	return runtime.NumCPU()
}

type target struct {
	name, measured string
	met            bool
}

func (r *report) targets() []target {
	L := r.Options.latency
	var ts []target

	// User page p50 within 1.3 upstream latencies, at every level.
	limit := time.Duration(userPageFactor * float64(L))
	var parts []string
	met := true
	for _, c := range r.Options.levels {
		m, ok := r.find(setupConsole, userPageName, L, c)
		if !ok {
			continue
		}
		p50 := m.Result.Percentile(50)
		met = met && p50 <= limit && m.Result.Requests > 0
		parts = append(parts, fmt.Sprintf("%d: %s", c, ms(p50)))
	}
	ts = append(ts, target{fmt.Sprintf("User page p50 ≤ %.1f × upstream latency (%s), every level", userPageFactor, ms(limit)),
		"p50 by concurrency " + strings.Join(parts, ", "), met && len(parts) > 0})

	// Console overhead p99 at 100 concurrent, request by request.
	for _, wl := range []string{userPageName, searchName} {
		m, ok := r.find(setupConsole, wl, L, overheadLevel)
		if !ok || !m.Matched {
			continue
		}
		oh := percentile(m.Overheads, 99)
		measured := ms(oh)
		var notes []string
		if b, ok := r.find(setupBaseline, baselineWorkload(r.listCall()).Name, L, overheadLevel); ok && b.Matched {
			notes = append(notes, "the baseline proxy's: "+ms(percentile(b.Overheads, 99)))
		}
		if m.CPUPerRequest > 0 {
			notes = append(notes, fmt.Sprintf("one round of %d requests is %s of console CPU, %s on %d CPUs", overheadLevel,
				ms(time.Duration(overheadLevel)*m.CPUPerRequest), ms(roundTime(overheadLevel, m.CPUPerRequest, r.cpus())), r.cpus()))
		}
		if len(notes) > 0 {
			measured += " (" + strings.Join(notes, "; ") + ")"
		}
		ts = append(ts, target{fmt.Sprintf("Console overhead p99 ≤ %s at %d concurrent: %s", ms(overheadP99Max), overheadLevel, wl),
			measured, oh <= overheadP99Max && m.Result.Requests > 0})
	}

	// Search fragment at zero latency vs the baseline.
	parts, met = nil, true
	for _, c := range r.Options.levels {
		s, ok1 := r.find(setupConsole, searchName, 0, c)
		b, ok2 := r.find(setupBaseline, baselineWorkload(r.listCall()).Name, 0, c)
		if !ok1 || !ok2 || b.Result.RPS() == 0 {
			continue
		}
		ratio := s.Result.RPS() / b.Result.RPS()
		met = met && ratio >= searchVsBaseline
		parts = append(parts, fmt.Sprintf("%d: %.0f vs %.0f req/s (%.2f×)", c, s.Result.RPS(), b.Result.RPS(), ratio))
	}
	ts = append(ts, target{fmt.Sprintf("Search fragment at zero upstream latency ≥ %.1f × the baseline proxy's req/s, every level", searchVsBaseline),
		strings.Join(parts, "; "), met && len(parts) > 0})

	// Searches answered by OneLogin, not the cache.
	for _, m := range r.Measurements {
		if m.Workload.Calls > 0 && m.Matched {
			ts = append(ts, target{fmt.Sprintf("Every request makes its %.0f OneLogin calls, none from a cache (%s, %s, %d concurrent, upstream %s)",
				m.Workload.Calls, m.Setup, m.Workload.Name, m.Result.Concurrency, m.Latency),
				fmt.Sprintf("%.2f calls/req", m.CallsPerRequest), m.CallsPerRequest >= m.Workload.Calls})
		}
	}
	ts = append(ts, r.budgetTargets()...)
	ts = append(ts, r.indexTargets()...)
	for _, m := range r.Bulk {
		ts = append(ts, target{fmt.Sprintf("Bulk unlock (%s): OneLogin calls per unlocked person ≤ %d", m.Name, bulkCallsPerPerson),
			fmt.Sprintf("%.2f (%.2f against the quota)", m.per(m.Calls), m.per(m.QuotaCalls)),
			m.Done == m.People && m.per(m.Calls) <= bulkCallsPerPerson})
		if m.FullHourSpend > 0 {
			ts = append(ts, target{fmt.Sprintf("Bulk unlock (%s): within the quota it was allowed, never a 429", m.Name),
				fmt.Sprintf("at most %d quota calls in a full hour of %d allowed; %.0f people an hour; %d 429s",
					m.FullHourSpend, m.Allowed(), m.PeoplePerHour(), m.Refused),
				m.FullHourSpend <= m.Allowed() && m.Refused == 0})
		}
	}
	for _, p := range r.Processes {
		ts = append(ts, target{fmt.Sprintf("Peak RSS ≤ %d MB (%s, upstream %s)", peakRSSMax>>20, p.Setup, p.Latency),
			fmt.Sprintf("%.1f MB", float64(p.PeakRSS)/(1<<20)), p.PeakRSS <= peakRSSMax && p.PeakRSS > 0})
	}
	for _, p := range r.Processes {
		measured := fmt.Sprintf("%.0f", p.TokenRequests)
		ok := p.TokenRequests == tokenRequests
		if p.FakeTokens >= 0 {
			measured += fmt.Sprintf(" (the fake saw %d)", p.FakeTokens)
			ok = ok && p.FakeTokens == tokenRequests
		}
		ts = append(ts, target{fmt.Sprintf("Exactly %d token request in the whole run (%s, upstream %s)", tokenRequests, p.Setup, p.Latency),
			measured, ok})
	}
	return ts
}

// failures counts the requests that failed in every measurement.
func (r *report) failures() int {
	n := 0
	for _, m := range r.Measurements {
		n += m.Result.Failures
	}
	return n
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
