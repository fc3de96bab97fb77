package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoad_secretsFromFiles: each secret setting is also read from the
// file NAME_FILE names, less one trailing line break; giving both, a file
// that is missing or unreadable, or an empty one is a problem named after
// the setting, and no problem repeats what the file holds.
func TestLoad_secretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const pgURL = "postgres://helpdesk:" + dbPassword + "@db:5432/helpdesk"
	noSecret := map[string]string{"ONELOGIN_CLIENT_SECRET": ""}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{"every secret from a file", with(map[string]string{"HELPDESK_SESSION_KEYS": "",
			"ONELOGIN_CLIENT_SECRET_FILE": file("ol", "file-s3cr3t\n"),
			"HELPDESK_SESSION_KEYS_FILE":  file("keys", testKey+"\r\n"),
			"HELPDESK_DATABASE_URL_FILE":  file("db", pgURL+"\n"),
		}, noSecret), "", func(t *testing.T, c Config) {
			if c.OneLogin.ClientSecret != "file-s3cr3t" || len(c.Session.Keys) != 1 || string(c.State.DatabaseURL) != pgURL {
				t.Errorf("secret %q, %d keys, database %v", c.OneLogin.ClientSecret, len(c.Session.Keys), c.State.DatabaseURL)
			}
		}},
		{"only one line break is trimmed", with(map[string]string{"ONELOGIN_CLIENT_SECRET_FILE": file("two", "s3cr3t\n\n")}, noSecret), "", func(t *testing.T, c Config) {
			if c.OneLogin.ClientSecret != "s3cr3t\n" {
				t.Errorf("secret %q", c.OneLogin.ClientSecret)
			}
		}},
		{"oidc secret from a file", map[string]string{"HELPDESK_AUTH_MODE": "oidc", "HELPDESK_OIDC_ISSUER": "https://acme.onelogin.com/oidc/2",
			"HELPDESK_OIDC_CLIENT_ID": "console", "HELPDESK_OIDC_CLIENT_SECRET_FILE": file("oidc", "oidc-s3cr3t")}, "", func(t *testing.T, c Config) {
			if c.Auth.OIDC.ClientSecret != "oidc-s3cr3t" {
				t.Errorf("oidc secret %q", c.Auth.OIDC.ClientSecret)
			}
		}},
		{"both forms", map[string]string{"ONELOGIN_CLIENT_SECRET_FILE": file("ol", "file-s3cr3t\n")},
			"ONELOGIN_CLIENT_SECRET_FILE: and ONELOGIN_CLIENT_SECRET are both set", nil},
		{"missing file", map[string]string{"HELPDESK_SESSION_KEYS": "", "HELPDESK_SESSION_KEYS_FILE": filepath.Join(dir, "nowhere")},
			"HELPDESK_SESSION_KEYS_FILE: cannot be read: " + filepath.Join(dir, "nowhere"), nil},
		{"a directory", with(map[string]string{"ONELOGIN_CLIENT_SECRET_FILE": dir}, noSecret), "ONELOGIN_CLIENT_SECRET_FILE: cannot be read", nil},
		{"empty file", with(map[string]string{"ONELOGIN_CLIENT_SECRET_FILE": file("empty", "\n")}, noSecret), "ONELOGIN_CLIENT_SECRET_FILE: " + filepath.Join(dir, "empty") + " is empty", nil},
		{"bad keys in a file", map[string]string{"HELPDESK_SESSION_KEYS": "", "HELPDESK_SESSION_KEYS_FILE": file("short", "c2hvcnQ=")}, "HELPDESK_SESSION_KEYS: key 1 is 5 bytes", nil},
		{"bad database URL in a file", map[string]string{"HELPDESK_DATABASE_URL_FILE": file("mysql", "mysql://root:"+dbPassword+"@db/x")}, "HELPDESK_DATABASE_URL: must be a PostgreSQL URL", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(real(tc.env))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Load: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Load: %v, want an error containing %q", err, tc.wantErr)
			}
			if err != nil {
				for _, secret := range []string{"s3cr3t", dbPassword, "c2hvcnQ="} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("the error repeats the file's content: %v", err)
					}
				}
				if strings.Contains(err.Error(), "a real tenant needs") || strings.Contains(err.Error(), "HELPDESK_SESSION_KEYS: is required") {
					t.Errorf("a setting whose file failed is also reported missing: %v", err)
				}
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

// TestSettings_secretFilesAreSettings: every secret that may come from a
// file is a declared setting.
func TestSettings_secretFilesAreSettings(t *testing.T) {
	files := 0
	for _, s := range Settings {
		if s.FileName() != "" {
			files++
		}
	}
	if files != len(secretSettings) {
		t.Errorf("%d settings read from files, %d declared: a name in secretSettings is not a setting", files, len(secretSettings))
	}
}
