//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"onelogin-helpdesk/fakeonelogin"
)

// Journey 4: a viewer may read a person's page but sees no controls that
// change anything, and a POST forged from their own page, with their own
// valid CSRF token, is refused by the server without calling OneLogin.
func TestViewer_readOnly(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	locked := s.person(t, fakeonelogin.PersonaLocked)

	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaViewer, "/users")
	s.openUser(t, page, locked)

	userPage := page.GetByTestId("user-page")
	must(t, expect.Locator(userPage.GetByTestId("why-headline")).ToContainText("Locked"), "the viewer can read why the person is locked")
	must(t, expect.Locator(userPage.Locator("form")).ToHaveCount(0), "the person's page has no forms for a viewer")
	// Copy buttons (email, id) change nothing; there is no other button.
	must(t, expect.Locator(userPage.Locator("button:not([data-copy])")).ToHaveCount(0), "the person's page has no buttons for a viewer")
	must(t, expect.Locator(userPage.GetByRole("textbox")).ToHaveCount(0), "the person's page has no inputs for a viewer")
	for _, id := range []string{"panel-session", "panel-password", "panel-mfa", "panel-state", "panel-danger"} {
		must(t, expect.Locator(page.Locator("#"+id)).ToHaveCount(0), "no %s for a viewer", id)
	}

	// The page's own CSRF token, as htmx would send it.
	raw, err := page.Locator("body").GetAttribute("hx-headers")
	must(t, err, "read hx-headers")
	var headers map[string]string
	if err := json.Unmarshal([]byte(raw), &headers); err != nil || headers["X-CSRF-Token"] == "" {
		t.Fatalf("body hx-headers %q carries no X-CSRF-Token (%v)", raw, err)
	}
	token := headers["X-CSRF-Token"]

	s.Tenant.ResetCalls()
	res, err := page.Evaluate(`async ([url, token]) => {
		const r = await fetch(url, {
			method: "POST",
			headers: { "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({ csrf_token: token, ticket: "forged" }),
		});
		return { status: r.status, body: await r.text() };
	}`, []any{fmt.Sprintf("/users/%d/unlock", locked.ID), token})
	must(t, err, "send the forged POST")
	answer, _ := res.(map[string]any)
	if status := fmt.Sprint(answer["status"]); status != "403" {
		t.Errorf("the forged unlock answered %s, want 403", status)
	}
	// The refusal is about the role, not the token: the token was the page's own.
	if body, _ := answer["body"].(string); !strings.Contains(body, "viewer") {
		t.Errorf("the 403 does not say the viewer's role is the reason; body:\n%s", truncate(body, 2000))
	}
	if w := s.writes(); len(w) != 0 {
		t.Errorf("the fake tenant received changing calls after a refused POST:%s", callLines(w))
	}
	if n := s.Tenant.CallCount("", "/api/2/users/"); n != 0 {
		t.Errorf("the fake tenant received %d unlock calls", n)
	}
	if u, _ := s.Tenant.User(locked.ID); u.Status != fakeonelogin.StatusLocked {
		t.Errorf("%s is no longer locked at the fake tenant (status %d)", locked.Email, u.Status)
	}
}
