package client

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
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
		listOf(`[{"id":"7","firstname":"Zo\u00eb","lastname":"Ng\u0000","email":"é@example.com","status":"3","locked_until":""},[{"id":8}]]`, "c2"),
		envelopeOf(`[{"id":1,"name":"Slack","login_id":-1.5e3,"extension":"true"}]`),
		`"plain"`, `"esc\"aped"`, `-0`, `123456789012345678901`,
		listOf(`[`+docsEvent+`,{"id":"2","risk_score":"47.5","risk_reasons":["a","\n"],"app-name":"x"}]`, "YWZ0ZXI"),
		envelopeOf(`[{"id":5,"name":"USER_LOGGED_INTO_ONELOGIN","description":"%user% logged into OneLogin"}]`),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFastPath(t, body)
		env, _, err := decodeEnvelope(body)
		if err == nil {
			_, _ = decodeUsers(env.Data)
			_, _ = decodeOneUser(env.Data)
			_, _ = decodeApps(env.Data)
			_, _ = decodeIDs(env.Data)
			_, _ = decodeNames(env.Data)
			_, _ = decodeRoles(env.Data)
			_, _ = decodeRateLimitData(env.Data)
			_, _ = decodeEvents(env.Data)
			_, _ = decodeEventTypes(env.Data)
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

// checkFastPath checks that the one-pass decoding of a list answer agrees
// with the general path wherever it accepts the answer.
func checkFastPath(t *testing.T, body []byte) {
	t.Helper()
	if users, page, failed, ok := decodePlainList(body, (*wireUser).user, 2); ok {
		env, gFailed, err := decodeEnvelope(body)
		if err != nil {
			t.Fatalf("fast path read an answer the general path refuses: %v", err)
		}
		if failed != gFailed || page != env.Pagination.page() {
			t.Fatalf("fast path: failed %v page %+v; general: failed %v page %+v", failed, page, gFailed, env.Pagination.page())
		}
		general, err := decodeUsers(env.Data)
		if err != nil {
			t.Fatalf("fast path read users the general path refuses: %v", err)
		}
		if !reflect.DeepEqual(users, general) {
			t.Fatalf("fast path users %+v, general %+v", users, general)
		}
	}
	if apps, _, _, ok := decodePlainList(body, (*wireApp).app, 0); ok {
		env, _, err := decodeEnvelope(body)
		if err != nil {
			t.Fatalf("fast path read an answer the general path refuses: %v", err)
		}
		general, err := decodeApps(env.Data)
		if err != nil || !reflect.DeepEqual(apps, general) {
			t.Fatalf("fast path apps %+v, general %+v (%v)", apps, general, err)
		}
	}
	if events, _, _, ok := decodePlainList(body, (*wireEvent).event, 2); ok {
		env, _, err := decodeEnvelope(body)
		if err != nil {
			t.Fatalf("fast path read an answer the general path refuses: %v", err)
		}
		general, err := decodeEvents(env.Data)
		if err != nil || !reflect.DeepEqual(events, general) {
			t.Fatalf("fast path events %+v, general %+v (%v)", events, general, err)
		}
	}
	// The flex readers' shortcuts must agree with the decoder they skip.
	var s flexString
	if err := s.UnmarshalJSON(body); err == nil && bytes.HasPrefix(bytes.TrimSpace(body), []byte(`"`)) {
		var want string
		if err := json.Unmarshal(bytes.TrimSpace(body), &want); err != nil || string(s) != want {
			t.Fatalf("flexString %q, encoding/json %q (%v)", s, want, err)
		}
	}
	// Both trim Unicode spaces, as bytes.TrimSpace does.
	var n flexInt
	if err := n.UnmarshalJSON(body); err == nil && isNumber(bytes.TrimSpace(body)) {
		var want json.Number
		if json.Unmarshal(bytes.TrimSpace(body), &want) != nil {
			t.Fatalf("flexInt read %q, which is not a JSON number", body)
		}
		if v, err := want.Int64(); err == nil && int64(n) != v {
			t.Fatalf("flexInt %d, encoding/json %d", n, v)
		}
	}
}
