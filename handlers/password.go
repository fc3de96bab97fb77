package handlers

// Setting a password: typed or generated, or imported pre-hashed, with
// their forms.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

// Generated passwords are read aloud over the phone, so they use letters
// and digits nobody confuses (no I, O, l, o, 0 or 1) in groups of four
// joined by hyphens, which also give OneLogin's policies their special
// character: 16 characters from 56 are 16 × log2(56) ≈ 92.9 bits, and
// requiring an upper-case letter, a lower-case letter and a digit costs
// under half a bit.
const (
	readableUpper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	readableLower  = "abcdefghijkmnpqrstuvwxyz"
	readableDigits = "23456789"
	readableGroups = 4
	readableGroup  = 4
)

// generatePassword returns a random password from crypto/rand such as
// "Kp7m-x4Rt-9qWn-Hb3z".
func generatePassword() (string, error) {
	alphabet := readableUpper + readableLower + readableDigits
	for {
		var b strings.Builder
		for g := range readableGroups {
			if g > 0 {
				b.WriteByte('-')
			}
			for range readableGroup {
				n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
				if err != nil {
					return "", err
				}
				b.WriteByte(alphabet[n.Int64()])
			}
		}
		pw := b.String()
		if strings.ContainsAny(pw, readableUpper) && strings.ContainsAny(pw, readableLower) && strings.ContainsAny(pw, readableDigits) {
			return pw, nil
		}
	}
}

func (h *Handler) resetPassword(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	f := readPasswordForm(form)
	if errs := f.Validate(h.policy); errs != nil {
		return h.invalid(c, passwordPanel, u, "password", f.values(), errs)
	}
	q := question{
		text:       "Replace " + u.Name() + "'s password with the one you typed? Their current password stops working.",
		button:     "Yes, replace the password",
		submitName: "mode", submitValue: f.Mode,
	}
	if f.Mode == "generate" {
		q.text = "Replace " + u.Name() + "'s password with a generated one? Their current password stops working; the new one is shown here once."
		q.button = "Yes, generate and set a password"
	}
	if q := h.unconfirmed(c, form, "password", access.ResetPassword, u, f.values(), q); q != nil {
		return h.askFirst(c, passwordPanel, u, "password", f.values(), q)
	}
	password, method := f.Password, "typed"
	if f.Mode == "generate" {
		if password, err = generatePassword(); err != nil {
			return fmt.Errorf("generate password: %w", err)
		}
		method = "generated"
	}
	validate := f.ValidatePolicy || h.passwordPolicy
	params := map[string]string{"method": method, "validate_policy": strconv.FormatBool(validate)}
	err = h.act(c, attemptOn(access.ResetPassword, u, f.Ticket, params), func(ctx context.Context) error {
		return h.ol.SetPassword(ctx, u.ID, password, validate)
	})
	var md *maybeDone
	if errors.As(err, &md) && method == "generated" {
		// It may be their password now, and it exists nowhere else.
		secret := &views.Secret{Label: "Password for " + u.Name() + ", possibly set: OneLogin did not confirm it", Value: password}
		return h.unsure(c, passwordPanel, u, http.StatusGatewayTimeout,
			noAnswerMessage+". If they cannot sign in with the password below, set another.", secret)
	}
	if err != nil {
		return h.failed(c, passwordPanel, u, "password", "the password", f.values(), err)
	}
	notice := "Set a new password for " + u.Name() + "."
	if validate {
		notice += " It meets OneLogin's password policy."
	}
	if method == "typed" {
		return h.done(c, passwordPanel, u, notice, nil)
	}
	secret := &views.Secret{Label: "New password for " + u.Name(), Value: password}
	return h.done(c, passwordPanel, u, notice+" Give it to them now: it is shown only this once.", secret)
}

