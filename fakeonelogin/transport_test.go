package fakeonelogin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The in-process transport answers exactly what the socket answers.
func TestTransport_answersAsTheWireDoes(t *testing.T) {
	f := newFixture(t, Options{Seed: 4, Users: 50})
	inproc := &http.Client{Transport: f.srv.Transport()}
	cases := []struct {
		name, method, path, body string
	}{
		{"a user", "GET", userPath(PersonaAdminID, ""), ""},
		{"a page of a list, with its next link", "GET", "/api/1/users?limit=5&fields=id,email", ""},
		{"a user's apps", "GET", userPath(PersonaAdminID, "/apps"), ""},
		{"an unknown user", "GET", userPath(999999999, ""), ""},
		{"a bad body", "PUT", userPath(PersonaAdminID, ""), "{not json"},
		{"no such route", "GET", "/api/9/nothing", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send := func(hc *http.Client) (int, http.Header, []byte) {
				t.Helper()
				req, _ := http.NewRequest(c.method, f.srv.URL+c.path, strings.NewReader(c.body))
				req.Header.Set("Authorization", "bearer "+f.token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header, b
			}
			wireCode, wireHdr, wire := send(http.DefaultClient)
			code, hdr, got := send(inproc)
			if code != wireCode || !bytes.Equal(got, wire) {
				t.Errorf("in process: %d %s\nover the wire: %d %s", code, got, wireCode, wire)
			}
			if hdr.Get("Content-Type") != wireHdr.Get("Content-Type") {
				t.Errorf("Content-Type %q, over the wire %q", hdr.Get("Content-Type"), wireHdr.Get("Content-Type"))
			}
		})
	}
}

func TestTransport_recordsTheCallAsServed(t *testing.T) {
	f := newFixture(t, Options{Seed: 4, Users: 5})
	f.srv.Tenant.ResetCalls()
	req, _ := http.NewRequest("GET", f.srv.URL+userPath(PersonaAdminID, "")+"?x=1", nil)
	req.Header.Set("Authorization", "bearer "+f.token)
	req.Header.Set("X-Request-Id", "req-42")
	resp, err := f.srv.Transport().RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request != req {
		t.Error("the response does not point at the request it answers")
	}
	calls := f.srv.Tenant.Calls()
	if len(calls) != 1 {
		t.Fatalf("%d calls recorded, want 1", len(calls))
	}
	c := calls[0]
	if c.Method != "GET" || c.Path != userPath(PersonaAdminID, "") || c.RawQuery != "x=1" || c.Header.Get("X-Request-Id") != "req-42" || c.Status != 200 {
		t.Errorf("recorded %+v", c)
	}
}

func TestTransport_failsAsTheWireWould(t *testing.T) {
	f := newFixture(t, Options{Seed: 4, Users: 5})
	tr := f.srv.Transport()
	get := func(ctx context.Context, url string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		req.Header.Set("Authorization", "bearer "+f.token)
		return tr.RoundTrip(req)
	}

	t.Run("a dropped connection is an error, and the next call is answered", func(t *testing.T) {
		f.srv.Tenant.DropNext(1)
		if _, err := get(context.Background(), f.srv.URL+userPath(PersonaAdminID, "")); !errors.Is(err, errDropped) {
			t.Fatalf("dropped call: %v", err)
		}
		resp, err := get(context.Background(), f.srv.URL+userPath(PersonaAdminID, ""))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("next call: %v %v", resp, err)
		}
	})
	t.Run("a caller that gives up during the latency gets its context's error", func(t *testing.T) {
		f.srv.Tenant.SetLatency(time.Minute)
		defer f.srv.Tenant.SetLatency(0)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := get(ctx, f.srv.URL+userPath(PersonaAdminID, "")); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("another host is refused, not served", func(t *testing.T) {
		f.srv.Tenant.ResetCalls()
		_, err := get(context.Background(), "http://example.com"+userPath(PersonaAdminID, ""))
		if err == nil || !strings.Contains(err.Error(), "example.com") {
			t.Fatalf("%v", err)
		}
		if n := len(f.srv.Tenant.Calls()); n != 0 {
			t.Errorf("the fake saw %d calls", n)
		}
	})
}
