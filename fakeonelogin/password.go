package fakeonelogin

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Password messages. Assumption (U): the v1 wording for these is not
// documented; they follow OneLogin's v2 "Validation failed: ..." style and
// answer 400.
const (
	msgPasswordRequired     = "password is required"
	msgConfirmationRequired = "password_confirmation is required"
	msgPasswordMismatch     = "Validation failed: Password confirmation doesn't match Password"
)

// policyErrors lists what clear breaks in p, in a fixed order.
func (p PasswordPolicy) violations(clear string) []string {
	var out []string
	if n := len([]rune(clear)); n < p.MinLength {
		out = append(out, fmt.Sprintf("Validation failed: Password is too short (minimum is %d characters)", p.MinLength))
	}
	var upper, lower, digit, special bool
	for _, r := range clear {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case strings.ContainsRune(PasswordSpecials, r):
			special = true
		}
	}
	if p.RequireUpper && !upper {
		out = append(out, "Validation failed: Password must contain at least one upper case letter")
	}
	if p.RequireLower && !lower {
		out = append(out, "Validation failed: Password must contain at least one lower case letter")
	}
	if p.RequireDigit && !digit {
		out = append(out, "Validation failed: Password must contain at least one number")
	}
	if p.RequireSpecial && !special {
		out = append(out, "Validation failed: Password must contain at least one of "+PasswordSpecials)
	}
	return out
}

// Check returns the first policy violation of clear as the message the fake
// answers, or "" if clear satisfies p.
func (p PasswordPolicy) Check(clear string) string {
	if v := p.violations(clear); len(v) > 0 {
		return v[0]
	}
	return ""
}

// passwordSet records a new password on u. Statuses that wait for a
// password become Active.
func (u *user) passwordSet(salt, hash string, now time.Time) {
	u.passwordSalt, u.passwordHash = salt, hash
	n := now.UTC()
	u.passwordChangedAt = &n
	u.updatedAt = n
	switch u.status {
	case StatusPasswordExpired, StatusAwaitingReset, StatusPasswordPending:
		u.status = StatusActive
	}
}

// readPasswordPair reads password and password_confirmation.
func readPasswordPair(m map[string]json.RawMessage) (pw, confirm string, e *response) {
	pw, okPw := jsonString(m["password"])
	if !okPw || pw == "" {
		r := badAttr("password", msgPasswordRequired)
		return "", "", &r
	}
	confirm, okC := jsonString(m["password_confirmation"])
	if !okC || confirm == "" {
		r := badAttr("password_confirmation", msgConfirmationRequired)
		return "", "", &r
	}
	if pw != confirm {
		r := errResp(http.StatusBadRequest, msgPasswordMismatch)
		return "", "", &r
	}
	return pw, confirm, nil
}

// PUT /api/1/users/set_password_clear_text/:id. Only a salted hash is kept.
func (t *Tenant) setPasswordClear(w http.ResponseWriter, q *req) {
	t.withUserBody(w, q, func(u *user, m map[string]json.RawMessage) response {
		pw, _, e := readPasswordPair(m)
		if e != nil {
			return *e
		}
		validate := false // default false (D)
		if raw, present := m["validate_policy"]; present && !isNull(raw) {
			b, isBool := jsonBool(raw)
			if !isBool {
				return badAttr("validate_policy", "validate_policy has incorrect data type. It should be -> boolean")
			}
			validate = b
		}
		if validate {
			if msg := t.opts.PasswordPolicy.Check(pw); msg != "" {
				return errResp(http.StatusBadRequest, msg)
			}
		}
		salt := randomHex(8)
		u.passwordSet(salt, hashPassword(salt, pw), q.now)
		t.apiEvent(q, EventAPISetPasswordClearText, u)
		return okResp(nil)
	})
}

func isLowerHex(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// PUT /api/1/users/set_password_using_salt/:id: password is
// hex(sha256(salt + clear)); the fake stores salt and hash as given.
func (t *Tenant) setPasswordSalt(w http.ResponseWriter, q *req) {
	t.withUserBody(w, q, func(u *user, m map[string]json.RawMessage) response {
		pw, _, e := readPasswordPair(m)
		if e != nil {
			return *e
		}
		// Assumption (U) for the three messages below.
		if alg, _ := jsonString(m["password_algorithm"]); alg != "salt+sha256" {
			return badAttr("password_algorithm", "password_algorithm should be -> salt+sha256")
		}
		pw = strings.ToLower(pw)
		if len(pw) != 64 || !isLowerHex(pw) {
			return badAttr("password", "password should be a hex encoded SHA-256 hash")
		}
		salt := ""
		if raw, present := m["password_salt"]; present && !isNull(raw) {
			s, isStr := jsonString(raw)
			if !isStr {
				return badAttr("password_salt", "password_salt has incorrect data type. It should be -> string")
			}
			if len(s) > 40 {
				return badAttr("password_salt", "password_salt is too long (maximum is 40 characters)")
			}
			salt = s
		}
		u.passwordSet(salt, pw, q.now)
		t.apiEvent(q, EventAPISetPasswordSalt, u)
		return okResp(nil)
	})
}

// Temporary MFA token limits (reference §3.17). The minimum is unconfirmed;
// the fake only requires a positive value.
const (
	mfaDefaultSeconds = 259200
	mfaMaxSeconds     = 259200
)

type mfaReply struct {
	MFAToken  string `json:"mfa_token"`
	Reusable  bool   `json:"reusable"`
	ExpiresAt string `json:"expires_at"`
}

// POST /api/1/users/:id/mfa_token: flat reply, no envelope (D).
func (t *Tenant) mfaToken(w http.ResponseWriter, q *req) {
	t.mu.Lock()
	code, body := func() (int, any) {
		u, e := t.lookup(q)
		if e != nil {
			return e.code, e.body
		}
		expires, reusable := int64(mfaDefaultSeconds), false
		if strings.TrimSpace(string(q.body)) != "" {
			m, okJSON := jsonObject(q.body)
			if !okJSON {
				r := errResp(http.StatusBadRequest, msgInvalidJSON)
				return r.code, r.body
			}
			if raw, present := m["expires_in"]; present && !isNull(raw) {
				n, isInt := jsonInt(raw)
				if !isInt { // the doc sample sends a string
					if s, isStr := jsonString(raw); isStr {
						n, isInt = parseInt(s)
					}
				}
				// Assumption (U): wording of both messages.
				if !isInt || n <= 0 {
					r := badAttr("expires_in", "expires_in should be -> integer")
					return r.code, r.body
				}
				if n > mfaMaxSeconds {
					r := badAttr("expires_in", "expires_in should be less than or equal to 259200")
					return r.code, r.body
				}
				expires = n
			}
			if raw, present := m["reusable"]; present && !isNull(raw) {
				b, isBool := jsonBool(raw)
				if !isBool {
					r := badAttr("reusable", "reusable has incorrect data type. It should be -> boolean")
					return r.code, r.body
				}
				reusable = b
			}
		}
		tok := randomDigits(8)
		at := q.now.UTC().Add(time.Duration(expires) * time.Second).Truncate(time.Second)
		u.mfa = append(u.mfa, mfaToken{hash: hashPassword("mfa:", tok), expiresAt: at, reusable: reusable})
		t.apiEvent(q, EventTempOTPTokenGenerated, u)
		return http.StatusOK, mfaReply{MFAToken: tok, Reusable: reusable, ExpiresAt: at.Format("2006-01-02T15:04:05Z")}
	}()
	t.mu.Unlock()
	writeJSON(w, code, body)
}

func parseInt(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil
}

func randomDigits(n int) string {
	var b strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}
