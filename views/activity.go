package views

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"onelogin-helpdesk/client"
)

// ActivityTypes are the OneLogin event types the sign-in activity shows,
// by the names OneLogin's event-type list gives them; the handlers look
// their ids up there.
var ActivityTypes = []string{
	"USER_LOGGED_INTO_ONELOGIN", "USER_FAILED_ONELOGIN_LOGIN", "USER_LOGGED_INTO_APP", "USER_FAILED_APP_LOGIN",
	"USER_LOGGED_OUT_OF_ONELOGIN",
	"USER_LOCKED", "API_LOCK_USER", "USER_LOCKED_VIA_API", "USER_LOCKED_OUT_OF_APP",
	"UNLOCKED_USER", "UNLOCKED_USER_VIA_API", "UNLOCKED_USER_IN_DIRECTORY",
	"USER_CHANGED_PASSWORD", "PROFILE_CHANGE_PASSWORD", "USER_CHANGE_PASSWORD_FAILED", "ADMIN_CHANGED_USER_PASSWORD",
	"API_SET_PWD_CLEAR_TEXT", "API_SET_PWD_SALT", "USER_REQUESTED_NEW_PASSWORD", "USER_REDIRECTED_FOR_PASSWORD_CHANGE",
	"SUSPENDED_USER", "SUSPENDED_USER_VIA_API", "REACTIVATED_USER", "REACTIVATED_USER_VIA_API",
	"USER_LOGIN_CHALLENGE", "USER_LOGIN_CHALLENGE_FAILED", "OL_OTP_PUSH_REJECT",
	"API_VERIFY_FACTOR", "API_VERIFY_FACTOR_FAILED", "TEMP_OTP_TOKEN_GENERATED",
}

// LockTypes are the event types that lock an account, and FailedSignInTypes
// those of a failed sign-in, by name.
var (
	LockTypes         = []string{"USER_LOCKED", "API_LOCK_USER", "USER_LOCKED_VIA_API"}
	FailedSignInTypes = []string{"USER_FAILED_ONELOGIN_LOGIN", "USER_FAILED_APP_LOGIN"}
)

// Activity is one sign-in related event in words.
type Activity struct {
	Time time.Time
	// Type is OneLogin's name for the event (USER_LOCKED ...).
	Type string
	// Tone is "ok", "fail", "lock", "unlock" or "info".
	Tone string
	// What happened, in words; Detail adds OneLogin's reason, the device or
	// who did it.
	What   string
	Detail string
	IP     string
	App    string
	// Risk is SmartFactor's score (0-100) when OneLogin gives one.
	Risk        int
	RiskReasons []string
	// Actor is who did it when that was not the person: a name, or "API".
	Actor string
}

// Failed reports whether the event is a failed sign-in.
func (a Activity) Failed() bool { return slices.Contains(FailedSignInTypes, a.Type) }

// actor is who did an event to the person, "" when it was the person.
func actor(e client.Event) string {
	switch {
	case e.ActorSystem != "":
		return "API"
	case e.ActorUserID != 0 && e.ActorUserID == e.UserID, e.ActorUserName == "":
		return ""
	}
	return e.ActorUserName
}

// by is " by <actor>", " through the API", or "".
func by(e client.Event) string {
	switch a := actor(e); a {
	case "":
		return ""
	case "API":
		if e.ActorUserName != "" && e.ActorUserName != "API" {
			return " by " + e.ActorUserName + " through the API"
		}
		return " through the API"
	default:
		return " by " + a
	}
}

func appOr(e client.Event, none string) string {
	if e.AppName != "" {
		return e.AppName
	}
	return none
}

