package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// apiClient is a OneLogin client on the console's fake tenant, for a test
// to make things happen there as another API caller would.
func apiClient(t *testing.T, c *console) *client.Client {
	t.Helper()
	ol, err := client.New(c.fake.URL, c.fake.ClientID, c.fake.ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	return ol
}

// activity asks for a person's sign-in activity as the person's page does.
func (c *console) activity(id int64, locked bool) *goquery.Document {
	c.t.Helper()
	target := "/users/" + idStr(id) + "/activity"
	if locked {
		target += "?locked=1"
	}
	rec := c.do("GET", target, nil, true)
	wantCode(c.t, rec, http.StatusOK)
	return doc(c.t, rec)
}

// itemOf finds the newest activity line of an event type.
func itemOf(d *goquery.Document, typeName string) *goquery.Selection {
	return d.Find(`[data-testid="activity-item"][data-type="` + typeName + `"]`).First()
}

// TestActivity_wordingPerEventType makes each kind of event happen on the
// fake tenant (a sign-in on its pages, API calls, factor checks) and reads
// the person's activity: each is in words, with its address, app and risk
// where OneLogin gives them.
func TestActivity_wordingPerEventType(t *testing.T) {
	ctx := context.Background()
	signIn := func(s fakeonelogin.SignIn) func(*testing.T, *console, *client.Client, int64) {
		return func(_ *testing.T, c *console, _ *client.Client, id int64) {
			s.UserID = id
			c.fake.Tenant.RecordSignIn(s)
		}
	}
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	active := fakeonelogin.PersonaNoRolesID
	cases := []struct {
		name     string
		person   int64
		do       func(t *testing.T, c *console, ol *client.Client, id int64)
		typeName string
		want     []string // in the line's text
	}{
		{"sign-in to OneLogin", active, signIn(fakeonelogin.SignIn{Success: true, IP: "192.0.2.40", RiskScore: 12, RiskReasons: []string{"Known device"}}),
			"USER_LOGGED_INTO_ONELOGIN", []string{"Signed in to OneLogin", "192.0.2.40", "Risk 12 of 100: Known device"}},
		{"sign-in to an app", active, signIn(fakeonelogin.SignIn{Success: true, IP: "192.0.2.40", App: "Slack"}),
			"USER_LOGGED_INTO_APP", []string{"Signed in to Slack", "192.0.2.40"}},
		{"wrong password", active, signIn(fakeonelogin.SignIn{IP: "203.0.113.7", Reason: "Invalid password", RiskScore: 91, RiskReasons: []string{"Unfamiliar location"}}),
			"USER_FAILED_ONELOGIN_LOGIN", []string{"Failed sign-in", "Invalid password", "203.0.113.7", "Risk 91 of 100: Unfamiliar location"}},
		{"locked by failed sign-ins", active, func(_ *testing.T, c *console, _ *client.Client, id int64) {
			for range fakeonelogin.DefaultMaxLoginAttempts {
				c.fake.Tenant.RecordSignIn(fakeonelogin.SignIn{UserID: id, IP: "203.0.113.7", Reason: "Invalid password"})
			}
		}, "USER_LOCKED", []string{"Locked after too many failed sign-ins"}},
		{"locked through the API", active, func(t *testing.T, _ *console, ol *client.Client, id int64) { must(t, ol.LockUser(ctx, id, 0)) },
			"USER_LOCKED_VIA_API", []string{"Locked through the API"}},
		{"unlocked through the API", fakeonelogin.PersonaLockedID, func(t *testing.T, _ *console, ol *client.Client, id int64) { must(t, ol.UnlockUser(ctx, id)) },
			"UNLOCKED_USER_VIA_API", []string{"Unlocked through the API"}},
		{"password set through the API", active, func(t *testing.T, _ *console, ol *client.Client, id int64) {
			must(t, ol.SetPassword(ctx, id, "Another-Passw0rd!", false))
		}, "API_SET_PWD_CLEAR_TEXT", []string{"Password set through the API"}},
		{"password hash set through the API", active, func(t *testing.T, _ *console, ol *client.Client, id int64) {
			must(t, ol.SetPasswordHash(ctx, id, client.HashedPassword{Hash: strings.Repeat("ab", 32), Salt: "pepper"}))
		}, "API_SET_PWD_SALT", []string{"Password set through the API"}},
		{"suspended by an admin", fakeonelogin.PersonaSuspendedID, nil,
			"SUSPENDED_USER", []string{"Suspended by "}},
		{"logged out through the API", active, func(t *testing.T, _ *console, ol *client.Client, id int64) { must(t, ol.LogoutUser(ctx, id)) },
			"USER_LOGGED_OUT_OF_ONELOGIN", []string{"Logged out of OneLogin through the API"}},
		{"temporary MFA token", active, func(t *testing.T, _ *console, ol *client.Client, id int64) {
			_, err := ol.GenerateMFAToken(ctx, id, time.Hour, false)
			must(t, err)
		}, "TEMP_OTP_TOKEN_GENERATED", []string{"Temporary MFA token issued through the API"}},
		{"wrong second-factor code", fakeonelogin.PersonaLockedTOTPID, func(t *testing.T, c *console, ol *client.Client, id int64) {
			_, _ = ol.VerifyOTP(ctx, id, deviceOf(t, c, id, fakeonelogin.FactorAuthenticator), "000000", "")
		}, "API_VERIFY_FACTOR_FAILED", []string{"Failed a second-factor check", "with "}},
		{"right second-factor code", fakeonelogin.PersonaLockedTOTPID, func(t *testing.T, c *console, ol *client.Client, id int64) {
			code := c.fake.Tenant.TOTP(id, c.fake.Tenant.Clock().Now())
			_, err := ol.VerifyOTP(ctx, id, deviceOf(t, c, id, fakeonelogin.FactorAuthenticator), code, "")
			must(t, err)
		}, "API_VERIFY_FACTOR", []string{"Passed a second-factor check"}},
		{"push denied", fakeonelogin.PersonaLockedPushID, func(t *testing.T, c *console, ol *client.Client, id int64) {
			dev := deviceOf(t, c, id, fakeonelogin.FactorProtect)
			tr, err := ol.TriggerOTP(ctx, id, dev, client.TriggerOptions{})
			must(t, err)
			c.fake.Tenant.DenyPush(c.fake.Tenant.PendingPushes(id)[0].ID)
			_, _ = ol.VerifyPush(ctx, id, dev, tr.StateToken)
		}, "OL_OTP_PUSH_REJECT", []string{"Rejected a OneLogin Protect push"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleHelpdesk)
			if tc.do != nil {
				tc.do(t, c, apiClient(t, c), tc.person)
			}
			line := itemOf(c.activity(tc.person, false), tc.typeName)
			if line.Length() == 0 {
				t.Fatalf("no %s line in the activity", tc.typeName)
			}
			text := strings.Join(strings.Fields(line.Text()), " ")
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("%s line %q does not say %q", tc.typeName, text, w)
				}
			}
		})
	}
}

