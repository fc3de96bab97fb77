package views

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"onelogin-helpdesk/client"
)

// BenchmarkSearchResults renders a full page of results, the search
// fragment's body: the view work of `make bench`'s search workload.
func BenchmarkSearchResults(b *testing.B) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	v := SearchView{Searched: true, Rule: `email ends with "@example.com"`, Now: now, Loc: time.UTC, Fragment: true, PageNumber: 1, Next: "/users?q=x&after=abc"}
	for i := range 50 {
		u := client.User{ID: int64(1000 + i), Email: fmt.Sprintf("person%d@example.com", i), Username: fmt.Sprintf("person%d", i),
			Firstname: "Person", Lastname: fmt.Sprint(i), Status: client.Status(i % 5), LastLogin: now.Add(-time.Duration(i) * time.Hour)}
		if i%7 == 0 {
			u.Status, u.LockedUntil = client.StatusLocked, now.Add(time.Hour)
		}
		v.Users = append(v.Users, u)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := SearchResults(v).Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
