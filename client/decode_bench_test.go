package client

import (
	"io"
	"net/http"
	"testing"

	"onelogin-helpdesk/fakeonelogin"
)

// fakePage is the fake tenant's answer to a user listing: for the
// benchmark's search, a page of 50 whole users (or of the given fields
// only), as the console decodes it on every search.
func fakePage(b *testing.B, query string) []byte {
	b.Helper()
	return fakeGet(b, "/api/1/users?"+query)
}

// fakeGet is the fake tenant's answer to GET path.
func fakeGet(b *testing.B, path string) []byte {
	b.Helper()
	srv := fakeonelogin.NewServer(fakeonelogin.Options{Seed: 1})
	defer srv.Close()
	c, err := New(srv.URL, srv.ClientID, srv.ClientSecret)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := c.tokens.get(b.Context(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Header.Set("Authorization", "bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("list: %s %v", resp.Status, err)
	}
	return body
}

func benchmarkListBody(b *testing.B, body []byte) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	res := &response{status: 200, contentType: "application/json", body: body}
	for b.Loop() {
		users, _, err := decodeList("ListUsers", res, (*wireUser).user, 50, decodeUsers)
		if err != nil || len(users) != 50 {
			b.Fatal(len(users), err)
		}
	}
}

// BenchmarkDecodeUsers decodes a page of 50 users the way ListUsers does.
func BenchmarkDecodeUsers(b *testing.B) {
	b.Run("whole users", func(b *testing.B) {
		benchmarkListBody(b, fakePage(b, "email=%2A%40example.com&limit=50"))
	})
	b.Run("search fields", func(b *testing.B) {
		benchmarkListBody(b, fakePage(b, "email=%2A%40example.com&limit=50&fields=email,username,firstname,lastname,status,locked_until,last_login"))
	})
}
