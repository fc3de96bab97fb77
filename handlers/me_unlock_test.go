package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// TestMe_unlock: a locked employee unlocks themselves; OneLogin is asked to
// unlock exactly their account, the audit trail names them as actor and
// target, and the page shows the account active.
func TestMe_unlock(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		t.Run("htmx="+strconv.FormatBool(htmx), func(t *testing.T) {
			c := newConsole(t, access.RoleEmployee, signedInAs(fakeonelogin.PersonaEmployee), withSelfUnlocks(3))
			id := fakeonelogin.PersonaEmployeeID
			rec := c.do("POST", "/me/unlock", url.Values{}, htmx)
			wantCode(t, rec, http.StatusOK)
			body := rec.Body.String()
			if htmx != !strings.Contains(body, "<html") {
				t.Errorf("htmx=%v but whole page = %v", htmx, strings.Contains(body, "<html"))
			}
			if htmx && !strings.HasPrefix(strings.TrimSpace(body), `<section id="me"`) {
				t.Errorf("htmx answer does not start with section#me: %.100s", body)
			}
			d := doc(t, rec)
			if got := textOf(d, "[data-testid=notice]"); got != "Your account is unlocked. You can sign in again now." {
				t.Errorf("notice = %q", got)
			}
			if got := textOf(d, "[data-testid=me-account] [data-testid=status-badge]"); got != "Active" {
				t.Errorf("status after unlock = %q, want Active", got)
			}
			if d.Find("[data-testid=me-unlock-form]").Length() != 0 {
				t.Error("unlock still offered after the unlock")
			}
			if u, _ := c.fake.Tenant.User(id); u.Status != fakeonelogin.StatusActive {
				t.Errorf("fake status = %d, want active", u.Status)
			}
			if w := writesOf(c); len(w) != 1 || w[0] != "POST /api/2/users/"+strconv.FormatInt(id, 10)+"/unlock" {
				t.Errorf("changing calls = %v, want the unlock of %d only", w, id)
			}
			r := oneRecord(t, c)
			if r.Action != access.SelfUnlock || r.ActorEmail != fakeonelogin.PersonaEmployee || r.ActorRole != "employee" ||
				r.TargetID != id || r.TargetEmail != fakeonelogin.PersonaEmployee || r.Outcome != audit.OutcomeSucceeded {
				t.Errorf("audit record = %+v", r)
			}
		})
	}
}

// TestMe_targetOnlyFromSession: a forged id or email in the form or the URL
// is ignored: the fake sees calls for the person's own account only, and the
// other (locked) account stays locked.
func TestMe_targetOnlyFromSession(t *testing.T) {
	c := newConsole(t, access.RoleEmployee, signedInAs(fakeonelogin.PersonaEmployee), withSelfUnlocks(3))
	own, other := fakeonelogin.PersonaEmployeeID, fakeonelogin.PersonaLockedID
	c.fake.Tenant.StartSession(other)
	forged := url.Values{
		"id": {idStr(other)}, "user_id": {idStr(other)}, "target": {idStr(other)},
		"email": {fakeonelogin.PersonaLocked}, "target_email": {fakeonelogin.PersonaLocked},
	}
	for _, path := range []string{"/me/unlock", "/me/logout"} {
		target := path + "?id=" + idStr(other) + "&email=" + url.QueryEscape(fakeonelogin.PersonaLocked)
		rec := c.do("POST", target, forged, false)
		wantCode(t, rec, http.StatusOK)
	}
	for _, call := range userCalls(c) {
		for _, m := range userIDInPath.FindAllStringSubmatch(call, -1) {
			if m[1] != idStr(own) {
				t.Errorf("call %s names user %s, not the signed-in person %d", call, m[1], own)
			}
		}
		if strings.Contains(call, "marguerite") {
			t.Errorf("call %s looks up the forged email", call)
		}
	}
	if n := c.fake.Tenant.CallCount("POST", "/api/2/users/"+idStr(own)+"/unlock"); n != 1 {
		t.Errorf("own unlocks = %d, want 1", n)
	}
	if n := c.fake.Tenant.CallCount("PUT", "/api/1/users/"+idStr(own)+"/logout"); n != 1 {
		t.Errorf("own logouts = %d, want 1", n)
	}
	if u, _ := c.fake.Tenant.User(other); u.Status != fakeonelogin.StatusLocked {
		t.Errorf("the other account's status = %d, want still locked", u.Status)
	}
	if n := c.fake.Tenant.Sessions(other); n != 1 {
		t.Errorf("the other account's sessions = %d, want still 1", n)
	}
	for _, r := range c.records() {
		if r.TargetID != own {
			t.Errorf("audit record about %d (%s), want only %d", r.TargetID, r.TargetEmail, own)
		}
	}
}

