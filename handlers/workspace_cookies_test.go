package handlers_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/fakeonelogin"
)

// TestWorkspaceCookies_tamperedAreIgnored: the working-ticket and
// recent-people cookies are signed; one edited in the browser, written
// unsigned, signed by another console or moved to the other cookie's name
// is ignored, as if absent.
func TestWorkspaceCookies_tamperedAreIgnored(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, signedInAs(fakeonelogin.PersonaHelpdesk))
	s := newSession(c)
	wantStatus(t, s.do("POST", "/ticket", url.Values{"ticket": {"INC-123"}}, true), 200)
	wantStatus(t, s.get("/users/"+id(fakeonelogin.PersonaLockedID)), 200)
	ticket, recent := s.jar["helpdesk_ticket"], s.jar["helpdesk_recent"]
	if ticket == nil || recent == nil {
		t.Fatalf("cookies set: %v", s.jar)
	}
	seen := func(jar map[string]*http.Cookie) (string, int) {
		s.jar = jar
		d := doc(t, s.get("/users"))
		return d.Find("#working-ticket").AttrOr("value", ""), d.Find(`[data-testid="recent-person"]`).Length()
	}
	if tk, n := seen(map[string]*http.Cookie{"helpdesk_ticket": ticket, "helpdesk_recent": recent}); tk != "INC-123" || n != 1 {
		t.Fatalf("as written: ticket %q, %d recent people", tk, n)
	}

	encode := func(v string) string { return base64.RawURLEncoding.EncodeToString([]byte(v)) }
	payload, sig, _ := strings.Cut(ticket.Value, ".")
	forged := encode(`{"e":"` + fakeonelogin.PersonaHelpdesk + `","t":"INC-666"}`)
	other := newConsole(t, access.RoleHelpdesk, signedInAs(fakeonelogin.PersonaHelpdesk))
	elsewhere := newSession(other)
	wantStatus(t, elsewhere.do("POST", "/ticket", url.Values{"ticket": {"INC-666"}}, true), 200)
	for name, value := range map[string]string{
		"edited":             forged + "." + sig,
		"unsigned":           forged,
		"signature cut":      payload + ".",
		"another console's":  elsewhere.jar["helpdesk_ticket"].Value,
		"the other cookie's": recent.Value,
		"signature rotated":  payload + "." + sig[1:] + sig[:1],
	} {
		t.Run(name, func(t *testing.T) {
			jar := map[string]*http.Cookie{"helpdesk_ticket": {Name: "helpdesk_ticket", Value: value}}
			if name == "the other cookie's" {
				jar = map[string]*http.Cookie{"helpdesk_recent": {Name: "helpdesk_recent", Value: ticket.Value}, "helpdesk_ticket": {Name: "helpdesk_ticket", Value: value}}
			}
			if tk, n := seen(jar); tk != "" || n != 0 {
				t.Errorf("ticket %q and %d recent people from a cookie the console did not write", tk, n)
			}
		})
	}
}
