package sessions_test

import (
	"testing"

	"onelogin-helpdesk/sessions"
	"onelogin-helpdesk/sessions/sessionstest"
)

func TestMemory_conforms(t *testing.T) {
	sessionstest.Conformance(t, func(t *testing.T) sessions.Store { return sessionstest.NewMemory() })
}

func TestNewToken(t *testing.T) {
	tok, id := sessions.NewToken()
	tok2, _ := sessions.NewToken()
	if tok == tok2 || len(tok) < 40 {
		t.Errorf("tokens %q %q", tok, tok2)
	}
	if id != sessions.IDFor(tok) || id == tok || len(id) != 64 {
		t.Errorf("id %q for token %q", id, tok)
	}
}

func TestMemory_blocksConformance(t *testing.T) {
	sessionstest.BlocksConformance(t, func(t *testing.T) sessions.Blocks { return sessionstest.NewMemory() })
}
