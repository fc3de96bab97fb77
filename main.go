// Command helpdesk serves the OneLogin Helpdesk console. It needs a OneLogin
// tenant and a sign-in mode, or -demo (HELPDESK_DEMO=true) for an embedded
// fake tenant, which is what `make run` starts; `helpdesk --help` lists
// every setting.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"onelogin-helpdesk/config"
	"onelogin-helpdesk/console"
)

func main() {
	healthcheck := flag.Bool("healthcheck", false, "check that a console on HELPDESK_ADDR answers /healthz, then exit (for container HEALTHCHECK)")
	demo := flag.Bool("demo", false, "run on an embedded fake tenant (HELPDESK_DEMO=true)")
	flag.Usage = func() { fmt.Fprint(flag.CommandLine.Output(), config.Usage()) }
	flag.Parse()

	getenv := os.Getenv
	if *demo {
		getenv = func(name string) string {
			if name == "HELPDESK_DEMO" {
				return "true"
			}
			return os.Getenv(name)
		}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if *healthcheck {
		os.Exit(probe(cfg.HTTP.Addr))
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.Ops.LogLevel}))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	if err := run(ctx, cfg, logger, os.Stdout); err != nil {
		logger.Error("helpdesk stopped", "error", err)
		if errors.Is(err, console.ErrConfiguration) {
			os.Exit(2) // as for a bad setting: only the configuration fixes it
		}
		os.Exit(1)
	}
}

// shutdownGrace is how long in-flight requests get to finish after a
// signal; a load balancer's drain time is usually shorter.
const shutdownGrace = 20 * time.Second

// run builds the console and serves it until ctx ends, then lets
// in-flight requests finish.
func run(ctx context.Context, cfg config.Config, logger *slog.Logger, out io.Writer) error {
	app, err := console.New(cfg, logger)
	if err != nil {
		return err
	}
	defer app.Close() // after serve: in-flight requests may still need the fake tenant

	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return err
	}
	bindings := []binding{{ln, app.Handler()}}
	if cfg.Ops.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.Ops.MetricsAddr)
		if err != nil {
			ln.Close()
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", app.MetricsHandler())
		bindings = append(bindings, binding{mln, mux})
	}

	fmt.Fprintf(out, "OneLogin Helpdesk is running at %s\n", cfg.HTTP.PublicURL)
	if cfg.Demo {
		fmt.Fprintln(out, "Demo: an embedded fake OneLogin tenant; nothing here is real.")
	}
	logger.Info("serving", "addr", ln.Addr().String(), "metrics_addr", cfg.Ops.MetricsAddr, "public_url", cfg.HTTP.PublicURL,
		"auth_mode", string(cfg.Auth.Mode), "demo", cfg.Demo)
	return serve(ctx, logger, shutdownGrace, bindings...)
}

// binding is a handler served on a listener.
type binding struct {
	ln net.Listener
	h  http.Handler
}

// serve serves every binding until ctx ends or one of them fails. Then it
// stops accepting connections on all of them at once and waits up to grace
// for in-flight requests to finish.
func serve(ctx context.Context, logger *slog.Logger, grace time.Duration, bindings ...binding) error {
	servers := make([]*http.Server, len(bindings))
	errc := make(chan error, len(bindings))
	for i, b := range bindings {
		servers[i] = newServer(b.h, logger)
		go func() { errc <- servers[i].Serve(b.ln) }()
	}

	var failed error
	select {
	case err := <-errc:
		failed = err // a listener broke: stop the others too
	case <-ctx.Done():
		logger.Info("shutting down; waiting for in-flight requests", "grace", grace.String())
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	errs := []error{failed}
	for _, srv := range servers {
		if err := srv.Shutdown(shutdownCtx); err != nil {
			errs = append(errs, fmt.Errorf("requests still running after %s: %w", grace, err))
			srv.Close()
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

func newServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// probe asks a running console whether it serves; 0 means yes.
func probe(addr string) int {
	c := http.Client{
		Timeout: 3 * time.Second,
		// Only /healthz itself answering 200 counts: a redirect (to sign-in,
		// say) means something else is serving on that address.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "healthz:", resp.Status)
		return 1
	}
	return 0
}
