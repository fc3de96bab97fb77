package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The v1 API is loose about JSON types: ids arrive as numbers or strings,
// most fields may be null, and some lists are nested one level deeper than
// the docs say. The flex types below absorb that so the model stays plain.
// Their errors never quote the input, which may be secret (an MFA token).

// flexString reads a string, a number (kept as written) or null ("").
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if v, ok := plainString(b); ok {
		*s = flexString(v)
		return nil
	}
	switch {
	case string(b) == "null":
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return errors.New("invalid JSON string")
		}
		*s = flexString(v)
	case isNumber(b):
		*s = flexString(b) // a number is kept as written
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return errors.New("invalid JSON number")
		}
		*s = flexString(n.String())
	default:
		return errors.New("want a string, a number or null")
	}
	return nil
}

// plainString returns the text of a JSON string literal that needs no
// unescaping: no backslash, no control character, valid UTF-8. Most values
// are like that, and taking their bytes as they are skips a second pass of
// the JSON decoder; any other literal is left to it (ok false).
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	in := b[1 : len(b)-1]
	ascii := true
	for _, c := range in {
		switch {
		case c < 0x20, c == '\\', c == '"':
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(in) {
		return "", false // the decoder turns invalid bytes into U+FFFD
	}
	return string(in), true
}

// isNumber reports whether b is exactly one JSON number literal:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isNumber(b []byte) bool {
	i := 0
	digits := func() int {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch n := digits(); {
	case n == 0, n > 1 && b[i-n] == '0':
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

// smallInt reads a plain integer literal of up to 18 digits (which cannot
// overflow int64) without allocating; ok is false for anything else.
func smallInt(b []byte) (v int64, ok bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 || (len(b) > 1 && b[0] == '0') {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// flexInt reads an integer, a string holding one, "" or null (0).
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	if v, ok := smallInt(bytes.TrimSpace(b)); ok {
		*n = flexInt(v)
		return nil
	}
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return errors.New("want an integer or null")
	}
	if s == "" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(s)), 10, 64)
	if err != nil {
		return errors.New("want an integer or null")
	}
	*n = flexInt(v)
	return nil
}

// flexBool reads true/false, "true"/"false", 1/0 or null (false).
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.ToLower(strings.Trim(string(bytes.TrimSpace(b)), `"`)) {
	case "true", "1":
		*v = true
	case "false", "0", "null", "":
		*v = false
	default:
		return errors.New("want a boolean or null")
	}
	return nil
}

// flexTime reads an RFC 3339 time, with or without fractional seconds, or
// null/"" (the zero time).
type flexTime time.Time

func (t *flexTime) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil || (len(b) > 0 && b[0] != '"' && string(b) != "null") {
		return errors.New("want an RFC 3339 time or null")
	}
	if s == "" {
		*t = flexTime{}
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, string(s))
	if err != nil {
		return errors.New("want an RFC 3339 time or null")
	}
	*t = flexTime(v)
	return nil
}

// envelope is the v1 answer: {"status":{..},"pagination":{..},"data":..}.
type envelope struct {
	Status     json.RawMessage `json:"status"`
	Pagination *wirePagination `json:"pagination"`
	Data       json.RawMessage `json:"data"`
}

type wirePagination struct {
	BeforeCursor flexString `json:"before_cursor"`
	AfterCursor  flexString `json:"after_cursor"`
}

func (p *wirePagination) page() Page {
	if p == nil {
		return Page{}
	}
	return Page{BeforeCursor: string(p.BeforeCursor), AfterCursor: string(p.AfterCursor)}
}

// wireStatus is the status block, used where it must decode strictly (the
// token answer); error answers go through errorInfo, which never fails.
type wireStatus struct {
	Error flexBool `json:"error"`
	Code  flexInt  `json:"code"`
}

// decodeEnvelope reads a v1 answer. failed reports status.error == true,
// which old SDKs treat as an error even with HTTP 200.
func decodeEnvelope(body []byte) (env envelope, failed bool, err error) {
	if err := json.Unmarshal(body, &env); err != nil {
		return env, false, err
	}
	return env, statusFailed(env.Status), nil
}

