package selfunlock_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/selfunlock"
	"onelogin-helpdesk/sqlitestore"

	_ "modernc.org/sqlite"
)

// sqliteTrail is the flow's trail on the console's SQLite store.
type sqliteTrail struct{ *sqlitestore.Store }

func (t sqliteTrail) Denied(ctx context.Context, r audit.Record, reason string) {
	r.Outcome, r.Reason = audit.OutcomeDenied, reason
	_, _ = t.Deny(ctx, r, time.Minute)
}

// TestService_lookUpFloodIsBounded: 10,000 look-ups of distinct names from
// one address, over five hours, add at most 60 records and under 1 MB to
// the SQLite store that holds the trail, the allowances and the flows,
// measured as a deployment's disk sees it: the whole file with its
// write-ahead log, the log folded in before and after, the flows sealed in
// the store and swept every SweepEvery as the console's sweeper does.
//
// The flows are what grows with the hours, and they stay bounded: a look-up
// refused by the per-address allowance stores none; a flow lives FlowTTL
// and is swept within SweepEvery after, less than the allowance's hour, so
// one address never has more than PerIP flows in the store, and a swept
// flow's space is reused by the next.
func TestService_lookUpFloodIsBounded(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	var st *sqlitestore.Store
	var flows *selfunlock.SealedStore
	var perIP int
	b := newBenchWith(t, benchOptions{quota: 1 << 20,
		cfg: func(c *config.PublicUnlock) { perIP = c.PerIP },
		opts: func(o *selfunlock.Options) {
			var err error
			if st, err = sqlitestore.Open(path, nil, audit.WithClock(o.Now)); err != nil {
				t.Fatal(err)
			}
			o.Trail, o.Limits = sqliteTrail{st}, st
			if flows, err = selfunlock.NewSealedStore(st, [][]byte{[]byte("the console's first session key.")}, o.Now); err != nil {
				t.Fatal(err)
			}
			o.Flows = flows
		}})
	defer st.Close()
	ctx := context.Background()
	disk, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	size := func() int64 {
		t.Helper()
		var busy, logged, moved int
		if err := disk.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &moved); err != nil || busy != 0 {
			t.Fatalf("folding the write-ahead log into the file: busy %d, %v", busy, err)
		}
		var n int64
		for _, p := range []string{path, path + "-wal"} {
			if fi, err := os.Stat(p); err == nil {
				n += fi.Size()
			}
		}
		return n
	}
	before := size()
	const lookUps, hours = 10000, 5
	refused, held := 0, 0 // held: flows in the store after the last one stored
	swept := b.clock.Now()
	for i := range lookUps {
		b.clock.Advance(hours * time.Hour / lookUps)
		if b.clock.Now().Sub(swept) >= selfunlock.SweepEvery {
			if err := flows.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			swept = b.clock.Now()
		}
		_, _, err := b.s.Start(ctx, caller, fmt.Sprintf("person%05d@example.com", i))
		var stop *selfunlock.Stop
		switch {
		case errors.As(err, &stop) && stop.Status == http.StatusTooManyRequests:
			refused++
			continue
		case err != nil:
			t.Fatalf("look-up %d: %v", i, err)
		}
		if err := disk.QueryRowContext(ctx, "SELECT count(*) FROM unlock_flows").Scan(&held); err != nil {
			t.Fatal(err)
		}
		if held > perIP {
			t.Fatalf("after look-up %d the store holds %d flows, want at most the address's %d", i, held, perIP)
		}
	}
	p, err := st.List(ctx, audit.Filter{Limit: audit.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	grew := size() - before
	t.Logf("%d look-ups (%d refused): %d records, %d flows held after the last one stored, the store grew %d bytes", lookUps, refused, len(p.Records), held, grew)
	if refused != lookUps-hours*perIP {
		t.Errorf("%d look-ups refused, want all but the address's %d an hour", refused, perIP)
	}
	if len(p.Records) > 60 {
		t.Errorf("%d records, want at most 60", len(p.Records))
	}
	if grew >= 1<<20 {
		t.Errorf("the store grew %d bytes, want under 1 MB", grew)
	}
	counted := 0
	for _, r := range p.Records {
		counted += r.Repeats + 1
		if r.TargetID != 0 || r.Outcome == audit.OutcomeSucceeded || len(r.Params[audit.SampleParam]) > audit.MaxSample*(audit.MaxSampleLen+8) {
			t.Errorf("record %+v: want about nobody, never succeeded, a bounded sample", r)
		}
	}
	if counted != lookUps {
		t.Errorf("the records count %d look-ups, want %d", counted, lookUps)
	}
}

// TestService_sendsPerAccount: at most three pushes, texts and mails reach
// an account in 15 minutes, whatever the address, the spelling, and
// counting the helpdesk's sends; the page refuses the fourth send of a
// login as typed with when to try again, for a made-up account too, and
// past the account's allowance pretends to send, so that two spellings of
// one account cannot be linked.
func TestService_sendsPerAccount(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		logins   []string // typed in turn
		helpdesk int      // sends the helpdesk made first
		sent     int      // what OneLogin sends
	}{
		{[]string{fakeonelogin.PersonaLockedSMS}, 0, 3},
		{[]string{fakeonelogin.PersonaLockedSMS}, 1, 2},
		{[]string{fakeonelogin.PersonaLockedSMS, "fiona.sms"}, 0, 3}, // its email, then its username
		{[]string{"ghost@example.com"}, 0, 0},
	} {
		t.Run(fmt.Sprintf("%v after %d", tc.logins, tc.helpdesk), func(t *testing.T) {
			var limits selfunlock.Options
			b := newBenchWith(t, benchOptions{cfg: func(c *config.PublicUnlock) { c.Attempts = 100 },
				opts: func(o *selfunlock.Options) { limits = *o }})
			username := "fiona.sms"
			if _, err := b.ol.UpdateUser(ctx, fakeonelogin.PersonaLockedSMSID, client.UserUpdate{Username: &username}); err != nil {
				t.Fatal(err)
			}
			for range tc.helpdesk {
				if ok, _, err := selfunlock.Sends(limits.Limits, b.clock.Now).Take(ctx, selfunlock.AccountKey(fakeonelogin.PersonaLockedSMSID)); !ok || err != nil {
					t.Fatalf("the helpdesk's send was refused: %v", err)
				}
			}
			sent := func() int {
				n := 0
				for _, c := range b.tenant.Calls() {
					if c.Method == http.MethodPost && (strings.HasSuffix(c.Path, "/trigger") || strings.HasSuffix(c.Path, "/verifications")) {
						n++
					}
				}
				return n
			}
			for _, login := range tc.logins {
				for i := range selfunlock.MaxSends + 1 {
					who := caller
					who.IP = fmt.Sprintf("192.0.2.%d", i+1)
					id, st, err := b.s.Start(ctx, who, login)
					if err != nil {
						t.Fatal(err)
					}
					st, err = b.s.Choose(ctx, who, id, st.Factors[0].Choice)
					var stop *selfunlock.Stop
					switch {
					case i < selfunlock.MaxSends && (err != nil || st.Error != ""):
						t.Fatalf("%s: send %d = %+v, %v; want it sent, or so it seems", login, i+1, st, err)
					case i == selfunlock.MaxSends && (!errors.As(err, &stop) || stop.RetryAt.IsZero() || stop.Status != http.StatusTooManyRequests):
						t.Fatalf("%s: send %d = %v, want refused with when to try again", login, i+1, err)
					case i == selfunlock.MaxSends && stop.Message != "No more codes or pushes can be sent just now.":
						t.Errorf("the refusal says %q", stop.Message)
					}
					b.clock.Advance(time.Minute)
				}
			}
			if n := sent(); n != tc.sent {
				t.Errorf("OneLogin sent %d codes, want %d", n, tc.sent)
			}
			silent := slices.ContainsFunc(b.trail.Records(), func(r audit.Record) bool { return strings.Contains(r.Reason, "mfa-sends limit reached") })
			if want := len(tc.logins) > 1 || tc.helpdesk > 0; silent != want {
				t.Errorf("the account's allowance held silently: %t, want %t", silent, want)
			}
		})
	}
}

