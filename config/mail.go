package config

import (
	"log/slog"
	"net/mail"
	"net/url"
)

// Mail is how the console tells a person what was done to their account
// (an unlock, a new password, a removed factor...). Without an SMTP server
// it tells nobody.
type Mail struct {
	// SMTPURL is smtp:// (STARTTLS required) or smtps:// (TLS from the
	// start), with the user and password of the account that sends; ""
	// sends no mail.
	SMTPURL SMTPURL
	// From is the sender, "IT Helpdesk <helpdesk@example.com>".
	From string
	// Contact is how people reach the helpdesk when they did not ask for
	// the change: a phone number, an address or a URL.
	Contact string
}

// SMTPURL is an smtp:// or smtps:// URL. It prints without its password.
type SMTPURL string

// Redacted is the URL with its password replaced, for logs and messages.
func (u SMTPURL) Redacted() string { return DatabaseURL(u).Redacted() }

// String hides the password.
func (u SMTPURL) String() string { return u.Redacted() }

// GoString hides the password from %#v.
func (u SMTPURL) GoString() string { return u.Redacted() }

// MarshalText hides the password from encoders.
func (u SMTPURL) MarshalText() ([]byte, error) { return []byte(u.Redacted()), nil }

// LogValue hides the password from slog.
func (u SMTPURL) LogValue() slog.Value { return slog.StringValue(u.Redacted()) }

// smtpURL checks the shape of an SMTP URL without ever repeating it: it
// carries the password. The sender reads the rest (port, options).
func (p *parser) smtpURL(v string) SMTPURL {
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		p.fail("must be an SMTP URL such as smtp://helpdesk:PASSWORD@mail.example.com:587 (STARTTLS) or smtps://…:465 (the value is not repeated here: it may hold a password)")
		return ""
	}
	return SMTPURL(v)
}

// mailAddress accepts "" or one address, with or without a display name.
func (p *parser) mailAddress(v string) string {
	if v == "" {
		return ""
	}
	if _, err := mail.ParseAddress(v); err != nil {
		p.fail("must be one mail address, such as IT Helpdesk <helpdesk@example.com>")
	}
	return v
}

// resolveMail checks the mail settings against each other.
func resolveMail(p *parser, m Mail) {
	if m.SMTPURL != "" && m.From == "" && !p.failed("HELPDESK_MAIL_FROM") {
		p.failAt("HELPDESK_MAIL_FROM", "is required with HELPDESK_SMTP_URL: the address the mails come from")
	}
}
