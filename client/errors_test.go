package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestErrors_typedFromAnswers(t *testing.T) {
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		sentinel    error
		wantStatus  int
		wantType    string
		wantMsg     string
		wantAttr    string
	}{
		{"string message", 404, "", `{"status":{"error":true,"code":404,"type":"not found","message":"User for id 7 was not found"}}`,
			ErrNotFound, 404, "not found", "User for id 7 was not found", ""},
		{"object message", 400, "", `{"status":{"message":{"attribute":"id","description":"ID is incorrect"},"type":"bad request","code":400,"error":true}}`,
			ErrBadRequest, 400, "bad request", "ID is incorrect", "id"},
		{"unauthorized scope", 401, "", `{"status":{"error":true,"code":401,"type":"Unauthorized","message":"Insufficient Permission"}}`,
			ErrUnauthorized, 401, "Unauthorized", "Insufficient Permission", ""},
		{"forbidden", 403, "", `{"status":{"error":true,"code":403,"type":"forbidden","message":"user is not authorized to access this User"}}`,
			ErrForbidden, 403, "forbidden", "user is not authorized to access this User", ""},
		{"server error, non-JSON", 502, "text/html", `<html><body>Bad gateway secret-ish page</body></html>`,
			ErrUnavailable, 502, "", "Bad Gateway (text/html answer)", ""},
		{"error envelope with HTTP 200", 200, "", `{"status":{"error":true,"code":400,"type":"bad request","message":"state is invalid"}}`,
			ErrBadRequest, 400, "bad request", "state is invalid", ""},
		{"empty body", 500, "", ``, ErrUnavailable, 500, "", "Internal Server Error", ""},
		{"control characters cleaned", 400, "", `{"status":{"error":true,"code":400,"type":"bad request","message":"bad\nline\u0000"}}`,
			ErrBadRequest, 400, "bad request", "bad line", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.handle("PUT /api/1/users/7/set_state", func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
					w.WriteHeader(tc.status)
					_, _ = io.WriteString(w, tc.body)
					return
				}
				writeJSON(w, tc.status, tc.body)
			})
			err := a.client().SetState(context.Background(), 7, StateApproved)
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v, want Is %v", err, tc.sentinel)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %T is not *Error", err)
			}
			if e.Op != "SetState" || e.HTTPStatus != tc.wantStatus || e.Type != tc.wantType || e.Message != tc.wantMsg || e.Attribute != tc.wantAttr {
				t.Errorf("got %#v", *e)
			}
			if strings.Contains(err.Error(), "<html") {
				t.Errorf("error repeats the body: %v", err)
			}
		})
	}
}

func TestErrors_sentinelsDoNotCross(t *testing.T) {
	e := &Error{HTTPStatus: 404}
	for _, s := range []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrRateLimited, ErrUnavailable} {
		if errors.Is(e, s) {
			t.Errorf("404 matches %v", s)
		}
	}
	if got := e.Error(); got != "onelogin : 404 " {
		// Op and message empty: still readable, no panic.
		t.Logf("Error() = %q", got)
	}
	withAttr := &Error{Op: "AddRoles", HTTPStatus: 400, Attribute: "role_id_array", Message: "role_id_array has incorrect data type. It should be -> array"}
	if got, want := withAttr.Error(), "onelogin AddRoles: 400 role_id_array: role_id_array has incorrect data type. It should be -> array"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestErrors_v2UnlockStyle(t *testing.T) {
	a := newTestAPI(t)
	a.reply("POST /api/2/users/7/unlock", 400, `{"message":"User cannot be unlocked","name":"BadRequestError","statusCode":400}`)
	a.reply("POST /api/2/users/8/unlock", 200, `{"messsage":"User unlocked"}`)
	a.reply("POST /api/2/users/9/unlock", 404, `{"statusCode":404,"name":"NotFoundError","message":"User not found"}`)
	c := a.client()
	err := c.UnlockUser(context.Background(), 7)
	var e *Error
	if !errors.As(err, &e) || e.Message != "User cannot be unlocked" || e.Type != "BadRequestError" || !errors.Is(err, ErrBadRequest) {
		t.Errorf("err = %#v", err)
	}
	if err := c.UnlockUser(context.Background(), 8); err != nil {
		t.Errorf("unlock: %v", err)
	}
	if err := c.UnlockUser(context.Background(), 9); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want not found", err)
	}
	// The docs' curl sends Content-Type: application/json; so do we, with {}.
	if got := a.recorded()[0]; got.Body != "{}" || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("unlock sent a body %q / content type %q, want {} as application/json", got.Body, got.Header.Get("Content-Type"))
	}
	if !errors.Is(err, ErrRefused) {
		t.Errorf("a 400 \"User cannot be unlocked\" is a refusal too: %v", err)
	}
}

