//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"fastcheck/api"
	"fastcheck/payments/briacoin"
)

// The wallet end to end in a real terminal: the real binary in tmux (a
// private socket, a fixed size) against the real server binary. Keys go in
// one per send-keys call (several bytes in one read would be one KeyMsg),
// the screen is read with capture-pane and polled with deadlines.

// tmuxTerm is one tmux server on a private socket running one program.
type tmuxTerm struct {
	t    *testing.T
	tmux string
	dir  string // the socket and the program's exit status live here
	sock string
}

// requireTmux finds tmux; without it the test skips, or fails under
// FASTCHECK_REQUIRE_SERVICES=1.
func requireTmux(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("FASTCHECK_REQUIRE_SERVICES") == "1" {
			t.Fatal("FASTCHECK_REQUIRE_SERVICES=1 but tmux is not installed: the wallet's end-to-end test needs it")
		}
		t.Skip("tmux is not installed; the wallet's end-to-end test skips")
	}
	return path
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// newTmux starts args (the binary's arguments) with env in a w×h tmux
// session. The program's standard error goes to a file, and its exit
// status to another when it ends.
func newTmux(t *testing.T, w, h int, env []string, args ...string) *tmuxTerm {
	t.Helper()
	bin := requireTmux(t)
	// A short path: a unix socket's name is limited to ~100 bytes.
	dir, err := os.MkdirTemp("", "fc-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	tt := &tmuxTerm{t: t, tmux: bin, dir: dir, sock: filepath.Join(dir, "sock")}
	t.Cleanup(func() {
		exec.Command(bin, "-S", tt.sock, "kill-server").Run()
		os.RemoveAll(dir)
	})
	var cmd strings.Builder
	cmd.WriteString("env")
	for _, e := range env {
		cmd.WriteString(" " + shellQuote(e))
	}
	cmd.WriteString(" " + shellQuote(binPath))
	for _, a := range args {
		cmd.WriteString(" " + shellQuote(a))
	}
	cmd.WriteString(" 2>" + shellQuote(filepath.Join(dir, "stderr")))
	cmd.WriteString("; echo $? >" + shellQuote(filepath.Join(dir, "status.tmp")))
	cmd.WriteString(" && mv " + shellQuote(filepath.Join(dir, "status.tmp")) + " " + shellQuote(filepath.Join(dir, "status")))
	tt.run("-f", "/dev/null", "new-session", "-d", "-s", "fc", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), cmd.String())
	return tt
}

// run runs one tmux command against this server.
func (tt *tmuxTerm) run(args ...string) string {
	tt.t.Helper()
	cmd := exec.Command(tt.tmux, append([]string{"-S", tt.sock}, args...)...)
	// Not the tmux this test may itself run in.
	cmd.Env = slicesDelete(slicesDelete(os.Environ(), "TMUX="), "TMUX_PANE=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		tt.t.Fatalf("tmux %v: %v\n%s\nstderr of the program:\n%s", args, err, out, tt.stderr())
	}
	return string(out)
}

// key sends one key (a tmux key name: "n", "Enter", "Escape", "?").
func (tt *tmuxTerm) key(k string) {
	tt.t.Helper()
	tt.run("send-keys", "-t", "fc", k)
}

// keys sends each key in its own send-keys call.
func (tt *tmuxTerm) keys(ks ...string) {
	tt.t.Helper()
	for _, k := range ks {
		tt.key(k)
	}
}

func (tt *tmuxTerm) screen() string {
	tt.t.Helper()
	return tt.run("capture-pane", "-p", "-t", "fc")
}

func (tt *tmuxTerm) resize(w, h int) {
	tt.t.Helper()
	tt.run("resize-window", "-t", "fc", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h))
}

func (tt *tmuxTerm) stderr() string {
	b, _ := os.ReadFile(filepath.Join(tt.dir, "stderr"))
	return string(b)
}

