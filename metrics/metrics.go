// Package metrics keeps the console's Prometheus metrics in a registry of
// its own (not the process-wide default) and serves them. It measures the
// console's requests by route pattern, and is the OneLogin client's
// Observer, the audit trail's failure counter and the breaker's gauge.
//
//	m := metrics.New()
//	c, _ := client.New(url, id, secret, client.WithObserver(m))
//	b := breaker.New(breaker.Options{OnReject: m.BreakerRejected})
//	m.WatchBreaker(b.State)
//	trail := m.Audit(store)     // counts failed audit writes
//	e.Use(m.Middleware())       // request duration by route and status
//	e.GET("/metrics", echo.WrapHandler(m.Handler()))
//
// Labels never carry a raw URL, a search term or a person, nor anything a
// client can make up: routes are Echo's patterns ("/users/:id"), methods
// outside HTTP's own count as "other".
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/breaker"
	"onelogin-helpdesk/client"
)

// Metrics is the console's set of metrics. Its methods are safe for
// concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests       *prometheus.HistogramVec
	calls          *prometheus.HistogramVec
	tokenFetches   *prometheus.CounterVec
	rateRemaining  prometheus.Gauge
	quotaRefusals  *prometheus.CounterVec
	quotaCalls     *prometheus.CounterVec
	quotaReserve   prometheus.Gauge
	rateLimit      prometheus.Gauge
	auditFailures  *prometheus.CounterVec
	breakerRejects prometheus.Counter
}

// latencyBuckets reach down to a millisecond: the console's own work on a
// request is a few milliseconds, OneLogin's calls tens to hundreds.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New registers the console's metrics, and the Go runtime's and the
// process's, in a new registry.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "helpdesk_http_request_duration_seconds",
		Help:    "Time to answer a console request, by method, route pattern and status.",
		Buckets: latencyBuckets,
	}, []string{"method", "route", "status"})
	m.calls = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "helpdesk_onelogin_request_duration_seconds",
		Help:    `Time of each HTTP exchange with OneLogin, by client operation and HTTP status ("none" when no answer came).`,
		Buckets: latencyBuckets,
	}, []string{"op", "status"})
	m.tokenFetches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "helpdesk_onelogin_token_fetches_total",
		Help: "OneLogin access token requests, by outcome (ok, error).",
	}, []string{"outcome"})
	m.rateRemaining = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "helpdesk_onelogin_rate_limit_remaining",
		Help: "OneLogin API calls left in the current hourly window, as last reported by OneLogin.",
	})
	m.rateLimit = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "helpdesk_onelogin_rate_limit_limit",
		Help: "OneLogin API calls allowed per hourly window, as last reported by OneLogin.",
	})
	m.quotaRefusals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "helpdesk_quota_refusals_total",
		Help: "OneLogin calls the console refused to send, by reason (budget: the person's hourly budget; reserve: the tenant's quota is down to the part kept for account actions).",
	}, []string{"reason"})
	m.quotaCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "helpdesk_quota_calls_total",
		Help: "OneLogin calls charged to people's budgets, by the role of the person asking.",
	}, []string{"role"})
	m.quotaReserve = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "helpdesk_quota_reserve",
		Help: "Calls of the tenant's remaining hourly OneLogin quota kept for account actions.",
	})
	m.quotaRefusals.WithLabelValues("budget")
	m.quotaRefusals.WithLabelValues("reserve")
	m.auditFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "helpdesk_audit_write_failures_total",
		Help: "Audit trail writes that failed, by operation (begin: the action was refused; complete: the outcome was not recorded).",
	}, []string{"op"})
	m.breakerRejects = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "helpdesk_onelogin_breaker_rejected_total",
		Help: "OneLogin calls refused without asking because the circuit breaker was open.",
	})
	// Both label values exist from the start, so a rate() over them works
	// before the first failure.
	m.tokenFetches.WithLabelValues("ok")
	m.tokenFetches.WithLabelValues("error")
	m.auditFailures.WithLabelValues("begin")
	m.auditFailures.WithLabelValues("complete")

	m.reg.MustRegister(m.quotaRefusals, m.quotaCalls, m.quotaReserve)
	m.reg.MustRegister(m.requests, m.calls, m.tokenFetches, m.rateRemaining, m.rateLimit,
		m.auditFailures, m.breakerRejects,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry the metrics live in, for tests and for adding
// collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Middleware times every request by method, route pattern and status.
// Install it with e.Use after the access log: it hands errors to Echo's
// error handler itself, so that the status it records is the one sent.
func (m *Metrics) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			finished := false
			defer func() {
				status := c.Response().Status
				if !finished { // a panic on its way to the recover middleware
					status = http.StatusInternalServerError
				}
				route := c.Path()
				if route == "" { // no route matched: never the raw URL
					route = "unmatched"
				}
				m.requests.WithLabelValues(methodLabel(c.Request().Method), route, strconv.Itoa(status)).
					Observe(time.Since(start).Seconds())
			}()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			finished = true
			return nil
		}
	}
}

