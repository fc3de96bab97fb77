package smtpsend

import (
	"errors"
	"strings"
	"testing"
)

func TestNew_readsTheURL(t *testing.T) {
	const pw = "Pa55:w/rd"
	for _, tc := range []struct {
		url      string
		server   string
		implicit bool
		plain    bool
		user     string
		problem  string // "" when accepted
	}{
		{url: "smtp://hd:Pa55%3Aw%2Frd@mail.example.com", server: "mail.example.com:587", user: "hd"},
		{url: "smtp://mail.example.com:2525", server: "mail.example.com:2525"},
		{url: "smtps://hd:Pa55%3Aw%2Frd@mail.example.com", server: "mail.example.com:465", implicit: true, user: "hd"},
		{url: "smtp://[::1]:25?starttls=off", server: "[::1]:25", plain: true},
		{url: "smtp://hd:Pa55%3Aw%2Frd@mail.example.com?starttls=off", problem: "would send the password unencrypted"},
		{url: "smtps://mail.example.com?starttls=off", problem: "unknown URL option"},
		{url: "smtp://mail.example.com?tls=none", problem: "unknown URL option"},
		{url: "https://hd:Pa55%3Aw%2Frd@mail.example.com", problem: "scheme must be smtp or smtps"},
		{url: "smtp://hd:Pa55%3Aw%2Frd@:587", problem: "no host"},
		{url: "smtp://mail.example.com:99999", problem: "not a port number"},
		{url: "smtp://mail.example.com/inbox", problem: "no path"},
		{url: "smtp://hd:Pa55:w/rd@mail.example.com%", problem: "does not parse"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			s, err := New(tc.url)
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("New = %v, want an error saying %q", err, tc.problem)
				}
				if strings.Contains(err.Error(), "Pa55") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.String() != tc.server || s.implicit != tc.implicit || s.plain != tc.plain || s.user != tc.user {
				t.Errorf("New = %s implicit %v plain %v user %q; want %s %v %v %q", s, s.implicit, s.plain, s.user, tc.server, tc.implicit, tc.plain, tc.user)
			}
			if tc.user != "" && s.password != pw {
				t.Errorf("password read as %q, want the unescaped one", s.password)
			}
		})
	}
}

// TestRedact: whatever a server or library puts in an error, the password
// comes out replaced, as typed and as escaped in the URL.
func TestRedact(t *testing.T) {
	s, err := New("smtp://hd:Pa55%3Aw%2Frd%20x@mail.example.com")
	if err != nil {
		t.Fatal(err)
	}
	got := s.redact(errors.New(`AUTH PLAIN hd Pa55:w/rd x refused; URL smtp://hd:Pa55%3Aw%2Frd%20x@mail.example.com, query Pa55%3Aw%2Frd+x`)).Error()
	if strings.Contains(got, "Pa55") || !strings.HasPrefix(got, "smtp mail.example.com:587: AUTH PLAIN hd [redacted] refused") {
		t.Errorf("redacted error = %q", got)
	}
}
