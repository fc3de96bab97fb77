package fakeonelogin

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The fake phone and inbox: codes that OneLogin would text or mail, invites
// it would mail, and pushes waiting on the Protect app. Tests read them
// through the Go methods; people in the demo and browser tests through
// plain HTML pages on the fake's own port, under /_fake/.

// Channel is how a message reached the person.
type Channel string

// The channels of the fake phone and inbox.
const (
	ChannelSMS   Channel = "sms"
	ChannelEmail Channel = "email"
)

// Message is a text or an email the fake sent.
type Message struct {
	ID      int
	At      time.Time
	UserID  int64
	Channel Channel
	To      string // the full number or address
	Subject string // email only
	Body    string
	Code    string // the one-time code in it; "" for an invitation
	Link    string // an invitation's set-password link
}

// ToMasked is the recipient as OneLogin shows it to the person:
// "+4xxxxxxx9910" or "d***@example.com".
func (m Message) ToMasked() string {
	if m.Channel == ChannelSMS {
		return maskPhone(m.To)
	}
	return maskEmail(m.To)
}

// maxInbox bounds the messages kept (the newest), for a long-running demo.
const maxInbox = 500

// deliver puts m in the inbox. Caller holds t.mu.
func (t *Tenant) deliver(m Message) {
	t.mfa.nextMsgID++
	m.ID = t.mfa.nextMsgID
	if len(t.mfa.inbox) >= maxInbox {
		t.mfa.inbox = slices.Delete(t.mfa.inbox, 0, len(t.mfa.inbox)-maxInbox+1)
	}
	t.mfa.inbox = append(t.mfa.inbox, m)
}

// Inbox returns the messages sent to user id, newest first; 0 returns
// everyone's.
func (t *Tenant) Inbox(userID int64) []Message {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Message
	for i := len(t.mfa.inbox) - 1; i >= 0; i-- {
		if m := t.mfa.inbox[i]; userID == 0 || m.UserID == userID {
			out = append(out, m)
		}
	}
	return out
}

// LastCode returns the code of the newest text or email to user id that
// carries one.
func (t *Tenant) LastCode(userID int64) (string, bool) {
	for _, m := range t.Inbox(userID) {
		if m.Code != "" {
			return m.Code, true
		}
	}
	return "", false
}

// maskPhone keeps the first digit and the last four: "+4xxxxxxx9910".
func maskPhone(p string) string {
	digits := strings.TrimPrefix(p, "+")
	if len(digits) < 6 {
		return strings.Repeat("x", len(digits))
	}
	return "+" + digits[:1] + strings.Repeat("x", len(digits)-5) + digits[len(digits)-4:]
}

// maskEmail keeps the first letter and the domain: "d***@example.com".
func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" {
		return "***"
	}
	r := []rune(local)
	return string(r[:1]) + "***@" + domain
}

// ---- pushes ----

// Push is a push notification waiting on a person's OneLogin Protect app.
// ID names it on the push page; it is not the state token.
type Push struct {
	ID        string
	UserID    int64
	DeviceID  int64
	Device    string // the phone's name
	At        time.Time
	ExpiresAt time.Time
}

