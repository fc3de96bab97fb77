package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/limits/limitstest"
)

// ---- a console with the public unlock page ----

// unlockConsole is the console with the public unlock page on, in front of
// a fake tenant whose clock is the handlers' clock, so that state tokens,
// locks, codes and allowances all move together.
type unlockConsole struct {
	*console
	limits *limitstest.Memory
}

func newUnlockConsole(t *testing.T, opts fakeonelogin.Options, edit func(*config.PublicUnlock)) *unlockConsole {
	t.Helper()
	opts.Seed = 1
	if opts.Users == 0 {
		opts.Users = 60
	}
	pub := config.PublicUnlock{Enabled: true, Factors: []string{"protect", "authenticator", "sms", "email", "yubikey"},
		Attempts: 5, CoolDown: 15 * time.Minute, UnlocksPerDay: 3, PerIP: 1000, QuotaShare: 100}
	if edit != nil {
		edit(&pub)
	}
	limits := limitstest.NewMemory()
	c := newConsole(t, access.RoleNone, withTenant(opts), tenantOnConsoleClock(), withSelfUnlocks(3),
		withConfig(func(cfg *handlers.Config) {
			cfg.PublicUnlock, cfg.Limits = pub, limits
			cfg.UnlockPage.DecoyKey = []byte("test decoy key")
		}))
	return &unlockConsole{console: c, limits: limits}
}

// browser is one person's browser: its address and the flow cookie.
type unlockBrowser struct {
	u      *unlockConsole
	ip     string
	cookie *http.Cookie
	last   *httptest.ResponseRecorder
}

func (u *unlockConsole) browser(ip string) *unlockBrowser { return &unlockBrowser{u: u, ip: ip} }

// do sends a request as this browser; hdr are header name and value pairs.
func (b *unlockBrowser) do(method, target string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	b.u.t.Helper()
	req := newRequest(method, target, form, false)
	req.RemoteAddr = b.ip + ":41234"
	req.Header.Set("User-Agent", "UnlockTest/1.0 (test)")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	rec := httptest.NewRecorder()
	b.u.http.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "helpdesk_unlock" {
			b.cookie = ck
			if ck.MaxAge < 0 {
				b.cookie = nil
			}
		}
	}
	b.last = rec
	return rec
}

func (b *unlockBrowser) start(login string) *httptest.ResponseRecorder {
	return b.do("POST", "/unlock", url.Values{"login": {login}})
}

func (b *unlockBrowser) choose(choice string) *httptest.ResponseRecorder {
	return b.do("POST", "/unlock/factor", url.Values{"factor": {choice}})
}

func (b *unlockBrowser) code(code string) *httptest.ResponseRecorder {
	return b.do("POST", "/unlock/code", url.Values{"code": {code}})
}

// poll is what htmx sends every few seconds on the push step.
func (b *unlockBrowser) poll() *httptest.ResponseRecorder {
	return b.do("POST", "/unlock/push", url.Values{}, "HX-Request", "true", "HX-Trigger", "push-poll")
}

// step is the page's step (data-step), "" when the answer is no page.
func step(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	s, _ := doc(t, rec).Find("[data-testid=unlock]").Attr("data-step")
	return s
}

// factorChoice finds the choice value of the offered factor of kind.
func factorChoice(t *testing.T, rec *httptest.ResponseRecorder, kind string) string {
	t.Helper()
	v, ok := doc(t, rec).Find("[data-testid=factor-" + kind + "]").Attr("value")
	if !ok {
		t.Fatalf("no %s factor offered: %s", kind, textOf(doc(t, rec), "[data-testid=factor-list]"))
	}
	return v
}

// writes are the calls that asked OneLogin to change something or send
// something (anything but a read).
func (u *unlockConsole) writes() []string {
	var out []string
	for _, c := range u.fake.Tenant.Calls() {
		if c.Method != http.MethodGet && strings.HasPrefix(c.Path, "/api/") {
			out = append(out, c.Method+" "+c.Path)
		}
	}
	return out
}

func (u *unlockConsole) unlockCalls(id int64) int {
	return u.fake.Tenant.CallCount("POST", "/api/2/users/"+idStr(id)+"/unlock")
}

// stateTokens are the state tokens the console sent OneLogin back.
func (u *unlockConsole) stateTokens() []string {
	var out []string
	for _, c := range u.fake.Tenant.Calls() {
		var b struct {
			StateToken string `json:"state_token"`
		}
		if strings.HasSuffix(c.Path, "/verify") && json.Unmarshal(c.Body, &b) == nil && b.StateToken != "" {
			out = append(out, b.StateToken)
		}
	}
	return out
}

