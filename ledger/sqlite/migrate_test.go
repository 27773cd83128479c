package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fastcheck/ledger"
)

// TestMigration0002KeepsData: a database written by the 0001 schema (a
// deposit, an active and a used check) is rebuilt by 0002 with every row
// and id kept, the journal still append-only, and every invariant holding.
func TestMigration0002KeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	if err := apply(context.Background(), db, ms[0], 1); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO accounts (id, name, kind, user_id, currency, balance, created_at) VALUES
			(1, 'user:alice', 'user', 'alice', 'RUB', 7000, 0),
			(2, 'user:bob', 'user', 'bob', 'RUB', 1000, 0),
			(3, 'external:demo-seed', 'external', NULL, 'RUB', -10000, 0),
			(4, 'escrow:checks', 'escrow', NULL, 'RUB', 2000, 0)`,
		`INSERT INTO checks (id, number, code, creator_account, redeemer_account, amount, currency, status, created_at, expires_at, resolved_at) VALUES
			(1, '1111-2222-3333', '0001', 1, NULL, 2000, 'RUB', 'active', 1, 9000000000000, NULL),
			(2, '4444-5555-6666', '0002', 1, 2, 1000, 'RUB', 'used', 1, 9000000000000, 2)`,
		`INSERT INTO transactions (id, kind, check_id, ref, created_at) VALUES
			(10, 'deposit', NULL, 'seed:alice', 0), (11, 'create', 1, NULL, 1), (12, 'create', 2, NULL, 1), (13, 'accept', 2, NULL, 2)`,
		`INSERT INTO entries (tx_id, account_id, amount) VALUES
			(10, 3, -10000), (10, 1, 10000), (11, 1, -2000), (11, 4, 2000), (12, 1, -1000), (12, 4, 1000), (13, 4, -1000), (13, 2, 1000)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open applying 0002: %v", err)
	}
	defer s.Close()
	r, err := s.Audit(context.Background())
	if err != nil || !r.OK() || r.Transactions != 4 || r.Entries != 8 || r.Checks != 2 {
		t.Fatalf("audit after 0002 = %+v, %v", r, err)
	}
	if tot := r.Totals["RUB"]; tot.Users != 8000 || tot.Active != 2000 || tot.Inflows != 10000 {
		t.Fatalf("totals after 0002 = %+v", tot)
	}
	var maxID int64
	if err := s.rdb.QueryRow(`SELECT MAX(id) FROM transactions`).Scan(&maxID); err != nil || maxID != 13 {
		t.Fatalf("transaction ids not kept: max %d, %v", maxID, err)
	}
	// The old deposit's reference still replays, the journal is still
	// append-only, and entries point at the rebuilt table.
	res, err := s.Deposit(context.Background(), ledger.Deposit{UserID: "alice", Amount: 10000, Currency: "RUB",
		Source: ledger.ExternalDemoSeed, Ref: "seed:alice", Now: time.Now()})
	if err != nil || !res.Replayed {
		t.Fatalf("replaying the old deposit: %+v, %v", res, err)
	}
	for _, q := range []string{`DELETE FROM transactions`, `UPDATE entries SET amount = 5`,
		`INSERT INTO entries (tx_id, account_id, amount) VALUES (999, 1, 5)`} {
		err := s.do(context.Background(), func(tx *wtx) error { _, err := tx.ExecContext(bg, q); return err })
		if err == nil {
			t.Errorf("after 0002 the schema allowed %s", q)
		}
	}
	var fks string
	if err := s.rdb.QueryRow(`SELECT sql FROM sqlite_schema WHERE name = 'entries'`).Scan(&fks); err != nil ||
		!strings.Contains(fks, `REFERENCES "transactions"`) && !strings.Contains(fks, "REFERENCES transactions") {
		t.Fatalf("entries' foreign key after the rebuild: %q, %v", fks, err)
	}
}
