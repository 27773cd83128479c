package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"fastcheck/ledger"
	"fastcheck/ledger/ledgertest"
	"fastcheck/ledger/postgres"
	"fastcheck/ledger/postgres/pgtest"
)

func serverDSN(t testing.TB) string { return pgtest.ServerDSN(t) }

func freshDB(t testing.TB) string { return pgtest.FreshDB(t) }

// open opens a store on dsn. When the test ends, the store must not have
// met a deadlock: every transaction takes its locks in one order.
func open(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		r := s.Retries()
		if r.Deadlocks != 0 && !strings.Contains(t.Name(), "Deadlock") {
			t.Errorf("the store met %d deadlocks (retries: %+v)", r.Deadlocks, r)
		}
		if r != (postgres.Retries{}) {
			t.Logf("retries: %+v", r)
		}
	})
	return s
}

// rawConn connects behind the store's back, to tamper with the database.
func rawConn(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func TestConformance(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	ledgertest.Run(t, func(t *testing.T) ledger.Store { return open(t, freshDB(t)) })
}

func TestDurability(t *testing.T) {
	t.Parallel()
	dsn := freshDB(t)
	ledgertest.RunDurability(t, func(t *testing.T) ledger.Store { return open(t, dsn) })
}

// replicas is a ledger.Store that sends each call to the next of several
// stores on one database, like a round-robin load balancer in front of
// server replicas.
type replicas struct {
	stores []*postgres.Store
	next   atomic.Uint64
}

func (r *replicas) pick() *postgres.Store {
	return r.stores[r.next.Add(1)%uint64(len(r.stores))]
}

func (r *replicas) OpenAccount(ctx context.Context, u, c string, now time.Time) (ledger.Account, error) {
	return r.pick().OpenAccount(ctx, u, c, now)
}
func (r *replicas) Account(ctx context.Context, u string) (ledger.Account, error) {
	return r.pick().Account(ctx, u)
}
func (r *replicas) Deposit(ctx context.Context, d ledger.Deposit) (ledger.Result, error) {
	return r.pick().Deposit(ctx, d)
}
func (r *replicas) CreateCheck(ctx context.Context, c ledger.CreateCheck) (ledger.Result, error) {
	return r.pick().CreateCheck(ctx, c)
}
func (r *replicas) AcceptCheck(ctx context.Context, a ledger.AcceptCheck) (ledger.Result, error) {
	return r.pick().AcceptCheck(ctx, a)
}
func (r *replicas) CancelCheck(ctx context.Context, c ledger.CancelCheck) (ledger.Result, error) {
	return r.pick().CancelCheck(ctx, c)
}
func (r *replicas) ExpireDue(ctx context.Context, now time.Time, limit int) ([]ledger.Check, error) {
	return r.pick().ExpireDue(ctx, now, limit)
}
func (r *replicas) Check(ctx context.Context, n string) (ledger.Check, error) {
	return r.pick().Check(ctx, n)
}
func (r *replicas) ActiveChecks(ctx context.Context, u string) ([]ledger.Check, error) {
	return r.pick().ActiveChecks(ctx, u)
}
func (r *replicas) History(ctx context.Context, u string, limit int) ([]ledger.Check, error) {
	return r.pick().History(ctx, u, limit)
}
func (r *replicas) FailedAccepts(ctx context.Context, u string, since time.Time) ([]ledger.FailedAccept, error) {
	return r.pick().FailedAccepts(ctx, u, since)
}
func (r *replicas) CreateWebsession(ctx context.Context, w ledger.Websession) error {
	return r.pick().CreateWebsession(ctx, w)
}
func (r *replicas) Websession(ctx context.Context, id string) (ledger.Websession, error) {
	return r.pick().Websession(ctx, id)
}
func (r *replicas) SessionNonce(ctx context.Context, id, key string, until, now time.Time) (ledger.Websession, bool, error) {
	return r.pick().SessionNonce(ctx, id, key, until, now)
}
func (r *replicas) ApproveWebsession(ctx context.Context, a ledger.Approval) (ledger.Websession, error) {
	return r.pick().ApproveWebsession(ctx, a)
}
func (r *replicas) DeleteWebsession(ctx context.Context, id string, now time.Time) error {
	return r.pick().DeleteWebsession(ctx, id, now)
}
func (r *replicas) Purge(ctx context.Context, a, b time.Time) error { return r.pick().Purge(ctx, a, b) }
func (r *replicas) Audit(ctx context.Context) (ledger.AuditReport, error) {
	return r.pick().Audit(ctx)
}
func (r *replicas) CreateOrder(ctx context.Context, o ledger.NewOrder) (ledger.Order, bool, error) {
	return r.pick().CreateOrder(ctx, o)
}
func (r *replicas) Order(ctx context.Context, id string) (ledger.Order, error) {
	return r.pick().Order(ctx, id)
}
func (r *replicas) OrderByExternal(ctx context.Context, provider, id string) (ledger.Order, error) {
	return r.pick().OrderByExternal(ctx, provider, id)
}
func (r *replicas) OrderByKey(ctx context.Context, u, key string) (ledger.Order, []byte, error) {
	return r.pick().OrderByKey(ctx, u, key)
}
func (r *replicas) OrdersByUser(ctx context.Context, u string, limit int) ([]ledger.Order, error) {
	return r.pick().OrdersByUser(ctx, u, limit)
}
func (r *replicas) OpenOrders(ctx context.Context, provider string, limit int) ([]ledger.Order, error) {
	return r.pick().OpenOrders(ctx, provider, limit)
}
func (r *replicas) PollOrders(ctx context.Context, provider string, before, now time.Time, limit int) ([]ledger.Order, error) {
	return r.pick().PollOrders(ctx, provider, before, now, limit)
}
func (r *replicas) RecordPayment(ctx context.Context, p ledger.PaymentUpdate) (ledger.PaymentResult, error) {
	return r.pick().RecordPayment(ctx, p)
}
func (r *replicas) ExpireOrders(ctx context.Context, now time.Time, limit int) ([]ledger.Order, error) {
	return r.pick().ExpireOrders(ctx, now, limit)
}
func (r *replicas) ClosedSince(ctx context.Context, provider string, since time.Time, limit int) ([]ledger.Order, error) {
	return r.pick().ClosedSince(ctx, provider, since, limit)
}
func (r *replicas) SettledNative(ctx context.Context, provider string) (int64, error) {
	return r.pick().SettledNative(ctx, provider)
}
func (r *replicas) StartWithdrawal(ctx context.Context, w ledger.NewWithdrawal) (ledger.Withdrawal, bool, error) {
	return r.pick().StartWithdrawal(ctx, w)
}
func (r *replicas) Withdrawal(ctx context.Context, ref string) (ledger.Withdrawal, error) {
	return r.pick().Withdrawal(ctx, ref)
}
func (r *replicas) WithdrawalsByUser(ctx context.Context, u string, limit int) ([]ledger.Withdrawal, error) {
	return r.pick().WithdrawalsByUser(ctx, u, limit)
}
func (r *replicas) LeaseWithdrawal(ctx context.Context, ref, owner string, now, until time.Time) (ledger.Withdrawal, error) {
	return r.pick().LeaseWithdrawal(ctx, ref, owner, now, until)
}
func (r *replicas) ClaimWithdrawal(ctx context.Context, ref, owner, meta string, now, until time.Time) (ledger.Withdrawal, error) {
	return r.pick().ClaimWithdrawal(ctx, ref, owner, meta, now, until)
}
func (r *replicas) FinishWithdrawal(ctx context.Context, f ledger.FinishWithdrawal) (ledger.Withdrawal, error) {
	return r.pick().FinishWithdrawal(ctx, f)
}
func (r *replicas) PendingWithdrawals(ctx context.Context, limit int) ([]ledger.Withdrawal, error) {
	return r.pick().PendingWithdrawals(ctx, limit)
}
func (r *replicas) AdvanceStep(ctx context.Context, id string, step uint64) (bool, error) {
	return r.pick().AdvanceStep(ctx, id, step)
}
func (r *replicas) UseNonce(ctx context.Context, key string, until, now time.Time) (bool, error) {
	return r.pick().UseNonce(ctx, key, until, now)
}
func (r *replicas) TakeToken(ctx context.Context, key string, perSecond, burst float64, now time.Time) (bool, time.Duration, error) {
	return r.pick().TakeToken(ctx, key, perSecond, burst, now)
}
func (r *replicas) PurgeShared(ctx context.Context, now time.Time) error {
	return r.pick().PurgeShared(ctx, now)
}
func (r *replicas) Close() error {
	var errs []error
	for _, s := range r.stores {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// threeReplicas opens three stores on one new database behind one
// round-robin replicas store.
func threeReplicas(t *testing.T) ledger.Store {
	dsn := freshDB(t)
	return &replicas{stores: []*postgres.Store{open(t, dsn), open(t, dsn), open(t, dsn)}}
}

// TestConformanceReplicas runs the whole suite, races included, through
// three stores on one database, each call going to the next store: what
// three server replicas behind a round-robin balancer do.
func TestConformanceReplicas(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	ledgertest.Run(t, threeReplicas)
}

// seed opens alice (funded) and bob and returns their store's DSN.
func seed(t *testing.T, s ledger.Store, users int, amount int64) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < users; i++ {
		u := fmt.Sprintf("user%d", i)
		if _, err := s.OpenAccount(ctx, u, "RUB", ledgertest.Start); err != nil {
			t.Fatal(err)
		}
		if amount > 0 {
			if _, err := s.Deposit(ctx, ledger.Deposit{UserID: u, Amount: amount, Currency: "RUB",
				Source: ledger.ExternalBankIn, Ref: "seed:" + u, Now: ledgertest.Start}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestReplicasRace: two stores ("replicas") on one database race accepts
// of the same checks, and sweep expired checks at the same time. Every
// check resolves exactly once, and the books balance.
func TestReplicasRace(t *testing.T) {
	t.Parallel()
	dsn := freshDB(t)
	a, b := open(t, dsn), open(t, dsn)
	defer a.Close()
	defer b.Close()
	stores := []*postgres.Store{a, b}
	ctx := context.Background()
	const racers, checks = 8, 100
	seed(t, a, racers, 1_000_000)
	now := ledgertest.Start

	// Half the checks are accepted by 8 racers at once (4 per replica),
	// the other half expire while both replicas sweep.
	var toAccept, toExpire []ledger.Check
	for i := 0; i < 2*checks; i++ {
		life := time.Hour
		if i%2 == 1 {
			life = time.Minute
		}
		r, err := stores[i%2].CreateCheck(ctx, ledger.CreateCheck{UserID: fmt.Sprintf("user%d", i%racers), Amount: 100,
			Currency: "RUB", Now: now, ExpiresAt: now.Add(life)})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			toAccept = append(toAccept, r.Check)
		} else {
			toExpire = append(toExpire, r.Check)
		}
	}
	later := now.Add(2 * time.Minute)
	var wins [checks]atomic.Int32
	var mu sync.Mutex
	expired := map[string]int{}
	var wg sync.WaitGroup
	for r := 0; r < racers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[r%2]
			user := fmt.Sprintf("user%d", r)
			for i, c := range toAccept {
				_, err := s.AcceptCheck(ctx, ledger.AcceptCheck{UserID: user, Number: c.Number, Code: c.Code, Now: later})
				switch {
				case err == nil:
					wins[i].Add(1)
				case errors.Is(err, ledger.ErrResolved), errors.Is(err, ledger.ErrOwnCheck):
				default:
					t.Errorf("accept: %v", err)
					return
				}
			}
		}()
	}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := stores[w%2].ExpireDue(ctx, later, 7)
				if err != nil {
					t.Errorf("ExpireDue: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, c := range got {
					expired[c.Number]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for i := range wins {
		if n := wins[i].Load(); n != 1 {
			t.Errorf("check %s accepted %d times", toAccept[i].Number, n)
		}
	}
	if len(expired) != checks {
		t.Errorf("%d checks expired, want %d", len(expired), checks)
	}
	for _, c := range toExpire {
		if expired[c.Number] != 1 {
			t.Errorf("check %s was returned %d times by the sweeps", c.Number, expired[c.Number])
		}
	}
	rep := ledgertest.RequireAudit(t, b)
	if tot := rep.Totals["RUB"]; tot.Active != 0 || tot.Users != racers*1_000_000 {
		t.Fatalf("totals after the race: %+v", tot)
	}
}

// TestConcurrentMigrations: replicas starting together on an empty
// database apply each migration once (the advisory lock), and all open.
func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	dsn := freshDB(t)
	const n = 8
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = postgres.Open(context.Background(), dsn)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	var count, version int
	if err := rawConn(t, dsn).QueryRow(context.Background(), `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&count, &version); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if count != len(files) || version != postgres.LatestVersion() {
		t.Fatalf("schema_migrations has %d rows up to version %d, want %d and %d", count, version, len(files), postgres.LatestVersion())
	}
	v, err := postgres.Migrate(context.Background(), dsn)
	if err != nil || v != postgres.LatestVersion() {
		t.Fatalf("Migrate again = %d, %v; want %d", v, err, postgres.LatestVersion())
	}
	if v, err := stores[0].SchemaVersion(context.Background()); err != nil || v != postgres.LatestVersion() {
		t.Fatalf("SchemaVersion = %d, %v", v, err)
	}
	ledgertest.RequireAudit(t, stores[0])
}

func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	dsn := freshDB(t)
	if _, err := postgres.Migrate(context.Background(), dsn); err != nil {
		t.Fatal(err)
	}
	if _, err := rawConn(t, dsn).Exec(context.Background(),
		`INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future')`); err != nil {
		t.Fatal(err)
	}
	if s, err := postgres.Open(context.Background(), dsn); err == nil {
		s.Close()
		t.Fatal("Open accepted a database from a newer program")
	}
}

// seeded returns a store with alice (funded) and bob, one active check,
// and the database's DSN.
func seeded(t *testing.T) (*postgres.Store, ledger.Check, string) {
	t.Helper()
	dsn := freshDB(t)
	s := open(t, dsn)
	t.Cleanup(func() { s.Close() })
	ctx, now := context.Background(), ledgertest.Start
	for _, u := range []string{"alice", "bob"} {
		if _, err := s.OpenAccount(ctx, u, "RUB", now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Deposit(ctx, ledger.Deposit{UserID: "alice", Amount: 10_000, Currency: "RUB",
		Source: ledger.ExternalBankIn, Ref: "seed", Now: now}); err != nil {
		t.Fatal(err)
	}
	r, err := s.CreateCheck(ctx, ledger.CreateCheck{UserID: "alice", Amount: 1000, Currency: "RUB", Now: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return s, r.Check, dsn
}

// TestSchemaGuards: the invariants hold in the schema itself, not only in
// the Go code: direct tampering is refused by constraints and triggers.
func TestSchemaGuards(t *testing.T) {
	t.Parallel()
	s, c, dsn := seeded(t)
	db := rawConn(t, dsn)
	ctx := context.Background()
	for _, q := range []string{
		`UPDATE transfers SET amount = amount + 1`,
		`UPDATE transfers SET created_at = 0`,
		`DELETE FROM transfers`,
		`TRUNCATE transfers`,
		`DELETE FROM checks`,
		`TRUNCATE checks CASCADE`,
		`DELETE FROM accounts WHERE user_id = 'bob'`,
		`TRUNCATE accounts CASCADE`,
		`UPDATE accounts SET balance = -1 WHERE user_id = 'bob'`,
		`UPDATE accounts SET balance = balance - 1001 WHERE kind = 'escrow' AND balance > 0`,
		`UPDATE accounts SET balance = 1000000000000001 WHERE user_id = 'bob'`,
		`UPDATE accounts SET kind = 'external' WHERE user_id = 'bob'`,
		`UPDATE checks SET amount = 1`,
		`UPDATE checks SET code = '0000'`,
		`UPDATE checks SET escrow_account = creator_account`,
		`UPDATE checks SET failed_attempts = 6`,
		`UPDATE checks SET failed_attempts = 2`, // fine on its own; the next line lowers it
		`UPDATE checks SET status = 'bogus'`,
		`UPDATE checks SET status = 'used', resolved_at = created_at`, // no redeemer
		`INSERT INTO transfers (kind, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
			SELECT 'deposit', id, id, 5, 0, 0, 0 FROM accounts WHERE user_id = 'bob'`, // to itself
		`INSERT INTO transfers (kind, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
			SELECT 'deposit', e.id, b.id, 0, 0, 0, 0 FROM accounts e, accounts b WHERE e.kind = 'external' AND b.user_id = 'bob'`,
		`INSERT INTO transfers (kind, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
			SELECT 'create', e.id, b.id, 1, 0, 0, 0 FROM accounts e, accounts b WHERE e.kind = 'external' AND b.user_id = 'bob'`, // no check
		`INSERT INTO transfers (kind, check_id, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
			SELECT k, c.id, c.escrow_account, c.creator_account, c.amount, 0, 0, 0 FROM checks c, (VALUES ('accept'), ('expire')) v(k)`,
		`INSERT INTO transfers (kind, check_id, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
			SELECT 'create', c.id, c.creator_account, c.escrow_account, c.amount, 0, 0, 0 FROM checks c`,
		`INSERT INTO transfers (kind, ref, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
			SELECT 'deposit', 'seed', e.id, b.id, 1, 0, 0, 0 FROM accounts e, accounts b WHERE e.kind = 'external' AND b.user_id = 'bob'`,
	} {
		_, err := db.Exec(ctx, q)
		if strings.Contains(q, "failed_attempts = 2") {
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if _, err := db.Exec(ctx, `UPDATE checks SET failed_attempts = 1`); err == nil {
				t.Error("the schema let failed_attempts decrease")
			}
			continue
		}
		if err == nil {
			t.Errorf("the schema allowed %s", q)
		}
	}
	// A resolved check never becomes active again.
	if _, err := s.CancelCheck(ctx, ledger.CancelCheck{UserID: "alice", Number: c.Number, Now: ledgertest.Start}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE checks SET status = 'active', resolved_at = NULL`,
		`UPDATE checks SET status = 'expired'`,
		`UPDATE checks SET resolved_at = resolved_at + 1`,
	} {
		if _, err := db.Exec(ctx, q); err == nil {
			t.Errorf("the schema allowed on a cancelled check: %s", q)
		}
	}
	ledgertest.RequireAudit(t, s)
}

// TestAuditDetectsTampering: the audit can fail.
func TestAuditDetectsTampering(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, sql, want string
	}{
		{"balance without entries", `UPDATE accounts SET balance = balance + 5 WHERE user_id = 'bob'`, "transfers sum to"},
		{"check used without a transaction", `UPDATE checks SET status = 'used', resolved_at = created_at,
			redeemer_account = (SELECT id FROM accounts WHERE user_id = 'bob')`, "resolving transfers"},
		{"transfer without its balance", `INSERT INTO transfers (kind, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
			SELECT 'deposit', e.id, b.id, 7, e.balance, 0, 0 FROM accounts e, accounts b WHERE e.kind = 'external' AND b.user_id = 'bob'`, "transfers sum to"},
		{"wrong balance after", `INSERT INTO transfers (kind, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
			SELECT 'deposit', e.id, b.id, 7, e.balance - 7, b.balance + 8, 0 FROM accounts e, accounts b WHERE e.kind = 'external' AND b.user_id = 'bob'`,
			"balance after it is recorded"},
		{"transfer across currencies", `WITH usd AS (INSERT INTO accounts (name, kind, currency, balance, created_at)
				VALUES ('external:test', 'external', 'USD', -7, 0) RETURNING id)
			INSERT INTO transfers (kind, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
			SELECT 'deposit', usd.id, b.id, 7, -7, b.balance + 7, 0 FROM usd, accounts b WHERE b.user_id = 'bob'`, "not within one currency"},
		{"account's currency changed", `UPDATE accounts SET currency = 'USD' WHERE user_id = 'alice'`, "not within one currency"},
		{"escrow drained", `UPDATE accounts SET balance = 0 WHERE kind = 'escrow'`, "escrow RUB"},
		{"escrow moved between shards", `UPDATE accounts SET balance = CASE WHEN balance > 0 THEN 0 ELSE 1000 END
			WHERE kind = 'escrow' AND id IN ((SELECT escrow_account FROM checks LIMIT 1),
				(SELECT id FROM accounts WHERE kind = 'escrow' AND balance = 0 LIMIT 1))`, "escrow shard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _, dsn := seeded(t)
			ledgertest.RequireAudit(t, s)
			if _, err := rawConn(t, dsn).Exec(context.Background(), tc.sql); err != nil {
				t.Fatal(err)
			}
			r, err := s.Audit(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if r.OK() || !strings.Contains(strings.Join(r.Violations, "\n"), tc.want) {
				t.Fatalf("audit after tampering = %q, want a violation mentioning %q", r.Violations, tc.want)
			}
		})
	}
}

// TestDeadlockRetried: a deadlock that PostgreSQL breaks by aborting the
// store's statement is retried, and the call succeeds.
func TestDeadlockRetried(t *testing.T) {
	t.Parallel()
	s, _, dsn := seeded(t)
	ctx := context.Background()
	// The intruder locks every escrow shard, so CreateCheck (which locks
	// alice's account, then a shard) waits; then the intruder asks for
	// alice's account: a deadlock. The intruder waits 10 s before looking
	// for deadlocks, the store's session 1 s (the default), so PostgreSQL
	// aborts the store's statement.
	intruder := rawConn(t, dsn)
	if _, err := intruder.Exec(ctx, `SET deadlock_timeout = '10s'`); err != nil {
		t.Fatal(err)
	}
	tx, err := intruder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT id FROM accounts WHERE kind = 'escrow' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.CreateCheck(ctx, ledger.CreateCheck{UserID: "alice", Amount: 10, Currency: "RUB",
			Now: ledgertest.Start, ExpiresAt: ledgertest.Start.Add(time.Hour)})
		done <- err
	}()
	// Wait until the store's statement waits for a shard.
	for i := 0; ; i++ {
		var waiting int
		if err := rawConn(t, dsn).QueryRow(ctx, `SELECT COUNT(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if i == 200 {
			t.Fatal("CreateCheck never waited for the escrow lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := tx.Exec(ctx, `UPDATE accounts SET balance = balance WHERE user_id = 'alice'`); err != nil {
		t.Fatalf("the intruder lost the deadlock: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("CreateCheck after a deadlock: %v (want it retried)", err)
	}
	if r := s.Retries(); r.Deadlocks != 1 {
		t.Fatalf("retries = %+v, want one deadlock", r)
	}
	ledgertest.RequireAudit(t, s)
}

// TestExpireSkipsBalanceLimit: a refund that would pass the creator's
// balance limit is skipped, and the check stays active.
func TestExpireSkipsBalanceLimit(t *testing.T) {
	t.Parallel()
	s, c, dsn := seeded(t)
	ctx := context.Background()
	db := rawConn(t, dsn)
	// Push alice to the limit behind the store's back, then restore her.
	if _, err := db.Exec(ctx, `UPDATE accounts SET balance = $1 WHERE user_id = 'alice'`, ledger.MaxBalance); err != nil {
		t.Fatal(err)
	}
	got, err := s.ExpireDue(ctx, c.ExpiresAt, 10)
	if err != nil || len(got) != 0 {
		t.Fatalf("ExpireDue at the limit = %v, %v; want nothing expired", got, err)
	}
	if _, err := db.Exec(ctx, `UPDATE accounts SET balance = 9000 WHERE user_id = 'alice'`); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Check(ctx, c.Number); got.Status != ledger.StatusActive {
		t.Fatalf("skipped check is %s", got.Status)
	}
	got, err = s.ExpireDue(ctx, c.ExpiresAt, 10)
	if err != nil || len(got) != 1 || got[0].Number != c.Number || got[0].Creator != "alice" || got[0].Code != c.Code {
		t.Fatalf("ExpireDue = %+v, %v; want the check", got, err)
	}
	ledgertest.RequireAudit(t, s)
}

func TestClosedStore(t *testing.T) {
	t.Parallel()
	s := open(t, freshDB(t))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.OpenAccount(context.Background(), "alice", "RUB", time.Now()); !errors.Is(err, postgres.ErrClosed) {
		t.Fatalf("write after Close: %v, want ErrClosed", err)
	}
}

// TestUnsetTimeRefused: a zero Now would be the year 1, before every
// expiry; the store refuses it instead of accepting an expired check.
func TestUnsetTimeRefused(t *testing.T) {
	t.Parallel()
	s, c, _ := seeded(t)
	ctx := context.Background()
	if _, err := s.AcceptCheck(ctx, ledger.AcceptCheck{UserID: "bob", Number: c.Number, Code: c.Code}); err == nil {
		t.Fatal("AcceptCheck without a time succeeded")
	}
	if _, err := s.CreateCheck(ctx, ledger.CreateCheck{UserID: "alice", Amount: 1, Currency: "RUB", ExpiresAt: ledgertest.Start}); err == nil {
		t.Fatal("CreateCheck without a time succeeded")
	}
	if _, err := s.ExpireDue(ctx, time.Time{}, 10); err == nil {
		t.Fatal("ExpireDue without a time succeeded")
	}
	ledgertest.RequireAudit(t, s)
}

func TestDSNHelpers(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"postgres://u@h/db": true, "postgresql://h/db": true, "POSTGRES://h/db": true,
		"/var/lib/fc.db": false, "postgres.db": false, "file:postgres://x": false,
	} {
		if postgres.IsDSN(s) != want {
			t.Errorf("IsDSN(%q) = %v", s, !want)
		}
	}
	if got := postgres.Redact("postgres://u:secret@h:5432/db?sslmode=disable"); strings.Contains(got, "secret") {
		t.Errorf("Redact left the password: %s", got)
	}
	if got := postgres.Redact("postgres://h/db?password=secret"); strings.Contains(got, "secret") {
		t.Errorf("Redact left the password: %s", got)
	}
}

// TestStaleSystemAccountCache: a store caches the ids of the escrow shards
// and external accounts. If the database is replaced under it, a cached id
// may name another account; the one-statement writes then refuse to write
// partially, the store drops its cache and the call succeeds.
func TestStaleSystemAccountCache(t *testing.T) {
	t.Parallel()
	dsn := freshDB(t)
	ctx := context.Background()
	a := open(t, dsn)
	defer a.Close()
	now := ledgertest.Start
	deposit := func(s *postgres.Store, user, ref string) {
		t.Helper()
		if _, err := s.Deposit(ctx, ledger.Deposit{UserID: user, Amount: 10_000, Currency: "RUB",
			Source: ledger.ExternalBankIn, Ref: ref, Now: now}); err != nil {
			t.Fatalf("Deposit: %v", err)
		}
	}
	create := func(s *postgres.Store) {
		t.Helper()
		if _, err := s.CreateCheck(ctx, ledger.CreateCheck{UserID: "alice", Amount: 100, Currency: "RUB",
			Now: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatalf("CreateCheck: %v", err)
		}
	}
	if _, err := a.OpenAccount(ctx, "alice", "RUB", now); err != nil {
		t.Fatal(err)
	}
	deposit(a, "alice", "d1")
	create(a) // a now caches the external account's and the escrow shards' ids

	// Replace the database: same name, and the old ids now name users.
	u, _ := url.Parse(dsn)
	name := strings.TrimPrefix(u.Path, "/")
	admin := rawConn(t, serverDSN(t))
	for _, q := range []string{"DROP DATABASE " + name + " WITH (FORCE)", "CREATE DATABASE " + name} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	b := open(t, dsn)
	defer b.Close()
	for i := 0; i < 2*postgres.EscrowShards; i++ {
		if _, err := b.OpenAccount(ctx, fmt.Sprintf("filler%d", i), "RUB", now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.OpenAccount(ctx, "alice", "RUB", now); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // a's pool pings its idle (dead) connections after 1 s
	deposit(a, "alice", "d2")
	create(a)
	r := ledgertest.RequireAudit(t, b)
	if tot := r.Totals["RUB"]; tot.Users != 9_900 || tot.Active != 100 {
		t.Fatalf("totals after the stale cache: %+v", tot)
	}
	if got := a.Retries(); got.Conflicts == 0 {
		t.Fatalf("retries = %+v, want the refused partial writes counted", got)
	}
}

func TestPayments(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	ledgertest.RunPayments(t, func(t *testing.T) ledger.Store { return open(t, freshDB(t)) })
}

// TestShared runs the shared-state suite through three stores on one
// database, each call going to the next: a nonce used at one replica is
// refused at the others, and a bucket emptied at one is empty at all.
func TestShared(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	ledgertest.RunShared(t, threeReplicas)
}

// TestPaymentsReplicas runs the payments suite, races included, through
// three stores on one database, each call going to the next store.
func TestPaymentsReplicas(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	ledgertest.RunPayments(t, threeReplicas)
}

func TestTOTP(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	ledgertest.RunTOTP(t, func(t *testing.T) ledger.Store { return open(t, freshDB(t)) })
}
