package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestUsers_requests checks the method, path and JSON body every operation
// sends, against the reference.
func TestUsers_requests(t *testing.T) {
	statusOnly := `{` + okStatus + `}`
	oneUser := envelopeOf(`[{"id":7}]`)
	str := func(s string) *string { return &s }
	state := StateUnlicensed
	for _, tc := range []struct {
		name         string
		method, path string
		answer       string
		run          func(context.Context, *Client) error
		wantBody     string // "" = no body
	}{
		{"CreateUser", "POST", "/api/1/users", oneUser, func(ctx context.Context, c *Client) error {
			_, err := c.CreateUser(ctx, UserCreate{Firstname: "Ann", Lastname: "Lee", Email: "ann@example.com",
				CustomAttributes: map[string]string{"employee_no": "E-7"}})
			return err
		}, `{"firstname":"Ann","lastname":"Lee","email":"ann@example.com","custom_attributes":{"employee_no":"E-7"}}`},
		{"UpdateUser", "PUT", "/api/1/users/7", oneUser, func(ctx context.Context, c *Client) error {
			_, err := c.UpdateUser(ctx, 7, UserUpdate{Title: str("Boss"), Phone: str(""), State: &state})
			return err
		}, `{"title":"Boss","phone":"","state":3}`},
		{"DeleteUser", "DELETE", "/api/1/users/7", statusOnly, func(ctx context.Context, c *Client) error {
			return c.DeleteUser(ctx, 7)
		}, ""},
		{"AddRoles", "PUT", "/api/1/users/7/add_roles", statusOnly, func(ctx context.Context, c *Client) error {
			return c.AddRoles(ctx, 7, []int64{101, 202})
		}, `{"role_id_array":[101,202]}`},
		{"AddRoles nil", "PUT", "/api/1/users/7/add_roles", statusOnly, func(ctx context.Context, c *Client) error {
			return c.AddRoles(ctx, 7, nil)
		}, `{"role_id_array":[]}`},
		{"RemoveRoles", "PUT", "/api/1/users/7/remove_roles", statusOnly, func(ctx context.Context, c *Client) error {
			return c.RemoveRoles(ctx, 7, []int64{101})
		}, `{"role_id_array":[101]}`},
		{"SetCustomAttributes", "PUT", "/api/1/users/7/set_custom_attributes", statusOnly, func(ctx context.Context, c *Client) error {
			return c.SetCustomAttributes(ctx, 7, map[string]string{"cost_center": "", "employee_no": "E-8"})
		}, `{"custom_attributes":{"cost_center":"","employee_no":"E-8"}}`},
		{"SetCustomAttributes nil", "PUT", "/api/1/users/7/set_custom_attributes", statusOnly, func(ctx context.Context, c *Client) error {
			return c.SetCustomAttributes(ctx, 7, nil)
		}, `{"custom_attributes":{}}`},
		{"SetPassword", "PUT", "/api/1/users/set_password_clear_text/7", statusOnly, func(ctx context.Context, c *Client) error {
			return c.SetPassword(ctx, 7, "Tr0ub4dor&3", true)
		}, `{"password":"Tr0ub4dor&3","password_confirmation":"Tr0ub4dor&3","validate_policy":true}`},
		{"SetPassword no policy", "PUT", "/api/1/users/set_password_clear_text/7", statusOnly, func(ctx context.Context, c *Client) error {
			return c.SetPassword(ctx, 7, "x", false)
		}, `{"password":"x","password_confirmation":"x","validate_policy":false}`},
		{"SetPasswordHash", "PUT", "/api/1/users/set_password_using_salt/7", statusOnly, func(ctx context.Context, c *Client) error {
			return c.SetPasswordHash(ctx, 7, HashedPassword{Hash: HashPassword("abc", "Secret1"), Salt: "abc"})
		}, `{"password":"04998161b90beac1e580d600fe89a769f8043c1bb350168d254e7f5f93e3502b","password_confirmation":"04998161b90beac1e580d600fe89a769f8043c1bb350168d254e7f5f93e3502b","password_algorithm":"salt+sha256","password_salt":"abc"}`},
		{"SetPasswordHash unsalted", "PUT", "/api/1/users/set_password_using_salt/7", statusOnly, func(ctx context.Context, c *Client) error {
			return c.SetPasswordHash(ctx, 7, HashedPassword{Hash: "ff"})
		}, `{"password":"ff","password_confirmation":"ff","password_algorithm":"salt+sha256"}`},
		{"SetState", "PUT", "/api/1/users/7/set_state", statusOnly, func(ctx context.Context, c *Client) error {
			return c.SetState(ctx, 7, StateRejected)
		}, `{"state":2}`},
		{"LockUser", "PUT", "/api/1/users/7/lock_user", statusOnly, func(ctx context.Context, c *Client) error {
			return c.LockUser(ctx, 7, 15)
		}, `{"locked_until":15}`},
		{"LockUser policy period", "PUT", "/api/1/users/7/lock_user", statusOnly, func(ctx context.Context, c *Client) error {
			return c.LockUser(ctx, 7, 0)
		}, `{"locked_until":0}`},
		{"UnlockUser", "POST", "/api/2/users/7/unlock", `{"messsage":"User unlocked"}`, func(ctx context.Context, c *Client) error {
			return c.UnlockUser(ctx, 7)
		}, `{}`},
		{"LogoutUser", "PUT", "/api/1/users/7/logout", statusOnly, func(ctx context.Context, c *Client) error {
			return c.LogoutUser(ctx, 7)
		}, ""},
		{"GenerateMFAToken", "POST", "/api/1/users/7/mfa_token", `{"mfa_token":"1","reusable":false,"expires_at":"2024-05-01T12:00:00Z"}`, func(ctx context.Context, c *Client) error {
			_, err := c.GenerateMFAToken(ctx, 7, 299500*time.Millisecond, false)
			return err
		}, `{"expires_in":300,"reusable":false}`},
		{"GenerateMFAToken default expiry", "POST", "/api/1/users/7/mfa_token", `{"mfa_token":"1","reusable":true,"expires_at":"2024-05-01T12:00:00Z"}`, func(ctx context.Context, c *Client) error {
			_, err := c.GenerateMFAToken(ctx, 7, 0, true)
			return err
		}, `{"reusable":true}`},
		{"GetUser", "GET", "/api/1/users/7", oneUser, func(ctx context.Context, c *Client) error {
			_, err := c.GetUser(ctx, 7)
			return err
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply(tc.method+" "+tc.path, 200, tc.answer)
			c := a.client()
			ctx := WithRequestID(context.Background(), "req-42")
			if err := tc.run(ctx, c); err != nil {
				t.Fatal(err)
			}
			reqs := a.recorded()
			if len(reqs) != 1 {
				t.Fatalf("requests = %d", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.method || r.Path != tc.path {
				t.Errorf("sent %s %s", r.Method, r.Path)
			}
			if tc.wantBody == "" {
				if r.Body != "" {
					t.Errorf("body = %s, want none", r.Body)
				}
			} else {
				if !jsonEqual(r.Body, tc.wantBody) {
					t.Errorf("body = %s\nwant   %s", r.Body, tc.wantBody)
				}
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
			if got := r.Header.Get("Authorization"); got != "bearer "+tokenMark+"-1" {
				t.Errorf("Authorization = %q", got)
			}
			if got := r.Header.Get("User-Agent"); got != "onelogin-helpdesk" {
				t.Errorf("User-Agent = %q", got)
			}
			if got := r.Header.Get("X-Request-Id"); got != "req-42" {
				t.Errorf("X-Request-Id = %q", got)
			}
		})
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

func TestUsers_requestIDOnlyWhenValid(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"", ""}, {"has space", ""}, {"line\nbreak", ""}, {strings.Repeat("x", 201), ""}, {"abc-123_Z", "abc-123_Z"},
	} {
		if got := requestIDFrom(WithRequestID(context.Background(), tc.id)); got != tc.want {
			t.Errorf("%q: got %q", tc.id, got)
		}
	}
	if got := requestIDFrom(context.Background()); got != "" {
		t.Errorf("no id: %q", got)
	}
}

func TestUsers_ListUsers_query(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /api/1/users", 200, listOf(`[{"id":1},{"id":2}]`, "next=="))
	since := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	q := ListUsersQuery{
		Email: "*@example.com", Username: "ann", Firstname: "Ann", Lastname: "Lee*", ID: "7", ExternalID: "E1",
		DirectoryID: "3", ManagerADID: "M1", RoleID: "101", Samaccountname: "alee", Userprincipalname: "alee@corp",
		Since: since, Until: since.Add(time.Hour + 500*time.Millisecond),
		CustomAttributes: map[string]string{"dept_code": "EN*", "": "ignored"},
		Limit:            10, Sort: "+id", Fields: []string{"email", "username", "status"}, AfterCursor: "abc", BeforeCursor: "def",
	}
	users, page, err := a.client().ListUsers(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || page.AfterCursor != "next==" || page.BeforeCursor != "" {
		t.Errorf("users %v page %+v", users, page)
	}
	raw := a.recorded()[0].RawQuery
	if !strings.Contains(raw, "sort=%2Bid") {
		t.Errorf("sort + not percent-encoded: %s", raw)
	}
	got, _ := url.ParseQuery(raw)
	want := url.Values{
		"email": {"*@example.com"}, "username": {"ann"}, "firstname": {"Ann"}, "lastname": {"Lee*"}, "id": {"7"},
		"external_id": {"E1"}, "directory_id": {"3"}, "manager_ad_id": {"M1"}, "role_id": {"101"},
		"samaccountname": {"alee"}, "userprincipalname": {"alee@corp"},
		"since": {"2024-01-02T02:04:05.000Z"}, "until": {"2024-01-02T03:04:05.500Z"},
		"custom_attributes.dept_code": {"EN*"}, "limit": {"10"}, "sort": {"+id"},
		"fields": {"email,username,status"}, "after_cursor": {"abc"}, "before_cursor": {"def"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query\n got %v\nwant %v", got, want)
	}
}

func TestUsers_ListUsers_emptyQuerySendsNothing(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /api/1/users", 200, listOf(`[]`, ""))
	users, page, err := a.client().ListUsers(context.Background(), ListUsersQuery{})
	if err != nil || len(users) != 0 || page != (Page{}) {
		t.Fatalf("users %v page %v err %v", users, page, err)
	}
	if q := a.recorded()[0].RawQuery; q != "" {
		t.Errorf("query = %q", q)
	}
}

// pagedUsers serves three pages of two users, following after_cursor.
func pagedUsers(a *testAPI) {
	a.handle("GET /api/1/users", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("after_cursor") {
		case "":
			writeJSON(w, 200, listOf(`[{"id":1},{"id":2}]`, "c1"))
		case "c1":
			writeJSON(w, 200, listOf(`[{"id":3},{"id":4}]`, "c2"))
		case "c2":
			writeJSON(w, 200, listOf(`[{"id":5}]`, ""))
		default:
			writeJSON(w, 400, `{"status":{"error":true,"code":400,"type":"bad request","message":"bad cursor"}}`)
		}
	})
}

func TestUsers_AllUsers_followsCursors(t *testing.T) {
	a := newTestAPI(t)
	pagedUsers(a)
	var ids []int64
	for u, err := range a.client().AllUsers(context.Background(), ListUsersQuery{Email: "*", BeforeCursor: "ignored-after-first"}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if !reflect.DeepEqual(ids, []int64{1, 2, 3, 4, 5}) {
		t.Errorf("ids = %v", ids)
	}
	reqs := a.recorded()
	if len(reqs) != 3 {
		t.Fatalf("requests = %d", len(reqs))
	}
	for i, want := range []string{"", "c1", "c2"} {
		q, _ := url.ParseQuery(reqs[i].RawQuery)
		if q.Get("after_cursor") != want || q.Get("email") != "*" {
			t.Errorf("page %d query %v", i, q)
		}
		if i > 0 && q.Has("before_cursor") {
			t.Errorf("page %d still sends before_cursor", i)
		}
	}
}

func TestUsers_AllUsers_stopsOnBreak(t *testing.T) {
	for _, stopAfter := range []int{1, 2, 3} {
		a := newTestAPI(t)
		pagedUsers(a)
		n := 0
		for _, err := range a.client().AllUsers(context.Background(), ListUsersQuery{}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if n == stopAfter {
				break
			}
		}
		// Users 1-2 are on page 1, user 3 on page 2.
		wantReqs := map[int]int{1: 1, 2: 1, 3: 2}[stopAfter]
		if got := len(a.recorded()); got != wantReqs {
			t.Errorf("break after %d users: %d requests, want %d", stopAfter, got, wantReqs)
		}
	}
}

func TestUsers_AllUsers_errorYieldedOnce(t *testing.T) {
	a := newTestAPI(t)
	a.handle("GET /api/1/users", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after_cursor") == "" {
			writeJSON(w, 200, listOf(`[{"id":1}]`, "c1"))
			return
		}
		writeJSON(w, 500, `{"status":{"error":true,"code":500,"type":"error","message":"boom"}}`)
	})
	var ids []int64
	var errs []error
	for u, err := range a.client().AllUsers(context.Background(), ListUsersQuery{}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, u.ID)
	}
	if !reflect.DeepEqual(ids, []int64{1}) || len(errs) != 1 || !errors.Is(errs[0], ErrUnavailable) {
		t.Errorf("ids %v errs %v", ids, errs)
	}
}

func TestUsers_AllUsers_cursorLoopStops(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /api/1/users", 200, listOf(`[{"id":1}]`, "same"))
	var errs []error
	n := 0
	for _, err := range a.client().AllUsers(context.Background(), ListUsersQuery{}) {
		if err != nil {
			errs = append(errs, err)
		}
		if n++; n > 10 {
			t.Fatal("endless paging")
		}
	}
	if len(errs) != 1 || !errors.Is(errs[0], errCursorLoop) {
		t.Errorf("errs = %v", errs)
	}
}

func TestUsers_AllRoles(t *testing.T) {
	a := newTestAPI(t)
	a.handle("GET /api/1/roles", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after_cursor") == "" {
			writeJSON(w, 200, listOf(`[{"id":1,"name":"a"}]`, "r1"))
			return
		}
		writeJSON(w, 200, listOf(`[{"id":2,"name":"b"}]`, ""))
	})
	var names []string
	for r, err := range a.client().AllRoles(context.Background(), ListRolesQuery{ID: "1"}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, r.Name)
	}
	if !reflect.DeepEqual(names, []string{"a", "b"}) {
		t.Errorf("names = %v", names)
	}
	for r := range a.client().AllRoles(context.Background(), ListRolesQuery{}) {
		_ = r
		break
	}
}

