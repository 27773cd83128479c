//go:build unix

package main

import (
	"strings"
	"testing"
	"time"
)

// TestSupportDemoTmux: `fastcheck support --demo` in a real terminal. The
// demo key logs in as the demo's support identity; the header says STAFF
// and read-only; alice's account is found by a prefix and opened; the
// wallet's money keys do nothing here; q quits.
func TestSupportDemoTmux(t *testing.T) {
	requireTmux(t)
	t.Parallel()
	h := newHome(t, "")
	tt := newTmux(t, 80, 24, walletEnv(h), "support", "--demo", "--addr", freeAddr(t))
	tt.waitText(10*time.Second, "STAFF", "Waiting for your phone", "press d to approve as support")
	tt.key("d")
	tt.waitText(10*time.Second, "Find account", "read-only", "Every look is logged")
	alice := demoUserID(t, "alice")
	for _, r := range alice[:6] {
		tt.key(string(r))
	}
	tt.key("Enter")
	tt.waitText(10*time.Second, alice, "RUB 150,000.00")
	tt.key("Enter")
	tt.waitText(10*time.Second, "Account  "+alice, "Active (0)", "History (0)", "Failed & locked (0)")
	for _, k := range []string{"n", "a", "x", "t", "w", "y", "v"} {
		tt.key(k)
	}
	// Keys sent back to back may reach the program in one read, as one
	// key; "2" is pressed until the History tab shows, so that every key
	// before it has been handled and q comes alone.
	pressUntil(tt, "2", "▸ History (0)")
	s := tt.waitText(5*time.Second, "Account  "+alice)
	for _, money := range []string{"Create a check", "Accept a check", "Top up", "Withdraw", "Cancel check"} {
		if strings.Contains(s, money) {
			t.Fatalf("a money screen opened in the staff view:\n%s", s)
		}
	}
	tt.key("q")
	if st := tt.waitExit(10 * time.Second); st != "0" {
		t.Fatalf("fastcheck support --demo exited with %s\nstderr:\n%s", st, tt.stderr())
	}
}

// pressUntil presses k until the screen shows text: a key sent right
// after others may arrive merged with them and be lost.
func pressUntil(tt *tmuxTerm, k, text string) {
	tt.t.Helper()
	for range 50 {
		tt.key(k)
		for deadline := time.Now().Add(200 * time.Millisecond); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if strings.Contains(tt.screen(), text) {
				return
			}
		}
	}
	tt.waitText(time.Second, text)
}
