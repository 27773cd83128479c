package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock is the pg_advisory_lock key held while migrating
// ("fastchk" in ASCII).
const migrationLock int64 = 0x66617374_63686b

// migration is one file migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, f := range files {
		base := strings.TrimSuffix(strings.TrimPrefix(f, "migrations/"), ".sql")
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive version number", f)
		}
		b, err := migrationFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// LatestVersion is the schema version this program's migrations reach.
func LatestVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// Migrate connects to dsn, brings the schema up to date and returns its
// version. It applies, in order and each in its own transaction, the
// embedded migrations not yet recorded in schema_migrations, holding a
// session advisory lock so that concurrent migrations (replicas starting
// together) wait for each other instead of racing. It refuses a database
// whose schema is newer than this program.
func Migrate(ctx context.Context, dsn string) (int, error) {
	ctx = ctxOrBackground(ctx)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, fmt.Errorf("ledger/postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return migrate(ctx, conn)
}

func migratePool(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	c, err := pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("ledger/postgres: %w", err)
	}
	defer c.Release()
	return migrate(ctx, c.Conn())
}

func migrate(ctx context.Context, conn *pgx.Conn) (version int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, fmt.Errorf("ledger/postgres: %w", err)
	}
	known := 0
	if len(ms) > 0 {
		known = ms[len(ms)-1].version
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return 0, fmt.Errorf("ledger/postgres: migration lock: %w", err)
	}
	defer func() {
		if _, e := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock); e != nil && err == nil {
			err = fmt.Errorf("ledger/postgres: migration unlock: %w", e)
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return 0, fmt.Errorf("ledger/postgres: schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return 0, fmt.Errorf("ledger/postgres: schema_migrations: %w", err)
	}
	newest := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return 0, fmt.Errorf("ledger/postgres: schema_migrations: %w", err)
		}
		applied[v] = true
		newest = max(newest, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("ledger/postgres: schema_migrations: %w", err)
	}
	if newest > known {
		return 0, fmt.Errorf("ledger/postgres: database schema version %d is newer than this program's %d", newest, known)
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil { // no arguments: simple protocol, several statements
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("ledger/postgres: migration %s: %w", m.name, err)
		}
		newest = max(newest, m.version)
	}
	return newest, nil
}
