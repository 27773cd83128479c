package main

import (
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fastcheck/api"
	"fastcheck/server/servertest"
)

// TestPhoneApprovesALogin: a terminal starts a QR login against the real
// server binary; `fastcheck phone approve` (a demo identity, then a
// registered key file) approves it; the terminal is then logged in.
func TestPhoneApprovesALogin(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	startServer(t, filepath.Join(dir, "fc.db"), addr, "--demo")
	env := &servertest.Env{URL: "http://" + addr + "/api", Root: "http://" + addr, Clock: &servertest.Clock{}}

	newLogin := func() (*servertest.Caller, api.Websession) {
		c := &servertest.Caller{Env: env, Key: servertest.NewKey(t)}
		var ws api.Websession
		servertest.Send(t, c.Build(t, "GET", "/websession", nil, true, nil)).JSON(t, &ws)
		return c, ws
	}

	// 1. A demo identity approves the QR URL; human output shows the fingerprint and IP.
	c, ws := newLogin()
	url := env.URL + "/approve/" + ws.SessionID
	out, code := runCmd(t, "phone", "approve", "--demo", "alice", url, "--yes")
	fp := api.Fingerprint(c.Key.Public().(ed25519.PublicKey))
	if code != 0 || !strings.Contains(out, fp) || !strings.Contains(out, "127.0.0.1") || !strings.Contains(out, "Approved") {
		t.Fatalf("approve: exit %d\n%s", code, out)
	}
	c.SessionID = ws.SessionID
	var bal api.Balance
	if r := c.Do(t, "GET", "/balance", nil); r.Status != 200 {
		t.Fatalf("balance after phone approval = %d %s", r.Status, r.Body)
	} else if r.JSON(t, &bal); bal.Balance != 15000000 {
		t.Fatalf("alice's balance = %d", bal.Balance)
	}

	// 2. Approving the same QR again is refused: approval is single-use.
	out, code = runCmd(t, "phone", "approve", "--demo", "bob", "--yes", url)
	if code == 0 || !strings.Contains(out, "not waiting for approval") {
		t.Fatalf("second approval: exit %d\n%s", code, out)
	}

	// 3. A registered key file: register prints the userId, approve uses it
	//    with a bare id and --server, and the new account opens empty.
	keyFile := filepath.Join(dir, "phone.key")
	out, code = runCmd(t, "phone", "register", "--key-file", keyFile, "--json")
	var reg struct {
		UserID      string `json:"userId"`
		Fingerprint string `json:"fingerprint"`
		Created     bool   `json:"created"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &reg) != nil || len(reg.UserID) != 43 || !reg.Created {
		t.Fatalf("register: exit %d\n%s", code, out)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
	out, code = runCmd(t, "phone", "register", "--key-file", keyFile)
	if code != 0 || !strings.Contains(out, "already exists") || !strings.Contains(out, reg.UserID) {
		t.Fatalf("register again: exit %d\n%s", code, out)
	}
	c2, ws2 := newLogin()
	out, code = runCmd(t, "phone", "approve", "--key-file", keyFile, "--server", env.URL, "--yes", "--json", ws2.SessionID)
	var appr struct {
		Approved bool   `json:"approved"`
		UserID   string `json:"userId"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &appr) != nil || !appr.Approved || appr.UserID != reg.UserID {
		t.Fatalf("approve --json: exit %d\n%s", code, out)
	}
	c2.SessionID = ws2.SessionID
	r := c2.Do(t, "GET", "/balance", nil)
	if r.Status != 200 {
		t.Fatalf("new user's balance = %d %s", r.Status, r.Body)
	}
	if r.JSON(t, &bal); bal.Balance != 0 || bal.Currency != "RUB" {
		t.Fatalf("new user's balance = %+v", bal)
	}
}

func TestPhoneApproveErrors(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	startServer(t, filepath.Join(dir, "fc.db"), addr, "--demo")
	base := "http://" + addr + "/api"
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"phone", "approve", "--demo", "alice", "--yes"}, exitUsage, "give one QR URL"},
		{[]string{"phone", "approve", "--demo", "mallory", "--yes", "--server", base, api.NewID()}, exitError, "no demo user"},
		{[]string{"phone", "approve", "--demo", "alice", "--yes", "--server", base, "not-an-id"}, exitUsage, ""},
		{[]string{"phone", "approve", "--demo", "alice", "--yes", "--server", base, api.NewID()}, exitNotFound, "websession"},
		{[]string{"phone", "approve", "--key-file", filepath.Join(dir, "missing.key"), "--yes", "--server", base, api.NewID()}, exitError, "phone register"},
		{[]string{"phone", "approve", "--demo", "alice", "--server", base, api.NewID(), "--json"}, exitUsage, "--json needs --yes"},
		{[]string{"phone", "approve", "--demo", "alice", "--yes", "--server", "http://example.com/api", api.NewID()}, exitError, "http://"},
		{[]string{"phone", "frobnicate"}, exitUsage, "unknown command"},
	}
	for _, tc := range cases {
		out, code := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.msg) {
			t.Errorf("%v: exit %d, want %d with %q\n%s", tc.args, code, tc.code, tc.msg, out)
		}
	}
	// Without --yes and without a terminal, approve asks for --yes instead of guessing.
	env := &servertest.Env{URL: base, Clock: &servertest.Clock{}}
	c := &servertest.Caller{Env: env, Key: servertest.NewKey(t)}
	var ws api.Websession
	servertest.Send(t, c.Build(t, "GET", "/websession", nil, true, nil)).JSON(t, &ws)
	out, code := runCmd(t, "phone", "approve", "--demo", "alice", "--server", base, ws.SessionID)
	if code == 0 || !strings.Contains(out, "pass --yes") {
		t.Fatalf("approve without a terminal: exit %d\n%s", code, out)
	}
}