func (h *Handler) importPasswordHash(c echo.Context) error {
	u, form, err := h.start(c)
	if err != nil {
		return err
	}
	f := readHashForm(form)
	if errs := f.Validate(); errs != nil {
		return h.invalid(c, passwordPanel, u, "password-hash", f.values(), errs)
	}
	if q := h.unconfirmed(c, form, "password-hash", access.ImportPasswordHash, u, f.values(), question{
		text:   "Replace " + u.Name() + "'s password with the imported hash? Their current password stops working.",
		button: "Yes, import the hash",
	}); q != nil {
		return h.askFirst(c, passwordPanel, u, "password-hash", f.values(), q)
	}
	params := map[string]string{"algorithm": "salt+sha256"}
	err = h.act(c, attemptOn(access.ImportPasswordHash, u, f.Ticket, params), func(ctx context.Context) error {
		return h.ol.SetPasswordHash(ctx, u.ID, client.HashedPassword{Hash: f.Hash, Salt: f.Salt})
	})
	if err != nil {
		return h.failed(c, passwordPanel, u, "password-hash", "the password hash", f.values(), err)
	}
	return h.done(c, passwordPanel, u, "Imported the pre-hashed password for "+u.Name()+".", nil)
}

// passwordForm sets a clear-text password: typed twice, or generated here.
type passwordForm struct {
	Mode           string // "set" (typed) or "generate"
	Password       string
	Confirmation   string
	ValidatePolicy bool
	Ticket         string
}

// maxPassword bounds a typed password; OneLogin documents no maximum.
const maxPassword = 128

func readPasswordForm(v url.Values) passwordForm {
	mode := field(v, "mode")
	if mode == "" {
		mode = "set"
	}
	// Passwords are taken as typed: spaces may be part of them.
	return passwordForm{Mode: mode, Password: v.Get("password"), Confirmation: v.Get("password_confirmation"),
		ValidatePolicy: checked(v.Get("validate_policy")), Ticket: field(v, "ticket")}
}

// Validate checks the form, and a typed password against the policy's
// length before anyone is asked to confirm it.
func (f *passwordForm) Validate(p views.Policy) fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	switch f.Mode {
	case "generate":
	case "set":
		switch {
		case f.Password == "":
			errs.add("password", "Type the new password, or generate one.")
		case utf8.RuneCountInString(f.Password) > maxPassword:
			errs.add("password", fmt.Sprintf("Keep the password under %d characters.", maxPassword))
		case p.PasswordTooShort(utf8.RuneCountInString(f.Password)) != "":
			errs.add("password", p.PasswordTooShort(utf8.RuneCountInString(f.Password)))
		case f.Confirmation == "":
			errs.add("password_confirmation", "Type the password a second time.")
		case f.Confirmation != f.Password:
			errs.add("password_confirmation", "The two passwords differ. Type the same password twice.")
		}
	default:
		errs.add("mode", "Choose to type a password or to generate one.")
	}
	return errs.result()
}

// values never includes the passwords: they are not sent back into the page.
func (f passwordForm) values() map[string]string {
	m := map[string]string{"ticket": f.Ticket}
	if f.ValidatePolicy {
		m["validate_policy"] = "true"
	}
	return m
}

// hashForm imports a password hashed elsewhere as salt+sha256.
type hashForm struct {
	Hash   string
	Salt   string
	Ticket string
}

// maxSalt is OneLogin's documented limit for password_salt.
const maxSalt = 40

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

func readHashForm(v url.Values) hashForm {
	return hashForm{Hash: strings.ToLower(field(v, "password_hash")), Salt: v.Get("password_salt"), Ticket: field(v, "ticket")}
}

func (f *hashForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	switch {
	case f.Hash == "":
		errs.add("password_hash", "Paste the SHA-256 hash of salt + password.")
	case !sha256Hex.MatchString(f.Hash):
		errs.add("password_hash", "A SHA-256 hash is 64 hexadecimal characters (0-9, a-f).")
	}
	if utf8.RuneCountInString(f.Salt) > maxSalt {
		errs.add("password_salt", fmt.Sprintf("OneLogin accepts a salt of at most %d characters.", maxSalt))
	}
	return errs.result()
}

// values never includes the hash or the salt.
func (f hashForm) values() map[string]string { return map[string]string{"ticket": f.Ticket} }
