package console

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/config"
)

// TestClientOptions_timeoutBoundsAStalledAnswer: the OneLogin client the
// console builds has no http.Client.Timeout, so its per-call deadline alone
// must end an exchange whose answer stops half way, token request included.
func TestClientOptions_timeoutBoundsAStalledAnswer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"access_token":"`)) // and then nothing more
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	o := newOps(config.Config{}, nil)
	c, err := client.New(srv.URL, "id", "secret", o.clientOptions(200*time.Millisecond, nil)...)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.GetUser(context.Background(), 7)
	if elapsed := time.Since(start); err == nil || elapsed > 2*time.Second {
		t.Fatalf("GetUser with a stalled token answer: %v after %s, want a timeout within the 200ms deadline", err, elapsed)
	}
	if !errors.Is(err, client.ErrUnavailable) {
		t.Errorf("err = %v, want it to count as OneLogin unavailable", err)
	}
}
