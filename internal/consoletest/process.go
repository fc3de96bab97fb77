package consoletest

import (
	"context"
	"io"
	"os"
	"testing"

	"onelogin-helpdesk/internal/process"
	"onelogin-helpdesk/internal/testlog"
)

// Process is a program (the console, oauth2-proxy) running as its own
// process for one test: started on a free loopback port, serving, and
// killed when the test ends, its output printed when the test failed.
type Process struct {
	*process.Process
	Name string
	// Logs is what the program wrote: the console's JSON log (stderr), or
	// all of another program's output.
	Logs *testlog.Buffer
}

// SelfEnv makes the root package's test binary run main instead of its
// tests (see its TestMain): its tests start the console as a process this
// way, StartProcess(t, name, Self(), env), rather than building it again.
const SelfEnv = "HELPDESK_TEST_MAIN=1"

// Self is the running test binary, to start with SelfEnv as a console.
func Self() string { return os.Args[0] }

// StartProcess runs the console's program path with exactly env (NAME to
// value) and HELPDESK_ADDR, a free loopback port, and waits until /healthz
// answers there. HELPDESK_PUBLIC_URL is that address's URL unless env
// sets it.
func StartProcess(t testing.TB, name, path string, env map[string]string) *Process {
	t.Helper()
	addr := FreeAddr(t)
	vars := []string{"HELPDESK_ADDR=" + addr, "HELPDESK_PUBLIC_URL=http://" + addr}
	if path == Self() {
		vars = append(vars, SelfEnv)
	}
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	return StartProgram(t, name, process.Spec{Path: path, Env: vars, Addr: addr, Ready: "/healthz", Stdout: io.Discard})
}

// StartProgram starts spec (its Log is the Process's Logs) and fails t
// when it does not serve.
func StartProgram(t testing.TB, name string, spec process.Spec) *Process {
	t.Helper()
	p := &Process{Name: name, Logs: &testlog.Buffer{}}
	spec.Log = p.Logs
	var err error
	p.Process, err = process.Start(context.Background(), spec)
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, p.Logs.String())
	}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("%s's output:\n%s", name, p.Logs.String())
		}
	})
	return p
}

// FreeAddr is a loopback address whose port was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	addr, err := process.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
