package handlers_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// A destructive action answers valid input with a question first (an
// in-page confirmation carrying a token); these helpers answer it.

// confirmBox reads the question out of an answer: the token and the
// button's name and value, or ok false when the answer asks nothing.
func confirmBox(t *testing.T, rec *httptest.ResponseRecorder) (token, name, value string, ok bool) {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	box := d.Find(`[data-testid="confirm"]`)
	if box.Length() == 0 {
		return "", "", "", false
	}
	token, _ = box.Find(`input[name="confirmed"]`).Attr("value")
	button := box.Find(`button[type="submit"]`)
	name, _ = button.Attr("name")
	value, _ = button.Attr("value")
	return token, name, value, true
}

// doConfirmed sends a post and, when the answer is a question, answers yes
// as the browser would: the same form again with the token.
func (c *console) doConfirmed(method, target string, form url.Values, htmx bool) *httptest.ResponseRecorder {
	c.t.Helper()
	rec := c.do(method, target, form, htmx)
	token, name, value, ok := confirmBox(c.t, rec)
	if !ok {
		return rec
	}
	again := url.Values{}
	for k, v := range form {
		again[k] = v
	}
	again.Set("confirmed", token)
	if name != "" {
		again.Set(name, value)
	}
	return c.do(method, target, again, htmx)
}

// postConfirmed is post (htmx) with the question answered.
func (c *console) postConfirmed(target string, form url.Values) *httptest.ResponseRecorder {
	c.t.Helper()
	return c.doConfirmed("POST", target, form, true)
}
