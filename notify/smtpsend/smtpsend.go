// Package smtpsend is notify's Sender for a real SMTP server, on
// github.com/wneessen/go-mail: STARTTLS required on smtp:// URLs (port 587
// by default), TLS from the start on smtps:// (port 465), and the login in
// the URL.
//
//	s, err := smtpsend.New("smtp://helpdesk:PASSWORD@mail.example.com:587")
//	n := notify.New(store, s, notify.Options{From: "IT Helpdesk <helpdesk@example.com>"})
//
// It owns reading the URL and telling a refusal that trying again will not
// cure (a wrong password, an address the server rejects) from one it may.
// It must never show the password: not in an error, a log or a String, so
// every error is rewritten with the password replaced.
package smtpsend

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"onelogin-helpdesk/notify"
)

// Sender sends notify's messages through one SMTP server.
type Sender struct {
	host      string
	port      int
	implicit  bool // smtps://: TLS from the start
	plain     bool // ?starttls=off: no TLS at all (a local relay)
	user      string
	password  string
	tlsConfig *tls.Config
	timeout   time.Duration
}

var _ notify.Sender = (*Sender)(nil)

// Option adjusts a Sender.
type Option func(*Sender)

// WithTLSConfig sets the TLS configuration, e.g. the roots that sign a
// private mail server's certificate. Its ServerName defaults to the host.
func WithTLSConfig(c *tls.Config) Option { return func(s *Sender) { s.tlsConfig = c.Clone() } }

// WithTimeout bounds connecting and each exchange with the server; default
// 30s.
func WithTimeout(d time.Duration) Option { return func(s *Sender) { s.timeout = d } }

// New reads an smtp:// or smtps:// URL. Its errors never repeat the URL.
func New(rawURL string, opts ...Option) (*Sender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("smtp: the URL does not parse (not repeated: it may hold a password)")
	}
	s := &Sender{host: u.Hostname(), timeout: 30 * time.Second}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.implicit = 465, true
	default:
		return nil, fmt.Errorf("smtp: the URL's scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("smtp: the URL has no host")
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("smtp: port %q is not a port number", p)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	if u.Path != "" && u.Path != "/" {
		return nil, errors.New("smtp: the URL must have no path")
	}
	for k, v := range u.Query() {
		switch {
		case k == "starttls" && len(v) == 1 && v[0] == "off" && !s.implicit:
			s.plain = true
		default:
			return nil, fmt.Errorf("smtp: unknown URL option %q (the only one is starttls=off, on smtp:// URLs)", k)
		}
	}
	if s.plain && s.password != "" {
		return nil, errors.New("smtp: starttls=off would send the password unencrypted; use STARTTLS or smtps://")
	}
	for _, o := range opts {
		o(s)
	}
	if s.tlsConfig == nil {
		s.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if s.tlsConfig.ServerName == "" {
		s.tlsConfig.ServerName = s.host
	}
	if _, err := s.client(); err != nil {
		return nil, s.redact(err)
	}
	return s, nil
}

// String names the server without the login.
func (s *Sender) String() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

func (s *Sender) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(s.timeout), gomail.WithTLSConfig(s.tlsConfig)}
	switch {
	case s.implicit:
		opts = append(opts, gomail.WithSSL())
	case s.plain:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.user), gomail.WithPassword(s.password))
	}
	return gomail.NewClient(s.host, opts...)
}

// Send implements notify.Sender: one connection per message (they are
// few), plain text, marked as sent automatically so that auto-replies stay
// away.
func (s *Sender) Send(ctx context.Context, m notify.Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(m.From); err != nil {
		return notify.Permanent(fmt.Errorf("smtp: sender %q: %w", m.From, err))
	}
	if err := msg.To(m.To); err != nil {
		return notify.Permanent(fmt.Errorf("smtp: recipient %q: %w", m.To, err))
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	c, err := s.client()
	if err != nil {
		return notify.Permanent(s.redact(err))
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		if permanent(err) {
			return notify.Permanent(s.redact(err))
		}
		return s.redact(err)
	}
	return nil
}

// permanent reports whether the server refused for good: a 5xx reply (a
// failed login, a rejected address or message).
func permanent(err error) bool {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return true
	}
	var se *gomail.SendError
	return errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500
}

// redact rewrites err's text with the password replaced, as typed and as
// escaped in a URL, and names the server. The original error is dropped:
// its text may hold the password.
func (s *Sender) redact(err error) error {
	msg := err.Error()
	if s.password != "" {
		_, inURL, _ := strings.Cut(url.UserPassword(s.user, s.password).String(), ":")
		for _, p := range []string{s.password, inURL, url.QueryEscape(s.password), url.PathEscape(s.password)} {
			msg = strings.ReplaceAll(msg, p, "[redacted]")
		}
	}
	return fmt.Errorf("smtp %s: %s", s, msg)
}
