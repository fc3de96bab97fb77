// Package fakeoidc is a small OpenID Connect provider for the fake tenant,
// so the demo and the tests sign in through a real authorization-code flow
// (PKCE, state, nonce, an RS256-signed ID token) without a real identity
// provider. It plays OneLogin's role at https://<sub>.onelogin.com/oidc/2.
//
// It serves, under the issuer's path:
//
//	/.well-known/openid-configuration  discovery
//	/certs                             the signing key as a JWKS
//	/auth                              a page to pick who signs in (data-testid="pick-<email>");
//	                                   with prompt=none, whoever this browser picked last, or login_required
//	/token                             code exchange (client secret via Basic or form, PKCE S256)
//	/me                                userinfo for the access token
//
// Mount it wherever the issuer URL points, with or without the prefix
// stripped:
//
//	p := fakeoidc.NewProvider(tenantURL+"/oidc/2", fakeoidc.DirectoryFunc(persons),
//		fakeoidc.WithClient(fakeoidc.Client{ID: "helpdesk", Secret: s,
//			RedirectURIs: []string{consoleURL + "/auth/callback"}}))
//	mux.Handle("/oidc/2/", p)
//
// It is a fake: anyone who reaches /auth may sign in as anyone listed.
package fakeoidc

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Person is someone the provider can sign in.
type Person struct {
	ID     int64
	Email  string
	Name   string
	Groups []string
}

// Directory lists the people who can sign in. It is asked on every page
// view, so it follows changes made to the fake tenant.
type Directory interface {
	Persons() []Person
}

// DirectoryFunc adapts a function to Directory; main uses it to convert the
// fake tenant's own person type.
type DirectoryFunc func() []Person

// Persons implements Directory.
func (f DirectoryFunc) Persons() []Person { return f() }

// Client is a registered relying party.
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string // exact matches only
}

// Option configures a Provider.
type Option func(*Provider)

// WithClient registers a client; give it once per client.
func WithClient(c Client) Option {
	return func(p *Provider) { p.clients[c.ID] = c }
}

// WithClock sets the provider's clock, for tests of expiry.
func WithClock(now func() time.Time) Option { return func(p *Provider) { p.now = now } }

// WithGroupsClaim names the ID-token claim that carries the groups
// (default "groups").
func WithGroupsClaim(name string) Option { return func(p *Provider) { p.groupsClaim = name } }

// WithTokenTTL sets how long ID and access tokens live (default 1h).
func WithTokenTTL(d time.Duration) Option { return func(p *Provider) { p.tokenTTL = d } }

// WithKey signs with the given key and key id instead of a fresh one.
func WithKey(key *rsa.PrivateKey, kid string) Option {
	return func(p *Provider) { p.key, p.kid = key, kid }
}

// WithClaims lets a test change the ID token's claims just before signing,
// to produce a token that a relying party must refuse (wrong nonce,
// audience, expiry).
func WithClaims(edit func(claims map[string]any)) Option {
	return func(p *Provider) { p.editClaims = edit }
}

// OnSignIn has fn called with each sign-in the provider grants (a person
// picked on its page), so the fake tenant can record it in its events.
func OnSignIn(fn func(r *http.Request, p Person)) Option {
	return func(p *Provider) { p.onSignIn = fn }
}

// Provider is the fake OIDC provider. It is safe for concurrent use.
type Provider struct {
	issuer      string
	base        string // issuer path, the prefix routes live under
	dir         Directory
	clients     map[string]Client
	now         func() time.Time
	groupsClaim string
	tokenTTL    time.Duration
	key         *rsa.PrivateKey
	kid         string
	editClaims  func(map[string]any)
	onSignIn    func(*http.Request, Person)
	signer      jose.Signer

	mu     sync.Mutex
	codes  map[string]grant
	tokens map[string]accessGrant
}

// grant is an issued authorization code.
type grant struct {
	clientID, redirectURI, challenge, nonce, scope string
	person                                         Person
	expires                                        time.Time
}

