package console_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
)

// TestConsole_demoStartsAfterSpray: the demo tenant starts just after a
// password spray, so Locked now has people on it, each locked after failed
// sign-ins, with a bulk unlock offered to an admin.
func TestConsole_demoStartsAfterSpray(t *testing.T) {
	s := consoletest.Start(t, map[string]string{"HELPDESK_FAKE_USERS": "300"})
	b := s.Browser(t)
	b.SignIn("admin")
	p := b.Get("/locked")
	if p.Status != 200 {
		t.Fatalf("/locked = %d: %.300s", p.Status, p.Body)
	}
	sprayed := 0
	p.Doc.Find("[data-testid=locked-row] [data-testid=locked-why]").Each(func(_ int, why *goquery.Selection) {
		if strings.HasPrefix(strings.TrimSpace(why.Text()), "After ") {
			sprayed++
		}
	})
	if sprayed < 20 {
		t.Errorf("%d people on Locked now were locked after failed sign-ins, want the demo's spray of 24", sprayed)
	}
	if p.Doc.Find("[data-testid=bulk-unlock]").Length() != 1 {
		t.Error("an admin is not offered a bulk unlock")
	}
}

// TestConsole_oidcSignInIsAnEvent: signing in through the demo's OpenID
// Connect provider is a sign-in to OneLogin and to the console's app in the
// tenant's events, from the browser's address.
func TestConsole_oidcSignInIsAnEvent(t *testing.T) {
	s := consoletest.Start(t, map[string]string{"HELPDESK_AUTH_MODE": "oidc"})
	b := s.Browser(t)
	action, fields := oidcStart(t, b, "/users")
	fields.Set("person", strconv.FormatInt(fakeonelogin.PersonaHelpdeskID, 10))
	if p := pick(t, b, action, fields); p.Status != 200 {
		t.Fatalf("sign-in: %d", p.Status)
	}
	fake := s.App.Fake()
	ol, err := client.New(fake.URL, fake.ClientID, fake.ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	evs, _, err := ol.ListEvents(context.Background(), client.EventQuery{UserID: fakeonelogin.PersonaHelpdeskID,
		TypeIDs: []int{client.EventLoggedIn, client.EventLoggedIntoApp}})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("sign-in events = %+v, want one into OneLogin and one into the console's app", evs)
	}
	for _, e := range evs {
		if e.IPAddr != "127.0.0.1" || e.ActorUserID != fakeonelogin.PersonaHelpdeskID {
			t.Errorf("event %d from %q by %d", e.TypeID, e.IPAddr, e.ActorUserID)
		}
		if e.TypeID == client.EventLoggedIntoApp && e.AppName != "OneLogin Helpdesk" {
			t.Errorf("app sign-in names %q", e.AppName)
		}
	}
}