// DescribeEvent says in words what an event of the named type means for
// the person it is about.
func DescribeEvent(name string, e client.Event) Activity {
	a := Activity{Time: e.CreatedAt, Type: name, IP: e.IPAddr, App: e.AppName, Risk: e.RiskScore,
		RiskReasons: e.RiskReasons, Actor: actor(e), Tone: "info"}
	set := func(tone, what string) { a.Tone, a.What = tone, what }
	switch name {
	case "USER_LOGGED_INTO_ONELOGIN":
		set("ok", "Signed in to OneLogin")
		a.App = ""
	case "USER_LOGGED_INTO_APP":
		set("ok", "Signed in to "+appOr(e, "an app"))
	case "USER_FAILED_ONELOGIN_LOGIN":
		set("fail", "Failed sign-in")
		a.Detail = e.Notes
	case "USER_FAILED_APP_LOGIN":
		set("fail", "Failed sign-in to "+appOr(e, "an app"))
		a.Detail = e.Notes
	case "USER_LOGGED_OUT_OF_ONELOGIN":
		if a.Actor != "" {
			set("info", "Logged out of OneLogin"+by(e))
		} else {
			set("info", "Signed out of OneLogin")
		}
	case "USER_LOCKED":
		if a.Actor == "" {
			set("lock", "Locked after too many failed sign-ins")
		} else {
			set("lock", "Locked"+by(e))
		}
	case "API_LOCK_USER", "USER_LOCKED_VIA_API":
		set("lock", "Locked"+by(e))
		if a.Actor == "" {
			a.What = "Locked through the API"
		}
	case "USER_LOCKED_OUT_OF_APP":
		set("lock", "Locked out of "+appOr(e, "an app"))
	case "UNLOCKED_USER", "UNLOCKED_USER_VIA_API":
		set("unlock", "Unlocked"+by(e))
		if a.Actor == "" && name == "UNLOCKED_USER_VIA_API" {
			a.What = "Unlocked through the API"
		}
	case "UNLOCKED_USER_IN_DIRECTORY":
		set("unlock", "Unlocked in the directory")
	case "USER_CHANGED_PASSWORD", "PROFILE_CHANGE_PASSWORD":
		set("info", "Changed their password")
	case "USER_CHANGE_PASSWORD_FAILED":
		set("fail", "Failed to change their password")
		a.Detail = e.Notes
	case "ADMIN_CHANGED_USER_PASSWORD", "API_SET_PWD_CLEAR_TEXT", "API_SET_PWD_SALT":
		set("info", "Password set"+by(e))
	case "USER_REQUESTED_NEW_PASSWORD":
		set("info", "Asked for a new password")
	case "USER_REDIRECTED_FOR_PASSWORD_CHANGE":
		set("info", "Sent to change an expired password")
	case "SUSPENDED_USER", "SUSPENDED_USER_VIA_API":
		set("lock", "Suspended"+by(e))
	case "REACTIVATED_USER", "REACTIVATED_USER_VIA_API":
		set("unlock", "Reactivated"+by(e))
	case "USER_LOGIN_CHALLENGE":
		set("info", "Asked for a second factor")
	case "USER_LOGIN_CHALLENGE_FAILED":
		set("fail", "Failed the second factor")
	case "OL_OTP_PUSH_REJECT":
		set("fail", "Rejected a OneLogin Protect push")
	case "API_VERIFY_FACTOR":
		set("ok", "Passed a second-factor check through the API")
	case "API_VERIFY_FACTOR_FAILED":
		set("fail", "Failed a second-factor check through the API")
	case "TEMP_OTP_TOKEN_GENERATED":
		set("info", "Temporary MFA token issued"+by(e))
	default:
		a.What = strings.ReplaceAll(strings.ToLower(name), "_", " ")
		if a.What == "" {
			a.What = "Event type " + strconv.Itoa(e.TypeID)
		}
	}
	if e.OTPDeviceName != "" && a.Detail == "" {
		a.Detail = "with " + e.OTPDeviceName
	}
	return a
}

