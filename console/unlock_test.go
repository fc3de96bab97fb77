package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
)

// TestConsole_publicUnlockDemo: in demo mode the sign-in page links to the
// public unlock page, which needs no sign-in, carries the strict CSP and a
// CSRF token, and tells people where the fake phone and inbox are; the
// demo has a person locked by the helpdesk, recorded as such in the trail,
// whom the page verifies and then refuses, and a person locked by failed
// sign-ins whom it unlocks.
func TestConsole_publicUnlockDemo(t *testing.T) {
	s := consoletest.Start(t, nil)
	b := s.Browser(t)

	login := b.Get("/auth/login")
	if href, _ := login.Doc.Find("[data-testid=unlock-link]").Attr("href"); href != "/unlock" {
		t.Errorf("the sign-in page links to %q, want /unlock: %.400s", href, login.Body)
	}
	p := b.Get("/unlock")
	if p.Status != http.StatusOK || p.URL.Path != "/unlock" {
		t.Fatalf("GET /unlock signed out = %d at %s, want the page itself", p.Status, p.URL)
	}
	if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	for _, kind := range []string{"push", "inbox", "authenticator"} {
		if href, _ := p.Doc.Find("[data-testid=demo-" + kind + "]").Attr("href"); href != s.App.Fake().URL+"/_fake/"+kind {
			t.Errorf("the demo hint links the %s page to %q", kind, href)
		}
	}
	tok := p.Doc.Find("input[name=csrf_token]").AttrOr("value", "")
	if tok == "" {
		t.Fatal("no CSRF token on the unlock page")
	}
	if p := b.Post("/unlock", url.Values{"login": {fakeonelogin.PersonaLockedTOTP}}); p.Status != http.StatusForbidden {
		t.Errorf("a post without the CSRF token = %d, want 403", p.Status)
	}

	// The helpdesk's lock, in the trail as the helpdesk's.
	locked := s.App.DemoHelpdeskLocked()
	u, ok := s.Tenant.FindByEmail(locked)
	if locked == "" || !ok || u.Status != fakeonelogin.StatusLocked {
		t.Fatalf("the demo's helpdesk lock: %q, found %v, status %d", locked, ok, u.Status)
	}
	if !strings.Contains(p.Body, locked) {
		t.Error("the demo hint does not name the person the helpdesk locked")
	}
	admin := s.Browser(t)
	admin.SignIn("admin")
	rows := exportRows(t, admin, "target="+url.QueryEscape(locked))
	if len(rows) != 1 || rows[0]["action"] != "lock" || rows[0]["actor_email"] != fakeonelogin.PersonaHelpdesk ||
		rows[0]["actor_role"] != "helpdesk" || !strings.HasPrefix(rows[0]["ticket"], "SEC-311") || rows[0]["outcome"] != "succeeded" {
		t.Errorf("the trail has %v for the demo's helpdesk lock", rows)
	}

	unlock := func(login string) consoletest.Page {
		b := s.Browser(t)
		tok := b.Get("/unlock").Doc.Find("input[name=csrf_token]").AttrOr("value", "")
		p := b.Post("/unlock", url.Values{"login": {login}, "csrf_token": {tok}})
		choice := p.Doc.Find("[data-testid=factor-authenticator]").AttrOr("value", "")
		if choice == "" {
			choice = p.Doc.Find("[data-testid=factor-sms]").AttrOr("value", "")
		}
		b.Post("/unlock/factor", url.Values{"factor": {choice}, "csrf_token": {tok}})
		f, _ := s.Tenant.FindByEmail(login)
		code := s.Tenant.TOTP(f.ID, s.Tenant.Clock().Now())
		if c, ok := s.Tenant.LastCode(f.ID); ok && p.Doc.Find("[data-testid=factor-authenticator]").Length() == 0 {
			code = c
		}
		return b.Post("/unlock/code", url.Values{"code": {code}, "csrf_token": {tok}})
	}
	if p := unlock(locked); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Your account was locked by the IT helpdesk: contact them.") {
		t.Errorf("the helpdesk-locked person after verification = %d: %.600s", p.Status, p.Body)
	}
	if u, _ := s.Tenant.FindByEmail(locked); u.Status != fakeonelogin.StatusLocked {
		t.Error("the public page lifted the helpdesk's lock")
	}
	if p := unlock(fakeonelogin.PersonaLockedTOTP); p.Status != http.StatusOK || !strings.Contains(p.Body, "You can sign in again now") {
		t.Errorf("the person locked by failed sign-ins = %d: %.600s", p.Status, p.Body)
	}
	if u, _ := s.Tenant.User(fakeonelogin.PersonaLockedTOTPID); u.Status != fakeonelogin.StatusActive {
		t.Error("the person locked by failed sign-ins is still locked")
	}
}

// TestConsole_publicUnlockOff: turned off, there is no public page: /unlock
// asks for sign-in like any page, and the sign-in page has no link.
func TestConsole_publicUnlockOff(t *testing.T) {
	s := consoletest.Start(t, map[string]string{"HELPDESK_PUBLIC_UNLOCK": "false"})
	b := s.Browser(t)
	if n := b.Get("/auth/login").Doc.Find("[data-testid=unlock-link]").Length(); n != 0 {
		t.Error("the sign-in page links to a page that is off")
	}
	if p := b.Get("/unlock"); p.URL.Path != "/auth/login" {
		t.Errorf("GET /unlock with the page off ended at %s (%d), want the sign-in page", p.URL, p.Status)
	}
	if s.App.DemoHelpdeskLocked() != "" {
		t.Error("the demo locked someone for a page that is off")
	}
}

// TestConsole_frameAncestorsForTheUnlockPageOnly: HELPDESK_FRAME_ANCESTORS
// lets a portal frame the public unlock page; no staff page, sign-in page
// or unknown address may be framed, whatever it says.
func TestConsole_frameAncestorsForTheUnlockPageOnly(t *testing.T) {
	const portal = "https://portal.example.com"
	s := consoletest.Start(t, map[string]string{"HELPDESK_FRAME_ANCESTORS": portal})
	b := s.Browser(t)
	if csp := b.Get("/unlock").Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors "+portal) {
		t.Errorf("/unlock CSP = %q, want the portal as frame ancestor", csp)
	}
	b.SignIn("admin")
	for _, path := range []string{"/users", "/me", "/auth/login", "/no-such-page", userPath(fakeonelogin.PersonaLockedID, "")} {
		p := b.Get(path)
		if csp := p.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors 'none'") || p.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: CSP %q, X-Frame-Options %q; want no framing", path, csp, p.Header.Get("X-Frame-Options"))
		}
	}
}
