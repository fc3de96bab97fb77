//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
)

// Journeys of the public unlock page: a person locked out of OneLogin (and
// so of the console) unlocks their own account at /unlock, without signing
// in, after proving who they are with a factor: an authenticator code, a
// push approved on the fake's push page, a texted code read in the fake's
// inbox. They play the person: their phone, inbox and app are the fake
// tenant's own pages.

// unlockFlow drives the public unlock page in a page or a frame; root is
// its body.
type unlockFlow struct {
	t    *testing.T
	root playwright.Locator
}

func onPage(t *testing.T, p playwright.Page) *unlockFlow {
	return &unlockFlow{t: t, root: p.Locator("body")}
}

// step waits until the page is at a step.
func (f *unlockFlow) step(want string) {
	f.t.Helper()
	must(f.t, expect.Locator(f.root.GetByTestId("unlock")).ToHaveAttribute("data-step", want), "the unlock page reaches its %s step", want)
}

// start types the login and continues to the factors.
func (f *unlockFlow) start(login string) {
	f.t.Helper()
	must(f.t, f.root.GetByLabel("Username or email").Fill(login), "type %s", login)
	must(f.t, f.root.Locator("[data-testid=unlock-start-form] button[type=submit]").Click(), "press Continue")
	f.step("choose")
}

// choose picks the factor of a kind (push, sms, email, authenticator).
func (f *unlockFlow) choose(kind, nextStep string) {
	f.t.Helper()
	must(f.t, f.root.GetByTestId("factor-"+kind).Click(), "choose the %s factor", kind)
	f.step(nextStep)
}

// code types a code, presses Verify and waits for the console's answer: a
// wrong code's answer reads as the one before, so a journey that goes on
// without waiting may type into the form the answer is about to replace.
func (f *unlockFlow) code(code string) {
	f.t.Helper()
	must(f.t, f.root.GetByLabel("Code", playwright.LocatorGetByLabelOptions{Exact: playwright.Bool(true)}).Fill(code), "type the code")
	page, err := f.root.Page()
	must(f.t, err, "the page of the unlock form")
	_, err = page.ExpectResponse("**/unlock/code", func() error {
		return f.root.Locator("[data-testid=unlock-code-form] button[type=submit]").Click()
	})
	must(f.t, err, "press Verify and unlock, and get the console's answer")
}

// unlocked checks the page and the tenant agree the person is unlocked.
func (f *unlockFlow) unlocked(s *consoleServer, p person) {
	f.t.Helper()
	f.step("done")
	must(f.t, expect.Locator(f.root.GetByTestId("unlock-result")).ToHaveText("Your account is unlocked. You can sign in again now."), "the page confirms the unlock")
	must(f.t, expect.Locator(f.root.GetByTestId("go-sign-in")).ToBeVisible(), "the page leads to sign-in")
	if name, err := f.root.GetByTestId("unlock-result").Evaluate("el => getComputedStyle(el).animationName", nil); err != nil || name != "none" {
		f.t.Errorf("the unlock result's animation is %v (%v), want none: it stays", name, err)
	}
	s.wantCall(f.t, "POST", fmt.Sprintf("/api/2/users/%d/unlock", p.ID))
	if u, _ := s.Tenant.User(p.ID); u.Status != fakeonelogin.StatusActive {
		f.t.Errorf("the fake tenant has %s at status %d after the unlock", p.Email, u.Status)
	}
}

// stillLocked checks nothing was unlocked.
func stillLocked(t *testing.T, s *consoleServer, p person) {
	t.Helper()
	for _, c := range s.writes() {
		if strings.HasSuffix(c.Path, "/unlock") {
			t.Errorf("the console unlocked %s: %s %s", p.Email, c.Method, c.Path)
		}
	}
	if u, _ := s.Tenant.User(p.ID); u.Status != fakeonelogin.StatusLocked {
		t.Errorf("%s is no longer locked (status %d)", p.Email, u.Status)
	}
}

