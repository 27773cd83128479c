// Package sqlite is the SQLite backend of ledger.Store (modernc.org/sqlite,
// pure Go).
//
// All writes go through one goroutine that owns the only write connection
// and commits in groups: it opens BEGIN IMMEDIATE, runs each queued job in
// its own SAVEPOINT, and acknowledges the jobs only after the COMMIT that
// made them durable (synchronous=FULL). Reads use a separate pool of
// read-only connections; WAL mode gives each read transaction a snapshot.
//
// Since one connection does every write, jobs never interleave. The jobs
// still use conditional updates (UPDATE ... WHERE status='active' ...
// RETURNING) and the schema still carries the invariants as constraints,
// unique indexes and triggers, so that a bug in the application code fails
// loudly instead of moving money.
//
// SQLite mode means exactly one server process per database file.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"fastcheck/internal/boundmap"
	"fastcheck/ledger"
)

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("ledger/sqlite: store is closed")

// readConns is the size of the read pool.
const readConns = 4

// Store is a ledger.Store on one SQLite database file.
type Store struct {
	ledger.MemShared // nonces and rate limits: this process is the only replica

	path string
	wdb  *sql.DB // exactly one connection, used only by the writer goroutine
	rdb  *sql.DB // read-only pool

	// wsByID is the websession read every signed request makes, prepared
	// once on the read pool (parsing it each time cost more than running it).
	wsByID *sql.Stmt
	ws     boundmap.Map[ledger.Websession]

	mu     sync.RWMutex // guards closed and sending on jobs
	closed bool
	jobs   chan *job
	done   chan struct{} // closed when the writer goroutine has ended

	closeOnce sync.Once
	closeErr  error
}

var _ ledger.Store = (*Store)(nil)

// DSN returns the connection string of the write connection for the
// database file at path: WAL, synchronous=FULL, foreign keys, a 5 s busy
// timeout and BEGIN IMMEDIATE transactions.
func DSN(path string) string {
	return "file:" + escapePath(path) +
		"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_txlock=immediate"
}

// readDSN is the connection string of the read pool. journal_mode is a
// property of the file (set by the writer); query_only makes any write
// through this pool fail.
func readDSN(path string) string {
	return "file:" + escapePath(path) +
		"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=query_only(1)"
}

// escapePath keeps '?' and '#' in a file name from being read as the start
// of the DSN's query or fragment.
func escapePath(p string) string {
	return (&url.URL{Path: p}).EscapedPath()
}

// Open opens (creating if needed) the ledger database at path and applies
// the schema migrations. The parent directory is created 0700 and the file
// 0600.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("ledger/sqlite: empty database path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("ledger/sqlite: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("ledger/sqlite: %w", err)
	}
	f.Close()

	wdb, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("ledger/sqlite: %w", err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	if err := Migrate(wdb); err != nil {
		wdb.Close()
		return nil, err
	}

	rdb, err := sql.Open("sqlite", readDSN(path))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("ledger/sqlite: %w", err)
	}
	rdb.SetMaxOpenConns(readConns)
	rdb.SetMaxIdleConns(readConns)
	if err := rdb.Ping(); err != nil {
		rdb.Close()
		wdb.Close()
		return nil, fmt.Errorf("ledger/sqlite: %w", err)
	}

	wsByID, err := rdb.Prepare(websessionSelect + ` WHERE id = ?`)
	if err != nil {
		rdb.Close()
		wdb.Close()
		return nil, fmt.Errorf("ledger/sqlite: %w", err)
	}
	conn, err := wdb.Conn(context.Background())
	if err != nil {
		wsByID.Close()
		rdb.Close()
		wdb.Close()
		return nil, fmt.Errorf("ledger/sqlite: %w", err)
	}
	s := &Store{
		path:   path,
		wdb:    wdb,
		rdb:    rdb,
		wsByID: wsByID,
		jobs:   make(chan *job, 1024),
		done:   make(chan struct{}),
	}
	go s.writer(conn)
	return s, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close stops accepting writes, lets the writer finish every job already
// queued (their batches commit or fail as a whole, never half-written),
// and closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.jobs)
		s.mu.Unlock()
		<-s.done
		// Readers first, so that the writer's connection is the last one
		// and checkpoints the WAL into the database file as it closes.
		s.closeErr = errors.Join(s.wsByID.Close(), s.rdb.Close(), s.wdb.Close())
	})
	return s.closeErr
}

// errNoTime refuses a call whose time was left unset: expiry and the
// failure limit are decided by that time, and the year 1 would pass them.
var errNoTime = errors.New("ledger/sqlite: the call's time (Now) is not set")

func needTime(t time.Time) error {
	if t.IsZero() {
		return errNoTime
	}
	return nil
}

// ms converts a time to the stored unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts stored unix milliseconds back to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// fromNullMS converts a nullable stored time; NULL is the zero time.
func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// nullMS stores the zero time as NULL.
func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(t), Valid: true}
}

func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// ctxOrBackground tolerates a nil context from careless callers.
func ctxOrBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}
