package handlers_test

import (
	"context"
	"strings"
	"testing"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// TestUser_historyIsNotForViewers: other staff's actions on a person are
// shown to viewers only where the setting allows it.
func TestUser_historyIsNotForViewers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		allow bool
		want  int
	}{{"by default", false, 0}, {"when allowed", true, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleViewer, withConfig(func(cfg *handlers.Config) { cfg.ViewersSeeHistory = tc.allow }))
			target := fakeonelogin.PersonaLockedID
			if _, err := c.mem.Begin(context.Background(), audit.Record{ActorEmail: "tomas.herrera@example.com", ActorRole: "helpdesk",
				TargetID: target, Action: access.Unlock, Outcome: audit.OutcomeDenied, Reason: "test"}); err != nil {
				t.Fatal(err)
			}
			d := doc(t, c.get("/users/"+id(target)))
			if got := d.Find(`#panel-history [data-testid="history-item"]`).Length(); got != tc.want {
				t.Errorf("%d history items shown to a viewer, want %d", got, tc.want)
			}
		})
	}
}

// recorderOnly is an audit trail that can record but not be read back.
type recorderOnly struct{ handlers.Recorder }

func TestUser_history(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	ctx := context.Background()
	target := fakeonelogin.PersonaLockedID
	for _, r := range []audit.Record{
		{ActorEmail: "tomas.herrera@example.com", ActorRole: "helpdesk", TargetID: target, Action: access.Lock,
			Params: map[string]string{"minutes": "60"}, Outcome: audit.OutcomeDenied, Reason: "role viewer may not lock"},
		{ActorEmail: "tomas.herrera@example.com", ActorRole: "helpdesk", TargetID: target, Action: access.Unlock,
			Ticket: "INC-4711", Outcome: audit.OutcomeDenied, Reason: "test"},
		{ActorEmail: "someone@example.com", ActorRole: "admin", TargetID: fakeonelogin.PersonaAdminID, Action: access.Logout,
			Outcome: audit.OutcomeDenied, Reason: "other person"},
	} {
		if _, err := c.mem.Begin(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	d := doc(t, c.get("/users/"+id(target)))
	items := d.Find(`#panel-history [data-testid="history-item"]`)
	if items.Length() != 2 {
		t.Fatalf("%d history items, want the person's 2", items.Length())
	}
	first := strings.Join(strings.Fields(items.First().Text()), " ")
	for _, w := range []string{"Tried to unlock", "tomas.herrera@example.com", "ticket INC-4711", "Refused by the console: test"} {
		if !strings.Contains(first, w) {
			t.Errorf("newest history item %q lacks %q", first, w)
		}
	}
	if second := strings.Join(strings.Fields(items.Eq(1).Text()), " "); !strings.Contains(second, "Tried to lock for 1 hour") {
		t.Errorf("older item %q lacks its parameters in words", second)
	}

	c.audit.Fail(true)
	rec := c.get("/users/" + id(target))
	wantStatus(t, rec, 200)
	if doc(t, rec).Find(`[data-testid="history-missing"]`).Length() != 1 {
		t.Error("unreadable history not marked missing")
	}

	plain := newConsole(t, access.RoleViewer, withConfig(func(cfg *handlers.Config) { cfg.Audit = recorderOnly{audittest.NewMemory(nil)} }))
	d = doc(t, plain.get("/users/"+id(target)))
	if d.Find(`[data-testid="history-off"]`).Length() != 1 {
		t.Error("without a readable trail the panel should say so")
	}
}
