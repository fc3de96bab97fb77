package staffauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
)

// Cookie names. The flow cookie lives only between /auth/login and
// /auth/callback.
const (
	sessionCookie = "helpdesk_session"
	flowCookie    = "helpdesk_oidc"
	flowTTL       = 10 * time.Minute
)

// cookieJar encodes the session and sign-in flow cookies. Each configured key
// yields an HMAC key and an AES key, so cookies are signed and encrypted (the
// session holds the CSRF secret). The first key's codec encodes; all decode.
//
// The session cookie carries the session's JSON as it is (no gob map, as
// gorilla/sessions would use): reading it is on every request's path, and
// a gob decoder learns its types anew for every cookie.
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
func derive(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// sessionData is what the session cookie carries. Times are Unix seconds.
type sessionData struct {
	Email   string      `json:"e,omitempty"`
	Name    string      `json:"n,omitempty"`
	Groups  []string    `json:"g,omitempty"`
	Role    access.Role `json:"r,omitempty"`
	Created int64       `json:"c,omitempty"`
	Seen    int64       `json:"s,omitempty"`
	CSRF    string      `json:"x,omitempty"` // per-session CSRF secret
	Bound   string      `json:"b,omitempty"` // proxy mode: whose CSRF secret it is
}

func (d sessionData) empty() bool { return d.Email == "" && d.CSRF == "" }

// reqSession is the session as one request sees it. Changes are written
// once, just before the response header goes out.
type reqSession struct {
	data  sessionData
	dirty bool
}

const sessionCtxKey = "staffauth.session"

// session loads the request's session once and arranges for it to be saved
// if anything changes it.
func (a *Auth) session(c echo.Context) *reqSession {
	if s, ok := c.Get(sessionCtxKey).(*reqSession); ok {
		return s
	}
	s := &reqSession{}
	if ck, err := c.Request().Cookie(sessionCookie); err == nil {
		if !a.cookies.readSession(ck.Value, &s.data) {
			s.data = sessionData{} // a cookie that does not decode is no session
		}
	}
	c.Set(sessionCtxKey, s)
	c.Response().Before(func() {
		if s.dirty {
			a.saveSession(c, s.data)
		}
	})
	return s
}

func (a *Auth) saveSession(c echo.Context, d sessionData) {
	ck, err := a.cookies.sessionCookieFor(d, a.scheme(c.Request()) == "https")
	if err != nil {
		a.log.Error("session cookie not saved", "err", err)
		return
	}
	http.SetCookie(c.Response(), ck)
}

// signIn starts a fresh session for a person: a new CSRF secret too, so
// nothing planted before sign-in survives it.
func (a *Auth) signIn(c echo.Context, email, name string, groups []string, role access.Role) {
	now := a.now().Unix()
	s := a.session(c)
	s.data = sessionData{Email: email, Name: name, Groups: trimGroups(groups), Role: role,
		Created: now, Seen: now, CSRF: randomToken()}
	s.dirty = true
}

// signOut forgets the session and deletes the cookie.
func (a *Auth) signOut(c echo.Context) {
	s := a.session(c)
	s.data = sessionData{}
	s.dirty = true
}

// trimGroups keeps the cookie under browsers' 4 KB limit: groups are for
// display, the role was decided from the full list at sign-in.
func trimGroups(groups []string) []string {
	var out []string
	size := 0
	for _, g := range groups {
		g = trimASCIISpace(g)
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

// sessionIdentity returns the person signed in to this session, ending the
// session when it has been idle too long or is simply too old.
func (a *Auth) sessionIdentity(c echo.Context) (access.Identity, error) {
	s := a.session(c)
	d := s.data
	if d.Email == "" {
		return access.Identity{}, errSignedOut
	}
	now := a.now().Unix()
	if now-d.Created >= int64(a.cfg.AbsoluteTimeout.Seconds()) || now-d.Seen >= int64(a.cfg.IdleTimeout.Seconds()) {
		// Keep nothing from the ended session, not even its CSRF secret.
		s.data = sessionData{}
		s.dirty = true
		return access.Identity{}, errSignedOut
	}
	// Refreshing at most once a minute saves a Set-Cookie on most requests.
	if now-d.Seen >= 60 {
		s.data.Seen = now
		s.dirty = true
	}
	return access.Identity{Email: d.Email, Name: d.Name, Groups: d.Groups, Role: d.Role}, nil
}
