// Package pgtest gives tests a throwaway PostgreSQL database on the server
// that scripts/with-services starts (FASTCHECK_TEST_POSTGRES).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// ServerDSN returns FASTCHECK_TEST_POSTGRES, or skips the test (fails it
// under FASTCHECK_REQUIRE_SERVICES=1).
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("FASTCHECK_TEST_POSTGRES")
	if dsn == "" {
		msg := "FASTCHECK_TEST_POSTGRES is not set: run the tests with scripts/with-services to get a throwaway PostgreSQL"
		if os.Getenv("FASTCHECK_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg + " (FASTCHECK_REQUIRE_SERVICES=1: PostgreSQL tests must not skip)")
		}
		t.Skip(msg)
	}
	return dsn
}

// FreshDB creates a database with a random name on the test server and
// returns its DSN; the database is dropped when the test ends (after the
// test's other cleanups, which close its stores).
func FreshDB(t testing.TB) string {
	t.Helper()
	server := ServerDSN(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connecting to the test PostgreSQL: %v", err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "fastcheck_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("CREATE DATABASE: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("dropping %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
