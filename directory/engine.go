package directory

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Query is a search of the index. Every part given must match.
type Query struct {
	// Text is what the agent typed: each word must match the person's
	// names, username or email (accent- and case-insensitive, by prefix,
	// and with one typo in words of minTypoLen letters or more).
	Text string
	// Conditions keeps people in any of them (none: everyone).
	Conditions []Condition
	RoleID     int64
	// Department matches the whole department, accent- and case-insensitive.
	Department  string
	ManagerID   int64 // manager_user_id
	DirectoryID int64
	// Custom keeps people whose custom attribute (by shortname) equals the
	// value, accent- and case-insensitive.
	Custom map[string]string
	// Limit is how many hits to return (0: DefaultLimit); Result.Total
	// counts them all.
	Limit int
}

// DefaultLimit is the number of hits a query returns unless it says.
const DefaultLimit = 50

// minTypoLen is the shortest word a typo is forgiven in: shorter ones
// would match too many people.
const minTypoLen = 5

// Match is how well a word of the query matched, best first.
type Match int

// The kinds of match.
const (
	Exact Match = iota
	Prefix
	Fuzzy
)

// Field is where a word of the query matched, best first.
type Field int

// The fields searched.
const (
	FieldName Field = iota
	FieldUsername
	FieldEmail
)

// Hit is one person found, with how well they matched: Match is the
// weakest match among the query's words (Exact for a filter-only query),
// Score orders hits of the same Match (lower is better).
type Hit struct {
	Person Person
	Match  Match
	Score  int
}

// entry is a person with their searchable text folded once.
type entry struct {
	p        Person
	names    []string // name words, and each name without its punctuation
	username string
	email    string
	dept     string
	custom   map[string]string
	sortKey  string // folded "lastname firstname" for the filter-only order
}

func newEntry(p Person) *entry {
	e := &entry{p: p, username: fold(p.Username), email: fold(p.Email), dept: fold(strings.TrimSpace(p.Department))}
	for _, n := range []string{p.Firstname, p.Lastname} {
		f := fold(n)
		ws := words(f)
		e.names = append(e.names, ws...)
		if len(ws) > 1 {
			e.names = append(e.names, strings.Join(ws, ""))
		}
	}
	if len(p.Custom) > 0 {
		e.custom = make(map[string]string, len(p.Custom))
		for k, v := range p.Custom {
			e.custom[k] = fold(strings.TrimSpace(v))
		}
	}
	e.sortKey = fold(p.Lastname) + "\x00" + fold(p.Firstname) + "\x00" + e.email
	return e
}

func compareEntries(a, b *entry) int {
	if c := strings.Compare(a.sortKey, b.sortKey); c != 0 {
		return c
	}
	return cmp.Compare(a.p.ID, b.p.ID)
}

// Engine searches a set of people in memory: plain Go over the rows,
// kept in name order. It is not safe for concurrent use; Index guards it.
type Engine struct {
	list []*entry // sorted by compareEntries
	byID map[int64]*entry
}

// NewEngine returns an engine over people.
func NewEngine(people []Person) *Engine {
	e := &Engine{byID: make(map[int64]*entry, len(people))}
	e.list = make([]*entry, 0, len(people))
	for _, p := range people {
		if _, dup := e.byID[p.ID]; dup {
			continue
		}
		en := newEntry(p.clone())
		e.byID[p.ID] = en
		e.list = append(e.list, en)
	}
	slices.SortFunc(e.list, compareEntries)
	return e
}

// Len is the number of people in the engine.
func (e *Engine) Len() int { return len(e.list) }

// Put adds p or replaces the person with p's id.
func (e *Engine) Put(p Person) {
	e.Remove(p.ID)
	en := newEntry(p.clone())
	i, _ := slices.BinarySearchFunc(e.list, en, compareEntries)
	e.list = slices.Insert(e.list, i, en)
	e.byID[p.ID] = en
}

// Remove drops the person with id, if there.
func (e *Engine) Remove(id int64) {
	en, ok := e.byID[id]
	if !ok {
		return
	}
	delete(e.byID, id)
	if i, found := slices.BinarySearchFunc(e.list, en, compareEntries); found {
		e.list = slices.Delete(e.list, i, i+1)
	}
}

// Get returns the person with id.
func (e *Engine) Get(id int64) (Person, bool) {
	en, ok := e.byID[id]
	if !ok {
		return Person{}, false
	}
	return en.p.clone(), true
}

// compiled is a query folded once.
type compiled struct {
	q     Query
	terms []term
	conds map[Condition]bool
	dept  string
	cust  map[string]string
}

// term is one typed word: as typed (folded) for email and username, and
// without punctuation for names.
type term struct {
	raw, name string
}

