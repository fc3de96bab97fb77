package console

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"onelogin-helpdesk/config"
	"onelogin-helpdesk/notify"
	"onelogin-helpdesk/notify/smtpsend"
)

// mailer is the courier that tells people by mail of changes to their
// account, running until Close.
type mailer struct {
	n      *notify.Notifier
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// startMail builds the Notifier and starts its courier: sending through
// HELPDESK_SMTP_URL when it is set, into the fake tenant's inbox in a demo
// without one, and otherwise not at all (a nil Notifier: nobody is told).
func (a *App) startMail(cfg config.Config, st notify.Store, logger *slog.Logger) (*notify.Notifier, error) {
	var sender notify.Sender
	switch {
	case cfg.Mail.SMTPURL != "":
		s, err := smtpsend.New(string(cfg.Mail.SMTPURL))
		if err != nil {
			return nil, fmt.Errorf("HELPDESK_SMTP_URL: %w", err)
		}
		sender = s
	case a.fake != nil:
		tenant := a.fake.Tenant
		sender = notify.SenderFunc(func(_ context.Context, m notify.Message) error {
			return tenant.DeliverMail(m.To, m.Subject, m.Body)
		})
	default:
		return nil, nil
	}
	n := notify.New(st, sender, notify.Options{From: cfg.Mail.From, Contact: cfg.Mail.Contact,
		Location: cfg.HTTP.Location, Observer: a.ops.metrics.Mail(st), Logger: logger})
	ctx, cancel := context.WithCancel(context.Background())
	a.mail = &mailer{n: n, cancel: cancel}
	a.mail.done.Add(1)
	go func() {
		defer a.mail.done.Done()
		n.Run(ctx)
	}()
	return n, nil
}

// stop ends the courier; a mail in hand is finished first.
func (m *mailer) stop() {
	m.cancel()
	m.done.Wait()
}
