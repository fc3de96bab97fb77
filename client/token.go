package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// credentials holds the API credential. Its print methods redact, in case a
// value ever reaches a log through reflection.
type credentials struct {
	id, secret string
}

func (*credentials) String() string             { return "[redacted]" }
func (*credentials) GoString() string           { return "[redacted]" }
func (*credentials) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "[redacted]") }

// tokenFetcher is an oauth2.TokenSource doing OneLogin's client-credentials
// call: POST /auth/oauth2/v2/token with HTTP Basic auth and a JSON body.
// x/oauth2's clientcredentials package cannot be used because it sends a
// form post. Each call makes one request; tokenCache decides when.
type tokenFetcher struct {
	c *Client
}

var _ oauth2.TokenSource = (*tokenFetcher)(nil)

func (*tokenFetcher) String() string { return "tokenFetcher{[redacted]}" }

// tokenReply is the flat v2 answer; the envelope fields let the same struct
// read the legacy shape {"status":..,"data":[{token}]} too. created_at is
// kept raw: an odd value must not cost the token, only the precise expiry.
type tokenReply struct {
	AccessToken flexString      `json:"access_token"`
	CreatedAt   json.RawMessage `json:"created_at"`
	ExpiresIn   flexInt         `json:"expires_in"`
	TokenType   flexString      `json:"token_type"`
	Status      *wireStatus     `json:"status"`
	Data        json.RawMessage `json:"data"`
}

// Token fetches a new token. It is not tied to any caller's context: several
// callers may be waiting for it, and one of them giving up must not fail the
// others, so it runs under the client's own timeout.
func (f *tokenFetcher) Token() (tok *oauth2.Token, err error) {
	c := f.c
	defer func() { c.obs.ObserveTokenFetch(err) }()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()

	const op = "Token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint("/auth/oauth2/v2/token"),
		strings.NewReader(`{"grant_type":"client_credentials"}`))
	if err != nil {
		return nil, &TransportError{Op: op, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.SetBasicAuth(c.creds.id, c.creds.secret)

	res, err := c.exchange(op, req)
	if err != nil {
		return nil, err
	}
	if res.status != http.StatusOK && res.status != http.StatusCreated {
		return nil, parseError(op, res)
	}
	var r tokenReply
	if err := json.Unmarshal(res.body, &r); err != nil {
		return nil, decodeError(op, err)
	}
	if r.Status != nil && bool(r.Status.Error) {
		return nil, parseError(op, res)
	}
	if r.AccessToken == "" {
		items, err := flattenList(r.Data)
		if err != nil {
			return nil, decodeError(op, err)
		}
		if len(items) > 0 {
			var inner tokenReply
			if err := json.Unmarshal(items[0], &inner); err != nil {
				return nil, decodeError(op, err)
			}
			r = inner
		}
	}
	if r.AccessToken == "" {
		return nil, decodeError(op, errors.New("no access_token in the answer"))
	}
	tok = &oauth2.Token{AccessToken: string(r.AccessToken), TokenType: "bearer"}
	if r.ExpiresIn > 0 {
		tok.Expiry = tokenExpiry(r.CreatedAt, time.Duration(r.ExpiresIn)*time.Second, c.now())
	}
	return tok, nil
}

// tokenExpiry is when a token stops working. OneLogin hands the same token
// out again until it expires, each time with its original created_at and
// the full expires_in (36000), so the expiry is created_at + expires_in, as
// OneLogin's own SDKs compute it; now + expires_in would keep a re-issued
// token in use for up to ten hours after OneLogin stopped accepting it.
// Without a readable created_at (absent, null, not RFC 3339) now +
// expires_in is the best there is. Neither may end later than now +
// expires_in: a created_at ahead of our clock is skew, not a longer life.
func tokenExpiry(createdAt json.RawMessage, life time.Duration, now time.Time) time.Time {
	latest := now.Add(life)
	var s string
	if json.Unmarshal(createdAt, &s) != nil {
		return latest
	}
	at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return latest
	}
	if exp := at.Add(life); exp.Before(latest) {
		return exp
	}
	return latest
}

// tokenCache plays the part of oauth2.ReuseTokenSourceWithExpiry, with two
// differences that matter here: callers waiting for a fetch share its result,
// error included (so a bad secret costs one token request, not one per
// waiting caller), and a waiting caller can give up when its context ends.
type tokenCache struct {
	src oauth2.TokenSource
	now func() time.Time

	mu        sync.Mutex
	tok       *oauth2.Token
	refreshAt time.Time // zero: no expiry was given; reuse until a 401
	flight    *tokenFlight
}

type tokenFlight struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

func (*tokenCache) String() string { return "tokenCache{[redacted]}" }

func newTokenCache(src oauth2.TokenSource, now func() time.Time) *tokenCache {
	return &tokenCache{src: src, now: now}
}

// get returns a valid token, starting a fetch when there is none and no fetch
// is already running.
func (tc *tokenCache) get(ctx context.Context, op string) (*oauth2.Token, error) {
	tc.mu.Lock()
	if tc.tok != nil && (tc.refreshAt.IsZero() || tc.now().Before(tc.refreshAt)) {
		t := tc.tok
		tc.mu.Unlock()
		return t, nil
	}
	fl := tc.flight
	if fl == nil {
		fl = &tokenFlight{done: make(chan struct{})}
		tc.flight = fl
		go tc.fetch(fl)
	}
	tc.mu.Unlock()

	select {
	case <-fl.done:
		return fl.tok, fl.err
	case <-ctx.Done():
		return nil, &TransportError{Op: op, Err: fmt.Errorf("waiting for a token: %w", ctx.Err())}
	}
}

func (tc *tokenCache) fetch(fl *tokenFlight) {
	tok, err := tc.src.Token()
	tc.mu.Lock()
	tc.flight = nil
	if err == nil {
		tc.tok = tok
		tc.refreshAt = time.Time{}
		if !tok.Expiry.IsZero() {
			// Renew a little before expiry: a tenth of the time left, at
			// most a minute, so short-lived test tokens are still reused. A
			// token already past its expiry (a re-issue at the very end of
			// its life, or clock skew) serves the callers waiting for this
			// fetch but is not reused.
			life := tok.Expiry.Sub(tc.now())
			tc.refreshAt = tok.Expiry.Add(-max(0, min(time.Minute, life/10)))
		}
	}
	tc.mu.Unlock()
	fl.tok, fl.err = tok, err
	close(fl.done)
}

// invalidate drops the cached token if it is still the one OneLogin refused,
// so that the next get fetches a new one. Comparing the token (rather than
// dropping unconditionally) keeps many concurrent 401s to one refresh.
func (tc *tokenCache) invalidate(refused string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.tok != nil && tc.tok.AccessToken == refused {
		tc.tok = nil
	}
}
