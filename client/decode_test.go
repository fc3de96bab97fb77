package client

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// One test per shape quirk of the real API (reference §2.2, §3, §4).

// realUser is a user object as recorded from the real API (35 keys).
const realUser = `{"activated_at":"2021-04-28T21:10:57.207Z","created_at":"2021-04-28T21:10:57.198Z",
"email":"ann@example.com","username":"","firstname":"Ann","group_id":null,"invalid_login_attempts":0,
"invitation_sent_at":null,"last_login":"2022-01-12T09:01:02.345Z","lastname":"Lee","locked_until":null,
"comment":"","openid_name":"ann","locale_code":null,"preferred_locale_code":null,"password_changed_at":"2021-04-28T21:10:57.237Z",
"phone":"","status":1,"updated_at":"2022-01-12T09:01:02.400Z","distinguished_name":null,"external_id":null,
"directory_id":null,"member_of":null,"samaccountname":null,"userprincipalname":null,"manager_ad_id":null,
"manager_user_id":null,"role_id":[101,202],"company":"Acme","department":"","title":"","state":1,
"trusted_idp_id":null,"custom_attributes":{"employee_no":"E-7","cost_center":null},"id":7}`

func getUserWith(t *testing.T, body string) *User {
	t.Helper()
	a := newTestAPI(t)
	a.reply("GET /api/1/users/7", 200, body)
	u, err := a.client().GetUser(context.Background(), 7)
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	return u
}

func TestDecode_GetUser_oneElementArray(t *testing.T) {
	u := getUserWith(t, envelopeOf(`[`+realUser+`]`))
	if u.ID != 7 || u.Email != "ann@example.com" || u.Name() != "Ann Lee" || u.Company != "Acme" ||
		u.Status != StatusActive || u.State != StateApproved || !reflect.DeepEqual(u.RoleIDs, []int64{101, 202}) {
		t.Errorf("user = %+v", u)
	}
}

func TestDecode_GetUser_emptyDataIsAnError(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /api/1/users/7", 200, envelopeOf(`[]`))
	_, err := a.client().GetUser(context.Background(), 7)
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a TransportError for the unreadable answer", err)
	}
}

func TestDecode_User_roleIDNull(t *testing.T) {
	u := getUserWith(t, envelopeOf(`[{"id":7,"role_id":null}]`))
	if u.RoleIDs != nil {
		t.Errorf("RoleIDs = %v, want nil", u.RoleIDs)
	}
}

func TestDecode_User_externalIDStringOrNumber(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`"EXT-9"`, "EXT-9"}, {`12345`, "12345"}, {`null`, ""},
	} {
		u := getUserWith(t, envelopeOf(`[{"id":7,"external_id":`+tc.raw+`,"manager_ad_id":`+tc.raw+`}]`))
		if u.ExternalID != tc.want || u.ManagerADID != tc.want {
			t.Errorf("%s: external_id %q manager_ad_id %q, want %q", tc.raw, u.ExternalID, u.ManagerADID, tc.want)
		}
	}
}

func TestDecode_User_timesWithMillisecondsOrNull(t *testing.T) {
	u := getUserWith(t, envelopeOf(`[{"id":7,"created_at":"2021-04-28T21:10:57.207Z","locked_until":null,
		"last_login":"2021-04-28T21:10:57Z","activated_at":"","updated_at":"2021-04-28T23:10:57.5+02:00"}]`))
	want := time.Date(2021, 4, 28, 21, 10, 57, 207e6, time.UTC)
	if !u.CreatedAt.Equal(want) {
		t.Errorf("CreatedAt = %v, want %v", u.CreatedAt, want)
	}
	if !u.LockedUntil.IsZero() || !u.ActivatedAt.IsZero() {
		t.Errorf("null/empty times should be zero: %v %v", u.LockedUntil, u.ActivatedAt)
	}
	if !u.LastLogin.Equal(want.Truncate(time.Second)) {
		t.Errorf("LastLogin = %v", u.LastLogin)
	}
	if !u.UpdatedAt.Equal(time.Date(2021, 4, 28, 21, 10, 57, 5e8, time.UTC)) {
		t.Errorf("UpdatedAt = %v", u.UpdatedAt)
	}
}

