package main

import (
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/store"
)

// demoPair starts a demo server binary and logs alice and bob in, each in
// a home of their own (insecure storage); addr is the server's.
func demoPair(t *testing.T) (alice, bob *home, addr string) {
	addr = freeAddr(t)
	startServer(t, filepath.Join(t.TempDir(), "fc.db"), addr, "--demo")
	alice, bob = newHome(t, "http://"+addr+"/api"), newHome(t, "http://"+addr+"/api")
	alice.login("alice", "--no-qr", "--insecure-storage")
	bob.login("bob", "--no-qr", "--insecure-storage")
	return alice, bob, addr
}

// TestCLITerminalPrompts runs the questions the CLI asks on a terminal, in
// tmux: accept shows the check's amount before it asks (no: nothing moves;
// yes: accepted), cancel asks with the amount, phone approve shows the
// terminal's fingerprint and IP before it asks, and a login whose code
// expired asks before it starts a new one (the spec's "after the user shows
// some activity").
func TestCLITerminalPrompts(t *testing.T) {
	requireTmux(t)
	alice, bob, addr := demoPair(t)
	base := "http://" + addr + "/api"
	var c1, c2 api.CreateCheckResponse
	alice.json(&c1, "create", "15")
	alice.json(&c2, "create", "7.50")
	// term runs the binary in tmux and keeps the pane once it exits, so that
	// its last words can be read.
	term := func(h *home, w, ht int, args ...string) *tmuxTerm {
		tt := newTmux(t, w, ht, h.env, args...)
		tt.run("set-option", "-g", "remain-on-exit", "on")
		return tt
	}
	balance := func(h *home) int64 {
		var b api.Balance
		h.json(&b, "balance")
		return b.Balance
	}

	// accept: the amount first, then the question. "n" accepts nothing.
	tt := term(bob, 100, 10, "accept", c1.Fastcheck, c1.Code)
	tt.waitText(15*time.Second, "Accept check "+c1.Fastcheck+" for RUB 15.00 into your balance?")
	tt.keys("n", "Enter")
	if st := tt.waitExit(15 * time.Second); st != "1" || !strings.Contains(tt.screen(), "Not accepted.") {
		t.Fatalf("accept answered n: exit %s\n%s", st, tt.screen())
	}
	if b := balance(bob); b != 15000000 {
		t.Fatalf("bob's balance after declining = %d", b)
	}
	// "y" accepts.
	tt = term(bob, 100, 10, "accept", c1.Fastcheck, c1.Code)
	tt.waitText(15*time.Second, "for RUB 15.00 into your balance?")
	tt.keys("y", "Enter")
	if st := tt.waitExit(15 * time.Second); st != "0" || !strings.Contains(tt.screen(), "Accepted check "+c1.Fastcheck+": RUB 15.00.") {
		t.Fatalf("accept answered y: exit %s\n%s", st, tt.screen())
	}
	if b := balance(bob); b != 15000000+1500 {
		t.Fatalf("bob's balance after accepting = %d", b)
	}

	// cancel: asks with the amount; "y" gives the money back.
	tt = term(alice, 100, 10, "cancel", c2.Fastcheck)
	tt.waitText(15*time.Second, "Cancel check "+c2.Fastcheck+" (RUB 7.50)? The money goes back to your balance.")
	tt.keys("y", "Enter")
	if st := tt.waitExit(15 * time.Second); st != "0" {
		t.Fatalf("cancel answered y: exit %s\n%s", st, tt.screen())
	}
	if b := balance(alice); b != 15000000-1500 {
		t.Fatalf("alice's balance after the cancel = %d", b)
	}

	// phone approve: the terminal's fingerprint and IP, then the question.
	carol := newHome(t, base)
	p := start(t, carol.env, "login", "--no-qr", "--insecure-storage")
	urlRE := regexp.MustCompile(`http://\S+/approve/[0-9A-F]{32}`)
	fpRE := regexp.MustCompile(`[0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4}`)
	for deadline := time.Now().Add(15 * time.Second); urlRE.FindString(p.output()) == "" || fpRE.FindString(p.output()) == ""; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("login printed no URL or fingerprint:\n%s", p.output())
		}
	}
	tt = term(carol, 100, 12, "phone", "approve", "--demo", "bob", urlRE.FindString(p.output()))
	screen := tt.waitText(15*time.Second, fpRE.FindString(p.output()), "127.0.0.1")
	if !strings.Contains(screen, "?") {
		tt.waitText(15*time.Second, "?")
	}
	tt.keys("y", "Enter")
	if st := tt.waitExit(15 * time.Second); st != "0" {
		t.Fatalf("phone approve answered y: exit %s\n%s", st, tt.screen())
	}
	select {
	case <-p.done:
		if p.err != nil || !strings.Contains(p.output(), "Logged in as "+demoUserID(t, "bob")) {
			t.Fatalf("the approved login: %v\n%s", p.err, p.output())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("the login did not end after the approval:\n%s", p.output())
	}

	// login: the code expires; the question comes; "y" starts a new login,
	// whose URL is approved.
	addr2 := freeAddr(t)
	startServer(t, filepath.Join(t.TempDir(), "fc2.db"), addr2, "--demo", "--websession-ttl", "2s")
	dave := newHome(t, "http://"+addr2+"/api")
	tt = term(dave, 120, 20, "login", "--no-qr", "--insecure-storage")
	first := urlRE.FindString(tt.waitText(15*time.Second, "/approve/"))
	tt.waitText(20*time.Second, "The login code expired. Start a new login?")
	tt.keys("y", "Enter")
	var second string
	tt.waitFor("a second login URL", 15*time.Second, func(s string) bool {
		for _, u := range urlRE.FindAllString(strings.ReplaceAll(s, "\n", " "), -1) {
			if u != first {
				second = u
			}
		}
		return second != ""
	})
	if out, errs, code := dave.run("phone", "approve", "--demo", "alice", "--yes", second); code != 0 {
		t.Fatalf("approving the second login: exit %d\n%s%s", code, out, errs)
	}
	if st := tt.waitExit(15 * time.Second); st != "0" || !strings.Contains(tt.screen(), "Logged in as") {
		t.Fatalf("the renewed login: exit %s\n%s", st, tt.screen())
	}
}

