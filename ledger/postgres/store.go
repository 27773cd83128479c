// Package postgres is the PostgreSQL backend of ledger.Store, on
// github.com/jackc/pgx/v5 (a pgxpool). Any number of server replicas may
// share one database: every piece of shared state is in it.
//
// # Correctness
//
// Transactions run under READ COMMITTED. Money moves through conditional
// updates (UPDATE ... WHERE status = 'active' AND expires_at > $now ...
// RETURNING) whose row locks serialize racing writers: a second updater
// waits for the first to commit and re-evaluates its WHERE clause against
// the new row. The schema carries the invariants as constraints (balances
// of user and escrow accounts never below zero, one resolving transfer
// per check), and triggers RAISE on any UPDATE, DELETE or TRUNCATE of the
// journal. SELECT ... FOR NO KEY UPDATE is used only where a decision has
// to read first: AcceptCheck compares the code in constant time in Go, so
// it locks the check (and the redeemer's account, which makes the
// per-account failure limit exact) before reading. ExpireDue claims checks
// with FOR NO KEY UPDATE SKIP LOCKED, so sweepers on several replicas never
// process a check twice.
//
// # Lock order
//
// Every transaction takes row locks in one order: a check, then one user
// account (or, in ExpireDue, several in id order), then escrow shards (in
// id order) or an external account, last. Within one statement the order
// is forced by data dependencies between its CTEs (each UPDATE joins the
// previous one's RETURNING rows). Deadlocks should therefore not happen;
// if one does (40P01), or a serialization failure (40001), the operation
// is retried a bounded number of times, as is a lost race on a unique key
// (the same idempotency key or deposit reference committed concurrently,
// which the retry then replays).
//
// # Escrow
//
// A single escrow row per currency would be touched by every create and
// every accept and serialize them all. Escrow is sharded instead: each
// currency has EscrowShards accounts named ledger.AccountEscrow; a check's
// money goes to a shard picked at random and comes back from the same
// shard (checks.escrow_account). Every shard keeps the non-negative balance
// constraint; Audit sums the shards and also checks each one against the
// active checks it holds.
//
// # Journal
//
// The journal is one append-only table of transfers: each row debits one
// account and credits another with one amount (double entry in one row, as
// in TigerBeetle), and records both balances right after it, so every
// account's history replays. A check's creation and its one resolution are
// transfers that name it; unique indexes allow one of each.
//
// # Round trips and statements
//
// CreateCheck, CancelCheck, Deposit, OpenAccount and the websession calls
// are each one statement (data-modifying CTEs) in an implicit transaction:
// one round trip. Each such statement ends with fastcheck_assert, which
// aborts it unless every step of its chain wrote, so none can half-apply a
// money move. AcceptCheck is two round trips: BEGIN + lock the check +
// lock the account + read the idempotency record and failure count,
// pipelined; then the money move (or the wrong-code record) + COMMIT,
// pipelined. ExpireDue is three (claim, lock accounts, refund + COMMIT).
//
// pgx prepares and caches every statement per connection, and the
// sessions use generic plans (plan_cache_mode=force_generic_plan), so a
// statement is planned once per connection. Measured on the 2-core
// development machine, a check operation costs about 0.55 ms of server CPU
// (pgbench's TPC-B transaction about 0.42 ms); its foreign keys cost about
// a tenth of that and are kept.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"fastcheck/api"
	"fastcheck/ledger"
)

// ErrClosed is returned by calls after Close.
var ErrClosed = errors.New("ledger/postgres: store is closed")

// EscrowShards is how many escrow accounts each currency gets.
const EscrowShards = 256

// DefaultMaxConns is the pool size unless the DSN sets pool_max_conns.
func DefaultMaxConns() int32 { return int32(max(16, 4*runtime.NumCPU())) }

// maxAttempts bounds the retries of one operation.
const maxAttempts = 10

// Store is a ledger.Store on one PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool

	mu       sync.RWMutex
	closed   bool
	escrow   map[string][]int64  // currency -> shard account ids
	external map[[2]string]int64 // (name, currency) -> account id
	inflight sync.WaitGroup      // calls in progress, for Close
	closeErr error
	once     sync.Once

	deadlocks, serialization, conflicts atomic.Int64 // retried attempts
}

// Retries counts the attempts that were repeated since Open, by cause.
// Deadlocks should stay 0: every transaction takes its locks in one
// global order.
type Retries struct {
	Deadlocks     int64 // 40P01 deadlock_detected
	Serialization int64 // 40001 serialization_failure
	Conflicts     int64 // a unique key committed concurrently, replayed on retry
}

// Retries returns the retry counters.
func (s *Store) Retries() Retries {
	return Retries{Deadlocks: s.deadlocks.Load(), Serialization: s.serialization.Load(), Conflicts: s.conflicts.Load()}
}

var _ ledger.Store = (*Store)(nil)

