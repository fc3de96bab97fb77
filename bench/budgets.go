package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The budgets benchmark: what counting each person's OneLogin calls costs
// a page. Two consoles run side by side on SQLite, the persona's budget on
// (-budget) in one and off (0) in the other, each in front of its own fake
// tenant, which answers with the upstream latency (as a console runs) and
// then at once (many pages, so CPU time per page is measured over many);
// they are measured in turn, level by level, round after round, and the
// report compares the medians. The latency comes first because each flush
// counts the person's calls in the last hour, which the fast part piles up
// far beyond a person's real budget.

// budgetsLevels are the concurrencies the budgets' cost is measured at.
var budgetsLevels = []int{1, 10}

// budgetCPUFactorMax is the target: a page with budgets costs at most this
// many times the console CPU of one without.
const budgetCPUFactorMax = 1.15

const (
	setupBudgetsOn  = "console, budgets on"
	setupBudgetsOff = "console, budgets off"
)

// maxBudget is the largest budget the console's configuration accepts.
const maxBudget = 1 << 20

// budgetEnv gives the benchmark persona (a helpdesk agent) its hourly
// budget of OneLogin calls; 0 is none.
func budgetEnv(perHour int) string {
	return "HELPDESK_BUDGET_HELPDESK=" + strconv.Itoa(perHour)
}

func budgetsScenario(ctx context.Context, rep *report, bin, dir string) error {
	type side struct {
		setup  string
		budget int
		p      *consoleProc
		up     *fakeUpstream
		wl     workload
	}
	sides := []*side{{setup: setupBudgetsOn, budget: rep.Options.budget}, {setup: setupBudgetsOff}}
	defer func() {
		for _, s := range sides {
			if s.p != nil {
				s.p.Stop()
			}
			if s.up != nil {
				s.up.close()
			}
		}
	}()
	for _, s := range sides {
		s.up = startFake(0)
		name := strings.NewReplacer(" ", "-", ",", "").Replace(s.setup)
		p, err := startConsole(ctx, bin, dir, name, append(consoleEnv(dir, name, s.up, 0), budgetEnv(s.budget)))
		if err != nil {
			return err
		}
		s.p = p
		ids, err := userIDs(p.URL)
		if err != nil {
			return err
		}
		s.wl = userPageWorkload(ids)
	}
	for _, lat := range rep.budgetLatencies() {
		for _, s := range sides {
			s.up.fake.Tenant.SetLatency(lat)
		}
		for round := 1; round <= rep.Options.rounds; round++ {
			for _, c := range budgetsLevels {
				for _, s := range sides {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					fmt.Printf("%s, round %d of %d, upstream latency %s\n", s.setup, round, rep.Options.rounds, lat)
					drive(ctx, rep, s.setup, lat, s.wl, c, s.p.URL, s.up, s.p)
				}
			}
		}
	}
	for _, s := range sides {
		pr, err := finish(s.p, s.setup, 0)
		s.p = nil // stopped
		if err != nil {
			return err
		}
		pr.FakeTokens = s.up.tokenRequests()
		rep.Processes = append(rep.Processes, pr)
	}
	return nil
}

// budgetLatencies are the upstream latencies the budgets are measured at.
func (r *report) budgetLatencies() []time.Duration {
	if r.Options.latency == 0 {
		return []time.Duration{0}
	}
	return []time.Duration{r.Options.latency, 0}
}

// budgetRuns are the budgets benchmark's measurements of one side at c and
// upstream latency lat.
func (r *report) budgetRuns(setup string, lat time.Duration, c int) []measurement {
	var out []measurement
	for _, m := range r.Measurements {
		if m.Setup == setup && m.Latency == lat && m.Result.Concurrency == c && m.Workload.Name == userPageName {
			out = append(out, m)
		}
	}
	return out
}

// budgetCost is the median console CPU per page with budgets on and off
// at c and latency lat, and their ratio; ok is false when a side was not
// measured.
func (r *report) budgetCost(lat time.Duration, c int) (on, off time.Duration, ratio float64, ok bool) {
	ons, offs := r.budgetRuns(setupBudgetsOn, lat, c), r.budgetRuns(setupBudgetsOff, lat, c)
	if len(ons) == 0 || len(offs) == 0 {
		return 0, 0, 0, false
	}
	cpu := func(m measurement) time.Duration { return m.CPUPerRequest }
	on, off = medianOf(ons, cpu), medianOf(offs, cpu)
	if off <= 0 {
		return on, off, 0, false
	}
	return on, off, float64(on) / float64(off), true
}

// budgetsMarkdown is the report's section on the budgets benchmark.
func (r *report) budgetsMarkdown(b *strings.Builder) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	if len(r.budgetRuns(setupBudgetsOn, 0, budgetsLevels[0])) == 0 && len(r.budgetRuns(setupBudgetsOn, r.Options.latency, budgetsLevels[0])) == 0 {
		return
	}
	w("## Budgets: console CPU per page, on and off\n\n")
	w("Every OneLogin call a person's request makes is charged to their hourly budget (`quota`): counted in memory, written to the state store in one step a second, and read back from it then, so that replicas share the count. ")
	w("*User page* at each concurrency, the fake tenant answering after %s and then at once, on two consoles side by side with their state in SQLite: the benchmark persona's budget set to %d calls an hour in one, off (`HELPDESK_BUDGET_HELPDESK=0`) in the other. ", r.Options.latency, r.Options.budget)
	w("They are measured in turn, %d rounds, and compared on their medians. Each flush counts the persona's calls in the last hour in the store, which the benchmark's pace piles up far beyond a person's real budget (a helpdesk agent's default is 1,500): the upstream latency comes first. The target: a page with budgets costs at most %.2f× the console CPU of one without.\n\n", r.Options.rounds, budgetCPUFactorMax)
	w("| Upstream latency | Concurrency | Round | Budgets | Pages/s | p50 | Upstream calls/page | Console CPU/page | Machine CPU busy | Failures |\n|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n")
	for _, lat := range r.budgetLatencies() {
		for _, c := range budgetsLevels {
			for _, setup := range []string{setupBudgetsOn, setupBudgetsOff} {
				for i, m := range r.budgetRuns(setup, lat, c) {
					res := m.Result
					w("| %s | %d | %d | %s | %.0f | %s | %.2f | %s | %s | %d |\n", lat, c, i+1, strings.TrimPrefix(setup, "console, budgets "),
						res.RPS(), ms(res.Percentile(50)), m.CallsPerRequest, cpuMS(m.CPUPerRequest), percent(m.MachineBusy), res.Failures)
				}
			}
		}
	}
	w("\n")
	for _, t := range r.budgetTargets() {
		w("- %s: %s, %s.\n", t.name, t.measured, yes(t.met))
	}
	w("\n")
}

// budgetTargets are the budgets benchmark's rows of the Targets table.
func (r *report) budgetTargets() []target {
	var ts []target
	for _, lat := range r.budgetLatencies() {
		for _, c := range budgetsLevels {
			if on, off, ratio, ok := r.budgetCost(lat, c); ok {
				ts = append(ts, target{fmt.Sprintf("Console CPU per user page with budgets ≤ %.2f× without, at %d concurrent, upstream %s", budgetCPUFactorMax, c, lat),
					fmt.Sprintf("%s vs %s: %.2f×", cpuMS(on), cpuMS(off), ratio), ratio <= budgetCPUFactorMax})
			}
		}
	}
	return ts
}
