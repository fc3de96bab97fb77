package search

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"onelogin-helpdesk/client"
)

const (
	// pageSize is OneLogin's own default page; mergedPageSize is the page
	// of each of the listings a merged search runs.
	pageSize       = 50
	mergedPageSize = 25
)

// rowFields are the attributes a search result row shows (name, email,
// username, status with its lock, last sign-in), which are also those the
// merged search sorts by. A search asks for these alone (id always comes
// too): a fifth of a whole user to send and to decode.
var rowFields = []string{"firstname", "lastname", "email", "username", "status", "locked_until", "last_login"}

// Source is where results come from: a users listing that filters, pages
// with before/after cursors and returns at most Limit people with the
// asked Fields. The OneLogin client is one.
type Source interface {
	ListUsers(ctx context.Context, q client.ListUsersQuery) ([]client.User, client.Page, error)
}

// Searcher runs plans against a Source and keeps each answer for a short
// while, so that the same search asked again costs no call.
type Searcher struct {
	src   Source
	cache *cache
}

// DefaultCacheTTL is how long an answer is reused unless told otherwise:
// long enough that the same search asked again while typing, pressing
// Enter or going back costs no call, short enough that a status seen in
// the results is seconds old at most.
const DefaultCacheTTL = 5 * time.Second

// New is a Searcher over src that reuses answers for ttl (0 or less: never)
// as told by now.
func New(src Source, ttl time.Duration, now func() time.Time) *Searcher {
	return &Searcher{src: src, cache: newCache(ttl, now)}
}

// Forget drops every kept answer: an account changed, and a kept row could
// show it as it was.
func (s *Searcher) Forget() { s.cache.clear() }

// Result is one page of a search and the cursors around it.
type Result struct {
	Users []client.User
	Page  int // 1 on the first page; 0 when unknown (single searches)
	// Prev and Next are cursors for Query.Before and Query.After, "" when
	// there is no such page; PrevFirst says the previous page is the first,
	// reached without a cursor.
	Prev, Next string
	PrevFirst  bool
}

// Run answers a plan that Searched, from the kept answers or the Source.
func (s *Searcher) Run(ctx context.Context, p Plan) (Result, error) {
	key := p.cacheKey()
	if r, ok := s.cache.get(key); ok {
		return r, nil
	}
	var r Result
	var err error
	if p.merged == nil {
		r, err = s.one(ctx, p)
	} else {
		r, err = s.merge(ctx, p)
	}
	if err == nil {
		s.cache.put(key, r)
	}
	return r, err
}

// one is a search answered by one listing, whose cursors page it.
func (s *Searcher) one(ctx context.Context, p Plan) (Result, error) {
	q := p.base
	q.Limit, q.Fields = pageSize, rowFields
	q.AfterCursor, q.BeforeCursor = p.after, p.before
	users, pg, err := s.src.ListUsers(ctx, q)
	if err != nil {
		return Result{}, err
	}
	r := Result{Users: users, Prev: pg.BeforeCursor, Next: pg.AfterCursor}
	if p.after == "" && p.before == "" {
		r.Page = 1
	}
	return r, nil
}

// mergedPage is where a merged search stands in each of its listings. It
// travels in the after/before cursor, base64-encoded. Each listing pages
// with the Source's own cursors; a listing that has run out is kept with
// the request for its last page, so "previous" can fetch that page again.
type mergedPage struct {
	N int                 `json:"n"` // page number, from 1
	F map[string]fieldPos `json:"f"` // by listing key
}

type fieldPos struct {
	Dir  string `json:"d,omitempty"` // "a" after, "b" before, "" first page
	C    string `json:"c,omitempty"` // the Source's cursor
	Done int    `json:"e,omitempty"` // page on which the listing ran out; 0 while it has more
}

// mergedPrefix marks the token; m2 tokens name listings by their key.
const mergedPrefix = "m2."

