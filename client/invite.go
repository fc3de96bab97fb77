package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Invite links (extra reference §3) need a Manage All credential. The email
// is the person's OneLogin email, matched case-sensitively; OneLogin
// answers 400 "No User exists for input email" otherwise.

// InviteLink is a link with which a person sets their password. It is a
// secret: whoever has it can set the password. Its printed form hides the
// token.
type InviteLink struct {
	URL string
}

// String shows the link with its query (the token) redacted.
func (l InviteLink) String() string {
	u, err := url.Parse(l.URL)
	if err != nil {
		return "InviteLink{[redacted]}"
	}
	if u.RawQuery != "" {
		u.RawQuery = "token=[redacted]"
	}
	u.Fragment, u.User = "", nil
	return "InviteLink{" + u.String() + "}"
}

// GoString is String, so %#v cannot show the token either.
func (l InviteLink) GoString() string { return l.String() }

// Format prints String for every verb.
func (l InviteLink) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, l.String()) }

type inviteBody struct {
	Email         string `json:"email"`
	PersonalEmail string `json:"personal_email,omitempty"` // the Go SDK omits it when empty
}

// GetInviteLink makes a set-password link for an existing person
// (POST /api/1/invites/get_invite_link) without mailing it, for staff to
// pass on. Never retried after a 429: each call makes a link.
func (c *Client) GetInviteLink(ctx context.Context, email string) (*InviteLink, error) {
	const op = "GetInviteLink"
	env, err := c.envelopeCall(ctx, call{op: op, method: http.MethodPost, path: "/api/1/invites/get_invite_link", body: inviteBody{Email: email}})
	if err != nil {
		return nil, err
	}
	// data is a list of one link (D); a bare string is taken too.
	var link flexString
	data := bytes.TrimSpace(env.Data)
	if len(data) > 0 && data[0] == '"' {
		err = json.Unmarshal(data, &link)
	} else {
		var items []json.RawMessage
		if items, err = flattenList(data); err == nil && len(items) > 0 {
			err = json.Unmarshal(items[0], &link)
		}
	}
	if err != nil {
		return nil, decodeError(op, err)
	}
	if link == "" {
		return nil, decodeError(op, errors.New("no link in data"))
	}
	return &InviteLink{URL: string(link)}, nil
}

// SendInviteLink mails a set-password link to a person
// (POST /api/1/invites/send_invite_link): to personalEmail if it is not
// "", else to their OneLogin email. It returns the address OneLogin says it
// mailed. Never retried after a 429: the person would get two mails.
func (c *Client) SendInviteLink(ctx context.Context, email, personalEmail string) (sentTo string, err error) {
	const op = "SendInviteLink"
	env, err := c.envelopeCall(ctx, call{op: op, method: http.MethodPost, path: "/api/1/invites/send_invite_link",
		body: inviteBody{Email: email, PersonalEmail: personalEmail}})
	if err != nil {
		return "", err
	}
	// "Email sent successfully to <address>" (D). Should the sentence
	// change, the address asked for is the best guess.
	const sent = "email sent successfully to "
	if msg := statusMessage(env.Status); len(msg) > len(sent) && strings.EqualFold(msg[:len(sent)], sent) {
		return strings.TrimSpace(msg[len(sent):]), nil
	}
	if personalEmail != "" {
		return personalEmail, nil
	}
	return email, nil
}
