package staffauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/config"
	staff "onelogin-helpdesk/sessions"
)

// Cookie names. The flow cookie lives only between /auth/login and
// /auth/callback.
const (
	sessionCookie = "helpdesk_session"
	flowCookie    = "helpdesk_oidc"
	flowTTL       = 10 * time.Minute
)

// cookieJar encodes the session and sign-in flow cookies. Each configured key
// yields an HMAC key and an AES key, so cookies are signed and encrypted. The
// first key's codec encodes; all decode.
//
// The session cookie carries only the session's random token (the session
// itself is in the store) or, before sign-in, the CSRF secret of the sign-in
// forms, as small JSON: no gob map, as gorilla/sessions would use.
type cookieJar struct {
	session []securecookie.Codec
	opts    sessions.Options // the session cookie's attributes
	flow    []securecookie.Codec
}

func newCookieJar(keys [][]byte, maxAge time.Duration) *cookieJar {
	pairs := make([][]byte, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, derive(k, "helpdesk session mac"), derive(k, "helpdesk session aes"))
	}
	session := securecookie.CodecsFromPairs(pairs...)
	for _, c := range session {
		sc := c.(*securecookie.SecureCookie)
		sc.SetSerializer(securecookie.NopEncoder{})
		// The codec's own timestamp check backs up ours by a minute.
		sc.MaxAge(int((maxAge + time.Minute).Seconds()))
	}
	flow := securecookie.CodecsFromPairs(pairs...)
	for _, c := range flow {
		c.(*securecookie.SecureCookie).MaxAge(int(flowTTL.Seconds()))
	}
	return &cookieJar{
		session: session,
		opts:    sessions.Options{Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge.Seconds())},
		flow:    flow,
	}
}

// readSession decodes a session cookie's value into d; ok is false for a
// cookie that does not decode (tampered, expired, under a retired key).
func (j *cookieJar) readSession(value string, d *sessionData) (ok bool) {
	var raw []byte
	if securecookie.DecodeMulti(sessionCookie, value, &raw, j.session...) != nil {
		return false
	}
	return json.Unmarshal(raw, d) == nil
}

// sessionCookieFor is the Set-Cookie that stores d, or deletes the cookie
// when d is empty.
func (j *cookieJar) sessionCookieFor(d sessionData, secure bool) (*http.Cookie, error) {
	opts := j.opts
	opts.Secure = secure
	if d.empty() {
		opts.MaxAge = -1
		return sessions.NewCookie(sessionCookie, "", &opts), nil
	}
	raw, _ := json.Marshal(d) // plain struct: cannot fail
	v, err := securecookie.EncodeMulti(sessionCookie, raw, j.session...)
	if err != nil {
		return nil, err
	}
	return sessions.NewCookie(sessionCookie, v, &opts), nil
}

// derive makes a purpose-specific 32-byte key, so one configured secret
// never serves as both MAC and cipher key.
// DeriveKey is a key for purpose made from the first session key (the one
// that signs), for other secrets that must agree across replicas and
// restarts; it reveals nothing about the session keys.
func (a *Auth) DeriveKey(purpose string) []byte { return derive(a.cfg.Session.Keys[0], purpose) }

