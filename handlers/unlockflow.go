package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/client"
)

// The public unlock page's flows: what a person has typed and chosen so
// far, kept on the server. The browser holds only a random id in a cookie
// scoped to /unlock, so the OneLogin state token of a push or texted code
// never reaches it, nor a URL or a log.

const (
	unlockCookie = "helpdesk_unlock"
	// unlockFlowTTL is how long a flow lives from its start: long enough
	// to find a phone and read a code, short enough to be one sitting.
	unlockFlowTTL = 15 * time.Minute
	// maxUnlockFlows bounds the flows kept at once; past it the page asks
	// people to come back later rather than grow without end.
	maxUnlockFlows = 10000
	// pushLifetime and codeLifetime are the state token lifetimes asked of
	// OneLogin: its default for a push, longer for a code that must arrive
	// and be typed.
	pushLifetime = 120 * time.Second
	codeLifetime = 300 * time.Second
	// pollEvery is how often the push step asks OneLogin at most, whatever
	// the browser does.
	pollEvery = 2 * time.Second
	// maxUnlockFactors is how many factors the page offers.
	maxUnlockFactors = 4
)

// unlockFlow is one person's way through the page. Its mutex is held for
// a whole step, OneLogin calls included, so a poll and a click never
// verify or unlock twice.
type unlockFlow struct {
	mu      sync.Mutex
	id      string
	expires time.Time

	login string // as typed; the unverified claimant in the audit trail
	ua    string // user agent at the start
	// key is whose allowances the flow uses: the account's id when there
	// is one to act on, otherwise the typed login.
	key string
	// route says, for the audit trail only, why the flow is real or a decoy.
	route string
	// user is the account to unlock once verified; nil for a decoy, which
	// shows made-up factors and never verifies.
	user    *client.User
	factors []unlockFactor

	chosen      int    // index into factors; -1 before a choice
	stateToken  string // OneLogin's, for the chosen factor; a secret
	codeExpires time.Time
	// broken is set when the trigger failed: the step looks the same, and
	// verification fails as a decoy's does.
	broken   bool
	lastPoll time.Time
	settled  bool // a push's final outcome is recorded
	done     bool // verified: the flow ends whatever the unlock does
}

// unlockFactor is one factor offered. A decoy's has no device.
type unlockFactor struct {
	kind     client.FactorKind
	push     bool
	deviceID int64
	label    string
}

// needsTrigger reports whether OneLogin sends something for the factor
// (a push, a text, an email) before it can be verified.
func (f unlockFactor) needsTrigger() bool {
	return f.push || f.kind == client.FactorSMS || f.kind == client.FactorEmail
}

// kindName is the factor's name on the page and in settings.
func (f unlockFactor) kindName() string {
	if f.push {
		return "push"
	}
	return factorNames[f.kind]
}

// factorNames are the settings' names of the factor kinds the page checks.
var factorNames = map[client.FactorKind]string{
	client.FactorProtect:       "protect",
	client.FactorAuthenticator: "authenticator",
	client.FactorSMS:           "sms",
	client.FactorEmail:         "email",
	client.FactorYubiKey:       "yubikey",
}

