package fakeonelogin

import (
	"errors"
	"strings"
)

// DeliverMail puts a mail the console sent (telling a person of a change to
// their account) in the fake inbox, as a demo's mail server: it shows on
// /_fake/inbox with the texts and codes OneLogin sent. A mail to an address
// outside the tenant is kept too, under nobody, as a catch-all sink would.
func (t *Tenant) DeliverMail(to, subject, body string) error {
	to = strings.TrimSpace(to)
	if to == "" || strings.ContainsAny(to, "\r\n") {
		return errors.New("fakeonelogin: a mail needs one recipient address")
	}
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.deliver(Message{At: now, UserID: t.byEmail[strings.ToLower(to)], Channel: ChannelEmail, To: to, Subject: subject, Body: body})
	return nil
}
