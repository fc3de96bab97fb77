package fakeonelogin

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Event type ids the tenant records (reference §2.5). Ids 5 and 6 come with
// OneLogin's own descriptions; the other names come from third-party maps
// that agree where they overlap.
const (
	EventUserLoggedIn            = 5    // USER_LOGGED_INTO_ONELOGIN
	EventUserFailedLogin         = 6    // USER_FAILED_ONELOGIN_LOGIN
	EventUserLoggedOut           = 7    // USER_LOGGED_OUT_OF_ONELOGIN
	EventUserLoggedIntoApp       = 8    // USER_LOGGED_INTO_APP
	EventDeactivatedUser         = 15   // DEACTIVATED_USER
	EventActivatedUser           = 16   // ACTIVATED_USER
	EventDeletedUser             = 17   // DELETED_USER
	EventUserLocked              = 19   // USER_LOCKED
	EventUserRemovedOTPDevice    = 24   // USER_REMOVED_OTP_DEVICE
	EventSuspendedUser           = 21   // SUSPENDED_USER
	EventRejectedUser            = 50   // REJECTED_USER
	EventUserUnlicensed          = 223  // USER_UNLICENSED
	EventAPISetPasswordSalt      = 510  // API_SET_PWD_SALT
	EventAPISetPasswordClearText = 511  // API_SET_PWD_CLEAR_TEXT
	EventSuspendedUserViaAPI     = 551  // SUSPENDED_USER_VIA_API
	EventReactivatedUserViaAPI   = 552  // REACTIVATED_USER_VIA_API
	EventUserLockedViaAPI        = 553  // USER_LOCKED_VIA_API
	EventUnlockedUserViaAPI      = 554  // UNLOCKED_USER_VIA_API
	EventAPIVerifyFactorFailed   = 527  // API_VERIFY_FACTOR_FAILED
	EventAPIVerifyFactor         = 528  // API_VERIFY_FACTOR
	EventAPITriggerFactor        = 539  // API_TRIGGER_FACTOR
	EventOTPPushReject           = 950  // OL_OTP_PUSH_REJECT
	EventTempOTPTokenGenerated   = 1100 // TEMP_OTP_TOKEN_GENERATED
)

const (
	maxEventPage = 50 // "up to 50 per page" (D)
	// firstEventID makes event ids large, like real ones (> 2^31).
	firstEventID = int64(36114500000)
	apiActor     = "API"
)

type eventType struct {
	id          int
	name        string
	description string
}

