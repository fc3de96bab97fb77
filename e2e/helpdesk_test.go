//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/playwright-community/playwright-go"

	"onelogin-helpdesk/fakeonelogin"
)

// Journey 1: a helpdesk agent finds a locked-out person by part of their
// name, reads why they cannot sign in, unlocks them with a ticket number,
// and the unlock is in the audit trail with that ticket.
func TestHelpdesk_unlockLockedPerson(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	locked := s.person(t, fakeonelogin.PersonaLocked)
	const ticket = "INC-40417"

	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaHelpdesk, "/users")

	// Results appear as the agent types; nobody presses Enter.
	box := page.GetByRole("searchbox", pageNamed("Search people"))
	must(t, box.PressSequentially("margu", playwright.LocatorPressSequentiallyOptions{Delay: playwright.Float(40)}), "type part of a name")
	row := page.GetByTestId("user-row").Filter(hasText(locked.Email))
	must(t, expect.Locator(row).ToBeVisible(), "the locked person appears in the results while typing")
	must(t, expect.Locator(row.GetByTestId("status-badge")).ToContainText("Locked"), "the results show the lock")
	must(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/users\?q=margu$`)), "the search is in the URL")

	must(t, row.GetByRole("link", named(locked.Name)).Click(), "open %s", locked.Name)
	must(t, expect.Page(page).ToHaveURL(fmt.Sprintf("%s/users/%d", s.URL, locked.ID)), "the person's page opens")

	status := page.Locator("#panel-status")
	must(t, expect.Locator(status.GetByTestId("why-headline")).ToContainText("Locked until"), "the panel says the account is locked and until when")
	must(t, expect.Locator(status.GetByTestId("why")).ToContainText("6 failed sign-in attempts"), "the panel says why it was locked")
	must(t, expect.Locator(status.GetByTestId("why-fix")).ToContainText("Unlock"), "the panel says what to do")

	s.Tenant.ResetCalls()
	unlock := status.GetByTestId("unlock-form")
	must(t, unlock.GetByLabel("Ticket / reason").Fill(ticket), "type the ticket")
	must(t, unlock.GetByRole("button", named("Unlock "+locked.Name)).Click(), "press Unlock")

	must(t, expect.Locator(status.GetByTestId("notice")).ToHaveText("Unlocked "+locked.Name+". They can sign in now."), "a notice confirms the unlock")
	must(t, expect.Locator(status.GetByTestId("status-badge")).ToHaveText("Active"), "the panel's status reads Active")
	must(t, expect.Locator(page.Locator("#user-status-badge").GetByTestId("status-badge")).ToHaveText("Active"), "the header's status reads Active too")
	must(t, expect.Locator(status.GetByTestId("unlock-form")).ToHaveCount(0), "no unlock button is left")

	c := s.wantCall(t, "POST", fmt.Sprintf("/api/2/users/%d/unlock", locked.ID))
	if c.Status != 200 {
		t.Errorf("the fake answered the unlock with %d, want 200", c.Status)
	}
	if c.Header.Get("X-Request-Id") == "" {
		t.Error("the unlock call carried no X-Request-Id to join the console's log with OneLogin's")
	}
	if u, _ := s.Tenant.User(locked.ID); u.Status != fakeonelogin.StatusActive {
		t.Errorf("the fake tenant has %s at status %d after the unlock, want %d (active)", locked.Email, u.Status, fakeonelogin.StatusActive)
	}
	if n := len(s.writes()); n != 1 {
		t.Errorf("the unlock made %d changing calls, want 1:%s", n, callLines(s.writes()))
	}

	// The audit page is for admins: one signs in next to the agent.
	admin := newPage(t, "audit")
	s.signIn(t, admin, fakeonelogin.PersonaAdmin, "/audit")
	entry := admin.GetByRole("row").Filter(hasText(ticket))
	must(t, expect.Locator(entry).ToHaveCount(1), "the audit page lists the unlock with ticket %s", ticket)
	must(t, expect.Locator(entry).ToContainText(regexp.MustCompile(`(?i)unlock`)), "the audit entry names the action")
	must(t, expect.Locator(entry).ToContainText(locked.Email), "the audit entry names the person unlocked")
	must(t, expect.Locator(entry).ToContainText(fakeonelogin.PersonaHelpdesk), "the audit entry names the agent")
	must(t, expect.Locator(entry).ToContainText("OneLogin confirmed"), "the audit entry shows the outcome in words")
}

// Journey 2: the other helpdesk actions on an active person: lock for an
// hour, log out of every session, change the state, a generated password
// and a temporary MFA token (each shown once, with a copy button).
func TestHelpdesk_accountActions(t *testing.T) {
	t.Parallel()
	s := startConsole(t, nil)
	p := s.person(t, fakeonelogin.PersonaNoRoles)
	s.Tenant.StartSession(p.ID)

	page := newPage(t, "")
	s.signIn(t, page, fakeonelogin.PersonaHelpdesk, "/users")
	s.openUser(t, page, p)
	s.Tenant.ResetCalls()
	dialogs := watchDialogs(page)
	defer dialogs.noneOpened(t)

	t.Run("lock for an hour", func(t *testing.T) {
		panel := openAction(t, page, "lock", "panel-lock")
		form := panel.GetByTestId("lock-form")
		_, err := form.GetByLabel("Lock the account").SelectOption(playwright.SelectOptionValues{Labels: &[]string{"1 hour"}})
		must(t, err, "choose 1 hour")
		must(t, form.GetByLabel("Ticket / reason").Fill("INC-1001"), "type the ticket")
		must(t, form.GetByRole("button", named("Lock "+p.Name)).Click(), "press Lock")
		answerYes(t, form, "Lock "+p.Name+"'s account for 1 hour?", "Yes, lock "+p.Name)
		must(t, expect.Locator(panel.GetByTestId("notice")).ToHaveText("Locked "+p.Name+" for 1 hour."), "a notice confirms the lock")
		status := page.Locator("#panel-status")
		must(t, expect.Locator(status.GetByTestId("status-badge")).ToContainText("Locked until"), "the status shows the lock")
		must(t, expect.Locator(status.GetByTestId("unlock-form")).ToBeVisible(), "the why panel offers the unlock")

		c := s.wantCall(t, "PUT", userPath(p.ID, "/lock_user"))
		assertJSONBody(t, c, map[string]any{"locked_until": float64(60)})
		if u, _ := s.Tenant.User(p.ID); u.Status != fakeonelogin.StatusLocked {
			t.Errorf("fake status after the lock = %d, want %d", u.Status, fakeonelogin.StatusLocked)
		}
	})

	t.Run("log out of all sessions", func(t *testing.T) {
		panel := openAction(t, page, "logout", "panel-session")
		must(t, panel.GetByRole("button", named("Log "+p.Name+" out of all sessions")).Click(), "press log out")
		answerYes(t, panel, "Sign "+p.Name+" out of every OneLogin session?", "Yes, log "+p.Name+" out")
		must(t, expect.Locator(panel.GetByTestId("notice")).ToHaveText("Logged "+p.Name+" out of OneLogin. They must sign in again."), "a notice confirms the log-out")
		s.wantCall(t, "PUT", userPath(p.ID, "/logout"))
		if n := s.Tenant.Sessions(p.ID); n != 0 {
			t.Errorf("the fake still has %d sessions open for %s", n, p.Email)
		}
	})

	t.Run("set state", func(t *testing.T) {
		panel := openAction(t, page, "state", "panel-state")
		must(t, expect.Locator(panel.GetByTestId("state")).ToHaveText("Approved"), "the person starts approved")
		must(t, panel.GetByRole("button", named("Unlicense")).Click(), "press Unlicense")
		answerYes(t, panel, "Unlicense "+p.Name+"?", "Yes, unlicense "+p.Name)
		must(t, expect.Locator(panel.GetByTestId("notice")).ToHaveText("Unlicensed "+p.Name+"."), "a notice confirms the state change")
		must(t, expect.Locator(panel.GetByTestId("state")).ToHaveText("Unlicensed"), "the state reads Unlicensed")
		assertJSONBody(t, s.wantCall(t, "PUT", userPath(p.ID, "/set_state")), map[string]any{"state": float64(3)})
		if u, _ := s.Tenant.User(p.ID); u.State != fakeonelogin.StateUnlicensed {
			t.Errorf("fake state = %d, want %d", u.State, fakeonelogin.StateUnlicensed)
		}
	})

	t.Run("generated password shown once", func(t *testing.T) {
		panel := openAction(t, page, "password", "panel-password")
		must(t, panel.GetByRole("button", named("Generate a strong password")).Click(), "press Generate")
		answerYes(t, panel, "Replace "+p.Name+"'s password with a generated one?", "Yes, generate and set a password")
		must(t, expect.Locator(panel.GetByTestId("notice")).ToContainText("Set a new password for "+p.Name), "a notice confirms the reset")
		secret := panel.GetByTestId("secret")
		must(t, expect.Locator(secret).ToBeVisible(), "the generated password is shown")
		password, err := secret.Locator("code").TextContent()
		must(t, err, "read the password")
		if utf8.RuneCountInString(password) < 16 {
			t.Errorf("generated password %d characters long, want at least 16", utf8.RuneCountInString(password))
		}
		s.wantCall(t, "PUT", "/api/1/users/set_password_clear_text/"+fmt.Sprint(p.ID))
		if !s.Tenant.CheckPassword(p.ID, password) {
			t.Error("the password on the page is not the one the fake tenant was given")
		}
		assertCopies(t, page, secret, password)

		_, err = page.Reload()
		must(t, err, "reload")
		must(t, expect.Locator(page.GetByTestId("user-name")).ToHaveText(p.Name), "the page reloads")
		must(t, expect.Locator(page.GetByTestId("secret")).ToHaveCount(0), "the password is gone after a reload")
		assertNotInPage(t, page, password, "the generated password")
	})

	t.Run("MFA token shown once", func(t *testing.T) {
		panel := openAction(t, page, "mfa-token", "panel-mfa")
		must(t, panel.GetByRole("button", named("Create a token for "+p.Name)).Click(), "press Create a token")
		must(t, expect.Locator(panel.GetByTestId("notice")).ToContainText("Created a temporary MFA token for "+p.Name), "a notice confirms the token")
		secret := panel.GetByTestId("secret")
		must(t, expect.Locator(secret).ToBeVisible(), "the token is shown")
		must(t, expect.Locator(secret).ToContainText("Valid until"), "the token's expiry is shown")
		token, err := secret.Locator("code").TextContent()
		must(t, err, "read the token")
		c := s.wantCall(t, "POST", userPath(p.ID, "/mfa_token"))
		assertJSONBody(t, c, map[string]any{"expires_in": float64(3600), "reusable": false})
		if n := s.Tenant.ActiveMFATokens(p.ID); n != 1 {
			t.Errorf("the fake has %d active MFA tokens for %s, want 1", n, p.Email)
		}
		assertCopies(t, page, secret, token)

		_, err = page.Reload()
		must(t, err, "reload")
		must(t, expect.Locator(page.GetByTestId("user-name")).ToHaveText(p.Name), "the page reloads")
		must(t, expect.Locator(page.GetByTestId("secret")).ToHaveCount(0), "the token is gone after a reload")
		assertNotInPage(t, page, token, "the MFA token")
		if !s.Tenant.UseMFAToken(p.ID, token) {
			t.Error("the token on the page does not work at the fake tenant")
		}
	})
}

// assertJSONBody checks the named fields of a call's JSON body.
func assertJSONBody(t *testing.T, c fakeonelogin.Call, want map[string]any) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal(c.Body, &got); err != nil {
		t.Errorf("%s %s: body is not a JSON object: %v: %s", c.Method, c.Path, err, c.Body)
		return
	}
	for k, v := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(v) {
			t.Errorf("%s %s: body %s = %v, want %v (body %s)", c.Method, c.Path, k, got[k], v, c.Body)
		}
	}
}

// assertCopies presses the secret's Copy button and checks the clipboard.
func assertCopies(t *testing.T, page playwright.Page, secret playwright.Locator, want string) {
	t.Helper()
	copyButton := secret.GetByRole("button", named("Copy"))
	must(t, expect.Locator(copyButton).ToBeVisible(), "the secret has a copy button")
	// Clear the clipboard first, so a button that does nothing cannot pass.
	_, err := page.Evaluate(`() => navigator.clipboard.writeText("")`)
	must(t, err, "clear the clipboard")
	must(t, copyButton.Click(), "press Copy")
	// The copy is asynchronous: wait for the clipboard to fill.
	_, err = page.WaitForFunction(`async () => (await navigator.clipboard.readText()) !== ""`, nil)
	must(t, err, "wait for Copy to fill the clipboard")
	v, err := page.Evaluate(`() => navigator.clipboard.readText()`)
	must(t, err, "read the clipboard")
	got, _ := v.(string)
	if got != want {
		t.Errorf("after Copy the clipboard holds %q, want the secret shown", got)
	}
}

// assertNotInPage checks that a secret is nowhere in the page's HTML.
func assertNotInPage(t *testing.T, page playwright.Page, secret, what string) {
	t.Helper()
	html, err := page.Content()
	must(t, err, "read the page")
	if strings.Contains(html, secret) {
		t.Errorf("%s is still in the page after a reload", what)
	}
}
