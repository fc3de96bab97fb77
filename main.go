// Command helpdesk serves the OneLogin Helpdesk console. With no OneLogin
// credentials in the environment it runs on an embedded fake tenant, so
// `make run` needs no set-up; `helpdesk --help` lists every setting.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
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
	flag.Usage = func() { fmt.Fprint(flag.CommandLine.Output(), config.Usage()) }
	flag.Parse()

	cfg, err := config.Load(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if *healthcheck {
		os.Exit(probe(cfg.Addr))
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if err := run(cfg, logger); err != nil {
		logger.Error("helpdesk stopped", "error", err)
		os.Exit(1)
	}
}

// run serves until SIGINT or SIGTERM, then lets in-flight requests finish.
func run(cfg config.Config, logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	app, err := console.New(cfg, logger)
	if err != nil {
		return err
	}
	defer app.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	servers := []*http.Server{newServer(app.Handler(), logger)}
	listeners := []net.Listener{ln}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return err
		}
		servers = append(servers, newServer(app.MetricsHandler(), logger))
		listeners = append(listeners, mln)
	}

	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	fmt.Printf("OneLogin Helpdesk is running at %s\n", cfg.PublicURL)
	if app.Fake() != nil {
		fmt.Println("Using the embedded fake OneLogin tenant (set ONELOGIN_SUBDOMAIN and credentials for a real one).")
	}
	logger.Info("serving", "addr", ln.Addr().String(), "public_url", cfg.PublicURL, "auth_mode", cfg.AuthMode, "fake_tenant", app.Fake() != nil)

	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	logger.Info("shutting down; waiting for in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(shutdownCtx); err != nil {
			return err
		}
	}
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
	c := http.Client{Timeout: 3 * time.Second}
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
