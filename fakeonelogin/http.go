package fakeonelogin

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Error sentences the reference gives verbatim (clients match on them).
const (
	msgAuthIncorrect     = "Authorization Information is incorrect"
	msgAuthFailure       = "Authentication Failure"
	msgInsufficient      = "Insufficient Permission"
	msgNoRoute           = "No Route Exists"
	msgInvalidJSON       = "Input JSON is not valid"
	msgIDIncorrect       = "ID is incorrect"
	msgContentType       = "Content Type is not specified or specified incorrectly. Content-Type header must be set to application/json"
	msgAuthMissing       = "The authorization information is missing"
	msgAccessTokenMiss   = "Access Token Missing"
	msgGrantType         = "grant_type is incorrect/absent"
	msgForbiddenUser     = "user is not authorized to access this User"
	msgRoleEmpty         = "role_id_array is empty"
	msgRoleInputEmpty    = "input parameters is empty"
	msgRoleIncluded      = "input role_id_array is already included as user roles"
	msgRoleNotIncluded   = "input role_id_array is not included as user roles"
	msgCustomEmpty       = "custom_attributes is empty"
	msgStateSame         = "user is already in this state"
	msgStateInvalid      = "state is invalid"
	msgLockedUntilNotInt = "locked_until should be -> integer"
)

// maxBody bounds request bodies; the real API's limit is unknown, this only
// keeps a misbehaving client from exhausting memory.
const maxBody = 1 << 20

type statusBlock struct {
	Error   bool   `json:"error"`
	Code    int    `json:"code"`
	Type    string `json:"type"`
	Message any    `json:"message"`
}

type attrMessage struct {
	Attribute   string `json:"attribute"`
	Description string `json:"description"`
}

type pagination struct {
	BeforeCursor *string `json:"before_cursor"`
	AfterCursor  *string `json:"after_cursor"`
	PreviousLink *string `json:"previous_link"`
	NextLink     *string `json:"next_link"`
}

type envelope struct {
	Status     statusBlock `json:"status"`
	Pagination *pagination `json:"pagination,omitempty"`
	Data       any         `json:"data,omitempty"`
}

// statusType is the v1 `type` word for an HTTP status (reference §2.1).
func statusType(code int) string {
	switch code {
	case 200:
		return "success"
	case 400:
		return "bad request"
	case 401:
		return "Unauthorized"
	case 403:
		return "forbidden"
	case 404:
		return "not found"
	}
	return strings.ToLower(http.StatusText(code))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = 500, []byte(`{"status":{"error":true,"code":500,"type":"internal server error","message":"Internal Server Error"}}`)
	}
	writeRaw(w, code, b)
}

// fail answers a v1 error envelope; msg is a sentence or an attrMessage.
func fail(w http.ResponseWriter, code int, msg any) {
	writeJSON(w, code, envelope{Status: statusBlock{Error: true, Code: code, Type: statusType(code), Message: msg}})
}

func success() statusBlock {
	return statusBlock{Code: 200, Type: "success", Message: "Success"}
}

func writeOK(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, envelope{Status: success(), Data: data})
}

// okStatusOnly answers the bare success block that action calls return.
func okStatusOnly(w http.ResponseWriter) { writeOK(w, nil) }

// ---- routing ----

type scopeSet []Scope

var (
	readScopes   = scopeSet{ScopeReadUsers, ScopeManageUsers, ScopeReadAll, ScopeManageAll}
	manageScopes = scopeSet{ScopeManageUsers, ScopeManageAll}
	readAll      = scopeSet{ScopeReadAll, ScopeManageAll}
	manageAll    = scopeSet{ScopeManageAll}
	logoutScopes = scopeSet{ScopeAuthOnly, ScopeManageUsers, ScopeManageAll}
)

// req carries what a resource handler needs.
type req struct {
	r    *http.Request
	id   string // the :id path segment, unparsed
	sub  string // a second :id segment (e.g. an MFA device id), unparsed
	body []byte
	now  time.Time
}

type route struct {
	method  string
	pattern []string // "" matches any one segment (the :id)
	scopes  scopeSet
	v2      bool // v2-style auth errors and no rate limit
	handle  func(t *Tenant, w http.ResponseWriter, q *req)
}

// v2rt is a v2 route: bare JSON bodies, no rate-limit headers.
func v2rt(method, path string, scopes scopeSet, h func(*Tenant, http.ResponseWriter, *req)) route {
	r := rt(method, path, scopes, h)
	r.v2 = true
	return r
}

