package sqlite

import (
	"path/filepath"
	"testing"
)

// The read pool cannot write, whatever a future read method tries.
func TestReadPoolIsReadOnly(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.rdb.Exec(`INSERT INTO accept_failures (user_id, number, reason, at) VALUES ('u', 'n', 'r', 0)`); err == nil {
		t.Fatal("a write through the read pool succeeded")
	}
	var fk int
	if err := s.rdb.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("read pool foreign_keys = %d, %v", fk, err)
	}
}