// statusFailed reports whether a status block says error: true.
func statusFailed(status json.RawMessage) bool {
	if len(status) == 0 {
		return false
	}
	var st struct {
		Error json.RawMessage `json:"error"`
	}
	return json.Unmarshal(status, &st) == nil && string(bytes.TrimSpace(st.Error)) == "true"
}

// listEnvelope is a v1 answer whose data is a flat list of W.
type listEnvelope[W any] struct {
	Status     json.RawMessage `json:"status"`
	Pagination *wirePagination `json:"pagination"`
	Data       []W             `json:"data"`
}

// decodePlainList reads a v1 answer whose data is a flat list of objects,
// the usual shape, in one pass of the decoder: the envelope, data and each
// item together. ok is false when the answer has any other shape (a nested
// list, a bare object) or does not decode; decodeEnvelope and flattenList
// then take it, knowing every quirk and saying what is wrong. Both paths
// give the same result for every answer the fast one accepts (FuzzDecode
// checks it). sizeHint, when known (the page size asked for), saves growing
// the list item by item.
func decodePlainList[W, T any](body []byte, conv func(*W) T, sizeHint int) (items []T, page Page, failed, ok bool) {
	var env listEnvelope[W]
	if sizeHint > 0 {
		env.Data = make([]W, 0, min(sizeHint, maxSizeHint))
	}
	if json.Unmarshal(body, &env) != nil {
		return nil, Page{}, false, false
	}
	items = make([]T, len(env.Data))
	for i := range env.Data {
		items[i] = conv(&env.Data[i])
	}
	return items, env.Pagination.page(), statusFailed(env.Status), true
}

// maxSizeHint bounds what a size hint reserves (OneLogin's largest page).
const maxSizeHint = 100

// decodeList reads the answer res to op, whose data is a list, through
// decodePlainList or, for any other shape, decodeEnvelope and general.
func decodeList[W, T any](op string, res *response, conv func(*W) T, sizeHint int, general func(json.RawMessage) ([]T, error)) ([]T, Page, error) {
	items, page, failed, ok := decodePlainList(res.body, conv, sizeHint)
	if !ok {
		var env envelope
		var err error
		if env, failed, err = decodeEnvelope(res.body); err != nil {
			return nil, Page{}, decodeError(op, err)
		}
		if !failed {
			if items, err = general(env.Data); err != nil {
				return nil, Page{}, decodeError(op, err)
			}
			page = env.Pagination.page()
		}
	}
	if failed {
		return nil, Page{}, parseError(op, res)
	}
	return items, page, nil
}

// oneUser is the single user of a get, create or update answer.
func oneUser(op string, users []User) (*User, error) {
	if len(users) != 1 {
		return nil, decodeError(op, errWantOne("user", len(users)))
	}
	return &users[0], nil
}

func errWantOne(what string, got int) error {
	return fmt.Errorf("want one %s in data, got %d", what, got)
}

// flattenList reads a data array and lifts nested arrays one level, so that
// [a,b], [[a,b]] and [[]] all give the plain list. null or absent is empty.
func flattenList(data json.RawMessage) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, errors.New("data is not a list")
	}
	out := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		it = bytes.TrimSpace(it)
		if len(it) > 0 && it[0] == '[' {
			var inner []json.RawMessage
			if err := json.Unmarshal(it, &inner); err != nil {
				return nil, errors.New("data holds an invalid nested list")
			}
			out = append(out, inner...)
			continue
		}
		out = append(out, it)
	}
	return out, nil
}