// snapshotExceptLock is a person as the fake holds them, with what an
// unlock changes cleared, and their factors.
func (u *unlockConsole) snapshotExceptLock(id int64) string {
	s, _ := u.fake.Tenant.User(id)
	s.Status, s.LockedUntil, s.InvalidLoginAttempts, s.UpdatedAt = 0, time.Time{}, 0, time.Time{}
	devs := u.fake.Tenant.Devices(id)
	for i := range devs {
		devs[i].Active = false // verifying marks a device used; that is OneLogin's, not ours
	}
	b, _ := json.Marshal(struct {
		U fakeonelogin.UserSnapshot
		D []fakeonelogin.Device
	}{s, devs})
	return string(b)
}

// ---- the journeys ----

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
		if r.TargetID != id {
			t.Errorf("%s record about %d, want %d", r.Action, r.TargetID, id)
		}
		wantActor := "unverified: " + strings.ToUpper(fakeonelogin.PersonaLockedTOTP)
		if r.Action == access.SelfUnlock {
			wantActor = fakeonelogin.PersonaLockedTOTP
		}
		if r.ActorEmail != wantActor {
			t.Errorf("%s record by %q, want %q", r.Action, r.ActorEmail, wantActor)
		}
		for _, v := range append([]string{r.Message, r.Reason}, mapValues(r.Params)...) {
			if strings.Contains(v, code) {
				t.Errorf("the code is in the %s record: %+v", r.Action, r)
			}
		}
	}
	want := []string{"unlock_request/succeeded", "unlock_factor/succeeded", "unlock_verify/succeeded", "self_unlock/succeeded"}
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
		if last := recs[len(recs)-1]; last.Action != access.UnlockVerify || last.Outcome != audit.OutcomeFailed || !strings.Contains(last.Message, "denied") {
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

// ---- no enumeration ----

// skeleton is the page's structure with everything a person typed or a
// factor names taken out: element names, attribute names and the values
// that are the same for everyone, text left out, and repeated factors
// folded into one.
func skeleton(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var walk func(s *goquery.Selection) string
	walk = func(s *goquery.Selection) string {
		var b strings.Builder
		b.WriteString("<" + goquery.NodeName(s))
		attrs := slices.Clone(s.Get(0).Attr)
		sort.Slice(attrs, func(i, j int) bool { return attrs[i].Key < attrs[j].Key })
		for _, a := range attrs {
			v := a.Val
			switch {
			case a.Key == "value" || a.Key == "datetime":
				v = "*"
			case a.Key == "data-testid" && strings.HasPrefix(v, "factor-") && v != "factor-list":
				v = "factor-*"
			}
			b.WriteString(" " + a.Key + "=" + v)
		}
		b.WriteString(">")
		prev := ""
		s.Children().Each(func(_ int, ch *goquery.Selection) {
			if cs := walk(ch); cs != prev { // a repeated factor is one
				b.WriteString(cs)
				prev = cs
			}
		})
		return b.String()
	}
	return walk(doc(t, rec).Find("html"))
}

// unlockWalk is what someone who has not verified sees: each step's status,
// page structure and cookies.
type unlockWalk struct {
	kind     string // the factor chosen
	status   []int
	skeleton []string
	cookie   []string
}

// walkUnlock types login, picks the first factor offered and, for a code,
// types a wrong one.
func walkUnlock(t *testing.T, u *unlockConsole, login string) unlockWalk {
	t.Helper()
	b := u.browser("203.0.113.5")
	var w unlockWalk
	see := func(rec *httptest.ResponseRecorder) *httptest.ResponseRecorder {
		w.status = append(w.status, rec.Code)
		w.skeleton = append(w.skeleton, skeleton(t, rec))
		var names []string
		for _, c := range rec.Result().Cookies() {
			names = append(names, c.Name+" "+c.Path+" "+idStr(int64(c.MaxAge)))
		}
		w.cookie = append(w.cookie, strings.Join(names, ";"))
		return rec
	}
	first := doc(t, see(b.start(login))).Find("[data-testid=factor-list] button").First()
	w.kind = strings.TrimPrefix(first.AttrOr("data-testid", ""), "factor-")
	if rec := see(b.choose(first.AttrOr("value", ""))); step(t, rec) == "code" {
		see(b.code("123456"))
	}
	return w
}

// TestUnlock_noEnumeration: someone who has not verified cannot tell an
// account that does not exist, one that is not locked, or one with no
// factor the page can check from a locked account with factors: each step
// answers with the same status, the same page structure (after the words
// that name the factor) and the same cookies as a locked account's with the
// same kind of factor, and a made-up account never makes OneLogin send or
// check anything.
func TestUnlock_noEnumeration(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, func(p *config.PublicUnlock) {
		p.Factors = []string{"protect", "authenticator", "sms", "email"}
	})
	realOf := map[string]string{"push": fakeonelogin.PersonaLockedPush, "authenticator": fakeonelogin.PersonaLockedTOTP,
		"sms": fakeonelogin.PersonaLockedSMS, "email": fakeonelogin.PersonaLockedEmail}
	ref := map[string]unlockWalk{}
	for kind, login := range realOf {
		w := walkUnlock(t, u, login)
		if w.kind != kind || w.status[0] != http.StatusOK {
			t.Fatalf("the real %s walk: %+v", kind, w)
		}
		ref[kind] = w
	}

	others := map[string]string{
		"no such account":  "no.such.person@example.com",
		"no such username": "nobody42",
		"not locked":       fakeonelogin.PersonaNoRoles,
		"suspended":        fakeonelogin.PersonaSuspended,
		"no usable factor": fakeonelogin.PersonaLockedNoFactor,
		"staff account":    fakeonelogin.PersonaHelpdesk,
		"active with app":  fakeonelogin.PersonaViewer,
	}
	kinds := map[string]bool{}
	for name, login := range others {
		t.Run(name, func(t *testing.T) {
			u.fake.Tenant.ResetCalls()
			got := walkUnlock(t, u, login)
			want, ok := ref[got.kind]
			if !ok {
				t.Fatalf("a made-up factor of kind %q", got.kind)
			}
			kinds[got.kind] = true
			if !slices.Equal(got.status, want.status) {
				t.Errorf("statuses %v, want %v as for a locked account", got.status, want.status)
			}
			if !slices.Equal(got.cookie, want.cookie) {
				t.Errorf("cookies %q, want %q", got.cookie, want.cookie)
			}
			for i := range min(len(got.skeleton), len(want.skeleton)) {
				if got.skeleton[i] != want.skeleton[i] {
					t.Errorf("step %d's page differs from a locked account's:\n got %s\nwant %s", i+1, got.skeleton[i], want.skeleton[i])
				}
			}
			for _, w := range u.writes() {
				t.Errorf("a made-up account asked OneLogin to %s", w)
			}
		})
	}
	if len(kinds) < 2 {
		t.Errorf("every made-up account chose a %v factor: the comparison covers too little", kinds)
	}
}

