package client

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

var errCursorLoop = errors.New("OneLogin returned the same page cursor twice")

func (q ListRolesQuery) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v[k] = []string{val}
		}
	}
	set("id", q.ID)
	set("name", q.Name)
	if q.Limit > 0 {
		set("limit", strconv.Itoa(q.Limit))
	}
	set("sort", q.Sort)
	set("after_cursor", q.AfterCursor)
	set("before_cursor", q.BeforeCursor)
	return v
}

// ListRoles returns one page of the account's roles (GET /api/1/roles).
func (c *Client) ListRoles(ctx context.Context, q ListRolesQuery) ([]Role, Page, error) {
	const op = "ListRoles"
	env, err := c.envelopeCall(ctx, call{op: op, method: http.MethodGet, path: "/api/1/roles", query: q.values(), idempotent: true})
	if err != nil {
		return nil, Page{}, err
	}
	roles, err := decodeRoles(env.Data)
	if err != nil {
		return nil, Page{}, decodeError(op, err)
	}
	return roles, env.Pagination.page(), nil
}

// AllRoles yields every role matching q across pages, like AllUsers.
func (c *Client) AllRoles(ctx context.Context, q ListRolesQuery) iter.Seq2[Role, error] {
	return paginate(ctx, q, c.ListRoles, func(q *ListRolesQuery, after string) {
		q.AfterCursor, q.BeforeCursor = after, ""
	})
}

// RateLimitStatus asks OneLogin for the current quota (GET /auth/rate_limit).
// The answer also becomes what RateLimit returns.
func (c *Client) RateLimitStatus(ctx context.Context) (RateLimit, error) {
	const op = "RateLimitStatus"
	env, err := c.envelopeCall(ctx, call{op: op, method: http.MethodGet, path: "/auth/rate_limit", idempotent: true})
	if err != nil {
		return RateLimit{}, err
	}
	rl, err := decodeRateLimitData(env.Data)
	if err != nil {
		return RateLimit{}, decodeError(op, err)
	}
	rl.Observed = c.now()
	c.setRateLimit(rl)
	return rl, nil
}
