package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

const dbPassword = "pg-Pa55word-never-shown"

func TestLoad_state(t *testing.T) {
	pgURL := "postgres://helpdesk:" + dbPassword + "@db.internal:5432/helpdesk?sslmode=require"
	tests := []struct {
		name    string
		getenv  func(string) string
		wantErr string // "" means valid
		check   func(t *testing.T, c Config)
	}{
		{"SQLite by default", real(nil), "", func(t *testing.T, c Config) {
			if c.State.DatabaseURL != "" || c.Audit.DB != defaultAuditDB || c.State.Retention != 0 || c.Session.RoleRecheck != 15*time.Minute {
				t.Errorf("defaults: %+v %+v %v", c.State, c.Audit, c.Session.RoleRecheck)
			}
		}},
		{"PostgreSQL replaces the file", real(map[string]string{"HELPDESK_DATABASE_URL": pgURL}), "", func(t *testing.T, c Config) {
			if string(c.State.DatabaseURL) != pgURL || c.Audit.DB != "" {
				t.Errorf("state %+v, audit db %q", c.State, c.Audit.DB)
			}
		}},
		{"postgresql scheme", real(map[string]string{"HELPDESK_DATABASE_URL": "postgresql://h@db/x"}), "", nil},
		{"both stores", real(map[string]string{"HELPDESK_DATABASE_URL": pgURL, "HELPDESK_AUDIT_DB": "/data/a.db"}), "HELPDESK_AUDIT_DB: is the SQLite file", nil},
		{"not postgres", real(map[string]string{"HELPDESK_DATABASE_URL": "mysql://root:" + dbPassword + "@db/x"}), "HELPDESK_DATABASE_URL: must be a PostgreSQL URL", nil},
		{"no host", real(map[string]string{"HELPDESK_DATABASE_URL": "postgres:///x"}), "HELPDESK_DATABASE_URL: must be", nil},
		{"a demo on a real database", demo(map[string]string{"HELPDESK_DATABASE_URL": pgURL}), "database name must start with demo", nil},
		{"a demo on a demo database", demo(map[string]string{"HELPDESK_DATABASE_URL": "postgres://u:p@127.0.0.1/demo_bench"}), "", nil},
		{"retention in days", real(map[string]string{"HELPDESK_AUDIT_RETENTION": "400d"}), "", func(t *testing.T, c Config) {
			if c.State.Retention != 400*24*time.Hour {
				t.Errorf("retention %v", c.State.Retention)
			}
		}},
		{"retention as a duration", real(map[string]string{"HELPDESK_AUDIT_RETENTION": "2160h"}), "", func(t *testing.T, c Config) {
			if c.State.Retention != 90*24*time.Hour {
				t.Errorf("retention %v", c.State.Retention)
			}
		}},
		{"retention under a day", real(map[string]string{"HELPDESK_AUDIT_RETENTION": "1h"}), "HELPDESK_AUDIT_RETENTION: must be at least a day", nil},
		{"retention garbage", real(map[string]string{"HELPDESK_AUDIT_RETENTION": "forever"}), "HELPDESK_AUDIT_RETENTION: must be a number of days", nil},
		{"role recheck", real(map[string]string{"HELPDESK_ROLE_RECHECK": "5m"}), "", func(t *testing.T, c Config) {
			if c.Session.RoleRecheck != 5*time.Minute {
				t.Errorf("recheck %v", c.Session.RoleRecheck)
			}
		}},
		{"proxy sign-out path", real(map[string]string{"HELPDESK_PROXY_SIGN_OUT_URL": "/oauth2/sign_out"}), "", func(t *testing.T, c Config) {
			if c.Auth.Proxy.SignOutURL != "/oauth2/sign_out" {
				t.Errorf("sign-out URL %q", c.Auth.Proxy.SignOutURL)
			}
		}},
		{"proxy sign-out URL", real(map[string]string{"HELPDESK_PROXY_SIGN_OUT_URL": "https://sso.example.com/logout"}), "", nil},
		{"proxy sign-out elsewhere by //", real(map[string]string{"HELPDESK_PROXY_SIGN_OUT_URL": "//evil.example/x"}), "HELPDESK_PROXY_SIGN_OUT_URL: must be a path", nil},
		{"proxy sign-out not a URL", real(map[string]string{"HELPDESK_PROXY_SIGN_OUT_URL": "javascript:alert(1)"}), "HELPDESK_PROXY_SIGN_OUT_URL", nil},
		{"role recheck zero", real(map[string]string{"HELPDESK_ROLE_RECHECK": "0s"}), "HELPDESK_ROLE_RECHECK: must be a duration longer than 0s", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.getenv)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Load: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Load: %v, want an error containing %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), dbPassword) {
				t.Errorf("the error repeats the database password: %v", err)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

// TestDatabaseURL_neverPrintsThePassword: however the configuration is
// printed or logged, the database password is not in it.
func TestDatabaseURL_neverPrintsThePassword(t *testing.T) {
	c, err := Load(real(map[string]string{"HELPDESK_DATABASE_URL": "postgres://helpdesk:" + dbPassword + "@db:5432/helpdesk"}))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "state", c.State, "url", c.State.DatabaseURL)
	out := fmt.Sprintf("%v %+v %#v %s", c, c.State, c.State, c.State.DatabaseURL) + logs.String()
	if strings.Contains(out, dbPassword) {
		t.Errorf("the password is printed: %s", out)
	}
	if !strings.Contains(out, "db:5432/helpdesk") {
		t.Errorf("the redacted URL lost the host: %s", out)
	}
}

