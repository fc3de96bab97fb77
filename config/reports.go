package config

import "strings"

// Tickets is how the console shows the tickets staff give.
type Tickets struct {
	// URL is a ticket's page in the ticketing system, with {ticket} where
	// the ticket goes (path-escaped); "" shows tickets as plain text.
	URL string
}

// Reports is who reads the Reports page.
type Reports struct {
	// Helpdesk lets helpdesk staff read it; admins always may.
	Helpdesk bool
}

// ticketURL accepts "" or an absolute http(s) URL template with {ticket}.
func (p *parser) ticketURL(v string) string {
	if v == "" {
		return ""
	}
	if !strings.Contains(v, "{ticket}") {
		p.fail("must contain {ticket} where the ticket goes, e.g. https://acme.atlassian.net/browse/{ticket}")
		return ""
	}
	if p.httpURL(strings.ReplaceAll(v, "{ticket}", "T")) == "" {
		return ""
	}
	return v
}

// reportViewers reads the roles that may read the Reports page: admin,
// and helpdesk if named.
func (p *parser) reportViewers(v string) Reports {
	var r Reports
	for _, role := range strings.Split(v, ",") {
		switch strings.ToLower(strings.TrimSpace(role)) {
		case "admin", "":
		case "helpdesk":
			r.Helpdesk = true
		default:
			p.fail("must list roles among admin and helpdesk, e.g. admin,helpdesk")
			return Reports{}
		}
	}
	return r
}
