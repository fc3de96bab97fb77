package handlers

import (
	"context"
	"sort"
	"sync"
	"time"

	"onelogin-helpdesk/client"
)

// directory caches the tenant's role names and custom attribute definitions
// for a short while: every user page needs them and they rarely change. It
// also remembers people's names by id for longer (nameTTL), so a manager is
// shown by name without a second call on every page.
type directory struct {
	ol  OneLogin
	ttl time.Duration
	now func() time.Time

	namesMu sync.Mutex
	names   map[int64]knownName

	mu        sync.Mutex
	roles     []client.Role
	rolesAt   time.Time
	attrs     []string
	attrsAt   time.Time
	rolesCall *call[[]client.Role]
	attrsCall *call[[]string]
}

// call lets concurrent requests share one upstream fetch.
type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

func newDirectory(ol OneLogin, ttl time.Duration, now func() time.Time) *directory {
	return &directory{ol: ol, ttl: ttl, now: now, names: map[int64]knownName{}}
}

// nameTTL is how long a person's name is reused; maxNames bounds how many
// are kept (a full cache starts again).
const (
	nameTTL  = 10 * time.Minute
	maxNames = 2000
)

type knownName struct {
	name string
	at   time.Time
}

// KnownName is the name of person id if the console read it lately, or "".
func (d *directory) KnownName(id int64) string {
	if id == 0 {
		return ""
	}
	d.namesMu.Lock()
	defer d.namesMu.Unlock()
	if n, ok := d.names[id]; ok && d.now().Sub(n.at) < nameTTL {
		return n.name
	}
	return ""
}

// Name is the name of person id, read from OneLogin unless it is known.
func (d *directory) Name(ctx context.Context, id int64) (string, error) {
	if n := d.KnownName(id); n != "" {
		return n, nil
	}
	u, err := d.ol.GetUser(ctx, id)
	if err != nil {
		return "", err
	}
	d.remember(u)
	return u.Name(), nil
}

// remember keeps a person's name, as read just now.
func (d *directory) remember(u *client.User) {
	d.namesMu.Lock()
	defer d.namesMu.Unlock()
	if len(d.names) >= maxNames {
		clear(d.names)
	}
	d.names[u.ID] = knownName{name: u.Name(), at: d.now()}
}

// Roles returns every role of the tenant, sorted by name.
func (d *directory) Roles(ctx context.Context) ([]client.Role, error) {
	return cached(ctx, d, &d.roles, &d.rolesAt, &d.rolesCall, func(ctx context.Context) ([]client.Role, error) {
		var out []client.Role
		for r, err := range d.ol.AllRoles(ctx, client.ListRolesQuery{}) {
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out, nil
	})
}

// CustomAttributes returns the shortnames of the tenant's custom attributes.
func (d *directory) CustomAttributes(ctx context.Context) ([]string, error) {
	return cached(ctx, d, &d.attrs, &d.attrsAt, &d.attrsCall, d.ol.CustomAttributeNames)
}

func cached[T any](ctx context.Context, d *directory, val *T, at *time.Time, inflight **call[T], fetch func(context.Context) (T, error)) (T, error) {
	d.mu.Lock()
	if !at.IsZero() && d.now().Sub(*at) < d.ttl {
		v := *val
		d.mu.Unlock()
		return v, nil
	}
	if c := *inflight; c != nil {
		d.mu.Unlock()
		select {
		case <-c.done:
			return c.val, c.err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	c := &call[T]{done: make(chan struct{})}
	*inflight = c
	d.mu.Unlock()

	// The fetch outlives a caller that gives up, so the others still get it.
	c.val, c.err = fetch(context.WithoutCancel(ctx))
	d.mu.Lock()
	*inflight = nil
	if c.err == nil {
		*val, *at = c.val, d.now()
	}
	d.mu.Unlock()
	close(c.done)
	return c.val, c.err
}
