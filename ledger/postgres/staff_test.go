package postgres_test

import (
	"context"
	"strings"
	"testing"

	"fastcheck/ledger"
	"fastcheck/ledger/ledgertest"
)

func TestStaff(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	ledgertest.RunStaff(t, func(t *testing.T) ledger.Store { return open(t, freshDB(t)) })
}

// TestStaffLogAppendOnly tampers with the staff audit log behind the
// store's back: the schema refuses every UPDATE, DELETE and TRUNCATE.
func TestStaffLogAppendOnly(t *testing.T) {
	t.Parallel()
	dsn := freshDB(t)
	s := open(t, dsn)
	defer s.Close()
	ctx := context.Background()
	if _, err := s.LogStaffRead(ctx, ledger.StaffRead{At: ledgertest.Start, Staff: "carol",
		Action: ledger.StaffAccount, Subject: "alice", ClientIP: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	c := rawConn(t, dsn)
	for _, q := range []string{
		`UPDATE staff_reads SET subject = 'bob'`,
		`UPDATE staff_reads SET at = at + 1`,
		`DELETE FROM staff_reads`,
		`DELETE FROM staff_reads WHERE id = 1`,
		`TRUNCATE staff_reads`,
		`INSERT INTO staff_reads (id, at, staff, action, subject, client_ip) OVERRIDING SYSTEM VALUE
			VALUES (1, 0, 'x', 'find', 'y', '') ON CONFLICT (id) DO UPDATE SET subject = 'y'`,
	} {
		_, err := c.Exec(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", q, err)
		}
	}
	all, err := s.StaffReads(ctx, ledgertest.Start, 0)
	if err != nil || len(all) != 1 || all[0].Subject != "alice" || !all[0].At.Equal(ledgertest.Start) {
		t.Fatalf("log after tampering = %+v, %v; want the one entry unchanged", all, err)
	}
}
