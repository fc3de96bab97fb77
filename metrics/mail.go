package metrics

import (
	"context"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"onelogin-helpdesk/notify"
)

// Mail registers the mails' metrics and returns the notify.Observer that
// counts attempts; call it once. The queue's size by state is read from
// store when scraped:
//
//	helpdesk_mail_attempts_total{outcome="sent|retried|failed"}
//	helpdesk_mail_queue{state="pending|sending|failed"}
func (m *Metrics) Mail(store notify.Store) notify.Observer {
	attempts := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "helpdesk_mail_attempts_total",
		Help: "Attempts to send a mail telling a person of a change to their account, by outcome (sent; retried: will be tried again; failed: given up, an admin should look).",
	}, []string{"outcome"})
	for _, o := range []string{notify.OutcomeSent, notify.OutcomeRetried, notify.OutcomeFailed} {
		attempts.WithLabelValues(o)
	}
	m.reg.MustRegister(attempts)
	for _, st := range []notify.State{notify.StatePending, notify.StateSending, notify.StateFailed} {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "helpdesk_mail_queue",
			Help:        "Mails in the queue by state (failed ones stay until pruned); NaN when the store did not answer.",
			ConstLabels: prometheus.Labels{"state": string(st)},
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			c, err := store.MailCounts(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(map[notify.State]int{notify.StatePending: c.Pending, notify.StateSending: c.Sending, notify.StateFailed: c.Failed}[st])
		}))
	}
	return mailObserver{attempts}
}

type mailObserver struct{ attempts *prometheus.CounterVec }

// MailOutcome implements notify.Observer.
func (o mailObserver) MailOutcome(outcome string) { o.attempts.WithLabelValues(outcome).Inc() }
