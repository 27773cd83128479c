package postgres_test

import (
	"context"
	"strings"
	"testing"

	"fastcheck/ledger"
	"fastcheck/ledger/ledgertest"
	"fastcheck/ledger/postgres"
)

// paid returns a store with alice, an order paid in part and a pending
// withdrawal, and the database's DSN.
func paid(t *testing.T) (*postgres.Store, string) {
	t.Helper()
	dsn := freshDB(t)
	s := open(t, dsn)
	t.Cleanup(func() { s.Close() })
	ledgertest.SeedPayments(t, s)
	return s, dsn
}

// TestPaymentSchemaGuards: the payment invariants are in the schema too.
func TestPaymentSchemaGuards(t *testing.T) {
	t.Parallel()
	s, dsn := paid(t)
	db := rawConn(t, dsn)
	ctx := context.Background()
	for _, q := range []string{
		`UPDATE orders SET credited = 700`,       // above paid
		`UPDATE orders SET credited = 500`,       // decreases
		`UPDATE orders SET paid_total = 500`,     // decreases
		`UPDATE orders SET status = 'new'`,       // backwards
		`UPDATE orders SET expected = 1`,         // terms
		`DELETE FROM orders`,                     //
		`TRUNCATE orders CASCADE`,                //
		`UPDATE withdrawals SET status = 'sent'`, // never claimed
		`UPDATE withdrawals SET amount = 1`,      // terms
		`DELETE FROM withdrawals`,                //
		`INSERT INTO transfers (kind, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
			SELECT 'topup', 1, 2, 1, 0, 0, 0`, // a top-up without its order
		`INSERT INTO transfers (kind, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
			SELECT 'bogus', 1, 2, 1, 0, 0, 0`,
	} {
		if _, err := db.Exec(ctx, q); err == nil {
			t.Errorf("the schema allowed %s", q)
		}
	}
	if _, err := s.FinishWithdrawal(ctx, ledger.FinishWithdrawal{Ref: "W1", Status: ledger.WithdrawFailed, Now: ledgertest.Start}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE withdrawals SET status = 'pending'`); err == nil {
		t.Error("the schema let a failed withdrawal become pending again")
	}
	ledgertest.RequireAudit(t, s)
}

// TestPaymentAuditDetectsTampering: the payment checks of the audit can
// fail. (The triggers are disabled for the tampering, as an operator
// with the table owner's rights could.)
func TestPaymentAuditDetectsTampering(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, sql, want string }{
		{"credited without a credit", `ALTER TABLE orders DISABLE TRIGGER USER; UPDATE orders SET paid_total = 900, credited = 900`, "top-up credits sum to"},
		{"withdrawal resolved without a transfer", `ALTER TABLE withdrawals DISABLE TRIGGER USER; UPDATE withdrawals SET status = 'failed'`, "withdrawal W1 is failed"},
		{"pending outflow drained", `UPDATE accounts SET balance = 0 WHERE name = 'pending:briacoin-outflow'`, "pending outflows RUB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, dsn := paid(t)
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
