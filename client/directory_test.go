package client

import (
	"context"
	"errors"
	"testing"
	"time"

	"onelogin-helpdesk/fakeonelogin"
)

func TestDirectory_ListDirectory_walksEveryoneWithCursorsAlone(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{Users: 120})
	ctx := context.Background()
	seen := map[int64]User{}
	q := DirectoryQuery{Limit: 500}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("more pages than the tenant has people for")
		}
		p, err := c.ListDirectory(ctx, q)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		if p.TotalCount != srv.Tenant.UserCount() {
			t.Errorf("TotalCount = %d, want %d", p.TotalCount, srv.Tenant.UserCount())
		}
		for _, u := range p.Users {
			seen[u.ID] = u
		}
		if p.AfterCursor == "" {
			break
		}
		q = DirectoryQuery{Cursor: p.AfterCursor}
	}
	if len(seen) != srv.Tenant.UserCount() {
		t.Fatalf("listed %d people, the tenant has %d", len(seen), srv.Tenant.UserCount())
	}
	want := snapshot(t, srv, fakeonelogin.PersonaAdminID)
	got := seen[fakeonelogin.PersonaAdminID]
	if got.Email != want.Email || len(got.RoleIDs) != len(want.RoleIDs) || got.UpdatedAt.IsZero() || got.CustomAttributes == nil {
		t.Errorf("admin listed as %+v; want email %s, %d roles, updated_at and custom attributes", got, want.Email, len(want.RoleIDs))
	}
	for _, call := range srv.Tenant.Calls() {
		if call.Path == "/api/2/users" && call.Query.Has("cursor") && call.Query.Has("limit") {
			t.Errorf("%s sends cursor with limit, which OneLogin refuses", call.RawQuery)
		}
	}
}

func TestDirectory_ListDirectory_updatedSince(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{Users: 60})
	srv.Tenant.AdvanceClock(time.Hour)
	since := srv.Tenant.Clock().Now()
	srv.Tenant.AdvanceClock(time.Second)
	srv.Tenant.Lock(fakeonelogin.PersonaAdminID, 30)
	p, err := c.ListDirectory(context.Background(), DirectoryQuery{UpdatedSince: since})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Users) != 1 || p.Users[0].ID != fakeonelogin.PersonaAdminID || p.Users[0].Status != StatusLocked || p.Users[0].LockedUntil.IsZero() {
		t.Fatalf("updated since = %+v, want only the admin, locked", p.Users)
	}
}

func TestDirectory_DeletedSince(t *testing.T) {
	srv, c := newFake(t, fakeonelogin.Options{Users: 60})
	ctx := context.Background()
	since := srv.Tenant.Clock().Now()
	srv.Tenant.AdvanceClock(time.Second)
	if err := c.DeleteUser(ctx, fakeonelogin.PersonaAdminID); err != nil {
		t.Fatal(err)
	}
	ids, newest, err := c.DeletedSince(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != fakeonelogin.PersonaAdminID || !newest.After(since) {
		t.Errorf("DeletedSince = %v, %v; want the admin, after %v", ids, newest, since)
	}
}

func TestDirectory_answers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		wantUsers int
		// wantStatus is the HTTP status of the *Error, or 0 for a
		// malformed answer (a TransportError matching ErrUnavailable).
		wantStatus int
		wantErr    bool
	}{
		{"bare array", 200, `[{"id":7,"role_ids":[1,"2"],"status":"3","locked_until":null}]`, 1, 0, false},
		{"data envelope", 200, `{"data":[{"id":7},{"id":8}]}`, 2, 0, false},
		{"empty", 200, `[]`, 0, 0, false},
		{"object, not a list", 200, `{"id":7}`, 0, 0, true},
		{"user without id", 200, `[{"email":"a@example.com"}]`, 0, 0, true},
		{"bad field", 422, `{"statusCode":422,"name":"UnprocessableEntityFieldError","message":"Invalid display field(s) for User: x","field":"x"}`, 0, 422, true},
		{"cursor misuse", 400, `{"status":400,"error":"BadRequestError","description":"Invalid pagination cursor"}`, 0, 400, true},
		{"bad gateway", 502, `<html></html>`, 0, 502, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newTestAPI(t)
			api.reply("GET /api/2/users", tc.status, tc.body)
			p, err := api.client().ListDirectory(context.Background(), DirectoryQuery{})
			if tc.wantErr {
				var e *Error
				switch {
				case tc.wantStatus == 0 && (!errors.Is(err, ErrUnavailable) || errors.As(err, &e)):
					t.Errorf("err = %v, want an unreadable-answer error", err)
				case tc.wantStatus != 0 && (!errors.As(err, &e) || e.HTTPStatus != tc.wantStatus || e.Message == ""):
					t.Errorf("err = %v, want a %d *Error with a message", err, tc.wantStatus)
				}
				return
			}
			if err != nil || len(p.Users) != tc.wantUsers {
				t.Fatalf("= %d users, %v; want %d", len(p.Users), err, tc.wantUsers)
			}
			if tc.name == "bare array" && (len(p.Users[0].RoleIDs) != 2 || p.Users[0].Status != StatusLocked || p.TotalCount != -1) {
				t.Errorf("decoded %+v (total %d)", p.Users[0], p.TotalCount)
			}
		})
	}
}