// TestUnlock_decoysAreStable: a made-up account shows the same factors on
// every visit, as a real one would, and different logins get different
// ones.
func TestUnlock_decoysAreStable(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	factors := func(login string) string {
		return textOf(doc(t, u.browser("203.0.113.6").start(login)), "[data-testid=factor-list]")
	}
	if a, b := factors("ghost@example.com"), factors("GHOST@example.com"); a != b || a == "" {
		t.Errorf("the same login shows %q then %q", a, b)
	}
	seen := map[string]bool{}
	for _, l := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com", "f@example.com"} {
		seen[factors(l)] = true
	}
	if len(seen) < 2 {
		t.Errorf("six made-up accounts all show the same factors: %v", seen)
	}
}

// TestUnlock_decoysInTheTrail: the trail, which only staff read, says what
// the page hid: whose account a made-up walk was about, and why.
func TestUnlock_decoysInTheTrail(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	for _, tc := range []struct {
		login  string
		target int64
		why    string
	}{
		{fakeonelogin.PersonaNoRoles, fakeonelogin.PersonaNoRolesID, "decoy: account not locked (Active)"},
		{fakeonelogin.PersonaLockedNoFactor, fakeonelogin.PersonaLockedNoFactorID, "decoy: no usable factor"},
		{"ghost@example.com", 0, "decoy: no such account"},
		{fakeonelogin.PersonaLockedSMS, fakeonelogin.PersonaLockedSMSID, "locked account"},
	} {
		n := len(u.mem.Records())
		u.browser("198.51.100.90").start(tc.login)
		recs := u.mem.Records()[n:]
		if len(recs) != 1 || recs[0].Action != access.UnlockRequest || recs[0].TargetID != tc.target || recs[0].Params["account"] != tc.why {
			t.Errorf("%s: records %+v, want one unlock_request about %d saying %q", tc.login, recs, tc.target, tc.why)
		}
	}
}

