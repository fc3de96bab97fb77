package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/jobs/bulk"
	"onelogin-helpdesk/sqlitestore"
)

// A bulk unlock is measured in the benchmark's own process: the console's
// handlers and its job runner on a SQLite file, in front of a fake tenant
// served in the process, after a password spray. Two runs:
//
//   - quota-bound, in virtual time: a job larger than an hour's quota, on
//     the tenant's movable clock (the runner sleeps by moving it), so the
//     hours of waiting for the quota to renew take no time;
//   - latency-bound: a job well within the quota, with upstream latency,
//     in real time: how fast a job goes when the quota is not what holds
//     it back.
//
// Calls are counted on the fake's side, by the X-Request-Id every call of
// a job's person carries ("job-<id>-<n>").

// bulkReservePercent is the console's default HELPDESK_BULK_RESERVE_PERCENT.
const bulkReservePercent = 20

type bulkCase struct {
	Name      string
	People    int
	RateLimit int
	Latency   time.Duration
	Virtual   bool
}

// bulkMeasurement is one bulk job the benchmark ran.
type bulkMeasurement struct {
	bulkCase
	Done, Failed, Skipped, Other int
	// Duration is from the job's start to its end: virtual time for a
	// virtual run.
	Duration time.Duration
	// Calls are the OneLogin calls made for the job's people; QuotaCalls
	// those counted against the hourly v1 quota (the v2 unlock is not).
	Calls, QuotaCalls int
	// Refused counts every 429 the tenant answered during the job.
	Refused int
	// FullHourSpend is the most quota calls the job spent in any full
	// hour of its run (hours counted from its first call); 0 when it ran
	// under an hour.
	FullHourSpend int
}

// Allowed is the quota calls an hour the job may spend: the quota less the
// reserve it leaves for others.
func (m bulkMeasurement) Allowed() int { return m.RateLimit * (100 - bulkReservePercent) / 100 }

func (m bulkMeasurement) PeoplePerHour() float64 {
	if m.Duration <= 0 {
		return 0
	}
	return float64(m.Done) / m.Duration.Hours()
}

func (m bulkMeasurement) per(n int) float64 {
	if m.People == 0 {
		return 0
	}
	return float64(n) / float64(m.People)
}

var bulkCases = []bulkCase{
	{Name: "quota-bound, virtual time", People: 2000, RateLimit: 1000, Virtual: true},
	{Name: "latency-bound", People: 100, RateLimit: 5000, Latency: 50 * time.Millisecond},
}

func bulkScenario(ctx context.Context, rep *report, dir string) error {
	for i, c := range bulkCases {
		fmt.Printf("bulk unlock: %s, %d people...\n", c.Name, c.People)
		m, err := runBulk(ctx, filepath.Join(dir, "bulk-"+strconv.Itoa(i)+".db"), c)
		if err != nil {
			return fmt.Errorf("bulk unlock (%s): %w", c.Name, err)
		}
		fmt.Printf("  %d done in %s: %.0f people/hour, %.2f calls and %.2f quota calls a person, %d refused\n",
			m.Done, m.Duration.Round(time.Second), m.PeoplePerHour(), m.per(m.Calls), m.per(m.QuotaCalls), m.Refused)
		rep.Bulk = append(rep.Bulk, m)
	}
	return nil
}

