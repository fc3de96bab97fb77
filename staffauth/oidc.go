package staffauth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"onelogin-helpdesk/config"
)

// oidcClient signs people in with the authorization-code flow, PKCE (S256),
// state and nonce. Discovery happens on first use and is retried until it
// works, so the console starts even while the provider is briefly down.
type oidcClient struct {
	cfg  Config
	http *http.Client
	now  func() time.Time

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newOIDCClient(cfg Config, client *http.Client, now func() time.Time) *oidcClient {
	return &oidcClient{cfg: cfg, http: client, now: now}
}

// setup runs discovery once it succeeds; until then every sign-in retries.
func (o *oidcClient) setup(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.oauth != nil {
		return o.oauth, o.verifier, nil
	}
	// The provider keeps this context for fetching keys later, so it must
	// outlive the request that happened to trigger discovery.
	pctx := oidc.ClientContext(context.WithoutCancel(ctx), o.http)
	p, err := oidc.NewProvider(pctx, o.cfg.Auth.OIDC.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("OIDC discovery at %s: %w", o.cfg.Auth.OIDC.Issuer, err)
	}
	endpoint := p.Endpoint()
	endpoint.AuthStyle = authStyle(p)
	o.oauth = &oauth2.Config{
		ClientID:     o.cfg.Auth.OIDC.ClientID,
		ClientSecret: o.cfg.Auth.OIDC.ClientSecret,
		Endpoint:     endpoint,
		RedirectURL:  o.cfg.Auth.OIDC.RedirectURL,
		Scopes:       oidcScopes,
	}
	o.verifier = p.Verifier(&oidc.Config{
		ClientID:             o.cfg.Auth.OIDC.ClientID,
		SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256},
		Now:                  o.now,
	})
	return o.oauth, o.verifier, nil
}

// authStyle picks how the client secret is sent from what the provider
// announces. Leaving it to oauth2's auto-detection would retry a refused
// exchange with the other style, spending the single-use code on a second
// attempt and hiding the first refusal's reason.
func authStyle(p *oidc.Provider) oauth2.AuthStyle {
	var meta struct {
		Methods []string `json:"token_endpoint_auth_methods_supported"`
	}
	_ = p.Claims(&meta)
	// client_secret_basic is the default when the provider says nothing.
	if len(meta.Methods) == 0 || slices.Contains(meta.Methods, "client_secret_basic") {
		return oauth2.AuthStyleInHeader
	}
	return oauth2.AuthStyleInParams
}

// flow is one sign-in in progress, kept in the flow cookie between the
// redirect to the provider and the return.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
	Expires  int64  `json:"e"`
	// Silent is a role re-check asked with prompt=none: if the provider
	// needs the person, the console asks them to sign in again.
	Silent bool `json:"q,omitempty"`
}

// maxFlows lets a few tabs sign in at once without the cookie growing.
const maxFlows = 3

func (a *Auth) readFlows(r *http.Request) []flow {
	ck, err := r.Cookie(flowCookie)
	if err != nil {
		return nil
	}
	var raw string
	if err := securecookie.DecodeMulti(flowCookie, ck.Value, &raw, a.cookies.flow...); err != nil {
		return nil
	}
	var flows []flow
	_ = json.Unmarshal([]byte(raw), &flows)
	now := a.now().Unix()
	return slices.DeleteFunc(flows, func(f flow) bool { return f.Expires < now })
}

func (a *Auth) writeFlows(c echo.Context, flows []flow) error {
	ck := &http.Cookie{Name: flowCookie, Path: "/auth/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: a.scheme(c.Request()) == "https"}
	if len(flows) == 0 {
		ck.MaxAge = -1
	} else {
		raw, _ := json.Marshal(flows)
		v, err := securecookie.EncodeMulti(flowCookie, string(raw), a.cookies.flow...)
		if err != nil {
			return fmt.Errorf("encode sign-in cookie: %w", err)
		}
		ck.Value, ck.MaxAge = v, int(flowTTL.Seconds())
	}
	c.SetCookie(ck)
	return nil
}

// oidcLogin sends the browser to the provider.
func (a *Auth) oidcLogin(c echo.Context) error {
	ctx := c.Request().Context()
	oc, _, err := a.oidc.setup(ctx)
	if err != nil {
		a.log.ErrorContext(ctx, "sign-in provider unavailable", "err", err)
		return a.problem(c, http.StatusBadGateway, "Sign-in is unavailable",
			"The sign-in provider could not be reached. Try again in a minute.")
	}
	f := flow{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(),
		Next: localPath(c.QueryParam("next")), Expires: a.now().Add(flowTTL).Unix()}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)}
	if s := a.session(c); c.QueryParam("reauth") == "1" && s.live {
		// The role re-check: the provider answers at once for the person
		// it still has signed in, with their groups as they are now.
		f.Silent = true
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("login_hint", s.s.Email))
	}
	flows := append(a.readFlows(c.Request()), f)
	if len(flows) > maxFlows {
		flows = flows[len(flows)-maxFlows:]
	}
	if err := a.writeFlows(c, flows); err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, oc.AuthCodeURL(f.State, opts...))
}