// openUnlock opens the page without signing in, the way a locked-out
// person reaches it: from the sign-in page's "Locked out?" link.
func openUnlock(t *testing.T, s *consoleServer, page playwright.Page) *unlockFlow {
	t.Helper()
	_, err := page.Goto(s.URL + "/auth/signed-out")
	must(t, err, "open the signed-out page")
	must(t, page.GetByRole("link", pageNamed("Locked out? Unlock your account")).Click(), "follow Locked out?")
	must(t, page.WaitForURL(s.URL+"/unlock"), "reach /unlock")
	f := onPage(t, page)
	f.step("start")
	return f
}

// fakePage opens one of the fake tenant's own pages (the phone, inbox or
// app of the person) in a tab of its own.
func fakePage(t *testing.T, s *consoleServer, path string) playwright.Page {
	t.Helper()
	p := newPage(t, "fake")
	_, err := p.Goto(s.App.Fake().URL + path)
	must(t, err, "open the fake's %s", path)
	return p
}

func TestUnlock_authenticatorCode(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	p := s.person(t, fakeonelogin.PersonaLockedTOTP)
	page := newPage(t, "")
	f := openUnlock(t, s, page)
	assertAccessible(t, page, "unlock page, first step")
	f.start(p.Email)
	must(t, expect.Locator(page.GetByTestId("factor-authenticator")).ToContainText("Authenticator app"), "the app is offered")
	assertAccessible(t, page, "unlock page, factors")
	s.Tenant.ResetCalls()
	f.choose("authenticator", "code")
	assertAccessible(t, page, "unlock page, code")
	f.code(s.Tenant.TOTP(p.ID, s.Tenant.Clock().Now()))
	f.unlocked(s, p)
}

// push starts a push to the Protect persona and returns the flow.
func pushStarted(t *testing.T, s *consoleServer, p person) (*unlockFlow, playwright.Page) {
	t.Helper()
	page := newPage(t, "")
	f := openUnlock(t, s, page)
	f.start(p.Email)
	must(t, expect.Locator(page.GetByTestId("factor-push")).ToContainText("OneLogin Protect on Pixel 7a"), "the push is offered, to the named phone")
	s.Tenant.ResetCalls()
	f.choose("push", "push")
	must(t, expect.Locator(page.GetByTestId("push-sent")).ToContainText("Pixel 7a"), "the page says where the push went")
	return f, page
}

// answerPush presses Approve or Deny on the fake's push page, as the
// person would on their phone.
func answerPush(t *testing.T, s *consoleServer, p person, answer string) {
	t.Helper()
	phone := fakePage(t, s, "/_fake/push?user="+url.QueryEscape(p.Email))
	row := phone.GetByTestId("push").Filter(hasText(p.Email))
	must(t, expect.Locator(row).ToHaveCount(1), "the push waits on the phone of %s", p.Email)
	must(t, row.GetByTestId(answer).Click(), "press %s on the phone", answer)
	must(t, expect.Locator(phone.GetByTestId("empty")).ToBeVisible(), "the push is answered")
}

func TestUnlock_pushApproved(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	p := s.person(t, fakeonelogin.PersonaLockedPush)
	f, _ := pushStarted(t, s, p)
	answerPush(t, s, p, "approve")
	f.unlocked(s, p) // the page polls and sees the approval by itself
}

func TestUnlock_pushDenied(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	p := s.person(t, fakeonelogin.PersonaLockedPush)
	f, page := pushStarted(t, s, p)
	answerPush(t, s, p, "deny")
	f.step("choose")
	must(t, expect.Locator(page.GetByTestId("notice")).ToContainText("denied"), "the page says the push was denied")
	stillLocked(t, s, p)
}