// eventTypes is GET /api/1/events/types: every type of reference §2.5, in
// id order. Descriptions of 5 and 6 are OneLogin's (D); the others are
// unconfirmed (U), so they are ours, in the same %user%/%actor_user%/%app%
// template style.
var eventTypes = []eventType{
	{5, "USER_LOGGED_INTO_ONELOGIN", "%user% logged into OneLogin"},
	{6, "USER_FAILED_ONELOGIN_LOGIN", "%user% failed authentication"},
	{7, "USER_LOGGED_OUT_OF_ONELOGIN", "%user% logged out of OneLogin"},
	{8, "USER_LOGGED_INTO_APP", "%user% logged into %app%"},
	{9, "USER_FAILED_APP_LOGIN", "%user% failed to log into %app%"},
	{10, "USER_REQUESTED_NEW_PASSWORD", "%user% requested a new password"},
	{11, "USER_CHANGED_PASSWORD", "%user% changed their password"},
	{12, "UNLOCKED_USER", "%actor_user% unlocked %user%"},
	{15, "DEACTIVATED_USER", "%actor_user% deactivated %user%"},
	{16, "ACTIVATED_USER", "%actor_user% activated %user%"},
	{17, "DELETED_USER", "%actor_user% deleted %user%"},
	{18, "ADMIN_APPROVED_PASSWORD_REQUEST", "%actor_user% approved the password request of %user%"},
	{19, "USER_LOCKED", "%user% was locked"},
	{21, "SUSPENDED_USER", "%actor_user% suspended %user%"},
	{22, "USER_ADDED_OTP_DEVICE", "%user% added an OTP device"},
	{24, "USER_REMOVED_OTP_DEVICE", "%user% removed an OTP device"},
	{32, "REACTIVATED_USER", "%actor_user% reactivated %user%"},
	{35, "USER_LOCKED_OUT_OF_APP", "%user% was locked out of %app%"},
	{36, "USER_LOST_OTP_DEVICE", "%user% reported a lost OTP device"},
	{40, "USER_UNLOCKED_OTP_DEVICE", "%user% unlocked an OTP device"},
	{50, "REJECTED_USER", "%actor_user% rejected %user%"},
	{106, "USER_CHANGE_PASSWORD_FAILED", "%user% failed to change their password"},
	{115, "USER_INVITED", "%actor_user% invited %user%"},
	{120, "UNLOCKED_USER_IN_DIRECTORY", "%user% was unlocked in the directory"},
	{122, "USER_AUTHENTICATED_BY_API", "%user% was authenticated by the API"},
	{123, "USER_REJECTED_BY_API", "%user% was rejected by the API"},
	{211, "ADMIN_CHANGED_USER_PASSWORD", "%actor_user% changed the password of %user%"},
	{223, "USER_UNLICENSED", "%user% was unlicensed"},
	{238, "USER_REDIRECTED_FOR_PASSWORD_CHANGE", "%user% was redirected to change their password"},
	{510, "API_SET_PWD_SALT", "%actor_user% set the password of %user% (salted hash) via API"},
	{511, "API_SET_PWD_CLEAR_TEXT", "%actor_user% set the password of %user% via API"},
	{525, "API_GET_INVITE_LINK_FAILED", "%actor_user% failed to get an invite link for %user% via API"},
	{527, "API_VERIFY_FACTOR_FAILED", "%user% failed to verify a factor via API"},
	{528, "API_VERIFY_FACTOR", "%user% verified a factor via API"},
	{531, "API_LOCK_USER", "%actor_user% locked %user% via API"},
	{535, "API_GET_INVITE_LINK", "%actor_user% got an invite link for %user% via API"},
	{536, "API_USER_OTPS_RETRIEVED", "%actor_user% listed the OTP devices of %user% via API"},
	{539, "API_TRIGGER_FACTOR", "%actor_user% triggered a factor of %user% via API"},
	{540, "API_ADDED_OTP_DEVICE", "%actor_user% added an OTP device for %user% via API"},
	{545, "API_SEND_INVITE_LINK_FAILED", "%actor_user% failed to send an invite link to %user% via API"},
	{546, "API_SEND_INVITE_LINK", "%actor_user% sent an invite link to %user% via API"},
	{551, "SUSPENDED_USER_VIA_API", "%actor_user% suspended %user% via API"},
	{552, "REACTIVATED_USER_VIA_API", "%actor_user% reactivated %user% via API"},
	{553, "USER_LOCKED_VIA_API", "%actor_user% locked %user% via API"},
	{554, "UNLOCKED_USER_VIA_API", "%actor_user% unlocked %user% via API"},
	{950, "OL_OTP_PUSH_REJECT", "%user% rejected a OneLogin Protect push"},
	{1001, "USER_LOGIN_CHALLENGE", "%user% was challenged for a second factor"},
	{1002, "USER_LOGIN_CHALLENGE_FAILED", "%user% failed the second factor challenge"},
	{1100, "TEMP_OTP_TOKEN_GENERATED", "%actor_user% generated a temporary MFA token for %user%"},
	{1101, "TEMP_OTP_TOKEN_REVOKED", "%actor_user% revoked a temporary MFA token of %user%"},
	{1400, "USER_VERIFIED_OTP_DEVICE", "%user% verified an OTP device"},
	{1600, "PROFILE_DEVICES_DELETE_DEVICE", "%user% deleted a device from their profile"},
	{1608, "PROFILE_CHANGE_PASSWORD", "%user% changed their password from their profile"},
}

