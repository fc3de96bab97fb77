package search

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"onelogin-helpdesk/client"
)

const (
	// maxLen bounds the typed search and the custom attribute value.
	maxLen = 200
	// maxCursorLen bounds a paging cursor.
	maxCursorLen = 4096
)

// Query is a search as staff give it: the box, the filters, and at most one
// of the paging cursors After and Before (from a Result).
type Query struct {
	Q, Role, Directory, Since, Until, Attr, Value string
	// Status, Department and Manager (a manager's user id) are filters
	// only the directory index answers: OneLogin's listing has none.
	Status, Department, Manager string
	After, Before               string
}

// InputError refuses a search before any call: its Message is fit to show
// the person who typed it.
type InputError struct{ Message string }

func (e *InputError) Error() string { return e.Message }

func invalid(msg string) error { return &InputError{Message: msg} }

// Plan is a validated search: the OneLogin query (or the listings whose
// results are merged) and how the box was read.
type Plan struct {
	searched bool
	base     client.ListUsersQuery // filters common to every query
	// merged, when set, are the listings a search runs at once and merges
	// by id (one word: four; several words: both orders of the names).
	merged []listing
	// terms are the typed words, lower-cased and without wildcards, which
	// order merged results by relevance.
	terms []string
	rule  string
	attr  string // custom attribute filtered on, checked against the tenant's list
	// Paging: single searches pass OneLogin's cursors through; merged ones
	// carry a mergedPage.
	after, before string
	pos           *mergedPage
	// box is the box as typed (spaces squeezed); wild says it has a *
	// or a leading @ (a domain), which only OneLogin's listing reads.
	box  string
	wild bool
	// only holds the filters only the index answers.
	only indexOnly
}

// Searched reports whether there is anything to look for: without it the
// caller shows no results and the cursors mean nothing.
func (p Plan) Searched() bool { return p.searched }

// Rule says in words what the search looks for.
func (p Plan) Rule() string { return p.rule }

// RoleID is the role filtered on, "" for none.
func (p Plan) RoleID() string { return p.base.RoleID }

// Attr is the custom attribute filtered on, "" for none; the caller checks
// that the tenant has it.
func (p Plan) Attr() string { return p.attr }

// listing is one OneLogin users listing of a merged search: the base query
// with these name fields set. Key names it in the paging token.
type listing struct {
	Key       string `json:"k"`
	Username  string `json:"u,omitempty"`
	Firstname string `json:"f,omitempty"`
	Lastname  string `json:"l,omitempty"`
	Email     string `json:"e,omitempty"`
}

func (l listing) query(base client.ListUsersQuery) client.ListUsersQuery {
	q := base
	if l.Username != "" {
		q.Username = l.Username
	}
	if l.Firstname != "" {
		q.Firstname = l.Firstname
	}
	if l.Lastname != "" {
		q.Lastname = l.Lastname
	}
	if l.Email != "" {
		q.Email = l.Email
	}
	return q
}