func TestUnlock_textedCodeFromInbox(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	p := s.person(t, fakeonelogin.PersonaLockedSMS)
	page := newPage(t, "")
	f := openUnlock(t, s, page)
	f.start(p.Email)
	must(t, expect.Locator(page.GetByTestId("factor-sms")).ToContainText("SMS to ••• 9910"), "the phone is shown masked")
	s.Tenant.ResetCalls()
	f.choose("sms", "code")

	inbox := fakePage(t, s, fmt.Sprintf("/_fake/inbox?user=%d", p.ID))
	code, err := inbox.GetByTestId("code").First().TextContent()
	must(t, err, "read the texted code in the fake inbox")
	f.code(strings.TrimSpace(code))
	f.unlocked(s, p)
}

func TestUnlock_wrongCodeUntilCoolDown(t *testing.T) {
	t.Parallel()
	s := startConsole(t, map[string]string{"HELPDESK_PUBLIC_UNLOCK_ATTEMPTS": "3"})
	p := s.person(t, fakeonelogin.PersonaLockedTOTP)
	page := newPage(t, "")
	f := openUnlock(t, s, page)
	f.start(p.Email)
	f.choose("authenticator", "code")
	s.Tenant.ResetCalls()
	for i := range 3 {
		f.code("000000")
		must(t, expect.Locator(page.GetByTestId("unlock-error")).ToHaveText("That code did not work. Check it and try again, or send a new one."), "wrong code %d is refused", i+1)
	}
	// Even the right code fails now, as any wrong code does: reaching the
	// allowance tells nothing about the account.
	f.code(s.Tenant.TOTP(p.ID, s.Tenant.Clock().Now()))
	f.step("code")
	must(t, expect.Locator(page.GetByTestId("unlock-error")).ToHaveText("That code did not work. Check it and try again, or send a new one."), "past the allowance the code fails like any other")
	stillLocked(t, s, p)
}

func TestUnlock_staffLockRefusedAfterVerification(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	page := newPage(t, "")
	f := openUnlock(t, s, page)
	// The demo's hint names whom the helpdesk locked.
	email, err := page.Locator("li").Filter(hasText("locked by the helpdesk")).Locator(".mono").TextContent()
	must(t, err, "the demo hint names the person the helpdesk locked")
	p := s.person(t, email)
	f.start(p.Email)
	s.Tenant.ResetCalls()
	if n, _ := page.GetByTestId("factor-authenticator").Count(); n == 1 {
		f.choose("authenticator", "code")
		f.code(s.Tenant.TOTP(p.ID, s.Tenant.Clock().Now()))
	} else {
		f.choose("sms", "code")
		code, _ := s.Tenant.LastCode(p.ID)
		f.code(code)
	}
	f.step("stopped")
	must(t, expect.Locator(page.GetByTestId("unlock-message")).ToHaveText("Your account was locked by the IT helpdesk: contact them."), "after verification the page says who to contact")
	stillLocked(t, s, p)
}

// domShape is #unlock's structure without its words: element names and
// the test hooks, a factor's kind left out, repeated factors folded.
const domShape = `() => {
	const walk = (el) => {
		let s = "<" + el.tagName.toLowerCase();
		for (const a of ["data-testid", "data-step", "type", "name", "role", "hx-post", "action"]) {
			let v = el.getAttribute(a);
			if (v === null) continue;
			if (a === "data-testid" && v.startsWith("factor-") && v !== "factor-list") v = "factor-*";
			s += " " + a + "=" + v;
		}
		s += ">";
		let prev = "";
		for (const c of el.children) { const w = walk(c); if (w !== prev) s += w; prev = w; }
		return s;
	};
	return walk(document.querySelector("#unlock"));
}`