// IsDSN reports whether s is a PostgreSQL connection URL
// (postgres:// or postgresql://).
func IsDSN(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Redact returns dsn with its password, if any, replaced by "xxxxx", for
// logs.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable DSN)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Open connects to the database named by dsn (a postgres:// URL; pgxpool
// settings such as pool_max_conns are honoured) and applies the schema
// migrations, holding an advisory lock so that replicas starting together
// do not race.
func Open(ctx context.Context, dsn string) (*Store, error) {
	ctx = ctxOrBackground(ctx)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("ledger/postgres: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns()
	}
	// Every statement is prepared once per connection (pgx's statement
	// cache) and looks rows up by key, so a generic plan is as good as a
	// custom one, and skips planning on every execution (a third of a
	// millisecond for the CTE statements).
	//
	// random_page_cost = 1.1 (the usual value for SSDs, where random reads
	// cost about as much as sequential ones) keeps the planner on the
	// primary keys of small tables: with the default 4.0, the foreign-key
	// checks on a few hundred accounts (the escrow shards) are planned as
	// sequential scans, five per check created and accepted.
	for k, v := range map[string]string{"plan_cache_mode": "force_generic_plan", "random_page_cost": "1.1"} {
		if _, set := cfg.ConnConfig.RuntimeParams[k]; !set {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("ledger/postgres: %w", err)
	}
	if _, err := migratePool(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool, escrow: map[string][]int64{}, external: map[[2]string]int64{}}, nil
}

// Close waits for the calls in progress, then closes the pool. It is safe
// to call more than once.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.inflight.Wait()
		s.pool.Close()
	})
	return s.closeErr
}

// enter registers a call; the caller must call the returned function when
// it is done. It fails after Close and with an ended context.
func (s *Store) enter(ctx context.Context) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	s.inflight.Add(1)
	return s.inflight.Done, nil
}

// SchemaVersion returns the newest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.pool.QueryRow(ctxOrBackground(ctx), `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// errRetry asks run to try the operation again: it lost a race that a
// fresh attempt resolves (a unique key committed concurrently).
var errRetry = errors.New("ledger/postgres: retry")

// run calls op until it succeeds, fails for good, or maxAttempts is
// reached. It retries deadlocks, serialization failures and errRetry.
func (s *Store) run(ctx context.Context, op func(ctx context.Context) error) error {
	ctx = ctxOrBackground(ctx)
	done, err := s.enter(ctx)
	if err != nil {
		return err
	}
	defer done()
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil || !retryable(err) {
			return mapError(err)
		}
		s.count(err)
		if attempt == maxAttempts {
			return fmt.Errorf("ledger/postgres: gave up after %d attempts: %w", attempt, err)
		}
		// A short, growing, jittered pause lets the winner commit.
		pause := time.Duration(attempt*attempt) * (100*time.Microsecond + rand.N(400*time.Microsecond))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

func (s *Store) count(err error) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "P0004" {
		s.mu.Lock()
		s.escrow, s.external = map[string][]int64{}, map[[2]string]int64{}
		s.mu.Unlock()
	}
	switch {
	case errors.As(err, &pe) && pe.Code == "40P01":
		s.deadlocks.Add(1)
	case errors.As(err, &pe) && pe.Code == "40001":
		s.serialization.Add(1)
	default:
		s.conflicts.Add(1)
	}
}

// retryable reports whether err is a transient conflict.
func retryable(err error) bool {
	if errors.Is(err, errRetry) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		case "P0004": // fastcheck_assert: a statement refused to write partially
			// The likely cause is a cached system account id that no
			// longer names that account (the database was replaced
			// under a running process); run drops the cache first.
			return true
		case "23505": // unique_violation: someone committed the same key first
			switch pe.ConstraintName {
			case "idempotency_pkey", "transactions_ref", "checks_number_key", "accounts_user_id_key",
				"accounts_name_currency_shard":
				return true
			}
		}
	}
	return false
}

// mapError turns the schema's refusals into ledger errors and wraps other
// database errors.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "withdrawals_transfer_slot" {
		return ledger.ErrTransferBusy
	}
	if errors.As(err, &pe) && pe.Code == "23514" { // check_violation
		switch pe.ConstraintName {
		case "accounts_balance_limit":
			return ledger.ErrBalanceLimit
		case "accounts_balance_nonnegative":
			return ledger.ErrInsufficientFunds
		}
	}
	if isLedgerError(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		strings.HasPrefix(err.Error(), "ledger/postgres:") {
		return err
	}
	return fmt.Errorf("ledger/postgres: %w", err)
}