func TestErrors_nonJSON429(t *testing.T) {
	a := newTestAPI(t)
	a.handle("POST /api/1/users/7/mfa_token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-RateLimit-Reset", "42")
		w.WriteHeader(429)
		_, _ = io.WriteString(w, "<html><body><h1>Too many</h1> details here</body></html>")
	})
	_, err := a.client().GenerateMFAToken(context.Background(), 7, time.Minute, false)
	var rle *RateLimitError
	if !errors.As(err, &rle) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want a RateLimitError", err)
	}
	if rle.RetryAfter != 42*time.Second || rle.Err.Message != "Too Many Requests (text/html answer)" {
		t.Errorf("got %#v / %#v", rle, *rle.Err)
	}
	if want := "onelogin GenerateMFAToken: 429 Too Many Requests (text/html answer) (quota resets in 42s)"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestErrors_transportFailure(t *testing.T) {
	a := newTestAPI(t)
	obs := &recObserver{}
	c := a.client(WithObserver(obs))
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.CloseClientConnections()
	a.Close()
	_, err := c.GetUser(context.Background(), 7)
	var te *TransportError
	if !errors.As(err, &te) || !errors.Is(err, ErrUnavailable) || te.Op != "GetUser" {
		t.Fatalf("err = %#v, want TransportError matching ErrUnavailable", err)
	}
	assertNoSecret(t, "transport error", err.Error())
	if last := obs.calls[len(obs.calls)-1]; last != "GetUser 0" {
		t.Errorf("observed %q, want status 0 for no answer", last)
	}
}

func TestErrors_unreadableSuccess(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /api/1/users", 200, `{"status":{"error":false},"data":{"not":"a list"}}`)
	a.reply("PUT /api/1/users/7/logout", 200, `<html>ok</html>`)
	c := a.client()
	if _, _, err := c.ListUsers(context.Background(), ListUsersQuery{}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("ListUsers err = %v", err)
	}
	if err := c.LogoutUser(context.Background(), 7); !errors.Is(err, ErrUnavailable) {
		t.Errorf("LogoutUser err = %v", err)
	}
}

func TestErrors_perRequestTimeout(t *testing.T) {
	a := newTestAPI(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	a.handle("GET /api/1/users/7", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c := a.client(WithTimeout(100 * time.Millisecond))
	start := time.Now()
	_, err := c.GetUser(context.Background(), 7)
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline TransportError", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestErrors_defaultHTTPClientHasTimeout(t *testing.T) {
	c, err := New("https://acme.onelogin.com", testID, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	if c.hc.Timeout <= 0 || c.timeout != DefaultTimeout || c.maxRetryWait != DefaultMaxRetryWait {
		t.Errorf("timeout %v, http timeout %v, max wait %v", c.timeout, c.hc.Timeout, c.maxRetryWait)
	}
	hc := &http.Client{Timeout: time.Second}
	c, _ = New("https://acme.onelogin.com", testID, testSecret, WithHTTPClient(hc), WithHTTPClient(nil), WithTimeout(-1), WithMaxRetryWait(-5), WithObserver(nil), nil)
	if c.hc != hc || c.timeout != DefaultTimeout || c.maxRetryWait != 0 || c.obs == nil {
		t.Errorf("options not applied as documented: %v %v %v", c.hc == hc, c.timeout, c.maxRetryWait)
	}
}