// waitFor polls the screen until ok holds, and returns that screen.
func (tt *tmuxTerm) waitFor(what string, timeout time.Duration, ok func(screen string) bool) string {
	tt.t.Helper()
	deadline := time.Now().Add(timeout)
	var s string
	for {
		if st, done := tt.exitStatus(); done {
			tt.t.Fatalf("waiting for %s: the program exited (%s)\nlast screen:\n%s\nstderr:\n%s", what, st, s, tt.stderr())
		}
		s = tt.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			tt.t.Fatalf("waiting for %s: not on screen after %s:\n%s\nstderr:\n%s", what, timeout, s, tt.stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitText waits until every one of texts is on screen.
func (tt *tmuxTerm) waitText(timeout time.Duration, texts ...string) string {
	tt.t.Helper()
	return tt.waitFor(strings.Join(texts, " + "), timeout, func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// exitStatus is the program's exit status once it has ended.
func (tt *tmuxTerm) exitStatus() (string, bool) {
	b, err := os.ReadFile(filepath.Join(tt.dir, "status"))
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

// waitExit waits for the program to end and returns its exit status.
func (tt *tmuxTerm) waitExit(timeout time.Duration) string {
	tt.t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, ok := tt.exitStatus(); ok {
			return st
		}
	}
	tt.t.Fatalf("the program did not exit within %s:\n%s", timeout, tt.screen())
	return ""
}

// screenQR finds the half-block QR code on a screen that has text beside
// it, crops it out and decodes it (decodeQR: gozxing).
func screenQR(t *testing.T, screen string) string {
	t.Helper()
	lines := strings.Split(screen, "\n")
	top, x0, w := -1, 0, 0
	for i, l := range lines {
		rs := []rune(l)
		for x := 0; x < len(rs); x++ {
			n := 0
			for x+n < len(rs) && rs[x+n] == '█' {
				n++
			}
			if n >= 21 { // the quiet zone above the code
				top, x0, w = i, x, n
				break
			}
			x += n
		}
		if top >= 0 {
			break
		}
	}
	if top < 0 {
		t.Fatalf("no QR code on the screen:\n%s", screen)
	}
	var rows []string
	for _, l := range lines[top:] {
		rs := []rune(l)
		if len(rs) < x0+w || strings.Trim(string(rs[x0:x0+w]), "█▀▄ ") != "" {
			break
		}
		rows = append(rows, string(rs[x0:x0+w]))
	}
	return decodeQR(t, strings.Join(rows, "\n"))
}

// walletEnv is a home's environment for the wallet: colours on (the real
// terminal path), everything else as the CLI tests have it.
func walletEnv(h *home) []string {
	return slicesDelete(h.env, "NO_COLOR=")
}

var (
	approveURLRE = regexp.MustCompile(`/approve/([0-9A-F]{32})$`)
	fingerRE     = regexp.MustCompile(`[0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4}`)
	resultNumRE  = regexp.MustCompile(`Number\s+(\d{4}-\d{4}-\d{4})`)
	codeRE       = regexp.MustCompile(`Code\s+(\d{4})\b`)
)

// TestWalletTmux: the server and the wallet in tmux at 80×24. The QR read
// off the pane is approved as alice; alice creates a check by keys; bob
// accepts it with the CLI; both balances are checked with --json; the
// server stops (banner, also over the help and the create form) and comes
// back on the same port and database (banner clears); a small and a
// too-small terminal.
func TestWalletTmux(t *testing.T) {
	requireTmux(t)
	t.Parallel()
	dir := t.TempDir()
	db, addr := filepath.Join(dir, "fc.db"), freeAddr(t)
	srv := startServer(t, db, addr, "--demo")
	base := "http://" + addr + "/api"
	alice, bob := newHome(t, base), newHome(t, base)
	const wait = 10 * time.Second
	t0 := time.Now()
	stage := func(name string) { t.Logf("%-28s %6.2f s", name, time.Since(t0).Seconds()) }

	// (1) The wallet shows the login QR, the URL and the fingerprint.
	tt := newTmux(t, 80, 24, walletEnv(alice), "wallet", "--server", base, "--insecure-storage")
	s := tt.waitText(wait, "Waiting for your phone", "Expires in")
	if !strings.Contains(s, "Log in") || !strings.Contains(s, "? help") {
		t.Errorf("login screen:\n%s", s)
	}
	for i, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > 80 || i >= 24 {
			t.Fatalf("line %d is %d cells wide (the pane is 80×24):\n%s", i, n, s)
		}
	}
	stage("login QR on screen")

	// (2) Decode the QR off the pane and approve it as the phone.
	url := screenQR(t, s)
	m := approveURLRE.FindStringSubmatch(url)
	if !strings.HasPrefix(url, base+"/approve/") || m == nil {
		t.Fatalf("the QR says %q, want %s/approve/<id>", url, base)
	}
	if !strings.Contains(s, m[1]) {
		t.Errorf("the session id %s is not shown as text beside the QR:\n%s", m[1], s)
	}
	fp := fingerRE.FindString(s)
	out := alice.ok("phone", "approve", "--demo", "alice", "--yes", url)
	if fp == "" || !strings.Contains(out, fp) {
		t.Errorf("the fingerprint on screen (%q) is not the one the phone shows:\n%s", fp, out)
	}
	tt.waitText(wait, "Active checks (0)", "RUB 150,000.00", api.ShortUserID(demoUserID(t, "alice")))
	stage("approved, wallet shown")

	// (3) Create a check by keys: n, the amount, enter, confirm.
	tt.key("n")
	tt.waitText(wait, "Create a check")
	tt.keys("1", "5", "8", "0")
	tt.waitText(wait, "✓ RUB 1,580.00")
	tt.key("Enter")
	tt.waitText(wait, "Create this check?", "Balance after", "RUB 148,420.00")
	tt.key("y")
	s = tt.waitText(wait, "Check created", "Balance now RUB 148,420.00")
	nm, cm := resultNumRE.FindStringSubmatch(s), codeRE.FindStringSubmatch(s)
	if nm == nil || cm == nil {
		t.Fatalf("no number and code on the result screen:\n%s", s)
	}
	number, code := nm[1], cm[1]
	tt.key("Enter")
	tt.waitText(wait, "Active checks (1)", number, "RUB 1,580.00")
	stage("check created")

	// ... and bob, logged in through his phone, accepts it with the CLI.
	bob.login("bob", "--insecure-storage")
	if out := bob.ok("accept", number, code, "--yes"); !strings.Contains(out, "1,580.00") {
		t.Errorf("bob's accept:\n%s", out)
	}
	stage("bob accepted")

	// (4) Both balances through --json, and the wallet after r.
	var ab, bb api.Balance
	alice.json(&ab, "balance", "--insecure-storage")
	bob.json(&bb, "balance")
	if ab.Balance != 15000000-158000 || bb.Balance != 15000000+158000 || ab.Currency != "RUB" || bb.Currency != "RUB" {
		t.Fatalf("balances: alice %+v, bob %+v", ab, bb)
	}
	tt.key("r")
	tt.waitText(wait, "Active checks (0)", "History (1)", "RUB 148,420.00")
	tt.key("2")
	tt.waitText(wait, "paid out", number)
	stage("balances checked")

	// (5) The server stops: the banner shows by itself (the quiet ping,
	// every 15 s), on every screen. It comes back on the same port and
	// database: the banner clears by itself (the ping's backoff).
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.done:
		if srv.err != nil {
			t.Fatalf("the server did not stop cleanly on SIGTERM: %v\n%s", srv.err, srv.output())
		}
	case <-time.After(wait):
		t.Fatalf("the server did not stop on SIGTERM")
	}
	stage("server stopped")
	banner := "Server unreachable (" + base + ")"
	s = tt.waitText(20*time.Second, banner)
	if !strings.Contains(s, "RUB 148,420.00") || !strings.Contains(s, number) {
		t.Errorf("the wallet lost its data while the server is down:\n%s", s)
	}
	stage("banner shown")
	// ? shows every key (and the banner); ? again closes it.
	tt.key("?")
	tt.waitText(wait, banner, "Keys", "new check", "accept a check", "?/esc close help")
	tt.key("?")
	tt.waitFor("the help to close", wait, func(s string) bool {
		return !strings.Contains(s, "close help") && strings.Contains(s, "History (1)")
	})
	tt.key("n")
	tt.waitText(wait, banner, "Create a check")
	tt.key("Escape")
	tt.waitText(wait, banner, "History (1)")
	startServer(t, db, addr, "--demo")
	stage("server restarted")
	tt.waitFor("the banner to clear", 20*time.Second, func(s string) bool {
		return !strings.Contains(s, "Server unreachable") && strings.Contains(s, "History (1)")
	})
	stage("banner cleared")

	// A small terminal (the minimum) still draws the wallet; below it, a
	// notice says what is needed.
	tt.key("1")
	tt.resize(60, 18)
	s = tt.waitText(wait, "Active checks (0)", "? help")
	for i, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > 60 || i >= 18 {
			t.Fatalf("line %d is %d cells wide at 60×18:\n%s", i, n, s)
		}
	}
	tt.resize(59, 18)
	tt.waitText(wait, "The terminal is too small", "need 60×18, have 59×18")
	tt.resize(80, 24)
	tt.waitText(wait, "Active checks (0)", "History (1)")
	stage("sizes checked")

	// q quits cleanly (a data race would exit 66).
	tt.key("q")
	if st := tt.waitExit(wait); st != "0" {
		t.Fatalf("the wallet exited with %s\nstderr:\n%s", st, tt.stderr())
	}
	stage("quit")
}

var (
	coinsRE      = regexp.MustCompile(`(?m)^\s*(\d+(?:\.\d+)?) BRC\s*$`)
	coinWalletRE = regexp.MustCompile(`To the wallet:\s*\n.*?\b(B[1-9A-HJ-NP-Za-km-z]{25,40})\b`)
)

// paneText is the screen's right-hand text: the QR code's blocks removed,
// so that what stands beside it reads as lines of its own.
func paneText(screen string) string {
	var b strings.Builder
	for _, l := range strings.Split(screen, "\n") {
		b.WriteString(strings.TrimSpace(strings.Trim(l, "█▀▄ ")))
		b.WriteByte('\n')
	}
	return b.String()
}

// TestWalletTopupTmux: a Briacoin top-up in the wallet at 80×24, paid in
// two parts. t opens the top-up, Briacoin and 150 are chosen by keys; the
// wallet address and the coins are read off the pane (and the QR beside
// them decodes to the address); briacoin-sim pay pays part of it (the
// status goes new → part with the sum paid so far), then the rest (close,
// credited, the new balance in the header); --json agrees. The same screen
// at the minimum size shows the address without the QR.
func TestWalletTopupTmux(t *testing.T) {
	requireTmux(t)
	t.Parallel()
	dir := t.TempDir()
	addr := freeAddr(t)
	startServer(t, filepath.Join(dir, "fc.db"), addr, "--demo", "--briacoin-step", "300ms", "--reconcile-interval", "300ms")
	base, sim := "http://"+addr+"/api", "http://"+addr+"/briacoin"
	alice := newHome(t, base)
	const wait = 15 * time.Second

	tt := newTmux(t, 80, 24, walletEnv(alice), "wallet", "--server", base, "--insecure-storage")
	s := tt.waitText(wait, "Waiting for your phone", "Expires in")
	alice.ok("phone", "approve", "--demo", "alice", "--yes", screenQR(t, s))
	tt.waitText(wait, "Active checks (0)", "RUB 150,000.00")

	// t, then Briacoin (→ on the method), tab, the amount, enter.
	tt.key("t")
	tt.waitText(wait, "Top up the balance", "‹ Bank card ›")
	tt.key("Right")
	tt.waitText(wait, "‹ Briacoin ›")
	tt.keys("Tab", "1", "5", "0")
	tt.waitText(wait, "✓ RUB 150.00")
	tt.key("Enter")
	s = tt.waitText(wait, "Send Briacoin", "To the wallet:", "Waiting for the payment")
	text := paneText(s)
	cm, wm := coinsRE.FindStringSubmatch(text), coinWalletRE.FindStringSubmatch(text)
	if cm == nil || wm == nil {
		t.Fatalf("no coins or wallet on the top-up screen:\n%s", s)
	}
	wallet := wm[1]
	coins, err := briacoin.ParseCoins(cm[1])
	if err != nil || coins != briacoin.MustCoins("1.5") { // 150 RUB at the demo's 1 coin = 100.00 RUB
		t.Fatalf("the screen asks for %q coins (%v), want 1.5:\n%s", cm[1], err, s)
	}
	if got := screenQR(t, s); got != wallet {
		t.Errorf("the QR says %q, the text %q", got, wallet)
	}
	for i, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > 80 || i >= 24 {
			t.Fatalf("line %d is %d cells wide (the pane is 80×24):\n%s", i, n, s)
		}
	}

	// The first part: the status moves to part, with the sum paid so far.
	first := briacoin.MustCoins("0.5")
	if out := alice.ok("briacoin-sim", "pay", "--sim", sim, wallet, first.String()); !strings.Contains(out, "part") {
		t.Fatalf("briacoin-sim pay (first part):\n%s", out)
	}
	s = tt.waitText(wait, "◐ Paid RUB 50.00 of RUB 150.00", "0.5 of 1.5 BRC", "RUB 150,050.00")
	if strings.Contains(s, "Waiting for the payment") {
		t.Errorf("still waiting after the first part:\n%s", s)
	}

	// The rest: close, credited, the new balance.
	if out := alice.ok("briacoin-sim", "pay", "--sim", sim, wallet, (coins - first).String()); !strings.Contains(out, "close") {
		t.Fatalf("briacoin-sim pay (the rest):\n%s", out)
	}
	tt.waitText(wait, "✓ Credited RUB 150.00", "Balance now RUB 150,150.00", "RUB 150,150.00 ·")
	var b api.Balance
	alice.json(&b, "balance", "--insecure-storage")
	if b.Balance != 15_000_000+15_000 || b.Currency != "RUB" {
		t.Fatalf("balance after the top-up: %+v", b)
	}

	// At the minimum size a new top-up shows the address as text.
	tt.key("Enter")
	tt.waitText(wait, "Active checks (0)", "RUB 150,150.00")
	tt.resize(60, 18)
	tt.keys("t", "Right", "Tab", "2")
	tt.waitText(wait, "‹ Briacoin ›", "✓ RUB 2.00")
	tt.key("Enter")
	s = tt.waitText(wait, "Send Briacoin", "0.02 BRC", "Waiting for the payment")
	if m := coinWalletRE.FindStringSubmatch(paneText(s)); m == nil || m[1] == wallet {
		t.Errorf("no new wallet address at 60×18:\n%s", s)
	}
	for i, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > 60 || i >= 18 {
			t.Fatalf("line %d is %d cells wide at 60×18:\n%s", i, n, s)
		}
	}
	tt.key("Escape")
	tt.waitText(wait, "Active checks (0)")
	tt.key("q")
	if st := tt.waitExit(wait); st != "0" {
		t.Fatalf("the wallet exited with %s\nstderr:\n%s", st, tt.stderr())
	}
}

