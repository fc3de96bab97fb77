package console_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/internal/consoletest"
)

// TestConsole_directoryIndex: with HELPDESK_DIRECTORY_INDEX the console
// lists the tenant into its index in the background, then searches it
// without calling OneLogin; off, it keeps none and searches OneLogin.
func TestConsole_directoryIndex(t *testing.T) {
	s := consoletest.Start(t, map[string]string{"HELPDESK_DIRECTORY_INDEX": "true", "HELPDESK_FAKE_RATE_LIMIT": "1000000"})
	ix := s.App.Directory()
	if ix == nil {
		t.Fatal("no index with HELPDESK_DIRECTORY_INDEX=true")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := ix.Status(context.Background())
		if err == nil && st.Complete {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first listing did not complete: %+v, %v", st, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	b := s.Browser(t)
	b.SignIn("helpdesk")
	b.Get("/users?q=x") // the pickers' role and attribute lists, read once
	s.Tenant.ResetCalls()
	p := b.Get("/users?q=muller+jose")
	if id := p.Doc.Find(`[data-testid="user-row"]`).First().AttrOr("data-user-id", ""); id != strconv.FormatInt(fakeonelogin.PersonaAccentsID, 10) {
		t.Errorf("first row = %q, want José Müller", id)
	}
	for _, c := range s.Tenant.Calls() {
		if strings.HasPrefix(c.Path, "/api/") && c.Path != "/api/2/users" { // the sync's listing aside
			t.Errorf("a search from the complete index called OneLogin: %s %s", c.Method, c.Path)
		}
	}

	off := consoletest.Start(t, map[string]string{"HELPDESK_DIRECTORY_INDEX": "false"})
	if off.App.Directory() != nil {
		t.Error("an index with HELPDESK_DIRECTORY_INDEX=false")
	}
}
