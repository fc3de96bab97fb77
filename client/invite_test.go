package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const inviteToken = "4c0e7d2b9a1f63e5d8b7c2a90f14e6d3b5a7c9e1"

func TestInvite_requests(t *testing.T) {
	link := envelopeOf(`["https://acme.onelogin.com/password/reset?token=` + inviteToken + `"]`)
	sent := `{"status":{"type":"success","message":"Email sent successfully to dana@home.example","error":false,"code":200}}`
	for _, tc := range []struct {
		name, path, answer, wantBody string
		run                          func(context.Context, *Client) error
	}{
		{"GetInviteLink", "/api/1/invites/get_invite_link", link, `{"email":"dana.reyes@acme.example"}`, func(ctx context.Context, c *Client) error {
			_, err := c.GetInviteLink(ctx, "dana.reyes@acme.example")
			return err
		}},
		{"SendInviteLink", "/api/1/invites/send_invite_link", sent, `{"email":"dana.reyes@acme.example"}`, func(ctx context.Context, c *Client) error {
			_, err := c.SendInviteLink(ctx, "dana.reyes@acme.example", "")
			return err
		}},
		{"SendInviteLink personal", "/api/1/invites/send_invite_link", sent, `{"email":"dana.reyes@acme.example","personal_email":"dana@home.example"}`, func(ctx context.Context, c *Client) error {
			_, err := c.SendInviteLink(ctx, "dana.reyes@acme.example", "dana@home.example")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply("POST "+tc.path, 200, tc.answer)
			if err := tc.run(context.Background(), a.client()); err != nil {
				t.Fatal(err)
			}
			r := a.recorded()[0]
			if r.Body != tc.wantBody || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("body %s, Content-Type %q", r.Body, r.Header.Get("Content-Type"))
			}
		})
	}
}

func TestInvite_GetInviteLink_shapes(t *testing.T) {
	url := "https://acme.onelogin.com/password/reset?token=" + inviteToken
	for _, tc := range []struct {
		name, answer string
		err          bool
	}{
		{"documented", envelopeOf(`["` + url + `"]`), false},
		{"nested", envelopeOf(`[["` + url + `"]]`), false},
		{"bare string", envelopeOf(`"` + url + `"`), false},
		{"empty list", envelopeOf(`[]`), true},
		{"no data", `{` + okStatus + `}`, true},
		{"not a link", envelopeOf(`[{"x":1}]`), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply("POST /api/1/invites/get_invite_link", 200, tc.answer)
			l, err := a.client().GetInviteLink(context.Background(), "a@b.c")
			if tc.err {
				if err == nil {
					t.Fatalf("want an error, got %v", l)
				}
				return
			}
			if err != nil || l.URL != url {
				t.Errorf("%v %v", l, err)
			}
		})
	}
}

func TestInvite_SendInviteLink_sentTo(t *testing.T) {
	for _, tc := range []struct {
		message, personal, want string
	}{
		{"Email sent successfully to dana@home.example", "dana@home.example", "dana@home.example"},
		{"email sent successfully to dana.reyes@acme.example", "", "dana.reyes@acme.example"},
		{"Success", "dana@home.example", "dana@home.example"}, // another sentence: the address asked for
		{"Success", "", "dana.reyes@acme.example"},
	} {
		a := newTestAPI(t)
		a.reply("POST /api/1/invites/send_invite_link", 200, `{"status":{"type":"success","code":200,"error":false,"message":"`+tc.message+`"}}`)
		got, err := a.client().SendInviteLink(context.Background(), "dana.reyes@acme.example", tc.personal)
		if err != nil || got != tc.want {
			t.Errorf("%q: %q %v", tc.message, got, err)
		}
	}
}

func TestInvite_errors(t *testing.T) {
	a := newTestAPI(t)
	a.reply("POST /api/1/invites/get_invite_link", 400, `{"status":{"error":true,"code":400,"type":"bad request","message":"No User exists for input email"}}`)
	_, err := a.client().GetInviteLink(context.Background(), "nobody@acme.example")
	var e *Error
	if !errors.Is(err, ErrBadRequest) || !errors.As(err, &e) || e.Message != "No User exists for input email" {
		t.Errorf("%v", err)
	}
}

func TestInvite_linkNeverPrinted(t *testing.T) {
	l := InviteLink{URL: "https://acme.onelogin.com/password/reset?token=" + inviteToken}
	for _, v := range []any{l, &l, []InviteLink{l}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, inviteToken) || strings.Contains(s, inviteToken[:10]) {
				t.Errorf("%s of %T leaks the token: %s", verb, v, s)
			}
		}
	}
	if got := l.String(); got != "InviteLink{https://acme.onelogin.com/password/reset?token=[redacted]}" {
		t.Errorf("String %s", got)
	}
	if got := (InviteLink{URL: "::"}).String(); got != "InviteLink{[redacted]}" {
		t.Errorf("bad URL %s", got)
	}
}
