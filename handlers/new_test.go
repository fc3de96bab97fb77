package handlers_test

import (
	"strings"
	"testing"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/handlers"
)

// TestNew_requiresAnAuditTrail: handlers without an audit trail would act
// and record nothing, so New refuses them rather than run so by omission.
func TestNew_requiresAnAuditTrail(t *testing.T) {
	ol, err := client.New("http://127.0.0.1:1", "id", "secret")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handlers.New(handlers.Config{OneLogin: ol}); err == nil || !strings.Contains(err.Error(), "audit trail is required") {
		t.Errorf("New without an audit trail: %v", err)
	}
}
