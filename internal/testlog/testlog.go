// Package testlog captures what the console logs, for tests to read and
// search. It imports nothing of the console, so every package's tests can
// use it, internal tests included:
//
//	logs := &testlog.Buffer{}
//	app := newThing(logs.Logger(slog.LevelDebug))
//	...
//	if !logs.Has(t, map[string]any{"msg": "signed in"}) { t.Error("not logged") }
package testlog

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// Buffer is a log destination that the goroutines of a server may write to
// while a test reads it. The zero value is ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Logger writes JSON lines at level and above to b, as the console does.
func (b *Buffer) Logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: level}))
}

// Has reports whether some JSON line has every field of want (values as
// encoding/json decodes them: strings, float64, bool). A line that is not
// JSON fails t: the console logs nothing else.
func (b *Buffer) Has(t testing.TB, want map[string]any) bool {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if matches(m, want) {
			return true
		}
	}
	return false
}

// Eventually is Has for a line that may still be on its way (an access
// line is written once the answer has gone out, so it may land just after
// a client has read it): it looks again for up to five seconds.
func (b *Buffer) Eventually(t testing.TB, want map[string]any) bool {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b.Has(t, want) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func matches(m, want map[string]any) bool {
	for k, v := range want {
		if m[k] != v {
			return false
		}
	}
	return true
}
