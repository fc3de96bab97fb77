package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/pgstore/pgtest"
)

// TestReplicas_publicUnlockFlowMovesBetweenReplicas: without sticky
// sessions, each step of one person's unlock may land on either replica:
// looked up on A, the factor chosen on B, the code typed on A, the account
// is unlocked (the flow lives sealed in the shared database).
func TestReplicas_publicUnlockFlowMovesBetweenReplicas(t *testing.T) {
	db := pgtest.Database(t, "replicas_unlock_flow")
	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: 100})
	t.Cleanup(fake.Close)
	extra := map[string]string{"HELPDESK_PUBLIC_UNLOCK": "true"}
	a := startReplica(t, "A", db, fake, extra)
	b := startReplica(t, "B", db, fake, extra)

	jar, _ := cookiejar.New(nil) // cookies go by host, not port: one browser for both
	c := &http.Client{Jar: jar, Timeout: 60 * time.Second}
	var token string
	post := func(r *replica, path string, form url.Values) string {
		t.Helper()
		form.Set("csrf_token", token)
		req, _ := http.NewRequest(http.MethodPost, r.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", r.URL)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		page, _ := io.ReadAll(res.Body)
		return string(page)
	}
	step := regexp.MustCompile(`data-testid="unlock" data-step="([a-z]+)"`)
	stepOf := func(page string) string {
		if m := step.FindStringSubmatch(page); m != nil {
			return m[1]
		}
		return ""
	}

	res, err := c.Get(a.URL + "/unlock")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := tokenRe.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on A's unlock page: %d", res.StatusCode)
	}
	token = string(m[1])

	looked := post(a, "/unlock", url.Values{"login": {fakeonelogin.PersonaLockedTOTP}})
	choice := regexp.MustCompile(`value="(\d+)" data-testid="factor-authenticator"`).FindStringSubmatch(looked)
	if choice == nil {
		t.Fatalf("A's look-up offers no authenticator (step %q)", stepOf(looked))
	}
	if s := stepOf(post(b, "/unlock/factor", url.Values{"factor": {choice[1]}})); s != "code" {
		t.Fatalf("choosing on B: step %q, want the code step", s)
	}
	code := fake.Tenant.TOTP(fakeonelogin.PersonaLockedTOTPID, time.Now())
	if s := stepOf(post(a, "/unlock/code", url.Values{"code": {code}})); s != "done" {
		t.Fatalf("the code on A: step %q, want done", s)
	}
	if u, ok := fake.Tenant.User(fakeonelogin.PersonaLockedTOTPID); !ok || u.Status == fakeonelogin.StatusLocked {
		t.Errorf("the person is still locked: %+v", u)
	}
}
