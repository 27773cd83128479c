package backend_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"fastcheck/ledger/backend"
	"fastcheck/ledger/postgres"
	"fastcheck/ledger/sqlite"
)

func TestKind(t *testing.T) {
	for db, want := range map[string]string{
		"postgres://u:p@db:5432/fc?sslmode=disable": backend.Postgres,
		"postgresql://db/fc":                        backend.Postgres,
		"/var/lib/fastcheck/fastcheck.db":           backend.SQLite,
		"fastcheck.db":                              backend.SQLite,
		"./postgres://not-a-url":                    backend.SQLite,
	} {
		if got := backend.Kind(db); got != want {
			t.Errorf("Kind(%q) = %s, want %s", db, got, want)
		}
	}
	if d := backend.Describe("postgres://u:secret@db/fc"); strings.Contains(d, "secret") {
		t.Errorf("Describe kept the password: %s", d)
	}
	if d := backend.Describe("/tmp/x.db"); d != "/tmp/x.db" {
		t.Errorf("Describe(path) = %s", d)
	}
}

func TestSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fc.db")
	v, err := backend.Migrate(context.Background(), path)
	if err != nil || v < 1 {
		t.Fatalf("Migrate = %d, %v", v, err)
	}
	s, err := backend.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.(*sqlite.Store); !ok {
		t.Fatalf("Open(%s) = %T, want *sqlite.Store", path, s)
	}
	if _, err := s.OpenAccount(context.Background(), "alice", "RUB", time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestPostgres(t *testing.T) {
	server := os.Getenv("FASTCHECK_TEST_POSTGRES")
	if server == "" {
		msg := "FASTCHECK_TEST_POSTGRES is not set: run the tests with scripts/with-services"
		if os.Getenv("FASTCHECK_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := "fastcheck_backend_" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "_") + time.Now().Format("150405")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)")
	u, _ := url.Parse(server)
	u.Path = "/" + name
	dsn := u.String()

	v, err := backend.Migrate(ctx, dsn)
	if err != nil || v != postgres.LatestVersion() {
		t.Fatalf("Migrate = %d, %v; want %d", v, err, postgres.LatestVersion())
	}
	s, err := backend.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.(*postgres.Store); !ok {
		t.Fatalf("Open(%s) = %T, want *postgres.Store", dsn, s)
	}
	if r, err := s.Audit(ctx); err != nil || !r.OK() {
		t.Fatalf("Audit = %+v, %v", r, err)
	}
}
