package fakeonelogin

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

var seedEpoch = time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)

// fixture is a server on a manual clock with a token ready.
type fixture struct {
	t     *testing.T
	srv   *Server
	clock *ManualClock
	token string
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	clock := NewManualClock(seedEpoch)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	if opts.Users == 0 {
		opts.Users = 300
	}
	srv := NewServer(opts)
	t.Cleanup(srv.Close)
	f := &fixture{t: t, srv: srv, clock: clock}
	f.token = f.getToken()
	return f
}

func (f *fixture) getToken() string {
	f.t.Helper()
	resp, body := f.raw("POST", "/auth/oauth2/v2/token", map[string]string{
		"Authorization": "client_id:" + f.srv.ClientID + ", client_secret:" + f.srv.ClientSecret,
		"Content-Type":  "application/json",
	}, `{"grant_type":"client_credentials"}`)
	if resp.StatusCode != 200 {
		f.t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(body, &tok)
	return tok.AccessToken
}

func (f *fixture) raw(method, path string, hdr map[string]string, body string) (*http.Response, []byte) {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// do calls a resource with the token and a JSON body.
func (f *fixture) do(method, path, body string) (*http.Response, map[string]any) {
	f.t.Helper()
	hdr := map[string]string{"Authorization": "bearer " + f.token}
	if body != "" {
		hdr["Content-Type"] = "application/json"
	}
	resp, b := f.raw(method, path, hdr, body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		f.t.Fatalf("%s %s: not JSON: %q", method, path, b)
	}
	return resp, m
}

func statusOf(m map[string]any) (code float64, typ string, msg any) {
	st, _ := m["status"].(map[string]any)
	c, _ := st["code"].(float64)
	ty, _ := st["type"].(string)
	return c, ty, st["message"]
}

// msgString renders a message (string or attribute object) for comparison.
func msgString(msg any) string {
	if s, ok := msg.(string); ok {
		return s
	}
	b, _ := json.Marshal(msg)
	return string(b)
}

func compactJSON(s string) string {
	var b bytes.Buffer
	json.Compact(&b, []byte(s))
	return b.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// newRecorder is a ResponseWriter for calling the handler directly.
func newRecorder() *recorder { return &recorder{header: http.Header{}} }

type netDialer = net.Dialer
