package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
)

// copyOf is another browser holding b's cookies: someone who copied them.
func copyOf(t *testing.T, s *consoletest.Console, b *consoletest.Browser) *consoletest.Browser {
	c := s.Browser(t)
	u, _ := url.Parse(s.URL)
	c.Client().Jar.SetCookies(u, b.Cookies())
	return c
}

// sessionsToken is the CSRF token of the sessions page's forms.
func sessionsToken(t *testing.T, b *consoletest.Browser) string {
	t.Helper()
	p := b.Get("/sessions")
	tok, _ := p.Doc.Find("input[name=csrf_token]").First().Attr("value")
	if p.Status != http.StatusOK || tok == "" {
		t.Fatalf("/sessions: %d %.300s", p.Status, p.Body)
	}
	return tok
}

// TestConsole_signOutEndsTheSession: the report: a copied cookie
// still opened /audit after sign-out. Now it does not.
func TestConsole_signOutEndsTheSession(t *testing.T) {
	s := consoletest.Start(t, nil)
	admin := s.Browser(t)
	admin.SignIn("admin")
	copied := copyOf(t, s, admin)
	if p := copied.Get("/audit"); p.Status != http.StatusOK || p.URL.Path != "/audit" {
		t.Fatalf("the copy before sign-out: %d at %s", p.Status, p.URL.Path)
	}
	if p := admin.Post("/auth/logout", url.Values{"csrf_token": {sessionsToken(t, admin)}}); p.URL.Path != "/auth/signed-out" {
		t.Fatalf("sign-out ended at %s (%d)", p.URL.Path, p.Status)
	}
	if p := copied.Get("/audit"); p.URL.Path != "/auth/login" {
		t.Errorf("the copied cookie after sign-out opened %s (%d)", p.URL.Path, p.Status)
	}
}

// TestConsole_sessionsPage: everyone sees their own sessions and can end
// the others; an admin sees everyone's and ends one; each ending is in the
// audit trail.
func TestConsole_sessionsPage(t *testing.T) {
	s := consoletest.Start(t, nil)
	laptop, phone, admin := s.Browser(t), s.Browser(t), s.Browser(t)
	laptop.SignIn("helpdesk")
	phone.SignIn("helpdesk")
	admin.SignIn("admin")

	p := laptop.Get("/sessions")
	own := p.Doc.Find("[data-testid=own-sessions] [data-testid=session-row]")
	if own.Length() != 2 || p.Doc.Find("[data-testid=this-session]").Length() != 1 || p.Doc.Find("[data-testid=all-sessions]").Length() != 0 {
		t.Fatalf("helpdesk's sessions page: %d own rows: %.800s", own.Length(), p.Body)
	}
	if !strings.Contains(own.First().Text(), "helpdesk") || !strings.Contains(own.First().Text(), "127.0.0.1") {
		t.Errorf("a row lacks the role or the source: %q", own.First().Text())
	}
	p = laptop.Post("/sessions/others/revoke", url.Values{"csrf_token": {sessionsToken(t, laptop)}})
	if p.Status != http.StatusOK || !strings.Contains(p.Text("[data-testid=notice]"), "other session has ended") {
		t.Fatalf("sign out my other sessions: %d %q", p.Status, p.Text("[data-testid=notice]"))
	}
	if p := phone.Get("/me"); p.URL.Path != "/auth/login" {
		t.Errorf("the phone after 'sign out my other sessions': %s", p.URL.Path)
	}
	if p := laptop.Get("/me"); p.Status != http.StatusOK || p.URL.Path != "/me" {
		t.Errorf("the laptop: %d at %s", p.Status, p.URL.Path)
	}

	p = admin.Get("/sessions")
	var target string
	p.Doc.Find("[data-testid=all-sessions] [data-testid=session-row]").Each(func(_ int, row *goquery.Selection) {
		if row.AttrOr("data-email", "") == fakeonelogin.PersonaHelpdesk {
			target, _ = row.Find("form").Attr("action")
		}
	})
	if target == "" {
		t.Fatalf("the admin's list has no helpdesk session to end: %.800s", p.Body)
	}
	p = admin.Post(target, url.Values{"csrf_token": {sessionsToken(t, admin)}})
	if q := p.Text("[data-testid=confirm]"); p.Status != http.StatusOK || !strings.Contains(q, "End the session of "+fakeonelogin.PersonaHelpdesk) {
		t.Fatalf("the first press asks nothing: %d %q", p.Status, q)
	}
	if p := laptop.Get("/me"); p.URL.Path != "/me" {
		t.Fatalf("asking ended the laptop's session: %s", p.URL.Path)
	}
	p = admin.Post(target, url.Values{"csrf_token": {sessionsToken(t, admin)}, "confirmed": {strings.Split(target, "/")[2]}})
	if p.Status != http.StatusOK || !strings.Contains(p.Text("[data-testid=notice]"), fakeonelogin.PersonaHelpdesk) {
		t.Fatalf("revoke: %d %q", p.Status, p.Text("[data-testid=notice]"))
	}
	if p := laptop.Get("/me"); p.URL.Path != "/auth/login" {
		t.Errorf("the revoked laptop: %s", p.URL.Path)
	}
	rows := exportRows(t, admin, "")
	var actions []string
	for _, r := range rows {
		actions = append(actions, r["action"]+":"+r["outcome"]+":"+r["target_email"])
	}
	joined := strings.Join(actions, " ")
	for _, want := range []string{"revoke_session:succeeded:" + fakeonelogin.PersonaHelpdesk, "self_sessions:succeeded:" + fakeonelogin.PersonaHelpdesk} {
		if !strings.Contains(joined, want) {
			t.Errorf("the trail lacks %s: %s", want, joined)
		}
	}
}