// relock locks the account again with failed sign-ins, the only lock
// self-service lifts.
func (c *console) relock(t *testing.T, id int64) {
	t.Helper()
	for range 50 {
		if c.fake.Tenant.RecordSignIn(fakeonelogin.SignIn{UserID: id, IP: "192.0.2.7", Reason: "Invalid password"}) {
			return
		}
	}
	t.Fatal("50 failed sign-ins did not lock the account")
}

// TestMe_unlockLimit: three unlocks in an hour, then a clear refusal that
// says when to come back, recorded as denied, with no call to OneLogin; an
// hour after the first it works again.
func TestMe_unlockLimit(t *testing.T) {
	c := newConsole(t, access.RoleEmployee, signedInAs(fakeonelogin.PersonaEmployee), withSelfUnlocks(3))
	own := fakeonelogin.PersonaEmployeeID
	unlockPath := "/api/2/users/" + idStr(own) + "/unlock"

	// 13:04:30, 13:09:30, 13:14:30.
	for i := 1; i <= 3; i++ {
		wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusOK)
		c.relock(t, own)
		if i == 1 {
			d := doc(t, c.get("/me"))
			if got := textOf(d, "[data-testid=me-unlocks-left]"); !strings.Contains(got, "twice more") {
				t.Errorf("after one unlock: %q, want “twice more”", got)
			}
		}
		if i < 3 {
			c.clock.Advance(5 * time.Minute)
		}
	}
	if n := c.fake.Tenant.CallCount("POST", unlockPath); n != 3 {
		t.Fatalf("unlock calls = %d, want 3", n)
	}

	rec := c.do("POST", "/me/unlock", url.Values{}, true)
	wantCode(t, rec, http.StatusTooManyRequests)
	d := doc(t, rec)
	want := "You have unlocked your account 3 times in the last hour; try again at 14:05 or call the helpdesk."
	if got := textOf(d, "[data-testid=notice]"); got != want {
		t.Errorf("notice = %q\nwant     %q", got, want)
	}
	if d.Find("[data-testid=me-unlock-form]").Length() != 0 || d.Find("[data-testid=me-unlock-used]").Length() != 1 {
		t.Error("the page still offers the unlock, or does not say the allowance is used up")
	}
	if n := c.fake.Tenant.CallCount("POST", unlockPath); n != 3 {
		t.Errorf("OneLogin was asked to unlock beyond the limit (%d calls, want 3)", n)
	}
	if u, _ := c.fake.Tenant.User(own); u.Status != fakeonelogin.StatusLocked {
		t.Errorf("status after the refusal = %d, want still locked", u.Status)
	}
	recs := c.records()
	last := recs[len(recs)-1]
	if len(recs) != 4 || last.Action != access.SelfUnlock || last.Outcome != audit.OutcomeDenied ||
		!strings.Contains(last.Reason, "limit of 3") || last.TargetID != own || last.ActorEmail != fakeonelogin.PersonaEmployee {
		t.Errorf("records = %d, refusal record = %+v", len(recs), last)
	}

	// The first unlock was at 13:04:30: at 14:04:31 one is free again.
	c.clock.Advance(50*time.Minute + time.Second)
	wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusOK)
	if u, _ := c.fake.Tenant.User(own); u.Status != fakeonelogin.StatusActive {
		t.Errorf("status after the allowance came back = %d, want active", u.Status)
	}
}

