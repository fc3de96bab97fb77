package handlers_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/fakeonelogin"
)

// secretShownOnce checks that a one-time secret is in the answer exactly
// once, as the text of its element, and nowhere else: not in headers, the
// log or the audit trail.
func secretShownOnce(t *testing.T, c *console, rec *httptest.ResponseRecorder, elementID string) string {
	t.Helper()
	d := doc(t, rec)
	secret := strings.TrimSpace(d.Find("#" + elementID).Text())
	if secret == "" {
		t.Fatalf("no #%s in %s", elementID, rec.Body)
	}
	// The page holds the secret HTML-escaped (the generator's special
	// characters include & and '), so count that form.
	if n := strings.Count(rec.Body.String(), html.EscapeString(secret)); n != 1 {
		t.Errorf("secret appears %d times in the answer, want 1", n)
	}
	if sel, _ := d.Find(`[data-copy="#` + elementID + `"]`).Attr("type"); sel != "button" {
		t.Errorf("no copy button for #%s", elementID)
	}
	for k, vs := range rec.Header() {
		for _, v := range vs {
			if strings.Contains(v, secret) {
				t.Errorf("secret in header %s", k)
			}
		}
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", rec.Header().Get("Cache-Control"))
	}
	// JSON logs escape <, > and &, so look for the encoded form too.
	encoded, _ := json.Marshal(secret)
	if log := c.logBuf.String(); strings.Contains(log, secret) || strings.Contains(log, strings.Trim(string(encoded), `"`)) {
		t.Errorf("secret in the log")
	}
	for _, r := range c.records() {
		if strings.Contains(fmt.Sprintf("%+v", r), secret) {
			t.Errorf("secret in audit record %+v", r)
		}
	}
	return secret
}

func TestActions_generatedPassword(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	id := c.userID(fakeonelogin.PersonaPasswordExpired)
	rec := c.postConfirmed(actPath(id, "password"), url.Values{"mode": {"generate"}, "validate_policy": {"true"}, "ticket": {"INC-55"},
		"password": {"ignored-typed"}, "password_confirmation": {"ignored-other"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	actFragment(t, rec, "panel-password")
	pw := secretShownOnce(t, c, rec, "generated-password")
	if len(pw) != 19 || strings.Count(pw, "-") != 3 {
		t.Errorf("generated password %d characters long; want four groups of four", len(pw))
	}
	if !c.fake.Tenant.CheckPassword(id, pw) {
		t.Errorf("the shown password is not the one set")
	}
	if c.fake.Tenant.CheckPassword(id, "ignored-typed") {
		t.Errorf("the typed password was used")
	}
	r := actOneRecord(t, c)
	if r.Params["method"] != "generated" || r.Params["validate_policy"] != "true" || r.Ticket != "INC-55" {
		t.Errorf("audit params = %v ticket %q", r.Params, r.Ticket)
	}
	// Each generation gives a new password.
	rec2 := c.postConfirmed(actPath(id, "password"), url.Values{"mode": {"generate"}})
	if pw2 := strings.TrimSpace(doc(t, rec2).Find("#generated-password").Text()); pw2 == "" || pw2 == pw {
		t.Errorf("second generation gave %q", pw2)
	}
}

// Without JavaScript the generated password cannot survive a redirect, so
// the answer is a page that shows it.
func TestActions_generatedPasswordWithoutJavaScript(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	id := c.userID(fakeonelogin.PersonaPasswordExpired)
	rec := c.doConfirmed("POST", actPath(id, "password"), url.Values{"mode": {"generate"}}, false)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if doc(t, rec).Find("html [data-testid=action-page] #panel-password").Length() != 1 {
		t.Errorf("want a whole page with the password panel")
	}
	pw := secretShownOnce(t, c, rec, "generated-password")
	if !c.fake.Tenant.CheckPassword(id, pw) {
		t.Errorf("the shown password is not the one set")
	}
}

func TestActions_mfaToken(t *testing.T) {
	for _, tc := range []struct {
		expires  string
		reusable bool
		valid    time.Duration
	}{
		{"600", false, 10 * time.Minute},
		{"259200", true, 72 * time.Hour},
	} {
		t.Run(tc.expires, func(t *testing.T) {
			c := newConsole(t, access.RoleHelpdesk)
			id := c.userID(fakeonelogin.PersonaNoRoles)
			form := url.Values{"expires_in": {tc.expires}, "ticket": {"INC-77"}}
			if tc.reusable {
				form.Set("reusable", "true")
			}
			rec := c.post(actPath(id, "mfa-token"), form)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			d := actFragment(t, rec, "panel-mfa")
			tok := secretShownOnce(t, c, rec, "mfa-token")
			until, ok := d.Find("[data-testid=secret] time").Attr("datetime")
			exp, err := time.Parse(time.RFC3339, until)
			if !ok || err != nil {
				t.Fatalf("no expiry shown: %v", err)
			}
			if d := time.Until(exp); d < tc.valid-time.Minute || d > tc.valid+time.Minute {
				t.Errorf("token valid for %v, want %v", d, tc.valid)
			}
			if n := c.fake.Tenant.ActiveMFATokens(id); n != 1 {
				t.Errorf("active tokens = %d", n)
			}
			if !c.fake.Tenant.UseMFAToken(id, tok) {
				t.Errorf("the shown token does not work")
			}
			if again := c.fake.Tenant.UseMFAToken(id, tok); again != tc.reusable {
				t.Errorf("second use worked = %v, want %v", again, tc.reusable)
			}
			r := actOneRecord(t, c)
			want := map[string]string{"expires_in": tc.expires, "reusable": strconv.FormatBool(tc.reusable)}
			if fmt.Sprint(r.Params) != fmt.Sprint(want) || r.Outcome != audit.OutcomeSucceeded {
				t.Errorf("audit = %+v, want params %v", r, want)
			}
		})
	}
}