// wireUser is the v1 user object.
type wireUser struct {
	ID                   flexInt               `json:"id"`
	Email                flexString            `json:"email"`
	Username             flexString            `json:"username"`
	Firstname            flexString            `json:"firstname"`
	Lastname             flexString            `json:"lastname"`
	Company              flexString            `json:"company"`
	Department           flexString            `json:"department"`
	Title                flexString            `json:"title"`
	Comment              flexString            `json:"comment"`
	Notes                flexString            `json:"notes"`
	Phone                flexString            `json:"phone"`
	GroupID              flexInt               `json:"group_id"`
	RoleID               []flexInt             `json:"role_id"`
	Status               flexInt               `json:"status"`
	State                flexInt               `json:"state"`
	InvalidLoginAttempts flexInt               `json:"invalid_login_attempts"`
	LockedUntil          flexTime              `json:"locked_until"`
	ActivatedAt          flexTime              `json:"activated_at"`
	CreatedAt            flexTime              `json:"created_at"`
	UpdatedAt            flexTime              `json:"updated_at"`
	InvitationSentAt     flexTime              `json:"invitation_sent_at"`
	LastLogin            flexTime              `json:"last_login"`
	PasswordChangedAt    flexTime              `json:"password_changed_at"`
	OpenIDName           flexString            `json:"openid_name"`
	LocaleCode           flexString            `json:"locale_code"`
	PreferredLocaleCode  flexString            `json:"preferred_locale_code"`
	DirectoryID          flexInt               `json:"directory_id"`
	DistinguishedName    flexString            `json:"distinguished_name"`
	MemberOf             flexString            `json:"member_of"`
	Samaccountname       flexString            `json:"samaccountname"`
	Userprincipalname    flexString            `json:"userprincipalname"`
	ExternalID           flexString            `json:"external_id"`
	ManagerADID          flexString            `json:"manager_ad_id"`
	ManagerUserID        flexInt               `json:"manager_user_id"`
	TrustedIDPID         flexInt               `json:"trusted_idp_id"`
	CustomAttributes     map[string]flexString `json:"custom_attributes"`
}

func (w *wireUser) user() User {
	u := User{
		ID:                   int64(w.ID),
		Email:                string(w.Email),
		Username:             string(w.Username),
		Firstname:            string(w.Firstname),
		Lastname:             string(w.Lastname),
		Company:              string(w.Company),
		Department:           string(w.Department),
		Title:                string(w.Title),
		Comment:              string(w.Comment),
		Phone:                string(w.Phone),
		GroupID:              int64(w.GroupID),
		Status:               Status(w.Status),
		State:                State(w.State),
		InvalidLoginAttempts: int(w.InvalidLoginAttempts),
		LockedUntil:          time.Time(w.LockedUntil),
		ActivatedAt:          time.Time(w.ActivatedAt),
		CreatedAt:            time.Time(w.CreatedAt),
		UpdatedAt:            time.Time(w.UpdatedAt),
		InvitationSentAt:     time.Time(w.InvitationSentAt),
		LastLogin:            time.Time(w.LastLogin),
		PasswordChangedAt:    time.Time(w.PasswordChangedAt),
		OpenIDName:           string(w.OpenIDName),
		LocaleCode:           string(w.LocaleCode),
		PreferredLocaleCode:  string(w.PreferredLocaleCode),
		DirectoryID:          int64(w.DirectoryID),
		DistinguishedName:    string(w.DistinguishedName),
		MemberOf:             string(w.MemberOf),
		Samaccountname:       string(w.Samaccountname),
		Userprincipalname:    string(w.Userprincipalname),
		ExternalID:           string(w.ExternalID),
		ManagerADID:          string(w.ManagerADID),
		ManagerUserID:        int64(w.ManagerUserID),
		TrustedIDPID:         int64(w.TrustedIDPID),
	}
	if u.Comment == "" {
		u.Comment = string(w.Notes) // older answers call it notes
	}
	if len(w.RoleID) > 0 {
		u.RoleIDs = make([]int64, len(w.RoleID))
		for i, id := range w.RoleID {
			u.RoleIDs[i] = int64(id)
		}
	}
	if w.CustomAttributes != nil {
		u.CustomAttributes = make(map[string]string, len(w.CustomAttributes))
		for k, v := range w.CustomAttributes {
			u.CustomAttributes[k] = string(v)
		}
	}
	return u
}

// decodeUsers reads data as a list of users, nested or not.
func decodeUsers(data json.RawMessage) ([]User, error) {
	items, err := flattenList(data)
	if err != nil {
		return nil, err
	}
	users := make([]User, 0, len(items))
	for i, it := range items {
		var w wireUser
		if err := json.Unmarshal(it, &w); err != nil {
			return nil, fmt.Errorf("user %d: %w", i, err)
		}
		users = append(users, w.user())
	}
	return users, nil
}

