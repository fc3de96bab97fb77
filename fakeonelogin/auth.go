package fakeonelogin

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// tokenReply is the six-field token object (reference §1.4), in wire order.
type tokenReply struct {
	AccessToken  string `json:"access_token"`
	CreatedAt    string `json:"created_at"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	AccountID    int64  `json:"account_id"`
}

type v2Error struct {
	Message    string `json:"message"`
	Name       string `json:"name,omitempty"`
	StatusCode int    `json:"statusCode,omitempty"`
}

const isoMillis = "2006-01-02T15:04:05.000Z"

func isoTime(t time.Time) string { return t.UTC().Format(isoMillis) }

func (t *Tenant) serveAuth(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		fail(w, http.StatusNotFound, msgNoRoute)
		return
	}
	if r.URL.Path == "/auth/oauth2/revoke" {
		t.revoke(w, r, body)
		return
	}
	t.issueToken(w, r, body, r.URL.Path == "/auth/oauth2/token")
}

// clientCreds reads the credential from the Authorization header (variant A
// "client_id:x, client_secret:y" with or without the space, or variant B
// HTTP Basic) or, failing that, from form fields (variant C).
func clientCreds(r *http.Request, form url.Values) (id, secret string, present bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h != "" {
		if len(h) > 6 && strings.EqualFold(h[:6], "basic ") {
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[6:]))
			if err != nil {
				return "", "", false
			}
			id, secret, found := strings.Cut(string(raw), ":")
			return id, secret, found
		}
		for part := range strings.SplitSeq(h, ",") {
			k, v, found := strings.Cut(strings.TrimSpace(part), ":")
			if !found {
				return "", "", false
			}
			switch strings.TrimSpace(k) {
			case "client_id":
				id = strings.TrimSpace(v)
			case "client_secret":
				secret = strings.TrimSpace(v)
			default:
				return "", "", false
			}
		}
		return id, secret, id != "" && secret != ""
	}
	if form != nil && form.Has("client_id") && form.Has("client_secret") {
		return form.Get("client_id"), form.Get("client_secret"), true
	}
	return "", "", false
}

func (t *Tenant) credsOK(id, secret string) bool {
	// Not constant-time: this is a fake, and the comparison is never exposed
	// to an attacker.
	return id == t.opts.ClientID && secret == t.opts.ClientSecret
}

// issueToken serves both token paths. Variants A, B and C are accepted on
// both (the legacy path documents only A; accepting more is harmless).
func (t *Tenant) issueToken(w http.ResponseWriter, r *http.Request, body []byte, legacy bool) {
	var (
		grant string
		form  url.Values
	)
	switch {
	case isForm(r):
		f, err := url.ParseQuery(string(body))
		if err != nil {
			fail(w, http.StatusBadRequest, msgInvalidJSON)
			return
		}
		form, grant = f, f.Get("grant_type")
	case isJSON(r):
		var b struct {
			GrantType any `json:"grant_type"`
		}
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := json.Unmarshal(body, &b); err != nil {
				fail(w, http.StatusBadRequest, msgInvalidJSON)
				return
			}
		}
		grant, _ = b.GrantType.(string)
	default:
		// Assumption (U): the token call answers a missing/wrong Content-Type
		// like the revoke call documents it.
		fail(w, http.StatusBadRequest, msgContentType)
		return
	}
	id, secret, present := clientCreds(r, form)
	if !present {
		// Assumption (U): reuses the revoke call's sentence for a missing header.
		fail(w, http.StatusBadRequest, msgAuthMissing)
		return
	}
	if !t.credsOK(id, secret) {
		fail(w, http.StatusUnauthorized, msgAuthFailure)
		return
	}
	// Refresh grants are deprecated (reference §1.3); the fake refuses them.
	if grant != "client_credentials" {
		fail(w, http.StatusBadRequest, msgGrantType)
		return
	}
	now := t.clock.Now()
	tk := t.tokenFor(now, legacy)
	// A re-issued token comes back exactly as first issued: the original
	// created_at and the full expires_in, not the time left (recorded real
	// traffic; OneLogin's SDKs compute expiry as created_at + expires_in).
	reply := tokenReply{
		AccessToken: tk.access, CreatedAt: isoTime(tk.createdAt), ExpiresIn: tk.expiresIn,
		RefreshToken: tk.refresh, TokenType: "bearer", AccountID: t.opts.AccountID,
	}
	if legacy {
		writeJSON(w, http.StatusOK, envelope{Status: success(), Data: []tokenReply{reply}})
		return
	}
	writeJSON(w, http.StatusOK, reply)
}

// tokenFor returns the current token of the credential. The v2 endpoint hands
// the same token out, with its original created_at and expires_in, until it
// expires or is revoked (reference §1.6, recorded traffic); the legacy endpoint
// makes a new one and invalidates earlier ones (reference §1.6).
func (t *Tenant) tokenFor(now time.Time, fresh bool) *token {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.current; c != nil && !fresh && !c.revoked && now.Before(c.expiresAt) {
		return c
	}
	if fresh {
		for _, old := range t.tokens {
			old.revoked = true
		}
	}
	tk := &token{access: randomHex(32), refresh: randomHex(32), createdAt: now,
		expiresAt: now.Add(t.opts.TokenLifetime), expiresIn: int((t.opts.TokenLifetime + time.Second - 1) / time.Second)}
	t.tokens[tk.access] = tk
	t.current = tk
	return tk
}

func (t *Tenant) tokenValid(access string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	tk, ok := t.tokens[access]
	return ok && !tk.revoked && now.Before(tk.expiresAt)
}

// revoke implements POST /auth/oauth2/revoke (reference §1.7).
func (t *Tenant) revoke(w http.ResponseWriter, r *http.Request, body []byte) {
	if !isJSON(r) {
		fail(w, http.StatusBadRequest, msgContentType)
		return
	}
	id, secret, present := clientCreds(r, nil)
	if !present {
		fail(w, http.StatusBadRequest, msgAuthMissing)
		return
	}
	if !t.credsOK(id, secret) {
		fail(w, http.StatusUnauthorized, msgAuthFailure)
		return
	}
	var b struct {
		AccessToken any `json:"access_token"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		fail(w, http.StatusBadRequest, msgInvalidJSON)
		return
	}
	access, _ := b.AccessToken.(string)
	if access == "" {
		fail(w, http.StatusBadRequest, msgAccessTokenMiss)
		return
	}
	// There is one credential, so any token the fake issued belongs to it.
	// An unknown token is answered with success, as RFC 7009 does.
	t.mu.Lock()
	if tk, ok := t.tokens[access]; ok {
		tk.revoked = true
	}
	t.mu.Unlock()
	okStatusOnly(w)
}