func TestDecode_User_badTimeIsAnError(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /api/1/users/7", 200, envelopeOf(`[{"id":7,"created_at":"yesterday"}]`))
	if _, err := a.client().GetUser(context.Background(), 7); err == nil {
		t.Fatal("want an error for an unparseable time")
	}
}

func TestDecode_User_customAttributesNull(t *testing.T) {
	u := getUserWith(t, envelopeOf(`[{"id":7,"custom_attributes":{"employee_no":"E-7","cost_center":null,"desk":""}}]`))
	want := map[string]string{"employee_no": "E-7", "cost_center": "", "desk": ""}
	if !reflect.DeepEqual(u.CustomAttributes, want) {
		t.Errorf("CustomAttributes = %v, want %v", u.CustomAttributes, want)
	}
}

func TestDecode_CreateUser_statusNull(t *testing.T) {
	a := newTestAPI(t)
	a.reply("POST /api/1/users", 201, envelopeOf(`[{"id":8,"firstname":"Bo","lastname":"Ng","email":"bo@example.com",
		"activated_at":null,"invalid_login_attempts":null,"last_login":null,"locked_until":null,"phone":null,"status":null,"openid_name":"bo"}]`))
	u, err := a.client().CreateUser(context.Background(), UserCreate{Firstname: "Bo", Lastname: "Ng", Email: "bo@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != 8 || u.Status != StatusUnactivated || u.InvalidLoginAttempts != 0 || u.Phone != "" {
		t.Errorf("user = %+v", u)
	}
}

func TestDecode_User_notesFallback(t *testing.T) {
	u := getUserWith(t, envelopeOf(`[{"id":7,"notes":"old style"}]`))
	if u.Comment != "old style" {
		t.Errorf("Comment = %q", u.Comment)
	}
}

func TestDecode_UserRoleIDs_nested(t *testing.T) {
	for _, tc := range []struct {
		data string
		want []int64
	}{
		{`[[101,202]]`, []int64{101, 202}},
		{`[[]]`, []int64{}},
		{`[101]`, []int64{101}}, // the documented-but-wrong flat shape still works
	} {
		a := newTestAPI(t)
		a.reply("GET /api/1/users/7/roles", 200, envelopeOf(tc.data))
		ids, err := a.client().UserRoleIDs(context.Background(), 7)
		if err != nil {
			t.Fatalf("%s: %v", tc.data, err)
		}
		if !reflect.DeepEqual(ids, tc.want) {
			t.Errorf("%s: ids = %#v, want %#v", tc.data, ids, tc.want)
		}
	}
}

func TestDecode_CustomAttributeNames_nested(t *testing.T) {
	for _, tc := range []struct {
		data string
		want []string
	}{
		{`[["employee_no","cost_center"]]`, []string{"employee_no", "cost_center"}},
		{`[[]]`, []string{}},
	} {
		a := newTestAPI(t)
		a.reply("GET /api/1/users/custom_attributes", 200, envelopeOf(tc.data))
		names, err := a.client().CustomAttributeNames(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(names, tc.want) {
			t.Errorf("%s: names = %#v, want %#v", tc.data, names, tc.want)
		}
	}
}

func userApps(t *testing.T, data string) []App {
	t.Helper()
	a := newTestAPI(t)
	a.reply("GET /api/1/users/7/apps", 200, envelopeOf(data))
	apps, err := a.client().UserApps(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	return apps
}

func TestDecode_UserApps_emptyIsNestedArray(t *testing.T) {
	if apps := userApps(t, `[[]]`); len(apps) != 0 {
		t.Errorf("apps = %v, want none", apps)
	}
}

func TestDecode_UserApps_provisionedStringOrNull(t *testing.T) {
	apps := userApps(t, `[{"id":1,"name":"Slack","provisioned":"pending"},{"id":2,"name":"Box","provisioned":null}]`)
	if len(apps) != 2 || apps[0].Provisioned != "pending" || apps[1].Provisioned != "" {
		t.Errorf("apps = %+v", apps)
	}
}

func TestDecode_UserApps_loginIDNumberStringOrNull(t *testing.T) {
	apps := userApps(t, `[{"id":1,"login_id":12345,"extension":true,"personal":false,"icon":"/images/x.png"},
		{"id":2,"login_id":"ann@example.com"},{"id":3,"login_id":null}]`)
	got := []string{apps[0].LoginID, apps[1].LoginID, apps[2].LoginID}
	if !reflect.DeepEqual(got, []string{"12345", "ann@example.com", ""}) {
		t.Errorf("login ids = %q", got)
	}
	if !apps[0].Extension || apps[0].Personal || apps[0].Icon != "/images/x.png" {
		t.Errorf("app = %+v", apps[0])
	}
}

func TestDecode_MFAToken_noEnvelope(t *testing.T) {
	a := newTestAPI(t)
	a.reply("POST /api/1/users/7/mfa_token", 200, `{"mfa_token":"12345678","reusable":true,"expires_at":"2024-05-01T12:00:00Z"}`)
	tok, err := a.client().GenerateMFAToken(context.Background(), 7, 5*time.Minute, true)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token != "12345678" || !tok.Reusable || !tok.ExpiresAt.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("token = %#v", *tok)
	}
}

func TestDecode_RateLimitStatus_dataObject(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /auth/rate_limit", 200, envelopeOf(`{"X-RateLimit-Limit":5000,"X-RateLimit-Remaining":4900,"X-RateLimit-Reset":600}`))
	c := a.client()
	rl, err := c.RateLimitStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rl.Limit != 5000 || rl.Remaining != 4900 || rl.Reset != 10*time.Minute || rl.Observed.IsZero() {
		t.Errorf("rate limit = %+v", rl)
	}
	if got := c.RateLimit(); got != rl {
		t.Errorf("RateLimit() = %+v, want %+v", got, rl)
	}
}

func TestDecode_RateLimitStatus_missingKeys(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /auth/rate_limit", 200, envelopeOf(`{"other":1}`))
	if _, err := a.client().RateLimitStatus(context.Background()); err == nil {
		t.Fatal("want an error when no rate-limit key is present")
	}
}

func TestDecode_ListRoles(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /api/1/roles", 200, listOf(`[{"id":101,"name":"Default"},{"id":202,"name":"Engineering"}]`, ""))
	roles, page, err := a.client().ListRoles(context.Background(), ListRolesQuery{Name: "*-us", Sort: "+id", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(roles, []Role{{101, "Default"}, {202, "Engineering"}}) || page != (Page{}) {
		t.Errorf("roles = %v page = %+v", roles, page)
	}
	if q := a.recorded()[0].RawQuery; q != "limit=10&name=%2A-us&sort=%2Bid" {
		t.Errorf("query = %s", q)
	}
}

// The list calls decode the usual flat answer in one pass and every other
// shape through the general path; both must give the same people.
func TestDecode_ListUsers_everyShapeOfData(t *testing.T) {
	ann := `{"id":7,"firstname":"Ann","lastname":"Lee","status":"3","locked_until":"2024-05-01T12:00:00Z"}`
	bo := `{"id":"8","firstname":"Bo","email":"bo@example.com","status":1,"last_login":null}`
	want := []User{
		{ID: 7, Firstname: "Ann", Lastname: "Lee", Status: StatusLocked, LockedUntil: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)},
		{ID: 8, Firstname: "Bo", Email: "bo@example.com", Status: StatusActive},
	}
	for _, tc := range []struct {
		name, data string
		want       []User
	}{
		{"flat", `[` + ann + `,` + bo + `]`, want},
		{"nested", `[[` + ann + `,` + bo + `]]`, want},
		{"mixed", `[` + ann + `,[` + bo + `]]`, want},
		{"empty nested", `[[]]`, []User{}},
		{"empty", `[]`, []User{}},
		{"null", `null`, []User{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply("GET /api/1/users", 200, listOf(tc.data, "next-c"))
			users, page, err := a.client().ListUsers(context.Background(), ListUsersQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(users, tc.want) || page.AfterCursor != "next-c" {
				t.Errorf("users = %+v page = %+v, want %+v", users, page, tc.want)
			}
		})
	}
}

func TestDecode_ListUsers_badItemNamesItsPosition(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /api/1/users", 200, listOf(`[{"id":7},{"id":8,"created_at":"yesterday"}]`, ""))
	_, _, err := a.client().ListUsers(context.Background(), ListUsersQuery{})
	var te *TransportError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "user 1: want an RFC 3339 time or null") {
		t.Fatalf("err = %v, want the general path's message for item 1", err)
	}
}

func TestDecode_ListUsers_errorStatusWithHTTP200(t *testing.T) {
	for _, data := range []string{`[]`, `[[]]`} { // the one-pass and the general path
		a := newTestAPI(t)
		a.reply("GET /api/1/users", 200, `{"status":{"error":true,"code":400,"type":"bad request","message":"Invalid query"},"data":`+data+`}`)
		_, _, err := a.client().ListUsers(context.Background(), ListUsersQuery{})
		var e *Error
		if !errors.As(err, &e) || e.HTTPStatus != 400 || e.Message != "Invalid query" {
			t.Errorf("data %s: err = %v, want the 400 the status block says", data, err)
		}
	}
}

func TestDecode_GetUser_bareObjectAndWrongCounts(t *testing.T) {
	if u := getUserWith(t, envelopeOf(realUser)); u.ID != 7 || u.Name() != "Ann Lee" {
		t.Errorf("bare object: user = %+v", u)
	}
	for _, data := range []string{`[{"id":7},{"id":8}]`, `[[{"id":7},{"id":8}]]`, `null`} {
		a := newTestAPI(t)
		a.reply("GET /api/1/users/7", 200, envelopeOf(data))
		_, err := a.client().GetUser(context.Background(), 7)
		if err == nil || !strings.Contains(err.Error(), "want one user in data") {
			t.Errorf("data %s: err = %v, want one user", data, err)
		}
	}
}

func TestDecode_UserApps_notJSONIsAnError(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /api/1/users/7/apps", 200, `{"status":`)
	_, err := a.client().UserApps(context.Background(), 7)
	var te *TransportError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "unreadable answer") {
		t.Fatalf("err = %v, want an unreadable answer", err)
	}
}

func TestDecode_flexShortcuts(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		str     string
		strOK   bool
		integer int64
		intOK   bool
	}{
		{`"plain"`, "plain", true, 0, false},
		{`""`, "", true, 0, true},
		{`"Zoë"`, "Zoë", true, 0, false},
		{`"Zo\u00eb"`, "Zoë", true, 0, false},
		{`"a\"b"`, `a"b`, true, 0, false},
		{"\"tab\there\"", "", false, 0, false},
		{"\"bad \xff utf8\"", "bad \uFFFD utf8", true, 0, false},
		{`"42"`, "42", true, 42, true},
		{` 42 `, "42", true, 42, true},
		{`-0`, "-0", true, 0, true},
		{`-17`, "-17", true, -17, true},
		{`1.5e3`, "1.5e3", true, 0, false},
		{`007`, "", false, 0, false},
		{`1.`, "", false, 0, false},
		{`-`, "", false, 0, false},
		{`9223372036854775807`, "9223372036854775807", true, 9223372036854775807, true},
		{`9223372036854775808`, "9223372036854775808", true, 0, false},
		{`null`, "", true, 0, true},
		{`true`, "", false, 0, false},
	} {
		var s flexString
		err := s.UnmarshalJSON([]byte(tc.raw))
		if (err == nil) != tc.strOK || string(s) != tc.str {
			t.Errorf("flexString(%s) = %q, %v; want %q ok=%v", tc.raw, s, err, tc.str, tc.strOK)
		}
		var n flexInt
		err = n.UnmarshalJSON([]byte(tc.raw))
		if (err == nil) != tc.intOK || int64(n) != tc.integer {
			t.Errorf("flexInt(%s) = %d, %v; want %d ok=%v", tc.raw, n, err, tc.integer, tc.intOK)
		}
	}
}
