package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/notify"
	"onelogin-helpdesk/notify/notifytest"
	"onelogin-helpdesk/selfunlock"
)

// withCaller sets HELPDESK_CALLER_VERIFICATION (and its actions, the
// default ones when none are given).
func withCaller(mode config.CallerMode, actions ...string) option {
	if len(actions) == 0 {
		actions = strings.Split(config.DefaultCallerActions, ",")
	}
	return withConfig(func(c *handlers.Config) { c.Caller = config.Caller{Mode: mode, Actions: actions} })
}

// withProtectedAdmins makes the admins' role protected.
func withProtectedAdmins() option {
	return withConfig(func(c *handlers.Config) {
		c.ProtectedRoles = access.NewNames([]string{fakeonelogin.GroupAdmins}, false)
	})
}

// callsTo counts the tenant's calls whose path ends in suffix.
func (c *console) callsTo(method, suffix string) int {
	n := 0
	for _, call := range c.fake.Tenant.Calls() {
		if call.Method == method && strings.HasSuffix(call.Path, suffix) {
			n++
		}
	}
	return n
}

// lastRecord is the newest audit record of action.
func (c *console) lastRecord(a access.Action) (audit.Record, bool) {
	recs := c.records()
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Action == a {
			return recs[i], true
		}
	}
	return audit.Record{}, false
}

// callerForm is a posted form with the CSRF token and kv's pairs.
func callerForm(kv ...string) url.Values {
	v := url.Values{"csrf_token": {"test-csrf-token"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// verifyBySMS verifies the caller of id (whose factors include SMS) with
// the code the fake texts them, as the signed-in agent.
func (c *console) verifyBySMS(id int64) *httptest.ResponseRecorder {
	c.t.Helper()
	d := doc(c.t, c.do("GET", "/users/"+idStr(id)+"/factors", nil, true))
	label := ""
	d.Find(`[data-testid="caller-choice"]`).Each(func(_ int, s *goquery.Selection) {
		if v, _ := s.Attr("value"); strings.Contains(v, "SMS") {
			label = v
		}
	})
	if label == "" {
		c.t.Fatalf("no SMS factor offered to verify the caller: %s", d.Text())
	}
	if rec := c.post("/users/"+idStr(id)+"/caller/send", callerForm("factor", label, "ticket", "INC-7")); rec.Code != http.StatusOK {
		c.t.Fatalf("sending the code = %d: %.300s", rec.Code, rec.Body.String())
	}
	code, ok := c.fake.Tenant.LastCode(id)
	if !ok {
		c.t.Fatal("no code reached the fake phone")
	}
	return c.post("/users/"+idStr(id)+"/caller/code", callerForm("code", code))
}

// TestFactors_panel: the panel lists each factor with its type in words,
// the device's name, the default and a masked phone number, from one call
// to OneLogin that a second look within the cache's life does not repeat.
func TestFactors_panel(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, withCaller(config.CallerOffer))
	id := fakeonelogin.PersonaEmployeeID
	c.fake.Tenant.ResetCalls()
	d := doc(t, c.do("GET", "/users/"+idStr(id)+"/factors", nil, true))
	rows := d.Find(`[data-testid="factors"] li`)
	if rows.Length() != 2 {
		t.Fatalf("listed %d factors, want Protect and SMS: %s", rows.Length(), d.Text())
	}
	text := rows.Text()
	for _, want := range []string{"OneLogin Protect", "SMS", "default", "••• 0147"} {
		if !strings.Contains(text, want) {
			t.Errorf("the factors do not say %q: %s", want, text)
		}
	}
	for _, dev := range c.fake.Tenant.Devices(id) {
		if dev.Phone != "" && strings.Contains(d.Text(), dev.Phone) {
			t.Errorf("the phone number %s is shown unmasked", dev.Phone)
		}
	}
	if n := d.Find(`[data-testid="caller-choice"]`).Length(); n != 2 {
		t.Errorf("%d ways to verify the caller, want a push and a text", n)
	}
	c.do("GET", "/users/"+idStr(id)+"/factors", nil, true)
	if n := c.callsTo("GET", "/otp_devices"); n != 1 {
		t.Errorf("two looks at the panel asked OneLogin for the factors %d times, want once", n)
	}
}

// TestFactors_refused: the panel follows who may act on whom: not a
// viewer, not a protected account for helpdesk, not one's own account.
func TestFactors_refused(t *testing.T) {
	cases := []struct {
		name string
		role access.Role
		as   string
		who  int64
	}{
		{"viewer", access.RoleViewer, "staff@example.com", fakeonelogin.PersonaEmployeeID},
		{"protected", access.RoleHelpdesk, "staff@example.com", fakeonelogin.PersonaAdminID},
		{"self", access.RoleHelpdesk, fakeonelogin.PersonaEmployee, fakeonelogin.PersonaEmployeeID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, tc.role, signedInAs(tc.as), withProtectedAdmins(), withCaller(config.CallerOffer))
			c.fake.Tenant.ResetCalls()
			rec := c.do("GET", "/users/"+idStr(tc.who)+"/factors", nil, true)
			if rec.Code != http.StatusForbidden || c.callsTo("GET", "/otp_devices") != 0 {
				t.Errorf("= %d with %d factor listings, want 403 and none", rec.Code, c.callsTo("GET", "/otp_devices"))
			}
			page := doc(t, c.get("/users/"+idStr(tc.who)))
			if page.Find(`#panel-factors`).Length() != 0 {
				t.Error("the person's page offers the Factors panel")
			}
		})
	}
}