// ---- only what self-service may undo ----

// TestUnlock_staffLockRefusedAfterVerification: a lock a helpdesk agent
// placed through the console is never lifted by the person: the public page
// verifies them like anyone, then says to contact the helpdesk, and /me
// refuses the same way. Nothing is unlocked.
func TestUnlock_staffLockRefusedAfterVerification(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	id := fakeonelogin.PersonaNoRolesID
	if _, ok := u.fake.Tenant.Enroll(id, fakeonelogin.FactorAuthenticator); !ok {
		t.Fatal("enrol an authenticator")
	}
	u.who = access.Identity{Email: fakeonelogin.PersonaHelpdesk, Name: "Agent", Role: access.RoleHelpdesk}
	wantCode(t, u.postConfirmed("/users/"+idStr(id)+"/lock", url.Values{"minutes": {"60"}, "ticket": {"SEC-311 suspected account takeover"}}), http.StatusOK)
	u.who = access.Identity{}
	u.fake.Tenant.ResetCalls()

	b := u.browser("198.51.100.20")
	rec := b.start(fakeonelogin.PersonaNoRoles)
	if strings.Contains(strings.ToLower(rec.Body.String()), "helpdesk locked") || strings.Contains(rec.Body.String(), "SEC-311") {
		t.Fatal("the page tells who locked the account before verification")
	}
	if rec = b.choose(factorChoice(t, rec, "authenticator")); step(t, rec) != "code" {
		t.Fatalf("the staff-locked person is not asked for a code: %.500s", rec.Body.String())
	}
	rec = b.code(u.fake.Tenant.TOTP(id, u.clock.Now()))
	wantCode(t, rec, http.StatusForbidden)
	if got := textOf(doc(t, rec), "[data-testid=unlock-message]"); got != "Your account was locked by the IT helpdesk: contact them." {
		t.Errorf("after verification the page says %q", got)
	}
	if n := u.unlockCalls(id); n != 0 {
		t.Fatalf("the staff lock was lifted (%d unlock calls)", n)
	}
	recs := u.mem.Records()
	if last := recs[len(recs)-1]; last.Action != access.SelfUnlock || last.Outcome != audit.OutcomeDenied || last.ActorEmail != fakeonelogin.PersonaNoRoles {
		t.Errorf("the refusal is recorded as %+v", last)
	}

	// /me, signed in as the same person, refuses alike.
	u.who = access.Identity{Email: fakeonelogin.PersonaNoRoles, Name: "Søren", Role: access.RoleEmployee}
	rec = u.browser("198.51.100.20").do("POST", "/me/unlock", url.Values{}, "HX-Request", "true")
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Your account was locked by the IT helpdesk: contact them.") {
		t.Errorf("/me/unlock of a staff lock = %d: %.500s", rec.Code, rec.Body.String())
	}
	if n := u.unlockCalls(id); n != 0 {
		t.Fatalf("/me lifted the staff lock (%d unlock calls)", n)
	}
}

// TestUnlock_lockEndedMeanwhile: a lock that ran out between the look-up
// and the code is not "unlocked": the verified person is told they can
// sign in, and OneLogin is not asked to unlock.
func TestUnlock_lockEndedMeanwhile(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	id := fakeonelogin.PersonaLockedID // locked for 20 minutes from the seed time
	u.clock.Advance(18 * time.Minute)
	b := u.browser("198.51.100.21")
	rec := b.choose(factorChoice(t, b.start(fakeonelogin.PersonaLocked), "sms"))
	if s := step(t, rec); s != "code" {
		t.Fatalf("step %q", s)
	}
	u.clock.Advance(3 * time.Minute)
	code, _ := u.fake.Tenant.LastCode(id)
	rec = b.code(code)
	wantCode(t, rec, http.StatusConflict)
	if got := textOf(doc(t, rec), "[data-testid=unlock-message]"); !strings.Contains(got, "no longer locked") {
		t.Errorf("the page says %q", got)
	}
	if n := u.unlockCalls(id); n != 0 {
		t.Errorf("%d unlock calls for an account that was no longer locked", n)
	}
}

// ---- limits ----