func rt(method, path string, scopes scopeSet, h func(*Tenant, http.ResponseWriter, *req)) route {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		if s == ":id" {
			segs[i] = ""
		}
	}
	return route{method: method, pattern: segs, scopes: scopes, handle: h}
}

// routes is the whole resource API of the fake (reference §3.0, §5, §6, §4.4,
// and the extra reference's §2 for events). Literal routes come before :id
// routes so that custom_attributes and events/types win.
var routes = []route{
	rt("GET", "/api/1/users", readScopes, (*Tenant).listUsers),
	rt("POST", "/api/1/users", manageScopes, (*Tenant).createUser),
	rt("GET", "/api/1/users/custom_attributes", readScopes, (*Tenant).customAttributeDefs),
	rt("PUT", "/api/1/users/set_password_clear_text/:id", manageAll, (*Tenant).setPasswordClear),
	rt("PUT", "/api/1/users/set_password_using_salt/:id", manageAll, (*Tenant).setPasswordSalt),
	rt("GET", "/api/1/users/:id", readScopes, (*Tenant).getUser),
	rt("PUT", "/api/1/users/:id", manageScopes, (*Tenant).updateUser),
	rt("DELETE", "/api/1/users/:id", manageScopes, (*Tenant).deleteUser),
	rt("GET", "/api/1/users/:id/apps", readScopes, (*Tenant).userApps),
	rt("GET", "/api/1/users/:id/roles", readAll, (*Tenant).userRoles),
	rt("PUT", "/api/1/users/:id/add_roles", manageAll, (*Tenant).addRoles),
	rt("PUT", "/api/1/users/:id/remove_roles", manageAll, (*Tenant).removeRoles),
	rt("PUT", "/api/1/users/:id/set_custom_attributes", manageScopes, (*Tenant).setCustomAttributes),
	rt("PUT", "/api/1/users/:id/set_state", manageAll, (*Tenant).setState),
	rt("PUT", "/api/1/users/:id/lock_user", manageAll, (*Tenant).lockUser),
	rt("PUT", "/api/1/users/:id/logout", logoutScopes, (*Tenant).logoutUser),
	rt("POST", "/api/1/users/:id/mfa_token", manageScopes, (*Tenant).mfaToken),
	rt("GET", "/api/1/events", readScopes, (*Tenant).listEvents),
	rt("GET", "/api/1/events/types", readScopes, (*Tenant).listEventTypes),
	rt("GET", "/api/1/events/:id", readScopes, (*Tenant).getEvent),
	rt("GET", "/api/1/roles", readScopes, (*Tenant).listRoles),
	rt("GET", "/api/1/roles/:id", readScopes, (*Tenant).getRole),
	rt("GET", "/auth/rate_limit", readScopes, (*Tenant).rateLimitStatus),
	// MFA factors (extra reference §1.1–1.4); the generated SDKs' singular
	// auth_factor path is served too.
	rt("GET", "/api/1/users/:id/auth_factors", readScopes, (*Tenant).authFactors),
	rt("GET", "/api/1/users/:id/auth_factor", readScopes, (*Tenant).authFactors),
	rt("GET", "/api/1/users/:id/otp_devices", readScopes, (*Tenant).otpDevices),
	rt("POST", "/api/1/users/:id/otp_devices/:id/trigger", manageScopes, (*Tenant).triggerDevice),
	rt("POST", "/api/1/users/:id/otp_devices/:id/verify", manageScopes, (*Tenant).verifyDevice),
	rt("DELETE", "/api/1/users/:id/otp_devices/:id", manageScopes, (*Tenant).removeDeviceV1),
	// MFA v2 (directory-mfa reference §B): Manage All only (§B0).
	v2rt("GET", "/api/2/mfa/users/:id/devices", manageAll, (*Tenant).devicesV2),
	v2rt("DELETE", "/api/2/mfa/users/:id/devices/:id", manageAll, (*Tenant).removeDeviceV2),
	v2rt("POST", "/api/2/mfa/users/:id/verifications", manageAll, (*Tenant).startVerification),
	v2rt("GET", "/api/2/mfa/users/:id/verifications/:id", manageAll, (*Tenant).pollVerification),
	v2rt("PUT", "/api/2/mfa/users/:id/verifications/:id", manageAll, (*Tenant).checkVerificationCode),
	// Invite links (extra reference §3).
	rt("POST", "/api/1/invites/get_invite_link", manageAll, (*Tenant).getInviteLink),
	rt("POST", "/api/1/invites/send_invite_link", manageAll, (*Tenant).sendInviteLink),
	v2rt("GET", "/api/2/users", readScopes, (*Tenant).listUsersV2),
	v2rt("POST", "/api/2/users/:id/unlock", manageScopes, (*Tenant).unlockV2),
}

