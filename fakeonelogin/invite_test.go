package fakeonelogin

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestInvite_getLink(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1})
	r, m := f.do("POST", "/api/1/invites/get_invite_link", `{"email":"`+PersonaUnactivated+`"}`)
	data, _ := m["data"].([]any)
	if r.StatusCode != 200 || len(data) != 1 {
		t.Fatalf("%d %v", r.StatusCode, m)
	}
	link := data[0].(string)
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(f.srv.URL) + `/password/reset\?token=[0-9a-f]{40}$`).MatchString(link) {
		t.Errorf("link %s", link)
	}
	inv := f.srv.Tenant.Invites(PersonaUnactivatedID)
	if len(inv) != 1 || inv[0].Link != link || inv[0].SentTo != "" || len(f.srv.Tenant.Inbox(0)) != 0 {
		t.Errorf("nothing is mailed: %+v", inv)
	}
	if _, body := f.page("GET", strings.TrimPrefix(link, f.srv.URL), ""); !strings.Contains(body, `data-testid="reset"`) || !strings.Contains(body, "Aarav Shah") {
		t.Errorf("reset page:\n%s", body)
	}
	if r, _ := f.page("GET", "/password/reset?token=0000", ""); r.StatusCode != 404 {
		t.Errorf("made-up link: %d", r.StatusCode)
	}
}

func TestInvite_send(t *testing.T) {
	for _, tc := range []struct {
		name, body, to string
	}{
		{"to the OneLogin email", `{"email":"` + PersonaUnactivated + `"}`, PersonaUnactivated},
		{"to a personal address", `{"email":"` + PersonaUnactivated + `","personal_email":"aarav@home.example"}`, "aarav@home.example"},
		{"empty personal address", `{"email":"` + PersonaUnactivated + `","personal_email":""}`, PersonaUnactivated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{Seed: 3, Users: 1})
			f.clock.Advance(time.Hour)
			r, m := f.do("POST", "/api/1/invites/send_invite_link", tc.body)
			code, typ, msg := statusOf(m)
			if r.StatusCode != 200 || code != 200 || typ != "success" || msg != "Email sent successfully to "+tc.to || m["data"] != nil {
				t.Fatalf("%d %v", r.StatusCode, m)
			}
			inbox := f.srv.Tenant.Inbox(PersonaUnactivatedID)
			inv := f.srv.Tenant.Invites(0)
			if len(inbox) != 1 || inbox[0].To != tc.to || inbox[0].Link == "" || inbox[0].Code != "" ||
				len(inv) != 1 || inv[0].SentTo != tc.to || inv[0].Link != inbox[0].Link {
				t.Errorf("inbox %+v invites %+v", inbox, inv)
			}
			if s, _ := f.srv.Tenant.User(PersonaUnactivatedID); !s.UpdatedAt.Equal(seedEpoch.Add(time.Hour)) {
				t.Errorf("updated_at %v", s.UpdatedAt)
			}
			if _, body := f.page("GET", "/_fake/inbox?user="+itoa(PersonaUnactivatedID), ""); !strings.Contains(body, `data-testid="link"`) {
				t.Errorf("inbox page:\n%s", body)
			}
		})
	}
}

func TestInvite_errors(t *testing.T) {
	for _, path := range []string{"/api/1/invites/get_invite_link", "/api/1/invites/send_invite_link"} {
		f := newFixture(t, Options{Seed: 3, Users: 1})
		for _, tc := range []struct {
			name, ctype, body string
			code              int
			msg               string
		}{
			{"unknown email", "application/json", `{"email":"nobody@example.com"}`, 400, msgNoUserForEmail},
			{"email is case-sensitive", "application/json", `{"email":"` + strings.ToUpper(PersonaAdmin) + `"}`, 400, msgNoUserForEmail},
			{"no email", "application/json", `{}`, 400, msgEmailMissing},
			{"empty email", "application/json", `{"email":""}`, 400, msgEmailMissing},
			{"not an email", "application/json", `{"email":"priya"}`, 400, msgEmailFormat},
			{"bad personal email", "application/json", `{"email":"` + PersonaAdmin + `","personal_email":"x"}`, 400, msgEmailFormat},
			{"not JSON", "application/json", `{"email":`, 400, msgInvalidJSON},
			{"no body, no content type", "", ``, 400, msgContentType},
			{"form body", "application/x-www-form-urlencoded", `email=a@b.c`, 400, msgContentType},
		} {
			hdr := map[string]string{"Authorization": "bearer " + f.token}
			if tc.ctype != "" {
				hdr["Content-Type"] = tc.ctype
			}
			r, b := f.raw("POST", path, hdr, tc.body)
			want := `"status":{"error":true,"code":400,"type":"bad request","message":"` + tc.msg + `"}`
			if r.StatusCode != tc.code || !strings.Contains(string(b), want) {
				t.Errorf("%s %s: %d %s", path, tc.name, r.StatusCode, b)
			}
		}
		if n := len(f.srv.Tenant.Invites(0)) + len(f.srv.Tenant.Inbox(0)); n != 0 {
			t.Errorf("%s: refused calls made %d invites or mails", path, n)
		}
	}
}

func TestInvite_needsManageAll(t *testing.T) {
	f := newFixture(t, Options{Seed: 3, Users: 1, Scope: ScopeManageUsers})
	r, m := f.do("POST", "/api/1/invites/get_invite_link", `{"email":"`+PersonaAdmin+`"}`)
	if _, _, msg := statusOf(m); r.StatusCode != 401 || msg != msgInsufficient {
		t.Errorf("%d %v", r.StatusCode, m)
	}
}