// walkShapes types login, picks the first factor and, for a code, types a
// wrong one; it returns the kind picked, each step's page shape and the
// statuses of the page's own requests.
func walkShapes(t *testing.T, s *consoleServer, login string) (kind string, shapes []string, statuses []string) {
	t.Helper()
	page := newPage(t, login)
	var mu sync.Mutex
	page.OnResponse(func(r playwright.Response) {
		if u := r.URL(); strings.HasPrefix(u, s.URL+"/unlock") && r.Request().Method() == "POST" {
			mu.Lock()
			statuses = append(statuses, fmt.Sprintf("%s %d", strings.TrimPrefix(u, s.URL), r.Status()))
			mu.Unlock()
		}
	})
	shape := func() {
		v, err := page.Evaluate(domShape)
		must(t, err, "read the page's shape")
		shapes = append(shapes, v.(string))
	}
	f := openUnlock(t, s, page)
	f.start(login)
	shape()
	first := page.GetByTestId("factor-list").Locator("button").First()
	id, err := first.GetAttribute("data-testid")
	must(t, err, "read the first factor")
	kind = strings.TrimPrefix(id, "factor-")
	next := "code"
	if kind == "push" {
		next = "push"
	}
	f.choose(kind, next)
	shape()
	if next == "code" {
		f.code("123456")
		must(t, expect.Locator(page.GetByTestId("unlock-error")).ToBeVisible(), "the wrong code is refused")
		shape()
	}
	mu.Lock()
	defer mu.Unlock()
	return kind, shapes, append([]string(nil), statuses...)
}

func TestUnlock_unknownIsIndistinguishable(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	realOf := map[string]string{"push": fakeonelogin.PersonaLockedPush, "authenticator": fakeonelogin.PersonaLockedTOTP,
		"sms": fakeonelogin.PersonaLockedSMS, "email": fakeonelogin.PersonaLockedEmail}
	s.Tenant.ResetCalls()
	kind, gotShapes, gotStatuses := walkShapes(t, s, "no.such.person@example.com")
	if w := s.writes(); len(w) != 0 {
		t.Errorf("an unknown account made OneLogin send or check something:%s", callLines(w))
	}
	real, ok := realOf[kind]
	if !ok {
		t.Fatalf("the unknown account was offered a %q factor", kind)
	}
	_, wantShapes, wantStatuses := walkShapes(t, s, real)
	if strings.Join(gotStatuses, ", ") != strings.Join(wantStatuses, ", ") {
		t.Errorf("statuses for an unknown account %q, for %s %q", gotStatuses, real, wantStatuses)
	}
	if len(gotShapes) != len(wantShapes) {
		t.Fatalf("%d steps for an unknown account, %d for %s", len(gotShapes), len(wantShapes), real)
	}
	for i := range gotShapes {
		if gotShapes[i] != wantShapes[i] {
			t.Errorf("step %d differs:\n unknown %s\n %s %s", i+1, gotShapes[i], real, wantShapes[i])
		}
	}
}

// The page works inside a corporate portal's iframe when
// HELPDESK_FRAME_ANCESTORS allows the portal.
func TestUnlock_insideAllowedIframe(t *testing.T) {
	t.Parallel()
	var consoleURL string
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Intranet</title></head><body>
<h1>Intranet</h1><iframe title="Unlock your account" src="%s/unlock" width="900" height="800"></iframe></body></html>`, consoleURL)
	}))
	t.Cleanup(portal.Close)
	s := startConsole(t, map[string]string{"HELPDESK_FRAME_ANCESTORS": portal.URL})
	consoleURL = s.URL
	p := s.person(t, fakeonelogin.PersonaLockedTOTP)

	page := newPage(t, "")
	_, err := page.Goto(portal.URL)
	must(t, err, "open the portal")
	frame := page.FrameLocator("iframe[title='Unlock your account']")
	f := &unlockFlow{t: t, root: frame.Locator("body")}
	f.step("start")
	f.start(p.Email)
	s.Tenant.ResetCalls()
	f.choose("authenticator", "code")
	f.code(s.Tenant.TOTP(p.ID, s.Tenant.Clock().Now()))
	f.unlocked(s, p)
}
