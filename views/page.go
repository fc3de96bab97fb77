// Package views holds the console's templ components and the plain view
// models they render. Views never see echo.Context: handlers build a model,
// and each component renders both as a whole page (inside Layout) and as the
// htmx fragment that replaces part of a page.
package views

import (
	"encoding/json"
	"time"

	"onelogin-helpdesk/access"
)

// Page is what the layout needs on every page.
type Page struct {
	Title     string
	Identity  access.Identity
	SignedIn  bool
	CSRFToken string
	// Nav names the active top-level section: "users", "audit", "me".
	Nav    string
	Banner *Banner
	Notice *Notice
	// RequestID lets a person quote the request in a ticket.
	RequestID string
	// SignOutURL is where the sign-out form posts; empty hides it.
	SignOutURL string
	// Demo marks every page as running on the embedded fake tenant.
	Demo bool
	// PasswordPolicy means every password is checked against OneLogin's
	// policy, so the form offers no choice.
	PasswordPolicy bool
	// RequireTicket marks the ticket field of sensitive actions as required.
	RequireTicket bool
	// Ticket is the ticket the signed-in person is working on (set once in
	// the ticket bar); every action form starts with it.
	Ticket string
	// TicketURL is a ticket's page with {ticket} (HELPDESK_TICKET_URL);
	// "" shows tickets as text.
	TicketURL string
	// Reports shows the Reports page in the navigation.
	Reports bool
	// Path is the page's own address, for forms that come back to it.
	Path string
	// SearchBox says the page has the search box itself, so the top bar
	// does not repeat it.
	SearchBox bool
}

// Can reports whether the signed-in person may take an action.
func (p Page) Can(a access.Action) bool { return p.SignedIn && p.Identity.Role.Can(a) }

// Banner is a page-wide message about OneLogin itself (unreachable, rate limited).
type Banner struct {
	Kind    string // "error" or "warning"
	Message string
	// RetryAt, when set, is when trying again makes sense.
	RetryAt time.Time
}

// Notice is the confirmation or failure message next to an action.
type Notice struct {
	Kind    string // "success", "warning" or "error"
	Message string
}

// htmxHeaders is the hx-headers value that makes every htmx request carry the
// CSRF token, so no form needs to repeat it.
func htmxHeaders(token string) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

// htmxConfig keeps htmx within a strict Content-Security-Policy (no inline
// styles, no eval) and lets it swap 4xx answers, so a form with errors comes
// back in place with its messages.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,` +
	`"historyCacheSize":0,"refreshOnHistoryMiss":true,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},` +
	`{"code":"[45]..","swap":true,"error":true}]}`
