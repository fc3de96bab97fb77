package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

func userPath(id int64, suffix string) string {
	return "/api/1/users/" + strconv.FormatInt(id, 10) + suffix
}

// envelopeCall runs a call whose answer is a v1 envelope and returns it.
func (c *Client) envelopeCall(ctx context.Context, cl call) (envelope, error) {
	res, err := c.do(ctx, cl)
	if err != nil {
		return envelope{}, err
	}
	env, failed, err := decodeEnvelope(res.body)
	if err != nil {
		return envelope{}, decodeError(cl.op, err)
	}
	if failed {
		return envelope{}, parseError(cl.op, res)
	}
	return env, nil
}

// statusCall runs a call whose success answer carries no data (a bare v1
// status block, a v2 message, or nothing).
func (c *Client) statusCall(ctx context.Context, cl call) error {
	res, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(res.body))) == 0 {
		return nil
	}
	_, failed, err := decodeEnvelope(res.body)
	if err != nil {
		return decodeError(cl.op, err)
	}
	if failed {
		return parseError(cl.op, res)
	}
	return nil
}

// values encodes the query; url.Values.Encode percent-encodes the "+" of a
// sort so it does not arrive as a space.
func (q ListUsersQuery) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("email", q.Email)
	set("username", q.Username)
	set("firstname", q.Firstname)
	set("lastname", q.Lastname)
	set("id", q.ID)
	set("external_id", q.ExternalID)
	set("directory_id", q.DirectoryID)
	set("manager_ad_id", q.ManagerADID)
	set("role_id", q.RoleID)
	set("samaccountname", q.Samaccountname)
	set("userprincipalname", q.Userprincipalname)
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(isoMillis))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.UTC().Format(isoMillis))
	}
	names := make([]string, 0, len(q.CustomAttributes))
	for k := range q.CustomAttributes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k != "" {
			set("custom_attributes."+k, q.CustomAttributes[k])
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	set("sort", q.Sort)
	set("fields", strings.Join(q.Fields, ","))
	set("after_cursor", q.AfterCursor)
	set("before_cursor", q.BeforeCursor)
	return v
}

// ListUsers returns one page of users matching q (GET /api/1/users) and the
// cursors around it. Use AllUsers to walk every page.
func (c *Client) ListUsers(ctx context.Context, q ListUsersQuery) ([]User, Page, error) {
	const op = "ListUsers"
	res, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/api/1/users", query: q.values(), idempotent: true})
	if err != nil {
		return nil, Page{}, err
	}
	size := q.Limit
	if size <= 0 {
		size = 50 // OneLogin's default page
	}
	return decodeList(op, res, (*wireUser).user, size, decodeUsers)
}

// userCall runs a call whose answer's data is one user: data:[user], or a
// bare object.
func (c *Client) userCall(ctx context.Context, cl call) (*User, error) {
	res, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	users, _, err := decodeList(cl.op, res, (*wireUser).user, 1, func(data json.RawMessage) ([]User, error) {
		u, err := decodeOneUser(data)
		if err != nil {
			return nil, err
		}
		return []User{*u}, nil
	})
	if err != nil {
		return nil, err
	}
	return oneUser(cl.op, users)
}

// AllUsers yields every user matching q, following after_cursor from page
// to page. It stops at the first error (yielded once) or when the caller
// stops ranging; no request is made after that.
func (c *Client) AllUsers(ctx context.Context, q ListUsersQuery) iter.Seq2[User, error] {
	return paginate(ctx, q, c.ListUsers, func(q *ListUsersQuery, after string) {
		q.AfterCursor, q.BeforeCursor = after, ""
	})
}

// paginate walks the pages of a list call.
func paginate[T, Q any](ctx context.Context, q Q, list func(context.Context, Q) ([]T, Page, error), next func(*Q, string)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		seen := map[string]bool{}
		for {
			items, page, err := list(ctx, q)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if page.AfterCursor == "" {
				return
			}
			if seen[page.AfterCursor] {
				// A server handing out the same cursor again would loop forever.
				var zero T
				yield(zero, &TransportError{Op: "paging", Err: errCursorLoop})
				return
			}
			seen[page.AfterCursor] = true
			next(&q, page.AfterCursor)
		}
	}
}

// GetUser returns one user (GET /api/1/users/:id).
func (c *Client) GetUser(ctx context.Context, id int64) (*User, error) {
	const op = "GetUser"
	return c.userCall(ctx, call{op: op, method: http.MethodGet, path: userPath(id, ""), idempotent: true})
}

// CreateUser creates a user (POST /api/1/users) and returns it as OneLogin
// stored it. It is never retried after a 429: it might create twice.
func (c *Client) CreateUser(ctx context.Context, u UserCreate) (*User, error) {
	const op = "CreateUser"
	return c.userCall(ctx, call{op: op, method: http.MethodPost, path: "/api/1/users", body: u})
}

