// Package notify tells a person by mail what was done to their account: an
// unlock, a password reset, a set-password link, a factor removed or a
// temporary MFA token, whether by the helpdesk or by the person on a
// self-service page. It is the backstop of every unlock path: whoever did
// not ask for the change hears of it, and whom to call.
//
//	n := notify.New(store, sender, notify.Options{From: from, Contact: contact})
//	go n.Run(ctx) // one courier per replica; the store hands each mail to one
//	told, err := n.Notify(ctx, notify.Notice{Kind: notify.KindUnlock, By: notify.ByHelpdesk, ...})
//	// record told in the audit trail; err only says why not
//
// It owns the wording of the mails, the queue's rules (a Store keeps the
// queue: sqlitestore, pgstore, and notifytest's memory store and
// conformance suite) and the courier that sends them with retries and
// backoff. Notify only queues: sending never blocks or undoes the action
// it reports, and a mail that cannot be sent ends failed, for an admin to
// see (Store.Mails) and in the metrics (Observer).
//
// It must never put a secret in a mail (a Notice has no field that could
// carry a password, token or code), never send anything but the fixed
// notices written here, and never read the environment or print the
// sender's credentials.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kind is what was done to the account.
type Kind string

// The changes a person is told of.
const (
	KindUnlock        Kind = "unlock"
	KindPasswordReset Kind = "password_reset"
	KindPasswordLink  Kind = "password_link"
	KindFactorRemoved Kind = "factor_removed"
	KindTempToken     Kind = "temp_token"
)

// Kinds lists every kind, in the order the admin page shows them.
var Kinds = []Kind{KindUnlock, KindPasswordReset, KindPasswordLink, KindFactorRemoved, KindTempToken}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// By is who made the change.
type By string

// Who makes changes.
const (
	ByHelpdesk By = "helpdesk" // staff, in the console
	BySelf     By = "self"     // the person, on a self-service page
)

// Notice is one change to tell a person of. It holds nothing secret: no
// password, token, code or link.
type Notice struct {
	Kind Kind
	By   By
	// UserID, Email and Name are the person as OneLogin knows them; the
	// mail goes to Email.
	UserID int64
	Email  string
	Name   string
	// At is when the change was made.
	At time.Time
	// Ticket is the ticket staff gave, if any.
	Ticket string
	// Factor names the factor removed (KindFactorRemoved), e.g.
	// "Google Authenticator".
	Factor string
	// Until is when a temporary MFA token stops working (KindTempToken).
	Until time.Time
	// AuditID is the audit record of the change, so its page can show
	// whether the mail went out.
	AuditID int64
}

// State is where a queued mail is.
type State string

// The states of a mail.
const (
	StatePending State = "pending" // waiting for its (next) attempt
	StateSending State = "sending" // a courier holds it under a lease
	StateSent    State = "sent"
	StateFailed  State = "failed" // given up: an admin should look
)

// Mail is one queued mail.
type Mail struct {
	ID      int64
	AuditID int64
	UserID  int64
	Kind    Kind
	To      string
	Subject string
	Body    string
	Created time.Time
	State   State
	// Attempts counts the sends begun, the one in hand included.
	Attempts int
	// Next is when a pending mail may be tried (again).
	Next time.Time
	// Owner and LeaseUntil are the courier sending the mail and until
	// when its claim holds; "" and zero when none does.
	Owner      string
	LeaseUntil time.Time
	// LastError is why the last attempt failed, in words without secrets.
	LastError string
	// Ended is when the mail was sent or given up.
	Ended time.Time
}

// Filter selects mails for the admin page, newest first.
type Filter struct {
	State   State // "" for all
	AuditID int64 // 0 for all
	Limit   int   // 0 for DefaultLimit
}

// DefaultLimit is how many mails Mails returns when the filter gives none.
const DefaultLimit = 100

// PageSize is how many mails Mails returns at most: Limit, or DefaultLimit
// when it gives none.
func (f Filter) PageSize() int {
	if f.Limit <= 0 {
		return DefaultLimit
	}
	return f.Limit
}

// Counts are the queued mails by state.
type Counts struct {
	Pending, Sending, Sent, Failed int
}

// Store keeps the queue. Every method is safe for concurrent use, and with
// a shared store by several replicas: ClaimMail hands a mail to one
// courier at a time.
type Store interface {
	// EnqueueMail adds a pending mail, due at once, and returns its id.
	EnqueueMail(ctx context.Context, m Mail) (int64, error)
	// ClaimMail takes the pending mail due longest (Next <= now), or a
	// sending one whose lease ran out, for owner until now+ttl, and
	// counts the attempt. ok is false when none is due.
	ClaimMail(ctx context.Context, owner string, now time.Time, ttl time.Duration) (m Mail, ok bool, err error)
	// MailSent ends a mail owner holds as sent.
	MailSent(ctx context.Context, id int64, owner string, now time.Time) error
	// MailRetry puts a mail owner holds back to pending, due at next.
	MailRetry(ctx context.Context, id int64, owner string, next time.Time, lastError string) error
	// MailFailed ends a mail owner holds as failed.
	MailFailed(ctx context.Context, id int64, owner string, now time.Time, lastError string) error
	// Mails lists mails, newest first.
	Mails(ctx context.Context, f Filter) ([]Mail, error)
	// MailCounts counts the mails by state.
	MailCounts(ctx context.Context) (Counts, error)
	// PruneMails deletes sent and failed mails that ended before before.
	PruneMails(ctx context.Context, before time.Time) (int64, error)
}

// Errors a Store returns.
var (
	ErrNotFound = errors.New("notify: no such mail")
	// ErrLeaseLost is a change by a courier that does not hold the mail
	// (its lease ran out and another courier claimed it, or it ended).
	ErrLeaseLost = errors.New("notify: the mail is not held by this courier")
	// ErrInvalid is a mail that cannot be queued as given.
	ErrInvalid = errors.New("notify: invalid mail")
)

// NotHeld is a store's error for a change to mail id that the courier does
// not hold: ErrNotFound when there is no such mail, else ErrLeaseLost.
func NotHeld(id int64, exists bool) error {
	if !exists {
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	return fmt.Errorf("%w: %d", ErrLeaseLost, id)
}

// Truncate shortens s to at most n bytes on a rune boundary; stores and
// the courier keep error texts short with it.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}

// MaxErrorLen bounds LastError.
const MaxErrorLen = 500

// CheckMail is the validation every store applies before queueing.
func CheckMail(m Mail) error {
	if m.To == "" || m.Subject == "" || m.Body == "" || !m.Kind.Valid() {
		return ErrInvalid
	}
	return nil
}