// ActivityView is the sign-in activity panel: a person's recent sign-in
// related events from OneLogin, newest first, and what they add up to.
type ActivityView struct {
	UserID int64
	Items  []Activity
	// Skipped says why the events were not loaded (OneLogin's quota is
	// low); Failed that OneLogin did not give them.
	Skipped string
	Failed  bool
	// Locked tells the panel to fill the why panel's lock line.
	Locked bool
	// Caller tells it to fill the why panel's "Confirm who is asking"
	// line (WhyCaller).
	Caller bool
	Now    time.Time
	Loc    *time.Location
	// Page is set when the panel is the whole page (no JavaScript).
	Page *Page
}

// Summary is the activity in one line an agent can read out: how many
// failed sign-ins, from how many addresses, over how long, and the last
// successful one among the events shown.
func (v ActivityView) Summary() string {
	if len(v.Items) == 0 {
		return "No sign-in activity in OneLogin's events."
	}
	var fails []Activity
	var lastOK *Activity
	for i, a := range v.Items {
		if a.Failed() {
			fails = append(fails, a)
		}
		if a.Tone == "ok" && lastOK == nil {
			lastOK = &v.Items[i]
		}
	}
	var parts []string
	if len(fails) > 0 {
		ips := distinctIPs(fails)
		s := countWords(len(fails), "failed sign-in", "failed sign-ins")
		if len(ips) > 0 {
			s += " from " + countWords(len(ips), "address", "addresses")
		}
		first, last := fails[len(fails)-1].Time, fails[0].Time
		if span := last.Sub(first); len(fails) > 1 {
			s += " in " + spanWords(span)
		}
		s += ", the last " + Relative(last, v.Now)
		parts = append(parts, s)
	} else {
		parts = append(parts, "No failed sign-ins")
	}
	if lastOK != nil {
		s := "last success " + Relative(lastOK.Time, v.Now)
		if lastOK.IP != "" {
			s += " from " + lastOK.IP
		}
		parts = append(parts, s)
	} else {
		parts = append(parts, "no successful sign-in among these events")
	}
	return strings.Join(parts, "; ") + "."
}

// Hint tells a forgotten password from an attack, as far as the events can:
// failures only from addresses the person signed in from before look like
// the person; failures from several other addresses, or rated risky, look
// like someone else. "" when there are no failures.
func (v ActivityView) Hint() string {
	fails, strange, risk := v.failures()
	switch {
	case fails == 0:
		return ""
	case len(strange) == 0 && risk < 50:
		return "Every failure came from an address they have signed in from before: most likely a forgotten password."
	case v.SomeoneElse():
		s := "Failures from " + countWords(len(strange), "address", "addresses") + " they have not signed in from here"
		if risk > 0 {
			s += fmt.Sprintf(", rated risky (up to %d of 100)", risk)
		}
		return s + ": this looks like someone else trying the account. Confirm who is asking before you unlock, and consider a new password."
	}
	return "Failures from an address they have not signed in from here: check with the person before you unlock."
}

// SomeoneElse reports whether the failures look like someone else trying
// the account: from several addresses the person has not signed in from,
// or rated risky.
func (v ActivityView) SomeoneElse() bool {
	_, strange, risk := v.failures()
	return len(strange) >= 2 || risk >= 70
}

// failures counts the failed sign-ins, the addresses among them the
// person has not signed in from, and the highest risk OneLogin rated them.
func (v ActivityView) failures() (n int, strange []string, risk int) {
	known := map[string]bool{}
	var fails []Activity
	for _, a := range v.Items {
		switch {
		case a.Tone == "ok" && a.IP != "":
			known[a.IP] = true
		case a.Failed():
			fails = append(fails, a)
			risk = max(risk, a.Risk)
		}
	}
	for _, ip := range distinctIPs(fails) {
		if !known[ip] {
			strange = append(strange, ip)
		}
	}
	return len(fails), strange, risk
}