type accessGrant struct {
	person  Person
	expires time.Time
}

const codeTTL = 2 * time.Minute

// NewProvider returns a provider for issuer (an absolute URL, no trailing
// slash, e.g. http://127.0.0.1:8081/oidc/2). It panics on a malformed
// issuer or key, which are programming errors in a test fixture.
func NewProvider(issuer string, dir Directory, opts ...Option) *Provider {
	u, err := url.Parse(issuer)
	if err != nil || u.Scheme == "" || u.Host == "" {
		panic(fmt.Sprintf("fakeoidc: issuer %q is not an absolute URL", issuer))
	}
	p := &Provider{
		issuer:      strings.TrimSuffix(issuer, "/"),
		base:        strings.TrimSuffix(u.Path, "/"),
		dir:         dir,
		clients:     map[string]Client{},
		now:         time.Now,
		groupsClaim: "groups",
		tokenTTL:    time.Hour,
		codes:       map[string]grant{},
		tokens:      map[string]accessGrant{},
	}
	for _, o := range opts {
		o(p)
	}
	if p.key == nil {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic("fakeoidc: generate key: " + err.Error())
		}
		p.key, p.kid = key, randomString(8)
	}
	p.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), p.kid))
	if err != nil {
		panic("fakeoidc: signer: " + err.Error())
	}
	return p
}

// Issuer is the issuer URL, as discovery reports it.
func (p *Provider) Issuer() string { return p.issuer }

// KeyID is the id of the current signing key.
func (p *Provider) KeyID() string { return p.kid }

// ServeHTTP routes by the path below the issuer's path.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, p.base)
	switch path {
	case "/.well-known/openid-configuration":
		p.discovery(w, r)
	case "/certs":
		p.certs(w, r)
	case "/auth":
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			p.authorizePage(w, r)
		case http.MethodPost:
			p.authorizePick(w, r)
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	case "/token":
		p.token(w, r)
	case "/me":
		p.userinfo(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.issuer,
		"authorization_endpoint":                p.issuer + "/auth",
		"token_endpoint":                        p.issuer + "/token",
		"userinfo_endpoint":                     p.issuer + "/me",
		"jwks_uri":                              p.issuer + "/certs",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "profile", "groups"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"grant_types_supported":                 []string{"authorization_code"},
		"claims_supported":                      []string{"sub", "email", "name", "nonce", p.groupsClaim},
	})
}

func (p *Provider) certs(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &p.key.PublicKey, KeyID: p.kid, Algorithm: string(jose.RS256), Use: "sig",
	}}})
}

// authRequest is a parsed, validated authorization request.
type authRequest struct {
	client                                      Client
	redirectURI, state, nonce, scope, challenge string
}

// parseAuth checks an authorization request. A bad client or redirect URI
// gets an error page (redirecting to an unregistered URI would make the
// provider an open redirector); other problems go back to the client.
func (p *Provider) parseAuth(w http.ResponseWriter, r *http.Request, q url.Values) (authRequest, bool) {
	c, ok := p.clients[q.Get("client_id")]
	if !ok {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return authRequest{}, false
	}
	ar := authRequest{client: c, redirectURI: q.Get("redirect_uri"), state: q.Get("state"),
		nonce: q.Get("nonce"), scope: q.Get("scope"), challenge: q.Get("code_challenge")}
	if !slices.Contains(c.RedirectURIs, ar.redirectURI) {
		http.Error(w, "redirect_uri is not registered for this client", http.StatusBadRequest)
		return authRequest{}, false
	}
	fail := func(code, desc string) (authRequest, bool) {
		redirectBack(w, r, ar.redirectURI, url.Values{"error": {code}, "error_description": {desc}, "state": {ar.state}})
		return authRequest{}, false
	}
	switch {
	case q.Get("response_type") != "code":
		return fail("unsupported_response_type", "only response_type=code is supported")
	case !slices.Contains(strings.Fields(ar.scope), "openid"):
		return fail("invalid_scope", "scope must include openid")
	case ar.challenge == "" || q.Get("code_challenge_method") != "S256":
		return fail("invalid_request", "PKCE with code_challenge_method=S256 is required")
	}
	return ar, true
}

