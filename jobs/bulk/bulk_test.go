package bulk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/jobs/bulk"
)

// door stands for the console's action door: it makes the call when
// told to, and answers err.
type door struct {
	call bool
	err  error
	got  bulk.Change
}

func (d *door) Act(ctx context.Context, c bulk.Change) error {
	d.got = c
	if d.call {
		if err := c.Call(ctx); err != nil {
			return err
		}
	}
	return d.err
}

func (d *door) Explain(err error) string { return "explained: " + err.Error() }

// personas is a client of a fake tenant of the personas alone.
func personas(t *testing.T) *client.Client {
	t.Helper()
	fake := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1, Users: 1})
	t.Cleanup(fake.Close)
	ol, err := client.New(fake.URL, fake.ClientID, fake.ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	return ol
}

// TestWorker_tellsHowAPersonWent: what the door answers decides whether a
// person is done, skipped, failed, unknown or tried again later; a person
// no longer in OneLogin is skipped before the door.
func TestWorker_tellsHowAPersonWent(t *testing.T) {
	ol := personas(t)
	job := jobs.Job{ID: "j1", Kind: jobs.KindUnlock, Ticket: "T-1", SourceIP: "192.0.2.1",
		Actor: jobs.Actor{Email: "agent@example.com", Name: "Agent", Role: "helpdesk"}}
	person := jobs.Item{Seq: 3, TargetID: fakeonelogin.PersonaLockedID}
	for _, tc := range []struct {
		name   string
		door   door
		target int64
		want   jobs.Result
	}{
		{"done", door{call: true}, 0, jobs.Result{State: jobs.ItemDone, Message: "Unlocked."}},
		{"refused by the policy", door{err: fmt.Errorf("403: %w", &access.Refusal{Message: "Only admins may."})}, 0,
			jobs.Result{State: jobs.ItemSkipped, Message: "Only admins may."}},
		{"audit trail down", door{err: bulk.ErrNotRecorded}, 0, jobs.Result{Retry: true, RetryAfter: bulk.RetryAfter}},
		{"policy undecided", door{err: bulk.ErrUndecided}, 0, jobs.Result{Retry: true, RetryAfter: bulk.RetryAfter}},
		{"no ticket", door{err: errors.New("ticket required")}, 0,
			jobs.Result{State: jobs.ItemFailed, Message: "explained: ticket required"}},
		{"no answer in time", door{call: true, err: bulk.ErrNoAnswer}, 0,
			jobs.Result{State: jobs.ItemUnknown, Message: "explained: " + bulk.ErrNoAnswer.Error() + ": check this person."}},
		{"OneLogin refused", door{call: true, err: errors.New("bad request")}, 0,
			jobs.Result{State: jobs.ItemFailed, Message: "explained: bad request"}},
		{"gone from OneLogin", door{}, 999999999, jobs.Result{State: jobs.ItemSkipped, Message: "No longer in OneLogin."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := bulk.Worker{OneLogin: ol, Door: &tc.door, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Locked: func(*client.User) bool { return true }}
			it := person
			if tc.target != 0 {
				it.TargetID = tc.target
			}
			if got := w.Do(context.Background(), job, it); got != tc.want {
				t.Errorf("result %+v, want %+v", got, tc.want)
			}
			if tc.target != 0 {
				return
			}
			c := tc.door.got
			if c.Who.Email != "agent@example.com" || c.Who.Role != access.RoleHelpdesk || c.Action != access.Unlock ||
				c.Ticket != "T-1" || c.Params["job"] != "j1" || c.Record.RequestID != "job-j1-3" ||
				c.Record.SourceIP != "192.0.2.1" || c.User.ID != fakeonelogin.PersonaLockedID {
				t.Errorf("the door was asked for %+v", c)
			}
		})
	}
}

// TestWorker_recoverOnlyLooks: a person left in hand by a stopped runner
// is settled by reading the account, never by asking for the change again.
func TestWorker_recoverOnlyLooks(t *testing.T) {
	ol := personas(t)
	it := jobs.Item{Seq: 1, TargetID: fakeonelogin.PersonaLockedID}
	for _, tc := range []struct {
		name   string
		kind   jobs.Kind
		locked bool
		want   jobs.ItemState
	}{
		{"unlocked since", jobs.KindUnlock, false, jobs.ItemDone},
		{"still locked", jobs.KindUnlock, true, jobs.ItemUnknown},
		{"log-out cannot be seen", jobs.KindLogout, false, jobs.ItemUnknown},
	} {
		d := &door{}
		w := bulk.Worker{OneLogin: ol, Door: d, Locked: func(*client.User) bool { return tc.locked }}
		if got := w.Recover(context.Background(), jobs.Job{ID: "j", Kind: tc.kind}, it); got.State != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got.State, tc.want)
		}
		if d.got.Action != "" {
			t.Errorf("%s: Recover went through the door", tc.name)
		}
	}
}
