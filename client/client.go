package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for the knobs that options can change.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxRetryWait = 2 * time.Second
	// UserAgent is sent with every request so OneLogin's logs show who called.
	UserAgent = "onelogin-helpdesk"
)

// Client talks to the OneLogin Users API v1 of one tenant with one API
// credential. It is safe for concurrent use. Its String, GoString and Format
// methods never show the client secret or the access token.
type Client struct {
	base         *url.URL
	hc           *http.Client
	timeout      time.Duration
	maxRetryWait time.Duration
	obs          Observer
	now          func() time.Time // swapped in tests

	// Kept behind pointers so that even a reflective print of a Client value
	// shows addresses, not the secret or the token.
	creds  *credentials
	tokens *tokenCache

	rlMu sync.Mutex
	rl   RateLimit
	// v2Throttled counts v2 429s in a row, for the backoff.
	v2Throttled atomic.Int64
	log         *slog.Logger // nil: the client prints nothing

	eventTypes *eventTypesCache
}

// Option configures a Client in New.
type Option func(*Client)

// WithHTTPClient makes the client use hc for every request. A nil hc is
// ignored. hc should have a Timeout; the per-request timeout of WithTimeout
// applies either way.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithTimeout bounds every single HTTP exchange (default 10s). Values <= 0
// are ignored.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithMaxRetryWait caps how long a call waits before retrying a request that
// OneLogin answered 429 (default 2s). 0 retries at once; negative means 0.
func WithMaxRetryWait(d time.Duration) Option {
	return func(c *Client) {
		c.maxRetryWait = max(d, 0)
	}
}

// WithObserver reports every HTTP exchange, token fetch and rate-limit
// reading to o, for metrics. A nil o is ignored.
func WithObserver(o Observer) Option {
	return func(c *Client) {
		if o != nil {
			c.obs = o
		}
	}
}

// WithLogger lets the client warn, once each, about things its caller
// should fix in configuration (an event type name the tenant does not
// list). Without it the client prints nothing. A nil l is ignored.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// Observer receives a measurement for every call, for metrics.
type Observer interface {
	// ObserveCall is called once per HTTP exchange with OneLogin (retries
	// count separately; a token request is reported with op "Token").
	// status is 0 when no answer arrived.
	ObserveCall(op string, status int, d time.Duration)
	// ObserveTokenFetch is called once per token request.
	ObserveTokenFetch(err error)
	// ObserveRateLimit is called whenever rate-limit headers are read.
	ObserveRateLimit(rl RateLimit)
}

type nopObserver struct{}

func (nopObserver) ObserveCall(string, int, time.Duration) {}
func (nopObserver) ObserveTokenFetch(error)                {}
func (nopObserver) ObserveRateLimit(RateLimit)             {}

type requestIDKey struct{}

// WithRequestID returns a context whose calls send X-Request-Id: id to
// OneLogin, so a console request can be traced in OneLogin's logs. Ids with
// characters not allowed in a header value are not sent.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	if id == "" || len(id) > 200 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return ""
		}
	}
	return id
}

// BaseURLFromSubdomain turns a tenant subdomain ("acme") into the base URL
// New expects ("https://acme.onelogin.com"). It returns "" for an empty
// subdomain so that New reports the missing configuration.
func BaseURLFromSubdomain(sub string) string {
	sub = strings.TrimSpace(sub)
	sub = strings.TrimSuffix(sub, ".onelogin.com")
	if sub == "" {
		return ""
	}
	return "https://" + sub + ".onelogin.com"
}

// New returns a client for the tenant at baseURL (a full URL such as
// https://acme.onelogin.com, https://api.us.onelogin.com or, for tests,
// http://127.0.0.1:port) using an API credential. No request is made until
// the first call; use Ping to check the credential.
func New(baseURL, clientID, clientSecret string, opts ...Option) (*Client, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(clientID) == "" {
		return nil, errors.New("onelogin: client ID is empty")
	}
	if clientSecret == "" {
		return nil, errors.New("onelogin: client secret is empty")
	}
	c := &Client{
		base:         base,
		timeout:      DefaultTimeout,
		maxRetryWait: DefaultMaxRetryWait,
		obs:          nopObserver{},
		now:          time.Now,
		creds:        &credentials{id: clientID, secret: clientSecret},
		eventTypes:   &eventTypesCache{},
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.hc == nil {
		// Never an http.Client without a timeout; the per-request context
		// deadline normally fires first.
		c.hc = &http.Client{Timeout: c.timeout}
	}
	c.tokens = newTokenCache(&tokenFetcher{c: c}, c.clock)
	return c, nil
}

func (c *Client) clock() time.Time { return c.now() }

func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("onelogin: base URL is empty (want e.g. https://<subdomain>.onelogin.com)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error repeats the input, which could hold a password.
		return nil, errors.New("onelogin: base URL is not a valid URL (want e.g. https://<subdomain>.onelogin.com)")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("onelogin: base URL %s must start with https:// (or http:// for a local test server)", u.Redacted())
	case u.Host == "":
		return nil, fmt.Errorf("onelogin: base URL %s has no host", u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("onelogin: base URL %s must not contain credentials", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("onelogin: base URL %s must not have a query or fragment", u.Redacted())
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// String describes the client without its credentials.
func (c *Client) String() string {
	if c == nil {
		return "onelogin.Client(nil)"
	}
	return "onelogin.Client{baseURL: " + c.base.String() + ", credentials: [redacted]}"
}

// GoString is String, so %#v cannot show the credentials either.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, %q ...).
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// BaseURL is the tenant URL the client calls.
func (c *Client) BaseURL() string { return c.base.String() }

// RateLimit returns the most recent rate-limit values read from any response.
func (c *Client) RateLimit() RateLimit {
	c.rlMu.Lock()
	defer c.rlMu.Unlock()
	return c.rl
}

func (c *Client) setRateLimit(rl RateLimit) {
	c.rlMu.Lock()
	c.rl = rl
	c.rlMu.Unlock()
	c.obs.ObserveRateLimit(rl)
}

// Ping checks that a token can be had (fetching one if needed), for
// readiness probes. It makes no resource call.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.tokens.get(ctx, "Ping")
	return err
}
