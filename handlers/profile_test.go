package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/fakeonelogin"
)

func TestProfile_newUserForm(t *testing.T) {
	for _, tc := range []struct {
		role   access.Role
		status int
	}{
		{access.RoleAdmin, http.StatusOK},
		{access.RoleHelpdesk, http.StatusForbidden},
		{access.RoleViewer, http.StatusForbidden},
	} {
		t.Run(tc.role.String(), func(t *testing.T) {
			c := newConsole(t, tc.role)
			rec := c.get("/users/new")
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if tc.status != http.StatusOK {
				return
			}
			d := doc(t, rec)
			form := d.Find("form[data-testid=profile-form]")
			if a, _ := form.Attr("action"); a != "/users" {
				t.Errorf("form posts to %q", a)
			}
			for _, name := range []string{"firstname", "lastname", "email", "username", "ticket", "csrf_token"} {
				if form.Find(`input[name="`+name+`"]`).Length() != 1 {
					t.Errorf("no %s input", name)
				}
			}
			if form.Find(`input[name="comment"]`).Length() != 0 {
				t.Errorf("create offers a comment, which OneLogin's create call does not take")
			}
		})
	}
}

func TestProfile_create(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	form := url.Values{"firstname": {"Inès"}, "lastname": {"Moreau"}, "email": {"ines.moreau@example.com"},
		"department": {"Finance"}, "ticket": {"HR-12"}}
	rec := c.do("POST", "/users", form, false)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	u, ok := c.fake.Tenant.FindByEmail("ines.moreau@example.com")
	if !ok {
		t.Fatal("user not created")
	}
	if u.Firstname != "Inès" || u.Department != "Finance" {
		t.Errorf("created %+v", u)
	}
	if loc := rec.Header().Get("Location"); loc != "/users/"+strconv.FormatInt(u.ID, 10) {
		t.Errorf("Location = %q", loc)
	}
	r := actOneRecord(t, c)
	if r.Action != access.CreateUser || r.Outcome != audit.OutcomeSucceeded || r.TargetEmail != "ines.moreau@example.com" ||
		r.TargetName != "Inès Moreau" || r.Params["email"] != "ines.moreau@example.com" || r.Ticket != "HR-12" || r.TargetID != u.ID {
		t.Errorf("audit = %+v, want the new person's id %d as its target", r, u.ID)
	}
	// The creation is the first line of the new person's history.
	page := doc(t, c.get("/users/"+strconv.FormatInt(u.ID, 10)))
	if got := page.Find("[data-testid=history]").Text(); !strings.Contains(got, "Created") {
		t.Errorf("history on the new person's page: %q", got)
	}

	// Through htmx the browser is sent on with HX-Redirect.
	rec = c.post("/users", url.Values{"firstname": {"Kai"}, "lastname": {"Berg"}, "username": {"kberg"}})
	if rec.Code != http.StatusNoContent || !strings.HasPrefix(rec.Header().Get("HX-Redirect"), "/users/") {
		t.Errorf("htmx create: status %d HX-Redirect %q", rec.Code, rec.Header().Get("HX-Redirect"))
	}
}

func TestProfile_createInvalid(t *testing.T) {
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"no last name", url.Values{"firstname": {"Inès"}, "email": {"i@example.com"}}, "lastname"},
		{"no email or username", url.Values{"firstname": {"Inès"}, "lastname": {"Moreau"}}, "email"},
		{"bad email", url.Values{"firstname": {"Inès"}, "lastname": {"Moreau"}, "email": {"ines@"}}, "email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleAdmin)
			rec := c.do("POST", "/users", tc.form, false)
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", rec.Code)
			}
			d := doc(t, rec)
			if d.Find("[data-testid=error-"+tc.field+"]").Length() != 1 {
				t.Errorf("no message beside %s", tc.field)
			}
			if v, _ := d.Find(`input[name="firstname"]`).Attr("value"); v != tc.form.Get("firstname") {
				t.Errorf("typed first name not kept: %q", v)
			}
			if w := actWrites(c); len(w) != 0 {
				t.Errorf("OneLogin called: %v", w)
			}
			if len(c.records()) != 0 {
				t.Errorf("audited")
			}
		})
	}
}

func TestProfile_createRejectedByOneLogin(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	rec := c.do("POST", "/users", url.Values{"firstname": {"Marguerite"}, "lastname": {"Twin"},
		"email": {fakeonelogin.PersonaLocked}}, false)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", rec.Code)
	}
	got := strings.TrimSpace(doc(t, rec).Find("[data-testid=notice]").Text())
	if !strings.HasPrefix(got, "OneLogin rejected the new user: Validation failed: Email must be unique") {
		t.Errorf("notice = %q", got)
	}
	r := actOneRecord(t, c)
	if r.Outcome != audit.OutcomeFailed || r.Status != http.StatusBadRequest {
		t.Errorf("audit = %+v", r)
	}
}