// TestFactors_remove: removing a factor asks first naming the person and
// the device, is recorded with the device and the ticket, refreshes the
// why panel and history, and then says what comes next: nothing while
// another factor is left, a temporary MFA token once none is.
func TestFactors_remove(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, withCaller(config.CallerOffer))
	id := fakeonelogin.PersonaEmployeeID
	devs := c.fake.Tenant.Devices(id)
	if len(devs) != 2 {
		t.Fatalf("jonas has %d factors, want 2", len(devs))
	}
	path := "/users/" + idStr(id) + "/factors/remove"
	ask := c.post(path, callerForm("device_id", idStr(devs[0].ID), "ticket", "INC-9"))
	q := doc(t, ask).Find(`[data-testid="confirm"]`).Text()
	if !strings.Contains(q, "Jonas Becker") || !strings.Contains(q, "OneLogin Protect") || len(c.fake.Tenant.Devices(id)) != 2 {
		t.Fatalf("first post = %q, and %d factors left; want a question naming Jonas Becker and the device, nothing removed", q, len(c.fake.Tenant.Devices(id)))
	}
	rec := c.postConfirmed(path, callerForm("device_id", idStr(devs[0].ID), "ticket", "INC-9"))
	d := doc(t, rec)
	if rec.Code != http.StatusOK || len(c.fake.Tenant.Devices(id)) != 1 {
		t.Fatalf("confirmed removal = %d with %d factors left: %.300s", rec.Code, len(c.fake.Tenant.Devices(id)), rec.Body.String())
	}
	r, ok := c.lastRecord(access.RemoveFactor)
	if !ok || r.Outcome != audit.OutcomeSucceeded || r.Ticket != "INC-9" || !strings.Contains(r.Params["device"], "OneLogin Protect") {
		t.Errorf("recorded %+v, want a success with the device and ticket INC-9", r)
	}
	if d.Find(`#panel-history[hx-swap-oob]`).Length() != 1 || d.Find(`#panel-status[hx-swap-oob]`).Length() != 1 {
		t.Error("the answer does not refresh the history and the why panel")
	}
	if next := textOf(d, `[data-testid="factor-next-step"]`); !strings.Contains(next, "still has another factor") {
		t.Errorf("next step with SMS left = %q", next)
	}
	rec = c.postConfirmed(path, callerForm("device_id", idStr(devs[1].ID), "ticket", "INC-9"))
	d = doc(t, rec)
	if d.Find(`[data-testid="next-mfa-token"]`).Length() != 1 || d.Find(`[data-testid="no-factors"]`).Length() != 1 {
		t.Errorf("with no factor left the panel does not offer a temporary MFA token: %s", textOf(d, "#panel-factors"))
	}
}

