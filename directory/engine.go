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
	// and, in names, with one typo in words of minTypoLen letters or more).
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

// Engine searches a set of people in memory: plain Go over the rows, with
// a sorted vocabulary per field (name words, usernames, emails) so a typed
// word is looked up rather than compared with every person. It is not safe
// for concurrent use; Index guards it (and calls Tidy after changes, so
// that searches only read).
type Engine struct {
	list                 []*entry // name order once tidy; may hold replaced entries until then
	byID                 map[int64]*entry
	added                []*entry // put since the last tidy
	dirty                bool     // list holds replaced entries
	names, users, emails wordIndex
}

// NewEngine returns an engine over people.
func NewEngine(people []Person) *Engine {
	e := &Engine{byID: make(map[int64]*entry, len(people))}
	for _, p := range people {
		e.Put(p)
	}
	e.Tidy()
	return e
}

// Len is the number of people in the engine.
func (e *Engine) Len() int { return len(e.byID) }

// Put adds p or replaces the person with p's id.
func (e *Engine) Put(p Person) {
	e.Remove(p.ID)
	en := newEntry(p.clone())
	e.byID[p.ID] = en
	e.added = append(e.added, en)
	for _, w := range en.names {
		e.names.add(w, en)
	}
	e.users.add(en.username, en)
	e.emails.add(en.email, en)
}

// Remove drops the person with id, if there.
func (e *Engine) Remove(id int64) {
	en, ok := e.byID[id]
	if !ok {
		return
	}
	delete(e.byID, id)
	e.dirty = true
	for _, w := range en.names {
		e.names.remove(w, en)
	}
	e.users.remove(en.username, en)
	e.emails.remove(en.email, en)
}

// Tidy puts the engine in order after changes: the name order and the
// vocabularies. Search calls it too; on a tidy engine it only reads.
func (e *Engine) Tidy() {
	if e.dirty {
		e.list = slices.DeleteFunc(e.list, func(en *entry) bool { return e.byID[en.p.ID] != en })
		e.added = slices.DeleteFunc(e.added, func(en *entry) bool { return e.byID[en.p.ID] != en })
		e.dirty = false
	}
	switch {
	case len(e.added) > 64:
		e.list = append(e.list, e.added...)
		slices.SortFunc(e.list, compareEntries)
		e.added = e.added[:0]
	case len(e.added) > 0:
		for _, en := range e.added {
			i, _ := slices.BinarySearchFunc(e.list, en, compareEntries)
			e.list = slices.Insert(e.list, i, en)
		}
		e.added = e.added[:0]
	}
	e.names.tidy()
	e.users.tidy()
	e.emails.tidy()
}

// Get returns the person with id.
func (e *Engine) Get(id int64) (Person, bool) {
	en, ok := e.byID[id]
	if !ok {
		return Person{}, false
	}
	return en.p.clone(), true
}

// wordIndex maps the words of one field to the people who have them.
type wordIndex struct {
	post  map[string][]*entry
	words []string // the keys of post, sorted once tidy
	stale bool
}

func (w *wordIndex) add(word string, en *entry) {
	if word == "" {
		return
	}
	if w.post == nil {
		w.post = map[string][]*entry{}
	}
	if _, ok := w.post[word]; !ok {
		w.stale = true
	}
	w.post[word] = append(w.post[word], en)
}

func (w *wordIndex) remove(word string, en *entry) {
	ens := slices.DeleteFunc(w.post[word], func(x *entry) bool { return x == en })
	if len(ens) == 0 {
		delete(w.post, word)
		w.stale = true
		return
	}
	w.post[word] = ens
}

func (w *wordIndex) tidy() {
	if !w.stale {
		return
	}
	w.words = w.words[:0]
	for k := range w.post {
		w.words = append(w.words, k)
	}
	slices.Sort(w.words)
	w.stale = false
}

// match calls f for each person with a word matching t: exactly, by
// prefix, or (when fuzzy) with one typo.
func (w *wordIndex) match(t string, fuzzy bool, f func(*entry, Match)) {
	if t == "" {
		return
	}
	i, _ := slices.BinarySearch(w.words, t)
	for j := i; j < len(w.words) && strings.HasPrefix(w.words[j], t); j++ {
		m := Prefix
		if w.words[j] == t {
			m = Exact
		}
		for _, en := range w.post[w.words[j]] {
			f(en, m)
		}
	}
	if !fuzzy {
		return
	}
	for _, word := range w.words {
		if len(word) >= len(t)-1 && !strings.HasPrefix(word, t) && fuzzyPrefix(t, word) {
			for _, en := range w.post[word] {
				f(en, Fuzzy)
			}
		}
	}
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
	e.Tidy()
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
	// Each word's best rank per person: match kind times 3 plus the
	// field, so exact beats prefix beats fuzzy, and within each, name
	// beats username beats email.
	perTerm := make([]map[*entry]int, len(c.terms))
	for i, t := range c.terms {
		ranks := map[*entry]int{}
		note := func(f Field) func(*entry, Match) {
			return func(en *entry, m Match) {
				r := int(m)*3 + int(f)
				if old, ok := ranks[en]; !ok || r < old {
					ranks[en] = r
				}
			}
		}
		e.names.match(t.name, len(t.name) >= minTypoLen, note(FieldName))
		// Typos are forgiven in names only: scanning every username and
		// email for them would cost more than the rest of the search.
		e.users.match(t.raw, false, note(FieldUsername))
		e.emails.match(t.raw, false, note(FieldEmail))
		perTerm[i] = ranks
	}
	slices.SortFunc(perTerm, func(a, b map[*entry]int) int { return cmp.Compare(len(a), len(b)) })
	type scored struct {
		en         *entry
		worst, sum int
	}
	var found []scored
	for en, r := range perTerm[0] {
		s := scored{en: en, worst: r / 3, sum: r}
		for _, other := range perTerm[1:] {
			r, ok := other[en]
			if !ok {
				s.worst = -1
				break
			}
			s.worst, s.sum = max(s.worst, r/3), s.sum+r
		}
		if s.worst >= 0 && c.keep(en, now) {
			found = append(found, s)
		}
	}
	slices.SortFunc(found, func(a, b scored) int {
		if c := cmp.Compare(a.worst, b.worst); c != 0 {
			return c
		}
		if c := cmp.Compare(a.sum, b.sum); c != 0 {
			return c
		}
		return compareEntries(a.en, b.en)
	})
	for _, s := range found[:min(limit, len(found))] {
		hits = append(hits, Hit{Person: s.en.p.clone(), Match: Match(s.worst), Score: s.sum})
	}
	return hits, len(found)
}

// LockedNow is everyone locked at time now, the soonest-ending lock last
// and locks without end first (they need someone to act).
func (e *Engine) LockedNow(now time.Time) []Person {
	e.Tidy()
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
