package staffauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"onelogin-helpdesk/access"
)

// proxyIdentity believes the proxy's headers, or its signed assertion, only
// when the TCP peer is a trusted proxy. The error says why (for the log,
// never for the page).
func (a *Auth) proxyIdentity(r *http.Request) (access.Identity, error) {
	peer, ok := peerAddr(r)
	if !ok {
		return access.Identity{}, fmt.Errorf("unparseable peer address %q", r.RemoteAddr)
	}
	if !a.trusted(peer) {
		return access.Identity{}, fmt.Errorf("peer %s is not in HELPDESK_TRUSTED_PROXIES", peer)
	}
	if err := a.singleIdentityHeaders(r); err != nil {
		return access.Identity{}, err
	}
	var email, name string
	var groups []string
	if a.jwt != nil {
		raw := strings.TrimSpace(strings.TrimPrefix(r.Header.Get(a.cfg.Auth.Proxy.JWTHeader), "Bearer "))
		if raw == "" {
			return access.Identity{}, fmt.Errorf("no %s assertion", a.cfg.Auth.Proxy.JWTHeader)
		}
		c, err := a.jwt.verify(r.Context(), raw)
		if err != nil {
			return access.Identity{}, fmt.Errorf("assertion refused: %w", err)
		}
		email, name, groups = c.email, c.name, c.groups
	} else {
		email = strings.TrimSpace(r.Header.Get(a.cfg.Auth.Proxy.EmailHeader))
		// The user header is a display name only, never the email, even
		// when it looks like one: it is whatever the IdP calls a username,
		// which is not necessarily an address the person owns.
		name = strings.TrimSpace(r.Header.Get(a.cfg.Auth.Proxy.UserHeader))
		groups = splitGroups(r.Header.Get(a.cfg.Auth.Proxy.GroupsHeader), a.cfg.Auth.GroupsSeparator)
	}
	if _, err := mail.ParseAddress(email); err != nil || strings.ContainsAny(email, "<> ") {
		return access.Identity{}, errors.New("no valid email in the proxy's identity")
	}
	if name == "" {
		name = email
	}
	return access.Identity{Email: email, Name: name, Groups: groups, Role: a.groups.RoleFor(groups)}, nil
}

// repeatedHeaderError is a request that carries an identity header more
// than once. A proxy sends each once; a second copy is someone trying to
// slip a value past a proxy that only overwrites the first, so the request
// is refused (400) rather than resolved by picking or merging copies. It
// names the header, never its values: one may be a signed assertion.
type repeatedHeaderError struct {
	header string
	count  int
}

func (e *repeatedHeaderError) Error() string {
	return fmt.Sprintf("identity header %s sent %d times", e.header, e.count)
}

// singleIdentityHeaders refuses a request that repeats any identity
// header, configured assertion header included, even in assertion mode
// where the plain headers are otherwise ignored.
func (a *Auth) singleIdentityHeaders(r *http.Request) error {
	for _, h := range []string{a.cfg.Auth.Proxy.EmailHeader, a.cfg.Auth.Proxy.UserHeader, a.cfg.Auth.Proxy.GroupsHeader, a.cfg.Auth.Proxy.JWTHeader} {
		if h == "" {
			continue
		}
		if n := len(r.Header.Values(h)); n > 1 {
			return &repeatedHeaderError{header: http.CanonicalHeaderKey(h), count: n}
		}
	}
	return nil
}

// pinnedAlgs are the only algorithms accepted; "none" and HMAC (with a
// public key as the secret) are refused by construction.
var pinnedAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

type assertion struct {
	email, name string
	groups      []string
}

func (v *jwtVerifier) verify(ctx context.Context, raw string) (assertion, error) {
	tok, err := jwt.ParseSigned(raw, pinnedAlgs)
	if err != nil {
		return assertion{}, fmt.Errorf("parse: %w", err)
	}
	if len(tok.Headers) != 1 {
		return assertion{}, errors.New("expected exactly one signature")
	}
	h := tok.Headers[0]
	key, err := v.key(ctx, h.KeyID, h.Algorithm)
	if err != nil {
		return assertion{}, err
	}
	var std jwt.Claims
	var extra map[string]any
	if err := tok.Claims(key.Key, &std, &extra); err != nil {
		return assertion{}, fmt.Errorf("signature: %w", err)
	}
	if std.Expiry == nil {
		return assertion{}, errors.New("no exp claim")
	}
	err = std.ValidateWithLeeway(jwt.Expected{Issuer: v.issuer, AnyAudience: jwt.Audience{v.audience}, Time: v.now()}, v.leeway)
	if err != nil {
		return assertion{}, err
	}
	if err := emailVerified(extra["email_verified"]); err != nil {
		return assertion{}, err
	}
	email, _ := extra["email"].(string)
	name, _ := extra["name"].(string)
	return assertion{email: email, name: name, groups: claimGroups(extra[v.groupsClaim], v.groupsSep)}, nil
}

// emailVerified is the one rule for the email_verified claim, in the
// proxy's assertion and in an OIDC ID token alike: refused unless true.
// Without the claim the issuer vouches for the email by signing it. Some
// issuers send the claim as a string.
func emailVerified(v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case bool:
		if v {
			return nil
		}
	case string:
		if v == "true" {
			return nil
		}
	}
	return errors.New("the identity provider says the email is not verified")
}
