// Package health serves the console's probes: /healthz says the process
// serves, /readyz says it can do its job, which means OneLogin gives it a
// token and answers within a deadline. The readiness result is cached, so
// however often something probes, OneLogin is asked at most once per period.
//
//	p := health.New(health.OneLogin(c), health.Options{Logger: log})
//	p.Routes(e) // GET and HEAD /healthz and /readyz, no sign-in
package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/breaker"
	"onelogin-helpdesk/client"
)

// Check reports whether a dependency is usable. Its error's text is what a
// prober sees after "not ready: ", so it must be short and safe to show:
// no URLs with secrets, no tokens.
type Check func(ctx context.Context) error

// Defaults for Options left zero.
const (
	DefaultTimeout  = 2 * time.Second
	DefaultCacheFor = 10 * time.Second
)

// Options configures Probes.
type Options struct {
	// Timeout bounds one readiness check (default DefaultTimeout).
	Timeout time.Duration
	// CacheFor is how long a readiness result, good or bad, is reused
	// (default DefaultCacheFor).
	CacheFor time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger is told when readiness changes; nil logs nothing.
	Logger *slog.Logger
}

// Probes answers liveness and readiness probes.
type Probes struct {
	ready    Check
	timeout  time.Duration
	cacheFor time.Duration
	now      func() time.Time
	log      *slog.Logger

	mu      sync.Mutex
	checked time.Time // zero: never
	err     error
	flight  chan struct{} // closed when the running check ends; nil when none runs
}

// New returns probes whose readiness is ready's verdict.
func New(ready Check, o Options) *Probes {
	p := &Probes{ready: ready, timeout: o.Timeout, cacheFor: o.CacheFor, now: o.Now, log: o.Logger}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	if p.cacheFor <= 0 {
		p.cacheFor = DefaultCacheFor
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	return p
}

// Routes registers GET and HEAD /healthz and /readyz on e. Call it before
// any sign-in middleware applies: probes carry no identity.
func (p *Probes) Routes(e *echo.Echo) {
	for _, route := range []struct {
		path string
		h    http.HandlerFunc
	}{{"/healthz", p.Live}, {"/readyz", p.Ready}} {
		e.GET(route.path, echo.WrapHandler(route.h))
		e.HEAD(route.path, echo.WrapHandler(route.h))
	}
}

// Live answers 200 "ok" whenever the process serves HTTP at all.
func (p *Probes) Live(w http.ResponseWriter, r *http.Request) {
	write(w, r, http.StatusOK, "ok")
}

// Ready answers 200 "ready" when the last readiness check (at most CacheFor
// old) passed, and 503 "not ready: <reason>" otherwise.
func (p *Probes) Ready(w http.ResponseWriter, r *http.Request) {
	if err := p.Check(r.Context()); err != nil {
		write(w, r, http.StatusServiceUnavailable, "not ready: "+err.Error())
		return
	}
	write(w, r, http.StatusOK, "ready")
}

// Check returns the readiness verdict, running the check when the cached
// one is too old. Concurrent callers share one run. A caller whose context
// ends stops waiting, but the run continues for the others.
func (p *Probes) Check(ctx context.Context) error {
	p.mu.Lock()
	if !p.checked.IsZero() && p.now().Sub(p.checked) < p.cacheFor {
		err := p.err
		p.mu.Unlock()
		return err
	}
	fl := p.flight
	if fl == nil {
		fl = make(chan struct{})
		p.flight = fl
		go p.run(fl)
	}
	p.mu.Unlock()

	select {
	case <-fl:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.err
	case <-ctx.Done():
		return errors.New("the probe gave up waiting")
	}
}

func (p *Probes) run(fl chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	err := p.ready(ctx)
	var db *dbError
	if err != nil && ctx.Err() != nil && !errors.As(err, &db) {
		err = fmt.Errorf("OneLogin did not answer within %s", p.timeout)
	}

	p.mu.Lock()
	was, first := p.err, p.checked.IsZero()
	p.err, p.checked, p.flight = err, p.now(), nil
	p.mu.Unlock()
	close(fl)

	switch {
	case err != nil && (first || was == nil):
		p.log.Warn("not ready", "reason", err.Error())
	case err == nil && (first || was != nil):
		p.log.Info("ready")
	}
}

func write(w http.ResponseWriter, r *http.Request, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = fmt.Fprintln(w, body)
	}
}

// Pinger is what the OneLogin readiness check needs; *client.Client has it.
type Pinger interface {
	Ping(ctx context.Context) error
	RateLimitStatus(ctx context.Context) (client.RateLimit, error)
}

// OneLogin checks that a token can be had and that OneLogin answers a
// resource call: the rate-limit status, the cheapest one there is. Errors
// are turned into short reasons without URLs or credentials.
func OneLogin(c Pinger) Check {
	return func(ctx context.Context) error {
		if err := c.Ping(ctx); err != nil {
			return reason("token request", err)
		}
		if _, err := c.RateLimitStatus(ctx); err != nil {
			return reason("rate-limit call", err)
		}
		return nil
	}
}

// reason says why a OneLogin call failed, in words safe for a prober.
func reason(call string, err error) error {
	var open *breaker.OpenError
	var ce *client.Error
	switch {
	case errors.As(err, &open):
		return errors.New(open.Error())
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return fmt.Errorf("OneLogin %s timed out", call)
	case errors.As(err, &ce):
		return fmt.Errorf("OneLogin answered the %s with HTTP %d", call, ce.HTTPStatus)
	case errors.Is(err, client.ErrUnavailable):
		return fmt.Errorf("OneLogin could not be reached for the %s", call)
	}
	return fmt.Errorf("OneLogin %s failed", call)
}

// All is ready when every check is, asked in order; the first failure is
// the reason.
func All(checks ...Check) Check {
	return func(ctx context.Context) error {
		for _, c := range checks {
			if err := c(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}

// Database checks that the console's state store answers: without it no
// action can be recorded, so none may be taken. The reason never carries
// the store's own error, which may name hosts and users.
func Database(db interface {
	Ping(ctx context.Context) error
}) Check {
	return func(ctx context.Context) error {
		if err := db.Ping(ctx); err != nil {
			if ctx.Err() != nil {
				return &dbError{"the database did not answer in time"}
			}
			return &dbError{"the database cannot be reached"}
		}
		return nil
	}
}

// dbError is a database reason, already worded for the prober.
type dbError struct{ reason string }

func (e *dbError) Error() string { return e.reason }