// TestCLIHumanOutputGolden: the human output of create, accept, cancel,
// whoami and logout against golden files (numbers, codes, times, the port,
// the fingerprint and the home directory replaced by placeholders).
func TestCLIHumanOutputGolden(t *testing.T) {
	alice, bob, addr := demoPair(t)
	fpRE := regexp.MustCompile(`[0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4}`)
	clean := func(h *home, out string) string {
		out = numberRE.ReplaceAllString(out, "NNNN-NNNN-NNNN")
		out = timeRE.ReplaceAllString(out, "YYYY-MM-DD hh:mm")
		out = fpRE.ReplaceAllString(out, "FFFF FFFF FFFF FFFF")
		out = strings.ReplaceAll(out, addr, "127.0.0.1:PORT")
		return strings.ReplaceAll(out, h.dir, "$HOME")
	}
	codeOf := regexp.MustCompile(`Code\s+(\d{4})\b`)

	out := alice.ok("create", "1580.00")
	m := codeOf.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("create printed no code:\n%s", out)
	}
	number := numberRE.FindString(out)
	golden(t, "create", regexp.MustCompile(`\b`+m[1]+`\b`).ReplaceAllString(clean(alice, out), "CODE"))
	golden(t, "accept", clean(bob, bob.ok("accept", number, m[1], "--yes")))

	out = alice.ok("create", "25")
	golden(t, "cancel", clean(alice, alice.ok("cancel", numberRE.FindString(out), "--yes")))
	// The insecure storage warns on every use, on standard error only.
	for i := 0; i < 2; i++ {
		for _, args := range [][]string{{"balance"}, {"balance", "--json"}} {
			out, errs, code := alice.run(args...)
			if code != 0 || !strings.Contains(errs, "warning: --insecure-storage: keys are kept in "+filepath.Join(alice.dir, "data")) ||
				strings.Contains(out, "warning") {
				t.Fatalf("%v (use %d): exit %d\nstdout: %s\nstderr: %s", args, i+1, code, out, errs)
			}
		}
	}
	golden(t, "whoami", clean(alice, alice.ok("whoami")))
	golden(t, "logout", clean(alice, alice.ok("logout")))
}

// TestCLILogoutWhileServerDown: with the server gone, logout wipes
// nothing (so it can be retried) and says why; logout --forget-key wipes
// the session and the key anyway, and says the server's copy was not ended.
func TestCLILogoutWhileServerDown(t *testing.T) {
	addr := freeAddr(t)
	srv := startServer(t, filepath.Join(t.TempDir(), "fc.db"), addr, "--demo")
	alice := newHome(t, "http://"+addr+"/api")
	alice.login("alice", "--no-qr", "--insecure-storage")
	srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.done

	out, errs, code := alice.run("logout", "--timeout", "3s")
	if code != exitError || out != "" || errs == "" {
		t.Fatalf("logout with the server down: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if _, err := alice.secrets("default").Session(); err != nil {
		t.Fatalf("a failed logout wiped the session: %v", err)
	}
	var lo logoutResult
	alice.json(&lo, "logout", "--forget-key", "--timeout", "3s")
	if !lo.HadSession || lo.ServerEnded || !lo.KeyForgotten {
		t.Fatalf("logout --forget-key with the server down: %+v", lo)
	}
	if _, err := alice.secrets("default").Session(); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session after logout --forget-key: %v", err)
	}
	if _, _, err := alice.secrets("default").Key(false); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("key after logout --forget-key: %v", err)
	}
}
