package console

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/breaker"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/health"
	"onelogin-helpdesk/metrics"
	"onelogin-helpdesk/quota"
)

// ops is the operational side of the console: metrics, the circuit
// breaker in front of OneLogin, and the probes. New wires it in three
// places: the client's options, the audit trail, and the routes.
type ops struct {
	metrics *metrics.Metrics
	breaker *breaker.Breaker
	// budgets charges each OneLogin call to the person whose request made
	// it; its store and the tenant's quota are set once they exist.
	budgets *quota.Budgets
	log     *slog.Logger
	// serveMetrics says /metrics is served on the main address (no
	// HELPDESK_METRICS_ADDR).
	serveMetrics bool
	// readinessCache is how long /readyz reuses a verdict.
	readinessCache time.Duration
}

func newOps(cfg config.Config, logger *slog.Logger) *ops {
	o := &ops{metrics: metrics.New(), log: logger, serveMetrics: cfg.Ops.MetricsAddr == "", readinessCache: cfg.Ops.ReadinessCache}
	failures := cfg.Breaker.Failures
	if failures == 0 {
		failures = -1 // the setting's 0 means off; the breaker's 0 means its default
	}
	o.breaker = breaker.New(breaker.Options{
		Upstream: "OneLogin",
		Failures: failures,
		OpenFor:  cfg.Breaker.OpenFor,
		OnReject: o.metrics.BreakerRejected,
		OnStateChange: func(from, to breaker.State) {
			level := slog.LevelInfo
			if to == breaker.Open {
				level = slog.LevelWarn
			}
			logger.Log(context.Background(), level, "OneLogin circuit breaker", "from", from.String(), "to", to.String())
		},
	})
	o.metrics.WatchBreaker(o.breaker.State)
	q := cfg.Quota
	o.budgets = &quota.Budgets{
		PerHour: map[access.Role]int{access.RoleEmployee: q.Employee, access.RoleViewer: q.Viewer,
			access.RoleHelpdesk: q.Helpdesk, access.RoleAdmin: q.Admin},
		Reserve:  q.Reserve,
		OnRefuse: o.metrics.QuotaRefused,
		OnCharge: func(r access.Role) { o.metrics.QuotaCharged(r.String()) },
		OnFlushError: func(err error) {
			logger.Warn("OneLogin call budgets: writing the counts to the state store", "err", err)
		},
	}
	o.metrics.SetQuotaReserve(q.Reserve)
	return o
}

// closeBudgets writes the budgets' last counts before the store closes.
func (o *ops) closeBudgets() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := o.budgets.Close(ctx); err != nil {
		o.log.Error("OneLogin call budgets: the last counts were not written", "err", err)
	}
}

// clientOptions charge every OneLogin exchange to the person asking, send
// it through the breaker and report it to the metrics. A call refused by
// its budget never reaches the breaker, so it is not a OneLogin failure. timeout is the per-call deadline (ONELOGIN_TIMEOUT);
// base carries the calls, nil meaning a connection pool to the tenant.
func (o *ops) clientOptions(timeout time.Duration, base http.RoundTripper) []client.Option {
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Every call goes to one host; the default of 2 idle connections
		// per host would make concurrent pages open and close connections.
		t.MaxIdleConnsPerHost = 64
		// A call is a few hundred bytes of headers and at most a small
		// JSON body; a quarter of the default buffer per connection is a
		// megabyte less at a few hundred concurrent calls.
		t.WriteBufferSize = 1 << 10
		base = t
	}
	if timeout <= 0 {
		timeout = client.DefaultTimeout
	}
	return []client.Option{
		// Every exchange, token requests included, runs under a context
		// deadline of this timeout, which also covers reading the answer.
		// No http.Client.Timeout on top: net/http implements it with two
		// more goroutines and a timer per call.
		client.WithTimeout(timeout),
		client.WithHTTPClient(&http.Client{Transport: o.budgets.Transport(o.breaker.Transport(base))}),
		client.WithObserver(o.metrics),
		// A wanted event type the tenant does not list is warned of once.
		client.WithLogger(o.log),
	}
}

// audit counts failed audit writes.
func (o *ops) audit(s audit.Store) audit.Store { return o.metrics.Audit(s) }

// routes adds request metrics and the unauthenticated operational routes:
// /healthz, /readyz, and /metrics when it has no address of its own. They
// carry no personal data, so they sit before sign-in; put the console
// behind a proxy that does not expose them, or set HELPDESK_METRICS_ADDR.
// Readiness also waits for protected, which says whether the protected
// roles are confirmed in the tenant.
func (o *ops) routes(e *echo.Echo, c *client.Client, db interface{ Ping(context.Context) error }, protected health.Check) {
	e.Use(o.metrics.Middleware())
	health.New(health.All(health.Database(db), health.OneLogin(c), protected), health.Options{Logger: o.log, CacheFor: o.readinessCache}).Routes(e)
	if o.serveMetrics {
		e.GET("/metrics", echo.WrapHandler(o.metrics.Handler()))
	}
}
