package client

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"time"
)

// TEMPORARY: signatures only; the implementation replaces this file.
var errNotImplemented = errors.New("not implemented")

type Client struct{}

type Option func(*Client)

func WithHTTPClient(hc *http.Client) Option   { return nil }
func WithTimeout(d time.Duration) Option      { return nil }
func WithMaxRetryWait(d time.Duration) Option { return nil }
func WithObserver(o Observer) Option          { return nil }

// Observer receives a measurement for every call, for metrics.
type Observer interface {
	// ObserveCall is called once per HTTP exchange with OneLogin (retries count separately).
	// status is 0 when no answer arrived.
	ObserveCall(op string, status int, d time.Duration)
	// ObserveTokenFetch is called once per token request.
	ObserveTokenFetch(err error)
	// ObserveRateLimit is called whenever rate-limit headers are read.
	ObserveRateLimit(rl RateLimit)
}

// WithRequestID returns a context whose calls send X-Request-Id: id to OneLogin.
func WithRequestID(ctx context.Context, id string) context.Context { return ctx }

func New(baseURL, clientID, clientSecret string, opts ...Option) (*Client, error) {
	return nil, errNotImplemented
}
func HashPassword(salt, cleartext string) string { return "" }

func (c *Client) ListUsers(ctx context.Context, q ListUsersQuery) ([]User, Page, error) {
	return nil, Page{}, errNotImplemented
}
func (c *Client) AllUsers(ctx context.Context, q ListUsersQuery) iter.Seq2[User, error] { return nil }
func (c *Client) GetUser(ctx context.Context, id int64) (*User, error)                  { return nil, errNotImplemented }
func (c *Client) CreateUser(ctx context.Context, u UserCreate) (*User, error) {
	return nil, errNotImplemented
}
func (c *Client) UpdateUser(ctx context.Context, id int64, u UserUpdate) (*User, error) {
	return nil, errNotImplemented
}
func (c *Client) DeleteUser(ctx context.Context, id int64) error { return errNotImplemented }
func (c *Client) UserApps(ctx context.Context, id int64) ([]App, error) {
	return nil, errNotImplemented
}
func (c *Client) UserRoleIDs(ctx context.Context, id int64) ([]int64, error) {
	return nil, errNotImplemented
}
func (c *Client) AddRoles(ctx context.Context, id int64, roleIDs []int64) error {
	return errNotImplemented
}
func (c *Client) RemoveRoles(ctx context.Context, id int64, roleIDs []int64) error {
	return errNotImplemented
}
func (c *Client) CustomAttributeNames(ctx context.Context) ([]string, error) {
	return nil, errNotImplemented
}
func (c *Client) SetCustomAttributes(ctx context.Context, id int64, attrs map[string]string) error {
	return errNotImplemented
}
func (c *Client) SetPassword(ctx context.Context, id int64, password string, validatePolicy bool) error {
	return errNotImplemented
}
func (c *Client) SetPasswordHash(ctx context.Context, id int64, p HashedPassword) error {
	return errNotImplemented
}
func (c *Client) SetState(ctx context.Context, id int64, s State) error     { return errNotImplemented }
func (c *Client) LockUser(ctx context.Context, id int64, minutes int) error { return errNotImplemented }
func (c *Client) UnlockUser(ctx context.Context, id int64) error            { return errNotImplemented }
func (c *Client) LogoutUser(ctx context.Context, id int64) error            { return errNotImplemented }
func (c *Client) GenerateMFAToken(ctx context.Context, id int64, expiresIn time.Duration, reusable bool) (*MFAToken, error) {
	return nil, errNotImplemented
}
func (c *Client) ListRoles(ctx context.Context, q ListRolesQuery) ([]Role, Page, error) {
	return nil, Page{}, errNotImplemented
}
func (c *Client) AllRoles(ctx context.Context, q ListRolesQuery) iter.Seq2[Role, error] { return nil }
func (c *Client) RateLimitStatus(ctx context.Context) (RateLimit, error) {
	return RateLimit{}, errNotImplemented
}

// RateLimit returns the most recent rate-limit values read from any response.
func (c *Client) RateLimit() RateLimit { return RateLimit{} }

// Token checks that a token can be had (fetching one if needed), for readiness probes.
func (c *Client) Ping(ctx context.Context) error { return errNotImplemented }