// decodeOneUser reads data:[user], the shape of get, create and update.
func decodeOneUser(data json.RawMessage) (*User, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		data = append(append([]byte{'['}, data...), ']') // tolerate a bare object
	}
	users, err := decodeUsers(data)
	if err != nil {
		return nil, err
	}
	if len(users) != 1 {
		return nil, fmt.Errorf("want one user in data, got %d", len(users))
	}
	return &users[0], nil
}

type wireApp struct {
	ID          flexInt    `json:"id"`
	Name        flexString `json:"name"`
	Icon        flexString `json:"icon"`
	Provisioned flexString `json:"provisioned"`
	Extension   flexBool   `json:"extension"`
	LoginID     flexString `json:"login_id"`
	Personal    flexBool   `json:"personal"`
}

func decodeApps(data json.RawMessage) ([]App, error) {
	items, err := flattenList(data)
	if err != nil {
		return nil, err
	}
	apps := make([]App, 0, len(items))
	for i, it := range items {
		var w wireApp
		if err := json.Unmarshal(it, &w); err != nil {
			return nil, fmt.Errorf("app %d: %w", i, err)
		}
		apps = append(apps, w.app())
	}
	return apps, nil
}

func (w *wireApp) app() App {
	return App{
		ID: int64(w.ID), Name: string(w.Name), Icon: string(w.Icon),
		Provisioned: string(w.Provisioned), Extension: bool(w.Extension),
		LoginID: string(w.LoginID), Personal: bool(w.Personal),
	}
}

// decodeIDs reads [[101,202]] (or [101,202]); [[]] gives an empty list.
func decodeIDs(data json.RawMessage) ([]int64, error) {
	items, err := flattenList(data)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(items))
	for _, it := range items {
		var id flexInt
		if err := json.Unmarshal(it, &id); err != nil {
			return nil, fmt.Errorf("role id: %w", err)
		}
		ids = append(ids, int64(id))
	}
	return ids, nil
}

// decodeNames reads [["a","b"]] (or ["a","b"]); [[]] gives an empty list.
func decodeNames(data json.RawMessage) ([]string, error) {
	items, err := flattenList(data)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(items))
	for _, it := range items {
		var s flexString
		if err := json.Unmarshal(it, &s); err != nil {
			return nil, fmt.Errorf("name: %w", err)
		}
		names = append(names, string(s))
	}
	return names, nil
}

func decodeRoles(data json.RawMessage) ([]Role, error) {
	items, err := flattenList(data)
	if err != nil {
		return nil, err
	}
	roles := make([]Role, 0, len(items))
	for i, it := range items {
		var w struct {
			ID   flexInt    `json:"id"`
			Name flexString `json:"name"`
		}
		if err := json.Unmarshal(it, &w); err != nil {
			return nil, fmt.Errorf("role %d: %w", i, err)
		}
		roles = append(roles, Role{ID: int64(w.ID), Name: string(w.Name)})
	}
	return roles, nil
}

type wireMFAToken struct {
	MFAToken  flexString      `json:"mfa_token"`
	Reusable  flexBool        `json:"reusable"`
	ExpiresAt flexTime        `json:"expires_at"`
	Data      json.RawMessage `json:"data"`
}

// decodeMFAToken reads the flat answer {"mfa_token","reusable","expires_at"}
// (no v1 envelope), and also the token inside data in case one appears.
func decodeMFAToken(body []byte) (*MFAToken, error) {
	var w wireMFAToken
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	if w.MFAToken == "" {
		items, err := flattenList(w.Data)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 && len(bytes.TrimSpace(w.Data)) > 0 && bytes.TrimSpace(w.Data)[0] == '{' {
			items = []json.RawMessage{w.Data}
		}
		if len(items) > 0 {
			w = wireMFAToken{}
			if err := json.Unmarshal(items[0], &w); err != nil {
				return nil, err
			}
		}
	}
	if w.MFAToken == "" {
		return nil, errors.New("no mfa_token in the answer")
	}
	return &MFAToken{Token: string(w.MFAToken), Reusable: bool(w.Reusable), ExpiresAt: time.Time(w.ExpiresAt)}, nil
}