// PendingPushes lists the pushes nobody has answered yet whose state
// token is still valid, oldest first: user id's, or everyone's for 0.
func (t *Tenant) PendingPushes(userID int64) []Push {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Push
	for _, c := range t.mfa.pushes {
		c.settle(now)
		if c.used || c.answer != answerPending || !now.Before(c.expiresAt) || (userID != 0 && c.userID != userID) {
			continue
		}
		p := Push{ID: c.pushID, UserID: c.userID, DeviceID: c.deviceID, At: c.createdAt, ExpiresAt: c.expiresAt}
		if d := t.device(c.userID, c.deviceID); d != nil {
			p.Device = d.displayName
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Push) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// ApprovePush approves a pending push, as the person would on their phone.
// It reports false when the push is unknown, answered or expired.
func (t *Tenant) ApprovePush(id string) bool { return t.answerPush(id, answerApproved) }

// DenyPush denies a pending push. It reports false when the push is
// unknown, answered or expired.
func (t *Tenant) DenyPush(id string) bool { return t.answerPush(id, answerDenied) }

func (t *Tenant) answerPush(id string, a pushAnswerState) bool {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.mfa.pushes[id]
	if !ok {
		return false
	}
	c.settle(now)
	if c.used || c.answer != answerPending || !now.Before(c.expiresAt) {
		return false
	}
	c.answer = a
	return true
}

// ---- pages ----

// fakePagesPrefix is where the fake's own pages live.
const fakePagesPrefix = "/_fake/"

// servePages serves the pages of the fake phone and inbox, and the
// set-password page invite links lead to. They are for people and browser
// tests, outside OneLogin's API.
func (t *Tenant) servePages(w http.ResponseWriter, r *http.Request, body []byte) {
	switch {
	case r.URL.Path == resetPath && r.Method == http.MethodGet:
		t.resetPage(w, r)
	case r.URL.Path == fakePagesPrefix && r.Method == http.MethodGet:
		t.page(w, http.StatusOK, "index", pageData{Title: "Fake OneLogin tenant"})
	case r.URL.Path == fakePagesPrefix+"inbox" && r.Method == http.MethodGet:
		t.inboxPage(w, r)
	case r.URL.Path == fakePagesPrefix+"push" && r.Method == http.MethodGet:
		t.pushPage(w, r, "")
	case r.URL.Path == fakePagesPrefix+"push" && r.Method == http.MethodPost:
		t.answerPushForm(w, r, body)
	case r.URL.Path == fakePagesPrefix+"authenticator" && r.Method == http.MethodGet:
		t.authenticatorPage(w, r)
	default:
		http.Error(w, "Not found", http.StatusNotFound)
	}
}

type pageData struct {
	Title    string
	User     string // the ?user= filter as given
	Person   string // the person it names, "" if none
	Notice   string
	Filter   bool // show the person filter
	Messages []pageMessage
	Pushes   []pagePush
	Codes    []pageCode
}

type pageMessage struct {
	Message
	Person, ToMasked, When string
}

type pagePush struct {
	Push
	Person, When, Expires string
}

type pageCode struct {
	Device, Factor, Code, Secret string
	SecondsLeft                  int
}

// pageUser reads ?user= (an id or an email) and returns the id, 0 for
// everyone, and the person's name. ok is false for an unknown person.
func (t *Tenant) pageUser(r *http.Request) (id int64, who string, ok bool) {
	v := strings.TrimSpace(r.URL.Query().Get("user"))
	if v == "" {
		return 0, "", true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		id = n
	} else {
		id = t.byEmail[strings.ToLower(v)]
	}
	u, found := t.users[id]
	if !found {
		return 0, "", false
	}
	return id, t.personName(u), true
}

// personName is "First Last <email>". Caller holds t.mu.
func (t *Tenant) personName(u *user) string {
	return strings.TrimSpace(u.firstname+" "+u.lastname) + " <" + u.email + ">"
}

func (t *Tenant) namesOf(ids []int64) map[int64]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[int64]string{}
	for _, id := range ids {
		if u, ok := t.users[id]; ok {
			out[id] = t.personName(u)
		}
	}
	return out
}

const pageTime = "2006-01-02 15:04:05 MST"

func (t *Tenant) inboxPage(w http.ResponseWriter, r *http.Request) {
	d := pageData{Title: "Fake phone and inbox", User: r.URL.Query().Get("user"), Filter: true}
	id, who, ok := t.pageUser(r)
	if !ok {
		d.Notice = "No such person."
		t.page(w, http.StatusNotFound, "inbox", d)
		return
	}
	d.Person = who
	msgs := t.Inbox(id)
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.UserID
	}
	names := t.namesOf(ids)
	for _, m := range msgs {
		d.Messages = append(d.Messages, pageMessage{Message: m, Person: names[m.UserID], ToMasked: m.ToMasked(),
			When: m.At.UTC().Format(pageTime)})
	}
	t.page(w, http.StatusOK, "inbox", d)
}

func (t *Tenant) pushPage(w http.ResponseWriter, r *http.Request, notice string) {
	d := pageData{Title: "Fake OneLogin Protect", User: r.URL.Query().Get("user"), Notice: notice, Filter: true}
	id, who, ok := t.pageUser(r)
	if !ok {
		d.Notice = "No such person."
		t.page(w, http.StatusNotFound, "push", d)
		return
	}
	d.Person = who
	pushes := t.PendingPushes(id)
	ids := make([]int64, len(pushes))
	for i, p := range pushes {
		ids[i] = p.UserID
	}
	names := t.namesOf(ids)
	for _, p := range pushes {
		d.Pushes = append(d.Pushes, pagePush{Push: p, Person: names[p.UserID],
			When: p.At.UTC().Format(pageTime), Expires: p.ExpiresAt.UTC().Format(pageTime)})
	}
	t.page(w, http.StatusOK, "push", d)
}

