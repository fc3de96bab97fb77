package staffauth

import (
	"log/slog"
	"strings"
	"testing"

	"onelogin-helpdesk/config"
	"onelogin-helpdesk/sessions/sessionstest"
)

// TestNew_refusesWhatConfigCouldNotGive: demo sign-in is only what the
// configuration asks for, never what a zero value gives; demo personas
// belong to demo mode only; and there is no session without keys or a
// store that keeps them.
func TestNew_refusesWhatConfigCouldNotGive(t *testing.T) {
	noKeys := demoConfig()
	noKeys.Session.Keys = nil
	demoNoPersonas := demoConfig()
	demoNoPersonas.DemoPersonas = nil
	proxyPersonas := proxyConfig()
	proxyPersonas.DemoPersonas = testPersonas()
	personaNoEmail := demoConfig()
	personaNoEmail.DemoPersonas = []Persona{{Key: "x"}}
	unknown := demoConfig()
	unknown.Auth.Mode = config.AuthMode("saml")
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"zero value", Config{}, "no sign-in mode"},
		{"zero value with keys", Config{Session: config.Session{Keys: []config.Secret{key1}}}, "no sign-in mode"},
		{"unknown mode", unknown, "no sign-in mode"},
		{"demo without personas", demoNoPersonas, "demo mode without demo personas"},
		{"personas outside demo", proxyPersonas, "demo personas given in proxy mode"},
		{"persona without email", personaNoEmail, "demo persona 1 needs a key and an email"},
		{"no keys", noKeys, "no session keys"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(tc.cfg, slog.New(slog.DiscardHandler), WithSessionStore(sessionstest.NewMemory()))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, %v; want an error saying %q", a, err, tc.want)
			}
		})
	}
	for name, cfg := range map[string]Config{"demo": demoConfig(), "proxy": proxyConfig()} {
		if _, err := New(cfg, nil, WithSessionStore(sessionstest.NewMemory())); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(demoConfig(), nil); err == nil || !strings.Contains(err.Error(), "no session store") {
		t.Errorf("without a session store: %v, want an error saying so", err)
	}
}