// decodeRateLimitData reads the data object of GET /auth/rate_limit, whose
// keys keep the header spelling (X-RateLimit-Limit ...); any case is taken.
func decodeRateLimitData(data json.RawMessage) (RateLimit, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		items, err := flattenList(data)
		if err != nil || len(items) == 0 {
			return RateLimit{}, errors.New("rate limit data is not an object")
		}
		data = items[0]
	}
	var m map[string]flexInt
	if err := json.Unmarshal(data, &m); err != nil {
		return RateLimit{}, fmt.Errorf("rate limit data: %w", err)
	}
	var rl RateLimit
	found := false
	for k, v := range m {
		switch strings.ToLower(k) {
		case "x-ratelimit-limit":
			rl.Limit, found = int(v), true
		case "x-ratelimit-remaining":
			rl.Remaining, found = int(v), true
		case "x-ratelimit-reset":
			rl.Reset, found = time.Duration(v)*time.Second, true
		}
	}
	if !found {
		return RateLimit{}, errors.New("rate limit data has no X-RateLimit-* keys")
	}
	return rl, nil
}

// errInfo is what an error answer says about itself.
type errInfo struct {
	code      int
	typ, msg  string
	attribute string
}

// errorInfo reads an error body in either style: v1 {"status":{"type",
// "code","message"}} where message is a string or {attribute,description},
// or v2 {"message","name","statusCode"}. It never fails; ok is false when the
// body says nothing usable (not JSON, e.g. a text/html 429).
func errorInfo(body []byte) (info errInfo, ok bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return info, false
	}
	src := top
	if raw, has := top["status"]; has {
		var st map[string]json.RawMessage
		if json.Unmarshal(raw, &st) == nil {
			src = st
		}
	}
	info.typ = cleanText(rawString(src["type"]))
	if info.typ == "" {
		info.typ = cleanText(rawString(src["name"]))
	}
	info.code = rawInt(src["code"])
	if info.code == 0 {
		info.code = rawInt(src["statusCode"])
	}
	info.msg, info.attribute = rawMessage(src["message"])
	if info.msg == "" {
		info.msg, info.attribute = rawMessage(src["error"])
	}
	return info, info.msg != "" || info.typ != ""
}

func rawString(raw json.RawMessage) string {
	var s flexString
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return string(s)
}

func rawInt(raw json.RawMessage) int {
	var n flexInt
	if len(raw) == 0 || json.Unmarshal(raw, &n) != nil {
		return 0
	}
	return int(n)
}

// rawMessage reads status.message: a sentence, or {attribute, description}.
func rawMessage(raw json.RawMessage) (msg, attribute string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", ""
	}
	if raw[0] == '{' {
		var o map[string]json.RawMessage
		if json.Unmarshal(raw, &o) != nil {
			return "", ""
		}
		msg = rawString(o["description"])
		if msg == "" {
			msg = rawString(o["message"])
		}
		return cleanText(msg), cleanText(rawString(o["attribute"]))
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", "" // true/false in "error" is not a message
	}
	return cleanText(s), ""
}

// cleanText makes an answer's sentence safe to log and show: no control
// characters, bounded length.
func cleanText(s string) string {
	const maxLen = 300
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > maxLen {
		s = string(r[:maxLen]) + "…"
	}
	return s
}

