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

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/client/onelogintest"
	"onelogin-helpdesk/handlers"
	"onelogin-helpdesk/internal/testlog"
)

// console is the whole console under test: handlers.New with the real client
// talking to a fake tenant, a fixed signed-in identity and a captured log.
type console struct {
	t      *testing.T
	fake   *onelogintest.Server
	http   http.Handler
	audit  *audit.FailingStore
	mem    *audit.Memory
	logBuf *testlog.Buffer
	who    access.Identity
}

// newConsole starts a fake tenant and the console signed in with the role.
func newConsole(t *testing.T, role access.Role) *console {
	t.Helper()
	fake := onelogintest.NewServer(onelogintest.Options{Seed: 1, Users: 300})
	t.Cleanup(fake.Close)
	c, err := client.New(fake.URL, fake.ClientID, fake.ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	mem := audit.NewMemory(nil)
	con := &console{t: t, fake: fake, mem: mem, audit: audit.NewFailing(mem), logBuf: &testlog.Buffer{},
		who: access.Identity{Email: "staff@example.com", Name: "Staff Member", Role: role}}
	logger := con.logBuf.Logger(slog.LevelDebug)
	e, err := handlers.New(handlers.Config{
		OneLogin:  c,
		Logger:    logger,
		Audit:     con.audit,
		Identity:  func(context.Context) (access.Identity, bool) { return con.who, role != access.RoleNone },
		CSRFToken: func(context.Context) string { return "test-csrf-token" },
	})
	if err != nil {
		t.Fatal(err)
	}
	con.http = e
	return con
}

// do sends a request to the console and returns the recorded response.
func (c *console) do(method, target string, form url.Values, htmx bool) *httptest.ResponseRecorder {
	c.t.Helper()
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
	rec := httptest.NewRecorder()
	c.http.ServeHTTP(rec, req)
	return rec
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