// UpdateUser changes the non-nil fields of u (PUT /api/1/users/:id) and
// returns the updated user.
func (c *Client) UpdateUser(ctx context.Context, id int64, u UserUpdate) (*User, error) {
	const op = "UpdateUser"
	return c.userCall(ctx, call{op: op, method: http.MethodPut, path: userPath(id, ""), body: u, idempotent: true})
}

// DeleteUser deletes a user (DELETE /api/1/users/:id).
func (c *Client) DeleteUser(ctx context.Context, id int64) error {
	return c.statusCall(ctx, call{op: "DeleteUser", method: http.MethodDelete, path: userPath(id, ""), idempotent: true})
}

// UserApps lists the (non-personal) apps assigned to a user
// (GET /api/1/users/:id/apps). No apps gives an empty slice.
func (c *Client) UserApps(ctx context.Context, id int64) ([]App, error) {
	const op = "UserApps"
	res, err := c.do(ctx, call{op: op, method: http.MethodGet, path: userPath(id, "/apps"), idempotent: true})
	if err != nil {
		return nil, err
	}
	apps, _, err := decodeList(op, res, (*wireApp).app, 0, decodeApps)
	return apps, err
}

// UserRoleIDs lists the ids of a user's roles (GET /api/1/users/:id/roles);
// resolve names with ListRoles.
func (c *Client) UserRoleIDs(ctx context.Context, id int64) ([]int64, error) {
	const op = "UserRoleIDs"
	env, err := c.envelopeCall(ctx, call{op: op, method: http.MethodGet, path: userPath(id, "/roles"), idempotent: true})
	if err != nil {
		return nil, err
	}
	ids, err := decodeIDs(env.Data)
	if err != nil {
		return nil, decodeError(op, err)
	}
	return ids, nil
}

type roleIDArray struct {
	RoleIDArray []int64 `json:"role_id_array"`
}

// AddRoles assigns roles to a user (PUT /api/1/users/:id/add_roles).
// OneLogin refuses (400) ids that are not account roles, an empty list and
// roles the user already has.
func (c *Client) AddRoles(ctx context.Context, id int64, roleIDs []int64) error {
	return c.statusCall(ctx, call{op: "AddRoles", method: http.MethodPut, path: userPath(id, "/add_roles"),
		body: roleIDArray{RoleIDArray: nonNil(roleIDs)}, idempotent: true})
}

// RemoveRoles takes roles from a user (PUT /api/1/users/:id/remove_roles).
// Roles granted by mappings are not removed.
func (c *Client) RemoveRoles(ctx context.Context, id int64, roleIDs []int64) error {
	return c.statusCall(ctx, call{op: "RemoveRoles", method: http.MethodPut, path: userPath(id, "/remove_roles"),
		body: roleIDArray{RoleIDArray: nonNil(roleIDs)}, idempotent: true})
}

// nonNil makes a nil list encode as [] so OneLogin says "is empty" rather
// than that null is the wrong type.
func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// CustomAttributeNames lists the shortnames of the account's custom user
// attributes (GET /api/1/users/custom_attributes).
func (c *Client) CustomAttributeNames(ctx context.Context) ([]string, error) {
	const op = "CustomAttributeNames"
	env, err := c.envelopeCall(ctx, call{op: op, method: http.MethodGet, path: "/api/1/users/custom_attributes", idempotent: true})
	if err != nil {
		return nil, err
	}
	names, err := decodeNames(env.Data)
	if err != nil {
		return nil, decodeError(op, err)
	}
	return names, nil
}

// SetCustomAttributes overwrites custom attribute values of a user
// (PUT /api/1/users/:id/set_custom_attributes); "" clears a value.
func (c *Client) SetCustomAttributes(ctx context.Context, id int64, attrs map[string]string) error {
	if attrs == nil {
		attrs = map[string]string{}
	}
	body := struct {
		CustomAttributes map[string]string `json:"custom_attributes"`
	}{attrs}
	return c.statusCall(ctx, call{op: "SetCustomAttributes", method: http.MethodPut, path: userPath(id, "/set_custom_attributes"), body: body, idempotent: true})
}

// SetPassword sets a user's password in clear text
// (PUT /api/1/users/set_password_clear_text/:id). With validatePolicy false
// OneLogin skips its password policy checks.
func (c *Client) SetPassword(ctx context.Context, id int64, password string, validatePolicy bool) error {
	body := struct {
		Password             string `json:"password"`
		PasswordConfirmation string `json:"password_confirmation"`
		ValidatePolicy       bool   `json:"validate_policy"`
	}{password, password, validatePolicy}
	return c.statusCall(ctx, call{op: "SetPassword", method: http.MethodPut,
		path: "/api/1/users/set_password_clear_text/" + strconv.FormatInt(id, 10), body: body, idempotent: true})
}

// HashPassword returns what SetPasswordHash expects for algorithm
// "salt+sha256": lowercase hex SHA-256 of salt followed by the cleartext.
func HashPassword(salt, cleartext string) string {
	sum := sha256.Sum256([]byte(salt + cleartext))
	return hex.EncodeToString(sum[:])
}

