package console_test

import "net/url"

// actConfirmed posts an action that asks first (a destructive one) and
// answers its in-page question as a person would: the same form again with
// the question's token and button.
func (b *browser) actConfirmed(path string, form url.Values) page {
	b.t.Helper()
	p := b.act(path, form)
	box := p.doc.Find(`[data-testid="confirm"]`)
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
	return b.act(path, again)
}
