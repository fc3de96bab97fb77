package handlers_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/internal/consoletest"
	"onelogin-helpdesk/internal/testlog"
	"onelogin-helpdesk/limits/limitstest"
)

// console is the HTTP layer under test: handlers.New with the real client
// talking to a fake tenant, a fixed signed-in identity, an audit trail in
// memory that can be made to fail, a clock the test moves, and a captured
// log.
type console struct {
	t      *testing.T
	fake   fake
	http   http.Handler
	e      *echo.Echo // for its route table
	ol     *client.Client
	audit  *audittest.FailingStore
	mem    *audittest.Memory
	logBuf *testlog.Buffer
	clock  *fakeonelogin.ManualClock
	cfg    handlers.Config // as New got it, for restart
	who    access.Identity
}

// fake is the fake tenant as the client reaches it.
type fake struct {
	Tenant                      *fakeonelogin.Tenant
	URL, ClientID, ClientSecret string
}

// clockStart is the console's "now" when a test starts: 13:04:30, so an
// hour's limit ends at 14:04:30 and a person is told to come back at 14:05.
var clockStart = time.Date(2025, 3, 4, 13, 4, 30, 0, time.UTC)

// option changes the console newConsole builds.
type option func(*consoleOptions)

type consoleOptions struct {
	email     string
	inProcess bool
	// sharedClock runs the socket-served fake on the console's clock.
	sharedClock bool
	tenant      fakeonelogin.Options
	front       func(http.RoundTripper) http.RoundTripper
	edits       []func(*handlers.Config)
}

// signedInAs is who is signed in (default staff@example.com).
func signedInAs(email string) option { return func(o *consoleOptions) { o.email = email } }

// withConfig changes the handlers' Config before New.
func withConfig(edit func(*handlers.Config)) option {
	return func(o *consoleOptions) { o.edits = append(o.edits, edit) }
}

// withSelfUnlocks sets the hourly self-unlock allowance.
func withSelfUnlocks(n int) option {
	return withConfig(func(c *handlers.Config) { c.SelfUnlocksPerHour = n })
}

// withFront puts front between the client and the fake tenant (to slow or
// fail one call).
func withFront(front func(http.RoundTripper) http.RoundTripper) option {
	return func(o *consoleOptions) { o.front = front }
}

// withTenant seeds the fake tenant with o (its Seed and Clock as given;
// a zero Users keeps the default).
func withTenant(t fakeonelogin.Options) option {
	return func(o *consoleOptions) {
		if t.Users == 0 {
			t.Users = o.tenant.Users
		}
		o.tenant = t
	}
}

// tenantOnConsoleClock runs the fake tenant, served on its socket, on the
// console's clock, so that the tenant's locks, codes and state tokens and
// the console's allowances move together.
func tenantOnConsoleClock() option { return func(o *consoleOptions) { o.sharedClock = true } }

// inProcess reaches the fake tenant in the calling goroutine, without a
// socket, at http://onelogin.test, and runs it on the console's clock:
// what a testing/synctest bubble needs, and a tenant that is the same on
// every run.
func inProcess() option { return func(o *consoleOptions) { o.inProcess = true } }

// newConsole builds the console with a fake tenant, signed in with role
// (RoleNone: signed out). Its clock (c.clock) starts at clockStart and
// moves only when the test moves it; the fake tenant (seed 1, 300 people)
// runs on real time unless inProcess.
func newConsole(t *testing.T, role access.Role, opts ...option) *console {
	t.Helper()
	o := consoleOptions{email: "staff@example.com", tenant: fakeonelogin.Options{Seed: 1, Users: 300}}
	for _, opt := range opts {
		opt(&o)
	}
	clock := fakeonelogin.NewManualClock(clockStart)
	var f fake
	var transport http.RoundTripper // nil: the client's own
	if o.inProcess {
		if o.tenant.Clock == nil {
			o.tenant.Clock = clock
		}
		tenant := fakeonelogin.NewTenant(o.tenant)
		f = fake{Tenant: tenant, URL: "http://onelogin.test", ClientID: tenant.ClientID(), ClientSecret: tenant.ClientSecret()}
		transport = consoletest.InProcess(tenant)
	} else {
		if o.sharedClock {
			o.tenant.Clock = clock
		}
		srv := fakeonelogin.NewServer(o.tenant)
		t.Cleanup(srv.Close)
		f = fake{Tenant: srv.Tenant, URL: srv.URL, ClientID: srv.ClientID, ClientSecret: srv.ClientSecret}
	}
	var clientOpts []client.Option
	if o.front != nil {
		if transport == nil {
			transport = http.DefaultTransport
		}
		transport = o.front(transport)
	}
	if transport != nil {
		clientOpts = append(clientOpts, client.WithHTTPClient(&http.Client{Transport: transport, Timeout: client.DefaultTimeout}))
	}
	ol, err := client.New(f.URL, f.ClientID, f.ClientSecret, clientOpts...)
	if err != nil {
		t.Fatal(err)
	}
	mem := audittest.NewMemory(nil, audit.WithClock(clock.Now))
	c := &console{t: t, fake: f, ol: ol, mem: mem, audit: audittest.NewFailing(mem), logBuf: &testlog.Buffer{}, clock: clock,
		who: access.Identity{Email: o.email, Name: "Staff Member", Role: role}}
	cfg := handlers.Config{
		OneLogin:  ol,
		Logger:    c.logBuf.Logger(slog.LevelDebug),
		Audit:     c.audit,
		Identity:  func(context.Context) (access.Identity, bool) { return c.who, c.who.Role != access.RoleNone },
		CSRFToken: func(context.Context) string { return "test-csrf-token" },
		Now:       clock.Now,
		Limits:    limitstest.NewMemory(),
		Reports:   mem,
	}
	for _, edit := range o.edits {
		edit(&cfg)
	}
	e, err := handlers.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.e, c.http, c.cfg = e, e, cfg
	return c
}

// restart builds the handlers again on the same audit trail and limits
// store, as a restarted process would find them.
func (c *console) restart() {
	c.t.Helper()
	e, err := handlers.New(c.cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.e, c.http = e, e
}

// do sends a request to the console and returns the recorded response.
func (c *console) do(method, target string, form url.Values, htmx bool) *httptest.ResponseRecorder {
	c.t.Helper()
	rec := httptest.NewRecorder()
	c.http.ServeHTTP(rec, newRequest(method, target, form, htmx))
	return rec
}

// newRequest is a request as the console's pages send it: form nil is no
// body; htmx marks it as htmx's.
func newRequest(method, target string, form url.Values, htmx bool) *http.Request {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return req
}

// get and post are the common cases of do.
func (c *console) get(target string) *httptest.ResponseRecorder {
	return c.do("GET", target, nil, false)
}
func (c *console) post(target string, form url.Values) *httptest.ResponseRecorder {
	return c.do("POST", target, form, true)
}

// doc parses a response body as HTML.
func doc(t *testing.T, rec *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// records returns the audit trail so far, oldest first.
func (c *console) records() []audit.Record { return c.mem.Records() }

// userID finds a seeded user by email in the fake tenant.
func (c *console) userID(email string) int64 {
	c.t.Helper()
	u, ok := c.fake.Tenant.FindByEmail(email)
	if !ok {
		c.t.Fatalf("fake tenant has no %s", email)
	}
	return u.ID
}
