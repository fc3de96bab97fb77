package client

import (
	"context"
	"strings"
	"testing"

	"onelogin-helpdesk/fakeonelogin"
)

func TestInvite_againstTheFake(t *testing.T) {
	ctx := context.Background()
	id := fakeonelogin.PersonaUnactivatedID
	t.Run("get a link", func(t *testing.T) {
		srv, c, _ := newMFAFake(t)
		l, err := c.GetInviteLink(ctx, fakeonelogin.PersonaUnactivated)
		if err != nil {
			t.Fatal(err)
		}
		inv := srv.Tenant.Invites(id)
		if len(inv) != 1 || inv[0].Link != l.URL || !strings.HasPrefix(l.URL, srv.URL+"/password/reset?token=") {
			t.Errorf("link %s, invites %+v", l.URL, inv)
		}
		if len(srv.Tenant.Inbox(id)) != 0 {
			t.Error("getting a link mailed it")
		}
	})
	t.Run("send a link", func(t *testing.T) {
		srv, c, _ := newMFAFake(t)
		to, err := c.SendInviteLink(ctx, fakeonelogin.PersonaUnactivated, "aarav@home.example")
		if err != nil || to != "aarav@home.example" {
			t.Fatalf("%q %v", to, err)
		}
		if inbox := srv.Tenant.Inbox(id); len(inbox) != 1 || inbox[0].To != to || inbox[0].Link == "" {
			t.Errorf("inbox %+v", inbox)
		}
		if to, err := c.SendInviteLink(ctx, fakeonelogin.PersonaUnactivated, ""); err != nil || to != fakeonelogin.PersonaUnactivated {
			t.Errorf("to the OneLogin address: %q %v", to, err)
		}
	})
	for _, tc := range []struct {
		name, email, msg string
	}{
		{"unknown person", "nobody@example.com", "No User exists for input email"},
		{"email is case-sensitive", strings.ToUpper(fakeonelogin.PersonaUnactivated), "No User exists for input email"},
		{"no email", "", "Email Parameter is missing"},
		{"not an email", "aarav", "Email Input is in incorrect format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c, _ := newMFAFake(t)
			_, err := c.GetInviteLink(ctx, tc.email)
			wantErr(t, err, ErrBadRequest, tc.msg, "")
			_, err = c.SendInviteLink(ctx, tc.email, "")
			wantErr(t, err, ErrBadRequest, tc.msg, "")
		})
	}
	t.Run("needs Manage All", func(t *testing.T) {
		_, c := newFake(t, fakeonelogin.Options{Users: 1, Scope: fakeonelogin.ScopeManageUsers})
		_, err := c.GetInviteLink(ctx, fakeonelogin.PersonaUnactivated)
		wantErr(t, err, ErrUnauthorized, "Insufficient Permission", "")
	})
}