// TestConsole_proxyRevokeBlocks: behind a signing-in proxy, ending a
// session alone would sign nobody out (the proxy's headers begin a new one
// on the next request), so an admin's "End session" keeps the person out,
// on every replica, until an admin lifts it; the sessions page says so.
func TestConsole_proxyRevokeBlocks(t *testing.T) {
	s := consoletest.Start(t, behindProxy(map[string]string{"HELPDESK_REVOKE_BLOCK": "2h"}))
	replica := consoletest.Start(t, behindProxy(map[string]string{"HELPDESK_AUDIT_DB": s.Config.Audit.DB}))
	admin, agent, agentElsewhere := s.Browser(t), asHelpdesk(s.Browser(t)), asHelpdesk(replica.Browser(t))
	admin.ProxySignIn(fakeonelogin.PersonaAdmin, fakeonelogin.GroupAdmins)
	if p := agent.Get("/me"); p.Status != http.StatusOK {
		t.Fatalf("the agent before: %d", p.Status)
	}

	var target string
	admin.Get("/sessions").Doc.Find("[data-testid=all-sessions] [data-testid=session-row]").Each(func(_ int, row *goquery.Selection) {
		if row.AttrOr("data-email", "") == fakeonelogin.PersonaHelpdesk {
			target, _ = row.Find("form").Attr("action")
		}
	})
	if target == "" {
		t.Fatal("no session of the agent to end")
	}
	p := admin.Post(target, url.Values{"csrf_token": {sessionsToken(t, admin)}, "confirmed": {strings.Split(target, "/")[2]}})
	if notice := p.Text("[data-testid=notice]"); p.Status != http.StatusOK || !strings.Contains(notice, "cannot use the console until") {
		t.Fatalf("revoke: %d %q", p.Status, notice)
	}
	if p.Doc.Find(`[data-testid=block-row][data-email="`+fakeonelogin.PersonaHelpdesk+`"]`).Length() != 1 {
		t.Errorf("the sessions page does not list the block: %.600s", p.Body)
	}
	for name, b := range map[string]*consoletest.Browser{"this replica": agent, "the other replica": agentElsewhere} {
		if p := b.Get("/me"); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "An admin ended your console session") {
			t.Errorf("the agent on %s after the revocation: %d %.200s", name, p.Status, p.Body)
		}
	}

	p = admin.Post("/sessions/blocks/lift", url.Values{"csrf_token": {sessionsToken(t, admin)}, "email": {fakeonelogin.PersonaHelpdesk}})
	if notice := p.Text("[data-testid=notice]"); p.Status != http.StatusOK || !strings.Contains(notice, "may use the console again") {
		t.Fatalf("lift: %d %q", p.Status, notice)
	}
	if p := agent.Get("/me"); p.Status != http.StatusOK {
		t.Errorf("the agent after the block was lifted: %d", p.Status)
	}
	joined := ""
	for _, r := range exportRows(t, admin, "") {
		joined += r["action"] + ":" + r["outcome"] + ":" + r["target_email"] + ":" + r["params"] + " "
	}
	if strings.Count(joined, "revoke_session:succeeded:"+fakeonelogin.PersonaHelpdesk) != 2 {
		t.Errorf("the trail lacks the revocation and the lift: %s", joined)
	}
}
