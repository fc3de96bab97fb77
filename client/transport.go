package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds how much of an answer is read; the largest real answers
// (a page of 50 full users) are far below this.
const maxBody = 8 << 20

// call describes one client operation on the wire.
type call struct {
	op     string // client method name, for errors and metrics
	method string
	path   string // below the base URL, e.g. "/api/1/users/7"
	query  url.Values
	body   any // JSON-encoded when not nil
	// idempotent calls are retried once after a 429: repeating them cannot
	// do anything twice. Calls that create something never are.
	idempotent bool
	// oneTime calls carry a one-time code: they are never sent twice, not
	// even after a 401 that looks like an expired token (a wrong code can
	// answer the same). See do.
	oneTime bool
}

// v2 reports a call to OneLogin's v2 API, which has no hourly quota and
// no X-RateLimit-* headers (directory-mfa reference A1.7).
func (cl call) v2() bool { return strings.HasPrefix(cl.path, "/api/2/") }

// response is an answer that has been read completely.
type response struct {
	status      int
	contentType string
	header      http.Header
	body        []byte
}

func (c *Client) endpoint(path string) string {
	u := *c.base
	u.Path = c.base.Path + path
	return u.String()
}

// do runs a call: it gets a token, sends the request and reads the answer,
// refreshing the token once after a 401 "Authentication Failure" and
// retrying an idempotent request once after a 429. Any answer outside 2xx
// becomes a typed error.
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return nil, &TransportError{Op: cl.op, Err: fmt.Errorf("encoding the request: %w", err)}
		}
	}
	refreshed, rateRetried := false, false
	for {
		tok, err := c.tokens.get(ctx, cl.op)
		if err != nil {
			return nil, err
		}
		res, err := c.attempt(ctx, cl, body, tok.AccessToken)
		if err != nil {
			return nil, err
		}
		switch {
		case res.status == http.StatusUnauthorized && cl.oneTime && tokenRefused(res):
			// A one-time code is never sent again. Whether the token or the
			// code was refused is asked with a cheap call (directory-mfa
			// reference E12): a refused token is dropped, a refused code
			// is marked ErrRefused.
			err := parseError(cl.op, res)
			if !c.tokenWorks(ctx, tok.AccessToken) {
				c.tokens.invalidate(tok.AccessToken)
			} else if e, ok := err.(*Error); ok {
				e.Reason = ErrRefused
			}
			return nil, err
		case res.status == http.StatusUnauthorized && !refreshed && tokenRefused(res):
			// The token expired or was revoked early. OneLogin rejected the
			// request before acting on it, so even a create may be repeated.
			refreshed = true
			c.tokens.invalidate(tok.AccessToken)
			continue
		case res.status == http.StatusTooManyRequests && cl.idempotent && !rateRetried:
			rateRetried = true
			wait := min(c.retryAfter(cl, res), c.maxRetryWait)
			if err := sleepCtx(ctx, wait); err != nil {
				return nil, fmt.Errorf("%w (gave up waiting to retry: %w)", c.failure(cl, res), err)
			}
			continue
		case res.status < 200 || res.status > 299:
			return nil, c.failure(cl, res)
		}
		if cl.v2() {
			c.v2Throttled.Store(0)
		}
		return res, nil
	}
}

// v2Backoff is the first wait after a v2 429 without Retry-After; it
// doubles with each 429 in a row, up to maxV2Backoff.
const (
	v2Backoff    = time.Second
	maxV2Backoff = time.Minute
)

// retryAfter is how long a 429 asks to wait: on v1 until the hourly quota
// resets; on v2 the answer's own Retry-After, else an exponential backoff
// of the client's own. The v1 reset is never read for a v2 call.
func (c *Client) retryAfter(cl call, res *response) time.Duration {
	if !cl.v2() {
		if reset, ok := resetAfter(res.header); ok {
			return reset
		}
		return c.maxRetryWait
	}
	if n, err := strconv.Atoi(strings.TrimSpace(res.header.Get("Retry-After"))); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if at, err := http.ParseTime(res.header.Get("Retry-After")); err == nil {
		return max(at.Sub(c.now()), 0)
	}
	n := min(c.v2Throttled.Add(1)-1, 6)
	return min(v2Backoff<<n, maxV2Backoff)
}

// failure is the typed error of an answer outside 2xx.
func (c *Client) failure(cl call, res *response) error {
	err := parseError(cl.op, res)
	if rl, ok := err.(*RateLimitError); ok && cl.v2() {
		rl.Hourly, rl.RetryAfter = false, c.retryAfter(cl, res)
	}
	return err
}

// tokenWorks asks OneLogin whether token is still good, with the cheapest
// authenticated read (the rate-limit status), without refreshing it. An
// unreachable OneLogin counts as "works": the token is then kept.
func (c *Client) tokenWorks(ctx context.Context, token string) bool {
	res, err := c.attempt(ctx, call{op: "TokenCheck", method: http.MethodGet, path: "/auth/rate_limit"}, nil, token)
	return err != nil || res.status != http.StatusUnauthorized
}

// attempt is one HTTP exchange under the per-request timeout.
func (c *Client) attempt(ctx context.Context, cl call, body []byte, token string) (*response, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := c.endpoint(cl.path)
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, u, rdr)
	if err != nil {
		return nil, &TransportError{Op: cl.op, Err: err}
	}
	req.Header.Set("Authorization", "bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if id := requestIDFrom(ctx); id != "" {
		req.Header.Set("X-Request-Id", id)
	}
	return c.exchange(cl.op, req)
}

// exchange sends req, reads the whole answer, reports it to the observer
// and records rate-limit headers. Errors never include headers or bodies.
func (c *Client) exchange(op string, req *http.Request) (*response, error) {
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.obs.ObserveCall(op, 0, time.Since(start))
		return nil, &TransportError{Op: op, Err: withoutQuery(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	c.obs.ObserveCall(op, resp.StatusCode, time.Since(start))
	if rl, ok := parseRateLimit(resp.Header); ok {
		rl.Observed = c.now()
		c.setRateLimit(rl)
	}
	if err != nil {
		return nil, &TransportError{Op: op, Err: fmt.Errorf("reading the answer (HTTP %d): %w", resp.StatusCode, err)}
	}
	return &response{
		status:      resp.StatusCode,
		contentType: resp.Header.Get("Content-Type"),
		header:      resp.Header,
		body:        body,
	}, nil
}

// parseRateLimit reads X-RateLimit-Limit/-Remaining/-Reset (any case; Reset
// is seconds until the hourly window resets). ok is false when none is there.
func parseRateLimit(h http.Header) (rl RateLimit, ok bool) {
	read := func(name string, dst *int) {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			return
		}
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			*dst = n
			ok = true
		}
	}
	var reset int
	read("X-RateLimit-Limit", &rl.Limit)
	read("X-RateLimit-Remaining", &rl.Remaining)
	read("X-RateLimit-Reset", &reset)
	rl.Reset = time.Duration(reset) * time.Second
	return rl, ok
}

// resetAfter reads X-RateLimit-Reset alone: how long until the quota resets.
func resetAfter(h http.Header) (time.Duration, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Reset")))
	if err != nil || n < 0 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// sleepCtx waits d unless ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// withoutQuery drops the query from the URL that net/http puts in its
// errors: a search query names people, and errors end up in logs.
func withoutQuery(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return &url.Error{Op: ue.Op, URL: "(unparseable URL)", Err: ue.Err}
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}
