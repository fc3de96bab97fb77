// Package process runs a server program (the console's binary,
// oauth2-proxy) as a child process on a free loopback port and waits until
// it serves: the one way the tests (through consoletest.Process) and the
// load test in bench start one. It gives the child only the environment it
// is handed, never the caller's, so a developer's ONELOGIN_* cannot reach
// a real tenant. The console's binary never links it.
//
//	addr, _ := process.FreeAddr()
//	p, err := process.Start(ctx, process.Spec{Path: bin, Env: []string{"HELPDESK_ADDR=" + addr}, Addr: addr, Ready: "/healthz", Log: w})
//	defer p.Stop()
package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Spec is the program to start and how to know it serves.
type Spec struct {
	Path string
	Args []string
	// Env is the program's whole environment; PATH is added when missing.
	Env []string
	// Addr is the loopback address the program is told to listen on (in
	// Env or Args); Ready is the path there that answers 200 once it serves.
	Addr, Ready string
	// Log receives the program's stderr and, unless Stdout is set, its
	// stdout; nil drops them.
	Log, Stdout io.Writer
	// Within is how long it may take to serve; 30 s when zero.
	Within time.Duration
}

// Process is a started program.
type Process struct {
	// URL is http://Addr.
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the exit, once done is closed
}

// StopGrace is how long Stop waits after SIGTERM before it kills.
const StopGrace = 10 * time.Second

// FreeAddr is a loopback address with a port that was free a moment ago.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Start starts the program and waits until http://Addr+Ready answers 200.
// A program that exits first, or does not serve in time, is an error (and
// is killed).
func Start(ctx context.Context, s Spec) (*Process, error) {
	cmd := exec.Command(s.Path, s.Args...)
	cmd.Env = s.Env
	if !hasVar(s.Env, "PATH") {
		cmd.Env = append(cmd.Env, "PATH="+os.Getenv("PATH"))
	}
	out := s.Log
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	if s.Stdout != nil {
		cmd.Stdout = s.Stdout
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{URL: "http://" + s.Addr, cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	within := s.Within
	if within == 0 {
		within = 30 * time.Second
	}
	if err := WaitServing(ctx, p.URL+s.Ready, within, p.done); err != nil {
		p.Kill()
		return nil, fmt.Errorf("%s: %w", filepath.Base(s.Path), err)
	}
	return p, nil
}

// WaitServing polls u until it answers 200, for up to within. It stops
// early with an error when ctx ends or exited (nil: never) is closed.
func WaitServing(ctx context.Context, u string, within time.Duration, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		if res, err := http.DefaultClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("exited before it served")
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer 200 within %s", u, within)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Pid is the process's id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop asks the program to shut down (SIGTERM, as an orchestrator would)
// and returns how it exited; it kills it after StopGrace.
func (p *Process) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(StopGrace):
		p.Kill()
		return fmt.Errorf("still running %s after SIGTERM", StopGrace)
	}
}

// Kill ends the process at once, as a crash or an OOM kill would, and
// waits until it is gone. Later calls do nothing.
func (p *Process) Kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func hasVar(env []string, name string) bool {
	for _, kv := range env {
		if len(kv) > len(name) && kv[:len(name)+1] == name+"=" {
			return true
		}
	}
	return false
}
