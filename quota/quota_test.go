package quota_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/limits/limitstest"
	"onelogin-helpdesk/quota"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// send makes one call through b's transport as caller (nil: nobody's).
func send(t *testing.T, b *quota.Budgets, srv *httptest.Server, caller *quota.Caller) error {
	t.Helper()
	ctx := context.Background()
	if caller != nil {
		ctx = quota.WithCaller(ctx, *caller)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	res, err := (&http.Client{Transport: b.Transport(nil)}).Do(req)
	if err == nil {
		res.Body.Close()
	}
	return err
}

func TestBudgets(t *testing.T) {
	var sent int
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { sent++ }))
	defer srv.Close()
	now := t0
	tenant := client.RateLimit{Limit: 5000, Remaining: 4000, Reset: 30 * time.Minute, Observed: t0}
	refusals := map[string]int{}
	b := &quota.Budgets{
		Limits:   limitstest.NewMemory(),
		PerHour:  map[access.Role]int{access.RoleEmployee: 3, access.RoleHelpdesk: 100},
		Reserve:  250,
		Tenant:   func() client.RateLimit { return tenant },
		Now:      func() time.Time { return now },
		OnRefuse: func(r string) { refusals[r]++ },
	}
	emil := &quota.Caller{Key: "emil@example.com", Role: access.RoleEmployee}
	hal := &quota.Caller{Key: "hal@example.com", Role: access.RoleHelpdesk}

	t.Run("a person's budget runs out, others' do not", func(t *testing.T) {
		for i := range 3 {
			if err := send(t, b, srv, emil); err != nil {
				t.Fatalf("call %d: %v", i+1, err)
			}
		}
		err := send(t, b, srv, emil)
		var q *quota.ExceededError
		if !errors.As(err, &q) || q.Reason != quota.ReasonBudget || q.Limit != 3 || !q.RetryAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("fourth call: %v; want the budget of 3 refused until %v", err, t0.Add(time.Hour))
		}
		if sent != 3 {
			t.Errorf("%d calls reached OneLogin, want 3", sent)
		}
		if err := send(t, b, srv, hal); err != nil {
			t.Errorf("another person was refused: %v", err)
		}
		now = now.Add(time.Hour)
		if err := send(t, b, srv, emil); err != nil {
			t.Errorf("an hour later: %v", err)
		}
	})
	t.Run("calls nobody made are free", func(t *testing.T) {
		for range 10 {
			if err := send(t, b, srv, nil); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("the reserve is for account actions", func(t *testing.T) {
		tenant = client.RateLimit{Limit: 5000, Remaining: 200, Reset: 20 * time.Minute, Observed: now}
		err := send(t, b, srv, hal)
		var q *quota.ExceededError
		if !errors.As(err, &q) || q.Reason != quota.ReasonReserve || !q.RetryAt.Equal(now.Add(20*time.Minute)) {
			t.Fatalf("a read at the reserve: %v", err)
		}
		action := *hal
		action.Action = true
		if err := send(t, b, srv, &action); err != nil {
			t.Errorf("an account action at the reserve: %v", err)
		}
		now = now.Add(21 * time.Minute) // OneLogin's window has reset since
		if err := send(t, b, srv, hal); err != nil {
			t.Errorf("a read after the window reset: %v", err)
		}
	})
	if refusals[quota.ReasonBudget] != 1 || refusals[quota.ReasonReserve] != 1 {
		t.Errorf("refusals counted %v", refusals)
	}
}
