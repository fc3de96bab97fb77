package console

import (
	"context"
	"log/slog"
	"time"

	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
)

// settleEvery is how often records a crash left pending are looked for;
// the first look is at start.
const settleEvery = 5 * time.Minute

// startSettler settles, at start and every settleEvery, the audit records a
// stopped console left pending. A record is old enough once it began more
// than two OneLogin timeouts ago: an action's call may be the change and
// the read-back after it.
func startSettler(st stateStore, ol interface {
	GetUser(ctx context.Context, id int64) (*client.User, error)
}, timeout time.Duration, logger *slog.Logger) *background {
	if timeout <= 0 {
		timeout = client.DefaultTimeout
	}
	s := audit.Settler{Store: st, After: 2 * timeout, Now: time.Now, Log: logger,
		Read: func(ctx context.Context, id int64) (string, error) {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			u, err := ol.GetUser(ctx, id)
			if err != nil {
				return "", err
			}
			return describeAccount(u, time.Now()), nil
		}}
	return goBackground(func(ctx context.Context) { s.Run(ctx, settleEvery) })
}

// describeAccount is an account's state in words for a settled record.
func describeAccount(u *client.User, now time.Time) string {
	d := u.Status.String()
	if u.LockedUntil.After(now) {
		d += ", locked until " + u.LockedUntil.UTC().Format("2006-01-02 15:04 UTC")
	}
	return d
}
