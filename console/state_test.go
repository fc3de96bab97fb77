package console_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/console"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
	"onelogin-helpdesk/pgstore/pgtest"
)

// TestConsole_postgresState: two consoles on one PostgreSQL database share
// the audit trail (an action on one is on the other's audit page and in the
// person's history there), and neither log carries the database password.
func TestConsole_postgresState(t *testing.T) {
	db := pgtest.Database(t, "demo")
	over := map[string]string{"HELPDESK_DATABASE_URL": db, "HELPDESK_AUDIT_DB": ""}
	a := consoletest.Start(t, over)
	b := consoletest.Start(t, over)

	agent := a.Browser(t)
	agent.SignIn("helpdesk")
	if p := agent.Act(userPath(fakeonelogin.PersonaLockedID, "unlock"), url.Values{"ticket": {"INC-SHARED"}}); p.Status != http.StatusOK {
		t.Fatalf("unlock on A: %d %.300s", p.Status, p.Body)
	}
	admin := b.Browser(t)
	admin.SignIn("admin")
	p := admin.Get("/audit?target=" + strconv.FormatInt(fakeonelogin.PersonaLockedID, 10))
	if rows := p.Doc.Find("[data-testid=audit-row]"); rows.Length() != 1 || !strings.Contains(rows.Text(), "INC-SHARED") {
		t.Fatalf("B's audit page: %d rows: %.500s", rows.Length(), p.Body)
	}
	u := admin.Get(userPath(fakeonelogin.PersonaLockedID, ""))
	if h := u.Doc.Find("[data-testid=history-item]"); h.Length() != 1 || !strings.Contains(h.Text(), "Unlocked") {
		t.Errorf("history on B: %q", h.Text())
	}
	if code, body := get(t, b.URL+"/readyz"); code != http.StatusOK {
		t.Errorf("B /readyz: %d %s", code, body)
	}
	pw := pgtest.Password(db)
	for name, s := range map[string]*consoletest.Console{"A": a, "B": b} {
		if pw == "" || strings.Contains(s.Logs.String(), pw) {
			t.Errorf("%s's log carries the database password (or the URL has none)", name)
		}
		if !strings.Contains(s.Logs.String(), "state in PostgreSQL") {
			t.Errorf("%s's log does not say where the state is", name)
		}
	}
}

// TestConsole_postgresUnreachable: a console whose database cannot be
// reached does not start, and says why without the password, wherever the
// URL carries it; the log of the attempt has no password either.
func TestConsole_postgresUnreachable(t *testing.T) {
	const secret = "an0ther-s3cret-Pw"
	for name, url := range map[string]string{
		"user information": "postgres://helpdesk:" + secret + "@127.0.0.1:1/demo_nowhere?connect_timeout=2",
		"query":            "postgres://helpdesk@127.0.0.1:1/demo_nowhere?connect_timeout=2&password=" + secret,
		"ssl key password": "postgres://helpdesk@127.0.0.1:1/demo_nowhere?connect_timeout=2&sslpassword=" + secret,
	} {
		t.Run(name, func(t *testing.T) {
			cfg := consoletest.Config(t, map[string]string{"HELPDESK_AUDIT_DB": "", "HELPDESK_DATABASE_URL": url})
			var logs bytes.Buffer
			app, err := console.New(cfg, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
			if err == nil {
				app.Close()
				t.Fatal("console.New started without its database")
			}
			if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "127.0.0.1:1") {
				t.Errorf("error = %q: want the host, never the password", err)
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the log carries the password: %s", logs.String())
			}
		})
	}
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}
