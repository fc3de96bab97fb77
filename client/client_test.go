package client

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestNew_validatesConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name, base, id, secret string
		wantErr                string // substring; "" = valid
		wantBase               string
	}{
		{"tenant", "https://acme.onelogin.com", "id", "sec", "", "https://acme.onelogin.com"},
		{"trailing slash", "https://api.us.onelogin.com/", "id", "sec", "", "https://api.us.onelogin.com"},
		{"local fake", "http://127.0.0.1:8080", "id", "sec", "", "http://127.0.0.1:8080"},
		{"path prefix kept", " https://proxy.example/onelogin/ ", "id", "sec", "", "https://proxy.example/onelogin"},
		{"empty", "", "id", "sec", "base URL is empty", ""},
		{"blank", "   ", "id", "sec", "base URL is empty", ""},
		{"garbage", "http://[::1", "id", "sec", "not a valid URL", ""},
		{"no scheme", "acme.onelogin.com", "id", "sec", "must start with https://", ""},
		{"ftp", "ftp://acme.onelogin.com", "id", "sec", "must start with https://", ""},
		{"no host", "https://", "id", "sec", "has no host", ""},
		{"userinfo", "https://u:hunter2@acme.onelogin.com", "id", "sec", "must not contain credentials", ""},
		{"query", "https://acme.onelogin.com/?x=1", "id", "sec", "query or fragment", ""},
		{"no id", "https://acme.onelogin.com", " ", "sec", "client ID is empty", ""},
		{"no secret", "https://acme.onelogin.com", "id", "", "client secret is empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.base, tc.id, tc.secret)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.BaseURL() != tc.wantBase {
					t.Errorf("BaseURL = %q, want %q", c.BaseURL(), tc.wantBase)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestBaseURLFromSubdomain(t *testing.T) {
	for in, want := range map[string]string{
		"acme": "https://acme.onelogin.com", " acme ": "https://acme.onelogin.com",
		"acme.onelogin.com": "https://acme.onelogin.com", "": "",
	} {
		if got := BaseURLFromSubdomain(in); got != want {
			t.Errorf("BaseURLFromSubdomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestObserver_seesEveryExchange(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /api/1/users/7", 200, envelopeOf(`[{"id":7}]`))
	a.reply("GET /api/1/users/8", 404, `{"status":{"error":true,"code":404,"type":"not found","message":"User for id 8 was not found"}}`)
	obs := &recObserver{}
	c := a.client(WithObserver(obs))
	_, _ = c.GetUser(context.Background(), 7)
	_, _ = c.GetUser(context.Background(), 8)
	if want := []string{"Token 200", "GetUser 200", "GetUser 404"}; !reflect.DeepEqual(obs.calls, want) {
		t.Errorf("calls = %v, want %v", obs.calls, want)
	}
	if len(obs.tokens) != 1 || obs.tokens[0] != nil {
		t.Errorf("token fetches = %v", obs.tokens)
	}
}

func TestPing(t *testing.T) {
	a := newTestAPI(t)
	c := a.client()
	for range 2 {
		if err := c.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if a.tokenCalls.Load() != 1 || len(a.recorded()) != 0 {
		t.Errorf("token calls %d, resource calls %d", a.tokenCalls.Load(), len(a.recorded()))
	}
}
