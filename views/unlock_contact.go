package views

import "strings"

// contactIsURL reports whether the helpdesk contact is a web address to
// link to (https or http), not a phone number or text.
func contactIsURL(c string) bool {
	l := strings.ToLower(c)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}
