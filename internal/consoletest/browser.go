package consoletest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// Browser is one person's browser on the console: it keeps cookies,
// follows redirects, and sends forms from the console's own origin.
type Browser struct {
	t      testing.TB
	base   string
	client *http.Client
	// header is added to every request (a trusted proxy's identity).
	header http.Header
}

// Browser is a new browser reaching the console over its socket.
func (c *Console) Browser(t testing.TB) *Browser {
	return newBrowser(t, c.URL, nil)
}

// InProcessBrowser is a browser whose requests are served by the console's
// handler in the calling goroutine, without a socket, from 127.0.0.1. It
// is for tests in a testing/synctest bubble, where the console's clocks
// and timers run in virtual time; the console must have been built
// outside the bubble (its fake tenant listens on a socket).
func (c *Console) InProcessBrowser(t testing.TB) *Browser {
	return newBrowser(t, c.URL, InProcess(c.App.Handler()))
}

func newBrowser(t testing.TB, base string, transport http.RoundTripper) *Browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Browser{t: t, base: base, header: http.Header{},
		client: &http.Client{Jar: jar, Transport: transport, Timeout: 30 * time.Second}}
}

// Client is the browser's HTTP client, cookie jar included.
func (b *Browser) Client() *http.Client { return b.client }

// Cookies are the browser's cookies for the console.
func (b *Browser) Cookies() []*http.Cookie {
	u, _ := url.Parse(b.base)
	return b.client.Jar.Cookies(u)
}

// ProxySignIn makes every later request carry the identity headers that
// a trusted proxy in front of the console adds (HELPDESK_AUTH_MODE=proxy
// with the default header names).
func (b *Browser) ProxySignIn(email, groups string) {
	b.header.Set("X-Forwarded-Email", email)
	b.header.Set("X-Forwarded-Groups", groups)
}

// Page is an answer with its body read and parsed.
type Page struct {
	Status int
	// URL is where the browser ended up, after redirects.
	URL    *url.URL
	Header http.Header
	Body   string
	Doc    *goquery.Document
}

// Text is the trimmed text of the first element matching sel.
func (p Page) Text(sel string) string { return strings.TrimSpace(p.Doc.Find(sel).First().Text()) }

// Do sends req and reads the answer.
func (b *Browser) Do(req *http.Request) Page {
	b.t.Helper()
	for k, vs := range b.header {
		if req.Header.Get(k) == "" {
			req.Header[k] = vs
		}
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	return Page{Status: res.StatusCode, URL: res.Request.URL, Header: res.Header, Body: string(body), Doc: d}
}

// Request sends method to path (relative to the console, or a full URL)
// with form as its body (none when nil) and the headers, and nothing else:
// no Origin, so a test can check what the console does without one.
func (b *Browser) Request(method, path string, form url.Values, headers map[string]string) Page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.base + path
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return b.Do(req)
}

// Get loads a page.
func (b *Browser) Get(path string) Page {
	b.t.Helper()
	return b.Request("GET", path, nil, nil)
}

// Post submits a form from the console's own pages: same Origin.
func (b *Browser) Post(path string, form url.Values) Page {
	b.t.Helper()
	return b.Request("POST", path, form, map[string]string{"Origin": b.base})
}

// CSRF is the token the console puts in its forms for this browser's
// session, read from the person's own page.
func (b *Browser) CSRF() string {
	b.t.Helper()
	p := b.Get("/me")
	tok, ok := p.Doc.Find("input[name=csrf_token]").First().Attr("value")
	if !ok || tok == "" {
		b.t.Fatalf("no CSRF token on /me (%d): %.300s", p.Status, p.Body)
	}
	return tok
}

// Act posts an action's form with the session's CSRF token.
func (b *Browser) Act(path string, form url.Values) Page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.CSRF())
	return b.Post(path, form)
}

// SignIn picks a persona (admin, helpdesk, viewer, employee) on the demo
// sign-in page and returns the page it lands on.
func (b *Browser) SignIn(persona string) Page {
	b.t.Helper()
	login := b.Get("/auth/login")
	tok, _ := login.Doc.Find("form.persona-list input[name=csrf_token]").Attr("value")
	if tok == "" {
		b.t.Fatalf("no persona form on the sign-in page (%d): %.300s", login.Status, login.Body)
	}
	p := b.Post("/auth/demo", url.Values{"persona": {persona}, "csrf_token": {tok}, "next": {"/"}})
	if p.Status != http.StatusOK {
		b.t.Fatalf("demo sign-in as %s: %d %.300s", persona, p.Status, p.Body)
	}
	return p
}
