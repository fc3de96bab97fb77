package consoletest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"onelogin-helpdesk/internal/consoletest"
)

// TestInProcess: a request reaches the handler as a served one would, from
// 127.0.0.1 with the path and query alone; an aborted handler and a caller
// who gave up are errors, as they are on a socket.
func TestInProcess(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/abort":
			panic(http.ErrAbortHandler)
		case "/give-up":
			cancel()
		}
		body, _ := io.ReadAll(r.Body)
		_, _ = io.WriteString(w, r.Method+" "+r.Host+" "+r.RequestURI+" "+r.RemoteAddr+" "+string(body))
	})
	hc := &http.Client{Transport: consoletest.InProcess(h)}

	res, err := hc.Post("http://console.test/users?q=ann", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if want := "POST console.test /users?q=ann 127.0.0.1:50000 hello"; string(b) != want {
		t.Errorf("the handler saw %q, want %q", b, want)
	}
	if _, err := hc.Get("http://console.test/abort"); err == nil {
		t.Error("an aborted handler gave an answer")
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://console.test/give-up", nil)
	if _, err := hc.Do(req); err == nil {
		t.Error("a caller who gave up got an answer")
	}
}
