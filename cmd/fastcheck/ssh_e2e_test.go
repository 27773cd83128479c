//go:build unix

package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	gossh "golang.org/x/crypto/ssh"

	"fastcheck/api"
)

// `fastcheck ssh` end to end: the real binary, the real OpenSSH client,
// and for full-screen sessions a real terminal (tmux on a private socket).
// Keys go in one per send-keys call; screens are read with capture-pane
// and polled with deadlines.

// sshRequire finds the tools; without them the test skips, or fails under
// FASTCHECK_REQUIRE_SERVICES=1.
func sshRequire(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("FASTCHECK_REQUIRE_SERVICES") == "1" {
				t.Fatalf("FASTCHECK_REQUIRE_SERVICES=1 but %s is not installed: the SSH end-to-end tests need it", tool)
			}
			t.Skipf("%s is not installed; the SSH end-to-end test skips", tool)
		}
	}
}

// sshWallet is a running `fastcheck ssh` and what a visitor needs to reach it.
type sshWallet struct {
	*proc
	port    string
	dataDir string // its XDG_DATA_HOME
	key     string // a throwaway client key
}

// startSSHWallet runs `fastcheck ssh --demo` on a free port with its own
// data dir, and waits until it listens.
func startSSHWallet(t *testing.T, extra ...string) *sshWallet {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	w := &sshWallet{port: port, dataDir: filepath.Join(dir, "data"), key: filepath.Join(dir, "id_ed25519")}
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	block, err := gossh.MarshalPrivateKey(k, "throwaway test key")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.key, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"ssh", "--demo", "--addr", addr, "--demo-addr", "127.0.0.1:0"}, extra...)
	w.proc = start(t, []string{"XDG_DATA_HOME=" + w.dataDir}, args...)
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(w.output(), "ssh wallet listening"); {
		select {
		case <-w.done:
			t.Fatalf("fastcheck ssh exited: %v\n%s", w.err, w.output())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("fastcheck ssh did not start listening:\n%s", w.output())
		}
	}
	return w
}

// args is the OpenSSH command line for user, with flags before the host.
func (w *sshWallet) args(user string, flags ...string) []string {
	a := []string{"ssh", "-F", "/dev/null", "-p", w.port, "-i", w.key, "-o", "IdentitiesOnly=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "ConnectTimeout=10"}
	return append(append(a, flags...), user+"@127.0.0.1")
}

// stop sends SIGTERM and waits for a clean exit.
func (w *sshWallet) stop(t *testing.T) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.done:
		if w.err != nil {
			t.Fatalf("fastcheck ssh did not stop cleanly on SIGTERM: %v\n%s", w.err, w.output())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("fastcheck ssh did not stop on SIGTERM:\n%s", w.output())
	}
}

// sshTerm is one tmux server on a private socket; each window runs one
// program, whose exit status lands in a file.
type sshTerm struct {
	t    *testing.T
	dir  string
	sock string
}

func newSSHTerm(t *testing.T) *sshTerm {
	t.Helper()
	dir, err := os.MkdirTemp("", "fc-ssh-") // short: a socket path is limited
	if err != nil {
		t.Fatal(err)
	}
	tt := &sshTerm{t: t, dir: dir, sock: filepath.Join(dir, "sock")}
	t.Cleanup(func() {
		exec.Command("tmux", "-S", tt.sock, "kill-server").Run()
		os.RemoveAll(dir)
	})
	return tt
}

