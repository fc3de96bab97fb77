package views

import (
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/client"
)

// TestDescribeEvent: every type the activity asks for reads as words, and
// says who did it when it was not the person.
func TestDescribeEvent(t *testing.T) {
	const me = int64(7)
	self := client.Event{UserID: me, ActorUserID: me, ActorUserName: "Dana Reyes", IPAddr: "192.0.2.4"}
	admin := client.Event{UserID: me, ActorUserID: 9, ActorUserName: "Ada Admin"}
	api := client.Event{UserID: me, ActorSystem: "API", ActorUserName: "API"}
	with := func(e client.Event, f func(*client.Event)) client.Event { f(&e); return e }
	cases := []struct {
		name string
		e    client.Event
		tone string
		want string
	}{
		{"USER_LOGGED_INTO_ONELOGIN", self, "ok", "Signed in to OneLogin"},
		{"USER_LOGGED_INTO_APP", with(self, func(e *client.Event) { e.AppName = "Slack" }), "ok", "Signed in to Slack"},
		{"USER_FAILED_ONELOGIN_LOGIN", with(self, func(e *client.Event) { e.Notes = "Invalid password" }), "fail", "Failed sign-in · Invalid password"},
		{"USER_FAILED_APP_LOGIN", with(self, func(e *client.Event) { e.AppName = "Zoom" }), "fail", "Failed sign-in to Zoom"},
		{"USER_LOGGED_OUT_OF_ONELOGIN", self, "info", "Signed out of OneLogin"},
		{"USER_LOGGED_OUT_OF_ONELOGIN", api, "info", "Logged out of OneLogin through the API"},
		{"USER_LOCKED", self, "lock", "Locked after too many failed sign-ins"},
		{"USER_LOCKED", admin, "lock", "Locked by Ada Admin"},
		{"API_LOCK_USER", api, "lock", "Locked through the API"},
		{"USER_LOCKED_VIA_API", with(api, func(e *client.Event) { e.ActorUserName = "Ada Admin" }), "lock", "Locked by Ada Admin through the API"},
		{"USER_LOCKED_OUT_OF_APP", with(self, func(e *client.Event) { e.AppName = "Jira" }), "lock", "Locked out of Jira"},
		{"UNLOCKED_USER", admin, "unlock", "Unlocked by Ada Admin"},
		{"UNLOCKED_USER_VIA_API", api, "unlock", "Unlocked through the API"},
		{"UNLOCKED_USER_IN_DIRECTORY", self, "unlock", "Unlocked in the directory"},
		{"USER_CHANGED_PASSWORD", self, "info", "Changed their password"},
		{"PROFILE_CHANGE_PASSWORD", self, "info", "Changed their password"},
		{"USER_CHANGE_PASSWORD_FAILED", self, "fail", "Failed to change their password"},
		{"ADMIN_CHANGED_USER_PASSWORD", admin, "info", "Password set by Ada Admin"},
		{"API_SET_PWD_CLEAR_TEXT", api, "info", "Password set through the API"},
		{"API_SET_PWD_SALT", api, "info", "Password set through the API"},
		{"USER_REQUESTED_NEW_PASSWORD", self, "info", "Asked for a new password"},
		{"USER_REDIRECTED_FOR_PASSWORD_CHANGE", self, "info", "Sent to change an expired password"},
		{"SUSPENDED_USER", admin, "lock", "Suspended by Ada Admin"},
		{"SUSPENDED_USER_VIA_API", api, "lock", "Suspended through the API"},
		{"REACTIVATED_USER", admin, "unlock", "Reactivated by Ada Admin"},
		{"REACTIVATED_USER_VIA_API", api, "unlock", "Reactivated through the API"},
		{"USER_LOGIN_CHALLENGE", self, "info", "Asked for a second factor"},
		{"USER_LOGIN_CHALLENGE_FAILED", self, "fail", "Failed the second factor"},
		{"OL_OTP_PUSH_REJECT", with(self, func(e *client.Event) { e.OTPDeviceName = "Pixel 8" }), "fail", "Rejected a OneLogin Protect push · with Pixel 8"},
		{"API_VERIFY_FACTOR", api, "ok", "Passed a second-factor check through the API"},
		{"API_VERIFY_FACTOR_FAILED", api, "fail", "Failed a second-factor check through the API"},
		{"TEMP_OTP_TOKEN_GENERATED", api, "info", "Temporary MFA token issued through the API"},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.name] = true
		a := DescribeEvent(tc.name, tc.e)
		got := a.What
		if a.Detail != "" {
			got += " · " + a.Detail
		}
		if got != tc.want || a.Tone != tc.tone || a.Type != tc.name {
			t.Errorf("%s: %q (%s), want %q (%s)", tc.name, got, a.Tone, tc.want, tc.tone)
		}
	}
	for _, n := range ActivityTypes {
		if !seen[n] {
			t.Errorf("activity type %s has no case here", n)
		}
	}
	if a := DescribeEvent("SOMETHING_NEW", client.Event{TypeID: 4242}); a.What != "something new" {
		t.Errorf("an unknown type reads %q", a.What)
	}
}

