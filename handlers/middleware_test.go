package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/fakeonelogin"
)

// The client's X-Request-Id is kept only when it is a plain token; any other
// is replaced by a fresh id. Whichever it is, the same id is answered, sent
// with every OneLogin call made for the request, and logged.
func TestRequestID_keptOnlyWhenAPlainToken(t *testing.T) {
	plain := regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	tests := []struct {
		name string
		sent string
		kept bool
	}{
		{"short token", "abc", true},
		{"a load generator's id", "bench-3-1207", true},
		{"dots and underscores", "req.2025_03-04", true},
		{"64 characters", strings.Repeat("x", 64), true},
		{"65 characters", strings.Repeat("x", 65), false},
		{"kilobytes", strings.Repeat("A", 8<<10), false},
		{"none", "", false},
		{"a space", "a b", false},
		{"a quote", `a"b`, false},
		{"a slash", "../etc", false},
		{"markup", "<script>", false},
		{"non-ASCII letter", "caf\u00e9", false},
		{"Kelvin sign", "\u212a", false},
	}
	c := newConsole(t, access.RoleViewer)
	page := fmt.Sprintf("/users/%d", c.userID(fakeonelogin.PersonaLocked))
	seen := map[string]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.fake.Tenant.ResetCalls()
			req := httptest.NewRequest("GET", page, nil)
			if tc.sent != "" {
				req.Header.Set("X-Request-Id", tc.sent)
			}
			rec := httptest.NewRecorder()
			c.http.ServeHTTP(rec, req)
			wantCode(t, rec, http.StatusOK)

			id := rec.Header().Get("X-Request-Id")
			switch {
			case tc.kept && id != tc.sent:
				t.Fatalf("answered X-Request-Id %q, want the client's %q", id, tc.sent)
			case !tc.kept && (id == tc.sent || !plain.MatchString(id) || seen[id]):
				t.Fatalf("answered X-Request-Id %.80q, want a fresh plain token", id)
			}
			seen[id] = true
			calls := 0
			for _, call := range c.fake.Tenant.Calls() {
				if strings.HasPrefix(call.Path, "/api/1/users") {
					calls++
					if got := call.Header.Get("X-Request-Id"); got != id {
						t.Errorf("%s %s sent X-Request-Id %.80q, want %q", call.Method, call.Path, got, id)
					}
				}
			}
			if calls == 0 {
				t.Error("no OneLogin call was made for the page")
			}
			if !strings.Contains(c.logBuf.String(), `"request_id":"`+id+`"`) {
				t.Errorf("no log line with request_id %q", id)
			}
			if !tc.kept && len(tc.sent) > 3 && strings.Contains(c.logBuf.String(), tc.sent) {
				t.Errorf("the refused id %.20q… was logged", tc.sent)
			}
		})
	}
}