// TestService_pollsArePaced: however often the page is polled, OneLogin is
// asked about a push at most once per PollEvery, and never once it has
// expired.
func TestService_pollsArePaced(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	ctx := context.Background()
	id, st, err := b.s.Start(ctx, caller, fakeonelogin.PersonaLockedPush)
	if err != nil {
		t.Fatal(err)
	}
	if st, err = b.s.Choose(ctx, caller, id, choice(t, st, "push")); err != nil || st.Step != selfunlock.StepPush {
		t.Fatalf("Choose = %+v, %v", st, err)
	}
	polls := func() int {
		n := 0
		for _, c := range b.tenant.Calls() {
			if c.Method == http.MethodPost && strings.HasSuffix(c.Path, "/verify") || c.Method == http.MethodGet && strings.Contains(c.Path, "/verifications/") {
				n++
			}
		}
		return n
	}
	for second := range 130 {
		for range 5 { // ten times as often as OneLogin may be asked
			if _, err := b.s.Push(ctx, caller, id, b.door); err != nil {
				t.Fatal(err)
			}
		}
		want := min(second/2+1, 60) // every 2 s, until the push's 120 s are up
		if n := polls(); n != want {
			t.Fatalf("after %d s of polling 5 times a second, OneLogin was asked %d times, want %d", second, n, want)
		}
		b.clock.Advance(time.Second)
		if second == 119 {
			break
		}
	}
}

