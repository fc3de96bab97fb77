package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/jobs/bulk"
	"onelogin-helpdesk/sqlitestore/sqlitetest"
)

// withJobs gives a console bulk jobs on an in-memory store, admins only.
func withJobs(t *testing.T) func(*handlers.Config) {
	return func(cfg *handlers.Config) {
		cfg.Jobs = newRunner(t, sqlitetest.Open(t), cfg.OneLogin, "test")
		cfg.Bulk = access.Bulk{Max: 500}
	}
}

// newRunner is a bulk job runner on store, paced by ol's quota with 20%
// kept for others, resuming jobs it finds unfinished.
func newRunner(t *testing.T, store jobs.Store, ol handlers.OneLogin, owner string, opts ...func(*jobs.Options)) *jobs.Runner {
	read, refresh := bulk.Quota(ol)
	o := jobs.Options{Owner: owner, Quota: read, RefreshQuota: refresh, ReservePercent: 20, Resume: true, Lease: 20 * time.Minute, Poll: time.Minute}
	for _, opt := range opts {
		opt(&o)
	}
	r := jobs.NewRunner(store, o)
	t.Cleanup(r.Close)
	return r
}

// tenantTransport serves a client's calls from a tenant in this goroutine,
// without a socket, so a test can run in a synctest bubble.
type tenantTransport struct{ t *fakeonelogin.Tenant }

func (tt tenantTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	in := r.Clone(r.Context())
	in.RemoteAddr, in.RequestURI = "127.0.0.1:1", r.URL.RequestURI()
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	tt.t.ServeHTTP(rec, in)
	res := rec.Result()
	// The tenant writes lower-case header names, as recorded from OneLogin;
	// reading them off the wire would have made them canonical.
	h := http.Header{}
	for k, vs := range res.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	res.Header = h
	return res, nil
}

// bubbleConsole is a console, its tenant and its bulk jobs, all in one
// synctest bubble: the tenant's clock, the quota window and the job's
// waits run in virtual time.
type bubbleConsole struct {
	t      *testing.T
	tenant *fakeonelogin.Tenant
	ol     *client.Client
	http   http.Handler
	mem    *audittest.Memory
	store  jobs.Store
	runner *jobs.Runner
	who    access.Identity
}

// newBubbleTenant is a tenant whose locks from failed sign-ins last a
// week, so that they are still there when a paced job reaches them.
func newBubbleTenant(rateLimit int) *fakeonelogin.Tenant {
	return fakeonelogin.NewTenant(fakeonelogin.Options{Seed: 7, Users: 600, RateLimitPerHour: rateLimit, MaxCalls: 50000,
		PolicyLockMinutes: 7 * 24 * 60})
}

// bubbleOptions change a bubble console's configuration and its runner's.
type bubbleOptions struct {
	config []func(*handlers.Config)
	runner []func(*jobs.Options)
}

type bubbleOption func(*bubbleOptions)

// startConsole starts a console on tenant with bulk jobs in store, run by
// a runner named owner (a restarted console is a new owner on the same
// store and audit trail).
func startBubbleConsole(t *testing.T, tenant *fakeonelogin.Tenant, store jobs.Store, mem *audittest.Memory, owner string, opts ...bubbleOption) *bubbleConsole {
	t.Helper()
	ol, err := client.New("http://tenant.test", tenant.ClientID(), tenant.ClientSecret(),
		client.WithHTTPClient(&http.Client{Transport: tenantTransport{tenant}}))
	if err != nil {
		t.Fatal(err)
	}
	bc := &bubbleConsole{t: t, tenant: tenant, ol: ol, mem: mem, store: store,
		who: access.Identity{Email: "ada.admin@example.com", Name: "Ada Admin", Role: access.RoleAdmin}}
	var o bubbleOptions
	for _, opt := range opts {
		opt(&o)
	}
	bc.runner = newRunner(t, store, ol, owner, o.runner...)
	cfg := handlers.Config{
		OneLogin:  ol,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Audit:     mem,
		Identity:  func(context.Context) (access.Identity, bool) { return bc.who, true },
		CSRFToken: func(context.Context) string { return "test-csrf-token" },
		Jobs:      bc.runner,
		Bulk:      access.Bulk{Max: 500},
	}
	for _, c := range o.config {
		c(&cfg)
	}
	e, err := handlers.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	bc.http = e
	return bc
}