func TestUsers_HashPassword(t *testing.T) {
	for _, tc := range []struct{ salt, clear, want string }{
		{"abc", "Secret1", "04998161b90beac1e580d600fe89a769f8043c1bb350168d254e7f5f93e3502b"},
		{"", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	} {
		if got := HashPassword(tc.salt, tc.clear); got != tc.want {
			t.Errorf("HashPassword(%q, %q) = %s", tc.salt, tc.clear, got)
		}
	}
}

func TestUsers_secretsNeverPrinted(t *testing.T) {
	a := newTestAPI(t)
	a.reply("PUT /api/1/users/set_password_clear_text/7", 400,
		`{"status":{"error":true,"code":400,"type":"bad request","message":"Password does not meet policy"}}`)
	a.reply("POST /api/1/users/7/mfa_token", 200, `{"mfa_token":"`+tokenMark+`-mfa","reusable":false,"expires_at":"2024-05-01T12:00:00Z"}`)
	a.reply("POST /api/1/users/8/mfa_token", 200, `{"mfa_token":"`+tokenMark+`-mfa","reusable":false,"expires_at":12}`)
	c := a.client()

	pwErr := c.SetPassword(context.Background(), 7, "s3cr3t-password", false)
	if pwErr == nil {
		t.Fatal("want the 400")
	}
	tok, err := c.GenerateMFAToken(context.Background(), 7, time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	_, badTokErr := c.GenerateMFAToken(context.Background(), 8, time.Minute, false)
	if badTokErr == nil {
		t.Fatal("want a decoding error")
	}

	bad, err := New(a.URL, testID, "s3cr3t-wrong")
	if err != nil {
		t.Fatal(err)
	}
	authErr := bad.Ping(context.Background())
	if !errors.Is(authErr, ErrUnauthorized) {
		t.Fatalf("err = %v", authErr)
	}

	hp := HashedPassword{Hash: HashPassword("s3cr3t", "x"), Salt: "s3cr3t"}
	for _, v := range []any{c, bad, pwErr, authErr, badTokErr, tok, *tok, hp, &hp, c.creds, c.tokens, &tokenFetcher{c: c}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			assertNoSecret(t, fmt.Sprintf("%s of %T", verb, v), fmt.Sprintf(verb, v))
		}
	}
	assertNoSecret(t, "err.Error()", pwErr.Error()+authErr.Error()+badTokErr.Error())
	if !strings.Contains(fmt.Sprint(c), a.URL) {
		t.Errorf("String should name the base URL: %s", c)
	}
	var nilClient *Client
	if got := fmt.Sprint(nilClient); got != "onelogin.Client(nil)" {
		t.Errorf("nil client prints %q", got)
	}
	if c.BaseURL() != a.URL {
		t.Errorf("BaseURL = %q", c.BaseURL())
	}
}