func (tt *sshTerm) tmux(args ...string) string {
	tt.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-S", tt.sock}, args...)...)
	var env []string
	for _, e := range os.Environ() { // not the tmux this test may run in
		if !strings.HasPrefix(e, "TMUX=") && !strings.HasPrefix(e, "TMUX_PANE=") {
			env = append(env, e)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		tt.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func sshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// open runs argv in a new w×h tmux session called name.
func (tt *sshTerm) open(name string, w, h int, argv ...string) {
	tt.t.Helper()
	var cmd strings.Builder
	cmd.WriteString("env LANG=C.UTF-8 LC_ALL=")
	for _, a := range argv {
		cmd.WriteString(" " + sshQuote(a))
	}
	status := filepath.Join(tt.dir, name+".status")
	cmd.WriteString(" 2>" + sshQuote(filepath.Join(tt.dir, name+".stderr")))
	cmd.WriteString("; echo $? >" + sshQuote(status+".tmp") + " && mv " + sshQuote(status+".tmp") + " " + sshQuote(status))
	cmd.WriteString("; sleep 60") // keep the pane readable after the exit
	args := []string{"new-session", "-d", "-s", name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), cmd.String()}
	if _, err := os.Stat(tt.sock); err != nil {
		args = append([]string{"-f", "/dev/null"}, args...)
	}
	tt.tmux(args...)
}

func (tt *sshTerm) key(name string, keys ...string) {
	tt.t.Helper()
	for _, k := range keys {
		tt.tmux("send-keys", "-t", name, k)
	}
}

func (tt *sshTerm) screen(name string) string {
	tt.t.Helper()
	return tt.tmux("capture-pane", "-p", "-t", name)
}

func (tt *sshTerm) exitStatus(name string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(tt.dir, name+".status"))
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

func (tt *sshTerm) waitFor(name, what string, timeout time.Duration, ok func(string) bool) string {
	tt.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tt.screen(name)
		if ok(s) {
			return s
		}
		if st, done := tt.exitStatus(name); done {
			b, _ := os.ReadFile(filepath.Join(tt.dir, name+".stderr"))
			tt.t.Fatalf("%s: waiting for %s: ssh exited %s\n%s\nstderr: %s", name, what, st, s, b)
		}
		if time.Now().After(deadline) {
			tt.t.Fatalf("%s: waiting for %s: not on screen after %s:\n%s", name, what, timeout, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (tt *sshTerm) waitText(name string, timeout time.Duration, texts ...string) string {
	tt.t.Helper()
	return tt.waitFor(name, strings.Join(texts, " + "), timeout, func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

func (tt *sshTerm) waitExit(name string, timeout time.Duration) string {
	tt.t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, ok := tt.exitStatus(name); ok {
			return st
		}
	}
	tt.t.Fatalf("%s: ssh did not exit within %s:\n%s", name, timeout, tt.screen(name))
	return ""
}

var (
	sshNumberRE = regexp.MustCompile(`Number\s+(\d{4}-\d{4}-\d{4})`)
	sshCodeRE   = regexp.MustCompile(`Code\s+(\d{4})\b`)
)

// TestSSHTwoVisitors: two visitors at once with the real ssh client, one
// logged in as alice and one as bob (by the SSH user name). Alice writes a
// check, bob accepts it, both balances follow; a window change is a
// resize; ctrl+c ends one session and leaves the other running; SIGTERM
// stops the server cleanly.
func TestSSHTwoVisitors(t *testing.T) {
	sshRequire(t, "ssh", "tmux")
	t.Parallel()
	w := startSSHWallet(t, "--max-sessions", "4")
	tt := newSSHTerm(t)
	const wait = 10 * time.Second
	t0 := time.Now()
	stage := func(name string) { t.Logf("%-26s %6.2f s", name, time.Since(t0).Seconds()) }

	tt.open("alice", 80, 24, w.args("alice")...)
	tt.open("bob", 80, 24, w.args("bob")...)
	tt.waitText("alice", wait, "Waiting for your phone", "press d to approve as alice")
	tt.waitText("bob", wait, "Waiting for your phone", "press d to approve as bob")
	tt.key("alice", "d")
	tt.key("bob", "d")
	tt.waitText("alice", wait, "Active checks (0)", "RUB 150,000.00", api.ShortUserID(demoUserID(t, "alice")))
	tt.waitText("bob", wait, "Active checks (0)", "RUB 150,000.00", api.ShortUserID(demoUserID(t, "bob")))
	stage("both logged in")

	// Alice writes a check for 1,580.00.
	tt.key("alice", "n")
	tt.waitText("alice", wait, "Create a check")
	tt.key("alice", "1", "5", "8", "0")
	tt.waitText("alice", wait, "✓ RUB 1,580.00")
	tt.key("alice", "Enter")
	tt.waitText("alice", wait, "Create this check?")
	tt.key("alice", "y")
	s := tt.waitText("alice", wait, "Check created", "Balance now RUB 148,420.00")
	nm, cm := sshNumberRE.FindStringSubmatch(s), sshCodeRE.FindStringSubmatch(s)
	if nm == nil || cm == nil {
		t.Fatalf("no number and code on alice's screen:\n%s", s)
	}
	number, code := nm[1], cm[1]
	tt.key("alice", "Enter")
	tt.waitText("alice", wait, "Active checks (1)", number)
	stage("alice wrote a check")

	// Bob accepts it in his own session.
	tt.key("bob", "a")
	tt.waitText("bob", wait, "Accept a check")
	for _, d := range strings.ReplaceAll(number, "-", "") {
		tt.key("bob", string(d))
	}
	tt.waitText("bob", wait, "RUB 1,580.00", "expires in")
	for _, d := range code {
		tt.key("bob", string(d))
	}
	tt.key("bob", "Enter")
	tt.waitText("bob", wait, "Check "+number+" accepted", "+RUB 1,580.00", "RUB 151,580.00")
	tt.key("bob", "Enter")
	tt.waitText("bob", wait, "Active checks (0)", "RUB 151,580.00")
	tt.key("alice", "r")
	tt.waitText("alice", wait, "Active checks (0)", "History (1)", "RUB 148,420.00")
	stage("bob accepted it")

	// A window change reaches the program as a resize.
	tt.tmux("resize-window", "-t", "bob", "-x", "59", "-y", "18")
	tt.waitText("bob", wait, "The terminal is too small", "need 60×18, have 59×18")
	tt.tmux("resize-window", "-t", "bob", "-x", "100", "-y", "30")
	s = tt.waitText("bob", wait, "Active checks (0)", "RUB 151,580.00")
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if n := utf8.RuneCountInString(strings.TrimRight(lines[0], " ")); n <= 80 || n > 100 {
		t.Errorf("after the resize to 100×30 the header is %d cells wide:\n%s", n, s)
	}
	stage("resized")

	// ctrl+c is a key over SSH: it ends alice's wallet and her ssh, cleanly.
	tt.key("alice", "C-c")
	if st := tt.waitExit("alice", wait); st != "0" {
		t.Errorf("alice's ssh exited %s after ctrl+c", st)
	}
	// Bob's session goes on.
	tt.key("bob", "?")
	tt.waitText("bob", wait, "Keys", "accept a check")
	tt.key("bob", "q")
	if st := tt.waitExit("bob", wait); st != "0" {
		t.Errorf("bob's ssh exited %s after q", st)
	}
	stage("ctrl+c and q")

	w.stop(t)
	out := w.output()
	for _, want := range []string{"no --authorized-keys: anyone who can reach this address may connect", "ssh alice connect", "ssh bob connect", "disconnect", "stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("the server's log has no %q:\n%s", want, out)
		}
	}
	fi, err := os.Stat(filepath.Join(w.dataDir, "fastcheck", "ssh_host_ed25519_key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the host key in the data dir: %v %v", fi, err)
	}
}

// sshOutput is an ssh client run without a terminal, its output collected.
type sshOutput struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	out   strings.Builder
	done  chan struct{}
	err   error
}

func (o *sshOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.out.Write(p)
}

func (o *sshOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.out.String()
}

func runSSH(t *testing.T, argv []string, env ...string) *sshOutput {
	t.Helper()
	o := &sshOutput{cmd: exec.Command(argv[0], argv[1:]...), done: make(chan struct{})}
	o.cmd.Env = append(os.Environ(), env...)
	o.cmd.Stdout, o.cmd.Stderr = o, o
	var err error
	if o.stdin, err = o.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := o.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { o.err = o.cmd.Wait(); close(o.done) }()
	t.Cleanup(func() { o.cmd.Process.Kill(); <-o.done })
	return o
}

func (o *sshOutput) exit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-o.done:
	case <-time.After(timeout):
		t.Fatalf("ssh did not exit within %s:\n%s", timeout, o.String())
	}
	var ee *exec.ExitError
	if errors.As(o.err, &ee) {
		return ee.ExitCode()
	}
	if o.err != nil {
		t.Fatal(o.err)
	}
	return 0
}

func (o *sshOutput) waitFor(t *testing.T, text string, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !strings.Contains(o.String(), text); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %q from ssh:\n%s", text, o.String())
		}
	}
}