// TestUnlock_coolDown: wrong codes until the account's attempts are used
// up, then a cool-down that a made-up account gets alike, that survives a
// restart and ends on time. OneLogin is asked no more than the attempts
// allow, and nothing is unlocked.
func TestUnlock_coolDown(t *testing.T) {
	for _, login := range []string{fakeonelogin.PersonaLockedTOTP, "ghost@example.com"} {
		t.Run(login, func(t *testing.T) {
			u := newUnlockConsole(t, fakeonelogin.Options{}, func(p *config.PublicUnlock) {
				p.Attempts, p.CoolDown, p.Factors = 3, 15*time.Minute, []string{"authenticator"}
			})
			b := u.browser("198.51.100.30")
			b.choose(factorChoice(t, b.start(login), "authenticator"))
			for i := range 3 {
				if rec := b.code("000000"); rec.Code != http.StatusUnprocessableEntity {
					t.Fatalf("wrong code %d = %d, want 422", i+1, rec.Code)
				}
			}
			rec := b.code("000000")
			wantCode(t, rec, http.StatusTooManyRequests)
			if got := textOf(doc(t, rec), "[data-testid=unlock-message]"); got != "There have been too many attempts for this account. Try again after 13:20, or call the IT helpdesk." {
				t.Errorf("the cool-down says %q", got)
			}
			if n := u.fake.Tenant.CallCount("POST", "/api/1/users"); n > 3 {
				t.Errorf("%d verifications at OneLogin, want at most 3", n)
			}

			u.restart() // the count is in the limits store, not the process
			b2 := u.browser("198.51.100.31")
			b2.choose(factorChoice(t, b2.start(login), "authenticator"))
			if rec := b2.code("000000"); rec.Code != http.StatusTooManyRequests {
				t.Errorf("after a restart, from another address = %d, want the cool-down to hold", rec.Code)
			}

			u.clock.Advance(15 * time.Minute)
			b3 := u.browser("198.51.100.32")
			b3.choose(factorChoice(t, b3.start(login), "authenticator"))
			if rec := b3.code("000000"); rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("after the cool-down = %d, want the code checked again", rec.Code)
			}
			for _, w := range u.writes() {
				if strings.Contains(w, "unlock") {
					t.Errorf("wrong codes led to %s", w)
				}
			}
		})
	}
}

// TestUnlock_perAddress: one address gets so many look-ups, sends and tries
// an hour, whatever accounts it names; another address is not affected.
func TestUnlock_perAddress(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, func(p *config.PublicUnlock) { p.PerIP = 2 })
	b := u.browser("198.51.100.40")
	b.start("ghost@example.com")
	b.start(fakeonelogin.PersonaLockedSMS)
	calls := len(u.fake.Tenant.Calls())
	for _, login := range []string{fakeonelogin.PersonaLockedTOTP, "someone@example.com"} {
		rec := b.start(login)
		wantCode(t, rec, http.StatusTooManyRequests)
		if got := textOf(doc(t, rec), "[data-testid=unlock-message]"); !strings.HasPrefix(got, "There have been too many attempts from your network.") {
			t.Errorf("%s: the page says %q", login, got)
		}
	}
	if n := len(u.fake.Tenant.Calls()); n != calls {
		t.Errorf("refused look-ups made %d calls to OneLogin", n-calls)
	}
	if rec := u.browser("198.51.100.41").start(fakeonelogin.PersonaLockedTOTP); rec.Code != http.StatusOK {
		t.Errorf("another address = %d, want 200", rec.Code)
	}
}

// TestUnlock_perDay: an account is unlocked here at most so often a day;
// past that the verified person is told to call the helpdesk.
func TestUnlock_perDay(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, func(p *config.PublicUnlock) { p.UnlocksPerDay = 1 })
	id := fakeonelogin.PersonaLockedTOTPID
	unlock := func() *httptest.ResponseRecorder {
		b := u.browser("198.51.100.50")
		b.choose(factorChoice(t, b.start(fakeonelogin.PersonaLockedTOTP), "authenticator"))
		return b.code(u.fake.Tenant.TOTP(id, u.clock.Now()))
	}
	if rec := unlock(); step(t, rec) != "done" {
		t.Fatalf("first unlock: %.500s", rec.Body.String())
	}
	// Locked again by failed sign-ins.
	for range 5 {
		u.fake.Tenant.RecordSignIn(fakeonelogin.SignIn{UserID: id, IP: "192.0.2.1"})
	}
	u.clock.Advance(time.Minute) // a fresh authenticator code
	rec := unlock()
	wantCode(t, rec, http.StatusTooManyRequests)
	if got := textOf(doc(t, rec), "[data-testid=unlock-message]"); !strings.Contains(got, "as often as this page allows") {
		t.Errorf("the second unlock says %q", got)
	}
	if n := u.unlockCalls(id); n != 1 {
		t.Errorf("%d unlock calls, want 1", n)
	}
}