var (
	digits   = regexp.MustCompile(`^[0-9]{1,19}$`)
	attrName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// Parse checks a search without calling anyone and turns it into a plan;
// dates are read in loc. Its errors are *InputError.
func Parse(in Query, loc *time.Location) (Plan, error) {
	var p Plan
	if utf8.RuneCountInString(in.Q) > maxLen {
		return p, invalid(fmt.Sprintf("The search is longer than %d characters; type less of it.", maxLen))
	}
	if in.After != "" && in.Before != "" {
		return p, invalid("A page link cannot ask for the pages after and before at once. Start the search again from the box.")
	}
	if len(in.After) > maxCursorLen || len(in.Before) > maxCursorLen {
		return p, invalid("This page link is damaged. Start the search again from the box.")
	}
	if in.Q != "" {
		if err := readBox(in.Q, &p); err != nil {
			return p, err
		}
	}
	var rules []string
	if err := readIndexOnly(in, &p.only, &rules); err != nil {
		return p, err
	}
	if in.Role != "" {
		if !digits.MatchString(in.Role) {
			return p, invalid("Choose the role from the list of roles.")
		}
		p.base.RoleID = in.Role
		rules = append(rules, "role "+in.Role)
	}
	if in.Directory != "" {
		if !digits.MatchString(in.Directory) {
			return p, invalid(fmt.Sprintf("A directory id is a whole number, like 12345; %q is not.", clip(in.Directory)))
		}
		p.base.DirectoryID = in.Directory
		rules = append(rules, "directory "+in.Directory)
	}
	var since, until time.Time
	var err error
	if in.Since != "" {
		if since, err = time.ParseInLocation(time.DateOnly, in.Since, loc); err != nil {
			return p, invalid(fmt.Sprintf("“Created on or after” must be a date like 2024-05-31; %q is not.", clip(in.Since)))
		}
		// OneLogin's since is "created strictly after".
		p.base.Since = since
		rules = append(rules, "created on or after "+in.Since)
	}
	if in.Until != "" {
		if until, err = time.ParseInLocation(time.DateOnly, in.Until, loc); err != nil {
			return p, invalid(fmt.Sprintf("“Created on or before” must be a date like 2024-05-31; %q is not.", clip(in.Until)))
		}
		// OneLogin's until is "created strictly before": the next midnight
		// includes the whole day the person picked.
		p.base.Until = until.AddDate(0, 0, 1)
		rules = append(rules, "created on or before "+in.Until)
	}
	if !since.IsZero() && !until.IsZero() && since.After(until) {
		return p, invalid("“Created on or after” is later than “created on or before”, so nobody can match. Swap the dates.")
	}
	switch {
	case in.Attr != "" && !attrName.MatchString(in.Attr):
		return p, invalid("Choose the custom attribute from the list.")
	case in.Attr != "" && in.Value == "":
		return p, invalid(fmt.Sprintf("Type the value of %s to look for (use * for any value that starts with what you type).", in.Attr))
	case in.Attr == "" && in.Value != "":
		return p, invalid("Choose which custom attribute the value is for.")
	case utf8.RuneCountInString(in.Value) > maxLen:
		return p, invalid(fmt.Sprintf("The attribute value is longer than %d characters; type less of it.", maxLen))
	case in.Attr != "":
		if err := checkWildcards(in.Value); err != nil {
			return p, err
		}
		p.base.CustomAttributes = map[string]string{in.Attr: in.Value}
		p.attr = in.Attr
		p.wild = p.wild || strings.Contains(in.Value, "*")
		rules = append(rules, describe(in.Attr, in.Value))
	}

	p.searched = in.Q != "" || len(rules) > 0
	if len(rules) > 0 {
		if p.rule != "" {
			rules = append([]string{p.rule}, rules...)
		}
		p.rule = strings.Join(rules, ", ")
	}
	if !p.searched {
		return p, nil // no search: the cursors mean nothing
	}
	if p.merged == nil {
		p.after, p.before = in.After, in.Before
		return p, nil
	}
	if tok := in.After + in.Before; tok != "" {
		m, ok := decodeMergedPage(tok, p.merged)
		if !ok {
			return p, invalid("This page link is damaged or belongs to another search. Start the search again from the box.")
		}
		p.pos = m
	}
	return p, nil
}

// readBox reads the one search box. The rule, also shown as help text
// (views.SearchHelp), with what each form costs in OneLogin calls (the
// listings of a merged search run at once, so each costs one round trip):
//
//   - a whole number                → that user id (1 call)
//   - contains @                    → email starts with it; a leading @ (@example.com)
//     means email ends with it, i.e. a whole domain (1 call)
//   - "last, first"                 → last name and first name start with them (1 call)
//   - two words                     → first name starts with one and last name with the
//     other, in either order (2 calls, merged)
//   - three or more words           → first name the first words and last name the last,
//     first name the first word and last name the rest, or last name the first word and
//     first name the rest (3 calls, merged)
//   - one word                      → username, first name, last name or email starts with
//     it (4 calls, merged)
//
// A search settles at 4 calls or fewer: the filters add nothing (they go
// into every listing), the next page costs the same or less (a listing that
// has run out is not asked again), and the same search asked again within
// the cache's time costs none (Searcher).
//
// Every word gets a trailing * (prefix search) unless the person typed a *
// in it; OneLogin only allows * at the start or end of a value.
func readBox(q string, p *Plan) error {
	q = strings.Join(strings.Fields(q), " ")
	p.box, p.wild = q, strings.Contains(q, "*") || strings.HasPrefix(q, "@")
	switch {
	case digits.MatchString(q):
		p.base.ID = q
		p.rule = "user id " + q
	case strings.Contains(q, "@"):
		if strings.Contains(q, " ") {
			return invalid("An email cannot contain spaces. Type the email alone, or a name without @.")
		}
		v := q
		if strings.HasPrefix(v, "@") && !strings.Contains(v, "*") {
			v = "*" + v
		} else if err := withPrefix(&v); err != nil {
			return err
		}
		p.base.Email = v
		p.rule = describe("email", v)
	case strings.Contains(q, ","):
		last, first, _ := strings.Cut(q, ",")
		last, first = strings.TrimSpace(last), strings.TrimSpace(first)
		if last == "" && first == "" {
			return invalid("Type a name before or after the comma, as in “smith, ann”.")
		}
		var rules []string
		if last != "" {
			if err := withPrefix(&last); err != nil {
				return err
			}
			p.base.Lastname = last
			rules = append(rules, describe("last name", last))
		}
		if first != "" {
			if err := withPrefix(&first); err != nil {
				return err
			}
			p.base.Firstname = first
			rules = append(rules, describe("first name", first))
		}
		p.rule = strings.Join(rules, " and ")
	case strings.Contains(q, " "):
		words := strings.Split(q, " ")
		p.terms = termsOf(words)
		n := len(words)
		var err error
		name := func(ws []string) string {
			v := strings.Join(ws, " ")
			if e := withPrefix(&v); e != nil && err == nil {
				err = e
			}
			return v
		}
		head, tail := name(words[:n-1]), name(words[n-1:])
		first, rest := name(words[:1]), name(words[1:])
		if err != nil {
			return err
		}
		p.merged = []listing{
			{Key: "fl", Firstname: head, Lastname: tail},
			{Key: "lf", Firstname: rest, Lastname: first},
		}
		if n > 2 {
			// A double last name: "maria de la cruz".
			p.merged = append(p.merged, listing{Key: "fr", Firstname: first, Lastname: rest})
		}
		p.rule = describe("first name", head) + " and " + describe("last name", tail) + ", or the other way round"
	default:
		v := q
		if err := withPrefix(&v); err != nil {
			return err
		}
		p.terms = termsOf([]string{q})
		p.merged = []listing{
			{Key: "u", Username: v}, {Key: "f", Firstname: v}, {Key: "l", Lastname: v}, {Key: "e", Email: v},
		}
		p.rule = strings.Replace(describe("username, first name, last name or email", v), " starts", " start", 1)
	}
	return nil
}

// termsOf lowers the typed words and drops their wildcards, for relevance.
func termsOf(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = strings.ToLower(strings.Trim(w, "*"))
	}
	return out
}

