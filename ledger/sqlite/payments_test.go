package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"fastcheck/ledger"
	"fastcheck/ledger/ledgertest"
	"fastcheck/ledger/sqlite"
)

// paid returns a store with alice, an order paid in part and a pending
// withdrawal.
func paid(t *testing.T) *sqlite.Store {
	t.Helper()
	s := openTemp(t)
	t.Cleanup(func() { s.Close() })
	ledgertest.SeedPayments(t, s)
	return s
}

// TestPaymentSchemaGuards: the payment invariants are in the schema too.
func TestPaymentSchemaGuards(t *testing.T) {
	s := paid(t)
	db := rawDB(t, s.Path())
	for _, q := range []string{
		`UPDATE orders SET credited = 700`,                                // above paid
		`UPDATE orders SET credited = 500`,                                // decreases
		`UPDATE orders SET paid_total = 500`,                              // decreases
		`UPDATE orders SET status = 'new'`,                                // backwards
		`UPDATE orders SET expected = 1`,                                  // terms
		`DELETE FROM orders`,                                              //
		`UPDATE withdrawals SET status = 'sent'`,                          // never claimed
		`UPDATE withdrawals SET amount = 1`,                               // terms
		`DELETE FROM withdrawals`,                                         //
		`INSERT INTO transactions (kind, created_at) VALUES ('topup', 0)`, // a top-up without its order
		`INSERT INTO transactions (kind, created_at) VALUES ('bogus', 0)`,
	} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("the schema allowed %s", q)
		}
	}
	if _, err := s.FinishWithdrawal(context.Background(), ledger.FinishWithdrawal{Ref: "W1", Status: ledger.WithdrawFailed, Now: ledgertest.Start}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE withdrawals SET status = 'pending'`); err == nil {
		t.Error("the schema let a failed withdrawal become pending again")
	}
	ledgertest.RequireAudit(t, s)
}

// TestPaymentAuditDetectsTampering: the payment checks of the audit can
// fail.
func TestPaymentAuditDetectsTampering(t *testing.T) {
	for _, tc := range []struct{ name, sql, want string }{
		{"credited without a credit", `UPDATE orders SET paid_total = 900, credited = 900`, "top-up credits sum to"},
		{"withdrawal resolved without a transaction", `UPDATE withdrawals SET status = 'failed'`, "withdrawal W1 is failed"},
		{"pending outflow drained", `UPDATE accounts SET balance = 0 WHERE name = 'pending:briacoin-outflow'`, "pending outflows RUB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := paid(t)
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
