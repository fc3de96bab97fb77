package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/fakeonelogin"
)

// TestInput_onlyPlainTextIsAccepted: every text input refuses NUL, other
// control characters, line breaks and bytes that are not UTF-8 with a clear
// 400, before OneLogin is asked anything and before anything is recorded.
func TestInput_onlyPlainTextIsAccepted(t *testing.T) {
	bad := map[string]string{
		"NUL":             "INC-1\x00",
		"line break":      "INC-1\r\nX-Injected: yes",
		"escape":          "\x1b[31mred",
		"invalid UTF-8":   "caf\xe9",
		"C1 control":      "INC\u0085",
		"delete":          "INC\x7f",
		"lone line feed":  "first\nsecond",
		"tab in one line": "a\tb",
	}
	locked := id(fakeonelogin.PersonaLockedID)
	routes := []struct {
		name, method, path, field string
		form                      url.Values
	}{
		{"search box", "GET", "/users", "q", nil},
		{"attribute value", "GET", "/users", "value", url.Values{"attr": {"location"}}},
		{"ticket of an unlock", "POST", "/users/" + locked + "/unlock", "ticket", url.Values{}},
		{"ticket of a lock", "POST", "/users/" + locked + "/lock", "ticket", url.Values{"minutes": {"60"}}},
		{"first name", "POST", "/users/" + id(fakeonelogin.PersonaNoRolesID), "firstname", url.Values{"lastname": {"X"}, "email": {"x@example.com"}}},
		{"attribute", "POST", "/users/" + locked + "/custom-attributes", "attr.location", url.Values{}},
		{"audit filter", "GET", "/audit", "actor", nil},
	}
	for _, r := range routes {
		for what, value := range bad {
			t.Run(r.name+"/"+what, func(t *testing.T) {
				c := newConsole(t, access.RoleAdmin)
				c.fake.Tenant.ResetCalls()
				form := url.Values{}
				for k, v := range r.form {
					form[k] = v
				}
				form.Set(r.field, value)
				path, body := r.path, url.Values(nil)
				if r.method == "GET" {
					path += "?" + form.Encode()
				} else {
					body = form
				}
				rec := c.do(r.method, path, body, false)
				if rec.Code != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %.300s", rec.Code, rec.Body)
				}
				if !strings.Contains(rec.Body.String(), "control character, a line break or bytes that are not text") {
					t.Errorf("the answer does not say what is wrong: %.500s", rec.Body)
				}
				if calls := c.fake.Tenant.Calls(); len(calls) != 0 {
					t.Errorf("OneLogin was asked %s %s", calls[0].Method, calls[0].Path)
				}
				if recs := c.records(); len(recs) != 0 {
					t.Errorf("%d audit records for a refused input", len(recs))
				}
			})
		}
	}
}

func TestInput_searchFieldsAreBounded(t *testing.T) {
	c := newConsole(t, access.RoleViewer)
	long := strings.Repeat("a", 201)
	for _, q := range []url.Values{{"q": {long}}, {"attr": {"location"}, "value": {long}}} {
		c.fake.Tenant.ResetCalls()
		rec := c.get("/users?" + q.Encode())
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "longer than 200 characters") {
			t.Errorf("%v: %d %.200s", q, rec.Code, rec.Body)
		}
		if len(c.fake.Tenant.Calls()) != 0 {
			t.Errorf("%v reached OneLogin", q)
		}
	}
}