func (m mergedPage) encode() string {
	b, _ := json.Marshal(m)
	return mergedPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// decodeMergedPage reads a token, which must name only listings of this
// search.
func decodeMergedPage(s string, listings []listing) (*mergedPage, bool) {
	raw, ok := strings.CutPrefix(s, mergedPrefix)
	if !ok {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, false
	}
	var m mergedPage
	if json.Unmarshal(b, &m) != nil || m.N < 1 || len(m.F) == 0 {
		return nil, false
	}
	for f, pos := range m.F {
		known := slices.ContainsFunc(listings, func(l listing) bool { return l.Key == f })
		if !known || (pos.Dir != "" && pos.Dir != "a" && pos.Dir != "b") ||
			(pos.Dir != "") == (pos.C == "") || pos.Done < 0 || pos.Done > m.N {
			return nil, false
		}
	}
	return &m, true
}

// merge runs the listings of a merged search concurrently and merges them
// by id, most relevant first. Each page shows the next page of every
// listing that has more; a person matching two listings is shown once per
// page (across pages they can repeat when the listings are out of step).
func (s *Searcher) merge(ctx context.Context, p Plan) (Result, error) {
	cur := p.pos
	if cur == nil {
		cur = &mergedPage{N: 1, F: map[string]fieldPos{}}
		for _, l := range p.merged {
			cur.F[l.Key] = fieldPos{}
		}
	}
	type part struct {
		users []client.User
		page  client.Page
	}
	parts := map[string]part{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, l := range p.merged {
		pos, ok := cur.F[l.Key]
		if !ok || (pos.Done != 0 && pos.Done < cur.N) {
			continue // not in this token, or ran out on an earlier page
		}
		q := l.query(p.base)
		q.Limit, q.Fields = mergedPageSize, rowFields
		switch pos.Dir {
		case "a":
			q.AfterCursor = pos.C
		case "b":
			q.BeforeCursor = pos.C
		}
		g.Go(func() error {
			users, pg, err := s.src.ListUsers(gctx, q)
			if err != nil {
				return err
			}
			mu.Lock()
			parts[l.Key] = part{users, pg}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Result{}, err
	}

	seen := map[int64]bool{}
	var users []client.User
	next := mergedPage{N: cur.N + 1, F: map[string]fieldPos{}}
	prev := mergedPage{N: cur.N - 1, F: map[string]fieldPos{}}
	for _, l := range p.merged {
		pos, inToken := cur.F[l.Key]
		if !inToken {
			continue
		}
		pt, fetched := parts[l.Key]
		if !fetched {
			// Ran out earlier: if on the previous page, that page fetches
			// its last page again (Done == N there); otherwise it stays out.
			next.F[l.Key], prev.F[l.Key] = pos, pos
			continue
		}
		for _, u := range pt.users {
			if !seen[u.ID] {
				seen[u.ID] = true
				users = append(users, u)
			}
		}
		if pt.page.AfterCursor != "" {
			next.F[l.Key] = fieldPos{Dir: "a", C: pt.page.AfterCursor}
		} else {
			next.F[l.Key] = fieldPos{Dir: pos.Dir, C: pos.C, Done: cur.N}
		}
		if pt.page.BeforeCursor != "" {
			prev.F[l.Key] = fieldPos{Dir: "b", C: pt.page.BeforeCursor}
		}
	}
	r := Result{Users: byRelevance(users, p.terms), Page: cur.N}
	for _, pos := range next.F {
		if pos.Done == 0 {
			r.Next = next.encode()
			break
		}
	}
	// The first page is the plain search; later pages need the token.
	switch {
	case cur.N > 2 && len(prev.F) > 0:
		r.Prev = prev.encode()
	case cur.N > 1:
		r.PrevFirst = true
	}
	return r, nil
}

// cacheKey names the answer a plan needs: the same search asked again (a
// repeated keystroke, Enter after typing, back and forward) is answered
// from the cache.
func (p Plan) cacheKey() string {
	b, _ := json.Marshal(struct {
		B    client.ListUsersQuery
		M    []listing
		A, P string
		Pos  *mergedPage
	}{p.base, p.merged, p.after, p.before, p.pos})
	return string(b)
}