// parseError turns an error answer into *Error (or *RateLimitError for 429).
// Only OneLogin's own sentence is kept; a body that is not JSON gives the
// HTTP status text instead of its content.
func parseError(op string, res *response) error {
	e := &Error{Op: op, HTTPStatus: res.status}
	if info, ok := errorInfo(res.body); ok {
		e.Type, e.Message, e.Attribute = info.typ, info.msg, info.attribute
		if res.status < 400 && info.code >= 400 && info.code <= 599 {
			e.HTTPStatus = info.code // an error envelope sent with HTTP 200
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(e.HTTPStatus)
		if e.Message == "" {
			e.Message = "unexpected answer"
		}
		if ct := res.contentType; ct != "" && !strings.Contains(ct, "json") {
			e.Message += " (" + cleanText(strings.SplitN(ct, ";", 2)[0]) + " answer)"
		}
	}
	if isRefusal(e.Message) {
		e.Reason = ErrRefused
	}
	if e.HTTPStatus == http.StatusTooManyRequests {
		ra, _ := resetAfter(res.header)
		return &RateLimitError{Err: e, RetryAfter: ra, Hourly: true}
	}
	return e
}

// isRefusal reports a sentence by which OneLogin declines an action it
// documents without a status: {"message":"User cannot be unlocked"}.
func isRefusal(msg string) bool {
	return strings.Contains(strings.ToLower(msg), "cannot be unlocked")
}

// tokenRefused reports a 401 that a new token can cure: v1 "Authentication
// Failure", the v2 users pages' "Unauthorized" or the v2 MFA pages'
// "Please provide valid credentials" (as opposed to "Insufficient
// Permission").
func tokenRefused(res *response) bool {
	info, _ := errorInfo(res.body)
	return strings.EqualFold(info.msg, "Authentication Failure") || strings.EqualFold(info.msg, "Unauthorized") ||
		strings.EqualFold(info.msg, "Please provide valid credentials")
}

// decodeError wraps a malformed success answer.
func decodeError(op string, err error) error {
	return &TransportError{Op: op, Err: fmt.Errorf("unreadable answer: %w", err)}
}

// flexScore reads a risk score: an integer, a number with a fraction
// (rounded), a string holding either, or null (0).
type flexScore int

func (n *flexScore) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return errors.New("want a number or null")
	}
	if s == "" {
		*n = 0
		return nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64)
	if err != nil || math.Abs(f) > 1e9 || math.IsNaN(f) {
		return errors.New("want a number or null")
	}
	*n = flexScore(math.Round(f))
	return nil
}

// flexLines reads newline-separated text (OneLogin's risk_reasons) or a
// list of strings into its non-empty lines; null gives nil.
type flexLines []string

func (l *flexLines) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var parts []string
	if len(b) > 0 && b[0] == '[' {
		var items []flexString
		if err := json.Unmarshal(b, &items); err != nil {
			return errors.New("want text, a list of strings or null")
		}
		for _, it := range items {
			parts = append(parts, string(it))
		}
	} else {
		var s flexString
		if err := s.UnmarshalJSON(b); err != nil {
			return errors.New("want text, a list of strings or null")
		}
		parts = strings.Split(string(s), "\n")
	}
	*l = nil
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// wireEvent is the v1 event object: 35 keys, unset ones null (reference
// §2.2). Keys of other event payloads (the Event Broadcaster's login_name,
// user_agent ...) are ignored.
type wireEvent struct {
	ID                   flexInt    `json:"id"`
	CreatedAt            flexTime   `json:"created_at"`
	AccountID            flexInt    `json:"account_id"`
	UserID               flexInt    `json:"user_id"`
	EventTypeID          flexInt    `json:"event_type_id"`
	Notes                flexString `json:"notes"`
	IPAddr               flexString `json:"ipaddr"`
	ActorUserID          flexInt    `json:"actor_user_id"`
	AssumingActingUserID flexInt    `json:"assuming_acting_user_id"`
	RoleID               flexInt    `json:"role_id"`
	AppID                flexInt    `json:"app_id"`
	GroupID              flexInt    `json:"group_id"`
	OTPDeviceID          flexInt    `json:"otp_device_id"`
	PolicyID             flexInt    `json:"policy_id"`
	ActorSystem          flexString `json:"actor_system"`
	CustomMessage        flexString `json:"custom_message"`
	RoleName             flexString `json:"role_name"`
	AppName              flexString `json:"app_name"`
	GroupName            flexString `json:"group_name"`
	ActorUserName        flexString `json:"actor_user_name"`
	UserName             flexString `json:"user_name"`
	PolicyName           flexString `json:"policy_name"`
	OTPDeviceName        flexString `json:"otp_device_name"`
	OperationName        flexString `json:"operation_name"`
	DirectorySyncRunID   flexInt    `json:"directory_sync_run_id"`
	DirectoryID          flexInt    `json:"directory_id"`
	Resolution           flexString `json:"resolution"`
	ClientID             flexString `json:"client_id"` // a string, though the Java SDK types it int
	ResourceTypeID       flexInt    `json:"resource_type_id"`
	ErrorDescription     flexString `json:"error_description"`
	ProxyIP              flexString `json:"proxy_ip"`
	RiskScore            flexScore  `json:"risk_score"`
	RiskReasons          flexLines  `json:"risk_reasons"`
	RiskCookieID         flexString `json:"risk_cookie_id"`
	BrowserFingerprint   flexString `json:"browser_fingerprint"`
	// The docs' field table spells these with a hyphen; payloads use
	// underscores. Read both, in case.
	AppNameHyphen   flexString `json:"app-name"`
	GroupNameHyphen flexString `json:"group-name"`
}

