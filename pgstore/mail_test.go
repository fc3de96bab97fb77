package pgstore

import (
	"context"
	"testing"
	"time"

	"onelogin-helpdesk/notify"
	"onelogin-helpdesk/notify/notifytest"
	"onelogin-helpdesk/pgstore/pgtest"
)

func TestPostgres_mailConforms(t *testing.T) {
	notifytest.Conformance(t, func(t *testing.T) notify.Store { return open(t, pgtest.URL(t), nil) })
}

// TestPostgres_replicasClaimEachMailOnce: two stores on one database, as
// two replicas, claim queued mails from four goroutines each: every mail
// is claimed by exactly one of them.
func TestPostgres_replicasClaimEachMailOnce(t *testing.T) {
	u := pgtest.URL(t)
	replicas := []*Store{open(t, u, nil), open(t, u, nil)}
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const mails = 40
	for i := range mails {
		if _, err := replicas[i%2].EnqueueMail(ctx, notify.Mail{AuditID: int64(i + 1), Kind: notify.KindUnlock,
			To: "ada@example.com", Subject: "Your account was unlocked", Body: "b", Created: t0}); err != nil {
			t.Fatal(err)
		}
	}
	got := notifytest.ClaimConcurrently(t, t0, replicas[0], replicas[1])
	if len(got) != mails {
		t.Errorf("%d mails claimed, want %d", len(got), mails)
	}
}
