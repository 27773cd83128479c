package sshwallet

import (
	"strings"
	"testing"
	"time"
)

// A visitor whose client sends LANG=ru_RU.UTF-8 is told in Russian what to
// do without a PTY; the wallet itself speaks Russian to them too.
func TestVisitorLanguage(t *testing.T) {
	t.Parallel()
	_, addr := testServer(t, nil)
	v := connect(t, addr, visit{user: "alice", env: map[string]string{"LANG": "ru_RU.UTF-8"}})
	if st := v.wait(10 * time.Second); st != 1 {
		t.Errorf("exit status %d, want 1", st)
	}
	if out := v.text(); !strings.Contains(out, "ему нужен терминал (PTY)") || !strings.Contains(out, "ssh -t -p ") {
		t.Errorf("no Russian explanation in:\n%s", out)
	}
	w := connect(t, addr, visit{user: "alice", term: "dumb", env: map[string]string{"LC_ALL": "ru_RU.UTF-8"}})
	w.waitText(10*time.Second, "Ждём подтверждения с телефона")
	w.key("q")
	w.wait(10 * time.Second)
}