// SetPasswordHash sets a pre-hashed password
// (PUT /api/1/users/set_password_using_salt/:id, algorithm salt+sha256).
func (c *Client) SetPasswordHash(ctx context.Context, id int64, p HashedPassword) error {
	body := struct {
		Password             string `json:"password"`
		PasswordConfirmation string `json:"password_confirmation"`
		PasswordAlgorithm    string `json:"password_algorithm"`
		PasswordSalt         string `json:"password_salt,omitempty"`
	}{p.Hash, p.Hash, "salt+sha256", p.Salt}
	return c.statusCall(ctx, call{op: "SetPasswordHash", method: http.MethodPut,
		path: "/api/1/users/set_password_using_salt/" + strconv.FormatInt(id, 10), body: body, idempotent: true})
}

// SetState changes a user's state (PUT /api/1/users/:id/set_state); the
// only way to move a user out of Unlicensed.
func (c *Client) SetState(ctx context.Context, id int64, s State) error {
	body := struct {
		State State `json:"state"`
	}{s}
	return c.statusCall(ctx, call{op: "SetState", method: http.MethodPut, path: userPath(id, "/set_state"), body: body, idempotent: true})
}

// LockUser locks a user for minutes (PUT /api/1/users/:id/lock_user);
// 0 locks for the lock period of the user's policy.
func (c *Client) LockUser(ctx context.Context, id int64, minutes int) error {
	body := struct {
		LockedUntil int `json:"locked_until"`
	}{minutes}
	return c.statusCall(ctx, call{op: "LockUser", method: http.MethodPut, path: userPath(id, "/lock_user"), body: body, idempotent: true})
}

// UnlockUser unlocks a locked user with the only documented unlock call,
// POST /api/2/users/:id/unlock, sending {} as JSON like the docs' curl.
// Only the documented success reply ({"messsage":"User unlocked"}, its key
// misspelt) is success. {"message":"User cannot be unlocked"}, which the
// docs give without a status, is a refusal (ErrRefused) whatever the
// status; any other 2xx reply fails closed (ErrUnrecognized).
func (c *Client) UnlockUser(ctx context.Context, id int64) error {
	const op = "UnlockUser"
	// A POST, but idempotent: unlocking an unlocked user changes nothing,
	// so it may be retried after a 429 like a PUT.
	res, err := c.do(ctx, call{op: op, method: http.MethodPost,
		path: "/api/2/users/" + strconv.FormatInt(id, 10) + "/unlock", body: struct{}{}, idempotent: true})
	if err != nil {
		return err
	}
	var w struct {
		Message  flexString `json:"message"`
		Messsage flexString `json:"messsage"`
	}
	_ = json.Unmarshal(res.body, &w) // an unreadable body is not the success body
	msg := cleanText(string(w.Message) + string(w.Messsage))
	switch {
	case isRefusal(msg):
		return &Error{Op: op, HTTPStatus: res.status, Message: msg, Reason: ErrRefused}
	case strings.EqualFold(msg, "User unlocked"):
		return nil
	}
	if msg == "" {
		msg = "the reply is not OneLogin's documented \"User unlocked\""
	}
	return &Error{Op: op, HTTPStatus: res.status, Message: msg, Reason: ErrUnrecognized}
}

// LogoutUser ends a user's OneLogin session (PUT /api/1/users/:id/logout).
func (c *Client) LogoutUser(ctx context.Context, id int64) error {
	return c.statusCall(ctx, call{op: "LogoutUser", method: http.MethodPut, path: userPath(id, "/logout"), idempotent: true})
}

// GenerateMFAToken creates a temporary MFA token for a user
// (POST /api/1/users/:id/mfa_token). expiresIn is rounded up to whole
// seconds; 0 leaves OneLogin's default (72 hours, also the maximum). A
// reusable token works until it expires. The token is a secret. Never
// retried after a 429: each call mints a token.
func (c *Client) GenerateMFAToken(ctx context.Context, id int64, expiresIn time.Duration, reusable bool) (*MFAToken, error) {
	const op = "GenerateMFAToken"
	body := struct {
		ExpiresIn int64 `json:"expires_in,omitempty"`
		Reusable  bool  `json:"reusable"`
	}{Reusable: reusable}
	if expiresIn > 0 {
		body.ExpiresIn = int64((expiresIn + time.Second - 1) / time.Second)
	}
	res, err := c.do(ctx, call{op: op, method: http.MethodPost, path: userPath(id, "/mfa_token"), body: body})
	if err != nil {
		return nil, err
	}
	if _, failed, err := decodeEnvelope(res.body); err == nil && failed {
		return nil, parseError(op, res)
	}
	tok, err := decodeMFAToken(res.body)
	if err != nil {
		return nil, decodeError(op, err)
	}
	return tok, nil
}
