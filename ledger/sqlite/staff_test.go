package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"fastcheck/ledger"
	"fastcheck/ledger/ledgertest"
	"fastcheck/ledger/sqlite"
)

func TestStaff(t *testing.T) {
	ledgertest.RunStaff(t, func(t *testing.T) ledger.Store { return openTemp(t) })
}

// TestStaffLogAppendOnly tampers with the staff audit log behind the
// store's back: the schema refuses every UPDATE and DELETE.
func TestStaffLogAppendOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.LogStaffRead(context.Background(), ledger.StaffRead{At: ledgertest.Start, Staff: "carol",
		Action: ledger.StaffAccount, Subject: "alice", ClientIP: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	for _, q := range []string{
		`UPDATE staff_reads SET subject = 'bob'`,
		`UPDATE staff_reads SET at = at + 1`,
		`DELETE FROM staff_reads`,
		`DELETE FROM staff_reads WHERE id = 1`,
		`INSERT OR REPLACE INTO staff_reads (id, at, staff, action, subject, client_ip) VALUES (1, 0, 'x', 'find', 'y', '')`,
	} {
		_, err := db.Exec(q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", q, err)
		}
	}
	all, err := s.StaffReads(context.Background(), ledgertest.Start, 0)
	if err != nil || len(all) != 1 || all[0].Subject != "alice" || !all[0].At.Equal(ledgertest.Start) {
		t.Fatalf("log after tampering = %+v, %v; want the one entry unchanged", all, err)
	}
}