// TestDatabaseURL_redactsEveryForm: a password given in the user
// information, in the query (however the key is spelt) or as a keyword is
// replaced in the redacted URL and scrubbed from any text quoting it, as
// typed or decoded; the rest of the URL stays readable.
func TestDatabaseURL_redactsEveryForm(t *testing.T) {
	const pw = dbPassword
	tests := []struct {
		name, url, want string
		pws             []string // how the password may appear in an error
	}{
		{"user information", "postgres://helpdesk:" + pw + "@db:5432/helpdesk",
			"postgres://helpdesk:xxxxx@db:5432/helpdesk", []string{pw}},
		{"query", "postgres://helpdesk@db:5432/helpdesk?sslmode=require&password=" + pw,
			"postgres://helpdesk@db:5432/helpdesk?sslmode=require&password=xxxxx", []string{pw}},
		{"query, upper case", "postgres://db/helpdesk?PASSWORD=" + pw, "postgres://db/helpdesk?PASSWORD=xxxxx", []string{pw}},
		{"query, encoded key", "postgres://db/helpdesk?pass%77ord=" + pw, "postgres://db/helpdesk?pass%77ord=xxxxx", []string{pw}},
		{"query, encoded value", "postgres://db/helpdesk?password=a%2Fb%40" + pw, "postgres://db/helpdesk?password=xxxxx",
			[]string{"a/b@" + pw, "a%2Fb%40" + pw}},
		{"ssl key password", "postgres://db/helpdesk?sslpassword=" + pw, "postgres://db/helpdesk?sslpassword=xxxxx", []string{pw}},
		{"both", "postgresql://h:" + pw + "x@db/h?password=" + pw, "postgresql://h:xxxxx@db/h?password=xxxxx", []string{pw, pw + "x"}},
		{"@ in the password", "postgres://h:" + pw + "@x@db/h", "postgres://h:xxxxx@db/h", []string{pw + "@x"}},
		{"keyword", "host=db user=helpdesk password=" + pw + " dbname=h", "host=db user=helpdesk password=xxxxx dbname=h", []string{pw}},
		{"keyword, quoted", "host=db password='" + pw + " x' dbname=h", "host=db password=xxxxx dbname=h", []string{pw + " x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := DatabaseURL(tc.url)
			if got := u.Redacted(); got != tc.want {
				t.Errorf("Redacted() = %q, want %q", got, tc.want)
			}
			text := fmt.Sprintf("cannot parse `%s`: failed for %q", tc.url, tc.pws)
			for _, out := range []string{u.Scrub(text), u.ScrubError(errors.New(text)).Error(), fmt.Sprint(u), u.LogValue().String()} {
				if strings.Contains(out, pw) {
					t.Errorf("the password survives: %s", out)
				}
			}
		})
	}
}
