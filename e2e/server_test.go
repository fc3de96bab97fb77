//go:build e2e

package e2e

import (
	"fmt"
	"maps"
	"net/url"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
)

// consoleServer is one console, started in-process for one test, with the
// embedded fake tenant behind it.
type consoleServer struct {
	*consoletest.Console
}

// startConsole serves a fresh console on 127.0.0.1 for t (consoletest):
// its own fake tenant, its own audit database, sign-in through the fake
// tenant's OIDC provider unless settings say otherwise. settings override
// the defaults by HELPDESK_* / ONELOGIN_* name; the process environment is
// never read, so a developer's ONELOGIN_* cannot point a test at a real
// tenant.
func startConsole(t *testing.T, settings map[string]string) *consoleServer {
	t.Helper()
	env := map[string]string{
		"HELPDESK_AUTH_MODE": "oidc",
		"HELPDESK_LOG_LEVEL": "info",
		// A smaller tenant seeds faster; the personas are always there.
		"HELPDESK_FAKE_USERS": "300",
		// The fake tenant's role names, mapped to the console's roles.
		"HELPDESK_ADMIN_GROUPS":    fakeonelogin.GroupAdmins,
		"HELPDESK_HELPDESK_GROUPS": fakeonelogin.GroupHelpdesk,
		"HELPDESK_VIEWER_GROUPS":   fakeonelogin.GroupViewers,
	}
	maps.Copy(env, settings)
	c := consoletest.Start(t, env)
	if c.Tenant == nil {
		t.Fatal("console.New started no embedded fake tenant; the journeys need it")
	}
	return &consoleServer{c}
}

// signIn signs page in as email through the fake tenant's OIDC provider:
// the console sends the browser there, the person is found with the
// provider's search box and picked, and the browser comes back signed in
// at next.
func (s *consoleServer) signIn(t *testing.T, page playwright.Page, email, next string) {
	t.Helper()
	_, err := page.Goto(s.URL + "/auth/login?next=" + url.QueryEscape(next))
	must(t, err, "open sign-in")
	// The provider lists at most 100 people; searching finds anyone.
	must(t, page.GetByTestId("search").Fill(email), "search the provider for %s", email)
	must(t, page.GetByTestId("search-button").Click(), "search the provider")
	must(t, page.GetByTestId("pick-"+email).Click(), "pick %s on the provider's page", email)
	must(t, page.WaitForURL(s.URL+next+"**"), "come back to the console at %s after signing in as %s", next, email)
	must(t, expect.Locator(page.GetByTestId("whoami")).ToHaveText(email), "the console shows who is signed in")
}

// writes returns the fake tenant's recorded API calls that change something
// (anything but GET; token and sign-in traffic left out), for asserting what
// the console asked OneLogin to do.
func (s *consoleServer) writes() []fakeonelogin.Call {
	var out []fakeonelogin.Call
	for _, c := range s.Tenant.Calls() {
		if c.Method == "GET" || strings.HasPrefix(c.Path, "/auth/oauth2") || strings.HasPrefix(c.Path, "/oidc/") {
			continue
		}
		out = append(out, c)
	}
	return out
}

// callLines formats calls for a failure message.
func callLines(cs []fakeonelogin.Call) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "\n  %s %s -> %d %s", c.Method, c.Path, c.Status, truncate(string(c.Body), 200))
	}
	if b.Len() == 0 {
		return " (none)"
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// wantCall finds the one write call with this method and path and returns
// it; it fails t when there is none or more than one.
func (s *consoleServer) wantCall(t *testing.T, method, path string) fakeonelogin.Call {
	t.Helper()
	var found []fakeonelogin.Call
	for _, c := range s.writes() {
		if c.Method == method && c.Path == path {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s %s at the fake tenant, got %d; its writes:%s", method, path, len(found), callLines(s.writes()))
	}
	return found[0]
}

// person is someone in the fake tenant as the console's pages name them.
type person struct {
	ID    int64
	Email string
	Name  string // "First Last", as client.User.Name gives it
}

func (s *consoleServer) person(t *testing.T, email string) person {
	t.Helper()
	u, ok := s.Tenant.FindByEmail(email)
	if !ok {
		t.Fatalf("the fake tenant has no %s", email)
	}
	return person{ID: u.ID, Email: u.Email, Name: strings.TrimSpace(u.Firstname + " " + u.Lastname)}
}

// openUser loads a person's page and waits until it shows them.
func (s *consoleServer) openUser(t *testing.T, page playwright.Page, p person) {
	t.Helper()
	_, err := page.Goto(fmt.Sprintf("%s/users/%d", s.URL, p.ID))
	must(t, err, "open the page of %s", p.Email)
	must(t, expect.Locator(page.GetByTestId("user-name")).ToHaveText(p.Name), "the page of %s shows their name", p.Email)
	// The sign-in activity comes after the page; wait for it, so that its
	// calls to OneLogin are not taken for the journey's.
	must(t, expect.Locator(page.GetByTestId("activity-loading")).ToHaveCount(0), "the sign-in activity of %s arrives", p.Email)
}

// userPath is the fake tenant's v1 path of a user, plus suffix.
func userPath(id int64, suffix string) string {
	return fmt.Sprintf("/api/1/users/%d%s", id, suffix)
}

// named is the options for a role locator with an exact accessible name.
func named(name string) playwright.LocatorGetByRoleOptions {
	return playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}
}

// pageNamed is named for page-level locators.
func pageNamed(name string) playwright.PageGetByRoleOptions {
	return playwright.PageGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}
}

// hasText narrows a locator to elements containing text.
func hasText(text any) playwright.LocatorFilterOptions {
	return playwright.LocatorFilterOptions{HasText: text}
}
