package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"onelogin-helpdesk/client/onelogintest"
)

// TestConsole_publicUnlockDemo: in demo mode the sign-in page links to the
// public unlock page, which needs no sign-in, carries the strict CSP and a
// CSRF token, and tells people where the fake phone and inbox are; the
// demo has a person locked by the helpdesk, recorded as such in the trail,
// whom the page verifies and then refuses, and a person locked by failed
// sign-ins whom it unlocks.
func TestConsole_publicUnlockDemo(t *testing.T) {
	s := start(t, t.TempDir(), nil)
	b := s.browser()

	login := b.get("/auth/login")
	if href, _ := login.doc.Find("[data-testid=unlock-link]").Attr("href"); href != "/unlock" {
		t.Errorf("the sign-in page links to %q, want /unlock: %.400s", href, login.body)
	}
	p := b.get("/unlock")
	if p.status != http.StatusOK || p.url.Path != "/unlock" {
		t.Fatalf("GET /unlock signed out = %d at %s, want the page itself", p.status, p.url)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	for _, kind := range []string{"push", "inbox", "authenticator"} {
		if href, _ := p.doc.Find("[data-testid=demo-" + kind + "]").Attr("href"); href != s.app.Fake().URL+"/_fake/"+kind {
			t.Errorf("the demo hint links the %s page to %q", kind, href)
		}
	}
	tok := p.doc.Find("input[name=csrf_token]").AttrOr("value", "")
	if tok == "" {
		t.Fatal("no CSRF token on the unlock page")
	}
	if p := b.post("/unlock", url.Values{"login": {onelogintest.PersonaLockedTOTP}}); p.status != http.StatusForbidden {
		t.Errorf("a post without the CSRF token = %d, want 403", p.status)
	}

	// The helpdesk's lock, in the trail as the helpdesk's.
	locked := s.app.DemoHelpdeskLocked()
	u, ok := s.tenant().FindByEmail(locked)
	if locked == "" || !ok || u.Status != onelogintest.StatusLocked {
		t.Fatalf("the demo's helpdesk lock: %q, found %v, status %d", locked, ok, u.Status)
	}
	if !strings.Contains(p.body, locked) {
		t.Error("the demo hint does not name the person the helpdesk locked")
	}
	admin := s.browser()
	admin.signIn("admin")
	rows := admin.exportRows("target=" + url.QueryEscape(locked))
	if len(rows) != 1 || rows[0]["action"] != "lock" || rows[0]["actor_email"] != onelogintest.PersonaHelpdesk ||
		rows[0]["actor_role"] != "helpdesk" || !strings.HasPrefix(rows[0]["ticket"], "SEC-311") || rows[0]["outcome"] != "succeeded" {
		t.Errorf("the trail has %v for the demo's helpdesk lock", rows)
	}

	unlock := func(login string) page {
		b := s.browser()
		tok := b.get("/unlock").doc.Find("input[name=csrf_token]").AttrOr("value", "")
		p := b.post("/unlock", url.Values{"login": {login}, "csrf_token": {tok}})
		choice := p.doc.Find("[data-testid=factor-authenticator]").AttrOr("value", "")
		if choice == "" {
			choice = p.doc.Find("[data-testid=factor-sms]").AttrOr("value", "")
		}
		b.post("/unlock/factor", url.Values{"factor": {choice}, "csrf_token": {tok}})
		f, _ := s.tenant().FindByEmail(login)
		code := s.tenant().TOTP(f.ID, s.tenant().Clock().Now())
		if c, ok := s.tenant().LastCode(f.ID); ok && p.doc.Find("[data-testid=factor-authenticator]").Length() == 0 {
			code = c
		}
		return b.post("/unlock/code", url.Values{"code": {code}, "csrf_token": {tok}})
	}
	if p := unlock(locked); p.status != http.StatusForbidden || !strings.Contains(p.body, "Your account was locked by the IT helpdesk: contact them.") {
		t.Errorf("the helpdesk-locked person after verification = %d: %.600s", p.status, p.body)
	}
	if u, _ := s.tenant().FindByEmail(locked); u.Status != onelogintest.StatusLocked {
		t.Error("the public page lifted the helpdesk's lock")
	}
	if p := unlock(onelogintest.PersonaLockedTOTP); p.status != http.StatusOK || !strings.Contains(p.body, "You can sign in again now") {
		t.Errorf("the person locked by failed sign-ins = %d: %.600s", p.status, p.body)
	}
	if u, _ := s.tenant().User(onelogintest.PersonaLockedTOTPID); u.Status != onelogintest.StatusActive {
		t.Error("the person locked by failed sign-ins is still locked")
	}
}

// TestConsole_publicUnlockOff: turned off, there is no public page: /unlock
// asks for sign-in like any page, and the sign-in page has no link.
func TestConsole_publicUnlockOff(t *testing.T) {
	s := start(t, t.TempDir(), map[string]string{"HELPDESK_PUBLIC_UNLOCK": "false"})
	b := s.browser()
	if n := b.get("/auth/login").doc.Find("[data-testid=unlock-link]").Length(); n != 0 {
		t.Error("the sign-in page links to a page that is off")
	}
	if p := b.get("/unlock"); p.url.Path != "/auth/login" {
		t.Errorf("GET /unlock with the page off ended at %s (%d), want the sign-in page", p.url, p.status)
	}
	if s.app.DemoHelpdeskLocked() != "" {
		t.Error("the demo locked someone for a page that is off")
	}
}
