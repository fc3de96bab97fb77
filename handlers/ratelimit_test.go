package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/client"
)

// TestUpstream_rateLimits: OneLogin's hourly v1 quota and a v2 endpoint's
// own throttle read differently, and each says when to come back from its
// own reply, never from the other's reset.
func TestUpstream_rateLimits(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	h := &Handler{now: func() time.Time { return now }, loc: time.UTC}
	tests := []struct {
		name   string
		hourly bool
		after  time.Duration
		says   string
	}{
		{"v1 hourly quota", true, 40 * time.Minute, "hourly API quota"},
		{"v2 throttle", false, 3 * time.Second, "throttling this kind of request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fmt.Errorf("unlock: %w", &client.RateLimitError{Err: &client.Error{Op: "UnlockUser", HTTPStatus: http.StatusTooManyRequests}, RetryAfter: tt.after, Hourly: tt.hourly})
			b, status := h.upstream(err)
			if b == nil || status != http.StatusServiceUnavailable || !strings.Contains(b.Message, tt.says) {
				t.Fatalf("banner %+v, %d; want one saying %q", b, status, tt.says)
			}
			if want := now.Add(tt.after); !b.RetryAt.Equal(want) {
				t.Errorf("try again at %v, want %v", b.RetryAt, want)
			}
		})
	}
}
