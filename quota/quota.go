// Package quota shares the tenant's OneLogin API quota, which every person
// using the console draws on: each signed-in person has an hourly budget of
// OneLogin calls by role, and a reserve of the tenant's remaining quota is
// kept for account actions, so that searches and page loads are refused
// before an unlock is.
//
// Requests are charged in the HTTP transport under the client, so every
// OneLogin call counts, whichever handler makes it:
//
//	b := &quota.Budgets{Limits: store, PerHour: map[access.Role]int{...}, Reserve: 250, Tenant: c.RateLimit}
//	b.Start()       // write the counts to the store every second
//	defer b.Close(ctx) // and what is left at shutdown
//	c, _ := client.New(url, id, secret, client.WithHTTPClient(&http.Client{Transport: b.Transport(base)}))
//	ctx = quota.WithCaller(ctx, quota.Caller{Key: email, Role: role, Action: r.Method == "POST"})
//
// Each person's calls are counted in memory and written to the store in
// batches (tally.go), so that a call costs no database write. It never
// sends a call itself, and never lets a person past a budget it can count.
package quota

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/limits"
)

// Caller is whom a request's OneLogin calls are charged to.
type Caller struct {
	// Key identifies the person (their sign-in email, ASCII lower-cased).
	Key  string
	Role access.Role
	// Action is set for a request that changes an account; it may use the
	// reserve.
	Action bool
}

type callerKey struct{}

// WithCaller charges ctx's OneLogin calls to c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func callerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// The reasons a call is refused.
const (
	ReasonBudget  = "budget"  // the person's hourly budget is used up
	ReasonReserve = "reserve" // the tenant's quota is down to the reserve
)

// ExceededError refuses a call before it is sent. It reaches handlers
// wrapped in the client's transport error.
type ExceededError struct {
	Reason  string
	Limit   int // the person's budget, or the reserve
	RetryAt time.Time
}

func (e *ExceededError) Error() string {
	if e.Reason == ReasonReserve {
		return fmt.Sprintf("quota: OneLogin quota down to its reserve of %d calls for account actions", e.Limit)
	}
	return fmt.Sprintf("quota: hourly budget of %d OneLogin calls used up", e.Limit)
}

// Budgets decides whether a OneLogin call may be sent.
type Budgets struct {
	// Limits holds each person's count of calls, shared across replicas
	// when the store is; calls are counted in memory and written to it
	// every FlushEvery.
	Limits limits.Adder
	// PerHour is each role's budget of calls per hour; a role without an
	// entry, or with 0, has none.
	PerHour map[access.Role]int
	// Reserve is how many of the tenant's remaining calls only account
	// actions may use.
	Reserve int
	// Tenant reports the tenant's quota as OneLogin last said it.
	Tenant func() client.RateLimit
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnRefuse, when set, is told of each refusal (for metrics).
	OnRefuse func(reason string)
	// OnCharge, when set, is told of each call charged to a role.
	OnCharge func(role access.Role)
	// FlushEvery is how often counts are written to Limits and the shared
	// counts read back after Start; 0 means a second.
	FlushEvery time.Duration
	// OnFlushError, when set, is told of each failed write after Start;
	// the counts stay in memory and are written at the next flush.
	OnFlushError func(error)

	tally tally
}

func (b *Budgets) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// Charge decides whether caller may make one more OneLogin call now and, if
// so, counts it.
func (b *Budgets) Charge(ctx context.Context, c Caller) error {
	now := b.now()
	if !c.Action && b.Reserve > 0 && b.Tenant != nil {
		if rl := b.Tenant(); !rl.Observed.IsZero() && rl.Limit > 0 {
			// The window may have reset since OneLogin said so.
			if reset := rl.Observed.Add(rl.Reset); now.Before(reset) && rl.Remaining <= b.Reserve {
				b.refused(ReasonReserve)
				return &ExceededError{Reason: ReasonReserve, Limit: b.Reserve, RetryAt: reset}
			}
		}
	}
	perHour := b.PerHour[c.Role]
	if perHour <= 0 || b.Limits == nil {
		b.charged(c.Role)
		return nil
	}
	ok, retryAt, err := b.take(ctx, budgetKey(c.Key), perHour, now)
	if err != nil {
		return fmt.Errorf("quota: counting the call: %w", err)
	}
	if !ok {
		b.refused(ReasonBudget)
		return &ExceededError{Reason: ReasonBudget, Limit: perHour, RetryAt: retryAt}
	}
	b.charged(c.Role)
	return nil
}

func (b *Budgets) refused(reason string) {
	if b.OnRefuse != nil {
		b.OnRefuse(reason)
	}
}

func (b *Budgets) charged(r access.Role) {
	if b.OnCharge != nil {
		b.OnCharge(r)
	}
}

// Transport charges every request that carries a Caller before base sends
// it; requests without one (the token fetch, probes) pass free.
func (b *Budgets) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		if c, ok := callerFrom(r.Context()); ok {
			if err := b.Charge(r.Context(), c); err != nil {
				return nil, err
			}
		}
		return base.RoundTrip(r)
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
