package search

import (
	"sync"
	"time"
)

// maxCached bounds the cache; a full cache drops what has expired and, if
// that is not enough, everything.
const maxCached = 256

// cache keeps recent answers by plan (Plan.cacheKey). The answers are
// shared read-only: nothing changes a result's users.
type cache struct {
	ttl time.Duration // 0 or less: no caching
	now func() time.Time

	mu sync.Mutex
	m  map[string]kept
}

type kept struct {
	at  time.Time
	res Result
}

func newCache(ttl time.Duration, now func() time.Time) *cache {
	return &cache{ttl: ttl, now: now, m: map[string]kept{}}
}

func (c *cache) get(key string) (Result, bool) {
	if c.ttl <= 0 {
		return Result{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || c.now().Sub(e.at) >= c.ttl {
		return Result{}, false
	}
	return e.res, true
}

func (c *cache) put(key string, r Result) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.m) >= maxCached {
		for k, e := range c.m {
			if now.Sub(e.at) >= c.ttl {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCached {
			clear(c.m)
		}
	}
	c.m[key] = kept{at: now, res: r}
}

// clear forgets every answer.
func (c *cache) clear() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}