// methodLabel is the method as a label value: one of HTTP's methods, or
// "other". A client may send any token as its method, and every new label
// value would be a new set of series kept for the life of the process.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// ObserveCall implements client.Observer.
func (m *Metrics) ObserveCall(op string, status int, d time.Duration) {
	s := "none"
	if status > 0 {
		s = strconv.Itoa(status)
	}
	m.calls.WithLabelValues(op, s).Observe(d.Seconds())
}

// ObserveTokenFetch implements client.Observer.
func (m *Metrics) ObserveTokenFetch(err error) {
	if err != nil {
		m.tokenFetches.WithLabelValues("error").Inc()
		return
	}
	m.tokenFetches.WithLabelValues("ok").Inc()
}

// ObserveRateLimit implements client.Observer.
func (m *Metrics) ObserveRateLimit(rl client.RateLimit) {
	m.rateRemaining.Set(float64(rl.Remaining))
	m.rateLimit.Set(float64(rl.Limit))
}

var _ client.Observer = (*Metrics)(nil)

// BreakerRejected counts a call the breaker refused; pass it as
// breaker.Options.OnReject.
func (m *Metrics) BreakerRejected() { m.breakerRejects.Inc() }

// WatchBreaker exports the breaker's state as
// helpdesk_onelogin_breaker_state{state="closed|half-open|open"}, 1 for the
// current one. It reads state when scraped, so it is never out of date.
func (m *Metrics) WatchBreaker(state func() breaker.State) {
	for _, s := range []breaker.State{breaker.Closed, breaker.HalfOpen, breaker.Open} {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "helpdesk_onelogin_breaker_state",
			Help:        "State of the circuit breaker in front of OneLogin: 1 for the current state.",
			ConstLabels: prometheus.Labels{"state": s.String()},
		}, func() float64 {
			if state() == s {
				return 1
			}
			return 0
		}))
	}
}

// Audit wraps an audit store so that failed writes are counted. Everything
// else, reads included, passes straight through.
func (m *Metrics) Audit(s audit.Store) audit.Store { return &countingStore{Store: s, m: m} }

type countingStore struct {
	audit.Store
	m *Metrics
}

func (s *countingStore) Begin(ctx context.Context, r audit.Record) (int64, error) {
	id, err := s.Store.Begin(ctx, r)
	if err != nil {
		s.m.auditFailures.WithLabelValues("begin").Inc()
	}
	return id, err
}

func (s *countingStore) Complete(ctx context.Context, id int64, r audit.Result) error {
	err := s.Store.Complete(ctx, id, r)
	if err != nil {
		s.m.auditFailures.WithLabelValues("complete").Inc()
	}
	return err
}

func (s *countingStore) Deny(ctx context.Context, r audit.Record, within time.Duration) (int64, error) {
	id, err := s.Store.Deny(ctx, r, within)
	if err != nil {
		s.m.auditFailures.WithLabelValues("deny").Inc()
	}
	return id, err
}

// QuotaRefused counts a OneLogin call refused by quota, for quota.Budgets.
func (m *Metrics) QuotaRefused(reason string) { m.quotaRefusals.WithLabelValues(reason).Inc() }

// QuotaCharged counts a OneLogin call charged to a person of role.
func (m *Metrics) QuotaCharged(role string) { m.quotaCalls.WithLabelValues(role).Inc() }

// SetQuotaReserve publishes the reserve setting.
func (m *Metrics) SetQuotaReserve(n int) { m.quotaReserve.Set(float64(n)) }
