package client

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"unicode"
)

// FuzzDecode feeds arbitrary bodies to every response decoder. They must
// never panic, an error answer must always produce a non-empty, printable
// message, and a decoding error must never quote a secret from the body.
// Seeds live in testdata/fuzz/FuzzDecode; run with
// go test -fuzz=FuzzDecode ./client/.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		envelopeOf(`[` + realUser + `]`),
		envelopeOf(`[[101,202]]`),
		envelopeOf(`[[]]`),
		`{"mfa_token":"12345678","reusable":false,"expires_at":"2024-05-01T12:00:00Z"}`,
		`{"status":{"error":true,"code":400,"type":"bad request","message":{"attribute":"id","description":"ID is incorrect"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, _, err := decodeEnvelope(body)
		if err == nil {
			_, _ = decodeUsers(env.Data)
			_, _ = decodeOneUser(env.Data)
			_, _ = decodeApps(env.Data)
			_, _ = decodeIDs(env.Data)
			_, _ = decodeNames(env.Data)
			_, _ = decodeRoles(env.Data)
			_, _ = decodeRateLimitData(env.Data)
			_ = env.Pagination.page()
		}
		if tok, err := decodeMFAToken(body); err == nil {
			if tok.Token == "" {
				t.Fatal("MFA token decoded without a token")
			}
		} else if len(body) > 8 && strings.Contains(err.Error(), string(body)) {
			t.Fatalf("decode error quotes the body: %v", err)
		}
		for _, status := range []int{200, 400, 404, 429, 502} {
			res := &response{status: status, contentType: "text/html", header: http.Header{}, body: body}
			err := parseError("Fuzz", res)
			var e *Error
			switch x := err.(type) {
			case *Error:
				e = x
			case *RateLimitError:
				e = x.Err
			default:
				t.Fatalf("parseError returned %T", err)
			}
			if e.Message == "" {
				t.Fatal("empty message")
			}
			for _, s := range []string{e.Message, e.Type, e.Attribute} {
				if strings.IndexFunc(s, unicode.IsControl) >= 0 || len([]rune(s)) > 301 {
					t.Fatalf("unsafe text %q", s)
				}
			}
			if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) && e.Message != "" && len(body) > 40 &&
				strings.Contains(e.Message, string(body)) {
				t.Fatalf("non-JSON body repeated in the message: %q", e.Message)
			}
		}
	})
}
