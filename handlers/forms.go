package handlers

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Each action's form struct, in the file of its action, is filled from a
// request's form values by its read* function and checked by Validate, which returns a message per field
// (nil when the form is fine) and keeps the parsed values. Validate never
// calls OneLogin: whatever it needs to know about the tenant is passed in.

// fieldErrors maps a form field name to the message shown beside it. The key
// formError holds a message about the form as a whole.
type fieldErrors map[string]string

const formError = "form"

func (e fieldErrors) add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// result is nil when no field was rejected, so callers can test errs != nil.
func (e fieldErrors) result() fieldErrors {
	if len(e) == 0 {
		return nil
	}
	return e
}

// maxTicket bounds the optional ticket reference stored with each action.
const maxTicket = 200

// maxField bounds free-text profile fields; OneLogin documents no limit, this
// only stops pasted novels.
const maxField = 255

func field(v url.Values, name string) string { return strings.TrimSpace(v.Get(name)) }

func checkTicket(ticket string, errs fieldErrors) {
	if utf8.RuneCountInString(ticket) > maxTicket {
		errs.add("ticket", fmt.Sprintf("Keep the ticket or reason under %d characters.", maxTicket))
	}
}

// ticketForm is an action form with nothing but the optional ticket
// (unlock, log out).
type ticketForm struct {
	Ticket string
}

func readTicketForm(v url.Values) ticketForm { return ticketForm{Ticket: field(v, "ticket")} }

func (f *ticketForm) Validate() fieldErrors {
	errs := fieldErrors{}
	checkTicket(f.Ticket, errs)
	return errs.result()
}

func (f ticketForm) values() map[string]string { return map[string]string{"ticket": f.Ticket} }

// checked reads an HTML checkbox: present with "on", "true" or "1".
func checked(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "true", "1", "yes":
		return true
	}
	return false
}