func deviceOf(t *testing.T, c *console, user int64, f fakeonelogin.Factor) int64 {
	t.Helper()
	for _, d := range c.fake.Tenant.Devices(user) {
		if d.Factor == f {
			return d.ID
		}
	}
	t.Fatalf("user %d has no %s", user, f)
	return 0
}

// TestActivity_attackSummaryAndWhy: a spray's failures read as an attack in
// one line, and the why panel's lock line (swapped in out of band) says
// when, after how many failures, from where (the most frequent address
// first, then the newest) and in which app.
func TestActivity_attackSummaryAndWhy(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, tenantOnConsoleClock())
	id := fakeonelogin.PersonaNoRolesID
	sprayed(c, id)
	d := c.activity(id, true)
	summary := textOf(d, `[data-testid="activity-summary"]`)
	if !strings.HasPrefix(summary, "5 failed sign-ins from 3 addresses in under a minute") ||
		!strings.Contains(summary, "last success just now from 192.0.2.40") {
		t.Errorf("summary = %q", summary)
	}
	if hint := textOf(d, `[data-testid="activity-hint"]`); !strings.Contains(hint, "looks like someone else") || !strings.Contains(hint, "up to 88") {
		t.Errorf("hint = %q", hint)
	}
	why := d.Find(`#why-events[hx-swap-oob]`)
	if why.Length() != 1 {
		t.Fatal("the answer does not fill the why panel's lock line out of band")
	}
	if got, want := strings.TrimSpace(why.Text()), "after 5 failed sign-ins from 203.0.113.7, 203.0.113.190 and 1 more address (Slack)."; !strings.HasPrefix(got, "Locked at ") || !strings.HasSuffix(got, want) {
		t.Errorf("why line = %q, want Locked at … %s", got, want)
	}
	// The person's page holds the line's place, to be filled.
	page := doc(t, c.get("/users/"+idStr(id)))
	if page.Find(`#panel-status #why-events`).Length() != 1 || page.Find(`#panel-activity[hx-get="/users/`+idStr(id)+`/activity?locked=1"]`).Length() != 1 {
		t.Error("the page of a locked person has no place for the lock line, or does not ask for the activity")
	}
}

