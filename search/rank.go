package search

import (
	"cmp"
	"slices"
	"strings"

	"onelogin-helpdesk/client"
)

// Relevance ranks, best first: an exact match before a prefix match, and
// within each a match on the name before one on the username, before one
// on the email.
const (
	exactName = iota
	exactUsername
	exactEmail
	prefixName
	prefixUsername
	prefixEmail
	otherMatch
)

// relevance ranks how well u matches the typed words (lower-cased).
func relevance(u *client.User, terms []string) int {
	first, last := strings.ToLower(u.Firstname), strings.ToLower(u.Lastname)
	if len(terms) > 1 {
		// Several words name the person: exactly (in any split the search
		// tried) or by prefixes.
		n := len(terms)
		head, tail := strings.Join(terms[:n-1], " "), terms[n-1]
		one, rest := terms[0], strings.Join(terms[1:], " ")
		if (first == head && last == tail) || (first == rest && last == one) || (first == one && last == rest) {
			return exactName
		}
		return prefixName
	}
	if len(terms) == 0 || terms[0] == "" {
		return otherMatch
	}
	t := terms[0]
	username, email := strings.ToLower(u.Username), strings.ToLower(u.Email)
	local, _, _ := strings.Cut(email, "@")
	switch {
	case first == t || last == t:
		return exactName
	case username == t:
		return exactUsername
	case email == t || local == t:
		return exactEmail
	case strings.HasPrefix(first, t) || strings.HasPrefix(last, t):
		return prefixName
	case strings.HasPrefix(username, t):
		return prefixUsername
	case strings.HasPrefix(email, t):
		return prefixEmail
	}
	return otherMatch
}

// byRelevance sorts people by relevance to the typed words, then by name
// ignoring case, then by id (ids are unique, so the order is total). Each
// key is computed once and each user, a large struct, moved once: comparing
// and swapping them in place made the sort a tenth of a one-word search's CPU.
func byRelevance(users []client.User, terms []string) []client.User {
	type ranked struct {
		rank int
		key  string
		u    *client.User
	}
	rs := make([]ranked, len(users))
	for i := range users {
		rs[i] = ranked{relevance(&users[i], terms), strings.ToLower(users[i].Name()), &users[i]}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.u.ID, b.u.ID)
	})
	out := make([]client.User, len(rs))
	for i, r := range rs {
		out[i] = *r.u
	}
	return out
}
