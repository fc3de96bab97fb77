package smtpsend_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/notify"
	"onelogin-helpdesk/notify/notifytest"
	"onelogin-helpdesk/notify/smtpsend"
	"onelogin-helpdesk/sqlitestore"
)

// The tests here talk to a real SMTP server, mailpit, which `make test`
// builds into .cache and names in MAILPIT_BIN. A plain `go test` without it
// skips them; under `make test` (HELPDESK_TEST_REQUIRE_MAILPIT=1) or CI
// they fail instead, so a broken set-up cannot pass as green.

const (
	user     = "helpdesk"
	password = "S3cret-smtp-Pa55"
	from     = "IT Helpdesk <helpdesk@example.com>"
)

func mailpitBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("MAILPIT_BIN")
	if bin != "" {
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
	}
	msg := "MAILPIT_BIN does not name a mailpit binary: these tests need a real SMTP server; `make testservers` builds one"
	if os.Getenv("HELPDESK_TEST_REQUIRE_MAILPIT") != "" || os.Getenv("CI") != "" && os.Getenv("CI") != "false" {
		t.Fatal(msg + " (required under CI and make test)")
	}
	t.Skip(msg)
	return ""
}

// mailpit is a running mailpit and the roots that trust its certificate.
type mailpit struct {
	notifytest.Mailpit
	roots *x509.CertPool
}

// startMailpit runs mailpit on loopback. Secure requires STARTTLS (a
// self-signed certificate for 127.0.0.1) and one login, user/password;
// otherwise it offers neither.
func startMailpit(t *testing.T, secure bool) mailpit {
	bin := mailpitBin(t)
	var mp mailpit
	var args []string
	if secure {
		dir := t.TempDir()
		write := func(name string, b []byte) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		var cert, key []byte
		cert, key, mp.roots = selfSigned(t)
		sum := sha1.Sum([]byte(password))
		auth := write("auth", []byte(user+":{SHA}"+base64.StdEncoding.EncodeToString(sum[:])+"\n"))
		args = append(args, "--smtp-tls-cert", write("cert.pem", cert), "--smtp-tls-key", write("key.pem", key),
			"--smtp-require-starttls", "--smtp-auth-file", auth)
	}
	mp.Mailpit = notifytest.StartMailpit(t, bin, args...)
	return mp
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte, roots *x509.CertPool) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailpit test"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(c)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), roots
}

func (mp mailpit) url(pw string) string {
	return fmt.Sprintf("smtp://%s:%s@%s", user, pw, mp.SMTP)
}