// match reports whether segs fits the route and returns the :id segments:
// the first, and a second one where the path has two.
func (rt route) match(segs []string) (id, sub string, ok bool) {
	if len(segs) != len(rt.pattern) {
		return "", "", false
	}
	n := 0
	for i, p := range rt.pattern {
		if p == "" {
			if segs[i] == "" {
				return "", "", false
			}
			if n == 0 {
				id = segs[i]
			} else {
				sub = segs[i]
			}
			n++
		} else if p != segs[i] {
			return "", "", false
		}
	}
	return id, sub, true
}

// Handler returns the tenant's whole HTTP API: token endpoints, resource
// endpoints and the app icons.
func (t *Tenant) Handler() http.Handler { return t }

// ServeHTTP serves the API; see Handler.
func (t *Tenant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil { // nil when the handler is called directly
		body, _ = io.ReadAll(io.LimitReader(r.Body, maxBody))
		r.Body.Close()
	}
	call := t.record(r, body)
	sw := &statusWriter{ResponseWriter: w}
	defer func() { t.setCallStatus(call, sw.code) }()

	// The fake's own pages (the phone, the inbox, the set-password page)
	// are no part of OneLogin's API: no latency, faults or quota.
	if strings.HasPrefix(r.URL.Path, fakePagesPrefix) || r.URL.Path == resetPath {
		t.servePages(sw, r, body)
		return
	}
	if !t.wait(r.Context()) {
		return // the caller gave up while we were "slow"
	}
	path := r.URL.Path
	switch {
	case path == "/auth/oauth2/v2/token" || path == "/auth/oauth2/token" || path == "/auth/oauth2/revoke":
		if code, ok := t.takeTokenFault(); ok {
			fail(sw, code, http.StatusText(code))
			return
		}
		t.serveAuth(sw, r, body)
		return
	case strings.HasPrefix(path, "/images/"):
		t.serveImage(sw, r)
		return
	case strings.HasPrefix(path, "/api/") || path == "/auth/rate_limit":
		if t.takeDrop() {
			dropConnection(w)
			return
		}
		if code, ok := t.takeFault(); ok {
			failFor(sw, path, code)
			return
		}
		if code, ok := t.takeMFAFault(path); ok {
			failFor(sw, path, code)
			return
		}
		t.serveResource(sw, r, body)
		return
	}
	fail(sw, http.StatusNotFound, msgNoRoute)
}

// failFor answers an injected fault in the shape of the path's API: a v1
// envelope, or a bare v2 error (Assumption, U: a v2 429 carries no
// rate-limit headers and no Retry-After, A1.7).
func failFor(w http.ResponseWriter, path string, code int) {
	if strings.HasPrefix(path, "/api/2/") {
		msg, _ := faultMessage(code).(string)
		writeJSON(w, code, v2Error{StatusCode: code, Name: strings.ReplaceAll(http.StatusText(code), " ", "") + "Error", Message: msg})
		return
	}
	fail(w, code, faultMessage(code))
}

func faultMessage(code int) any {
	if code == http.StatusInternalServerError {
		return "Internal Server Error"
	}
	return http.StatusText(code)
}