// TestCaller_textedCode: a code texted to the person's phone and read out
// by the caller verifies them; the record names the factor, agent and
// ticket, and the person's page says so for 15 minutes.
func TestCaller_textedCode(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, signedInAs("tomas.herrera@example.com"), withCaller(config.CallerOffer))
	id := fakeonelogin.PersonaEmployeeID
	rec := c.verifyBySMS(id)
	if rec.Code != http.StatusOK {
		t.Fatalf("checking the code = %d: %.300s", rec.Code, rec.Body.String())
	}
	r, ok := c.lastRecord(access.VerifyCaller)
	if !ok || r.Outcome != audit.OutcomeSucceeded || r.Params["factor"] != "texted code" || r.Ticket != "INC-7" || r.ActorEmail != "tomas.herrera@example.com" {
		t.Fatalf("recorded %+v, want a verified texted code by tomas.herrera with ticket INC-7", r)
	}
	if line := textOf(doc(t, rec), `#panel-status[hx-swap-oob] [data-testid="caller-line"]`); !strings.HasPrefix(line, "Caller verified by texted code at ") || !strings.HasSuffix(line, "by tomas.herrera") {
		t.Errorf("the answer's caller line = %q", line)
	}
	if line := textOf(doc(t, c.get("/users/"+idStr(id))), `[data-testid="caller-line"]`); !strings.Contains(line, "Caller verified") {
		t.Errorf("the person's page says %q", line)
	}
	c.clock.Advance(access.CallerVerifiedFor)
	if line := textOf(doc(t, c.get("/users/"+idStr(id))), `[data-testid="caller-line"]`); line != "" {
		t.Errorf("15 minutes later the page still says %q", line)
	}
}

// TestCaller_wrongAndExpiredCodes: a wrong code and a code sent too long
// ago are recorded as such and verify nothing.
func TestCaller_wrongAndExpiredCodes(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, withCaller(config.CallerOffer), tenantOnConsoleClock())
	id := fakeonelogin.PersonaLockedSMSID
	d := doc(t, c.do("GET", "/users/"+idStr(id)+"/factors", nil, true))
	label, _ := d.Find(`[data-testid="caller-choice"]`).Attr("value")
	c.post("/users/"+idStr(id)+"/caller/send", callerForm("factor", label))
	rec := c.post("/users/"+idStr(id)+"/caller/code", callerForm("code", "000000"))
	if r, _ := c.lastRecord(access.VerifyCaller); r.Outcome != audit.OutcomeFailed || r.Message != "wrong code" {
		t.Errorf("a wrong code recorded %+v", r)
	}
	if !strings.Contains(textOf(doc(t, rec), `[data-testid="notice"]`), "wrong") {
		t.Errorf("a wrong code answers %q", textOf(doc(t, rec), `[data-testid="notice"]`))
	}
	code, _ := c.fake.Tenant.LastCode(id)
	c.clock.Advance(10 * time.Minute)
	c.post("/users/"+idStr(id)+"/caller/code", callerForm("code", code))
	if r, _ := c.lastRecord(access.VerifyCaller); r.Outcome != audit.OutcomeFailed || r.Message != "expired" {
		t.Errorf("a code typed 10 minutes after it was sent recorded %+v", r)
	}
}

// TestCaller_deniedPush: a push the person denies is recorded and shown
// as a warning that the caller may not be who they say.
func TestCaller_deniedPush(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, withCaller(config.CallerOffer))
	id := fakeonelogin.PersonaLockedPushID
	d := doc(t, c.do("GET", "/users/"+idStr(id)+"/factors", nil, true))
	label, _ := d.Find(`[data-testid="caller-choice"]`).Attr("value")
	sent := doc(t, c.post("/users/"+idStr(id)+"/caller/send", callerForm("factor", label)))
	if sent.Find(`[data-testid="caller-waiting"][hx-trigger]`).Length() != 1 {
		t.Fatalf("after sending a push the panel does not follow it: %s", textOf(sent, "#panel-factors"))
	}
	c.fake.Tenant.ResetCalls()
	if w := doc(t, c.post("/users/"+idStr(id)+"/caller/poll", callerForm())); w.Find(`[data-testid="caller-waiting"]`).Length() != 1 {
		t.Fatal("an unanswered push is not awaited any more")
	}
	if n := c.callsTo("GET", "/users/"+idStr(id)); n != 0 {
		t.Errorf("waiting for the push read the person from OneLogin %d times, want none", n)
	}
	pushes := c.fake.Tenant.PendingPushes(id)
	if len(pushes) != 1 || !c.fake.Tenant.DenyPush(pushes[0].ID) {
		t.Fatalf("%d pushes pending", len(pushes))
	}
	c.clock.Advance(selfunlock.PollEvery) // OneLogin is asked at most this often
	rec := c.post("/users/"+idStr(id)+"/caller/poll", callerForm())
	out := doc(t, rec)
	if n := out.Find(`[data-testid="notice"].notice-warning`).Text(); !strings.Contains(n, "denied the push") || !strings.Contains(n, "may not be who they say") {
		t.Errorf("a denied push answers %q", n)
	}
	if line := out.Find(`[data-testid="caller-line"][data-tone="warning"]`).Text(); !strings.Contains(line, "denied") {
		t.Errorf("the caller line after a denied push = %q", line)
	}
	if r, _ := c.lastRecord(access.VerifyCaller); r.Outcome != audit.OutcomeFailed || r.Message != "denied by the person" || r.Params["factor"] != "OneLogin Protect push" {
		t.Errorf("recorded %+v", r)
	}
}