func compile(q Query) compiled {
	c := compiled{q: q, dept: fold(strings.TrimSpace(q.Department))}
	for _, w := range strings.Fields(fold(q.Text)) {
		c.terms = append(c.terms, term{raw: w, name: alnum(w)})
	}
	if len(q.Conditions) > 0 {
		c.conds = map[Condition]bool{}
		for _, cd := range q.Conditions {
			c.conds[cd] = true
		}
	}
	if len(q.Custom) > 0 {
		c.cust = map[string]string{}
		for k, v := range q.Custom {
			c.cust[k] = fold(strings.TrimSpace(v))
		}
	}
	return c
}

// keep applies the filters.
func (c *compiled) keep(en *entry, now time.Time) bool {
	p := &en.p
	switch {
	case c.conds != nil && !c.conds[p.ConditionAt(now)],
		c.q.RoleID != 0 && !slices.Contains(p.RoleIDs, c.q.RoleID),
		c.dept != "" && en.dept != c.dept,
		c.q.ManagerID != 0 && p.ManagerUserID != c.q.ManagerID,
		c.q.DirectoryID != 0 && p.DirectoryID != c.q.DirectoryID:
		return false
	}
	for k, v := range c.cust {
		if en.custom[k] != v {
			return false
		}
	}
	return true
}

// noMatch is worse than any match.
const noMatch = 1 << 10

// rank scores how term t matches en: match kind times 3 plus the field,
// so exact beats prefix beats fuzzy, and within each name beats username
// beats email. noMatch when it does not match.
func rank(en *entry, t term) int {
	best := noMatch
	try := func(m Match, f Field) {
		best = min(best, int(m)*3+int(f))
	}
	if t.name != "" {
		for _, w := range en.names {
			switch {
			case w == t.name:
				return int(Exact)*3 + int(FieldName)
			case strings.HasPrefix(w, t.name):
				try(Prefix, FieldName)
			case len(t.name) >= minTypoLen && fuzzyPrefix(t.name, w):
				try(Fuzzy, FieldName)
			}
		}
	}
	for _, f := range [...]struct {
		s     string
		field Field
	}{{en.username, FieldUsername}, {en.email, FieldEmail}} {
		switch {
		case f.s == "":
		case f.s == t.raw:
			try(Exact, f.field)
		case strings.HasPrefix(f.s, t.raw):
			try(Prefix, f.field)
		case f.field == FieldUsername && len(t.raw) >= minTypoLen && fuzzyPrefix(t.raw, f.s):
			try(Fuzzy, f.field)
		}
	}
	return best
}

// fuzzyPrefix reports whether t is one edit away from w or from a prefix
// of w (a typo in a word still being typed).
func fuzzyPrefix(t, w string) bool {
	if withinOne(t, w) {
		return true
	}
	for n := len(t) - 1; n <= len(t)+1; n++ {
		if n > 0 && n < len(w) && withinOne(t, w[:n]) {
			return true
		}
	}
	return false
}

// Search returns the hits for q at time now (conditions depend on it),
// best first, and how many there are in all. Without text, hits are in
// name order.
func (e *Engine) Search(q Query, now time.Time) (hits []Hit, total int) {
	c := compile(q)
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if len(c.terms) == 0 {
		for _, en := range e.list {
			if c.keep(en, now) {
				if total < limit {
					hits = append(hits, Hit{Person: en.p.clone()})
				}
				total++
			}
		}
		return hits, total
	}
	type scored struct {
		en    *entry
		worst int // weakest match kind
		sum   int
	}
	var found []scored
	for _, en := range e.list {
		s := scored{en: en}
		for _, t := range c.terms {
			r := rank(en, t)
			if r == noMatch {
				s.worst = noMatch
				break
			}
			s.worst = max(s.worst, r/3)
			s.sum += r
		}
		if s.worst != noMatch && c.keep(en, now) {
			found = append(found, s)
		}
	}
	// Stable: equal scores stay in name order.
	slices.SortStableFunc(found, func(a, b scored) int {
		if c := cmp.Compare(a.worst, b.worst); c != 0 {
			return c
		}
		return cmp.Compare(a.sum, b.sum)
	})
	for _, s := range found[:min(limit, len(found))] {
		hits = append(hits, Hit{Person: s.en.p.clone(), Match: Match(s.worst), Score: s.sum})
	}
	return hits, len(found)
}

// LockedNow is everyone locked at time now, the soonest-ending lock last
// and locks without end first (they need someone to act).
func (e *Engine) LockedNow(now time.Time) []Person {
	var out []Person
	for _, en := range e.list {
		if en.p.ConditionAt(now) == Locked {
			out = append(out, en.p.clone())
		}
	}
	slices.SortStableFunc(out, func(a, b Person) int {
		switch {
		case a.LockedUntil.IsZero() != b.LockedUntil.IsZero():
			if a.LockedUntil.IsZero() {
				return -1
			}
			return 1
		}
		return b.LockedUntil.Compare(a.LockedUntil)
	})
	return out
}