func TestProfile_editAndUpdate(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	id := c.userID(fakeonelogin.PersonaNoRoles)
	before, _ := c.fake.Tenant.User(id)
	path := "/users/" + strconv.FormatInt(id, 10)

	rec := c.get(path + "/edit")
	if rec.Code != http.StatusOK {
		t.Fatalf("edit: status %d", rec.Code)
	}
	d := doc(t, rec)
	form := url.Values{}
	d.Find("form[data-testid=profile-form] input").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		val, _ := s.Attr("value")
		form.Set(name, val)
	})
	if form.Get("email") != before.Email || form.Get("firstname") != before.Firstname {
		t.Fatalf("edit form not filled from OneLogin: %v", form)
	}
	if a, _ := d.Find("form[data-testid=profile-form]").Attr("action"); a != path {
		t.Errorf("edit form posts to %q", a)
	}

	// Saving untouched is refused without a call.
	rec = c.do("POST", path, form, false)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Nothing to save") {
		t.Errorf("untouched save: status %d", rec.Code)
	}
	if w := actWrites(c); len(w) != 0 {
		t.Errorf("OneLogin called for nothing: %v", w)
	}

	form.Set("department", "Procurement")
	form.Set("title", "Buyer")
	form.Set("ticket", "HR-99")
	rec = c.do("POST", path, form, false)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != path {
		t.Fatalf("save: status %d Location %q: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	after, _ := c.fake.Tenant.User(id)
	if after.Department != "Procurement" || after.Title != "Buyer" || after.Email != before.Email {
		t.Errorf("after save: %+v", after)
	}
	r := actOneRecord(t, c)
	if r.Action != access.UpdateUser || r.Outcome != audit.OutcomeSucceeded || r.Ticket != "HR-99" {
		t.Errorf("audit = %+v", r)
	}
	if f := r.Params["fields"]; !strings.Contains(f, "department") || !strings.Contains(f, "title") || strings.Contains(f, "email") {
		t.Errorf("audit fields = %q", f)
	}
	if r.Params["department_was"] != before.Department || r.Params["department"] != "Procurement" || r.Params["title"] != "Buyer" {
		t.Errorf("the audit record does not hold the old and new values: %v", r.Params)
	}

	// A mistake comes back with the message beside the field and no call.
	c.fake.Tenant.ResetCalls()
	form.Set("email", "not-an-email")
	rec = c.do("POST", path, form, false)
	if rec.Code != http.StatusUnprocessableEntity || doc(t, rec).Find("[data-testid=error-email]").Length() != 1 {
		t.Errorf("bad email: status %d", rec.Code)
	}
	if w := actWrites(c); len(w) != 0 {
		t.Errorf("OneLogin called: %v", w)
	}
}

func TestProfile_editRefusedBelowAdmin(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	id := c.userID(fakeonelogin.PersonaNoRoles)
	path := "/users/" + strconv.FormatInt(id, 10)
	for _, rec := range []int{c.get(path + "/edit").Code, c.do("POST", path, url.Values{"firstname": {"X"}}, false).Code} {
		if rec != http.StatusForbidden {
			t.Errorf("status %d, want 403", rec)
		}
	}
	if n := c.fake.Tenant.CallCount("", "/api/"); n != 0 {
		t.Errorf("OneLogin called %d times", n)
	}
}

func TestProfile_delete(t *testing.T) {
	for _, tc := range []struct {
		name    string
		confirm func(email string) string
		deleted bool
	}{
		{"email typed", func(e string) string { return e }, true},
		{"wrong person", func(string) string { return "someone@example.com" }, false},
		{"case differs", func(e string) string { return strings.ToUpper(e) }, false},
		{"nothing typed", func(string) string { return "" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, access.RoleAdmin)
			id := c.userID(fakeonelogin.PersonaLocked)
			rec := c.post(actPath(id, "delete"), url.Values{"confirm": {tc.confirm(fakeonelogin.PersonaLocked)}, "ticket": {"HR-1"}})
			_, exists := c.fake.Tenant.User(id)
			if exists == tc.deleted {
				t.Fatalf("user exists = %v after delete (status %d)", exists, rec.Code)
			}
			if tc.deleted {
				if rec.Header().Get("HX-Redirect") != "/users" {
					t.Errorf("status %d HX-Redirect %q, want back to search", rec.Code, rec.Header().Get("HX-Redirect"))
				}
				r := actOneRecord(t, c)
				if r.Action != access.DeleteUser || r.Outcome != audit.OutcomeSucceeded || r.TargetEmail != fakeonelogin.PersonaLocked ||
					r.TargetName != "Marguerite Dubois" || r.Ticket != "HR-1" {
					t.Errorf("audit = %+v", r)
				}
				return
			}
			if rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("status %d, want 422", rec.Code)
			}
			d := actFragment(t, rec, "panel-danger")
			q := strings.Join(strings.Fields(d.Find("[data-testid=delete-question]").Text()), " ")
			if want := "Delete Marguerite Dubois (marguerite.dubois@example.com)? Type their email to confirm."; q != want {
				t.Errorf("question = %q, want %q", q, want)
			}
			if d.Find("[data-testid=error-confirm]").Length() != 1 {
				t.Errorf("no message beside the confirmation")
			}
			if w := actWrites(c); len(w) != 0 {
				t.Errorf("OneLogin called: %v", w)
			}
			if len(c.records()) != 0 {
				t.Errorf("audited")
			}
		})
	}
}

