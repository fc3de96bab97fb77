package notifytest

import (
	"encoding/json"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Mailpit is a running mailpit (github.com/axllent/mailpit, built by
// `make testservers`), the real SMTP server the mail tests send through: its
// SMTP address and its HTTP API, both on loopback.
type Mailpit struct {
	SMTP, API string
}

// StartMailpit runs the mailpit binary bin until t ends, with args added
// (a certificate, a login file); without them it offers neither TLS nor
// login. It returns once the API answers and SMTP accepts connections.
func StartMailpit(t testing.TB, bin string, args ...string) Mailpit {
	t.Helper()
	mp := Mailpit{SMTP: FreeAddr(t)}
	listen := FreeAddr(t)
	mp.API = "http://" + listen
	args = append([]string{"--smtp", mp.SMTP, "--listen", listen, "--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--disable-version-check", "--quiet"}, args...)
	cmd := exec.Command(bin, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("mailpit said:\n%s", out.String())
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		// The API can answer before the SMTP listener is up: wait for both.
		if resp, err := http.Get(mp.API + "/readyz"); err == nil {
			resp.Body.Close()
			if c, err := net.DialTimeout("tcp", mp.SMTP, time.Second); resp.StatusCode == http.StatusOK && err == nil {
				c.Close()
				return mp
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("mailpit did not come up")
		}
	}
}

// FreeAddr returns a loopback address nobody listens on (for now).
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// MailAddress is an address as mailpit's API gives it.
type MailAddress struct{ Name, Address string }

// MailpitMessage is a message as mailpit's API gives it.
type MailpitMessage struct {
	ID      string
	From    MailAddress
	To      []MailAddress
	Subject string
	Text    string
}

// Messages returns every message mailpit holds, in full, newest first.
func (mp Mailpit) Messages(t testing.TB) []MailpitMessage {
	t.Helper()
	var list struct{ Messages []struct{ ID string } }
	mp.get(t, "/api/v1/messages", &list)
	out := make([]MailpitMessage, len(list.Messages))
	for i, m := range list.Messages {
		mp.get(t, "/api/v1/message/"+m.ID, &out[i])
	}
	return out
}

func (mp Mailpit) get(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(mp.API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}