// TestCaller_sendsShareTheUnlockAllowance: the helpdesk's pushes and codes
// count in the public unlock page's per-account allowance: the fourth in
// 15 minutes is refused, recorded, and not sent.
func TestCaller_sendsShareTheUnlockAllowance(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, withCaller(config.CallerOffer))
	id := fakeonelogin.PersonaLockedSMSID
	d := doc(t, c.do("GET", "/users/"+idStr(id)+"/factors", nil, true))
	label, _ := d.Find(`[data-testid="caller-choice"]`).Attr("value")
	for i := range 3 {
		if rec := c.post("/users/"+idStr(id)+"/caller/send", callerForm("factor", label)); rec.Code != http.StatusOK {
			t.Fatalf("send %d = %d", i+1, rec.Code)
		}
	}
	rec := c.post("/users/"+idStr(id)+"/caller/send", callerForm("factor", label))
	if rec.Code != http.StatusTooManyRequests || len(c.fake.Tenant.Inbox(id)) != 3 {
		t.Errorf("fourth send = %d with %d texts sent; want 429 and 3", rec.Code, len(c.fake.Tenant.Inbox(id)))
	}
	if r, _ := c.lastRecord(access.CallerChallenge); r.Outcome != audit.OutcomeFailed || !strings.Contains(r.Message, "At most 3") {
		t.Errorf("the refused send recorded %+v", r)
	}
}

