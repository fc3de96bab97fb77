package fakeonelogin

import (
	"crypto/subtle"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Invite links (extra reference §3): a set-password link for an existing
// person, handed back (get_invite_link) or mailed (send_invite_link). Both
// need a Manage All credential and a JSON body; the email is matched
// case-sensitively. Mailed invites land in the fake inbox.

// Sentences the reference gives verbatim (D).
const (
	msgNoUserForEmail = "No User exists for input email"
	msgEmailMissing   = "Email Parameter is missing"
	msgEmailFormat    = "Email Input is in incorrect format"
)

// resetPath is where invite links lead: a page of the fake saying whose
// link it is.
const resetPath = "/password/reset"

// maxInvites bounds the invites kept (the newest).
const maxInvites = 500

// Invite is a set-password link the fake handed out or mailed.
type Invite struct {
	At     time.Time
	UserID int64
	Email  string // the person's OneLogin email
	Link   string
	SentTo string // where it was mailed; "" when only handed back
	token  string
}

// Invites returns the links made for user id, newest first; 0 returns
// everyone's.
func (t *Tenant) Invites(userID int64) []Invite {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Invite
	for i := len(t.mfa.invites) - 1; i >= 0; i-- {
		if in := t.mfa.invites[i]; userID == 0 || in.UserID == userID {
			out = append(out, in)
		}
	}
	return out
}

// inviteRequest checks an invite call's body and finds the person.
// Caller holds t.mu.
func (t *Tenant) inviteRequest(q *req) (u *user, personal string, e *response) {
	bad := func(msg string) (*user, string, *response) {
		r := errResp(http.StatusBadRequest, msg)
		return nil, "", &r
	}
	if !isJSON(q.r) {
		return bad(msgContentType)
	}
	m, okJSON := jsonObject(q.body)
	if !okJSON {
		return bad(msgInvalidJSON)
	}
	raw, present := m["email"]
	if !present || isNull(raw) {
		return bad(msgEmailMissing)
	}
	email, isStr := jsonString(raw)
	if !isStr {
		return bad(msgEmailFormat)
	}
	if email == "" {
		return bad(msgEmailMissing)
	}
	if !validEmail(email) {
		return bad(msgEmailFormat)
	}
	if raw, present := m["personal_email"]; present && !isNull(raw) {
		p, isStr := jsonString(raw)
		if !isStr || (p != "" && !validEmail(p)) {
			return bad(msgEmailFormat)
		}
		personal = p
	}
	id, found := t.byEmail[strings.ToLower(email)]
	if !found || t.users[id].email != email { // case-sensitive (D)
		return bad(msgNoUserForEmail)
	}
	return t.users[id], personal, nil
}

// newInvite makes and records a link for u. Assumption (U): a new link
// leaves older ones valid. Caller holds t.mu.
func (t *Tenant) newInvite(q *req, u *user, sentTo string) Invite {
	scheme := "http"
	if q.r.TLS != nil {
		scheme = "https"
	}
	tok := randomHex(20) // 40 hex, as in the docs' sample
	in := Invite{At: q.now.UTC(), UserID: u.id, Email: u.email, SentTo: sentTo, token: tok,
		Link: scheme + "://" + q.r.Host + resetPath + "?token=" + tok}
	if len(t.mfa.invites) >= maxInvites {
		t.mfa.invites = slices.Delete(t.mfa.invites, 0, len(t.mfa.invites)-maxInvites+1)
	}
	t.mfa.invites = append(t.mfa.invites, in)
	return in
}

// POST /api/1/invites/get_invite_link: data is a list of one link; nothing
// is mailed (D).
func (t *Tenant) getInviteLink(w http.ResponseWriter, q *req) {
	t.withLock(w, func() response {
		u, _, e := t.inviteRequest(q)
		if e != nil {
			return *e
		}
		return okResp([]string{t.newInvite(q, u, "").Link})
	})
}

// POST /api/1/invites/send_invite_link: mails the link to personal_email
// if given, else the person's email, and names the address (D).
func (t *Tenant) sendInviteLink(w http.ResponseWriter, q *req) {
	t.withLock(w, func() response {
		u, personal, e := t.inviteRequest(q)
		if e != nil {
			return *e
		}
		to := u.email
		if personal != "" {
			to = personal
		}
		in := t.newInvite(q, u, to)
		t.deliver(Message{At: in.At, UserID: u.id, Channel: ChannelEmail, To: to,
			Subject: "Set up your " + companyMain + " OneLogin account",
			Body:    "Hello " + u.firstname + ", choose a password for " + u.email + " with the link below.",
			Link:    in.Link})
		// Assumption (U): mailing an invitation sets invitation_sent_at.
		at := q.now.UTC()
		u.invitationSentAt, u.updatedAt = &at, at
		return response{http.StatusOK, envelope{Status: statusBlock{Code: 200, Type: "success",
			Message: "Email sent successfully to " + to}}}
	})
}

// resetPage is where an invite link leads. The fake sets no password here;
// it shows whose link it is.
func (t *Tenant) resetPage(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	d := pageData{Title: "Set your password"}
	t.mu.Lock()
	for _, in := range t.mfa.invites {
		if tok != "" && subtle.ConstantTimeCompare([]byte(in.token), []byte(tok)) == 1 {
			if u, ok := t.users[in.UserID]; ok {
				d.Person = t.personName(u)
			}
		}
	}
	t.mu.Unlock()
	if d.Person == "" {
		d.Notice = "This link is not valid."
		t.page(w, http.StatusNotFound, "reset", d)
		return
	}
	t.page(w, http.StatusOK, "reset", d)
}

var _ = template.Must(pages.New("reset").Parse(`{{template "head" .}}
{{if .Person}}<p data-testid="reset">This is the fake tenant's set-password page for {{.Person}}. A real tenant would ask for a new password here.</p>{{end}}
{{template "foot"}}`))
