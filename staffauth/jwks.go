package staffauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// jwtVerifier checks the proxy's signed assertion against keys from its
// JWKS URL. The key set is fetched on first use and then refreshed every
// refreshEvery, so a key the provider removes stops verifying within that
// interval. An unknown key id also triggers a fetch, but never more than
// one a minute, so a flood of forged kids cannot hammer the provider.
//
// At most one fetch runs at a time, and no lock is held while it waits on
// the network: assertions whose key is already known keep verifying with
// the cached set; only those that need a key the cache lacks wait for the
// fetch.
type jwtVerifier struct {
	url, audience, issuer, groupsClaim string
	groupsSep                          string
	leeway                             time.Duration
	refreshEvery                       time.Duration
	http                               *http.Client
	now                                func() time.Time
	log                                *slog.Logger

	mu        sync.Mutex
	keys      jose.JSONWebKeySet
	loaded    time.Time   // when keys arrived; zero before the first set
	attempted time.Time   // start of the last fetch; zero before the first
	inflight  *jwksFetch  // the running fetch; nil when none runs
	timer     *time.Timer // the next scheduled refresh
	closed    bool        // no more scheduled refreshes
}

// jwksFetch is one fetch of the key set; err is set before done closes.
type jwksFetch struct {
	done chan struct{}
	err  error
}

const (
	// jwksRefetchInterval bounds how often the key set is fetched again.
	jwksRefetchInterval = time.Minute
	// jwksFetchTimeout bounds one fetch, whatever the HTTP client allows,
	// so a provider that never answers cannot hold the single fetch.
	jwksFetchTimeout = 10 * time.Second
)

func newJWTVerifier(cfg Config, client *http.Client, now func() time.Time, logger *slog.Logger) *jwtVerifier {
	return &jwtVerifier{url: cfg.Auth.Proxy.JWKSURL, audience: cfg.Auth.Proxy.JWTAudience, issuer: cfg.Auth.Proxy.JWTIssuer,
		groupsClaim: cfg.Auth.Proxy.JWTGroupsClaim, groupsSep: cfg.Auth.GroupsSeparator, leeway: jwtLeeway,
		refreshEvery: cfg.Auth.Proxy.JWKSRefresh, http: client, now: now, log: logger}
}

// key finds the verification key for kid. A known key is returned at once
// (starting a background refresh when the set is due for one); for an
// unknown kid it waits for a fetch, starting one if the last is a minute
// old.
func (v *jwtVerifier) key(ctx context.Context, kid, alg string) (jose.JSONWebKey, error) {
	v.mu.Lock()
	if k, ok := v.lookup(kid, alg); ok {
		if v.dueLocked(v.now()) { // the timer is late, or stopped
			v.startLocked(ctx)
		}
		v.mu.Unlock()
		return k, nil
	}
	f := v.inflight
	if f == nil {
		now := v.now()
		if !v.attempted.IsZero() && now.Sub(v.attempted) < jwksRefetchInterval {
			v.mu.Unlock()
			return jose.JSONWebKey{}, fmt.Errorf("unknown key id %q (key set fetched %s ago)", kid, now.Sub(v.attempted).Round(time.Second))
		}
		f = v.startLocked(ctx)
	}
	v.mu.Unlock()

	select {
	case <-f.done:
	case <-ctx.Done():
		return jose.JSONWebKey{}, fmt.Errorf("unknown key id %q: gave up waiting for the key set: %w", kid, ctx.Err())
	}
	if f.err != nil {
		return jose.JSONWebKey{}, f.err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.lookup(kid, alg); ok {
		return k, nil
	}
	return jose.JSONWebKey{}, fmt.Errorf("unknown key id %q", kid)
}

// dueLocked reports whether a scheduled refresh should start: the set is
// refreshEvery old, nothing is being fetched, and the last try is a minute
// old (so a provider that is down is asked once a minute, not per request).
func (v *jwtVerifier) dueLocked(now time.Time) bool {
	return v.inflight == nil && now.Sub(v.loaded) >= v.refreshEvery && now.Sub(v.attempted) >= jwksRefetchInterval
}

// startLocked starts a fetch in the background. The fetch outlives the
// request that started it: one caller's cancelled request must not waste
// the fetch for everyone waiting on it.
func (v *jwtVerifier) startLocked(ctx context.Context) *jwksFetch {
	f := &jwksFetch{done: make(chan struct{})}
	v.inflight = f
	v.attempted = v.now()
	go v.run(context.WithoutCancel(ctx), f)
	return f
}

func (v *jwtVerifier) run(ctx context.Context, f *jwksFetch) {
	ctx, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
	defer cancel()
	set, err := v.fetch(ctx)
	v.mu.Lock()
	if err == nil {
		v.keys, v.loaded = set, v.now()
	}
	f.err = err
	v.inflight = nil
	v.scheduleLocked()
	v.mu.Unlock()
	close(f.done)
	if err != nil {
		v.log.LogAttrs(ctx, slog.LevelWarn, "proxy JWKS fetch failed; the keys fetched before stay in use",
			slog.String("url", v.url), slog.String("error", err.Error()))
	}
}

// scheduleLocked sets the timer for the next refresh: when the set is
// refreshEvery old, or a minute after the last try if that is later.
func (v *jwtVerifier) scheduleLocked() {
	if v.closed {
		return
	}
	next := v.loaded.Add(v.refreshEvery)
	if retry := v.attempted.Add(jwksRefetchInterval); retry.After(next) {
		next = retry
	}
	d := next.Sub(v.now())
	if v.timer == nil {
		v.timer = time.AfterFunc(d, v.tick)
		return
	}
	v.timer.Reset(d)
}

// tick is the timer's refresh.
func (v *jwtVerifier) tick() {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case v.closed, v.inflight != nil: // a running fetch schedules the next
	case v.dueLocked(v.now()):
		v.startLocked(context.Background())
	default:
		v.scheduleLocked()
	}
}

// close stops the scheduled refreshes; fetches for unknown kids go on.
func (v *jwtVerifier) close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.closed = true
	if v.timer != nil {
		v.timer.Stop()
	}
}

func (v *jwtVerifier) lookup(kid, alg string) (jose.JSONWebKey, bool) {
	var candidates []jose.JSONWebKey
	if kid != "" {
		candidates = v.keys.Key(kid)
	} else if len(v.keys.Keys) == 1 {
		candidates = v.keys.Keys // a single unnamed key needs no kid
	}
	for _, k := range candidates {
		if k.IsPublic() && (k.Use == "" || k.Use == "sig") && (k.Algorithm == "" || k.Algorithm == alg) {
			return k, true
		}
	}
	return jose.JSONWebKey{}, false
}

func (v *jwtVerifier) fetch(ctx context.Context) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.url, nil)
	if err != nil {
		return set, fmt.Errorf("JWKS request: %w", err)
	}
	res, err := v.http.Do(req)
	if err != nil {
		return set, fmt.Errorf("JWKS fetch: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return set, fmt.Errorf("JWKS fetch: status %d", res.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&set); err != nil {
		return set, fmt.Errorf("JWKS decode: %w", err)
	}
	return set, nil
}
