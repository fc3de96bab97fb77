package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTransportError_hidesTheQuery(t *testing.T) {
	// A server that accepts and hangs up makes net/http report a *url.Error
	// naming the request URL, query and all.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/oauth2/v2/token" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"tok","expires_in":36000,"token_type":"bearer"}`))
			return
		}
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer srv.Close()
	c, err := New(srv.URL, "id", "secret")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.ListUsers(context.Background(), ListUsersQuery{Email: "someone.private@example.com"})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("want ErrUnavailable, got %v", err)
	}
	if strings.Contains(err.Error(), "someone") || strings.Contains(err.Error(), "email=") {
		t.Errorf("error names the query: %v", err)
	}
	if !strings.Contains(err.Error(), "/api/1/users") {
		t.Errorf("error should still name the path: %v", err)
	}
}
