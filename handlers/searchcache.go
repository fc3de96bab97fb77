package handlers

import (
	"sync"
	"time"
)

// searchCacheTTL is how long a search's answer is reused by default: long
// enough that the same search asked again while typing, pressing Enter or
// going back costs no OneLogin call, short enough that a status seen in the
// results is seconds old at most. Any account action empties the cache.
const searchCacheTTL = 5 * time.Second

// maxCachedSearches bounds the cache; a full cache drops what has expired
// and, if that is not enough, everything.
const maxCachedSearches = 256

// searchCache keeps recent search answers by plan (plan.cacheKey). The
// answers are shared read-only: nothing changes a result's users.
type searchCache struct {
	ttl time.Duration // 0: no caching
	now func() time.Time

	mu sync.Mutex
	m  map[string]cachedSearch
}

type cachedSearch struct {
	at  time.Time
	res searchResult
}

func newSearchCache(ttl time.Duration, now func() time.Time) *searchCache {
	return &searchCache{ttl: ttl, now: now, m: map[string]cachedSearch{}}
}

func (c *searchCache) get(key string) (searchResult, bool) {
	if c.ttl <= 0 {
		return searchResult{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || c.now().Sub(e.at) >= c.ttl {
		return searchResult{}, false
	}
	return e.res, true
}

func (c *searchCache) put(key string, r searchResult) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.m) >= maxCachedSearches {
		for k, e := range c.m {
			if now.Sub(e.at) >= c.ttl {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCachedSearches {
			clear(c.m)
		}
	}
	c.m[key] = cachedSearch{at: now, res: r}
}

// clear forgets every answer: an action changed an account, and a cached
// row could show it as it was.
func (c *searchCache) clear() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}