// The hourly allowance survives a restart: the count lives in the limits
// store, refusals not included.
func TestMe_unlockLimitSurvivesRestart(t *testing.T) {
	var cfg handlers.Config
	c := newConsole(t, access.RoleEmployee, signedInAs(fakeonelogin.PersonaEmployee), withConfig(func(hc *handlers.Config) {
		hc.SelfUnlocksPerHour = 3
		cfg = *hc
	}))
	own := fakeonelogin.PersonaEmployeeID
	for range 2 {
		wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusOK)
		c.relock(t, own)
		c.clock.Advance(5 * time.Minute)
	}
	restart := func() {
		t.Helper()
		e, err := handlers.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.http = e
	}

	restart()
	if got := textOf(doc(t, c.get("/me")), "[data-testid=me-unlocks-left]"); !strings.Contains(got, "once more") {
		t.Errorf("after two unlocks and a restart: %q, want “once more”", got)
	}
	wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusOK)
	c.relock(t, own)
	wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusTooManyRequests)

	// The refusal just recorded does not use up an attempt after the next
	// restart either: an hour after the first unlock, one is free again.
	restart()
	c.clock.Advance(50*time.Minute + time.Second)
	wantCode(t, c.do("POST", "/me/unlock", url.Values{}, true), http.StatusOK)
}

// TestMe_unlockRefusedCases: nothing to unlock, self-unlock turned off,
// OneLogin refusing, and an audit trail that cannot be written. None
// unlocks anything it should not.
func TestMe_unlockRefusedCases(t *testing.T) {
	cases := []struct {
		name    string
		email   string
		perHour int
		setup   func(c *console)
		status  int
		notice  string // "" when the answer is not the page
		records []audit.Outcome
		unlocks int
	}{
		{name: "not locked", email: fakeonelogin.PersonaNoRoles, perHour: 3, status: http.StatusConflict,
			notice: "Your account is not locked, so there is nothing to unlock."},
		{name: "turned off", email: fakeonelogin.PersonaEmployee, perHour: 0, status: http.StatusForbidden,
			notice:  "Unlocking your own account is turned off here. Call the helpdesk to have it unlocked.",
			records: []audit.Outcome{audit.OutcomeDenied}},
		{name: "OneLogin refuses", email: fakeonelogin.PersonaEmployee, perHour: 3,
			setup:  func(c *console) { c.fake.Tenant.SetForbidden(fakeonelogin.PersonaEmployeeID, true) },
			status: http.StatusForbidden, notice: "OneLogin did not unlock your account",
			records: []audit.Outcome{audit.OutcomeFailed}, unlocks: 1},
		{name: "audit trail down", email: fakeonelogin.PersonaEmployee, perHour: 3,
			setup:  func(c *console) { c.audit.Fail(true) },
			status: http.StatusServiceUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleEmployee, signedInAs(tc.email), withSelfUnlocks(tc.perHour))
			if tc.setup != nil {
				tc.setup(c)
			}
			before, _ := c.fake.Tenant.FindByEmail(tc.email)
			rec := c.do("POST", "/me/unlock", url.Values{}, false)
			wantCode(t, rec, tc.status)
			if tc.notice != "" && !strings.HasPrefix(textOf(doc(t, rec), "[data-testid=notice]"), tc.notice) {
				t.Errorf("notice = %q, want it to start %q", textOf(doc(t, rec), "[data-testid=notice]"), tc.notice)
			}
			if n := c.fake.Tenant.CallCount("POST", "/api/2/users/"); n != tc.unlocks {
				t.Errorf("unlock calls = %d, want %d", n, tc.unlocks)
			}
			if after, _ := c.fake.Tenant.FindByEmail(tc.email); after.Status != before.Status {
				t.Errorf("status changed from %d to %d", before.Status, after.Status)
			}
			var got []audit.Outcome
			for _, r := range c.mem.Records() {
				got = append(got, r.Outcome)
			}
			if strings.Join(outcomes(got), ",") != strings.Join(outcomes(tc.records), ",") {
				t.Errorf("audit outcomes = %v, want %v", got, tc.records)
			}
		})
	}
}

func outcomes(os []audit.Outcome) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = string(o)
	}
	return out
}