func activity(at time.Time, what string, ip string) Activity {
	name := map[string]string{"ok": "USER_LOGGED_INTO_ONELOGIN", "fail": "USER_FAILED_ONELOGIN_LOGIN",
		"lock": "USER_LOCKED", "unlock": "UNLOCKED_USER_VIA_API"}[what]
	return DescribeEvent(name, client.Event{CreatedAt: at, IPAddr: ip, UserID: 1, ActorUserID: 1, ActorUserName: "Dana"})
}

// TestActivityView_words: the summary, the hint and the lock line for the
// cases an agent meets.
func TestActivityView_words(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	at := func(min int) time.Time { return now.Add(-time.Duration(min) * time.Minute) }
	cases := []struct {
		name                 string
		items                []Activity // newest first
		summary, hint, story string
	}{
		{"nothing", nil, "No sign-in activity in OneLogin's events.", "", ""},
		{"all well", []Activity{activity(at(60), "ok", "192.0.2.4")},
			"No failed sign-ins; last success 1 hour ago from 192.0.2.4.", "", ""},
		{"forgotten password, locked",
			[]Activity{activity(at(18), "lock", ""), activity(at(18), "fail", "192.0.2.4"), activity(at(20), "fail", "192.0.2.4"), activity(at(300), "ok", "192.0.2.4")},
			"2 failed sign-ins from 1 address in 2 minutes, the last 18 minutes ago; last success 5 hours ago from 192.0.2.4.",
			"Every failure came from an address they have signed in from before: most likely a forgotten password.",
			"Locked at 09:12 after 2 failed sign-ins from 192.0.2.4."},
		{"attack",
			[]Activity{activity(at(18), "lock", ""), activity(at(18), "fail", "203.0.113.7"), activity(at(22), "fail", "198.51.100.2"), activity(at(28), "fail", "203.0.113.9")},
			"3 failed sign-ins from 3 addresses in 10 minutes, the last 18 minutes ago; no successful sign-in among these events.",
			"Failures from 3 addresses they have not signed in from here: this looks like someone else trying the account. Confirm who is asking before you unlock, and consider a new password.",
			"Locked at 09:12 after 3 failed sign-ins from 203.0.113.7, 198.51.100.2 and 1 more address."},
		{"unlocked since", []Activity{activity(at(5), "unlock", ""), activity(at(18), "lock", "")},
			"No failed sign-ins; no successful sign-in among these events.", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := ActivityView{Items: tc.items, Now: now, Loc: time.UTC}
			if got := v.Summary(); got != tc.summary {
				t.Errorf("summary %q\n want %q", got, tc.summary)
			}
			if got := v.Hint(); got != tc.hint {
				t.Errorf("hint %q\n want %q", got, tc.hint)
			}
			if got := v.LockStory(); got != tc.story {
				t.Errorf("lock line %q\n want %q", got, tc.story)
			}
		})
	}
	if !strings.Contains(RiskLine(Activity{Risk: 70, RiskReasons: []string{"New device", "Unusual hour"}}), "Risk 70 of 100: New device; Unusual hour") {
		t.Error("risk line")
	}
}