// TestWalletDemoTmux: `fastcheck demo` in tmux: the embedded server, the
// login screen with the demo key, d approves as alice, the wallet opens
// with her balance, and q ends it all cleanly.
func TestWalletDemoTmux(t *testing.T) {
	requireTmux(t)
	t.Parallel()
	h := newHome(t, "")
	addr := freeAddr(t)
	tt := newTmux(t, 80, 24, walletEnv(h), "demo", "--addr", addr)
	s := tt.waitText(10*time.Second, "Waiting for your phone", "press d to approve as alice", "fastcheck phone approve --demo alice")
	url := screenQR(t, s)
	if !strings.HasPrefix(url, "http://"+addr+"/api/approve/") {
		t.Fatalf("the demo's QR says %q, want the embedded server at %s", url, addr)
	}
	tt.key("d")
	tt.waitText(10*time.Second, "Active checks (0)", "RUB 150,000.00", api.ShortUserID(demoUserID(t, "alice")))
	tt.key("q")
	if st := tt.waitExit(10 * time.Second); st != "0" {
		t.Fatalf("the demo exited with %s\nstderr:\n%s", st, tt.stderr())
	}
	if e := tt.stderr(); !strings.Contains(e, "Demo ended") {
		t.Errorf("the demo's last words:\n%s", e)
	}
}

// TestWalletDemoTmuxRussian: the config's "lang" reaches the wallet (the
// TUI) as well as the CLI: the demo in Russian, roubles as Russians write
// them, and the demo's last words in Russian too.
func TestWalletDemoTmuxRussian(t *testing.T) {
	requireTmux(t)
	t.Parallel()
	h := newHome(t, "")
	if err := os.MkdirAll(filepath.Join(h.dir, "config", "fastcheck"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "config", "fastcheck", "config.json"), []byte(`{"lang": "ru"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tt := newTmux(t, 80, 24, walletEnv(h), "demo", "--addr", freeAddr(t))
	tt.waitText(10*time.Second, "Ждём подтверждения с телефона", "fastcheck phone approve --demo alice")
	tt.key("d")
	tt.waitText(10*time.Second, "Активные чеки (0)", "000,00", "₽")
	tt.key("q")
	if st := tt.waitExit(10 * time.Second); st != "0" {
		t.Fatalf("the demo exited with %s\nstderr:\n%s", st, tt.stderr())
	}
	if e := tt.stderr(); !strings.Contains(e, "Демо завершено") {
		t.Errorf("the demo's last words:\n%s", e)
	}
}
