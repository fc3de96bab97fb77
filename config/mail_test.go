package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestLoad_mail(t *testing.T) {
	const pw = "Pa55w0rd-smtp"
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    Mail
		problem string // "" when it loads
	}{
		{name: "unset sends no mail", env: nil},
		{name: "STARTTLS", env: map[string]string{"HELPDESK_SMTP_URL": "smtp://hd:" + pw + "@mail.example.com:587",
			"HELPDESK_MAIL_FROM": "IT Helpdesk <helpdesk@example.com>", "HELPDESK_CONTACT": "+1 555 0100"},
			want: Mail{SMTPURL: SMTPURL("smtp://hd:" + pw + "@mail.example.com:587"), From: "IT Helpdesk <helpdesk@example.com>", Contact: "+1 555 0100"}},
		{name: "implicit TLS", env: map[string]string{"HELPDESK_SMTP_URL": "smtps://mail.example.com", "HELPDESK_MAIL_FROM": "helpdesk@example.com"},
			want: Mail{SMTPURL: "smtps://mail.example.com", From: "helpdesk@example.com"}},
		{name: "not SMTP", env: map[string]string{"HELPDESK_SMTP_URL": "https://hd:" + pw + "@mail.example.com", "HELPDESK_MAIL_FROM": "helpdesk@example.com"},
			problem: "HELPDESK_SMTP_URL: must be an SMTP URL"},
		{name: "no host", env: map[string]string{"HELPDESK_SMTP_URL": "smtp:///x", "HELPDESK_MAIL_FROM": "helpdesk@example.com"},
			problem: "HELPDESK_SMTP_URL: must be an SMTP URL"},
		{name: "no sender", env: map[string]string{"HELPDESK_SMTP_URL": "smtp://mail.example.com"},
			problem: "HELPDESK_MAIL_FROM: is required with HELPDESK_SMTP_URL"},
		{name: "two senders", env: map[string]string{"HELPDESK_SMTP_URL": "smtp://mail.example.com", "HELPDESK_MAIL_FROM": "a@example.com, b@example.com"},
			problem: "HELPDESK_MAIL_FROM: must be one mail address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(real(tc.env))
			if tc.problem == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.Mail != tc.want {
					t.Errorf("Mail = %+v, want %+v", c.Mail, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.problem) {
				t.Fatalf("error = %v, want it to say %q", err, tc.problem)
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("the error repeats the password: %v", err)
			}
		})
	}
}

// TestSMTPURL_neverPrintsThePassword: however the configuration is printed
// or logged, the SMTP password is not in it.
func TestSMTPURL_neverPrintsThePassword(t *testing.T) {
	c, err := Load(real(map[string]string{"HELPDESK_SMTP_URL": "smtp://hd:Pa55w0rd-smtp@mail.example.com:587", "HELPDESK_MAIL_FROM": "helpdesk@example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "mail", c.Mail, "url", c.Mail.SMTPURL)
	out := fmt.Sprintf("%v %+v %#v %s", c, c.Mail, c.Mail, c.Mail.SMTPURL) + logs.String()
	if strings.Contains(out, "Pa55w0rd") {
		t.Errorf("the password printed: %s", out)
	}
	if !strings.Contains(out, "mail.example.com") {
		t.Errorf("the redacted URL lost its host: %s", out)
	}
}
