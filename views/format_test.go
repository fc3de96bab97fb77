package views

import (
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/client"
)

var fmtNow = time.Date(2026, 5, 12, 14, 0, 0, 0, time.UTC)

func TestStatusWords(t *testing.T) {
	tests := []struct {
		name string
		u    client.User
		want string
	}{
		{"active", client.User{Status: client.StatusActive}, "Active"},
		{"locked today", client.User{Status: client.StatusLocked, LockedUntil: fmtNow.Add(65 * time.Minute)}, "Locked until 15:05"},
		{"locked until another day", client.User{Status: client.StatusLocked, LockedUntil: fmtNow.AddDate(0, 0, 3)}, "Locked until 15 May 14:00"},
		{"locked without end", client.User{Status: client.StatusLocked}, "Locked until unlocked"},
		{"lock over", client.User{Status: client.StatusLocked, LockedUntil: fmtNow.Add(-time.Minute)}, "Lock ended 13:59"},
		{"suspended", client.User{Status: client.StatusSuspended}, "Suspended"},
		{"password expired", client.User{Status: client.StatusPasswordExpired}, "Password expired"},
		{"unknown", client.User{Status: 6}, "Status 6"},
	}
	for _, tt := range tests {
		if got := StatusWords(&tt.u, fmtNow, time.UTC); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	// Times follow the configured zone.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err == nil {
		u := client.User{Status: client.StatusLocked, LockedUntil: fmtNow.Add(65 * time.Minute)}
		if got := StatusWords(&u, fmtNow, berlin); got != "Locked until 17:05" {
			t.Errorf("Berlin: %q", got)
		}
	}
}

