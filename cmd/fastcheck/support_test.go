package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"fastcheck/api"
)

// TestCLISupport: the server's --staff (and --demo's "support") may read
// through `fastcheck support`, alice may not; every read is in
// `server audit-log`, which the database keeps append-only.
func TestCLISupport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "fc.db")
	addr := freeAddr(t)
	bobID := demoUserID(t, "bob")
	// bob is staff by --staff, support by --demo.
	startServer(t, db, addr, "--demo", "--staff", " "+bobID+" ,")
	base := "http://" + addr + "/api"
	support, alice, bob := newHome(t, base), newHome(t, base), newHome(t, base)
	support.login("support", "--no-qr", "--insecure-storage")
	alice.login("alice", "--no-qr", "--insecure-storage")
	bob.login("bob", "--no-qr", "--insecure-storage")
	aliceID := demoUserID(t, "alice")
	var created api.CreateCheckResponse
	alice.json(&created, "create", "12.34")

	out := support.ok("support", "find", aliceID[:5])
	if !strings.Contains(out, aliceID) || !strings.Contains(out, "RUB 149,987.66") || !strings.Contains(out, "1 account.") {
		t.Errorf("support find:\n%s", out)
	}
	var found api.StaffAccounts
	support.json(&found, "support", "find", aliceID[:5])
	if len(found.Accounts) != 1 || found.Accounts[0].UserID != aliceID || found.More {
		t.Errorf("support find --json: %+v", found)
	}
	out = support.ok("support", "account", aliceID)
	for _, want := range []string{aliceID, "Active checks (1):", created.Fastcheck, "RUB 12.34", "History (0):", "Failed accepts, last 7 days (0):"} {
		if !strings.Contains(out, want) {
			t.Errorf("support account lacks %q:\n%s", want, out)
		}
	}
	var acc api.StaffAccount
	bob.json(&acc, "support", "account", aliceID)
	if acc.UserID != aliceID || len(acc.Active) != 1 {
		t.Errorf("support account --json (bob, staff by --staff): %+v", acc)
	}
	out = support.ok("support", "check", strings.ReplaceAll(created.Fastcheck, "-", " "))
	for _, want := range []string{created.Fastcheck, "active", "0 of 5", "Created by   " + aliceID} {
		if !strings.Contains(out, want) {
			t.Errorf("support check lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Code") {
		t.Errorf("support check shows a code:\n%s", out)
	}

	// Not staff: forbidden (exit 1) with the server's reason. No such
	// check: exit 4. Bad input: exit 2, nothing sent.
	if _, errs, code := alice.run("support", "find", aliceID[:5]); code != exitError || !strings.Contains(errs, "forbidden") || !strings.Contains(errs, "staff") {
		t.Errorf("alice's support find: exit %d\n%s", code, errs)
	}
	if _, errs, code := support.run("support", "check", "0000-0000-0000"); code != exitNotFound {
		t.Errorf("support check of no check: exit %d\n%s", code, errs)
	}
	for _, args := range [][]string{{"find", "abc"}, {"find", "ab cd"}, {"account", "alice"}, {"check", "12-34"}, {"find"}, {"frob", "x"}, {"find", "abcd", "--demo"}} {
		if _, errs, code := support.run(append([]string{"support"}, args...)...); code != exitUsage {
			t.Errorf("support %v: exit %d, want 2\n%s", args, code, errs)
		}
	}

	// Six staff reads reached the server (the not-found check too); the
	// log is read while the server runs.
	out, code := runCmd(t, "server", "audit-log", "--db", db)
	if code != 0 || !strings.Contains(out, "6 staff reads.") || !strings.Contains(out, demoUserID(t, "support")) || !strings.Contains(out, bobID) {
		t.Fatalf("server audit-log: exit %d\n%s", code, out)
	}
	out, code = runCmd(t, "server", "audit-log", "--db", db, "--json", "--limit", "2")
	var log struct {
		Entries []struct {
			ID                                   int64
			Action, Subject, Staff, At, ClientIP string
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(out), &log); code != 0 || err != nil || len(log.Entries) != 2 ||
		log.Entries[0].Action != "find" || log.Entries[0].Subject != aliceID[:5] || log.Entries[0].ClientIP != "127.0.0.1" {
		t.Fatalf("server audit-log --json: exit %d %v\n%s", code, err, out)
	}
	if out, code := runCmd(t, "server", "audit-log", "--db", db, "--since", "2999-01-01"); code != 0 || !strings.Contains(out, "No staff reads.") {
		t.Fatalf("audit-log --since the future: exit %d\n%s", code, out)
	}
	if out, code := runCmd(t, "server", "audit-log", "--db", db, "--since", "soon"); code != exitUsage {
		t.Fatalf("audit-log --since soon: exit %d\n%s", code, out)
	}
	if out, code := runCmd(t, "server", "audit-log", "--db", filepath.Join(dir, "missing.db")); code != exitError {
		t.Fatalf("audit-log of a missing file: exit %d\n%s", code, out)
	}
}
