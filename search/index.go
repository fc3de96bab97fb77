package search

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"onelogin-helpdesk/directory"
)

// The same search, answered from the directory index (package directory)
// instead of OneLogin's listing: each typed word matches the start of a
// name, the username or the email, accents and case ignored, one typo
// forgiven in longer names, ranked exact before prefix before fuzzy and
// name before username before email. The filters are the listing's, plus
// those only the index has (status, department, manager). What only the
// listing reads (a user id, * wildcards, a whole domain, creation dates)
// keeps the listing.

// indexOnly are the filters only the index answers.
type indexOnly struct {
	cond       directory.Condition
	department string
	manager    int64
}

func (o indexOnly) set() bool { return o.cond != "" || o.department != "" || o.manager != 0 }

// ConditionWords names a condition as the status filter and the results
// say it.
func ConditionWords(c directory.Condition) string {
	switch c {
	case directory.PasswordExpired:
		return "password expired"
	case directory.AwaitingReset:
		return "awaiting password reset"
	case directory.NeverActivated:
		return "never activated"
	}
	return string(c)
}

// readIndexOnly checks the index's own filters and says them in rules.
func readIndexOnly(in Query, o *indexOnly, rules *[]string) error {
	if in.Status != "" {
		c := directory.Condition(in.Status)
		if !c.Valid() {
			return invalid("Choose the status from the list.")
		}
		o.cond = c
		*rules = append(*rules, "status "+ConditionWords(c))
	}
	if in.Department != "" {
		if utf8.RuneCountInString(in.Department) > maxLen {
			return invalid(fmt.Sprintf("The department is longer than %d characters; type less of it.", maxLen))
		}
		o.department = in.Department
		*rules = append(*rules, "department “"+in.Department+"”")
	}
	if in.Manager != "" {
		id, err := strconv.ParseInt(in.Manager, 10, 64)
		if !digits.MatchString(in.Manager) || err != nil || id <= 0 {
			return invalid(fmt.Sprintf("A manager is given by their user id, a whole number like 12345; %q is not.", clip(in.Manager)))
		}
		o.manager = id
		*rules = append(*rules, "manager "+in.Manager)
	}
	return nil
}

// NeedsIndex reports whether the search has a filter only the directory
// index answers (status, department, manager).
func (p Plan) NeedsIndex() bool { return p.only.set() }

// Indexed is the search as a query of the directory index, with its rule
// in words, and false when only OneLogin's listing can answer it: a user
// id, a * wildcard or a whole domain (@example.com), or a creation date.
func (p Plan) Indexed() (directory.Query, string, bool) {
	b := p.base
	if !p.searched || p.wild || b.ID != "" || !b.Since.IsZero() || !b.Until.IsZero() {
		return directory.Query{}, "", false
	}
	q := directory.Query{Text: strings.Join(strings.Fields(strings.ReplaceAll(p.box, ",", " ")), " "), Department: p.only.department, ManagerID: p.only.manager}
	var rules []string
	if words := strings.Fields(q.Text); len(words) > 0 {
		rules = append(rules, "names, username or email starting with “"+strings.Join(words, "” and “")+"”")
	}
	if p.only.cond != "" {
		q.Conditions = []directory.Condition{p.only.cond}
		rules = append(rules, "status "+ConditionWords(p.only.cond))
	}
	if p.only.department != "" {
		rules = append(rules, "department “"+p.only.department+"”")
	}
	if p.only.manager != 0 {
		rules = append(rules, "manager "+strconv.FormatInt(p.only.manager, 10))
	}
	// Parse checked these are whole numbers.
	if b.RoleID != "" {
		q.RoleID, _ = strconv.ParseInt(b.RoleID, 10, 64)
		rules = append(rules, "role "+b.RoleID)
	}
	if b.DirectoryID != "" {
		q.DirectoryID, _ = strconv.ParseInt(b.DirectoryID, 10, 64)
		rules = append(rules, "directory "+b.DirectoryID)
	}
	for k, v := range b.CustomAttributes {
		q.Custom = map[string]string{k: v}
		rules = append(rules, k+" is “"+v+"”")
	}
	return q, strings.Join(rules, ", "), true
}
