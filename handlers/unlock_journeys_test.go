package handlers_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/fakeonelogin"
)

// TestUnlock_off: without the setting there is no /unlock.
func TestUnlock_off(t *testing.T) {
	c := newConsole(t, access.RoleNone)
	if rec := c.get("/unlock"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /unlock with the page off = %d, want 404", rec.Code)
	}
}

// TestUnlock_authenticator: a person locked out by failed sign-ins types
// their email, picks their authenticator app, types its code and is
// unlocked through the same door as /me. Every step is in the audit trail
// with address and browser, by the unverified claimant until the code is
// right; only the lock changes at OneLogin.
func TestUnlock_authenticator(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	id := fakeonelogin.PersonaLockedTOTPID
	before := u.snapshotExceptLock(id)
	b := u.browser("198.51.100.7")

	rec := b.do("GET", "/unlock", nil)
	wantCode(t, rec, http.StatusOK)
	if d := doc(t, rec); d.Find("form[action='/unlock'] input[name=login]").Length() != 1 || d.Find("input[name=csrf_token]").AttrOr("value", "") != "test-csrf-token" {
		t.Fatalf("the first step has no login form with the CSRF token: %.500s", rec.Body.String())
	}

	rec = b.start(strings.ToUpper(fakeonelogin.PersonaLockedTOTP))
	wantCode(t, rec, http.StatusOK)
	if s := step(t, rec); s != "choose" || !strings.Contains(rec.Body.String(), "Authenticator app") {
		t.Fatalf("after the email: step %q, want the factors with the authenticator: %.800s", s, rec.Body.String())
	}
	if b.cookie == nil || !b.cookie.HttpOnly || b.cookie.Path != "/unlock" || b.cookie.SameSite != http.SameSiteLaxMode || b.cookie.MaxAge != 900 {
		t.Errorf("flow cookie = %+v, want HttpOnly, Path /unlock, SameSite Lax, 15 minutes", b.cookie)
	}
	rec = b.choose(factorChoice(t, rec, "authenticator"))
	if s := step(t, rec); s != "code" {
		t.Fatalf("after choosing the app: step %q: %.800s", s, rec.Body.String())
	}
	if w := u.writes(); len(w) != 0 {
		t.Fatalf("before a code was typed the console asked OneLogin for %q", w)
	}

	code := u.fake.Tenant.TOTP(id, u.clock.Now())
	rec = b.code(code[:3] + " " + code[3:]) // people type a space between the groups
	wantCode(t, rec, http.StatusOK)
	if got := textOf(doc(t, rec), "[data-testid=unlock-result]"); !strings.Contains(got, "You can sign in again now") {
		t.Fatalf("after the code: %q, want the unlock confirmed: %.800s", got, rec.Body.String())
	}
	if !strings.Contains(rec.Body.String(), "Forgot password") {
		t.Error("the page does not say what to do about a forgotten password")
	}
	if got, _ := u.fake.Tenant.User(id); got.Status != fakeonelogin.StatusActive {
		t.Errorf("status at OneLogin = %d, want active", got.Status)
	}
	wantWrites := []string{"POST /api/1/users/" + idStr(id) + "/otp_devices/" + idStr(u.fake.Tenant.Devices(id)[0].ID) + "/verify",
		"POST /api/2/users/" + idStr(id) + "/unlock"}
	if w := u.writes(); !slices.Equal(w, wantWrites) {
		t.Errorf("calls that change something = %q, want only the verification and the unlock %q", w, wantWrites)
	}
	if after := u.snapshotExceptLock(id); after != before {
		t.Errorf("more than the lock changed:\nbefore %s\nafter  %s", before, after)
	}
	if b.cookie != nil {
		t.Error("the flow cookie outlived the unlock")
	}

	recs := u.mem.Records()
	var steps []string
	for _, r := range recs {
		steps = append(steps, string(r.Action)+"/"+string(r.Outcome))
		if r.SourceIP != "198.51.100.7" || r.Params["user_agent"] != "UnlockTest/1.0 (test)" {
			t.Errorf("%s record without the address and browser: %+v", r.Action, r)
		}
		// Unverified steps are about nobody; once verified, about the person.
		wantTarget, wantActor := int64(0), "unverified (public unlock page)"
		if r.Outcome != audit.OutcomeUnverified {
			wantTarget, wantActor = id, fakeonelogin.PersonaLockedTOTP
		} else if r.Params[audit.SampleParam] == "" {
			t.Errorf("%s tally without what was typed: %+v", r.Action, r)
		}
		if r.TargetID != wantTarget || r.ActorEmail != wantActor {
			t.Errorf("%s record about %d by %q, want about %d by %q", r.Action, r.TargetID, r.ActorEmail, wantTarget, wantActor)
		}
		for _, v := range append([]string{r.Message, r.Reason}, mapValues(r.Params)...) {
			if strings.Contains(v, code) {
				t.Errorf("the code is in the %s record: %+v", r.Action, r)
			}
		}
	}
	want := []string{"unlock_request/unverified", "unlock_factor/unverified", "unlock_verify/unverified", "unlock_verify/succeeded", "self_unlock/succeeded"}
	if !slices.Equal(steps, want) {
		t.Errorf("audit trail = %q, want %q", steps, want)
	}
	if last := recs[len(recs)-1]; last.ActorRole != "employee" || last.Params["factor"] != "Authenticator app" {
		t.Errorf("the unlock record = %+v, want by the verified employee with the factor", last)
	}
	if strings.Contains(u.logBuf.String(), code) {
		t.Error("the code is in the log")
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestUnlock_textedCode: a texted code, masked on the page; a wrong code
// first changes nothing; the state token never reaches the browser, the
// log or the trail.
func TestUnlock_textedCode(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	id := fakeonelogin.PersonaLockedSMSID
	b := u.browser("198.51.100.8")
	var bodies bytes.Buffer
	keep := func(rec *httptest.ResponseRecorder) *httptest.ResponseRecorder {
		bodies.Write(rec.Body.Bytes())
		for k, v := range rec.Header() {
			bodies.WriteString(k + ": " + strings.Join(v, ",") + "\n")
		}
		return rec
	}

	rec := keep(b.start(fakeonelogin.PersonaLockedSMS))
	if !strings.Contains(rec.Body.String(), "SMS to ••• 9910") || strings.Contains(rec.Body.String(), "447700909910") {
		t.Fatalf("the factor is not shown masked as “SMS to ••• 9910”: %.800s", rec.Body.String())
	}
	rec = keep(b.choose(factorChoice(t, rec, "sms")))
	if s := step(t, rec); s != "code" || !strings.Contains(textOf(doc(t, rec), "[data-testid=code-sent]"), "SMS to ••• 9910") {
		t.Fatalf("after choosing SMS: step %q: %.800s", s, rec.Body.String())
	}
	code, ok := u.fake.Tenant.LastCode(id)
	if !ok {
		t.Fatal("no code was texted")
	}

	rec = keep(b.code("000000"))
	wantCode(t, rec, http.StatusUnprocessableEntity)
	if got := textOf(doc(t, rec), "[data-testid=unlock-error]"); got != "That code did not work. Check it and try again, or send a new one." {
		t.Errorf("wrong code says %q", got)
	}
	if n := u.unlockCalls(id); n != 0 {
		t.Fatalf("a wrong code unlocked (%d calls)", n)
	}
	rec = keep(b.code(code))
	wantCode(t, rec, http.StatusOK)
	if n := u.unlockCalls(id); n != 1 {
		t.Fatalf("the right code made %d unlock calls, want 1", n)
	}

	tokens := u.stateTokens()
	if len(tokens) != 2 {
		t.Fatalf("state tokens sent back = %d, want 2 (one per code)", len(tokens))
	}
	var trail bytes.Buffer
	_ = json.NewEncoder(&trail).Encode(u.mem.Records())
	for where, text := range map[string]string{"a page or header": bodies.String(), "the log": u.logBuf.String(), "the audit trail": trail.String()} {
		if strings.Contains(text, tokens[0]) {
			t.Errorf("the state token is in %s", where)
		}
		if strings.Contains(text, code) {
			t.Errorf("the texted code is in %s", where)
		}
	}
}

// TestUnlock_push: a push approved unlocks; one denied or not answered in
// time does not, and says so; the page polls and is answered 204 while
// nothing changed, asking OneLogin at most every two seconds.
func TestUnlock_push(t *testing.T) {
	id := fakeonelogin.PersonaLockedPushID
	startPush := func(t *testing.T) (*unlockConsole, *unlockBrowser) {
		u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
		b := u.browser("198.51.100.9")
		rec := b.start(fakeonelogin.PersonaLockedPush)
		if !strings.Contains(rec.Body.String(), "OneLogin Protect on Pixel 7a") {
			t.Fatalf("the push factor is not offered: %.800s", rec.Body.String())
		}
		rec = b.choose(factorChoice(t, rec, "push"))
		if s := step(t, rec); s != "push" {
			t.Fatalf("after choosing the push: step %q: %.800s", s, rec.Body.String())
		}
		d := doc(t, rec)
		if d.Find("#push-poll[hx-post='/unlock/push'][hx-trigger='every 2s']").Length() != 1 || d.Find("form[action='/unlock/push']").Length() != 1 {
			t.Errorf("the push step neither polls nor offers a button: %.800s", rec.Body.String())
		}
		if len(u.fake.Tenant.PendingPushes(id)) != 1 {
			t.Fatal("no push is waiting on the phone")
		}
		return u, b
	}
	verifies := func(u *unlockConsole) int {
		n := 0
		for _, c := range u.fake.Tenant.Calls() {
			if strings.HasSuffix(c.Path, "/verify") {
				n++
			}
		}
		return n
	}

	t.Run("approved", func(t *testing.T) {
		u, b := startPush(t)
		u.clock.Advance(2 * time.Second)
		if rec := b.poll(); rec.Code != http.StatusNoContent {
			t.Fatalf("poll while pending = %d, want 204", rec.Code)
		}
		if rec := b.poll(); rec.Code != http.StatusNoContent || verifies(u) != 1 {
			t.Fatalf("a second poll at once = %d and %d verifications, want 204 and OneLogin asked once", rec.Code, verifies(u))
		}
		if n := u.unlockCalls(id); n != 0 {
			t.Fatal("unlocked before the push was approved")
		}
		u.fake.Tenant.ApprovePush(u.fake.Tenant.PendingPushes(id)[0].ID)
		u.clock.Advance(2 * time.Second)
		rec := b.poll()
		wantCode(t, rec, http.StatusOK)
		if s := step(t, rec); s != "done" || u.unlockCalls(id) != 1 {
			t.Fatalf("after approval: step %q, %d unlock calls: %.500s", s, u.unlockCalls(id), rec.Body.String())
		}
	})
	t.Run("denied", func(t *testing.T) {
		u, b := startPush(t)
		u.fake.Tenant.DenyPush(u.fake.Tenant.PendingPushes(id)[0].ID)
		u.clock.Advance(2 * time.Second)
		rec := b.poll()
		if s := step(t, rec); s != "choose" || !strings.Contains(textOf(doc(t, rec), "[data-testid=notice]"), "denied") {
			t.Fatalf("after a denial: step %q: %.800s", s, rec.Body.String())
		}
		if w := u.writes(); slices.ContainsFunc(w, func(s string) bool { return strings.Contains(s, "unlock") }) {
			t.Errorf("a denied push led to %q", w)
		}
		recs := u.mem.Records()
		if last := recs[len(recs)-1]; last.Action != access.UnlockVerify || last.Outcome != audit.OutcomeUnverified || last.TargetID != 0 || last.Reason != "push denied" {
			t.Errorf("the denial is recorded as %+v", last)
		}
	})
	t.Run("not answered in time", func(t *testing.T) {
		u, b := startPush(t)
		u.clock.Advance(121 * time.Second)
		rec := b.poll()
		if s := step(t, rec); s != "choose" || !strings.Contains(textOf(doc(t, rec), "[data-testid=notice]"), "not approved in time") {
			t.Fatalf("after the push expired: step %q: %.800s", s, rec.Body.String())
		}
		if u.unlockCalls(id) != 0 {
			t.Error("an expired push unlocked")
		}
	})
	t.Run("slow phone", func(t *testing.T) {
		u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
		u.fake.Tenant.SetPushAnswer(fakeonelogin.PushApproves, 30*time.Second)
		b := u.browser("198.51.100.10")
		b.choose(factorChoice(t, b.start(fakeonelogin.PersonaLockedPush), "push"))
		for range 5 {
			u.clock.Advance(5 * time.Second)
			if rec := b.poll(); rec.Code != http.StatusNoContent {
				t.Fatalf("poll before the phone answered = %d", rec.Code)
			}
		}
		u.clock.Advance(5 * time.Second)
		if rec := b.poll(); step(t, rec) != "done" || u.unlockCalls(id) != 1 {
			t.Fatalf("after the phone approved by itself: %.500s", rec.Body.String())
		}
	})
	t.Run("button without JavaScript", func(t *testing.T) {
		u, b := startPush(t)
		rec := b.do("POST", "/unlock/push", url.Values{})
		if s := step(t, rec); rec.Code != http.StatusOK || s != "push" || !strings.Contains(rec.Body.String(), "not been approved yet") {
			t.Fatalf("the button while pending = %d step %q", rec.Code, s)
		}
		u.fake.Tenant.ApprovePush(u.fake.Tenant.PendingPushes(id)[0].ID)
		u.clock.Advance(2 * time.Second)
		if rec := b.do("POST", "/unlock/push", url.Values{}); step(t, rec) != "done" {
			t.Fatalf("the button after approval: %.500s", rec.Body.String())
		}
	})
}