// event is one recorded event. Empty strings and zero ids render as null;
// the keys the fake never fills (group, policy, directory,
// proxy_ip ...) are always null.
type event struct {
	id                 int64
	createdAt          time.Time
	typeID             int
	userID             int64
	userName           string
	actorUserID        int64
	actorUserName      string
	actorSystem        string // "" for people, "API" for API calls (always a string)
	ipaddr             string
	appID              int64
	appName            string
	otpDeviceID        int64
	otpDeviceName      string
	notes              string
	clientID           string
	riskScore          int
	riskReasons        string
	browserFingerprint string
}

// eventKeys are the 35 keys of a REST event, in the order of the docs'
// sample (reference §2.1, §2.2).
var eventKeys = []string{
	"id", "created_at", "account_id", "user_id", "event_type_id", "notes", "ipaddr", "actor_user_id",
	"assuming_acting_user_id", "role_id", "app_id", "group_id", "otp_device_id", "policy_id", "actor_system",
	"custom_message", "role_name", "app_name", "group_name", "actor_user_name", "user_name", "policy_name",
	"otp_device_name", "operation_name", "directory_sync_run_id", "directory_id", "resolution", "client_id",
	"resource_type_id", "error_description", "proxy_ip", "risk_score", "risk_reasons", "risk_cookie_id",
	"browser_fingerprint",
}