func TestProfile_deleteWithoutJavaScriptGoesToSearch(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	id := c.userID(fakeonelogin.PersonaNoRoles)
	rec := c.do("POST", actPath(id, "delete"), url.Values{"confirm": {fakeonelogin.PersonaNoRoles}}, false)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/users" {
		t.Errorf("status %d Location %q", rec.Code, rec.Header().Get("Location"))
	}
	if _, ok := c.fake.Tenant.User(id); ok {
		t.Errorf("not deleted")
	}
}

// setState changes a person's state at the fake tenant, as OneLogin's own
// admin pages would.
func setState(t *testing.T, c *console, id int64, st client.State) {
	t.Helper()
	ol, err := client.New(c.fake.URL, c.fake.ClientID, c.fake.ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := ol.SetState(context.Background(), id, st); err != nil {
		t.Fatal(err)
	}
}

func sameParams(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// TestProfile_createSetsUpTheAccount: the create form gives the new person
// roles, a manager found by email and a mailed invitation, each its own
// audited action after the creation; the new page says so once. A manager
// nobody has is refused before anything is created.
func TestProfile_createSetsUpTheAccount(t *testing.T) {
	c := newConsole(t, access.RoleAdmin)
	s := newSession(c)
	form := url.Values{"firstname": {"Nadia"}, "lastname": {"Kowalczyk"}, "email": {"nadia.k@example.com"}, "ticket": {"HR-7"},
		"manager_email": {fakeonelogin.PersonaAdmin}, "role_id": {id(fakeonelogin.RoleIDViewers)}, "invite": {"true"}}

	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("manager_email", "nobody.here@example.com")
	rec := s.do("POST", "/users", bad, false)
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if textOf(doc(t, rec), `[data-testid="error-manager_email"]`) == "" || len(actWrites(c)) != 0 {
		t.Fatalf("an unknown manager was not refused before the creation")
	}

	rec = s.do("POST", "/users", form, false)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create: %d %.300s", rec.Code, rec.Body)
	}
	u, ok := c.fake.Tenant.FindByEmail("nadia.k@example.com")
	if !ok {
		t.Fatal("not created")
	}
	if u.ManagerUserID != fakeonelogin.PersonaAdminID {
		t.Errorf("manager %v, want %d", u.ManagerUserID, fakeonelogin.PersonaAdminID)
	}
	if !slices.Equal(u.RoleIDs, []int64{fakeonelogin.RoleIDViewers}) {
		t.Errorf("roles %v", u.RoleIDs)
	}
	if inbox := c.fake.Tenant.Inbox(u.ID); len(inbox) != 1 || inbox[0].To != "nadia.k@example.com" {
		t.Errorf("inbox %+v", inbox)
	}
	var actions []string
	for _, r := range c.records() {
		if r.TargetID != u.ID || r.Outcome != audit.OutcomeSucceeded || r.Ticket != "HR-7" {
			t.Errorf("record %+v", r)
		}
		actions = append(actions, string(r.Action))
	}
	if want := []string{"create_user", "update_user", "add_roles", "invite_link"}; !slices.Equal(actions, want) {
		t.Errorf("records %v, want %v", actions, want)
	}
	page := doc(t, s.get(rec.Header().Get("Location")))
	if n := textOf(page, `[data-testid="notice"]`); !strings.Contains(n, "Created this account") {
		t.Errorf("notice %q", n)
	}
	if n := doc(t, s.get(rec.Header().Get("Location"))).Find(`[data-testid="notice"]`).Length(); n != 0 {
		t.Error("the notice came back on the next visit")
	}
}