// TestSSHRefusals: ssh -T (no PTY) is told what to do; with one session
// running, a second is refused as over --max-sessions; SIGTERM says
// goodbye to the running one.
func TestSSHRefusals(t *testing.T) {
	sshRequire(t, "ssh")
	t.Parallel()
	w := startSSHWallet(t, "--max-sessions", "1")
	const wait = 10 * time.Second

	noPTY := runSSH(t, w.args("alice", "-T"))
	noPTY.stdin.Close()
	if st := noPTY.exit(t, wait); st != 1 {
		t.Errorf("ssh -T exited %d, want 1", st)
	}
	for _, want := range []string{"needs a terminal (PTY)", "ssh -t -p " + w.port, "Requires an active PTY"} {
		if !strings.Contains(noPTY.String(), want) {
			t.Errorf("ssh -T: no %q in:\n%s", want, noPTY.String())
		}
	}

	// -tt: a PTY without a local terminal. TERM=dumb: no terminal queries.
	first := runSSH(t, w.args("alice", "-tt"), "TERM=dumb")
	first.waitFor(t, "Waiting for your phone", wait)
	over := runSSH(t, w.args("bob", "-tt"), "TERM=dumb")
	over.stdin.Close()
	if st := over.exit(t, wait); st != 1 {
		t.Errorf("the session over the limit exited %d, want 1", st)
	}
	if !strings.Contains(over.String(), "Sorry, the wallet is full (1 of 1 sessions in use). Please try again in a few minutes.") {
		t.Errorf("over the limit:\n%s", over.String())
	}

	w.stop(t)
	if st := first.exit(t, wait); st != 0 {
		t.Errorf("the running session exited %d on shutdown", st)
	}
	if !strings.Contains(first.String(), "The server is shutting down. Goodbye.") {
		t.Errorf("no goodbye on shutdown:\n%s", first.String())
	}
	if out := w.output(); !strings.Contains(out, "refused: session limit") || !strings.Contains(out, "shutting down") {
		t.Errorf("the server's log:\n%s", out)
	}
}