// parseFactorNames reads the setting's names.
func parseFactorNames(names []string) ([]client.FactorKind, error) {
	var out []client.FactorKind
	for _, n := range names {
		found := false
		for k, name := range factorNames {
			if strings.EqualFold(strings.TrimSpace(n), name) {
				if !slices.Contains(out, k) {
					out = append(out, k)
				}
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("handlers: the public unlock page cannot check factor %q", n)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("handlers: the public unlock page needs at least one factor")
	}
	return out, nil
}

// usableFactors are the devices the page may verify: active (verified at
// least once), of an allowed kind, OneLogin Protect only as a push.
func usableFactors(devs []client.OTPDevice, allowed []client.FactorKind) []unlockFactor {
	var out []unlockFactor
	for _, d := range devs {
		k := d.Kind()
		if !d.Active || !slices.Contains(allowed, k) || len(out) == maxUnlockFactors {
			continue
		}
		switch k {
		case client.FactorProtect:
			if !d.CanPush() {
				continue
			}
		case client.FactorSMS, client.FactorEmail, client.FactorAuthenticator, client.FactorYubiKey:
		default:
			continue
		}
		out = append(out, unlockFactor{kind: k, push: k == client.FactorProtect, deviceID: d.ID, label: d.Label()})
	}
	return out
}

// decoyWeights are roughly how often each kind is enrolled, so made-up
// lists look like real ones.
var decoyWeights = map[client.FactorKind]int{
	client.FactorProtect: 50, client.FactorAuthenticator: 25, client.FactorSMS: 15,
	client.FactorEmail: 7, client.FactorYubiKey: 3,
}

var decoyPhones = []string{"iPhone 15", "iPhone 13 mini", "Pixel 8", "Pixel 7a", "Galaxy S24", "Galaxy A54", "OnePlus 12"}

// decoyFactors makes up the factors shown for a login that gets no real
// ones (no such account, not locked, no usable factor). They come from a
// keyed hash of the login, so the same login shows the same list on every
// visit, as a real account would; the labels are made by the same
// client.OTPDevice.Label as real ones.
func decoyFactors(key []byte, login string, allowed []client.FactorKind) []unlockFactor {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(asciiLower(strings.TrimSpace(login))))
	b := m.Sum(nil)
	n := 1
	if b[0] < 64 && len(allowed) > 1 { // about a quarter have two
		n = 2
	}
	total := 0
	for _, k := range allowed {
		total += decoyWeights[k]
	}
	var out []unlockFactor
	for i := 0; len(out) < n && i < 8; i++ {
		r := (int(b[1+2*i])<<8 | int(b[2+2*i])) % total
		var k client.FactorKind
		for _, a := range allowed {
			if r -= decoyWeights[a]; r < 0 {
				k = a
				break
			}
		}
		if slices.ContainsFunc(out, func(f unlockFactor) bool { return f.kind == k }) {
			continue
		}
		d := client.OTPDevice{FactorName: k.String(), TypeName: k.String()}
		switch k {
		case client.FactorProtect:
			d.FactorName, d.DeviceName = "OneLogin Protect", decoyPhones[int(b[20])%len(decoyPhones)]
		case client.FactorSMS:
			d.FactorName, d.PhoneNumber = "OneLogin SMS", fmt.Sprintf("+1xxxxxxx%04d", (int(b[21])<<8|int(b[22]))%10000)
		case client.FactorEmail:
			d.FactorName, d.DeviceName = "OneLogin Email", "Work email"
		case client.FactorAuthenticator:
			d.FactorName = "Google Authenticator"
		}
		out = append(out, unlockFactor{kind: k, push: k == client.FactorProtect, label: d.Label()})
	}
	return out
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// flowStore keeps the flows in memory: a flow is one sitting, and a
// restart only sends people back to the first step. (Behind several
// replicas, the page needs sticky sessions.)
type flowStore struct {
	mu    sync.Mutex
	flows map[string]*unlockFlow
	now   func() time.Time
}

func newFlowStore(now func() time.Time) *flowStore {
	return &flowStore{flows: map[string]*unlockFlow{}, now: now}
}

// add keeps f under a new random id; false when the store is full.
func (s *flowStore) add(f *unlockFlow) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.flows) >= maxUnlockFlows {
		for id, old := range s.flows {
			if !now.Before(old.expires) {
				delete(s.flows, id)
			}
		}
		if len(s.flows) >= maxUnlockFlows {
			return false
		}
	}
	f.id = rand.Text()
	f.expires = now.Add(unlockFlowTTL)
	s.flows[f.id] = f
	return true
}

// get returns the live flow with the id.
func (s *flowStore) get(id string) (*unlockFlow, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.flows[id]
	if !ok {
		return nil, false
	}
	if !s.now().Before(f.expires) {
		delete(s.flows, id)
		return nil, false
	}
	return f, true
}

func (s *flowStore) remove(id string) {
	s.mu.Lock()
	delete(s.flows, id)
	s.mu.Unlock()
}

// flowCookie is the Set-Cookie for a flow id; "" deletes it.
func (u *unlockPage) flowCookie(c echo.Context, id string) *http.Cookie {
	r := c.Request()
	ck := &http.Cookie{Name: unlockCookie, Value: id, Path: "/unlock", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		MaxAge: int(unlockFlowTTL / time.Second),
		Secure: u.cfg.SecureCookie || r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")}
	if id == "" {
		ck.MaxAge = -1
	}
	return ck
}

// flowOf is the request's flow, if its cookie names a live one.
func (u *unlockPage) flowOf(c echo.Context) (*unlockFlow, bool) {
	ck, err := c.Cookie(unlockCookie)
	if err != nil || ck.Value == "" {
		return nil, false
	}
	return u.flows.get(ck.Value)
}
