package process_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"onelogin-helpdesk/internal/process"
)

// TestMain makes this test binary the program under test when asked:
// PROCESS_TEST=serve serves /ready (200) and /env (its environment) on
// PROCESS_TEST_ADDR until SIGTERM, then exits 0; PROCESS_TEST=exit exits 3
// at once; PROCESS_TEST=hang never listens.
func TestMain(m *testing.M) {
	switch os.Getenv("PROCESS_TEST") {
	case "serve":
		ln, err := net.Listen("tcp", os.Getenv("PROCESS_TEST_ADDR"))
		if err != nil {
			os.Exit(4)
		}
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM)
		go func() {
			_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/env" {
					_, _ = io.WriteString(w, strings.Join(os.Environ(), "\n"))
				}
			}))
		}()
		<-stop
		os.Exit(0)
	case "exit":
		os.Exit(3)
	case "hang":
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func spec(t *testing.T, mode string) process.Spec {
	addr, err := process.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return process.Spec{Path: os.Args[0], Addr: addr, Ready: "/ready", Within: 10 * time.Second,
		Env: []string{"PROCESS_TEST=" + mode, "PROCESS_TEST_ADDR=" + addr}}
}

// TestStart_servesWithItsOwnEnvironmentAndStopsOnSIGTERM: Start returns
// once the program answers; the program sees only the environment it was
// given (and PATH), never the caller's; Stop ends it with SIGTERM.
func TestStart_servesWithItsOwnEnvironmentAndStopsOnSIGTERM(t *testing.T) {
	t.Setenv("ONELOGIN_CLIENT_SECRET", "the caller's")
	p, err := process.Start(context.Background(), spec(t, "serve"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	res, err := http.Get(p.URL + "/env")
	if err != nil {
		t.Fatal(err)
	}
	env, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(env), "PROCESS_TEST=serve") || !strings.Contains(string(env), "PATH=") ||
		strings.Contains(string(env), "ONELOGIN_CLIENT_SECRET") {
		t.Errorf("the program's environment:\n%s", env)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("Stop: %v, want a clean exit", err)
	}
	select {
	case <-p.Done():
	default:
		t.Error("Done is open after Stop")
	}
}

// TestStart_failures: a program that exits, or does not serve in time, is
// an error that says which.
func TestStart_failures(t *testing.T) {
	cases := []struct {
		mode   string
		within time.Duration
		want   string
	}{
		// Long enough for a busy machine to start the program and see it
		// exit; Start returns as soon as it has.
		{"exit", 10 * time.Second, "exited before it served"},
		{"hang", 200 * time.Millisecond, "did not answer 200 within"},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			s := spec(t, tc.mode)
			s.Within = tc.within
			p, err := process.Start(context.Background(), s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start: %v, %v; want an error saying %q", p, err, tc.want)
			}
		})
	}
}