func (w *wireEvent) event() Event {
	e := Event{
		ID:                   int64(w.ID),
		CreatedAt:            time.Time(w.CreatedAt),
		TypeID:               int(w.EventTypeID),
		AccountID:            int64(w.AccountID),
		UserID:               int64(w.UserID),
		UserName:             string(w.UserName),
		ActorUserID:          int64(w.ActorUserID),
		ActorUserName:        string(w.ActorUserName),
		ActorSystem:          string(w.ActorSystem),
		AssumingActingUserID: int64(w.AssumingActingUserID),
		IPAddr:               string(w.IPAddr),
		ProxyIP:              string(w.ProxyIP),
		ClientID:             string(w.ClientID),
		AppID:                int64(w.AppID),
		AppName:              string(w.AppName),
		RoleID:               int64(w.RoleID),
		RoleName:             string(w.RoleName),
		GroupID:              int64(w.GroupID),
		GroupName:            string(w.GroupName),
		PolicyID:             int64(w.PolicyID),
		PolicyName:           string(w.PolicyName),
		OTPDeviceID:          int64(w.OTPDeviceID),
		OTPDeviceName:        string(w.OTPDeviceName),
		DirectoryID:          int64(w.DirectoryID),
		DirectorySyncRunID:   int64(w.DirectorySyncRunID),
		ResourceTypeID:       int64(w.ResourceTypeID),
		Notes:                string(w.Notes),
		CustomMessage:        string(w.CustomMessage),
		ErrorDescription:     string(w.ErrorDescription),
		OperationName:        string(w.OperationName),
		Resolution:           string(w.Resolution),
		RiskScore:            int(w.RiskScore),
		RiskReasons:          []string(w.RiskReasons),
		RiskCookieID:         string(w.RiskCookieID),
		BrowserFingerprint:   string(w.BrowserFingerprint),
	}
	if e.AppName == "" {
		e.AppName = string(w.AppNameHyphen)
	}
	if e.GroupName == "" {
		e.GroupName = string(w.GroupNameHyphen)
	}
	return e
}

// decodeEvents reads data as a list of events, nested or not; a bare
// object is one event (get by id: the docs show [event], a generated SDK
// models an object).
func decodeEvents(data json.RawMessage) ([]Event, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		data = append(append([]byte{'['}, data...), ']')
	}
	items, err := flattenList(data)
	if err != nil {
		return nil, err
	}
	events := make([]Event, 0, len(items))
	for i, it := range items {
		var w wireEvent
		if err := json.Unmarshal(it, &w); err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		events = append(events, w.event())
	}
	return events, nil
}

// decodeEventTypes reads data as a list of {id, name, description}.
func decodeEventTypes(data json.RawMessage) ([]EventType, error) {
	items, err := flattenList(data)
	if err != nil {
		return nil, err
	}
	types := make([]EventType, 0, len(items))
	for i, it := range items {
		var w struct {
			ID          flexInt    `json:"id"`
			Name        flexString `json:"name"`
			Description flexString `json:"description"`
		}
		if err := json.Unmarshal(it, &w); err != nil {
			return nil, fmt.Errorf("event type %d: %w", i, err)
		}
		types = append(types, EventType{ID: int(w.ID), Name: string(w.Name), Description: string(w.Description)})
	}
	return types, nil
}
