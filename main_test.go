package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
	"onelogin-helpdesk/internal/process"
	"onelogin-helpdesk/internal/testlog"
)

// TestMain lets a test run the real main in a child process: the child is
// this test binary with consoletest.SelfEnv and main's own arguments.
func TestMain(m *testing.M) {
	if name, value, _ := strings.Cut(consoletest.SelfEnv, "="); os.Getenv(name) == value {
		os.Args = append([]string{"helpdesk"}, strings.Fields(os.Getenv("HELPDESK_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runMain runs main in a child process with only env in its environment
// (never the developer's ONELOGIN_*), and returns its output and exit code.
func runMain(t *testing.T, args string, env map[string]string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = []string{consoletest.SelfEnv, "HELPDESK_TEST_ARGS=" + args, "PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

func TestMain_helpListsEverySettingWithItsDefault(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := runMain(t, "--help", nil)
	if code != 0 {
		t.Fatalf("--help exited %d: %s", code, stderr)
	}
	help := stdout + stderr
	for _, s := range config.Settings {
		def := s.Default
		if def == "" {
			def = "(unset)"
		}
		if !strings.Contains(help, "  "+s.Name+"\n      "+s.Help+"\n      default: "+def+"\n") {
			t.Errorf("--help lacks %s with its help and default %q", s.Name, def)
		}
	}
	if !strings.Contains(help, "-healthcheck") {
		t.Error("--help does not mention -healthcheck")
	}
}

// TestMain_configurationProblems runs the real process with broken
// configurations: each must exit 2 with every problem in one message, before
// anything is started or written.
func TestMain_configurationProblems(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args string
		env  map[string]string
		want []string
	}{
		{"nothing set is not a demo", "", nil,
			[]string{"ONELOGIN_SUBDOMAIN", "ONELOGIN_CLIENT_ID", "ONELOGIN_CLIENT_SECRET", "HELPDESK_DEMO=true", "HELPDESK_AUTH_MODE"}},
		{"three mistakes over OneLogin, sign-in and audit", "", map[string]string{
			"ONELOGIN_SUBDOMAIN": "acme", "ONELOGIN_CLIENT_ID": "id", "ONELOGIN_CLIENT_SECRET": "secret",
			"ONELOGIN_TIMEOUT": "soon", "HELPDESK_AUTH_MODE": "proxy", "HELPDESK_TRUSTED_PROXIES": "nonsense",
			"HELPDESK_SESSION_KEYS": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "HELPDESK_REQUIRE_TICKET": "perhaps"},
			[]string{"ONELOGIN_TIMEOUT", "HELPDESK_TRUSTED_PROXIES", "HELPDESK_REQUIRE_TICKET"}},
		{"a demo with mistakes", "-demo", map[string]string{
			"HELPDESK_ADDR": "nowhere", "HELPDESK_BREAKER_FAILURES": "lots", "HELPDESK_LOG_LEVEL": "loud"},
			[]string{"HELPDESK_ADDR", "HELPDESK_BREAKER_FAILURES", "HELPDESK_LOG_LEVEL"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"HELPDESK_AUDIT_DB": filepath.Join(dir, "demo-audit.db"), "TMPDIR": dir}
			for k, v := range tc.env {
				env[k] = v
			}
			_, stderr, code := runMain(t, tc.args, env)
			if code != 2 {
				t.Errorf("exit code %d, want 2\n%s", code, stderr)
			}
			if n := strings.Count(stderr, "configuration problems"); n != 1 {
				t.Errorf("want one message, got %d:\n%s", n, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("the message does not mention %s:\n%s", w, stderr)
				}
			}
			if files, _ := os.ReadDir(dir); len(files) > 0 {
				t.Errorf("a wrong configuration left %d files behind, the first %s", len(files), files[0].Name())
			}
		})
	}
}

// TestMain_unknownProtectedRoleExits2: a protected role the tenant does not
// have is found at start, and the process exits 2 naming it, as for any
// other configuration problem.
func TestMain_unknownProtectedRoleExits2(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := runMain(t, "-demo", map[string]string{"HELPDESK_AUDIT_DB": filepath.Join(dir, "demo-audit.db"), "TMPDIR": dir,
		"HELPDESK_ADDR": "127.0.0.1:0", "HELPDESK_PROTECTED_ROLES": "Nobody Holds This"})
	if code != 2 || !strings.Contains(stderr, `Nobody Holds This`) {
		t.Errorf("exit code %d, want 2 naming the role:\n%s", code, stderr)
	}
}

// TestMain_SIGTERMStopsCleanlyAtTheConfiguredLogLevel runs the real
// process, sends it SIGTERM once it serves, and reads its JSON log.
func TestMain_SIGTERMStopsCleanlyAtTheConfiguredLogLevel(t *testing.T) {
	t.Parallel()
	cases := []struct {
		level    string
		wantInfo bool
	}{
		{"info", true},
		{"warn", false},
	}
	for _, tc := range cases {
		t.Run(tc.level, func(t *testing.T) {
			p := consoletest.StartProcess(t, "console", consoletest.Self(), map[string]string{
				"HELPDESK_DEMO": "true", "HELPDESK_AUDIT_DB": filepath.Join(t.TempDir(), "demo-audit.db"),
				"HELPDESK_FAKE_USERS": "50", "HELPDESK_LOG_LEVEL": tc.level})
			if err := p.Stop(); err != nil {
				t.Fatalf("exit after SIGTERM: %v", err)
			}
			stderr := p.Logs
			for _, msg := range []string{"serving", "shutting down; waiting for in-flight requests", "stopped"} {
				if got := stderr.Has(t, map[string]any{"msg": msg}); got != tc.wantInfo {
					t.Errorf("level %s: %q logged: %v, want %v", tc.level, msg, got, tc.wantInfo)
				}
			}
		})
	}
}

// TestServe_shutdownLetsInFlightRequestsFinish starts a slow page, asks the
// server to stop while OneLogin is still answering it, and checks that new
// connections are refused at once while the page still arrives whole.
func TestServe_shutdownLetsInFlightRequestsFinish(t *testing.T) {
	t.Parallel()
	c := consoletest.New(t, map[string]string{"HELPDESK_FAKE_LATENCY": "400ms"})
	ctx, shutdown := context.WithCancel(context.Background())
	var served error
	stopped := make(chan struct{})
	go func() {
		served = serve(ctx, c.Logger, 5*time.Second, binding{c.Listener, c.App.Handler()})
		close(stopped)
	}()
	t.Cleanup(func() { shutdown(); <-stopped }) // before consoletest's, which closes the App
	b := c.Browser(t)
	b.SignIn("helpdesk")
	id := fakeonelogin.PersonaLockedID
	page := fmt.Sprintf("%s/users/%d", c.URL, id)

	type result struct {
		status   int
		complete bool
		at       time.Time
	}
	done := make(chan result, 1)
	go func() {
		res, err := b.Client().Get(page)
		if err != nil {
			done <- result{}
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		done <- result{res.StatusCode, strings.Contains(string(body), "</html>"), time.Now()}
	}()
	// Wait until the page is at OneLogin, then stop the server.
	for deadline := time.Now().Add(5 * time.Second); c.Tenant.CallCount("GET", fmt.Sprintf("/api/1/users/%d", id)) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the page never reached OneLogin")
		}
		time.Sleep(5 * time.Millisecond)
	}
	shutdown()

	addr := c.Listener.Addr().String()
	var refusedAt time.Time
	for deadline := time.Now().Add(2 * time.Second); refusedAt.IsZero(); {
		conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			refusedAt = time.Now()
			continue
		case errors.Is(err, syscall.ECONNRESET):
			// Accepted by the kernel just before the listener closed.
		case err != nil:
			t.Fatalf("new connection: %v, want connection refused", err)
		default:
			conn.Close()
		}
		if time.Now().After(deadline) {
			t.Fatal("new connections still accepted 2 s after shutdown began")
		}
		time.Sleep(5 * time.Millisecond)
	}

	r := <-done
	if r.status != 200 || !r.complete {
		t.Fatalf("in-flight page: %d, complete=%v", r.status, r.complete)
	}
	if !refusedAt.Before(r.at) {
		t.Errorf("new connections were refused only after the in-flight page finished")
	}
	select {
	case <-stopped:
		if served != nil {
			t.Errorf("serve: %v", served)
		}
	case <-time.After(5 * time.Second):
		t.Error("serve did not return after the last request")
	}
	if !strings.Contains(c.Logs.String(), `"msg":"stopped"`) {
		t.Error("no stopped line in the log")
	}
}

// TestServe_gracePeriodEnds: a request that outlives the grace period does
// not keep the process up, and serve says so.
func TestServe_gracePeriodEnds(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, slog.New(slog.DiscardHandler), 100*time.Millisecond, binding{ln, h}) }()
	go http.Get("http://" + ln.Addr().String()) //nolint:errcheck // the answer never comes
	<-started
	cancel()
	select {
	case err := <-served:
		if err == nil || !strings.Contains(err.Error(), "requests still running after 100ms") {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve waited past its grace period")
	}
}

// TestRun_servesProbesAndMetricsOnTheirAddresses runs the whole of run:
// probes on the main address without sign-in, metrics only on the metrics
// address, and a clean stop when the context ends.
func TestRun_servesProbesAndMetricsOnTheirAddresses(t *testing.T) {
	t.Parallel()
	addr, maddr := consoletest.FreeAddr(t), consoletest.FreeAddr(t)
	cfg := consoletest.Config(t, map[string]string{"HELPDESK_ADDR": addr, "HELPDESK_METRICS_ADDR": maddr})
	ctx, cancel := context.WithCancel(context.Background())
	var out testlog.Buffer
	ran := make(chan error, 1)
	go func() { ran <- run(ctx, cfg, slog.New(slog.DiscardHandler), &out) }()
	if err := process.WaitServing(ctx, "http://"+addr+"/healthz", 30*time.Second, nil); err != nil {
		t.Fatal(err)
	}

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cases := []struct {
		url     string
		status  int // 0: anything but 200
		body    string
		metrics bool
	}{
		{"http://" + addr + "/healthz", 200, "ok", false},
		{"http://" + addr + "/readyz", 200, "ready", false},
		{"http://" + addr + "/metrics", 0, "", false}, // the console's own page: sign in
		{"http://" + maddr + "/metrics", 200, "helpdesk_onelogin_token_fetches_total", true},
		{"http://" + maddr + "/", 404, "", false},
	}
	for _, c := range cases {
		resp, err := noRedirect.Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if c.status == 0 && resp.StatusCode == 200 || c.status != 0 && resp.StatusCode != c.status ||
			!strings.Contains(string(b), c.body) || strings.Contains(string(b), "# HELP") != c.metrics {
			t.Errorf("GET %s: %d %.80q, want %d with %q", c.url, resp.StatusCode, b, c.status, c.body)
		}
	}
	if !strings.Contains(out.String(), "OneLogin Helpdesk is running at http://"+addr) {
		t.Errorf("start-up message: %q", out.String())
	}
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("still listening after run returned")
	}
}

// TestProbe: -healthcheck passes only when /healthz itself answers 200.
func TestProbe(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    int
	}{
		{"healthy", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/healthz" {
				_, _ = io.WriteString(w, "ok")
				return
			}
			http.NotFound(w, r)
		}, 0},
		{"unhealthy", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusServiceUnavailable) }, 1},
		{"redirected to sign-in", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/healthz" {
				http.Redirect(w, r, "/auth/login", http.StatusFound)
				return
			}
			_, _ = io.WriteString(w, "sign in")
		}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			if got := probe(strings.TrimPrefix(srv.URL, "http://")); got != tc.want {
				t.Errorf("probe = %d, want %d", got, tc.want)
			}
		})
	}
	if got := probe("127.0.0.1:1"); got != 1 {
		t.Errorf("probe of a closed port = %d, want 1", got)
	}
}

// TestBinary_linksNoTestSupport: the binary carries the demo (the fake
// tenant is product code) but nothing written for tests: not testing, not
// net/http/httptest, and none of our test-support packages (*test,
// internal/..., and deploy, which reads the compose example for tests).
func TestBinary_linksNoTestSupport(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps .: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "onelogin-helpdesk/fakeonelogin") {
		t.Fatalf("go list -deps . lists no fakeonelogin; is this the module's root?\n%s", out)
	}
	for _, p := range deps {
		ours, isOurs := strings.CutPrefix(p, "onelogin-helpdesk/")
		if p == "testing" || strings.HasPrefix(p, "testing/") || p == "net/http/httptest" ||
			isOurs && (strings.HasSuffix(ours, "test") || strings.HasPrefix(ours, "internal/") || ours == "deploy") {
			t.Errorf("the binary links %s, which is for tests", p)
		}
	}
}