// withPrefix makes a term a prefix search unless it carries its own *.
func withPrefix(term *string) error {
	if err := checkWildcards(*term); err != nil {
		return err
	}
	if !strings.Contains(*term, "*") {
		*term += "*"
	}
	return nil
}

// checkWildcards enforces OneLogin's rule: * only at the start or the end.
func checkWildcards(v string) error {
	inner := strings.Trim(v, "*")
	if strings.Contains(inner, "*") {
		return invalid(fmt.Sprintf("OneLogin only understands * at the start or end of a word, not inside %q.", clip(v)))
	}
	if inner == "" {
		return invalid("Type at least one letter or digit besides *.")
	}
	return nil
}

// describe says in words what a OneLogin match value does.
func describe(field, v string) string {
	inner := strings.Trim(v, "*")
	switch head, tail := strings.HasPrefix(v, "*"), strings.HasSuffix(v, "*"); {
	case head && tail:
		return fmt.Sprintf("%s contains “%s”", field, inner)
	case head:
		return fmt.Sprintf("%s ends with “%s”", field, inner)
	case tail:
		return fmt.Sprintf("%s starts with “%s”", field, inner)
	}
	return fmt.Sprintf("%s is “%s”", field, v)
}

// clip shortens typed input quoted back in a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// Suggestion is a search worth trying instead of one that found nobody.
type Suggestion struct {
	Label string
	Query Query
}

// Suggest offers other readings of the box worth trying when a search found
// nobody, with the same filters: each word alone, the parts of an email,
// fewer letters; at most five.
func Suggest(in Query) []Suggestion {
	q := strings.Join(strings.Fields(in.Q), " ")
	filters := in
	filters.After, filters.Before = "", ""
	var out []Suggestion
	seen := map[string]bool{q: true}
	add := func(label, q2 string) {
		q2 = strings.TrimSpace(q2)
		if q2 == "" || seen[q2] || len(out) >= 5 {
			return
		}
		seen[q2] = true
		s := filters
		s.Q = q2
		out = append(out, Suggestion{Label: label, Query: s})
	}
	words := strings.FieldsFunc(q, func(r rune) bool { return r == ' ' || r == ',' })
	switch {
	case q == "" || digits.MatchString(q):
	case strings.Contains(q, "@"):
		local, domain, _ := strings.Cut(q, "@")
		add("“"+local+"” as a name, username or the start of an email", local)
		if domain != "" {
			add("everyone at "+domain, "@"+domain)
		}
	case len(words) > 1:
		for _, w := range words {
			add("“"+w+"” alone", w)
		}
	default:
		if r := []rune(strings.Trim(q, "*")); len(r) > 3 {
			add("fewer letters: “"+string(r[:3])+"”", string(r[:3]))
		}
	}
	return out
}