func (bc *bubbleConsole) do(method, target string, form url.Values, htmx bool) *httptest.ResponseRecorder {
	bc.t.Helper()
	rec := httptest.NewRecorder()
	bc.http.ServeHTTP(rec, newRequest(method, target, form, htmx))
	return rec
}

// startJob selects the people, confirms (ticking "Unlock anyway" for
// anyway), and returns the job's id.
func (bc *bubbleConsole) startJob(ids []int64, ticket string, anyway ...int64) string {
	bc.t.Helper()
	form := url.Values{"ticket": {ticket}}
	for _, id := range ids {
		form.Add("id", idStr(id))
	}
	rec := bc.do("POST", "/locked/bulk-unlock", form, false)
	wantCode(bc.t, rec, http.StatusOK)
	want := fmt.Sprintf("Unlock %d people under ticket %s?", len(ids), ticket)
	if q := textOf(doc(bc.t, rec), "h1"); q != want {
		bc.t.Fatalf("confirmation asks %q, want %q", q, want)
	}
	if n := len(bc.tenant.Calls()); n != 0 && writes(bc.tenant) != 0 {
		bc.t.Fatalf("the confirmation changed something: %d writes", writes(bc.tenant))
	}
	form.Set("confirmed", idStr(int64(len(ids))))
	for _, id := range anyway {
		form.Add("anyway", idStr(id))
	}
	rec = bc.do("POST", "/locked/bulk-unlock", form, false)
	wantCode(bc.t, rec, http.StatusSeeOther)
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, "/jobs/") {
		bc.t.Fatalf("started job went to %q", loc)
	}
	return strings.TrimPrefix(loc, "/jobs/")
}

// waitJob waits in virtual time until the job is finished, or until stop
// says to stop waiting.
func (bc *bubbleConsole) waitJob(id string, stop func(jobs.Job) bool) jobs.Job {
	bc.t.Helper()
	for range 10000 {
		j, err := bc.store.Job(context.Background(), id)
		if err != nil {
			bc.t.Fatal(err)
		}
		if j.State.Finished() || (stop != nil && stop(j)) {
			return j
		}
		time.Sleep(10 * time.Second)
	}
	bc.t.Fatal("the job never finished")
	return jobs.Job{}
}

// writes counts the calls that asked the tenant to change something.
func writes(t *fakeonelogin.Tenant) int {
	n := 0
	for _, c := range t.Calls() {
		if c.Method != http.MethodGet && strings.HasPrefix(c.Path, "/api/") {
			n++
		}
	}
	return n
}

// unlockCalls counts the unlock calls per person.
func unlockCalls(t *fakeonelogin.Tenant) map[int64]int {
	out := map[int64]int{}
	for _, c := range t.Calls() {
		var id int64
		if c.Method == http.MethodPost && strings.HasSuffix(c.Path, "/unlock") {
			if _, err := fmt.Sscanf(c.Path, "/api/2/users/%d/unlock", &id); err == nil {
				out[id]++
			}
		}
	}
	return out
}

// refused lists the calls the tenant answered 429.
func refused(t *fakeonelogin.Tenant) []string {
	var out []string
	for _, c := range t.Calls() {
		if c.Status == http.StatusTooManyRequests {
			out = append(out, c.Method+" "+c.Path)
		}
	}
	return out
}

// checkUnlockedOnce: every person of the spray is active and was unlocked
// by exactly one call.
func checkUnlockedOnce(t *testing.T, tenant *fakeonelogin.Tenant, ids []int64) {
	t.Helper()
	calls := unlockCalls(tenant)
	for _, id := range ids {
		if calls[id] != 1 {
			t.Errorf("person %d was unlocked by %d calls, want 1", id, calls[id])
		}
		if u, _ := tenant.User(id); u.Status != fakeonelogin.StatusActive {
			t.Errorf("person %d has status %d after the job, want active", id, u.Status)
		}
	}
}