// TestCallerRequired_refusals: with require, the listed actions are refused
// (recorded, nothing sent) unless this agent verified this person's caller
// in the last 15 minutes, and the usual who-may-act-on-whom rules still
// come first.
func TestCallerRequired_refusals(t *testing.T) {
	mfa := func(id int64) string { return "/users/" + idStr(id) + "/mfa-token" }
	cases := []struct {
		name    string
		role    access.Role
		as      string
		who     int64
		prepare func(c *console)
		path    func(int64) string
		form    url.Values
		status  int
		says    string
	}{
		{name: "protected", role: access.RoleHelpdesk, who: fakeonelogin.PersonaAdminID, path: mfa,
			form: callerForm("expires_in", "3600"), status: http.StatusForbidden, says: "Protected account"},
		{name: "self", role: access.RoleHelpdesk, as: fakeonelogin.PersonaEmployee, who: fakeonelogin.PersonaEmployeeID, path: mfa,
			form: callerForm("expires_in", "3600"), status: http.StatusForbidden, says: "your own account"},
		{name: "not verified", role: access.RoleHelpdesk, who: fakeonelogin.PersonaEmployeeID, path: mfa,
			form: callerForm("expires_in", "3600"), status: http.StatusForbidden, says: "Verify the caller first"},
		{name: "password reset not verified", role: access.RoleHelpdesk, who: fakeonelogin.PersonaEmployeeID,
			path: func(id int64) string { return "/users/" + idStr(id) + "/password" },
			form: callerForm("mode", "generate"), status: http.StatusForbidden, says: "before a password reset"},
		{name: "verified by another agent", role: access.RoleHelpdesk, who: fakeonelogin.PersonaEmployeeID, path: mfa,
			prepare: func(c *console) {
				c.who.Email = "other.agent@example.com"
				c.verifyBySMS(fakeonelogin.PersonaEmployeeID)
				c.who.Email = "staff@example.com"
			},
			form: callerForm("expires_in", "3600"), status: http.StatusForbidden, says: "other.agent@example.com verified this caller, not you"},
		{name: "expired verification", role: access.RoleHelpdesk, who: fakeonelogin.PersonaEmployeeID, path: mfa,
			prepare: func(c *console) {
				c.verifyBySMS(fakeonelogin.PersonaEmployeeID)
				c.clock.Advance(access.CallerVerifiedFor + time.Second)
			},
			form: callerForm("expires_in", "3600"), status: http.StatusForbidden, says: "more than 15 minutes old"},
		{name: "no factor and not admin", role: access.RoleHelpdesk, who: fakeonelogin.PersonaLockedNoFactorID,
			path: func(id int64) string { return "/users/" + idStr(id) + "/caller/override" },
			form: callerForm("reason", "verified in person, badge 4711"), status: http.StatusForbidden, says: "does not allow this"},
		{name: "no factor, helpdesk token", role: access.RoleHelpdesk, who: fakeonelogin.PersonaLockedNoFactorID, path: mfa,
			form: callerForm("expires_in", "3600"), status: http.StatusForbidden, says: "Verify the caller first"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			as := tc.as
			if as == "" {
				as = "staff@example.com"
			}
			c := newConsole(t, tc.role, signedInAs(as), withProtectedAdmins(), withCaller(config.CallerRequire))
			if tc.prepare != nil {
				tc.prepare(c)
			}
			c.fake.Tenant.ResetCalls()
			before := c.records()
			rec := c.post(tc.path(tc.who), tc.form)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.says) {
				t.Errorf("= %d, want %d saying %q: %.400s", rec.Code, tc.status, tc.says, rec.Body.String())
			}
			for _, call := range c.fake.Tenant.Calls() {
				if call.Method != http.MethodGet && strings.HasPrefix(call.Path, "/api/") {
					t.Errorf("refused, yet OneLogin was asked %s %s", call.Method, call.Path)
				}
			}
			recs := writtenSince(before, c.records())
			if len(recs) != 1 || recs[0].Outcome != audit.OutcomeDenied {
				t.Errorf("recorded %+v, want one denial", recs)
			}
		})
	}
}

// TestCallerRequired_allowedOnceVerified: the agent who verified the
// caller may then act; an admin may record an override for a person with
// no factor, which lets them act too.
func TestCallerRequired_allowedOnceVerified(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, withCaller(config.CallerRequire))
	id := fakeonelogin.PersonaEmployeeID
	page := doc(t, c.get("/users/"+idStr(id)))
	if !strings.Contains(textOf(page, `[data-testid="caller-needed"]`), "a temporary MFA token") {
		t.Errorf("the page does not say what waits for a verified caller: %q", textOf(page, `[data-testid="caller-needed"]`))
	}
	c.verifyBySMS(id)
	if rec := c.post("/users/"+idStr(id)+"/mfa-token", callerForm("expires_in", "3600")); rec.Code != http.StatusOK {
		t.Errorf("MFA token after verifying = %d: %.300s", rec.Code, rec.Body.String())
	}
	if rec := c.postConfirmed("/users/"+idStr(id)+"/password", callerForm("mode", "generate")); rec.Code != http.StatusOK {
		t.Errorf("password reset after verifying = %d: %.300s", rec.Code, rec.Body.String())
	}

	admin := newConsole(t, access.RoleAdmin, withCaller(config.CallerRequire))
	none := fakeonelogin.PersonaLockedNoFactorID
	if d := doc(t, admin.do("GET", "/users/"+idStr(none)+"/factors", nil, true)); d.Find(`[data-testid="caller-override-form"]`).Length() != 1 {
		t.Fatalf("an admin is not offered the override for a person with no factor: %s", textOf(d, "#panel-factors"))
	}
	if rec := admin.post("/users/"+idStr(none)+"/caller/override", callerForm("reason", "verified in person, badge 4711", "ticket", "INC-1")); rec.Code != http.StatusOK {
		t.Fatalf("override = %d: %.300s", rec.Code, rec.Body.String())
	}
	if r, _ := admin.lastRecord(access.CallerOverride); r.Outcome != audit.OutcomeSucceeded || r.Params["reason"] != "verified in person, badge 4711" {
		t.Errorf("override recorded %+v", r)
	}
	if rec := admin.post("/users/"+idStr(none)+"/mfa-token", callerForm("expires_in", "3600")); rec.Code != http.StatusOK {
		t.Errorf("MFA token after the override = %d", rec.Code)
	}
	if rec := admin.post("/users/"+idStr(id)+"/caller/override", callerForm("reason", "badge")); rec.Code != http.StatusConflict {
		t.Errorf("override for a person with a factor = %d, want 409", rec.Code)
	}
}