// TestActivity_forgottenPassword: failures only from where the person signs
// in read as a forgotten password.
func TestActivity_forgottenPassword(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	id := fakeonelogin.PersonaNoRolesID
	c.fake.Tenant.RecordSignIn(fakeonelogin.SignIn{UserID: id, Success: true, IP: "192.0.2.40"})
	for range 2 {
		c.fake.Tenant.RecordSignIn(fakeonelogin.SignIn{UserID: id, IP: "192.0.2.40", Reason: "Invalid password"})
	}
	d := c.activity(id, false)
	if hint := textOf(d, `[data-testid="activity-hint"]`); !strings.Contains(hint, "forgotten password") {
		t.Errorf("hint = %q", hint)
	}
	if d.Find("#why-events").Length() != 0 {
		t.Error("an unlocked person's activity fills a lock line the page does not have")
	}
}

// TestActivity_pageDoesNotWait: the person's page makes no events call;
// the activity is asked for afterwards, one call, then reused.
func TestActivity_pageDoesNotWait(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	id := fakeonelogin.PersonaLockedID
	c.fake.Tenant.ResetCalls()
	wantCode(t, c.get("/users/"+idStr(id)), http.StatusOK)
	if n := c.fake.Tenant.CallCount("GET", "/api/1/events"); n != 0 {
		t.Errorf("the page made %d events calls before its first byte", n)
	}
	c.activity(id, true)
	c.activity(id, true)
	var lists, types int
	for _, call := range c.fake.Tenant.Calls() {
		switch call.Path {
		case "/api/1/events":
			lists++
			if call.Query.Get("user_id") != idStr(id) || call.Query.Get("event_type_id") == "" || call.Query.Get("limit") != "20" {
				t.Errorf("events call %s?%s", call.Path, call.RawQuery)
			}
		case "/api/1/events/types":
			types++
		}
	}
	if lists != 1 || types != 1 {
		t.Errorf("two views of the activity made %d events calls and %d type calls, want 1 and 1", lists, types)
	}
}

// TestActivity_skippedWhenQuotaLow: with few calls left in OneLogin's hour,
// the activity is not read and the panel says why and until when.
func TestActivity_skippedWhenQuotaLow(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, signedInAs(fakeonelogin.PersonaHelpdesk), withConfig(func(cfg *handlers.Config) { cfg.QuotaLow = 250 }))
	c.fake.Tenant.SetRateLimit(200) // the next answer says fewer than 250 are left
	wantCode(t, c.get("/users/"+idStr(fakeonelogin.PersonaNoRolesID)), http.StatusOK)
	c.fake.Tenant.ResetCalls()
	rec := c.do("GET", "/users/"+idStr(fakeonelogin.PersonaNoRolesID)+"/activity", nil, true)
	wantCode(t, rec, http.StatusOK)
	note := textOf(doc(t, rec), `[data-testid="activity-skipped"]`)
	if !strings.Contains(note, "quota is nearly used up") || !strings.Contains(note, "of 200 calls left until") {
		t.Errorf("note = %q", note)
	}
	if n := len(c.fake.Tenant.Calls()); n != 0 {
		t.Errorf("the skipped activity made %d calls", n)
	}
}

// TestActivity_withoutJavaScript: the link on the person's page opens the
// activity as a page of its own, with the lock line in it.
func TestActivity_withoutJavaScript(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	id := fakeonelogin.PersonaLockedID
	rec := c.get("/users/" + idStr(id) + "/activity")
	wantCode(t, rec, http.StatusOK)
	d := doc(t, rec)
	if d.Find(`[data-testid="activity-page"] [data-testid="panel-activity"]`).Length() != 1 || d.Find("title").Length() != 1 {
		t.Fatal("not a whole page with the panel")
	}
	if why := textOf(d, `[data-testid="why-events"]`); !strings.HasPrefix(why, "Locked at ") {
		t.Errorf("lock line on the page = %q", why)
	}
	wantCode(t, c.get("/users/99999999/activity"), http.StatusNotFound)
}
