package bulk_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/jobs/bulk"
	"onelogin-helpdesk/limits"
	"onelogin-helpdesk/quota"
	"onelogin-helpdesk/sqlitestore/sqlitetest"
)

// TestWorker_callsCountAgainstTheStartersBudget: a job's OneLogin calls
// are charged to whoever started it, like their own requests: with a
// budget of one call an hour, reading the person spends it, the unlock is
// refused before it is sent, and the person is tried again later, not
// failed.
func TestWorker_callsCountAgainstTheStartersBudget(t *testing.T) {
	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: 1})
	t.Cleanup(fake.Close)
	store := sqlitetest.Open(t)
	budgets := &quota.Budgets{Limits: store, PerHour: map[access.Role]int{access.RoleHelpdesk: 1}}
	ol, err := client.New(fake.URL, fake.ClientID, fake.ClientSecret,
		client.WithHTTPClient(&http.Client{Transport: budgets.Transport(nil)}))
	if err != nil {
		t.Fatal(err)
	}
	job := jobs.Job{ID: "j1", Kind: jobs.KindUnlock, Actor: jobs.Actor{Email: "Agent@example.com", Role: "helpdesk"}}
	w := bulk.Worker{OneLogin: ol, Door: &door{call: true}, Log: slog.New(slog.DiscardHandler), Locked: func(*client.User) bool { return true }}
	res := w.Do(context.Background(), job, jobs.Item{Seq: 1, TargetID: fakeonelogin.PersonaLockedID})
	if !res.Retry || res.RetryAfter <= 0 {
		t.Fatalf("result %+v, want tried again once the budget renews", res)
	}
	if u, _ := fake.Tenant.User(fakeonelogin.PersonaLockedID); u.Status != fakeonelogin.StatusLocked {
		t.Error("the unlock was sent beyond the starter's budget")
	}
	budget := limits.Limit{Store: store, Name: "onelogin-calls", Max: 1, Window: time.Hour}
	if n, err := budget.Remaining(context.Background(), "agent@example.com"); err != nil || n != 0 {
		t.Errorf("%d calls left in the starter's budget (%v), want 0", n, err)
	}
}
