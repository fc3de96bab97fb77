// Package pgtest gives tests a real, empty PostgreSQL schema of their own on
// the throwaway cluster that `make test` starts (scripts/test-postgres.sh),
// whose URL arrives in HELPDESK_TEST_DATABASE_URL. There is no mock of the
// database.
//
//	url := pgtest.URL(t) // a fresh schema, dropped when the test ends
//	st, err := pgstore.Open(ctx, url, nil)
//
// Without the variable a developer's plain `go test ./...` skips these tests
// with a message saying how to run them; under CI (CI=true) or `make test`
// (HELPDESK_TEST_REQUIRE_DATABASE=1) a missing database fails them instead,
// so a broken set-up cannot pass as green.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env is the variable holding the admin URL of the test cluster.
const Env = "HELPDESK_TEST_DATABASE_URL"

// AdminURL is the cluster's URL, or it skips (or fails, under CI) the test.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u != "" {
		return u
	}
	msg := Env + " is not set: these tests need a real PostgreSQL. `make test` starts one; " +
		"or run: scripts/test-postgres.sh run go test ./..."
	if Required() {
		t.Fatal(msg + " (required under CI and make test)")
	}
	t.Skip(msg)
	return ""
}

// Required reports whether a missing test database is a failure: under CI
// and under `make test`.
func Required() bool {
	return os.Getenv("CI") != "" && os.Getenv("CI") != "false" || os.Getenv("HELPDESK_TEST_REQUIRE_DATABASE") != ""
}

// URL creates an empty schema for this test on the test cluster and returns
// a URL whose connections use it (search_path); the schema is dropped when
// the test ends.
func URL(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	name := "t_" + randomHex(8)
	exec(t, admin, "CREATE SCHEMA "+name)
	t.Cleanup(func() { exec(t, admin, "DROP SCHEMA IF EXISTS "+name+" CASCADE") })
	return WithSchema(t, admin, name)
}

// Database creates an empty database whose name starts with prefix (a demo
// console wants "demo") and returns its URL; it is dropped when the test
// ends, whoever is still connected.
func Database(t testing.TB, prefix string) string {
	t.Helper()
	admin := AdminURL(t)
	name := prefix + "_" + randomHex(6)
	exec(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { exec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	pu, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s does not parse", Env)
	}
	pu.Path = "/" + name
	return pu.String()
}

// WithSchema is u with its connections' search_path set to schema.
func WithSchema(t testing.TB, u, schema string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatalf("%s does not parse", Env)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String()
}

// Exec runs one statement on the database at u.
func Exec(t testing.TB, u, sql string) { t.Helper(); exec(t, u, sql) }

func exec(t testing.TB, u, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// Password is the password in u, for tests that check it is never logged.
func Password(u string) string {
	pu, err := url.Parse(u)
	if err != nil || pu.User == nil {
		return ""
	}
	pw, _ := pu.User.Password()
	return pw
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