func (t *Tenant) serveResource(w http.ResponseWriter, r *http.Request, body []byte) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var (
		found   *route
		id, sub string
	)
	for i := range routes {
		if pid, psub, ok := routes[i].match(segs); ok && routes[i].method == r.Method {
			found, id, sub = &routes[i], pid, psub
			break
		}
	}
	if found == nil {
		// A wrong method and an unknown path answer alike (reference §2.5).
		fail(w, http.StatusNotFound, msgNoRoute)
		return
	}
	now := t.clock.Now()
	if found.v2 {
		if mfa := found.pattern[2] == "mfa"; mfa {
			// The v2 MFA pages document other bodies than the users pages:
			// 401 InvalidCredentials (the poll page the v1 envelope), 403
			// ForbiddenAction for a credential without Manage All.
			switch {
			case !t.validBearer(r, now) && r.Method == http.MethodGet && found.pattern[len(found.pattern)-1] == "":
				fail(w, http.StatusUnauthorized, msgAuthFailure)
				return
			case !t.validBearer(r, now):
				writeJSON(w, http.StatusUnauthorized, v2InvalidCredentials)
				return
			case !hasScope(found.scopes, t.opts.Scope):
				writeJSON(w, http.StatusForbidden, v2ForbiddenAction)
				return
			}
			found.handle(t, w, &req{r: r, id: id, sub: sub, body: body, now: now})
			return
		}
		if !t.validBearer(r, now) || !hasScope(found.scopes, t.opts.Scope) {
			writeJSON(w, http.StatusUnauthorized, v2Error{Message: "Unauthorized", Name: "UnauthorizedError", StatusCode: 401})
			return
		}
		found.handle(t, w, &req{r: r, id: id, sub: sub, body: body, now: now})
		return
	}
	tok, okHdr := parseBearer(r.Header.Get("Authorization"))
	if !okHdr {
		fail(w, http.StatusBadRequest, msgAuthIncorrect)
		return
	}
	if !t.tokenValid(tok, now) {
		fail(w, http.StatusUnauthorized, msgAuthFailure)
		return
	}
	if !hasScope(found.scopes, t.opts.Scope) {
		fail(w, http.StatusUnauthorized, msgInsufficient)
		return
	}
	if found.pattern[0] == "auth" { // rate_limit status does not spend the quota
		found.handle(t, w, &req{r: r, id: id, sub: sub, body: body, now: now})
		return
	}
	limit, remaining, reset, allowed := t.takeRate(now)
	h := w.Header()
	// Lower-case names as recorded from the real API (Header.Set would canonicalise).
	h["x-ratelimit-limit"] = []string{strconv.Itoa(limit)}
	h["x-ratelimit-remaining"] = []string{strconv.Itoa(remaining)}
	h["x-ratelimit-reset"] = []string{strconv.Itoa(reset)}
	h["x-request-id"] = []string{randomHex(16)}
	if !allowed {
		// Assumption (reference §6, U): the exhausted quota answers 429 with a
		// v1 envelope and no Retry-After.
		fail(w, http.StatusTooManyRequests, "Rate Limit Exceeded")
		return
	}
	// Assumption (U): v1 bodies must be JSON like the docs require; a body
	// sent with another Content-Type gets the revoke call's documented error.
	if len(bytes.TrimSpace(body)) > 0 && !isJSON(r) {
		fail(w, http.StatusBadRequest, msgContentType)
		return
	}
	found.handle(t, w, &req{r: r, id: id, sub: sub, body: body, now: now})
}

func hasScope(set scopeSet, s Scope) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