func derive(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// sessionData is what the session cookie carries: a signed-in browser's
// session token, or a signed-out browser's CSRF secret for the sign-in
// forms (no store row is made for someone who has not signed in).
type sessionData struct {
	Token string `json:"t,omitempty"`
	CSRF  string `json:"x,omitempty"`
}

func (d sessionData) empty() bool { return d.Token == "" && d.CSRF == "" }

// reqSession is the session as one request sees it: the cookie, and the
// stored session the cookie's token names. The cookie is written once,
// just before the response header goes out; the store at each change.
type reqSession struct {
	cookie      sessionData
	cookieDirty bool
	id          string        // the store's id for cookie.Token
	s           staff.Session // valid when live
	live        bool          // the store has the session
	err         error         // the store could not be asked
}

// csrf is the secret that this request's CSRF token must match.
func (s *reqSession) csrf() string {
	if s.live {
		return s.s.CSRF
	}
	return s.cookie.CSRF
}

const sessionCtxKey = "staffauth.session"

// errSessionStore is the store failing: nobody can be let in, or signed
// in, until it answers again.
var errSessionStore = errors.New("the session store did not answer")

// session loads the request's session once and arranges for the cookie to
// be written if anything changes it.
func (a *Auth) session(c echo.Context) *reqSession {
	if s, ok := c.Get(sessionCtxKey).(*reqSession); ok {
		return s
	}
	s := &reqSession{}
	if ck, err := c.Request().Cookie(sessionCookie); err == nil {
		if !a.cookies.readSession(ck.Value, &s.cookie) {
			s.cookie = sessionData{} // a cookie that does not decode is no session
			s.cookieDirty = true
		}
	}
	if s.cookie.Token != "" {
		s.id = staff.IDFor(s.cookie.Token)
		st, ok, err := a.store.Session(c.Request().Context(), s.id)
		switch {
		case err != nil:
			a.log.ErrorContext(c.Request().Context(), "session store unreadable", "err", err)
			s.err = errSessionStore
		case ok:
			s.s, s.live = st, true
		default:
			// Signed out elsewhere, revoked or swept: the token is dead.
			s.cookie, s.id, s.cookieDirty = sessionData{}, "", true
		}
	}
	c.Set(sessionCtxKey, s)
	c.Response().Before(func() {
		if s.cookieDirty {
			a.saveCookie(c, s.cookie)
		}
	})
	return s
}

func (a *Auth) saveCookie(c echo.Context, d sessionData) {
	ck, err := a.cookies.sessionCookieFor(d, a.scheme(c.Request()) == "https")
	if err != nil {
		a.log.Error("session cookie not saved", "err", err)
		return
	}
	http.SetCookie(c.Response(), ck)
}

// signIn gives a person a session. A fresh one (new token, new CSRF
// secret, so nothing planted before sign-in survives it), unless this
// browser's session is already theirs: then signing in again (the role
// re-check) refreshes its groups and role and keeps it, so other tabs'
// forms still work.
func (a *Auth) signIn(c echo.Context, email, name string, groups []string, role access.Role) error {
	ctx := c.Request().Context()
	now := a.now()
	rs := a.session(c)
	if rs.err != nil {
		return rs.err
	}
	if rs.live && access.SameEmail(rs.s.Email, email) {
		rs.s.Name, rs.s.Groups, rs.s.Role, rs.s.Checked, rs.s.Seen = name, trimGroups(groups), role, now, now
		rs.s.SourceIP = c.RealIP()
		if err := a.store.SaveSession(ctx, rs.s); err != nil {
			a.log.ErrorContext(ctx, "session not saved", "err", err)
			return errSessionStore
		}
		rs.cookieDirty = true // re-signed with the current first key
		return nil
	}
	token, id := staff.NewToken()
	s := staff.Session{ID: id, Email: email, Name: name, Groups: trimGroups(groups), Role: role,
		CSRF: randomToken(), Created: now, Seen: now, Checked: now,
		SourceIP: c.RealIP(), UserAgent: c.Request().UserAgent()}
	if err := a.store.SaveSession(ctx, s); err != nil {
		a.log.ErrorContext(ctx, "session not saved", "err", err)
		return errSessionStore
	}
	if rs.live { // someone else's session in this browser ends
		a.endSession(ctx, rs.id)
	}
	rs.cookie, rs.cookieDirty = sessionData{Token: token}, true
	rs.id, rs.s, rs.live = id, s, true
	return nil
}

// signOut ends the browser's session everywhere and deletes the cookie.
func (a *Auth) signOut(c echo.Context) {
	s := a.session(c)
	if s.live {
		a.endSession(c.Request().Context(), s.id)
	}
	s.cookie, s.id, s.s, s.live, s.cookieDirty = sessionData{}, "", staff.Session{}, false, true
}

// endSession deletes a session from the store; a failure is logged, and
// the session then ends at its idle timeout at the latest.
func (a *Auth) endSession(ctx context.Context, id string) {
	if _, err := a.store.DeleteSession(context.WithoutCancel(ctx), id); err != nil {
		a.log.ErrorContext(ctx, "session not deleted", "err", err)
	}
}

// trimGroups keeps a session's group list small: groups are for display,
// the role was decided from the full list.
func trimGroups(groups []string) []string {
	var out []string
	size := 0
	for _, g := range groups {
		g = access.TrimName(g)
		if g == "" {
			continue
		}
		size += len(g) + 3
		if size > 1200 {
			break
		}
		out = append(out, g)
	}
	return out
}

// errRecheck is a session whose role is due to be derived again: oidc
// mode sends the person through the provider (silently when it can).
var errRecheck = errors.New("role re-check due")

// expired reports whether a stored session has ended by time.
func (a *Auth) expired(s staff.Session, now time.Time) bool {
	return now.Sub(s.Created) >= a.cfg.Session.MaxAge || now.Sub(s.Seen) >= a.cfg.Session.IdleTimeout
}

// sessionIdentity returns the person signed in to this session, ending the
// session when it has been idle too long or is simply too old, and
// re-deriving the role when HELPDESK_ROLE_RECHECK has passed.
func (a *Auth) sessionIdentity(c echo.Context) (access.Identity, error) {
	rs := a.session(c)
	if rs.err != nil {
		return access.Identity{}, rs.err
	}
	if !rs.live {
		return access.Identity{}, errSignedOut
	}
	ctx := c.Request().Context()
	now := a.now()
	if a.expired(rs.s, now) {
		// Keep nothing from the ended session, not even its CSRF secret.
		a.signOut(c)
		return access.Identity{}, errSignedOut
	}
	if now.Sub(rs.s.Checked) >= a.cfg.Session.RoleRecheck {
		switch a.cfg.Auth.Mode {
		case config.ModeDemo:
			// A persona's role comes from the configuration: derive it again.
			p, ok := a.personaByEmail(rs.s.Email)
			if !ok {
				a.signOut(c)
				return access.Identity{}, errSignedOut
			}
			rs.s.Groups, rs.s.Role, rs.s.Checked = trimGroups(p.Groups), a.personaRole(p), now
			if err := a.store.SaveSession(ctx, rs.s); err != nil {
				a.log.ErrorContext(ctx, "session not saved", "err", err)
				return access.Identity{}, errSessionStore
			}
		default:
			return access.Identity{}, errRecheck
		}
	}
	// Recording activity at most once a minute saves a write (and a
	// Set-Cookie) on most requests.
	if now.Sub(rs.s.Seen) >= time.Minute {
		rs.s.Seen, rs.s.SourceIP = now, c.RealIP()
		if err := a.store.TouchSession(ctx, rs.id, now, rs.s.SourceIP); err != nil {
			a.log.WarnContext(ctx, "session activity not recorded", "err", err)
		}
		rs.cookieDirty = true // re-signed with the current first key
	}
	return identityOf(rs.s), nil
}

func identityOf(s staff.Session) access.Identity {
	return access.Identity{Email: s.Email, Name: s.Name, Groups: s.Groups, Role: s.Role}
}

// proxySession makes sure a proxy-mode request has a session of its own
// for the person the proxy vouches for: the console's record of them (for
// CSRF, the admin list and revocation). A browser whose session belongs to
// someone else, has ended, or was revoked gets a new one; the proxy, not
// the console, decides who is signed in. Changes the proxy reports (a new
// group, so a new role) are written to the session at once.
func (a *Auth) proxySession(c echo.Context, id access.Identity) error {
	rs := a.session(c)
	if rs.err != nil {
		return rs.err
	}
	now := a.now()
	ctx := c.Request().Context()
	// ASCII case only: with Unicode folding a Kelvin-sign twin of an
	// address would inherit its owner's session.
	if rs.live && a.expired(rs.s, now) {
		a.signOut(c) // an ended session is not refreshed: a new one begins
	}
	if !rs.live || !access.SameEmail(rs.s.Email, id.Email) {
		b, blocked, err := a.blocks.BlockOf(ctx, id.Email, now)
		if err != nil {
			a.log.ErrorContext(ctx, "console block not read", "err", err)
			return errSessionStore
		}
		if blocked {
			return &blockedError{b}
		}
		return a.signIn(c, id.Email, id.Name, id.Groups, id.Role)
	}
	if rs.s.Role != id.Role || rs.s.Name != id.Name || !sameGroups(rs.s.Groups, trimGroups(id.Groups)) {
		rs.s.Name, rs.s.Groups, rs.s.Role, rs.s.Checked, rs.s.Seen, rs.s.SourceIP = id.Name, trimGroups(id.Groups), id.Role, now, now, c.RealIP()
		if err := a.store.SaveSession(ctx, rs.s); err != nil {
			a.log.ErrorContext(ctx, "session not saved", "err", err)
			return errSessionStore
		}
		return nil
	}
	if now.Sub(rs.s.Seen) >= time.Minute {
		rs.s.Seen, rs.s.SourceIP = now, c.RealIP()
		if err := a.store.TouchSession(ctx, rs.id, now, rs.s.SourceIP); err != nil {
			a.log.WarnContext(ctx, "session activity not recorded", "err", err)
		}
		rs.cookieDirty = true
	}
	return nil
}

func sameGroups(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Sessions, Revoke and RevokeOthers are the session administration the
// console offers: admins list and end anyone's sessions, everyone ends
// their own other sessions.

// Sessions lists the active sessions (ended ones are left out even before
// the sweep deletes them), most recently seen first.
func (a *Auth) Sessions(ctx context.Context) ([]staff.Session, error) {
	all, err := a.store.ListSessions(ctx)
	if err != nil {
		return nil, err
	}
	now := a.now()
	out := all[:0]
	for _, s := range all {
		if !a.expired(s, now) {
			s.CSRF = "" // nobody's business but the session's
			out = append(out, s)
		}
	}
	return out, nil
}

// Revoke ends the session with id on every replica; it returns the session
// it ended, and ok false when there was none. In proxy mode, where the
// proxy would sign the person straight back in, it first blocks them from
// the console for the configured period (HELPDESK_REVOKE_BLOCK), placed
// by the person in ctx, and ends every session of theirs.
func (a *Auth) Revoke(ctx context.Context, id string) (staff.Session, bool, error) {
	s, ok, err := a.store.Session(ctx, id)
	if err != nil || !ok {
		return staff.Session{}, false, err
	}
	if a.blocks != nil {
		by, _ := IdentityFrom(ctx)
		now := a.now()
		if err := a.blocks.SaveBlock(ctx, staff.Block{Email: s.Email, Until: now.Add(a.cfg.Session.RevokeBlock), By: by.Email, At: now}); err != nil {
			return staff.Session{}, false, err
		}
		n, err := a.store.DeleteSessionsOf(ctx, s.Email, "")
		if err == nil {
			a.log.LogAttrs(ctx, slog.LevelInfo, "console access blocked", slog.String("email", s.Email),
				slog.Time("until", now.Add(a.cfg.Session.RevokeBlock)), slog.Int("sessions_ended", n))
		}
		s.CSRF = ""
		return s, n > 0, err
	}
	ok, err = a.store.DeleteSession(ctx, id)
	if err == nil && ok {
		a.log.LogAttrs(ctx, slog.LevelInfo, "session revoked", slog.String("email", s.Email))
	}
	s.CSRF = ""
	return s, ok, err
}

// Blocks are the console blocks in force (proxy mode; none in the others),
// the latest first.
func (a *Auth) Blocks(ctx context.Context) ([]staff.Block, error) {
	if a.blocks == nil {
		return nil, nil
	}
	return a.blocks.ListBlocks(ctx, a.now())
}

// Unblock lifts email's block; ok is false when there was none.
func (a *Auth) Unblock(ctx context.Context, email string) (bool, error) {
	if a.blocks == nil {
		return false, nil
	}
	ok, err := a.blocks.DeleteBlock(ctx, email)
	if err == nil && ok {
		a.log.LogAttrs(ctx, slog.LevelInfo, "console block lifted", slog.String("email", email))
	}
	return ok, err
}

// blockedError is a proxy-mode request from someone an admin blocked.
type blockedError struct{ b staff.Block }

func (e *blockedError) Error() string {
	return "console access blocked until " + e.b.Until.Format(time.RFC3339)
}

// RevokeOthers ends every session of email except current.
func (a *Auth) RevokeOthers(ctx context.Context, email, current string) (int, error) {
	return a.store.DeleteSessionsOf(ctx, email, current)
}

// SweepSessions deletes the sessions that have ended by time; the console's
// janitor calls it.
func (a *Auth) SweepSessions(ctx context.Context) (int, error) {
	now := a.now()
	return a.store.DeleteSessionsBefore(ctx, now.Add(-a.cfg.Session.IdleTimeout), now.Add(-a.cfg.Session.MaxAge))
}

type sessionIDKey struct{}

// SessionID is the store id of the request's session ("" without one), for
// "sign out my other sessions" and for marking "this session" in lists.
func SessionID(ctx context.Context) string {
	id, _ := ctx.Value(sessionIDKey{}).(string)
	return id
}
