package console_test

import (
	"net/url"
	"testing"

	"onelogin-helpdesk/internal/consoletest"
)

// actConfirmed posts an action that asks first (a destructive one) and
// answers its in-page question as a person would: the same form again with
// the question's token and button.
func actConfirmed(t *testing.T, b *consoletest.Browser, path string, form url.Values) consoletest.Page {
	t.Helper()
	p := b.Act(path, form)
	box := p.Doc.Find(`[data-testid="confirm"]`)
	if box.Length() == 0 {
		return p
	}
	again := url.Values{}
	for k, v := range form {
		again[k] = v
	}
	again.Set("confirmed", box.Find(`input[name="confirmed"]`).AttrOr("value", ""))
	if name := box.Find(`button[type="submit"]`).AttrOr("name", ""); name != "" {
		again.Set(name, box.Find(`button[type="submit"]`).AttrOr("value", ""))
	}
	return b.Act(path, again)
}