func nullIfZero(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// eventValue is the wire value of one key of e.
func (t *Tenant) eventValue(e *event, k string) any {
	switch k {
	case "id":
		return e.id
	case "created_at":
		return isoTime(e.createdAt)
	case "account_id":
		return t.opts.AccountID
	case "user_id":
		return nullIfZero(e.userID)
	case "event_type_id":
		return e.typeID
	case "notes":
		return nullIfEmpty(e.notes)
	case "ipaddr":
		return nullIfEmpty(e.ipaddr)
	case "actor_user_id":
		return nullIfZero(e.actorUserID)
	case "app_id":
		return nullIfZero(e.appID)
	case "actor_system":
		return e.actorSystem // "" for people, never null (D,S)
	case "app_name":
		return nullIfEmpty(e.appName)
	case "otp_device_id":
		return nullIfZero(e.otpDeviceID)
	case "otp_device_name":
		return nullIfEmpty(e.otpDeviceName)
	case "actor_user_name":
		return nullIfEmpty(e.actorUserName)
	case "user_name":
		return nullIfEmpty(e.userName)
	case "client_id":
		return nullIfEmpty(e.clientID)
	case "risk_score":
		if e.riskScore == 0 && e.riskReasons == "" {
			return nil
		}
		return e.riskScore
	case "risk_reasons":
		return nullIfEmpty(e.riskReasons)
	case "browser_fingerprint":
		return nullIfEmpty(e.browserFingerprint)
	}
	return nil
}

func (t *Tenant) eventsJSON(es []*event, keys []string) json.RawMessage {
	return objectsJSON(es, keys, t.eventValue)
}

// ---- the record ----

// addEvent stores e with the next id, dropping the oldest event once the
// record holds Options.MaxEvents. Caller holds t.mu.
func (t *Tenant) addEvent(e *event) {
	if t.opts.MaxEvents < 0 {
		return
	}
	t.lastEventID += 1 + t.lastEventID%3 // ids from a shared sequence have gaps
	e.id = t.lastEventID
	if len(t.events) < t.opts.MaxEvents {
		t.events = append(t.events, e)
		return
	}
	t.events[t.eventsHead] = e
	t.eventsHead = (t.eventsHead + 1) % len(t.events)
}

// eachEvent calls fn on each kept event, oldest recorded first. Caller holds t.mu.
func (t *Tenant) eachEvent(fn func(*event)) {
	for i := range t.events {
		fn(t.events[(t.eventsHead+i)%len(t.events)])
	}
}

// displayName is how events name a person: first and last name, or the
// email when both are empty (reference §2.2).
func displayName(u *user) string {
	if n := strings.TrimSpace(u.firstname + " " + u.lastname); n != "" {
		return n
	}
	return u.email
}

// apiEvent records what an API call did to u, the way OneLogin shows API
// actions: actor_system "API", the credential's client_id and the caller's
// address. Assumption (U): no actor user; actor_user_name "API" as the
// third-party samples show for system actors. Caller holds t.mu.
func (t *Tenant) apiEvent(q *req, typeID int, u *user) {
	host, _, err := net.SplitHostPort(q.r.RemoteAddr)
	if err != nil {
		host = q.r.RemoteAddr
	}
	t.addEvent(&event{
		createdAt: q.now.UTC(), typeID: typeID, userID: u.id, userName: displayName(u),
		actorUserName: apiActor, actorSystem: apiActor, ipaddr: host, clientID: t.opts.ClientID,
	})
}

// deviceEvent is apiEvent naming the factor checked (d nil: a temporary
// MFA token, device 0). Caller holds t.mu.
func (t *Tenant) deviceEvent(q *req, typeID int, u *user, d *otpDevice) {
	t.apiEvent(q, typeID, u)
	if d == nil || t.opts.MaxEvents < 0 {
		return
	}
	e := t.newestEvent()
	e.otpDeviceID, e.otpDeviceName = d.id, d.displayName
}

// newestEvent is the event recorded last. Caller holds t.mu and has just
// recorded one.
func (t *Tenant) newestEvent() *event {
	if len(t.events) < t.opts.MaxEvents {
		return t.events[len(t.events)-1]
	}
	return t.events[(t.eventsHead+len(t.events)-1)%len(t.events)]
}

// statusEvent is the event type of an API status change, or 0 when the
// reference names none (reference §2.5, §4).
func statusEvent(from, to int) int {
	switch {
	case to == from:
		return 0
	case to == StatusLocked:
		return EventUserLockedViaAPI
	case to == StatusSuspended:
		return EventSuspendedUserViaAPI
	case to == StatusActive && from == StatusLocked:
		return EventUnlockedUserViaAPI
	case to == StatusActive && from == StatusSuspended:
		return EventReactivatedUserViaAPI
	}
	return 0
}

// stateEvent is the event type of a state change. Rejected (50) and
// Unlicensed (223) match by name; Assumption (U): Unapproved is 15
// DEACTIVATED_USER and Approved is 16 ACTIVATED_USER.
func stateEvent(to int) int {
	switch to {
	case StateUnapproved:
		return EventDeactivatedUser
	case StateApproved:
		return EventActivatedUser
	case StateRejected:
		return EventRejectedUser
	case StateUnlicensed:
		return EventUserUnlicensed
	}
	return 0
}

// ---- seeded history ----

// Addresses in events are documentation addresses (RFC 5737): 192.0.2.0/24
// stands for the company's offices, 198.51.100.0/24 and 203.0.113.0/24 for
// the rest of the world.
const officeNet = "192.0.2."

func attemptsOf(u *user) int {
	if u.invalidLogins == nil {
		return 0
	}
	return *u.invalidLogins
}

// seedHistory records what brought the seeded people to their state, so
// that the events can say why: each locked person's failed sign-ins and
// the lock, each suspended person's suspension by the admin persona. It
// draws from its own random stream so that a seed's people stay the same.
// Called during seeding, before the tenant is shared.
func (t *Tenant) seedHistory() {
	r := rand.New(rand.NewPCG(uint64(t.opts.Seed), 0x415709))
	now := t.seedTime
	policy := time.Duration(t.opts.PolicyLockMinutes) * time.Minute
	var evs []*event
	add := func(e *event) { evs = append(evs, e) }
	admin := t.users[PersonaAdminID]
	for _, id := range t.order {
		u := t.users[id]
		name := displayName(u)
		switch u.status {
		case StatusLocked:
			lockAt := now.Add(-time.Hour - time.Duration(r.IntN(47*60))*time.Minute)
			if u.lockedUntil != nil {
				// Locked for the policy period; a lock ending later than
				// that from now began a minute ago.
				lockAt = u.lockedUntil.Add(-policy)
				if latest := now.Add(-time.Minute); lockAt.After(latest) {
					lockAt = latest
				}
			}
			ip := officeNet + strconv.Itoa(10+r.IntN(200))
			attempts := max(1, attemptsOf(u))
			for i := range attempts {
				at := lockAt.Add(-time.Duration(attempts-1-i) * time.Duration(20+r.IntN(100)) * time.Second)
				add(&event{createdAt: at, typeID: EventUserFailedLogin, userID: u.id, userName: name,
					actorUserID: u.id, actorUserName: name, ipaddr: ip, notes: "Invalid password"})
			}
			add(&event{createdAt: lockAt, typeID: EventUserLocked, userID: u.id, userName: name,
				actorUserID: u.id, actorUserName: name})
		case StatusSuspended:
			at := now.Add(-time.Duration(1+r.IntN(60*24)) * time.Hour)
			add(&event{createdAt: at, typeID: EventSuspendedUser, userID: u.id, userName: name,
				actorUserID: admin.id, actorUserName: displayName(admin), ipaddr: officeNet + "10"})
		}
	}
	for _, e := range evs {
		e.createdAt = e.createdAt.UTC().Truncate(time.Millisecond)
	}
	slices.SortStableFunc(evs, func(a, b *event) int { return a.createdAt.Compare(b.createdAt) })
	for _, e := range evs {
		t.addEvent(e)
	}
}

// ---- sign-ins ----

// SignIn is one sign-in attempt for Tenant.RecordSignIn.
type SignIn struct {
	// UserID is who signed in. 0, or an id the tenant does not have, is a
	// failed attempt for a name no one has: recorded with user_id null.
	UserID  int64
	Success bool
	IP      string
	// App is the app signed into, by name ("" for the OneLogin portal).
	App string
	// UserAgent is the browser's. REST events have no user-agent field
	// (reference §2.2), so it shows only as a browser_fingerprint.
	UserAgent string
	// RiskScore (0-100) and RiskReasons are SmartFactor's assessment; a
	// zero score without reasons records null (not assessed).
	RiskScore   int
	RiskReasons []string
	// Reason says why a failed attempt failed (e.g. "Invalid password");
	// it is recorded in notes.
	Reason string
}

// RecordSignIn records a sign-in attempt on the tenant's clock, as OneLogin
// does for its own sign-in page: 5 USER_LOGGED_INTO_ONELOGIN (and 8
// USER_LOGGED_INTO_APP when App is set) for a success, 6
// USER_FAILED_ONELOGIN_LOGIN for a failure. A success clears the person's
// failed attempts and sets last_login; a failure of an active person counts
// one more, and the failure that reaches Options.MaxLoginAttempts locks the
// account for the policy's lock period, recorded as 19 USER_LOCKED. It
// reports whether the person is locked afterwards.
func (t *Tenant) RecordSignIn(s SignIn) (locked bool) {
	now := t.clock.Now().UTC()
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.users[s.UserID]
	if u != nil {
		u.settle(now)
	}
	t.signIn(u, s, now)
	return u != nil && u.status == StatusLocked
}

// signIn records s for u (nil: unknown person) at time at. Caller holds t.mu.
func (t *Tenant) signIn(u *user, s SignIn, at time.Time) {
	e := &event{
		createdAt: at, typeID: EventUserLoggedIn, ipaddr: s.IP,
		riskScore: min(max(s.RiskScore, 0), 100), riskReasons: strings.Join(s.RiskReasons, "\n"),
		browserFingerprint: fingerprint(s.UserAgent),
	}
	if s.App != "" {
		e.appName = s.App
		if i := slices.IndexFunc(t.apps, func(a app) bool { return strings.EqualFold(a.name, s.App) }); i >= 0 {
			e.appID, e.appName = t.apps[i].id, t.apps[i].name
		}
	}
	if u != nil {
		// Assumption (U): the person is their own actor on sign-in events.
		e.userID, e.userName = u.id, displayName(u)
		e.actorUserID, e.actorUserName = u.id, e.userName
	}
	if s.Success {
		t.addEvent(e)
		if s.App != "" {
			app := *e
			app.typeID, app.riskScore, app.riskReasons = EventUserLoggedIntoApp, 0, ""
			t.addEvent(&app)
		}
		if u != nil {
			zero := 0
			u.invalidLogins, u.lastLogin = &zero, tp(at)
			touchSignIn(u, at)
		}
		return
	}
	e.typeID = EventUserFailedLogin
	// Assumption (U): the failure reason goes in notes.
	e.notes = s.Reason
	t.addEvent(e)
	if u == nil || u.status != StatusActive {
		// Only an active account's failures count towards a lockout: a
		// locked one's do not count again, and a suspended (or otherwise
		// blocked) person does not become merely locked.
		return
	}
	n := 1
	if u.invalidLogins != nil {
		n += *u.invalidLogins
	}
	u.invalidLogins = &n
	touchSignIn(u, at)
	if n >= t.opts.MaxLoginAttempts {
		t.lockForFailures(u, at)
	}
}

// touch sets u's updated_at to at unless it is later already: every
// change to a person bumps it (directory reference, A1.5: treat any change
// as possible).
func touch(u *user, at time.Time) {
	if at.After(u.updatedAt) {
		u.updatedAt = at
	}
}

// touchSignIn bumps updated_at for a sign-in attempt at at: OneLogin's
// recorded users show it 0.1 to 0.6 s after last_login (directory
// reference, A1.5); a failure is taken to be written the same way (U).
func touchSignIn(u *user, at time.Time) { touch(u, at.Add(100*time.Millisecond)) }

// lockForFailures locks u as the policy does after too many failed
// sign-ins. Assumption (U): 19 USER_LOCKED with the person as actor, no
// actor_system, from the address of the last failure (reference §4).
// Caller holds t.mu.
func (t *Tenant) lockForFailures(u *user, at time.Time) {
	until := at.Add(time.Duration(t.opts.PolicyLockMinutes) * time.Minute)
	u.status, u.lockedUntil, u.updatedAt = StatusLocked, &until, at
	t.addEvent(&event{createdAt: at, typeID: EventUserLocked, userID: u.id, userName: displayName(u),
		actorUserID: u.id, actorUserName: displayName(u)})
}

// fingerprint stands for a browser fingerprint derived from the user agent.
func fingerprint(userAgent string) string {
	if userAgent == "" {
		return ""
	}
	h := fnv.New64a()
	h.Write([]byte(userAgent))
	return fmt.Sprintf("%016x", h.Sum64())
}

// ---- HTTP ----

// eventFilters are the documented GET /api/1/events filters (reference §2.1).
// Assumption (U): others (user_name, page ...) are ignored like on users.
var eventFilters = map[string]bool{
	"client_id": true, "created_at": true, "directory_id": true, "event_type_id": true, "id": true,
	"resolution": true, "since": true, "until": true, "user_id": true,
}

func isEventFilter(k string) bool { return eventFilters[k] }

// intSet parses the values of an id filter. event_type_id takes several ids
// comma-separated (D); the generated SDKs' repeated parameters (U) are
// taken too. Other id filters take one id each.
func intSet(k string, vs []string, commas bool) (map[int64]bool, *response) {
	set := map[int64]bool{}
	for _, v := range vs {
		parts := []string{v}
		if commas {
			parts = strings.Split(v, ",")
		}
		for _, p := range parts {
			n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
			if err != nil {
				// Assumption (U): like since/until, a 400 naming the parameter.
				r := badAttr(k, k+" is invalid")
				return nil, &r
			}
			set[n] = true
		}
	}
	return set, nil
}

// filterEvents returns the matching events, sorted as asked. Caller holds t.mu.
func (t *Tenant) filterEvents(f map[string][]string) ([]*event, *response) {
	var preds []func(*event) bool
	for k, vs := range f {
		if k == "sort" || len(vs) == 0 {
			continue
		}
		switch k {
		case "since", "until", "created_at":
			at, ok := parseFilterTime(vs[0])
			if !ok {
				r := badAttr(k, k+" is invalid")
				return nil, &r
			}
			switch k {
			case "since":
				preds = append(preds, func(e *event) bool { return e.createdAt.After(at) })
			case "until":
				preds = append(preds, func(e *event) bool { return e.createdAt.Before(at) })
			default:
				preds = append(preds, func(e *event) bool { return e.createdAt.Equal(at) })
			}
		case "event_type_id", "user_id", "id", "directory_id":
			set, e := intSet(k, vs, k == "event_type_id")
			if e != nil {
				return nil, e
			}
			var field func(*event) int64
			switch k {
			case "event_type_id":
				field = func(e *event) int64 { return int64(e.typeID) }
			case "user_id":
				field = func(e *event) int64 { return e.userID }
			case "id":
				field = func(e *event) int64 { return e.id }
			default:
				field = func(*event) int64 { return 0 } // the fake has no directory events
			}
			preds = append(preds, func(e *event) bool { return set[field(e)] })
		case "client_id":
			v := vs[0]
			preds = append(preds, func(e *event) bool { return e.clientID == v })
		case "resolution":
			preds = append(preds, func(*event) bool { return false }) // never set by the fake
		}
	}
	var out []*event
	t.eachEvent(func(e *event) {
		for _, p := range preds {
			if !p(e) {
				return
			}
		}
		out = append(out, e)
	})
	// Assumption (U, reference §2.1): the default order is unknown; the fake
	// lists by ascending id like its other lists, so a client that wants
	// the newest first must ask with sort=-created_at, as clients should.
	slices.SortFunc(out, func(a, b *event) int { return cmpInt(a.id, b.id) })
	if s := f["sort"]; len(s) > 0 {
		field, desc := sortSpec(s[0])
		key := map[string]func(*event) int64{
			"id":            func(e *event) int64 { return e.id },
			"created_at":    func(e *event) int64 { return e.createdAt.UnixNano() },
			"event_type_id": func(e *event) int64 { return int64(e.typeID) },
			"user_id":       func(e *event) int64 { return e.userID },
		}[field]
		if key != nil { // unknown sort fields are ignored (assumption, U)
			slices.SortStableFunc(out, func(a, b *event) int {
				c := cmpInt(key(a), key(b))
				if c == 0 {
					c = cmpInt(a.id, b.id)
				}
				if desc {
					return -c
				}
				return c
			})
		}
	}
	return out, nil
}

// GET /api/1/events
func (t *Tenant) listEvents(w http.ResponseWriter, q *req) {
	spec, bad := parseList(q.r.URL.Query(), isEventFilter)
	if bad != nil {
		fail(w, http.StatusBadRequest, bad)
		return
	}
	// Up to 50 per page (D); the maximum limit is unconfirmed (U) and the
	// fake caps it there, unlike users (100).
	spec.limit = min(spec.limit, maxEventPage)
	w.Header().Set("Link", "")
	t.withLock(w, func() response {
		evs, errR := t.filterEvents(spec.filters)
		if errR != nil {
			return *errR
		}
		ids := make([]int64, len(evs))
		byID := make(map[int64]*event, len(evs))
		for i, e := range evs {
			ids[i], byID[e.id] = e.id, e
		}
		pageIDs, p := spec.page(q.r, ids)
		page := make([]*event, len(pageIDs))
		for i, id := range pageIDs {
			page[i] = byID[id]
		}
		return response{http.StatusOK, envelope{Status: success(), Pagination: &p, Data: t.eventsJSON(page, fieldList(spec.fields, eventKeys))}}
	})
}

// GET /api/1/events/:id → data [event] (D: an array of one).
func (t *Tenant) getEvent(w http.ResponseWriter, q *req) {
	t.withLock(w, func() response {
		id, err := strconv.ParseInt(q.id, 10, 64)
		if err != nil {
			return badAttr("id", msgIDIncorrect)
		}
		var found *event
		t.eachEvent(func(e *event) {
			if e.id == id {
				found = e
			}
		})
		if found == nil {
			// Assumption (U): the body follows the users' 404 sentence.
			return errResp(http.StatusNotFound, fmt.Sprintf("Event for id %d was not found", id))
		}
		return okResp(t.eventsJSON([]*event{found}, eventKeys))
	})
}

// GET /api/1/events/types: not paginated (U), no pagination key.
// Assumption (U): it needs a token like every other v1 call.
func (t *Tenant) listEventTypes(w http.ResponseWriter, _ *req) {
	type wireType struct {
		ID          int    `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	out := make([]wireType, len(eventTypes))
	for i, et := range eventTypes {
		out[i] = wireType{ID: et.id, Name: et.name, Description: et.description}
	}
	writeOK(w, out)
}
