// Package backend opens the ledger that a --db value names: a postgres://
// or postgresql:// URL selects PostgreSQL (ledger/postgres), anything else
// is the path of an SQLite file (ledger/sqlite). The server and its
// subcommands (audit, migrate) all go through it, so they agree on what a
// --db value means. It lives apart from package ledger, which must not
// import its backends.
package backend

import (
	"context"
	"database/sql"
	"fmt"

	"fastcheck/ledger"
	"fastcheck/ledger/postgres"
	"fastcheck/ledger/sqlite"
)

// Kinds of backend, as Kind reports them.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Kind returns Postgres for a postgres:// or postgresql:// URL, SQLite
// for anything else.
func Kind(db string) string {
	if postgres.IsDSN(db) {
		return Postgres
	}
	return SQLite
}

// Describe returns db fit for logs: a PostgreSQL URL without its password,
// or the SQLite path.
func Describe(db string) string {
	if Kind(db) == Postgres {
		return postgres.Redact(db)
	}
	return db
}

// Open opens the ledger named by db and applies its schema migrations.
// For PostgreSQL, concurrent Opens (replicas starting together) wait for
// each other's migrations.
func Open(ctx context.Context, db string) (ledger.Store, error) {
	if Kind(db) == Postgres {
		return postgres.Open(ctx, db)
	}
	return sqlite.Open(db)
}

// Migrate brings the schema of the ledger named by db up to date and
// returns its version. An SQLite file is created if it does not exist.
func Migrate(ctx context.Context, db string) (int, error) {
	if Kind(db) == Postgres {
		return postgres.Migrate(ctx, db)
	}
	s, err := sqlite.Open(db) // applies the migrations
	if err != nil {
		return 0, err
	}
	if err := s.Close(); err != nil {
		return 0, err
	}
	conn, err := sql.Open("sqlite", sqlite.DSN(db))
	if err != nil {
		return 0, fmt.Errorf("ledger/backend: %w", err)
	}
	defer conn.Close()
	var v int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("ledger/backend: schema version: %w", err)
	}
	return v, nil
}