func isLedgerError(err error) bool {
	var tmf *ledger.TooManyFailures
	if errors.As(err, &tmf) {
		return true
	}
	for _, e := range []error{ledger.ErrNotFound, ledger.ErrWrongCode, ledger.ErrLocked, ledger.ErrExpired,
		ledger.ErrResolved, ledger.ErrInsufficientFunds, ledger.ErrCurrencyMismatch, ledger.ErrOwnCheck,
		ledger.ErrNotCreator, ledger.ErrIdempotencyReuse, ledger.ErrSessionNotPending, ledger.ErrSessionExpired,
		ledger.ErrBalanceLimit, ledger.ErrWithdrawalState, ledger.ErrOrderMismatch, ledger.ErrTransferBusy, ErrClosed} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// escrowShard returns a random escrow shard of currency, creating the
// shards on first use if userID has an account in that currency (so that a
// refused request leaves no system accounts behind). It returns 0 if not.
func (s *Store) escrowShard(ctx context.Context, userID, currency string, now int64) (int64, error) {
	s.mu.RLock()
	ids := s.escrow[currency]
	s.mu.RUnlock()
	if len(ids) == 0 {
		var err error
		if ids, err = s.loadSystem(ctx, ledger.AccountEscrow, "escrow", EscrowShards, userID, currency, now); err != nil || len(ids) == 0 {
			return 0, err
		}
		s.mu.Lock()
		s.escrow[currency] = ids
		s.mu.Unlock()
	}
	return ids[rand.IntN(len(ids))], nil
}

// externalAccount returns the id of the external account name in
// currency, creating it on first use if userID has an account in that
// currency. It returns 0 if not.
func (s *Store) externalAccount(ctx context.Context, name, userID, currency string, now int64) (int64, error) {
	return s.systemAccount(ctx, name, "external", userID, currency, now)
}

// systemAccount is externalAccount for a system account of any kind with
// one shard (an external account, a pending-outflow account). Names are
// unique across kinds, so one cache serves them all.
func (s *Store) systemAccount(ctx context.Context, name, kind, userID, currency string, now int64) (int64, error) {
	k := [2]string{name, currency}
	s.mu.RLock()
	id, ok := s.external[k]
	s.mu.RUnlock()
	if ok {
		return id, nil
	}
	ids, err := s.loadSystem(ctx, name, kind, 1, userID, currency, now)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	s.mu.Lock()
	s.external[k] = ids[0]
	s.mu.Unlock()
	return ids[0], nil
}

// loadSystem creates (unless they exist) and returns the system accounts
// named name in currency, shards 0..n-1. They are created only if userID
// has an account in currency; accounts are never deleted, so their ids can
// be cached.
func (s *Store) loadSystem(ctx context.Context, name, kind string, n int, userID, currency string, now int64) ([]int64, error) {
	if _, err := s.pool.Exec(ctx, `INSERT INTO accounts (name, kind, shard, currency, balance, created_at)
		SELECT $1, $2::text::account_kind, g, $3::text, 0, $4 FROM generate_series(0, $5::int - 1) g
		WHERE EXISTS (SELECT 1 FROM accounts WHERE user_id = $6 AND currency = $3::text)
		ON CONFLICT (name, currency, shard) DO NOTHING`, name, kind, currency, now, n, userID); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, kind::text FROM accounts WHERE name = $1 AND currency = $2::text ORDER BY shard`, name, currency)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		var k string
		if err := rows.Scan(&id, &k); err != nil {
			return nil, err
		}
		if k != kind {
			return nil, fmt.Errorf("ledger/postgres: account %s is a %s account, not %s", name, k, kind)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// errNoTime refuses a call whose time was left unset: expiry and the
// failure limit are decided by that time, and the year 1 would pass them.
var errNoTime = errors.New("ledger/postgres: the call's time (Now) is not set")

func needTime(t time.Time) error {
	if t.IsZero() {
		return errNoTime
	}
	return nil
}

func checkAmount(v int64) error {
	if err := api.CheckAmount(v); err != nil {
		return fmt.Errorf("ledger/postgres: %w", err)
	}
	return nil
}

func checkCurrency(c string) error {
	if c == "" || len(c) > 8 {
		return fmt.Errorf("ledger/postgres: invalid currency %q", api.Truncate(c, 16))
	}
	return nil
}

func checkIdem(idem *ledger.Idempotency) error {
	if idem != nil && (idem.Key == "" || len(idem.Hash) == 0) {
		return errors.New("ledger/postgres: idempotency key and hash must not be empty")
	}
	return nil
}

// idemArgs returns the key (nil for none) and hash parameters.
func idemArgs(idem *ledger.Idempotency) (key *string, hash []byte) {
	if idem == nil {
		return nil, []byte{}
	}
	k := idem.Key
	return &k, idem.Hash
}

// ms converts a time to the stored unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts stored unix milliseconds back to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// fromNullMS converts a nullable stored time; NULL is the zero time.
func fromNullMS(v *int64) time.Time {
	if v == nil {
		return time.Time{}
	}
	return fromMS(*v)
}

// nullMS stores the zero time as NULL.
func nullMS(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := ms(t)
	return &v
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ctxOrBackground tolerates a nil context from careless callers.
func ctxOrBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// noRows reports whether err says a query returned no row.
func noRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
