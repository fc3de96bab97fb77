// Package sessions keeps staff sessions on the server. The browser's cookie
// carries only a random token; the session (who, role, CSRF secret, when it
// began and was last used, from where) lives in a Store, so that signing
// out, or an admin revoking a session, ends it on every replica at once.
//
//	tok, id := sessions.NewToken()         // tok goes in the cookie, id in the store
//	err := st.SaveSession(ctx, sessions.Session{ID: id, Email: "ann@example.com", ...})
//	s, ok, err := st.Session(ctx, sessions.IDFor(tokFromCookie))
//	_, err = st.DeleteSession(ctx, s.ID) // signed out everywhere
//
// The store holds the SHA-256 of the token, never the token: someone who
// can read the database (or the admin page, which names sessions by id)
// cannot turn what they read into a cookie. Stores: sqlitestore, pgstore,
// and Memory here (one process, tests); sessionstest has the conformance
// suite they all pass.
package sessions

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"onelogin-helpdesk/access"
)

// Session is one signed-in browser.
type Session struct {
	// ID is the SHA-256 of the cookie's token, in hex.
	ID     string
	Email  string
	Name   string
	Groups []string
	Role   access.Role
	// CSRF is the session's CSRF secret.
	CSRF string
	// Created is the sign-in; Seen the last request (kept to the minute);
	// Checked when the role was last derived from the identity provider.
	Created time.Time
	Seen    time.Time
	Checked time.Time
	// SourceIP is where the last request came from (as the console's IP
	// extractor saw it); UserAgent the browser's, clipped.
	SourceIP  string
	UserAgent string
}

// Store keeps sessions. Implementations are safe for concurrent use;
// times are kept to the microsecond.
type Store interface {
	// SaveSession creates the session or replaces the one with its ID.
	SaveSession(ctx context.Context, s Session) error
	// Session returns the session with id; ok is false when there is none
	// (never was, signed out, revoked, swept).
	Session(ctx context.Context, id string) (s Session, ok bool, err error)
	// TouchSession records a request: when, and from where.
	TouchSession(ctx context.Context, id string, seen time.Time, sourceIP string) error
	// DeleteSession ends one session; ok is false when it did not exist.
	DeleteSession(ctx context.Context, id string) (ok bool, err error)
	// DeleteSessionsOf ends every session of email (ASCII case ignored)
	// except the one with id except, and says how many ended.
	DeleteSessionsOf(ctx context.Context, email, except string) (int, error)
	// ListSessions is every session, most recently seen first.
	ListSessions(ctx context.Context) ([]Session, error)
	// DeleteSessionsBefore sweeps sessions idle since before seenBefore or
	// begun before createdBefore, and says how many went.
	DeleteSessionsBefore(ctx context.Context, seenBefore, createdBefore time.Time) (int, error)
}

// ErrInvalid is a session a store refuses to save: no id, no email.
var ErrInvalid = errors.New("sessions: invalid session")

// Field limits keep one odd request from bloating the store.
const (
	MaxGroups   = 200
	maxFieldLen = 512
)

// Prepare checks and normalises a session for SaveSession; every store
// calls it first.
func Prepare(s Session) (Session, error) {
	if len(s.ID) != sha256.Size*2 || s.Email == "" {
		return s, ErrInvalid
	}
	s.Groups = slices.Clone(s.Groups)
	if len(s.Groups) > MaxGroups {
		s.Groups = s.Groups[:MaxGroups]
	}
	for _, p := range []*string{&s.Email, &s.Name, &s.SourceIP, &s.UserAgent} {
		*p = clip(*p)
	}
	for i := range s.Groups {
		s.Groups[i] = clip(s.Groups[i])
	}
	for _, t := range []*time.Time{&s.Created, &s.Seen, &s.Checked} {
		*t = t.UTC().Truncate(time.Microsecond)
	}
	return s, nil
}

func clip(s string) string {
	if len(s) <= maxFieldLen {
		return s
	}
	return strings.ToValidUTF8(s[:maxFieldLen], "")
}

// EmailKey is how stores match a person's sessions: the email with ASCII
// letters lower-cased and nothing else (as access.SameEmail compares).
func EmailKey(email string) string {
	b := []byte(strings.TrimSpace(email))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// NewToken makes a session token for the cookie and the ID the store
// keeps for it.
func NewToken() (token, id string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, IDFor(token)
}

// IDFor is the store's ID for a cookie's token.
func IDFor(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Sort orders sessions as ListSessions returns them: most recently seen
// first, then by id.
func Sort(ss []Session) {
	sort.Slice(ss, func(i, j int) bool {
		if !ss[i].Seen.Equal(ss[j].Seen) {
			return ss[i].Seen.After(ss[j].Seen)
		}
		return ss[i].ID < ss[j].ID
	})
}