// TestUnlock_quotaCeiling: the page spends at most its share of the
// tenant's hourly OneLogin quota; past it, everyone is asked to come back.
func TestUnlock_quotaCeiling(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{RateLimitPerHour: 400}, func(p *config.PublicUnlock) { p.QuotaShare = 1 })
	if _, err := u.ol.GetUser(context.Background(), fakeonelogin.PersonaAdminID); err != nil { // the client learns the quota
		t.Fatal(err)
	}
	b := u.browser("198.51.100.60")
	for i, login := range []string{"a@example.com", "b@example.com"} {
		if rec := b.start(login); rec.Code != http.StatusOK {
			t.Fatalf("look-up %d = %d, want 200 within 1%% of 400 calls", i+1, rec.Code)
		}
	}
	calls := len(u.fake.Tenant.Calls())
	rec := b.start(fakeonelogin.PersonaLockedSMS)
	wantCode(t, rec, http.StatusServiceUnavailable)
	if got := textOf(doc(t, rec), "[data-testid=unlock-message]"); !strings.HasPrefix(got, "This page is busy. Try again after") {
		t.Errorf("the page says %q", got)
	}
	if n := len(u.fake.Tenant.Calls()); n != calls {
		t.Errorf("past the ceiling the page made %d calls", n-calls)
	}
	if rec := b.start("c@example.com"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("an unknown account past the ceiling = %d, want the same 503", rec.Code)
	}
}

// ---- failures and input ----

// TestUnlock_sendFails: when OneLogin fails to send a code, the page looks
// as if it sent one (an error would show only for real accounts), the code
// then fails, and nothing is unlocked.
func TestUnlock_sendFails(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	id := fakeonelogin.PersonaLockedSMSID
	b := u.browser("198.51.100.70")
	rec := b.start(fakeonelogin.PersonaLockedSMS)
	u.fake.Tenant.FailNextMFA(1, http.StatusInternalServerError)
	rec = b.choose(factorChoice(t, rec, "sms"))
	if s := step(t, rec); rec.Code != http.StatusOK || s != "code" {
		t.Fatalf("after a failed send = %d step %q, want the code step as for a sent one", rec.Code, s)
	}
	if rec := b.code("123456"); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("a code after a failed send = %d, want 422", rec.Code)
	}
	if n := u.unlockCalls(id); n != 0 || len(u.stateTokens()) != 0 {
		t.Errorf("unlock calls %d, verifications with a token %d; want none", n, len(u.stateTokens()))
	}
	recs := u.mem.Records()
	found := false
	for _, r := range recs {
		found = found || (r.Action == access.UnlockFactor && r.Outcome == audit.OutcomeFailed && r.Status == http.StatusInternalServerError)
	}
	if !found {
		t.Errorf("the failed send is not in the trail: %+v", recs)
	}
}

// TestUnlock_factorsUnreadable: when OneLogin cannot list a locked
// person's factors, the page answers as for an unknown account.
func TestUnlock_factorsUnreadable(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	u.fake.Tenant.FailNextMFA(1, http.StatusInternalServerError)
	rec := u.browser("198.51.100.71").start(fakeonelogin.PersonaLockedSMS)
	if s := step(t, rec); rec.Code != http.StatusOK || s != "choose" {
		t.Errorf("= %d step %q, want the factor step", rec.Code, s)
	}
}