// TestService_quotaShare: the page's share is a part of what lies above
// the reserve kept for account actions, and one address gets only a fair
// part of it; an address in the same IPv6 /64 is the same address.
func TestService_quotaShare(t *testing.T) {
	ctx := context.Background()
	lookUps := func(t *testing.T, b *bench, ips ...string) (ok int, last error) {
		t.Helper()
		if _, err := b.ol.RateLimitStatus(ctx); err != nil { // the client learns the quota
			t.Fatal(err)
		}
		for i, ip := range ips {
			who := caller
			who.IP = ip
			if _, _, last = b.s.Start(ctx, who, fmt.Sprintf("p%d@example.com", i)); last == nil {
				ok++
			}
		}
		return ok, last
	}
	many := func(prefix string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf(prefix, i+1))
		}
		return out
	}
	t.Run("above the reserve", func(t *testing.T) {
		// 400 an hour, 300 kept: 10% of the 100 above is 10 calls, 5 look-ups.
		b := newBenchWith(t, benchOptions{quota: 400, cfg: func(c *config.PublicUnlock) { c.QuotaShare = 10 },
			opts: func(o *selfunlock.Options) { o.QuotaReserve = 300 }})
		ok, err := lookUps(t, b, many("192.0.2.%d", 8)...)
		var stop *selfunlock.Stop
		if ok != 5 || !errors.As(err, &stop) || stop.Status != http.StatusServiceUnavailable {
			t.Errorf("%d look-ups, then %v; want 5, then busy", ok, err)
		}
	})
	t.Run("down to the reserve", func(t *testing.T) {
		b := newBenchWith(t, benchOptions{quota: 400, opts: func(o *selfunlock.Options) { o.QuotaReserve = 400 }})
		if ok, _ := lookUps(t, b, "192.0.2.1"); ok != 0 {
			t.Errorf("with the whole quota kept for account actions the page made %d look-ups", ok)
		}
	})
	t.Run("a fair part per address", func(t *testing.T) {
		// 10,000 an hour, 10%: 1,000 calls; an address gets 200, 100 look-ups.
		b := newBenchWith(t, benchOptions{quota: 10000, cfg: func(c *config.PublicUnlock) { c.PerIP = 100000 }})
		ok, err := lookUps(t, b, many("2001:db8::%x", 101)...)
		var stop *selfunlock.Stop
		if ok != 100 || !errors.As(err, &stop) || stop.Status != http.StatusTooManyRequests {
			t.Errorf("%d look-ups from one /64, then %v; want 100, then too many from the network", ok, err)
		}
		if ok, _ := lookUps(t, b, "2001:db8:0:1::1"); ok != 1 {
			t.Error("another /64 was refused")
		}
	})
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                 "192.0.2.7",
		"::ffff:192.0.2.7":          "192.0.2.7",
		"2001:db8:1:2:3:4:5:6":      "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1%eth0": "2001:db8:1:2::/64",
		"not an address":            "not an address",
	} {
		if got := selfunlock.AddressKey(in); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", in, got, want)
		}
	}
}
