package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fastcheck/ledger"
	"fastcheck/ledger/ledgertest"
	"fastcheck/ledger/sqlite"
)

func openTemp(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledger.Store { return openTemp(t) })
}

func TestPayments(t *testing.T) {
	ledgertest.RunPayments(t, func(t *testing.T) ledger.Store { return openTemp(t) })
}

func TestShared(t *testing.T) {
	ledgertest.RunShared(t, func(t *testing.T) ledger.Store { return openTemp(t) })
}

func TestDurability(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db", "ledger.db")
	ledgertest.RunDurability(t, func(t *testing.T) ledger.Store {
		s, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestOpenPermissionsAndMigrations(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "data")
	path := filepath.Join(dir, "ledger.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("data directory mode = %v, %v; want 0700", st.Mode().Perm(), err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("database file mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	if _, err := s.OpenAccount(context.Background(), "alice", "RUB", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Reopening applies nothing twice and keeps the data.
	s, err = sqlite.Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if _, err := s.Account(context.Background(), "alice"); err != nil {
		t.Fatalf("account lost on reopen: %v", err)
	}
	db := rawDB(t, path)
	var n, v int
	if err := db.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if wantN, wantV := migrationFiles(t); n != wantN || v != wantV {
		t.Fatalf("schema_migrations has %d rows up to version %d, want %d and %d", n, v, wantN, wantV)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := rawDB(t, path)
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := sqlite.Open(path); err == nil {
		s.Close()
		t.Fatal("Open accepted a database from a newer program")
	}
}

// rawDB opens the file behind the store's back, to tamper with it.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", sqlite.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// seeded returns a store with alice (funded) and bob, and one active check.
func seeded(t *testing.T) (*sqlite.Store, ledger.Check) {
	t.Helper()
	s := openTemp(t)
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
	return s, r.Check
}

// TestSchemaGuards: the invariants hold in the schema itself, not only in
// the Go code.
func TestSchemaGuards(t *testing.T) {
	s, c := seeded(t)
	db := rawDB(t, s.Path())
	for _, q := range []string{
		`UPDATE entries SET amount = amount + 1`,
		`DELETE FROM entries`,
		`UPDATE transactions SET created_at = 0`,
		`DELETE FROM transactions`,
		`DELETE FROM checks`,
		`UPDATE accounts SET balance = -1 WHERE user_id = 'bob'`,
		`UPDATE accounts SET balance = 1000000000000001 WHERE user_id = 'bob'`,
		`UPDATE checks SET amount = 1`,
		`UPDATE checks SET failed_attempts = 6`,
		`UPDATE checks SET status = 'bogus'`,
		`INSERT INTO entries (tx_id, account_id, amount) VALUES (1, 1, 0)`,
		`INSERT INTO transactions (kind, check_id, created_at) SELECT 'accept', id, 0 FROM checks UNION ALL SELECT 'expire', id, 0 FROM checks`,
	} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("the schema allowed %s", q)
		}
	}
	// A resolved check never becomes active again.
	if _, err := s.CancelCheck(context.Background(), ledger.CancelCheck{UserID: "alice", Number: c.Number, Now: ledgertest.Start}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE checks SET status = 'active', resolved_at = NULL`); err == nil {
		t.Error("the schema let a cancelled check become active again")
	}
	ledgertest.RequireAudit(t, s)
}

// TestAuditDetectsTampering: the audit can fail.
func TestAuditDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name, sql, want string
	}{
		{"balance without entries", `UPDATE accounts SET balance = balance + 5 WHERE user_id = 'bob'`, "entries sum to"},
		{"check used without a transaction", `UPDATE checks SET status = 'used', resolved_at = created_at,
			redeemer_account = (SELECT id FROM accounts WHERE user_id = 'bob')`, "resolving transactions"},
		{"unbalanced transaction", `INSERT INTO entries (tx_id, account_id, amount)
			VALUES (1, (SELECT id FROM accounts WHERE user_id = 'bob'), 7)`, "not 0"},
		{"escrow drained", `UPDATE accounts SET balance = 0 WHERE kind = 'escrow'`, "escrow RUB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := seeded(t)
			ledgertest.RequireAudit(t, s)
			if _, err := rawDB(t, s.Path()).Exec(tc.sql); err != nil {
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

func TestClosedStore(t *testing.T) {
	s := openTemp(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := s.OpenAccount(context.Background(), "alice", "RUB", time.Now())
	if !errors.Is(err, sqlite.ErrClosed) {
		t.Fatalf("write after Close: %v, want ErrClosed", err)
	}
}

// TestCloseDrainsQueue: every write queued before Close is committed and
// acknowledged, none is cut off.
func TestCloseDrainsQueue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var acked, refused int
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.OpenAccount(ctx, "user"+strings.Repeat("x", i%7)+time.Duration(i).String(), "RUB", ledgertest.Start)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				acked++
			case errors.Is(err, sqlite.ErrClosed):
				refused++
			default:
				t.Errorf("OpenAccount racing Close: %v", err)
			}
		}()
	}
	time.Sleep(5 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	s, err = sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := ledgertest.RequireAudit(t, s)
	if r.Accounts != acked {
		t.Fatalf("%d accounts stored, %d acknowledged (%d refused): Close must drain exactly the queued writes", r.Accounts, acked, refused)
	}
}

// TestBatchIsolation: in one group commit, a failing job's writes are
// undone while its neighbours' commit.
func TestBatchIsolation(t *testing.T) {
	s, _ := seeded(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			amount := int64(100)
			if i%2 == 1 {
				amount = 1_000_000 // more than alice has: fails inside the batch
			}
			_, errs[i] = s.CreateCheck(ctx, ledger.CreateCheck{UserID: "alice", Amount: amount, Currency: "RUB",
				Now: ledgertest.Start, ExpiresAt: ledgertest.Start.Add(time.Hour)})
		}()
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil && i%2 == 0:
			ok++
		case errors.Is(err, ledger.ErrInsufficientFunds) && i%2 == 1:
		default:
			t.Fatalf("create %d: %v", i, err)
		}
	}
	r := ledgertest.RequireAudit(t, s)
	if r.Checks != 1+ok || r.Totals["RUB"].Active != 1000+int64(ok)*100 {
		t.Fatalf("%d checks (active %d) after %d successful creates", r.Checks, r.Totals["RUB"].Active, ok)
	}
}

// TestContextWhileQueued: a caller whose context ends while its job waits
// in the queue gets the context's error.
func TestContextWhileQueued(t *testing.T) {
	s, _ := seeded(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	if _, err := s.OpenAccount(ctx, "carol", "RUB", ledgertest.Start); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("OpenAccount with an expired context: %v", err)
	}
	if _, err := s.Account(context.Background(), "carol"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("the cancelled OpenAccount took effect: %v", err)
	}
}

func TestMeasureRawCommitRate(t *testing.T) {
	dir := t.TempDir()
	rate, err := sqlite.MeasureRawCommitRate(dir, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if rate <= 0 {
		t.Fatalf("rate = %v", rate)
	}
	t.Logf("raw commits/s: %.0f", rate)
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("MeasureRawCommitRate left files behind: %v", left)
	}
}

// TestUnsetTimeRefused: a zero Now would be the year 1, before every
// expiry; the store refuses it instead of accepting an expired check.
func TestUnsetTimeRefused(t *testing.T) {
	s, c := seeded(t)
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

// TestOddPath: spaces, '?', '#' and '%' in the path name one file, not a DSN.
func TestOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b?c#d%20e")
	s, err := sqlite.Open(filepath.Join(dir, "led ger.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenAccount(context.Background(), "alice", "RUB", ledgertest.Start); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, "led ger.db")); err != nil {
		t.Fatalf("database not at the given path: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Fatalf("Open created stray files: %v", entries)
	}
}

func TestTOTP(t *testing.T) {
	ledgertest.RunTOTP(t, func(t *testing.T) ledger.Store { return openTemp(t) })
}
