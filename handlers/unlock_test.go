package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/limits/limitstest"
)

// unlockConsole is the console with the public unlock page on, in front of
// a fake tenant whose clock is the handlers' clock, so that state tokens,
// locks, codes and allowances all move together.
type unlockConsole struct {
	*console
	limits *limitstest.Memory
}

func newUnlockConsole(t *testing.T, opts fakeonelogin.Options, edit func(*config.PublicUnlock)) *unlockConsole {
	t.Helper()
	opts.Seed = 1
	if opts.Users == 0 {
		opts.Users = 60
	}
	pub := config.PublicUnlock{Enabled: true, Factors: []string{"protect", "authenticator", "sms", "email", "yubikey"},
		Attempts: 5, CoolDown: 15 * time.Minute, UnlocksPerDay: 3, PerIP: 1000, QuotaShare: 100}
	if edit != nil {
		edit(&pub)
	}
	limits := limitstest.NewMemory()
	c := newConsole(t, access.RoleNone, withTenant(opts), tenantOnConsoleClock(), withSelfUnlocks(3),
		withConfig(func(cfg *handlers.Config) {
			cfg.PublicUnlock, cfg.Limits = pub, limits
			cfg.UnlockPage.DecoyKey = []byte("test decoy key")
			cfg.Contact, cfg.UnlockPage.SignInURL = testContact, "https://acme.onelogin.com/"
		}))
	return &unlockConsole{console: c, limits: limits}
}

// testContact is the helpdesk's contact on the test console's page.
const testContact = "+1 555 0100"

// browser is one person's browser: its address and the flow cookie.
type unlockBrowser struct {
	u      *unlockConsole
	ip     string
	cookie *http.Cookie
	last   *httptest.ResponseRecorder
}

func (u *unlockConsole) browser(ip string) *unlockBrowser { return &unlockBrowser{u: u, ip: ip} }

// do sends a request as this browser; hdr are header name and value pairs.
func (b *unlockBrowser) do(method, target string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	b.u.t.Helper()
	req := newRequest(method, target, form, false)
	req.RemoteAddr = b.ip + ":41234"
	req.Header.Set("User-Agent", "UnlockTest/1.0 (test)")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	rec := httptest.NewRecorder()
	b.u.http.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "helpdesk_unlock" {
			b.cookie = ck
			if ck.MaxAge < 0 {
				b.cookie = nil
			}
		}
	}
	b.last = rec
	return rec
}

func (b *unlockBrowser) start(login string) *httptest.ResponseRecorder {
	return b.do("POST", "/unlock", url.Values{"login": {login}})
}

func (b *unlockBrowser) choose(choice string) *httptest.ResponseRecorder {
	return b.do("POST", "/unlock/factor", url.Values{"factor": {choice}})
}

func (b *unlockBrowser) code(code string) *httptest.ResponseRecorder {
	return b.do("POST", "/unlock/code", url.Values{"code": {code}})
}

// poll is what htmx sends every few seconds on the push step.
func (b *unlockBrowser) poll() *httptest.ResponseRecorder {
	return b.do("POST", "/unlock/push", url.Values{}, "HX-Request", "true", "HX-Trigger", "push-poll")
}

// step is the page's step (data-step), "" when the answer is no page.
func step(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	s, _ := doc(t, rec).Find("[data-testid=unlock]").Attr("data-step")
	return s
}

// factorChoice finds the choice value of the offered factor of kind.
func factorChoice(t *testing.T, rec *httptest.ResponseRecorder, kind string) string {
	t.Helper()
	v, ok := doc(t, rec).Find("[data-testid=factor-" + kind + "]").Attr("value")
	if !ok {
		t.Fatalf("no %s factor offered: %s", kind, textOf(doc(t, rec), "[data-testid=factor-list]"))
	}
	return v
}

// writes are the calls that asked OneLogin to change something or send
// something (anything but a read).
func (u *unlockConsole) writes() []string {
	var out []string
	for _, c := range u.fake.Tenant.Calls() {
		if c.Method != http.MethodGet && strings.HasPrefix(c.Path, "/api/") {
			out = append(out, c.Method+" "+c.Path)
		}
	}
	return out
}

func (u *unlockConsole) unlockCalls(id int64) int {
	return u.fake.Tenant.CallCount("POST", "/api/2/users/"+idStr(id)+"/unlock")
}

// stateTokens are the state tokens the console sent OneLogin back.
func (u *unlockConsole) stateTokens() []string {
	var out []string
	for _, c := range u.fake.Tenant.Calls() {
		var b struct {
			StateToken string `json:"state_token"`
		}
		if strings.HasSuffix(c.Path, "/verify") && json.Unmarshal(c.Body, &b) == nil && b.StateToken != "" {
			out = append(out, b.StateToken)
		}
	}
	return out
}

// snapshotExceptLock is a person as the fake holds them, with what an
// unlock changes cleared, and their factors.
func (u *unlockConsole) snapshotExceptLock(id int64) string {
	s, _ := u.fake.Tenant.User(id)
	s.Status, s.LockedUntil, s.InvalidLoginAttempts, s.UpdatedAt = 0, time.Time{}, 0, time.Time{}
	devs := u.fake.Tenant.Devices(id)
	for i := range devs {
		devs[i].Active = false // verifying marks a device used; that is OneLogin's, not ours
	}
	b, _ := json.Marshal(struct {
		U fakeonelogin.UserSnapshot
		D []fakeonelogin.Device
	}{s, devs})
	return string(b)
}