// answerPushForm takes the push page's Approve/Deny form and shows the page
// again (303, so reloading does not answer twice).
func (t *Tenant) answerPushForm(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "Bad form", http.StatusBadRequest)
		return
	}
	id := form.Get("push")
	var ok bool
	switch form.Get("answer") {
	case "approve":
		ok = t.ApprovePush(id)
	case "deny":
		ok = t.DenyPush(id)
	default:
		http.Error(w, "answer must be approve or deny", http.StatusBadRequest)
		return
	}
	if !ok {
		w.Header().Set("Cache-Control", "no-store")
		t.pushPage(w, r, "That push was already answered or has expired.")
		return
	}
	back := fakePagesPrefix + "push"
	if u := form.Get("user"); u != "" {
		back += "?user=" + url.QueryEscape(u)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (t *Tenant) authenticatorPage(w http.ResponseWriter, r *http.Request) {
	d := pageData{Title: "Fake authenticator app", User: r.URL.Query().Get("user"), Filter: true}
	id, who, ok := t.pageUser(r)
	switch {
	case !ok:
		d.Notice = "No such person."
		t.page(w, http.StatusNotFound, "authenticator", d)
		return
	case id == 0:
		t.page(w, http.StatusOK, "authenticator", d)
		return
	}
	d.Person = who
	now := t.clock.Now()
	for _, dev := range t.Devices(id) {
		if dev.Factor != FactorAuthenticator && dev.Factor != FactorProtect {
			continue
		}
		d.Codes = append(d.Codes, pageCode{Device: dev.DisplayName, Factor: dev.Factor.String(),
			Code: t.DeviceTOTP(id, dev.ID, now), Secret: t.TOTPSecret(id, dev.ID),
			SecondsLeft: totpStep - int(now.Unix()%totpStep)})
	}
	if len(d.Codes) == 0 {
		d.Notice = "This person has no authenticator app."
	}
	t.page(w, http.StatusOK, "authenticator", d)
}

func (t *Tenant) page(w http.ResponseWriter, code int, name string, d pageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = pages.ExecuteTemplate(w, name, d)
}

var pages = template.Must(template.New("pages").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:52rem;margin:1.5rem auto;padding:0 1rem;color:#1d1d1f}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #ddd;vertical-align:top}
code{font-size:1.3em;font-weight:bold;letter-spacing:.1em}nav a{margin-right:1rem}.notice{background:#fff4ce;padding:.5rem}
</style></head><body>
<nav><a href="/_fake/">Fake tenant</a><a href="/_fake/inbox">Inbox</a><a href="/_fake/push">Push</a><a href="/_fake/authenticator">Authenticator</a></nav>
<h1>{{.Title}}</h1>
{{if .Notice}}<p class="notice" role="status" data-testid="notice">{{.Notice}}</p>{{end}}
{{if .Filter}}<form method="get"><label>Person (id or email) <input name="user" value="{{.User}}"></label> <button>Show</button></form>{{end}}
{{if .Person}}<p>Showing <strong data-testid="person">{{.Person}}</strong>.</p>{{end}}
{{end}}
{{define "foot"}}</body></html>
{{end}}

{{define "index"}}{{template "head" .}}
<p>Pages of the fake OneLogin tenant, standing in for people's phones and mailboxes. They are not part of OneLogin.</p>
<ul>
<li><a href="/_fake/inbox">Inbox</a>: texts and emails sent (codes, invitations), newest first.</li>
<li><a href="/_fake/push">Push</a>: pushes waiting on OneLogin Protect, with Approve and Deny.</li>
<li><a href="/_fake/authenticator">Authenticator</a>: the current code of a person's authenticator app.</li>
</ul>
{{template "foot"}}{{end}}

{{define "inbox"}}{{template "head" .}}
<p><a href="">Refresh</a></p>
{{if .Messages}}<table data-testid="messages"><thead><tr><th>Sent</th><th>To</th><th>Message</th></tr></thead><tbody>
{{range .Messages}}<tr data-testid="message" data-user="{{.UserID}}" data-channel="{{.Channel}}">
<td>{{.When}}</td>
<td>{{if eq .Channel "sms"}}Text{{else}}Email{{end}} to {{.ToMasked}}<br><small>{{.Person}}</small></td>
<td>{{if .Subject}}<strong>{{.Subject}}</strong><br>{{end}}<span style="white-space:pre-line">{{.Body}}</span>
{{if .Code}}<br>Code: <code data-testid="code">{{.Code}}</code>{{end}}
{{if .Link}}<br><a data-testid="link" href="{{.Link}}">{{.Link}}</a>{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p data-testid="empty">No messages.</p>{{end}}
{{template "foot"}}{{end}}

{{define "push"}}{{template "head" .}}
<p><a href="">Refresh</a></p>
{{if .Pushes}}<table data-testid="pushes"><thead><tr><th>Sent</th><th>To</th><th>Answer</th></tr></thead><tbody>
{{range .Pushes}}<tr data-testid="push" data-user="{{.UserID}}">
<td>{{.When}}<br><small>expires {{.Expires}}</small></td>
<td>OneLogin Protect on {{.Device}}<br><small>{{.Person}}</small></td>
<td><form method="post" action="/_fake/push"><input type="hidden" name="push" value="{{.ID}}"><input type="hidden" name="user" value="{{$.User}}">
<button name="answer" value="approve" data-testid="approve">Approve</button>
<button name="answer" value="deny" data-testid="deny">Deny</button></form></td></tr>
{{end}}</tbody></table>{{else}}<p data-testid="empty">No pushes waiting.</p>{{end}}
{{template "foot"}}{{end}}

{{define "authenticator"}}{{template "head" .}}
{{range .Codes}}<p data-testid="totp">{{.Factor}} on {{.Device}}: <code data-testid="code">{{.Code}}</code>
<small>({{.SecondsLeft}} s left; key {{.Secret}})</small></p>{{end}}
{{template "foot"}}{{end}}
`))