// idClaims are the ID-token claims the console reads besides the groups.
type idClaims struct {
	Email         string `json:"email"`
	Name          string `json:"name"`
	PreferredName string `json:"preferred_username"`
}

// oidcCallback finishes a sign-in: the state must match a flow this browser
// started, the code is exchanged with that flow's PKCE verifier, and the ID
// token must verify and carry that flow's nonce.
func (a *Auth) oidcCallback(c echo.Context) error {
	r := c.Request()
	ctx := r.Context()
	flows := a.readFlows(r)
	state := c.QueryParam("state")
	idx := -1
	for i, f := range flows {
		if state != "" && subtle.ConstantTimeCompare([]byte(f.State), []byte(state)) == 1 {
			idx = i
		}
	}
	if idx < 0 {
		a.log.WarnContext(ctx, "sign-in refused", "reason", "state matches no sign-in started in this browser")
		return a.problem(c, http.StatusBadRequest, "Sign-in expired",
			"This sign-in was started in another browser or too long ago. Start again.")
	}
	f := flows[idx]
	// A flow is used once, whatever happens next.
	if err := a.writeFlows(c, slices.Delete(flows, idx, idx+1)); err != nil {
		return err
	}
	if e := c.QueryParam("error"); e != "" && f.Silent && needsPerson(e) {
		// The provider cannot re-check without the person: ask them.
		return c.Redirect(http.StatusSeeOther, loginPath+"?next="+url.QueryEscape(f.Next))
	}
	if e := c.QueryParam("error"); e != "" {
		a.log.WarnContext(ctx, "sign-in refused by the provider", "error", e, "description", c.QueryParam("error_description"))
		return a.problem(c, http.StatusForbidden, "Sign-in cancelled",
			"The sign-in provider did not sign you in. Start again if that was not intended.")
	}
	id, err := a.exchange(ctx, c.QueryParam("code"), f)
	if err != nil {
		a.log.WarnContext(ctx, "sign-in refused", "reason", err.Error())
		return a.problem(c, http.StatusUnauthorized, "Sign-in failed",
			"Your sign-in could not be confirmed. Start again; if it keeps failing, contact whoever runs the console.")
	}
	if err := a.signIn(c, id.email, id.name, id.groups, a.groups.RoleFor(id.groups)); err != nil {
		return a.problem(c, http.StatusServiceUnavailable, "Sign-in is unavailable",
			"Your sign-in could not be recorded. Try again in a minute.")
	}
	a.log.LogAttrs(ctx, slog.LevelInfo, "signed in", slog.String("email", id.email),
		slog.String("role", a.groups.RoleFor(id.groups).String()), slog.String("mode", string(config.ModeOIDC)))
	return c.Redirect(http.StatusSeeOther, f.Next)
}

// needsPerson reports whether a provider's error to prompt=none means it
// needs the person to sign in (OpenID Connect Core 3.1.2.6).
func needsPerson(code string) bool {
	switch code {
	case "login_required", "interaction_required", "consent_required", "account_selection_required":
		return true
	}
	return false
}

// exchange trades the code for tokens and verifies the ID token. Errors
// describe what failed without quoting a token or the code.
func (a *Auth) exchange(ctx context.Context, code string, f flow) (assertion, error) {
	if code == "" {
		return assertion{}, errors.New("no code in the callback")
	}
	oc, verifier, err := a.oidc.setup(ctx)
	if err != nil {
		return assertion{}, err
	}
	tok, err := oc.Exchange(context.WithValue(ctx, oauth2.HTTPClient, a.http), code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return assertion{}, fmt.Errorf("code exchange refused: %s %s", re.ErrorCode, re.ErrorDescription)
		}
		return assertion{}, errors.New("code exchange failed: the provider could not be reached")
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return assertion{}, errors.New("token response has no id_token")
	}
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		return assertion{}, fmt.Errorf("ID token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return assertion{}, errors.New("ID token nonce does not match this sign-in")
	}
	var claims idClaims
	var all map[string]any
	if err := idt.Claims(&claims); err != nil {
		return assertion{}, fmt.Errorf("ID token claims: %w", err)
	}
	if err := idt.Claims(&all); err != nil {
		return assertion{}, fmt.Errorf("ID token claims: %w", err)
	}
	if claims.Email == "" {
		return assertion{}, errors.New("ID token has no email claim (is the email scope granted?)")
	}
	if err := emailVerified(all["email_verified"]); err != nil {
		return assertion{}, err
	}
	name := claims.Name
	if name == "" {
		name = claims.PreferredName
	}
	if name == "" {
		name = claims.Email
	}
	return assertion{email: claims.Email, name: name, groups: claimGroups(all[a.cfg.Auth.OIDC.GroupsClaim], a.cfg.Auth.GroupsSeparator)}, nil
}
