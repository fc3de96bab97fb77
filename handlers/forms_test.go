package handlers

import (
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

// wantErrors compares the fields a Validate rejected with the expected ones.
func wantErrors(t *testing.T, got fieldErrors, fields ...string) {
	t.Helper()
	var keys []string
	for k, msg := range got {
		keys = append(keys, k)
		if strings.TrimSpace(msg) == "" {
			t.Errorf("field %s rejected with an empty message", k)
		}
	}
	slices.Sort(keys)
	slices.Sort(fields)
	if !slices.Equal(keys, fields) {
		t.Errorf("rejected fields = %v, want %v (messages %v)", keys, fields, got)
	}
	if len(fields) == 0 && got != nil {
		t.Errorf("Validate returned a non-nil empty map; callers test errs != nil")
	}
}

func TestTicketForm_Validate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ticket string
		bad    []string
	}{
		{"empty is fine", "", nil},
		{"a reference", "INC-4711 locked out", nil},
		{"exactly the limit", strings.Repeat("é", maxTicket), nil},
		{"too long", strings.Repeat("x", maxTicket+1), []string{"ticket"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := readTicketForm(url.Values{"ticket": {tc.ticket}})
			wantErrors(t, f.Validate(), tc.bad...)
		})
	}
	if f := readTicketForm(url.Values{"ticket": {"  INC-1  "}}); f.Ticket != "INC-1" {
		t.Errorf("ticket not trimmed: %q", f.Ticket)
	}
}

func TestLockForm_Validate(t *testing.T) {
	for _, tc := range []struct {
		minutes string
		want    int
		bad     []string
	}{
		{"0", 0, nil},
		{"15", 15, nil},
		{"60", 60, nil},
		{"1440", 1440, nil},
		{"525600", views.LockUntilUnlocked, nil},
		{"", 0, []string{"minutes"}},
		{"30", 0, []string{"minutes"}},
		{"-15", 0, []string{"minutes"}},
		{"1h", 0, []string{"minutes"}},
		{"15.5", 0, []string{"minutes"}},
	} {
		t.Run("minutes="+tc.minutes, func(t *testing.T) {
			f := readLockForm(url.Values{"minutes": {tc.minutes}})
			errs := f.Validate(views.Policy{}.LockPeriods())
			wantErrors(t, errs, tc.bad...)
			if errs == nil && f.minutes != tc.want {
				t.Errorf("minutes = %d, want %d", f.minutes, tc.want)
			}
		})
	}
}

// A policy with a 30-minute period: the lock menu offers that period and
// nothing shorter, and the form accepts only what the menu offers.
func TestLockForm_ValidateAgainstThePolicy(t *testing.T) {
	offered := views.Policy{LockMinutes: 30}.LockPeriods()
	for _, tc := range []struct {
		minutes string
		bad     []string
	}{
		{"0", nil},
		{"60", nil},
		{"525600", nil},
		{"15", []string{"minutes"}},
		{"30", []string{"minutes"}},
	} {
		t.Run("minutes="+tc.minutes, func(t *testing.T) {
			f := readLockForm(url.Values{"minutes": {tc.minutes}})
			wantErrors(t, f.Validate(offered), tc.bad...)
		})
	}
	if offered[0].Label != "The policy's period (30 minutes)" {
		t.Errorf("the policy's period is offered as %q, want it named with its length", offered[0].Label)
	}
}