func (mp mailpit) sender(t *testing.T, rawURL string) *smtpsend.Sender {
	t.Helper()
	s, err := smtpsend.New(rawURL, smtpsend.WithTLSConfig(&tls.Config{RootCAs: mp.roots}), smtpsend.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitFor polls until done reports true (the courier runs in real time
// here: it talks to a real server).
func waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !done(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// courier runs n until the test ends.
func courier(t *testing.T, n *notify.Notifier) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestMailpit_theQueuedMailArrives: a staff unlock's notice, queued in the
// SQLite state store, goes out over STARTTLS with a login and arrives as
// written, to the person, from the helpdesk, with no secret in it.
func TestMailpit_theQueuedMailArrives(t *testing.T) {
	mp := startMailpit(t, true)
	st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "state.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n := notify.New(st, mp.sender(t, mp.url(password)), notify.Options{From: from, Contact: "+1 555 0100"})
	courier(t, n)
	ctx := context.Background()
	queued, err := n.Notify(ctx, notify.Notice{Kind: notify.KindUnlock, By: notify.ByHelpdesk, UserID: 42,
		Email: "ada@example.com", Name: "Ada Lovelace", At: time.Date(2026, 12, 7, 10, 2, 0, 0, time.UTC), Ticket: "INC-123", AuditID: 9})
	if err != nil || !queued {
		t.Fatalf("Notify = %v, %v", queued, err)
	}
	waitFor(t, "the mail to be sent", func() bool {
		ms, err := st.Mails(ctx, notify.Filter{AuditID: 9})
		return err == nil && len(ms) == 1 && ms[0].State != notify.StatePending && ms[0].State != notify.StateSending
	})
	ms, _ := st.Mails(ctx, notify.Filter{AuditID: 9})
	if ms[0].State != notify.StateSent {
		t.Fatalf("mail %s: %s", ms[0].State, ms[0].LastError)
	}
	inbox := mp.Messages(t)
	if len(inbox) != 1 {
		t.Fatalf("mailpit holds %d messages, want 1", len(inbox))
	}
	got := inbox[0]
	if got.From.Address != "helpdesk@example.com" || got.From.Name != "IT Helpdesk" ||
		len(got.To) != 1 || got.To[0].Address != "ada@example.com" || got.Subject != "Your account was unlocked" {
		t.Errorf("received from %+v to %+v, subject %q; want from the helpdesk to ada, Your account was unlocked", got.From, got.To, got.Subject)
	}
	want := "Hello Ada Lovelace,\n\n" +
		"Your account was unlocked by the IT helpdesk at 10:02 on Monday 7 December 2026 (UTC), ticket INC-123.\n\n" +
		"If this was not you, or you did not ask for it, contact the IT helpdesk at once: +1 555 0100.\n\n" +
		"This message was sent automatically about the account ada@example.com; there is no need to reply.\n"
	if strings.ReplaceAll(got.Text, "\r\n", "\n") != want {
		t.Errorf("body:\n%q\nwant:\n%q", got.Text, want)
	}
	if strings.Contains(got.Text, password) || strings.Contains(got.Subject, password) {
		t.Error("the mail carries the SMTP password")
	}
}

// TestMailpit_wrongPasswordFailsAtOnceRedacted: the server refuses the
// login; the mail is not tried again, and neither the error kept for
// admins nor the one returned shows the password tried.
func TestMailpit_wrongPasswordFailsAtOnceRedacted(t *testing.T) {
	mp := startMailpit(t, true)
	const wrong = "Wr0ng-Pa55-guess"
	s := mp.sender(t, mp.url(wrong))
	err := s.Send(context.Background(), notify.Message{From: from, To: "ada@example.com", Subject: "s", Body: "b"})
	if err == nil || !notify.IsPermanent(err) {
		t.Fatalf("Send with a wrong password = %v, want a permanent error", err)
	}
	if strings.Contains(err.Error(), wrong) || !strings.Contains(err.Error(), mp.SMTP) {
		t.Errorf("error = %q; want it to name the server and not the password", err)
	}

	st := &notifytest.Memory{}
	n := notify.New(st, s, notify.Options{From: from})
	courier(t, n)
	if _, err := n.Notify(context.Background(), notify.Notice{Kind: notify.KindPasswordReset, By: notify.ByHelpdesk, Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the mail to fail", func() bool {
		c, _ := st.MailCounts(context.Background())
		return c.Failed == 1
	})
	ms, _ := st.Mails(context.Background(), notify.Filter{})
	if ms[0].Attempts != 1 || ms[0].LastError == "" || strings.Contains(ms[0].LastError, wrong) {
		t.Errorf("failed after %d attempts with %q; want 1 attempt, the reason without the password", ms[0].Attempts, ms[0].LastError)
	}
	if inbox := mp.Messages(t); len(inbox) != 0 {
		t.Errorf("mailpit holds %d messages, want none", len(inbox))
	}
}

// TestMailpit_serverDownIsRetriedThenFails: nobody listens; each attempt
// is a temporary failure, tried again after the backoff, until the
// attempts run out.
func TestMailpit_serverDownIsRetriedThenFails(t *testing.T) {
	down := notifytest.FreeAddr(t)
	s, err := smtpsend.New("smtp://" + user + ":" + password + "@" + down)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), notify.Message{From: from, To: "ada@example.com", Subject: "s", Body: "b"})
	if err == nil || notify.IsPermanent(err) || strings.Contains(err.Error(), password) {
		t.Fatalf("Send to a closed port = %v; want a temporary error without the password", err)
	}
	st := &notifytest.Memory{}
	n := notify.New(st, s, notify.Options{From: from, FirstRetry: 10 * time.Millisecond, MaxRetry: 20 * time.Millisecond, Attempts: 3})
	courier(t, n)
	if _, err := n.Notify(context.Background(), notify.Notice{Kind: notify.KindUnlock, By: notify.BySelf, Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the mail to fail", func() bool {
		c, _ := st.MailCounts(context.Background())
		return c.Failed == 1
	})
	ms, _ := st.Mails(context.Background(), notify.Filter{})
	if ms[0].Attempts != 3 || !strings.Contains(ms[0].LastError, "refused") {
		t.Errorf("failed after %d attempts with %q; want 3, connection refused", ms[0].Attempts, ms[0].LastError)
	}
}

// TestMailpit_noSTARTTLSNoMail: a server that offers no STARTTLS gets
// nothing (no fall back to plain text), unless the URL says starttls=off
// and carries no password.
func TestMailpit_noSTARTTLSNoMail(t *testing.T) {
	mp := startMailpit(t, false)
	m := notify.Message{From: from, To: "ada@example.com", Subject: "Your account was unlocked", Body: "b"}
	strict, err := smtpsend.New("smtp://" + mp.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	if err := strict.Send(context.Background(), m); err == nil {
		t.Error("sent without STARTTLS; want a refusal")
	}
	if inbox := mp.Messages(t); len(inbox) != 0 {
		t.Fatalf("mailpit holds %d messages, want none", len(inbox))
	}
	relay, err := smtpsend.New("smtp://" + mp.SMTP + "?starttls=off")
	if err != nil {
		t.Fatal(err)
	}
	if err := relay.Send(context.Background(), m); err != nil {
		t.Fatalf("starttls=off: %v", err)
	}
	if inbox := mp.Messages(t); len(inbox) != 1 || inbox[0].Subject != m.Subject {
		t.Errorf("mailpit holds %+v, want the one message", inbox)
	}
}
