package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"time"
)

// Message is a composed mail as a Sender sends it.
type Message struct {
	From    string
	To      string
	Subject string
	Body    string // plain text
}

// Sender delivers one message: an SMTP server (smtpsend), or in the demo
// the fake tenant's inbox (SenderFunc). Its errors must not carry secrets:
// they are stored and shown to admins. An error wrapped with Permanent is
// not tried again.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SenderFunc makes a function a Sender.
type SenderFunc func(ctx context.Context, m Message) error

// Send implements Sender.
func (f SenderFunc) Send(ctx context.Context, m Message) error { return f(ctx, m) }

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as one that trying again will not cure (the server
// refused the login or the address).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Observer counts what happens to mails (package metrics).
type Observer interface {
	// MailOutcome counts one attempt's outcome: OutcomeSent, OutcomeRetried
	// or OutcomeFailed.
	MailOutcome(outcome string)
}

// The outcomes of an attempt.
const (
	OutcomeSent    = "sent"
	OutcomeRetried = "retried"
	OutcomeFailed  = "failed"
)

// ErrNoAddress is a notice for a person without a usable email address:
// they cannot be told.
var ErrNoAddress = errors.New("notify: the person has no usable email address")

// Options tune a Notifier; the zero value of each field picks its default.
type Options struct {
	// From is the sender address; Contact is how to reach the helpdesk.
	From, Contact string
	// Location is the time zone of the times in mails; default UTC.
	Location *time.Location
	// Owner names this courier in leases; default a random id.
	Owner string
	// Lease is how long a claim on a mail holds: longer than a send may
	// take (SendTimeout). Default 2m.
	Lease time.Duration
	// SendTimeout bounds one attempt. Default 1m.
	SendTimeout time.Duration
	// Poll is how often the courier looks for mail queued by other
	// replicas or due again. Default 30s.
	Poll time.Duration
	// FirstRetry is the wait after the first failed attempt; each next
	// wait doubles, up to MaxRetry. Defaults 1m and 1h.
	FirstRetry, MaxRetry time.Duration
	// Attempts is how many attempts a mail gets before it fails. Default 8
	// (about two hours with the default waits).
	Attempts int
	// Keep is how long sent and failed mails stay listed. Default 90 days.
	Keep time.Duration
	// Observer counts outcomes; nil counts nothing.
	Observer Observer
	// Logger logs failed attempts, without the mail's text; nil discards.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Lease, 2*time.Minute)
	def(&o.SendTimeout, time.Minute)
	def(&o.Poll, 30*time.Second)
	def(&o.FirstRetry, time.Minute)
	def(&o.MaxRetry, time.Hour)
	def(&o.Keep, 90*24*time.Hour)
	// A lease that could run out mid-send would let a second courier send
	// the same mail.
	o.Lease = max(o.Lease, 2*o.SendTimeout)
	if o.Attempts <= 0 {
		o.Attempts = 8
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Owner == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		o.Owner = "mail-" + hex.EncodeToString(b)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Notifier queues notices and, in Run, sends them. A nil *Notifier, or one
// without a Sender, sends no mail: Notify reports the person was not told.
type Notifier struct {
	store  Store
	sender Sender
	o      Options
	wake   chan struct{}
}

// New makes a Notifier that queues in store and sends with sender.
func New(store Store, sender Sender, o Options) *Notifier {
	return &Notifier{store: store, sender: sender, o: o.withDefaults(), wake: make(chan struct{}, 1)}
}

// Notify queues the mail that tells the person of n. queued reports
// whether they will be told (for the audit record); err says why not when
// the notice could not be queued. It never waits for the mail to go out.
func (n *Notifier) Notify(ctx context.Context, nt Notice) (queued bool, err error) {
	if n == nil || n.sender == nil {
		return false, nil
	}
	if !nt.Kind.Valid() || (nt.By != ByHelpdesk && nt.By != BySelf) {
		return false, fmt.Errorf("%w: kind %q by %q", ErrInvalid, nt.Kind, nt.By)
	}
	addr, err := mail.ParseAddress(nt.Email)
	if err != nil || addr.Name != "" || addr.Address != nt.Email {
		return false, ErrNoAddress
	}
	if nt.At.IsZero() {
		nt.At = time.Now()
	}
	subject, body := compose(nt, n.o.Contact, n.o.Location)
	if _, err := n.store.EnqueueMail(ctx, Mail{AuditID: nt.AuditID, UserID: nt.UserID, Kind: nt.Kind,
		To: addr.Address, Subject: subject, Body: body, Created: time.Now()}); err != nil {
		return false, fmt.Errorf("notify: queue the mail: %w", err)
	}
	select {
	case n.wake <- struct{}{}:
	default:
	}
	return true, nil
}

// Told says in words, for the audit record, whether the person of a
// Notify call will be told.
func Told(queued bool, err error) string {
	switch {
	case queued:
		return "the person is told by mail"
	case errors.Is(err, ErrNoAddress):
		return "not told: no usable email address"
	case err != nil:
		return "not told: the mail could not be queued"
	}
	return "not told: mail is off"
}

// Run sends queued mails until ctx ends: whatever is due, then it waits
// for a new notice, a retry coming due or the next poll. Run it once per
// process.
func (n *Notifier) Run(ctx context.Context) {
	if n == nil || n.sender == nil {
		return
	}
	var (
		retries   []time.Time // retries this courier scheduled, still to come
		lastPrune time.Time
	)
	for ctx.Err() == nil {
		for {
			next, ok := n.sendOne(ctx)
			if !ok {
				break
			}
			if !next.IsZero() {
				retries = append(retries, next)
			}
		}
		now := time.Now()
		if now.Sub(lastPrune) >= time.Hour {
			lastPrune = now
			if _, err := n.store.PruneMails(ctx, now.Add(-n.o.Keep)); err != nil && ctx.Err() == nil {
				n.o.Logger.Warn("mail: prune the queue", "err", err)
			}
		}
		wait := n.o.Poll
		retries = slices.DeleteFunc(retries, func(t time.Time) bool { return !t.After(now) })
		for _, t := range retries {
			wait = min(wait, t.Sub(now))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-n.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// sendOne claims one due mail and tries it. ok is false when nothing was
// due (or the store failed); next is when the mail is due again after a
// failed attempt.
func (n *Notifier) sendOne(ctx context.Context) (next time.Time, ok bool) {
	m, ok, err := n.store.ClaimMail(ctx, n.o.Owner, time.Now(), n.o.Lease)
	if err != nil {
		if ctx.Err() == nil {
			n.o.Logger.Warn("mail: claim from the queue", "err", err)
		}
		return time.Time{}, false
	}
	if !ok {
		return time.Time{}, false
	}
	sctx, cancel := context.WithTimeout(ctx, n.o.SendTimeout)
	err = n.sender.Send(sctx, Message{From: n.o.From, To: m.To, Subject: m.Subject, Body: m.Body})
	cancel()
	// The outcome is recorded even when Run is being stopped: the mail
	// went out, or did not, either way.
	rctx := context.WithoutCancel(ctx)
	now := time.Now()
	switch {
	case err == nil:
		err = n.store.MailSent(rctx, m.ID, n.o.Owner, now)
		n.observe(OutcomeSent)
	case IsPermanent(err) || m.Attempts >= n.o.Attempts:
		n.o.Logger.Warn("mail: not sent, given up", "mail", m.ID, "kind", m.Kind, "attempts", m.Attempts, "err", err)
		err = n.store.MailFailed(rctx, m.ID, n.o.Owner, now, Truncate(err.Error(), MaxErrorLen))
		n.observe(OutcomeFailed)
	default:
		next = now.Add(n.backoff(m.Attempts))
		n.o.Logger.Info("mail: not sent, will try again", "mail", m.ID, "kind", m.Kind, "attempts", m.Attempts, "next", next, "err", err)
		err = n.store.MailRetry(rctx, m.ID, n.o.Owner, next, Truncate(err.Error(), MaxErrorLen))
		n.observe(OutcomeRetried)
	}
	if err != nil {
		n.o.Logger.Warn("mail: record the attempt", "mail", m.ID, "err", err)
	}
	return next, true
}

// backoff is the wait after the attempts-th failed attempt: FirstRetry,
// doubling up to MaxRetry.
func (n *Notifier) backoff(attempts int) time.Duration {
	d := n.o.FirstRetry
	for i := 1; i < attempts && d < n.o.MaxRetry; i++ {
		d *= 2
	}
	return min(d, n.o.MaxRetry)
}

func (n *Notifier) observe(outcome string) {
	if n.o.Observer != nil {
		n.o.Observer.MailOutcome(outcome)
	}
}

// Mails lists queued mails for the admin page (Store.Mails); a nil
// Notifier has none.
func (n *Notifier) Mails(ctx context.Context, f Filter) ([]Mail, error) {
	if n == nil {
		return nil, nil
	}
	return n.store.Mails(ctx, f)
}