func isForm(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// parseBearer accepts "bearer:<t>", "bearer <t>", "Bearer <t>" and
// "Bearer:<t>" (reference §1.8).
func parseBearer(h string) (string, bool) {
	h = strings.TrimSpace(h)
	if len(h) < 8 || !strings.EqualFold(h[:6], "bearer") || (h[6] != ':' && h[6] != ' ') {
		return "", false
	}
	tok := strings.TrimSpace(h[7:])
	if tok == "" || strings.ContainsAny(tok, " \t") {
		return "", false
	}
	return tok, true
}

func (t *Tenant) validBearer(r *http.Request, now time.Time) bool {
	tok, ok := parseBearer(r.Header.Get("Authorization"))
	return ok && t.tokenValid(tok, now)
}

// ---- latency and faults ----

func (t *Tenant) wait(ctx context.Context) bool {
	t.fMu.Lock()
	d := t.latency
	t.fMu.Unlock()
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (t *Tenant) takeFault() (int, bool) {
	t.fMu.Lock()
	defer t.fMu.Unlock()
	if t.failN > 0 {
		t.failN--
		return t.failStatus, true
	}
	return 0, false
}

func (t *Tenant) takeTokenFault() (int, bool) {
	t.fMu.Lock()
	defer t.fMu.Unlock()
	if t.failTokN > 0 {
		t.failTokN--
		return t.failTokSt, true
	}
	return 0, false
}

func (t *Tenant) takeDrop() bool {
	t.fMu.Lock()
	defer t.fMu.Unlock()
	if t.dropN > 0 {
		t.dropN--
		return true
	}
	return false
}

// dropConnection closes the connection without a response, as a crashed
// proxy would. If the connection cannot be hijacked (HTTP/2), it panics with
// http.ErrAbortHandler, which makes the server reset the stream.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// ---- rate limit ----

func (t *Tenant) rollWindow(now time.Time) {
	if t.rlWindowEnd.IsZero() || !now.Before(t.rlWindowEnd) {
		t.rlWindowEnd = now.Add(time.Hour)
		t.rlUsed = 0
	}
}

// takeRate spends one call of the hourly quota if any is left.
func (t *Tenant) takeRate(now time.Time) (limit, remaining, reset int, allowed bool) {
	t.rlMu.Lock()
	defer t.rlMu.Unlock()
	t.rollWindow(now)
	if t.rlUsed < t.rlLimit {
		t.rlUsed++
		allowed = true
	}
	return t.rlLimit, max(t.rlLimit-t.rlUsed, 0), secondsUntil(now, t.rlWindowEnd), allowed
}

func (t *Tenant) peekRate(now time.Time) (limit, remaining, reset int) {
	t.rlMu.Lock()
	defer t.rlMu.Unlock()
	t.rollWindow(now)
	return t.rlLimit, max(t.rlLimit-t.rlUsed, 0), secondsUntil(now, t.rlWindowEnd)
}

func secondsUntil(now, end time.Time) int {
	d := end.Sub(now)
	s := int(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	return s
}

// GET /auth/rate_limit: data is an object keyed like the headers (reference §6).
func (t *Tenant) rateLimitStatus(w http.ResponseWriter, q *req) {
	limit, remaining, reset := t.peekRate(q.now)
	writeOK(w, map[string]int{"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": remaining, "X-RateLimit-Reset": reset})
}

// ---- call record ----

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = 200
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

const redacted = "[REDACTED]"

var (
	secretJSONKeys = map[string]bool{"client_secret": true, "password": true, "password_confirmation": true,
		"password_salt": true, "access_token": true, "refresh_token": true,
		"otp_token": true, "state_token": true}
	basicRe  = regexp.MustCompile(`(?i)^(basic|bearer)([: ]\s*)\S.*$`)
	clientRe = regexp.MustCompile(`(?i)(client_id|client_secret)\s*:\s*[^,]*`)
)

// redactAuth keeps the scheme so a test can still see which variant was sent.
func redactAuth(v string) string {
	if m := basicRe.FindStringSubmatch(v); m != nil {
		return m[1] + m[2] + redacted
	}
	if clientRe.MatchString(v) {
		return clientRe.ReplaceAllString(v, "${1}:"+redacted)
	}
	if v == "" {
		return ""
	}
	return redacted
}

// redactBody hides secret fields of JSON and form bodies but keeps their keys.
func redactBody(r *http.Request, body []byte) []byte {
	if len(body) == 0 {
		return nil
	}
	if isForm(r) {
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return []byte(redacted)
		}
		for k := range vals {
			if secretJSONKeys[k] {
				vals[k] = []string{redacted}
			}
		}
		return []byte(vals.Encode())
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return bytes.Clone(body) // not an object: nothing secret we can parse
	}
	changed := false
	for k := range m {
		if secretJSONKeys[k] {
			m[k] = json.RawMessage(`"` + redacted + `"`)
			changed = true
		}
	}
	if !changed {
		return bytes.Clone(body)
	}
	b, _ := json.Marshal(m)
	return b
}

func (t *Tenant) record(r *http.Request, body []byte) *Call {
	if t.opts.MaxCalls < 0 {
		return &Call{} // nothing is kept: skip the copying and redacting
	}
	n := 0
	for _, vs := range r.Header {
		n += 2 * len(vs)
	}
	hdr := make([]string, 0, n)
	for k, vs := range r.Header {
		for _, v := range vs {
			if k == "Authorization" {
				v = redactAuth(v)
			}
			hdr = append(hdr, k, v)
		}
	}
	c := &Call{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Body: redactBody(r, body), Time: t.clock.Now(), hdr: hdr,
	}
	t.keep(c)
	return c
}

func (t *Tenant) setCallStatus(c *Call, code int) {
	t.cMu.Lock()
	c.Status = code
	t.cMu.Unlock()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