// sprayed locks id as a password spray does: a success from their usual
// address, then failures from three others, rated risky, in Slack.
func sprayed(c *console, id int64) {
	tn := c.fake.Tenant
	tn.RecordSignIn(fakeonelogin.SignIn{UserID: id, Success: true, IP: "192.0.2.40"})
	for i := range fakeonelogin.DefaultMaxLoginAttempts {
		ip := []string{"203.0.113.7", "198.51.100.13", "203.0.113.7", "203.0.113.190", "203.0.113.7"}[i]
		tn.RecordSignIn(fakeonelogin.SignIn{UserID: id, IP: ip, App: "Slack", Reason: "Invalid password", RiskScore: 88})
	}
}

// TestWhy_confirmWhoIsAsking: in offer mode a sprayed person's page tells
// the agent to confirm who is asking before unlocking, and the activity's
// answer puts "Confirm who is asking first" on top of the why panel.
func TestWhy_confirmWhoIsAsking(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, tenantOnConsoleClock(), withCaller(config.CallerOffer))
	id := fakeonelogin.PersonaNoRolesID
	sprayed(c, id)
	page := doc(t, c.get("/users/"+idStr(id)))
	if fix := textOf(page, `[data-testid="why-fix"]`); !strings.HasPrefix(fix, "What to do: Confirm who is asking first") {
		t.Errorf("what to do = %q", fix)
	}
	if page.Find(`#panel-status #why-caller[hidden]`).Length() != 1 {
		t.Fatal("the why panel holds no place for the caller advice")
	}
	src, _ := page.Find(`#panel-activity`).Attr("hx-get")
	d := doc(t, c.do("GET", src, nil, true))
	if line := textOf(d, `#why-caller[hx-swap-oob]`); !strings.HasPrefix(line, "Confirm who is asking first") {
		t.Errorf("the activity's answer puts %q on top of the why panel", line)
	}
}

// TestWhy_protectedNeverSaysUnlock: a protected, locked person's why panel
// tells a helpdesk agent that an admin must act, not to unlock.
func TestWhy_protectedNeverSaysUnlock(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, withProtectedAdmins(), withCaller(config.CallerOffer))
	id := fakeonelogin.PersonaAdminID
	if err := apiClient(t, c).LockUser(context.Background(), id, 60); err != nil {
		t.Fatal(err)
	}
	page := doc(t, c.get("/users/"+idStr(id)))
	if fix := textOf(page, `[data-testid="why-fix"]`); !strings.Contains(fix, "Protected account: an admin must do this") || strings.Contains(fix, "Unlock") {
		t.Errorf("what to do = %q", fix)
	}
}

// TestFactors_removedTellsThePerson: the person is told by mail that a
// factor was removed, naming it.
func TestFactors_removedTellsThePerson(t *testing.T) {
	q := &notifytest.Memory{}
	c := newConsole(t, access.RoleHelpdesk, withMail(q))
	id := fakeonelogin.PersonaEmployeeID
	dev := c.fake.Tenant.Devices(id)[0]
	wantCode(t, c.postConfirmed("/users/"+idStr(id)+"/factors/remove", callerForm("device_id", idStr(dev.ID), "ticket", "INC-5")), http.StatusOK)
	ms := queued(t, q)
	if len(ms) != 1 || ms[0].Kind != notify.KindFactorRemoved || !strings.Contains(ms[0].Body, "OneLogin Protect on Galaxy S23") {
		t.Fatalf("queued %+v, want one mail naming the removed factor", ms)
	}
}