func TestPasswordForm_Validate(t *testing.T) {
	long := strings.Repeat("a", maxPassword+1)
	for _, tc := range []struct {
		name string
		form url.Values
		bad  []string
	}{
		{"typed twice", url.Values{"mode": {"set"}, "password": {"Tr0ub4dor&3"}, "password_confirmation": {"Tr0ub4dor&3"}}, nil},
		{"mode defaults to typed", url.Values{"password": {"x"}, "password_confirmation": {"x"}}, nil},
		{"spaces are part of a password", url.Values{"password": {" a b "}, "password_confirmation": {" a b "}}, nil},
		{"generate ignores the inputs", url.Values{"mode": {"generate"}, "password": {"a"}, "password_confirmation": {"b"}}, nil},
		{"missing password", url.Values{"mode": {"set"}}, []string{"password"}},
		{"missing confirmation", url.Values{"password": {"abc"}}, []string{"password_confirmation"}},
		{"passwords differ", url.Values{"password": {"abc"}, "password_confirmation": {"abd"}}, []string{"password_confirmation"}},
		{"differ only by a space", url.Values{"password": {"abc"}, "password_confirmation": {"abc "}}, []string{"password_confirmation"}},
		{"too long", url.Values{"password": {long}, "password_confirmation": {long}}, []string{"password"}},
		{"unknown mode", url.Values{"mode": {"email"}, "password": {"a"}, "password_confirmation": {"a"}}, []string{"mode"}},
		{"bad ticket too", url.Values{"password": {"a"}, "password_confirmation": {"b"}, "ticket": {long + long}}, []string{"password_confirmation", "ticket"}},
		{"shorter than the policy", url.Values{"password": {"Ab3$xyz"}, "password_confirmation": {"Ab3$xyz"}}, []string{"password"}},
		{"as long as the policy", url.Values{"password": {"Ab3$wxyz"}, "password_confirmation": {"Ab3$wxyz"}}, nil},
		{"generate needs no length", url.Values{"mode": {"generate"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			policy := views.Policy{}
			if strings.Contains(tc.name, "policy") || strings.HasPrefix(tc.name, "generate needs") {
				policy.PasswordMinLength = 8
			}
			f := readPasswordForm(tc.form)
			wantErrors(t, f.Validate(policy), tc.bad...)
		})
	}
}

func TestPasswordForm_valuesNeverHoldThePassword(t *testing.T) {
	f := readPasswordForm(url.Values{"password": {"S3cret!pw"}, "password_confirmation": {"S3cret!pw-x"},
		"validate_policy": {"true"}, "ticket": {"INC-9"}})
	got := f.values()
	want := map[string]string{"ticket": "INC-9", "validate_policy": "true"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("values() = %v, want %v", got, want)
	}
}

func TestHashForm_Validate(t *testing.T) {
	hash := client.HashPassword("abc", "Secret1")
	for _, tc := range []struct {
		name string
		hash string
		salt string
		bad  []string
	}{
		{"salted", hash, "abc", nil},
		{"unsalted", hash, "", nil},
		{"upper-case hex is accepted", strings.ToUpper(hash), "abc", nil},
		{"salt at the limit", hash, strings.Repeat("s", maxSalt), nil},
		{"salt too long", hash, strings.Repeat("s", maxSalt+1), []string{"password_salt"}},
		{"missing hash", "", "abc", []string{"password_hash"}},
		{"short hash", hash[:63], "", []string{"password_hash"}},
		{"long hash", hash + "0", "", []string{"password_hash"}},
		{"not hex", strings.Repeat("g", 64), "", []string{"password_hash"}},
		{"both wrong", "xyz", strings.Repeat("s", 41), []string{"password_hash", "password_salt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := readHashForm(url.Values{"password_hash": {tc.hash}, "password_salt": {tc.salt}})
			errs := f.Validate()
			wantErrors(t, errs, tc.bad...)
			if errs == nil && f.Hash != strings.ToLower(tc.hash) {
				t.Errorf("hash not normalised to lower case: %q", f.Hash)
			}
			if v := f.values(); len(v) != 1 || v["ticket"] != "" {
				t.Errorf("values() = %v: the hash and salt must never go back into the page", v)
			}
		})
	}
}

func TestStateForm_Validate(t *testing.T) {
	for _, tc := range []struct {
		state string
		want  client.State
		bad   []string
	}{
		{"1", client.StateApproved, nil},
		{"2", client.StateRejected, nil},
		{"3", client.StateUnlicensed, nil},
		{"0", 0, []string{"state"}},
		{"4", 0, []string{"state"}},
		{"", 0, []string{"state"}},
		{"approved", 0, []string{"state"}},
	} {
		t.Run("state="+tc.state, func(t *testing.T) {
			f := readStateForm(url.Values{"state": {tc.state}})
			errs := f.Validate()
			wantErrors(t, errs, tc.bad...)
			if errs == nil && f.state != tc.want {
				t.Errorf("state = %v, want %v", f.state, tc.want)
			}
		})
	}
}

func TestMFAForm_Validate(t *testing.T) {
	for _, tc := range []struct {
		expires  string
		reusable string
		want     time.Duration
		reuse    bool
		bad      []string
	}{
		{"600", "", 10 * time.Minute, false, nil},
		{"3600", "true", time.Hour, true, nil},
		{"259200", "on", 72 * time.Hour, true, nil},
		{"120", "", 2 * time.Minute, false, nil},
		{"119", "", 0, false, []string{"expires_in"}},
		{"259201", "", 0, false, []string{"expires_in"}},
		{"0", "", 0, false, []string{"expires_in"}},
		{"-600", "", 0, false, []string{"expires_in"}},
		{"", "", 0, false, []string{"expires_in"}},
		{"1h", "", 0, false, []string{"expires_in"}},
	} {
		t.Run("expires_in="+tc.expires, func(t *testing.T) {
			f := readMFAForm(url.Values{"expires_in": {tc.expires}, "reusable": {tc.reusable}})
			errs := f.Validate()
			wantErrors(t, errs, tc.bad...)
			if errs == nil && (f.expiresIn != tc.want || f.Reusable != tc.reuse) {
				t.Errorf("got %v reusable=%v, want %v reusable=%v", f.expiresIn, f.Reusable, tc.want, tc.reuse)
			}
		})
	}
	// Every offered choice must be accepted.
	for _, o := range views.MFAValidities {
		f := mfaForm{ExpiresIn: strconv.Itoa(o.Seconds)}
		if errs := f.Validate(); errs != nil {
			t.Errorf("offered validity %s refused: %v", o.Label, errs)
		}
	}
}

func TestRolesForm_Validate(t *testing.T) {
	tenant := []client.Role{{ID: 101, Name: "Default"}, {ID: 202, Name: "Engineering"}, {ID: 303, Name: "Sales"}}
	for _, tc := range []struct {
		name  string
		ids   []string
		want  []int64
		names []string
		bad   []string
	}{
		{"one role", []string{"202"}, []int64{202}, []string{"Engineering"}, nil},
		{"several, duplicates dropped", []string{"303", "101", "303"}, []int64{303, 101}, []string{"Sales", "Default"}, nil},
		{"blank entries ignored", []string{"", " 101 "}, []int64{101}, []string{"Default"}, nil},
		{"none chosen", nil, nil, nil, []string{"role_id"}},
		{"only the placeholder", []string{""}, nil, nil, []string{"role_id"}},
		{"unknown role", []string{"999"}, nil, nil, []string{"role_id"}},
		{"not a number", []string{"Engineering"}, nil, nil, []string{"role_id"}},
		{"one good one unknown", []string{"101", "404"}, nil, nil, []string{"role_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := readRolesForm(url.Values{"role_id": tc.ids})
			errs := f.Validate(tenant)
			wantErrors(t, errs, tc.bad...)
			if errs == nil && (!slices.Equal(f.ids, tc.want) || !slices.Equal(f.names, tc.names)) {
				t.Errorf("ids %v names %v, want %v %v", f.ids, f.names, tc.want, tc.names)
			}
		})
	}
}

func TestAttributesForm_Validate(t *testing.T) {
	defined := []string{"employee_no", "cost_center"}
	current := map[string]string{"employee_no": "E-1", "cost_center": ""}
	for _, tc := range []struct {
		name    string
		form    url.Values
		changed map[string]string
		bad     []string
	}{
		{"one changed", url.Values{"attr.employee_no": {"E-2"}, "attr.cost_center": {""}}, map[string]string{"employee_no": "E-2"}, nil},
		{"clear a value", url.Values{"attr.employee_no": {""}}, map[string]string{"employee_no": ""}, nil},
		{"values trimmed", url.Values{"attr.cost_center": {"  CC-7 "}}, map[string]string{"cost_center": "CC-7"}, nil},
		{"nothing changed", url.Values{"attr.employee_no": {"E-1"}, "attr.cost_center": {""}}, nil, []string{formError}},
		{"nothing posted", url.Values{"ticket": {"x"}}, nil, []string{formError}},
		{"unknown attribute", url.Values{"attr.employee_no": {"E-3"}, "attr.badge": {"7"}}, nil, []string{formError}},
		{"too long", url.Values{"attr.cost_center": {strings.Repeat("c", maxAttribute+1)}}, nil, []string{"attr.cost_center"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := readAttributesForm(tc.form)
			errs := f.Validate(defined, current)
			wantErrors(t, errs, tc.bad...)
			if errs == nil && !reflect.DeepEqual(f.changed, tc.changed) {
				t.Errorf("changed = %v, want %v", f.changed, tc.changed)
			}
		})
	}
}

func TestProfileForm_Validate(t *testing.T) {
	ok := url.Values{"firstname": {"Marguerite"}, "lastname": {"Dubois"}, "email": {"marguerite.dubois@example.com"}}
	// with is ok with some fields replaced: with("email", "", "username", "x").
	with := func(kv ...string) url.Values {
		out := url.Values{}
		for key, vals := range ok {
			out[key] = vals
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	for _, tc := range []struct {
		name string
		form url.Values
		bad  []string
	}{
		{"complete", ok, nil},
		{"username instead of email", with("email", "", "username", "mdubois"), nil},
		{"missing first name", with("firstname", " "), []string{"firstname"}},
		{"missing last name", with("lastname", ""), []string{"lastname"}},
		{"neither email nor username", with("email", ""), []string{"email"}},
		{"email with a display name", with("email", "Marguerite <m@example.com>"), []string{"email"}},
		{"not an email", with("email", "marguerite"), []string{"email"}},
		{"username with a space", with("username", "m dubois"), []string{"username"}},
		{"very long title", with("title", strings.Repeat("t", maxField+1)), []string{"title"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := readProfileForm(tc.form)
			wantErrors(t, f.Validate(), tc.bad...)
		})
	}
}

func TestProfileForm_update(t *testing.T) {
	u := client.User{Firstname: "Marguerite", Lastname: "Dubois", Email: "m@example.com", Department: "Sales", Title: "Rep"}
	f := profileFormOf(u)
	if _, changed := f.update(u); len(changed) != 0 {
		t.Fatalf("an untouched form changes %v", changed)
	}
	f.Department, f.Title, f.Phone = "Finance", "", "+33 1 23"
	up, changed := f.update(u)
	want := []fieldChange{{"department", "Sales", "Finance"}, {"title", "Rep", ""}, {"phone", "", "+33 1 23"}}
	if !slices.Equal(changed, want) {
		t.Errorf("changed = %v, want %v", changed, want)
	}
	params := changeParams(changed)
	if params["fields"] != "department,title,phone" || params["department_was"] != "Sales" || params["department"] != "Finance" ||
		params["title_was"] != "Rep" || params["title"] != "" || params["phone_was"] != "" {
		t.Errorf("audit params = %v", params)
	}
	if up.Department == nil || *up.Department != "Finance" || up.Title == nil || *up.Title != "" || up.Phone == nil {
		t.Errorf("update body wrong: %+v", up)
	}
	if up.Firstname != nil || up.Email != nil || up.Comment != nil {
		t.Errorf("unchanged fields are sent: %+v", up)
	}
}

func TestDeleteForm_Validate(t *testing.T) {
	both := client.User{Email: "marguerite.dubois@example.com", Username: "mdubois"}
	noEmail := client.User{Username: "kiosk-7"}
	for _, tc := range []struct {
		name    string
		user    client.User
		confirm string
		bad     []string
	}{
		{"email typed", both, "marguerite.dubois@example.com", nil},
		{"username typed", both, "mdubois", nil},
		{"surrounding spaces ignored", both, "  mdubois ", nil},
		{"username-only account", noEmail, "kiosk-7", nil},
		{"nothing typed", both, "", []string{"confirm"}},
		{"wrong case", both, "Marguerite.Dubois@example.com", []string{"confirm"}},
		{"another person", both, "someone@example.com", []string{"confirm"}},
		{"empty username does not match empty confirm", client.User{Email: "a@example.com"}, " ", []string{"confirm"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := readDeleteForm(url.Values{"confirm": {tc.confirm}})
			wantErrors(t, f.Validate(tc.user), tc.bad...)
		})
	}
}

// TestGeneratePassword: a generated password reads aloud (four groups of
// four, no look-alike characters) and still has every class a policy asks.
func TestGeneratePassword(t *testing.T) {
	shape := regexp.MustCompile(`^[A-HJ-NP-Za-km-np-z2-9]{4}(-[A-HJ-NP-Za-km-np-z2-9]{4}){3}$`)
	seen := map[string]bool{}
	for range 200 {
		pw, err := generatePassword()
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(pw) {
			t.Fatalf("%q is not four groups of four readable characters", pw)
		}
		for _, class := range []string{readableUpper, readableLower, readableDigits} {
			if !strings.ContainsAny(pw, class) {
				t.Fatalf("%q lacks a character of %q", pw, class)
			}
		}
		if strings.ContainsAny(pw, "IOlo01") {
			t.Fatalf("%q has a look-alike character", pw)
		}
		if seen[pw] {
			t.Fatalf("the same password twice: %q", pw)
		}
		seen[pw] = true
	}
}
