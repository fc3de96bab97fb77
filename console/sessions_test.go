package console_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/client/onelogintest"
)

// copyOf is another browser holding b's cookies: someone who copied them.
func (b *browser) copyOf() *browser {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(b.s.srv.URL)
	jar.SetCookies(u, b.http.Jar.Cookies(u))
	return &browser{t: b.t, s: b.s, http: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

// sessionsToken is the CSRF token of the sessions page's forms.
func (b *browser) sessionsToken() string {
	b.t.Helper()
	p := b.get("/sessions")
	tok, _ := p.doc.Find("input[name=csrf_token]").First().Attr("value")
	if p.status != http.StatusOK || tok == "" {
		b.t.Fatalf("/sessions: %d %.300s", p.status, p.body)
	}
	return tok
}

// TestConsole_signOutEndsTheSession: the report: a copied cookie
// still opened /audit after sign-out. Now it does not.
func TestConsole_signOutEndsTheSession(t *testing.T) {
	s := start(t, t.TempDir(), nil)
	admin := s.browser()
	admin.signIn("admin")
	copied := admin.copyOf()
	if p := copied.get("/audit"); p.status != http.StatusOK || p.url.Path != "/audit" {
		t.Fatalf("the copy before sign-out: %d at %s", p.status, p.url.Path)
	}
	if p := admin.post("/auth/logout", url.Values{"csrf_token": {admin.sessionsToken()}}); p.url.Path != "/auth/signed-out" {
		t.Fatalf("sign-out ended at %s (%d)", p.url.Path, p.status)
	}
	if p := copied.get("/audit"); p.url.Path != "/auth/login" {
		t.Errorf("the copied cookie after sign-out opened %s (%d)", p.url.Path, p.status)
	}
}

// TestConsole_sessionsPage: everyone sees their own sessions and can end
// the others; an admin sees everyone's and ends one; each ending is in the
// audit trail.
func TestConsole_sessionsPage(t *testing.T) {
	s := start(t, t.TempDir(), nil)
	laptop, phone, admin := s.browser(), s.browser(), s.browser()
	laptop.signIn("helpdesk")
	phone.signIn("helpdesk")
	admin.signIn("admin")

	p := laptop.get("/sessions")
	own := p.doc.Find("[data-testid=own-sessions] [data-testid=session-row]")
	if own.Length() != 2 || p.doc.Find("[data-testid=this-session]").Length() != 1 || p.doc.Find("[data-testid=all-sessions]").Length() != 0 {
		t.Fatalf("helpdesk's sessions page: %d own rows: %.800s", own.Length(), p.body)
	}
	if !strings.Contains(own.First().Text(), "helpdesk") || !strings.Contains(own.First().Text(), "127.0.0.1") {
		t.Errorf("a row lacks the role or the source: %q", own.First().Text())
	}
	p = laptop.post("/sessions/others/revoke", url.Values{"csrf_token": {laptop.sessionsToken()}})
	if p.status != http.StatusOK || !strings.Contains(p.text("[data-testid=notice]"), "other session has ended") {
		t.Fatalf("sign out my other sessions: %d %q", p.status, p.text("[data-testid=notice]"))
	}
	if p := phone.get("/me"); p.url.Path != "/auth/login" {
		t.Errorf("the phone after 'sign out my other sessions': %s", p.url.Path)
	}
	if p := laptop.get("/me"); p.status != http.StatusOK || p.url.Path != "/me" {
		t.Errorf("the laptop: %d at %s", p.status, p.url.Path)
	}

	p = admin.get("/sessions")
	var target string
	p.doc.Find("[data-testid=all-sessions] [data-testid=session-row]").Each(func(_ int, row *goquery.Selection) {
		if row.AttrOr("data-email", "") == onelogintest.PersonaHelpdesk {
			target, _ = row.Find("form").Attr("action")
		}
	})
	if target == "" {
		t.Fatalf("the admin's list has no helpdesk session to end: %.800s", p.body)
	}
	p = admin.post(target, url.Values{"csrf_token": {admin.sessionsToken()}})
	if p.status != http.StatusOK || !strings.Contains(p.text("[data-testid=notice]"), onelogintest.PersonaHelpdesk) {
		t.Fatalf("revoke: %d %q", p.status, p.text("[data-testid=notice]"))
	}
	if p := laptop.get("/me"); p.url.Path != "/auth/login" {
		t.Errorf("the revoked laptop: %s", p.url.Path)
	}
	rows := admin.exportRows("")
	var actions []string
	for _, r := range rows {
		actions = append(actions, r["action"]+":"+r["outcome"]+":"+r["target_email"])
	}
	joined := strings.Join(actions, " ")
	for _, want := range []string{"revoke_session:succeeded:" + onelogintest.PersonaHelpdesk, "self_sessions:succeeded:" + onelogintest.PersonaHelpdesk} {
		if !strings.Contains(joined, want) {
			t.Errorf("the trail lacks %s: %s", want, joined)
		}
	}
}
