package main

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"fastcheck/server/servertest"
)

// TestServerAuditExitsNonZeroOnViolation: `fastcheck server audit` passes
// (exit 0) on the database a server left, and after money is made behind
// the ledger's back it names the violation and exits 1, in both its human
// and its JSON output.
func TestServerAuditExitsNonZeroOnViolation(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fc.db")
	addr := freeAddr(t)
	srv := startServer(t, db, addr, "--demo")
	env := &servertest.Env{URL: "http://" + addr + "/api", Root: "http://" + addr, Clock: &servertest.Clock{}}
	alice := env.Login(t, servertest.Demo(t, "alice"))
	if _, ok := tryCreate(alice, 1500); !ok {
		t.Fatal("create failed")
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-srv.done:
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not stop on SIGTERM")
	}
	if out, code := runCmd(t, "server", "audit", "--db", db); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("audit of a sound ledger: exit %d\n%s", code, out)
	}

	// 1.00 RUB out of nowhere: a balance no journal entry explains.
	sdb, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	res, err := sdb.Exec(`UPDATE accounts SET balance = balance + 100 WHERE user_id = ?`, alice.UserID)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("tamper: %v (%d rows)", err, n)
	}
	sdb.Close()

	out, code := runCmd(t, "server", "audit", "--db", db)
	if code != 1 || strings.Contains(out, "OK") || !strings.Contains(out, "stored balance") {
		t.Fatalf("audit of a tampered ledger: exit %d, want 1 and the violation named:\n%s", code, out)
	}
	out, code = runCmd(t, "server", "audit", "--db", db, "--json")
	var rep struct {
		OK         *bool    `json:"ok"`
		Violations []string `json:"violations"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.OK == nil || *rep.OK || len(rep.Violations) == 0 {
		t.Fatalf("audit --json of a tampered ledger: exit %d, %v\n%s", code, err, out)
	}
	t.Logf("the audit caught it: %s", strings.Join(rep.Violations, "; "))

	// A database that is not there is an error too, not an empty pass.
	if out, code := runCmd(t, "server", "audit", "--db", filepath.Join(t.TempDir(), "none.db")); code == 0 {
		t.Fatalf("audit of a missing database exited 0:\n%s", out)
	}
}