func TestRelativeAndRemaining(t *testing.T) {
	rel := []struct {
		d    time.Duration
		want string
	}{
		{10 * time.Second, "just now"},
		{-10 * time.Second, "just now"},
		{time.Minute, "1 minute ago"},
		{5 * time.Minute, "5 minutes ago"},
		{-20 * time.Minute, "in 20 minutes"},
		{70 * time.Minute, "1 hour ago"},
		{5 * time.Hour, "5 hours ago"},
		{30 * time.Hour, "1 day ago"},
		{10 * 24 * time.Hour, "10 days ago"},
		{60 * 24 * time.Hour, "2 months ago"},
		{800 * 24 * time.Hour, "2 years ago"},
	}
	for _, tt := range rel {
		if got := Relative(fmtNow.Add(-tt.d), fmtNow); got != tt.want {
			t.Errorf("Relative(-%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
	if got := Relative(time.Time{}, fmtNow); got != "never" {
		t.Errorf("zero time: %q", got)
	}
	rem := []struct {
		d    time.Duration
		want string
	}{
		{-time.Minute, "ended"},
		{30 * time.Second, "less than a minute left"},
		{90 * time.Second, "2 minutes left"},
		{20 * time.Minute, "20 minutes left"},
		{2 * time.Hour, "2 hours left"},
		{2*time.Hour + 5*time.Minute, "2 hours 5 minutes left"},
		{72 * time.Hour, "3 days left"},
	}
	for _, tt := range rem {
		if got := Remaining(fmtNow.Add(tt.d), fmtNow); got != tt.want {
			t.Errorf("Remaining(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestIconURL(t *testing.T) {
	base := "https://acme.onelogin.com"
	tests := []struct{ icon, want string }{
		{"/images/apps/slack.svg", "https://acme.onelogin.com/images/apps/slack.svg"},
		{"images/x.png", "https://acme.onelogin.com/images/x.png"},
		{"https://cdn.onelogin.com/x.png", "https://cdn.onelogin.com/x.png"},
		{"//cdn.example.com/x.png", "https://cdn.example.com/x.png"},
		{"javascript:alert(1)", ""},
		{"data:image/svg+xml,<svg/>", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := IconURL(base, tt.icon); got != tt.want {
			t.Errorf("IconURL(%q) = %q, want %q", tt.icon, got, tt.want)
		}
	}
	if got := IconURL("", "/images/x.png"); got != "" {
		t.Errorf("relative icon without a base: %q", got)
	}
}

// TestExplainSignIn_approvedAddsNothing: a blocking status on an approved
// account is explained on its own, without a word about the state.
func TestExplainSignIn_approvedAddsNothing(t *testing.T) {
	s := ExplainSignIn(client.User{Status: client.StatusLocked, State: client.StateApproved}, fmtNow, time.UTC)
	for _, d := range s.Details {
		if strings.Contains(d, "also") {
			t.Errorf("approved account: detail %q", d)
		}
	}
}

func TestExplainSignIn(t *testing.T) {
	tests := []struct {
		name     string
		u        client.User
		blocked  bool
		headline string
		detail   string
	}{
		{"locked with end", client.User{Status: client.StatusLocked, LockedUntil: fmtNow.Add(20 * time.Minute), InvalidLoginAttempts: 6},
			true, "Locked until 14:20 (20 minutes left)", "6 failed sign-in attempts"},
		{"locked without end", client.User{Status: client.StatusLocked}, true, "Locked until someone unlocks the account", "No end time"},
		{"lock over", client.User{Status: client.StatusLocked, LockedUntil: fmtNow.Add(-time.Hour)}, true, "Locked, but the lock period is over", "13:00"},
		{"suspended", client.User{Status: client.StatusSuspended, State: client.StateApproved}, true, "Suspended", "suspended the account"},
		{"password expired", client.User{Status: client.StatusPasswordExpired, PasswordChangedAt: fmtNow.AddDate(0, -4, 0)},
			true, "Password expired", "4 months ago"},
		{"unactivated, invited", client.User{Status: client.StatusUnactivated, InvitationSentAt: fmtNow.Add(-3 * 24 * time.Hour)},
			true, "Not activated", "invitation was sent 3 days ago"},
		{"password pending", client.User{Status: client.StatusPasswordPending}, true, "No password set yet", "No invitation"},
		{"awaiting reset", client.User{Status: client.StatusAwaitingReset}, true, "Waiting for a password reset", "must reset"},
		{"security questions", client.User{Status: client.StatusSecurityQuestions}, true, "Security questions required", "security questions"},
		{"active approved", client.User{Status: client.StatusActive, State: client.StateApproved, InvalidLoginAttempts: 2},
			false, "Nothing in OneLogin blocks sign-in", "2 failed sign-in attempts"},
		{"active unapproved", client.User{Status: client.StatusActive, State: client.StateUnapproved}, true, "Waiting for approval", "not approved"},
		{"active rejected", client.User{Status: client.StatusActive, State: client.StateRejected}, true, "Rejected", "rejected"},
		{"active unlicensed", client.User{Status: client.StatusActive, State: client.StateUnlicensed}, true, "Unlicensed", "license"},
		{"unknown status", client.User{Status: 6}, true, "Unknown status (Status 6)", "does not know"},
		{"locked and unlicensed", client.User{Status: client.StatusLocked, State: client.StateUnlicensed},
			true, "Locked until someone unlocks the account", "The account is also unlicensed: once the status is fixed, it still cannot be used."},
		{"suspended and rejected", client.User{Status: client.StatusSuspended, State: client.StateRejected},
			true, "Suspended", "also rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ExplainSignIn(tt.u, fmtNow, time.UTC)
			if s.Blocked != tt.blocked {
				t.Errorf("blocked %v", s.Blocked)
			}
			if s.Headline != tt.headline {
				t.Errorf("headline %q, want %q", s.Headline, tt.headline)
			}
			if d := strings.Join(s.Details, " "); !strings.Contains(d, tt.detail) {
				t.Errorf("details %q lack %q", d, tt.detail)
			}
			if s.Fix == "" {
				t.Error("no fix")
			}
		})
	}
}