func (ar authRequest) hidden() map[string]string {
	return map[string]string{
		"client_id": ar.client.ID, "redirect_uri": ar.redirectURI, "state": ar.state, "nonce": ar.nonce,
		"scope": ar.scope, "code_challenge": ar.challenge, "code_challenge_method": "S256", "response_type": "code",
	}
}

const maxListed = 100

var pickPage = template.Must(template.New("pick").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in · Fake OneLogin</title></head>
<body>
<h1>Fake OneLogin: choose who signs in</h1>
<p>This is the fake tenant's identity provider. Pick a person to sign in to <strong>{{.Client}}</strong> as them.</p>
<form method="get" action="{{.Action}}" role="search">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<label>Search <input type="search" name="q" value="{{.Q}}" data-testid="search" autofocus></label>
<button type="submit" data-testid="search-button">Search</button>
</form>
<form method="post" action="{{.Action}}">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<ul>
{{range .People}}<li><button type="submit" name="person" value="{{.ID}}" data-testid="pick-{{.Email}}">{{.Name}} &lt;{{.Email}}&gt;</button>{{if .Groups}} <small>{{range $i, $g := .Groups}}{{if $i}}, {{end}}{{$g}}{{end}}</small>{{end}}</li>
{{else}}<li>Nobody matches.</li>
{{end}}</ul>
{{if .More}}<p>{{.More}} more; search to narrow the list.</p>{{end}}
<button type="submit" name="deny" value="1" data-testid="deny">Cancel sign-in</button>
</form>
</body>
</html>
`))

// sessionCookie is the provider's own session: who last signed in through
// this browser, so that prompt=none can sign them in again silently, with
// their groups as the directory has them now. A fake: the cookie is the
// person's id, unsigned.
const sessionCookie = "oidctest_session"

func (p *Provider) authorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ar, ok := p.parseAuth(w, r, q)
	if !ok {
		return
	}
	if q.Get("prompt") == "none" {
		p.silent(w, r, ar)
		return
	}
	needle := strings.ToLower(strings.TrimSpace(q.Get("q")))
	var people []Person
	more := 0
	for _, person := range p.dir.Persons() {
		if needle != "" && !strings.Contains(strings.ToLower(person.Email+" "+person.Name), needle) {
			continue
		}
		if len(people) == maxListed {
			more++
			continue
		}
		people = append(people, person)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = pickPage.Execute(w, map[string]any{
		"Action": p.base + "/auth", "Hidden": ar.hidden(), "Q": q.Get("q"),
		"People": people, "More": more, "Client": ar.client.ID,
	})
}

func (p *Provider) authorizePick(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	ar, ok := p.parseAuth(w, r, r.PostForm)
	if !ok {
		return
	}
	if r.PostForm.Get("deny") != "" {
		redirectBack(w, r, ar.redirectURI, url.Values{"error": {"access_denied"},
			"error_description": {"the person cancelled sign-in"}, "state": {ar.state}})
		return
	}
	id, _ := strconv.ParseInt(r.PostForm.Get("person"), 10, 64)
	var person *Person
	for _, candidate := range p.dir.Persons() {
		if candidate.ID == id {
			person = &candidate
			break
		}
	}
	if person == nil {
		http.Error(w, "no such person", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: strconv.FormatInt(person.ID, 10),
		Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if p.onSignIn != nil {
		p.onSignIn(r, *person)
	}
	p.grant(w, r, ar, *person)
}

// silent answers prompt=none: a code for whoever this browser last signed
// in as, when the directory still has them; otherwise login_required, as
// OpenID Connect says, and the client asks the person to sign in.
func (p *Provider) silent(w http.ResponseWriter, r *http.Request, ar authRequest) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		id, _ := strconv.ParseInt(ck.Value, 10, 64)
		for _, candidate := range p.dir.Persons() {
			if candidate.ID == id {
				p.grant(w, r, ar, candidate)
				return
			}
		}
	}
	redirectBack(w, r, ar.redirectURI, url.Values{"error": {"login_required"},
		"error_description": {"no session at the provider"}, "state": {ar.state}})
}

// grant issues a code for person and sends the browser back with it.
func (p *Provider) grant(w http.ResponseWriter, r *http.Request, ar authRequest, person Person) {
	code := randomString(32)
	p.mu.Lock()
	p.gc()
	p.codes[code] = grant{clientID: ar.client.ID, redirectURI: ar.redirectURI, challenge: ar.challenge,
		nonce: ar.nonce, scope: ar.scope, person: person, expires: p.now().Add(codeTTL)}
	p.mu.Unlock()
	redirectBack(w, r, ar.redirectURI, url.Values{"code": {code}, "state": {ar.state}})
}

// gc drops expired codes and tokens; the caller holds p.mu.
func (p *Provider) gc() {
	now := p.now()
	for k, g := range p.codes {
		if now.After(g.expires) {
			delete(p.codes, k)
		}
	}
	for k, t := range p.tokens {
		if now.After(t.expires) {
			delete(p.tokens, k)
		}
	}
}

// tokenError answers in RFC 6749 section 5.2's shape.
func tokenError(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="fakeoidc"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		tokenError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 2.3.1: Basic credentials are form-encoded first.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, ok := p.clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code is supported")
		return
	}
	code := r.PostForm.Get("code")
	p.mu.Lock()
	g, found := p.codes[code]
	delete(p.codes, code) // single use, even when the exchange fails
	p.mu.Unlock()
	verifier := r.PostForm.Get("code_verifier")
	switch {
	case !found || p.now().After(g.expires):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "code is unknown, used or expired")
		return
	case g.clientID != c.ID:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "code was issued to another client")
		return
	case r.PostForm.Get("redirect_uri") != g.redirectURI:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
		return
	case len(verifier) < 43 || len(verifier) > 128 || s256(verifier) != g.challenge:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "PKCE code_verifier does not match")
		return
	}
	now := p.now()
	claims := map[string]any{
		"iss":       p.issuer,
		"sub":       strconv.FormatInt(g.person.ID, 10),
		"aud":       c.ID,
		"exp":       now.Add(p.tokenTTL).Unix(),
		"iat":       now.Unix(),
		"auth_time": now.Unix(),
		"email":     g.person.Email,
		"name":      g.person.Name,
	}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	groups := g.person.Groups
	if groups == nil {
		groups = []string{}
	}
	claims[p.groupsClaim] = groups
	if p.editClaims != nil {
		p.editClaims(claims)
	}
	idToken, err := jwt.Signed(p.signer).Claims(claims).Serialize()
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", "could not sign the ID token")
		return
	}
	access := randomString(32)
	p.mu.Lock()
	p.tokens[access] = accessGrant{person: g.person, expires: now.Add(p.tokenTTL)}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access,
		"token_type":   "Bearer",
		"expires_in":   int(p.tokenTTL.Seconds()),
		"id_token":     idToken,
		"scope":        g.scope,
	})
}

func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p.mu.Lock()
	g, found := p.tokens[tok]
	p.mu.Unlock()
	if !ok || !found || p.now().After(g.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	groups := g.person.Groups
	if groups == nil {
		groups = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sub": strconv.FormatInt(g.person.ID, 10), "email": g.person.Email, "name": g.person.Name,
		p.groupsClaim: groups,
	})
}

// redirectBack sends the browser to the client's redirect URI with params
// added to any query it already has.
func redirectBack(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, vs := range params {
		if len(vs) == 1 && vs[0] == "" {
			continue
		}
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
