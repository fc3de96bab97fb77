package fakeonelogin

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// page GETs or POSTs one of the fake's own pages, without a token.
func (f *fixture) page(method, path, form string) (*http.Response, string) {
	f.t.Helper()
	hdr := map[string]string{}
	if form != "" {
		hdr["Content-Type"] = "application/x-www-form-urlencoded"
	}
	r, b := f.raw(method, path, hdr, form)
	return r, html.UnescapeString(string(b))
}

func TestPhone_inboxPage(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	sms := f.deviceOf(PersonaLockedSMSID, FactorSMS)
	f.trigger(PersonaLockedSMSID, sms, `{"numeric_sms_otp":true}`)
	first, _ := f.srv.Tenant.LastCode(PersonaLockedSMSID)
	f.clock.Advance(time.Minute)
	f.trigger(PersonaLockedSMSID, sms, `{"numeric_sms_otp":true}`)
	second, _ := f.srv.Tenant.LastCode(PersonaLockedSMSID)
	f.startV2(PersonaLockedEmailID, f.deviceOf(PersonaLockedEmailID, FactorEmail), "")

	r, body := f.page("GET", "/_fake/inbox?user="+url.QueryEscape(PersonaLockedSMS), "")
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	// Newest first, the number masked, only this person's messages.
	i1, i2 := strings.Index(body, `<code data-testid="code">`+second), strings.Index(body, `<code data-testid="code">`+first)
	if i1 < 0 || i2 < 0 || i1 > i2 {
		t.Errorf("codes %s, %s not newest first:\n%s", second, first, body)
	}
	if !strings.Contains(body, "Text to +4xxxxxxx9910") || strings.Contains(body, "7700909910") {
		t.Errorf("recipient not masked:\n%s", body)
	}
	if strings.Count(body, `data-testid="message"`) != 2 {
		t.Errorf("want the 2 texts of this person only:\n%s", body)
	}
	_, all := f.page("GET", "/_fake/inbox", "")
	if strings.Count(all, `data-testid="message"`) != 3 || !strings.Contains(all, "Email to d***@example.com") {
		t.Errorf("everyone's inbox:\n%s", all)
	}
	if r, _ := f.page("GET", "/_fake/inbox?user=nobody@example.com", ""); r.StatusCode != 404 {
		t.Errorf("unknown person: %d", r.StatusCode)
	}
	// The pages do not spend the quota or need a token.
	if n := f.srv.Tenant.CallCount("", "/_fake/"); n != 3 {
		t.Errorf("%d page calls recorded", n)
	}
}

func TestPhone_pushPage(t *testing.T) {
	for _, answer := range []string{"approve", "deny"} {
		t.Run(answer, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 3, Users: 1})
			id := PersonaLockedPushID
			dev := f.deviceOf(id, FactorProtect)
			tok, _ := f.trigger(id, dev, "")
			_, body := f.page("GET", "/_fake/push?user="+itoa(id), "")
			pushes := f.srv.Tenant.PendingPushes(id)
			if len(pushes) != 1 || !strings.Contains(body, `name="push" value="`+pushes[0].ID+`"`) ||
				!strings.Contains(body, "OneLogin Protect on Pixel 7a") || strings.Contains(body, tok) {
				t.Fatalf("push page (the state token must not show):\n%s", body)
			}
			form := url.Values{"push": {pushes[0].ID}, "answer": {answer}, "user": {itoa(id)}}.Encode()
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			req, _ := http.NewRequest("POST", f.srv.URL+"/_fake/push", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/_fake/push?user="+itoa(id) {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			want := 200
			if answer == "deny" {
				want = 401
			}
			if code, msg := f.verify(id, dev, `{"state_token":"`+tok+`"}`); code != want {
				t.Errorf("verify %d %s", code, msg)
			}
			// Answering again shows a notice instead.
			if _, body := f.page("POST", "/_fake/push", form); !strings.Contains(body, "already answered") {
				t.Errorf("second answer:\n%s", body)
			}
			if _, body := f.page("GET", "/_fake/push", ""); !strings.Contains(body, "No pushes waiting") {
				t.Errorf("after answering:\n%s", body)
			}
		})
	}
}

func TestPhone_authenticatorPage(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	id := PersonaLockedTOTPID
	_, body := f.page("GET", "/_fake/authenticator?user="+url.QueryEscape(PersonaLockedTOTP), "")
	code := f.srv.Tenant.TOTP(id, f.clock.Now())
	secret := f.srv.Tenant.TOTPSecret(id, f.deviceOf(id, FactorAuthenticator))
	if len(code) != 6 || len(secret) != 32 || !strings.Contains(body, `<code data-testid="code">`+code+`</code>`) || !strings.Contains(body, secret) {
		t.Errorf("code %s key %s:\n%s", code, secret, body)
	}
	if _, body := f.page("GET", "/_fake/authenticator?user="+itoa(PersonaLockedSMSID), ""); !strings.Contains(body, "no authenticator app") {
		t.Errorf("SMS person:\n%s", body)
	}
	if r, _ := f.page("GET", "/_fake/nothing", ""); r.StatusCode != 404 {
		t.Errorf("unknown page %d", r.StatusCode)
	}
}

func TestMessage_masks(t *testing.T) {
	for _, tc := range []struct {
		m    Message
		want string
	}{
		{Message{Channel: ChannelSMS, To: "+447700909910"}, "+4xxxxxxx9910"},
		{Message{Channel: ChannelSMS, To: "+12125550147"}, "+1xxxxxx0147"},
		{Message{Channel: ChannelEmail, To: "dario.bellini@example.com"}, "d***@example.com"},
		{Message{Channel: ChannelEmail, To: "élodie@example.com"}, "é***@example.com"},
		{Message{Channel: ChannelEmail, To: "nonsense"}, "***"},
	} {
		if got := tc.m.ToMasked(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.m.To, got, tc.want)
		}
	}
}