func runBulk(ctx context.Context, dbPath string, c bulkCase) (bulkMeasurement, error) {
	m := bulkMeasurement{bulkCase: c}
	opts := fakeonelogin.Options{Seed: 1, Users: c.People + 1000, RateLimitPerHour: c.RateLimit,
		MaxCalls: 3*c.People + 1000, PolicyLockMinutes: 7 * 24 * 60}
	var clock *fakeonelogin.ManualClock
	if c.Virtual {
		clock = fakeonelogin.NewManualClock(time.Now().UTC().Truncate(time.Second))
		opts.Clock = clock
	}
	fake := fakeonelogin.NewServer(opts)
	defer fake.Close()
	ids := fake.Tenant.Spray(c.People)
	if len(ids) != c.People {
		return m, fmt.Errorf("the spray locked %d people, not %d", len(ids), c.People)
	}
	fake.Tenant.SetLatency(c.Latency)
	ol, err := client.New(fake.URL, fake.ClientID, fake.ClientSecret,
		client.WithHTTPClient(&http.Client{Transport: fake.Transport(), Timeout: 30 * time.Second}))
	if err != nil {
		return m, err
	}
	store, err := sqlitestore.Open(dbPath, nil)
	if err != nil {
		return m, err
	}
	defer store.Close()

	read, refresh := bulk.Quota(ol)
	jo := jobs.Options{Quota: read, RefreshQuota: refresh, ReservePercent: bulkReservePercent, Resume: true}
	now := time.Now
	if clock != nil {
		// The client notes when it read the quota on the real clock; the
		// reading is current (the runner reads right after a call, and
		// refreshes after every wait), so it is noted on the tenant's.
		onClock := func(q jobs.Quota) jobs.Quota {
			if q.Limit > 0 {
				q.Observed = clock.Now()
			}
			return q
		}
		jo.Quota = func() jobs.Quota { return onClock(read()) }
		jo.RefreshQuota = func(ctx context.Context) (jobs.Quota, error) {
			q, err := refresh(ctx)
			return onClock(q), err
		}
		jo.Now = clock.Now
		jo.Sleep = func(ctx context.Context, d time.Duration) error {
			clock.Advance(d)
			return ctx.Err()
		}
		now = clock.Now
	}
	runner := jobs.NewRunner(store, jo)
	defer runner.Close()
	admin := access.Identity{Email: "bench.admin@example.com", Name: "Bench Admin", Role: access.RoleAdmin}
	e, err := handlers.New(handlers.Config{
		OneLogin: ol, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Audit: store,
		Identity: func(context.Context) (access.Identity, bool) { return admin, true },
		Now:      now, Jobs: runner, Bulk: access.Bulk{Max: 10000},
	})
	if err != nil {
		return m, err
	}

	form := url.Values{"ticket": {"BENCH-1"}, "confirmed": {strconv.Itoa(len(ids))}}
	for _, id := range ids {
		form.Add("id", strconv.FormatInt(id, 10))
	}
	req := httptest.NewRequest(http.MethodPost, "/locked/bulk-unlock", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	start := now()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		return m, fmt.Errorf("starting the job: %d %.200s", rec.Code, rec.Body.String())
	}
	id := strings.TrimPrefix(rec.Header().Get("Location"), "/jobs/")

	var j jobs.Job
	for {
		if j, err = store.Job(ctx, id); err != nil {
			return m, err
		}
		if j.State.Finished() {
			break
		}
		select {
		case <-ctx.Done():
			return m, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	m.Duration = j.Ended.Sub(start)
	m.Done, m.Failed, m.Skipped = j.Counts.Done, j.Counts.Failed, j.Counts.Skipped
	m.Other = j.Counts.Total - m.Done - m.Failed - m.Skipped
	if j.State != jobs.StateDone {
		return m, errors.New("the job ended " + string(j.State))
	}

	prefix := "job-" + id + "-"
	var first time.Time
	perHour := map[int]int{}
	for _, call := range fake.Tenant.Calls() {
		if call.Status == http.StatusTooManyRequests {
			m.Refused++
		}
		if !strings.HasPrefix(call.Header.Get("X-Request-Id"), prefix) {
			continue
		}
		m.Calls++
		if !strings.HasPrefix(call.Path, "/api/1/") {
			continue
		}
		m.QuotaCalls++
		if first.IsZero() {
			first = call.Time
		}
		perHour[int(call.Time.Sub(first)/time.Hour)]++
	}
	if hours := int(m.Duration / time.Hour); hours > 0 {
		for h := 0; h < hours; h++ {
			m.FullHourSpend = max(m.FullHourSpend, perHour[h])
		}
	}
	return m, nil
}