// LockStory is the why panel's line about the current lock from the events,
// such as "Locked at 09:12 after 5 failed sign-ins from 203.0.113.7
// (Slack)", or "" when the events show no lock still in force.
func (v ActivityView) LockStory() string {
	lock := -1
	for i, a := range v.Items {
		if a.Tone == "unlock" {
			return "" // unlocked since the newest lock the events show
		}
		if a.Tone == "lock" && strings.HasPrefix(a.What, "Locked") && !strings.HasPrefix(a.What, "Locked out of") {
			lock = i
			break
		}
	}
	if lock < 0 {
		return ""
	}
	l := v.Items[lock]
	var fails []Activity
	for _, a := range v.Items[lock+1:] {
		if !a.Failed() {
			break // the run of failures that led to the lock ends here
		}
		fails = append(fails, a)
	}
	how := LockHow(l, fails)
	if how != "" {
		how = " " + how
	}
	return "Locked at " + ClockTime(l.Time, v.Now, v.Loc) + how + "."
}

// LockHow says how a lock came about from its event and the failed
// sign-ins just before it, newest first: "after 5 failed sign-ins from
// 203.0.113.7 (Slack)", "by Ada Admin through the API".
func LockHow(lock Activity, fails []Activity) string {
	if lock.Actor != "" || len(fails) == 0 {
		// "by Ada Admin", "through the API", "after too many failed sign-ins"
		return strings.TrimSpace(strings.TrimPrefix(lock.What, "Locked"))
	}
	s := "after " + countWords(len(fails), "failed sign-in", "failed sign-ins")
	ips, apps, _ := FailureSources(fails)
	if len(ips) > 0 {
		s += " from " + listSome(ips, 2, "address", "addresses")
	}
	if len(apps) > 0 {
		s += " (" + strings.Join(apps, ", ") + ")"
	}
	return s
}

// FailureSources are where failed sign-ins came from: the addresses (most
// frequent first), the apps, and the highest risk score.
func FailureSources(fails []Activity) (ips, apps []string, risk int) {
	for _, a := range fails {
		if a.App != "" && !slices.Contains(apps, a.App) {
			apps = append(apps, a.App)
		}
		risk = max(risk, a.Risk)
	}
	return distinctIPs(fails), apps, risk
}

// distinctIPs are the addresses of as, most frequent first, then as met.
func distinctIPs(as []Activity) []string {
	count := map[string]int{}
	var order []string
	for _, a := range as {
		if a.IP == "" {
			continue
		}
		if count[a.IP] == 0 {
			order = append(order, a.IP)
		}
		count[a.IP]++
	}
	slices.SortStableFunc(order, func(a, b string) int { return count[b] - count[a] })
	return order
}

// listSome names the first n of items and counts the rest:
// "203.0.113.7, 198.51.100.13 and 3 more addresses".
func listSome(items []string, n int, one, many string) string {
	if len(items) <= n {
		return joinWords(items)
	}
	return strings.Join(items[:n], ", ") + " and " + countWords(len(items)-n, "more "+one, "more "+many)
}

// spanWords is a duration in the words of a summary: "under a minute",
// "10 minutes", "3 hours", "2 days".
func spanWords(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return plural(int(d.Round(time.Minute)/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d.Round(time.Hour)/time.Hour), "hour")
	}
	return plural(int(d/(24*time.Hour)), "day")
}

// RiskLine is a risk assessment in words, "" when there is none.
func RiskLine(a Activity) string {
	if a.Risk == 0 && len(a.RiskReasons) == 0 {
		return ""
	}
	s := fmt.Sprintf("Risk %d of 100", a.Risk)
	if len(a.RiskReasons) > 0 {
		s += ": " + strings.Join(a.RiskReasons, "; ")
	}
	return s
}

// activityURL is where the person's page asks for the sign-in activity.
func activityURL(userID int64, locked, caller bool) string {
	var q []string
	if locked {
		q = append(q, "locked=1")
	}
	if caller {
		q = append(q, "caller=1")
	}
	u := UserPath(userID, "activity")
	if len(q) > 0 {
		u += "?" + strings.Join(q, "&")
	}
	return u
}