// TestUnlock_stateTokenExpired: a code whose state token OneLogin has let
// expire asks for a new one.
func TestUnlock_stateTokenExpired(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	b := u.browser("198.51.100.72")
	b.choose(factorChoice(t, b.start(fakeonelogin.PersonaLockedEmail), "email"))
	code, _ := u.fake.Tenant.LastCode(fakeonelogin.PersonaLockedEmailID)
	u.fake.Tenant.ExpireStateTokens()
	rec := b.code(code)
	wantCode(t, rec, http.StatusUnprocessableEntity)
	if got := textOf(doc(t, rec), "[data-testid=unlock-error]"); got != "That code has expired. Send a new one." {
		t.Errorf("the page says %q", got)
	}
	// Sending a new code works.
	if rec := b.do("POST", "/unlock/factor", url.Values{"factor": {doc(t, rec).Find("[data-testid=send-again]").AttrOr("value", "")}}); step(t, rec) != "code" {
		t.Fatalf("send a new code: %.500s", rec.Body.String())
	}
	code, _ = u.fake.Tenant.LastCode(fakeonelogin.PersonaLockedEmailID)
	if rec := b.code(code); step(t, rec) != "done" {
		t.Errorf("the new code: %.500s", rec.Body.String())
	}
}

// TestUnlock_auditUnavailable: a step that cannot be written down does not
// happen: with the trail failing, a right code neither reaches OneLogin nor
// unlocks, and a look-up is refused.
func TestUnlock_auditUnavailable(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	id := fakeonelogin.PersonaLockedTOTPID
	b := u.browser("198.51.100.75")
	b.choose(factorChoice(t, b.start(fakeonelogin.PersonaLockedTOTP), "authenticator"))
	u.audit.Fail(true)
	u.fake.Tenant.ResetCalls()
	rec := b.code(u.fake.Tenant.TOTP(id, u.clock.Now()))
	wantCode(t, rec, http.StatusServiceUnavailable)
	if w := u.writes(); len(w) != 0 {
		t.Errorf("with the trail failing the console asked OneLogin to %q", w)
	}
	if rec := u.browser("198.51.100.76").start("ghost@example.com"); rec.Code != http.StatusServiceUnavailable || len(rec.Result().Cookies()) != 0 {
		t.Errorf("a look-up with the trail failing = %d with cookies %v, want 503 and none", rec.Code, rec.Result().Cookies())
	}
}

// TestUnlock_input: bad input is answered in place and asks OneLogin
// nothing; a step without a flow starts again.
func TestUnlock_input(t *testing.T) {
	u := newUnlockConsole(t, fakeonelogin.Options{}, nil)
	for _, login := range []string{"", "   ", "ann*", "*@example.com", "a,b", "!ann", "ann smith", strings.Repeat("a", 255)} {
		u.fake.Tenant.ResetCalls()
		rec := u.browser("198.51.100.80").start(login)
		if rec.Code != http.StatusUnprocessableEntity || doc(t, rec).Find("[data-testid=unlock-error]").Length() != 1 {
			t.Errorf("login %q = %d, want 422 with the error beside the field", login, rec.Code)
		}
		if n := len(u.fake.Tenant.Calls()); n != 0 {
			t.Errorf("login %q made %d calls", login, n)
		}
	}

	b := u.browser("198.51.100.81")
	for _, path := range []string{"/unlock/factor", "/unlock/code", "/unlock/push"} {
		rec := b.do("POST", path, url.Values{"factor": {"1"}, "code": {"123456"}})
		if rec.Code != http.StatusBadRequest || step(t, rec) != "stopped" {
			t.Errorf("%s without a flow = %d step %q, want 400 and start again", path, rec.Code, step(t, rec))
		}
	}
	b.cookie = &http.Cookie{Name: "helpdesk_unlock", Value: "made-up"}
	if rec := b.choose("1"); rec.Code != http.StatusBadRequest {
		t.Errorf("a made-up flow id = %d, want 400", rec.Code)
	}

	b = u.browser("198.51.100.82")
	rec := b.start(fakeonelogin.PersonaLockedTOTP)
	for _, choice := range []string{"0", "9", "x"} {
		if rec := b.choose(choice); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("factor %q = %d, want 422", choice, rec.Code)
		}
	}
	b.choose(factorChoice(t, rec, "authenticator"))
	for _, code := range []string{"", "12", "12345<", strings.Repeat("1", 65)} {
		if rec := b.code(code); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "letters and digits") {
			t.Errorf("code %q = %d", code, rec.Code)
		}
	}
	if n := u.fake.Tenant.CallCount("POST", "/api/1/users"); n != 0 {
		t.Errorf("malformed codes made %d verifications", n)
	}

	// The flow ends with its cookie's lifetime.
	u.clock.Advance(16 * time.Minute)
	if rec := b.code("123456"); rec.Code != http.StatusBadRequest {
		t.Errorf("a step after 16 minutes = %d, want 400 start again", rec.Code)
	}
}
