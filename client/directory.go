package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The v2 user listing (GET /api/2/users) that keeps a directory index in
// sync: ../shared/onelogin-api-directory-mfa.md §A1, §A3 and §E.

// Event types that say a person was deleted (§A3). Whether an API deletion
// logs 17, 530 or both is unconfirmed (§E9), so ask for both.
const (
	EventDeletedUser    = 17  // DELETED_USER
	EventAPIDestroyUser = 530 // API_DESTROY_USER
)

// MaxDirectoryPage is the documented "up to 50 users per page" (§E1).
const MaxDirectoryPage = 50

// DirectoryFields are the attributes a directory index keeps, asked for by
// name because the default listing leaves out custom_attributes and
// role_ids (§A1.4, §E4). None is a secret.
var DirectoryFields = []string{
	"id", "firstname", "lastname", "email", "username", "status", "state", "locked_until", "last_login",
	"password_changed_at", "title", "department", "company", "manager_user_id", "manager_ad_id",
	"role_ids", "directory_id", "custom_attributes", "updated_at",
}

// DirectoryQuery asks for one page of GET /api/2/users.
type DirectoryQuery struct {
	// UpdatedSince lists people updated strictly after it (zero: everyone).
	// Whether OneLogin's bound is strict is unconfirmed (§E5): callers
	// overlap their watermark.
	UpdatedSince time.Time
	// UserIDs lists only these people (a spot check for deletions).
	UserIDs []int64
	// Fields to return; nil asks for DirectoryFields.
	Fields []string
	// Limit is the page size of a first request (0 or above 50: 50).
	Limit int
	// Cursor is the After-Cursor of the previous page. With a cursor,
	// limit and page are not sent: OneLogin refuses both together (§A1.2).
	Cursor string
}

// DirectoryPage is one page of the listing.
type DirectoryPage struct {
	Users []User
	// AfterCursor asks for the next page; "" on the last.
	AfterCursor string
	// TotalCount is the Total-Count header: people across all pages, or -1
	// when the answer did not say.
	TotalCount int
}

func (q DirectoryQuery) values() url.Values {
	v := url.Values{}
	fields := q.Fields
	if fields == nil {
		fields = DirectoryFields
	}
	v.Set("fields", strings.Join(fields, ","))
	if !q.UpdatedSince.IsZero() {
		v.Set("updated_since", q.UpdatedSince.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	if len(q.UserIDs) > 0 {
		ids := make([]string, len(q.UserIDs))
		for i, id := range q.UserIDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		v.Set("user_ids", strings.Join(ids, ","))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
		return v
	}
	limit := q.Limit
	if limit <= 0 || limit > MaxDirectoryPage {
		limit = MaxDirectoryPage
	}
	v.Set("limit", strconv.Itoa(limit))
	return v
}

// wireUserV2 is a v2 user: the v1 attributes, with role_ids for role_id.
type wireUserV2 struct {
	wireUser
	RoleIDs []flexInt `json:"role_ids"`
}

func (w *wireUserV2) user() User {
	u := w.wireUser.user()
	if len(w.RoleIDs) > 0 {
		u.RoleIDs = make([]int64, len(w.RoleIDs))
		for i, id := range w.RoleIDs {
			u.RoleIDs[i] = int64(id)
		}
	}
	return u
}

var errNoUserList = errors.New("want a list of users")

// decodeUsersV2 reads the bare array the docs show; a {"data":[...]}
// envelope, which one third-party client also accepts (§A4), is read too.
// Anything else fails closed.
func decodeUsersV2(body []byte) ([]User, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if json.Unmarshal(body, &env) != nil || len(bytes.TrimSpace(env.Data)) == 0 || bytes.TrimSpace(env.Data)[0] != '[' {
			return nil, errNoUserList
		}
		body = bytes.TrimSpace(env.Data)
	}
	if len(body) == 0 || body[0] != '[' {
		return nil, errNoUserList
	}
	var ws []wireUserV2
	if err := json.Unmarshal(body, &ws); err != nil {
		return nil, err
	}
	users := make([]User, len(ws))
	for i := range ws {
		if ws[i].ID <= 0 {
			return nil, errors.New("a listed user has no id")
		}
		users[i] = ws[i].user()
	}
	return users, nil
}

// ListDirectory returns one page of GET /api/2/users. v2 calls carry no
// rate-limit headers (§A1.7); a 429, 502 or 503 comes back as an error
// matching ErrRateLimited or ErrUnavailable, and the caller backs off.
func (c *Client) ListDirectory(ctx context.Context, q DirectoryQuery) (DirectoryPage, error) {
	const op = "ListDirectory"
	res, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/api/2/users", query: q.values(), idempotent: true})
	if err != nil {
		return DirectoryPage{}, err
	}
	users, err := decodeUsersV2(res.body)
	if err != nil {
		return DirectoryPage{}, decodeError(op, err)
	}
	page := DirectoryPage{Users: users, AfterCursor: strings.TrimSpace(res.header.Get("After-Cursor")), TotalCount: -1}
	if n, err := strconv.Atoi(strings.TrimSpace(res.header.Get("Total-Count"))); err == nil && n >= 0 {
		page.TotalCount = n
	}
	if page.AfterCursor != "" && page.AfterCursor == q.Cursor {
		// The same cursor again would loop forever (§A1.2).
		return DirectoryPage{}, &TransportError{Op: op, Err: errCursorLoop}
	}
	return page, nil
}

// DeletedSince returns the ids of people deleted strictly after since,
// from events 17 and 530 (one v1 call per page of 50), oldest first, with
// the newest event's time (since when there was none).
func (c *Client) DeletedSince(ctx context.Context, since time.Time) ([]int64, time.Time, error) {
	var ids []int64
	newest := since
	seen := map[int64]bool{}
	q := EventQuery{TypeIDs: []int{EventDeletedUser, EventAPIDestroyUser}, Since: since, Sort: "+created_at"}
	for e, err := range c.AllEvents(ctx, q) {
		if err != nil {
			return nil, since, err
		}
		if e.CreatedAt.After(newest) {
			newest = e.CreatedAt
		}
		if e.UserID > 0 && !seen[e.UserID] {
			seen[e.UserID] = true
			ids = append(ids, e.UserID)
		}
	}
	return ids, newest, nil
}
