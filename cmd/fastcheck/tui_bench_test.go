//go:build linux

package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"fastcheck/api"
	"fastcheck/assets"
	"fastcheck/client"
	"fastcheck/ledger"
	"fastcheck/ledger/sqlite"
	"fastcheck/server/servertest"
	"fastcheck/store"
)

// The wallet's figures, as a user's terminal sees them: the real binary
// (built without the race detector) on a pseudo-terminal that answers the
// terminal queries a real one answers, against the real server on
// loopback. They are reported, never asserted (make bench).
//
//	go test -run '^$' -bench Wallet -benchtime 1x ./cmd/fastcheck/

var (
	benchRuns = flag.Int("tui.runs", 21, "runs of the wallet per start or approval benchmark; the median is reported")
	benchIdle = flag.Duration("tui.idle", 30*time.Second, "how long BenchmarkWalletIdleCPU (and BenchmarkWalletPeakMemory after its load) watches the idle wallet")
	benchRows = flag.Int("tui.rows", 100_000, "history rows for BenchmarkWalletPeakMemory")
)

var (
	benchBinOnce  sync.Once
	benchBinPath  string
	benchFloorBin string
	benchBinErr   error
)

// benchBin is the binary as users get it: TestMain's is built with -race,
// which slows its start several times and multiplies its memory. Beside
// it goes testdata/idlefloor, the bare framework to compare with.
func benchBin(b *testing.B) string {
	b.Helper()
	benchBinOnce.Do(func() {
		benchBinPath = filepath.Join(filepath.Dir(binPath), "fastcheck-norace")
		benchFloorBin = filepath.Join(filepath.Dir(binPath), "idlefloor")
		for _, c := range [][]string{{"-o", benchBinPath, "."}, {"-o", benchFloorBin, "./testdata/idlefloor"}} {
			if out, err := exec.Command("go", append([]string{"build"}, c...)...).CombinedOutput(); err != nil {
				benchBinErr = fmt.Errorf("go build %v: %v\n%s", c, err, out)
				return
			}
		}
	})
	if benchBinErr != nil {
		b.Fatal(benchBinErr)
	}
	return benchBinPath
}

// A pseudo-terminal, with the few ioctls it needs (no dependency).

type winsize struct{ rows, cols, x, y uint16 }

func ioctl(f *os.File, req uint, arg unsafe.Pointer) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(req), uintptr(arg))
	}); err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

// openPTY returns a pty's master and its slave, sized cols×rows.
func openPTY(cols, rows int) (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	var unlock int32
	var n uint32
	if err = ioctl(master, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err == nil {
		err = ioctl(master, syscall.TIOCGPTN, unsafe.Pointer(&n))
	}
	if err == nil {
		slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	}
	if err == nil {
		ws := winsize{rows: uint16(rows), cols: uint16(cols)}
		err = ioctl(slave, syscall.TIOCSWINSZ, unsafe.Pointer(&ws))
	}
	if err != nil {
		master.Close()
		if slave != nil {
			slave.Close()
		}
		return nil, nil, err
	}
	return master, slave, nil
}

// ptyWallet is a program on a pty, with its output and when each piece
// of it arrived.
type ptyWallet struct {
	cmd     *exec.Cmd
	master  *os.File
	start   time.Time // just before the process was started
	exited  chan struct{}
	mu      sync.Mutex
	out     []byte
	text    string // out without escape sequences
	waiters []*ptyWaiter
}

type ptyWaiter struct {
	from int // offset into text
	ok   func(string) bool
	at   chan time.Time
}

// ansiRE matches the escape sequences a Bubble Tea program writes.
var ansiRE = regexp.MustCompile("\x1b(?:\\[[0-9;?<=>]*[ -/]*[@-~]|\\][^\x07\x1b]*(?:\x07|\x1b\\\\)|[()][0-9A-Za-z]|[=>78DEHM])")

// startPTY runs the binary with args on a cols×rows pty, as a session
// leader with the pty as its controlling terminal.
func startPTY(b *testing.B, bin string, env []string, cols, rows int, args ...string) *ptyWallet {
	b.Helper()
	master, slave, err := openPTY(cols, rows)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	w := &ptyWallet{cmd: cmd, master: master, exited: make(chan struct{})}
	w.start = time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	slave.Close()
	go func() { cmd.Wait(); close(w.exited) }()
	go w.read()
	b.Cleanup(w.stop)
	return w
}

// read collects the output and answers the queries a terminal answers:
// the background colour (OSC 11, asked by lipgloss) and the cursor
// position (which follows it), as a dark xterm would.
func (w *ptyWallet) read() {
	buf := make([]byte, 64<<10)
	answered := 0
	for {
		n, err := w.master.Read(buf)
		now := time.Now()
		if n > 0 {
			w.mu.Lock()
			w.out = append(w.out, buf[:n]...)
			for {
				i := bytes.Index(w.out[answered:], []byte("\x1b]11;?"))
				j := bytes.Index(w.out[answered:], []byte("\x1b[6n"))
				if i < 0 && j < 0 {
					break
				}
				if i >= 0 && (j < 0 || i < j) {
					w.master.Write([]byte("\x1b]11;rgb:1e1e/1e1e/1e1e\x07"))
					answered += i + 6
				} else {
					w.master.Write([]byte("\x1b[1;1R"))
					answered += j + 4
				}
			}
			w.text = ansiRE.ReplaceAllString(string(w.out), "\n")
			w.waiters = slices.DeleteFunc(w.waiters, func(wt *ptyWaiter) bool {
				if wt.ok(w.text[min(wt.from, len(w.text)):]) {
					wt.at <- now
					return true
				}
				return false
			})
			w.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// mark is where the output ends now: waitFor(mark(), ...) looks only at
// what comes after.
func (w *ptyWallet) mark() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.text)
}

// waitFor waits until the output from offset from on satisfies ok, and
// returns when the piece that made it so was read.
func (w *ptyWallet) waitFor(b *testing.B, what string, from int, timeout time.Duration, ok func(string) bool) time.Time {
	b.Helper()
	wt := &ptyWaiter{from: from, ok: ok, at: make(chan time.Time, 1)}
	w.mu.Lock()
	if ok(w.text[min(from, len(w.text)):]) {
		w.mu.Unlock()
		return time.Now()
	}
	w.waiters = append(w.waiters, wt)
	w.mu.Unlock()
	select {
	case at := <-wt.at:
		return at
	case <-w.exited:
		b.Fatalf("waiting for %s: the wallet exited:\n%s", what, w.tail())
	case <-time.After(timeout):
		b.Fatalf("waiting for %s: not there after %s:\n%s", what, timeout, w.tail())
	}
	return time.Time{}
}

func (w *ptyWallet) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.text[max(len(w.text)-3000, 0):]
}

// key types one key.
func (w *ptyWallet) key(s string) { w.master.Write([]byte(s)) }

// stop quits the wallet (q), and kills it if it does not go.
func (w *ptyWallet) stop() {
	select {
	case <-w.exited:
	default:
		w.key("q")
		select {
		case <-w.exited:
		case <-time.After(3 * time.Second):
			w.cmd.Process.Kill()
			<-w.exited
		}
	}
	w.master.Close()
}

// cpuTicks is the process's user+system time in clock ticks.
func cpuTicks(b *testing.B, pid int) int64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // after "pid (comm) "
	ut, _ := strconv.ParseInt(f[11], 10, 64)                 // field 14, utime
	st, _ := strconv.ParseInt(f[12], 10, 64)                 // field 15, stime
	return ut + st
}

// clockTicks is sysconf(_SC_CLK_TCK): 100 on every Linux this runs on.
const clockTicks = 100

// procStatusKB is a "VmXxx:  N kB" line of /proc/<pid>/status.
func procStatusKB(b *testing.B, pid int, field string) int64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// benchHome is a wallet's machine: its own XDG dirs, and the key in the
// real Secret Service under FASTCHECK_TEST_KEYRING=1 (a profile of its
// own, removed at the end), else in the insecure file.
type benchHome struct {
	env  []string
	args []string // wallet arguments
	kind string   // "keyring" or "file"
}

func newBenchHome(b *testing.B, bin, server string) *benchHome {
	b.Helper()
	dir := b.TempDir()
	env := append(slicesDelete(slicesDelete(os.Environ(), "NO_COLOR="), "TERM="),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"HOME="+dir, "TERM=xterm-256color", "LANG=en_US.UTF-8", "LC_ALL=", "FASTCHECK_PROFILE=")
	h := &benchHome{env: env, args: []string{"wallet", "--server", server}, kind: "file"}
	if os.Getenv("FASTCHECK_TEST_KEYRING") == "1" {
		profile := "bench-" + strings.ToLower(api.NewID()[:10])
		h.args = append(h.args, "--profile", profile)
		h.kind = "keyring"
		b.Cleanup(func() {
			ks := store.ProfileSecrets{Secrets: store.Keyring{}, Profile: profile}
			ks.DeleteSession()
			ks.DeleteKey()
		})
	} else {
		h.env = append(h.env, "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(dir, "no-bus"))
		h.args = append(h.args, "--insecure-storage")
	}
	return h
}

// QR frame: the code's quiet zone on top and at the bottom, both drawn.
var (
	qrTop    = strings.Repeat("█", 41)
	qrBottom = strings.Repeat("▀", 41)
	idRE     = regexp.MustCompile(`\b[0-9A-F]{32}\b`)
)

func hasQR(s string) bool {
	i := strings.Index(s, qrTop)
	return i >= 0 && strings.Contains(s[i:], qrBottom) && strings.Contains(s[i:], "Expires in")
}

// loginShown starts the wallet and waits for its QR; it returns the
// wallet, the time from the start to the QR, and the websession id.
func loginShown(b *testing.B, bin string, h *benchHome) (*ptyWallet, time.Duration, string) {
	b.Helper()
	w := startPTY(b, bin, h.env, 80, 24, h.args...)
	at := w.waitFor(b, "the login QR", 0, 15*time.Second, hasQR)
	d := at.Sub(w.start)
	id := ""
	for deadline := time.Now().Add(5 * time.Second); id == "" && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		w.mu.Lock()
		id = idRE.FindString(w.text)
		w.mu.Unlock()
	}
	if id == "" {
		b.Fatalf("no session id on the login screen:\n%s", w.tail())
	}
	return w, d, id
}

// approve is the phone: it reads the login's fingerprint and approves it
// as the demo user, and returns when the approval's answer has arrived.
func approve(b *testing.B, phone *client.Client, id string) time.Time {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pw, err := phone.PhoneWebsession(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := phone.Approve(ctx, id, pw.Fingerprint); err != nil {
		b.Fatal(err)
	}
	return time.Now()
}

func demoPhone(b *testing.B, server, name string) *client.Client {
	b.Helper()
	u, _ := assets.FindDemoUser(name)
	c, err := client.New(client.Options{BaseURL: server, Key: u.PhoneKey()})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func benchUserID(name string) string {
	u, _ := assets.FindDemoUser(name)
	return api.UserID(u.PhoneKey().Public().(ed25519.PublicKey))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkWalletStartToQR: from starting the process to the first frame
// with the whole login QR on the pty, including the keyring (or file)
// read, the terminal's background query and creating the websession on
// loopback. Median of -tui.runs starts, after one that makes the key.
func BenchmarkWalletStartToQR(b *testing.B) {
	bin := benchBin(b)
	env := servertest.Start(b)
	h := newBenchHome(b, bin, env.URL)
	w, _, _ := loginShown(b, bin, h) // makes and stores the key
	w.stop()
	var ds []time.Duration
	for i := 0; i < *benchRuns; i++ {
		w, d, _ := loginShown(b, bin, h)
		ds = append(ds, d)
		w.stop()
	}
	med, lo, hi := median(ds), slices.Min(ds), slices.Max(ds)
	b.ReportMetric(msOf(med), "ms-median")
	b.ReportMetric(msOf(lo), "ms-min")
	b.ReportMetric(msOf(hi), "ms-max")
	fmt.Printf("\nwallet start → login QR on a pty: median %.1f ms (min %.1f, max %.1f; %d runs; key in the %s) (target < 40 ms)\n",
		msOf(med), msOf(lo), msOf(hi), len(ds), h.kind)
}

// walletShown is the wallet's first frame: the tabs are drawn.
func walletShown(s string) bool { return strings.Contains(s, "Active checks (") }

// BenchmarkWalletApprovalToFrame: from the phone's approval returning to
// the wallet's first frame on the pty (the long-poll wakes, the wallet
// opens), and to the balance shown in it. Median of -tui.runs logins.
func BenchmarkWalletApprovalToFrame(b *testing.B) {
	bin := benchBin(b)
	env := servertest.Start(b)
	phone := demoPhone(b, env.URL, "alice")
	var frame, balance []time.Duration
	for i := 0; i < *benchRuns; i++ {
		h := newBenchHome(b, bin, env.URL)
		w, _, id := loginShown(b, bin, h)
		time.Sleep(20 * time.Millisecond) // the long-poll is in the server's hands
		from := w.mark()
		done := approve(b, phone, id)
		at := w.waitFor(b, "the wallet", from, 10*time.Second, walletShown)
		bal := w.waitFor(b, "the balance", from, 10*time.Second, func(s string) bool { return strings.Contains(s, "RUB 150,000.00") })
		frame, balance = append(frame, at.Sub(done)), append(balance, bal.Sub(done))
		w.stop()
	}
	b.ReportMetric(msOf(median(frame)), "ms-to-wallet")
	b.ReportMetric(msOf(slices.Max(frame)), "ms-to-wallet-max")
	b.ReportMetric(msOf(median(balance)), "ms-to-balance")
	fmt.Printf("\nphone approval → wallet frame (long-poll): median %.1f ms (max %.1f); → balance shown: median %.1f ms; %d runs (target < 300 ms)\n",
		msOf(median(frame)), msOf(slices.Max(frame)), msOf(median(balance)), len(frame))
}

// BenchmarkWalletIdleCPU: the CPU the wallet screen uses while nobody
// touches it, from /proc/<pid>/stat (user+system) over -tui.idle, as a
// share of one core; its pings and (with -tui.idle of 30s or more) its
// quiet refresh fall in the window. In the same window, the bare framework
// (testdata/idlefloor: a static full-screen Bubble Tea program on every
// core) for comparison: its render timer is most of the figure. The wallet
// can come in under it: once settled it runs on one P (walletProcs).
func BenchmarkWalletIdleCPU(b *testing.B) {
	bin := benchBin(b)
	env := servertest.Start(b)
	h := newBenchHome(b, bin, env.URL)
	w, _, id := loginShown(b, bin, h)
	from := w.mark()
	approve(b, demoPhone(b, env.URL, "alice"), id)
	w.waitFor(b, "the balance", from, 10*time.Second, func(s string) bool { return strings.Contains(s, "RUB 150,000.00") })
	floor := startPTY(b, benchFloorBin, append(os.Environ(), "TERM=xterm-256color"), 80, 24)
	floor.waitFor(b, "the floor's screen", 0, 10*time.Second, func(s string) bool { return strings.Contains(s, "line 23") })
	time.Sleep(time.Second) // settled
	pid, fpid := w.cmd.Process.Pid, floor.cmd.Process.Pid
	t0, c0, f0 := time.Now(), cpuTicks(b, pid), cpuTicks(b, fpid)
	time.Sleep(*benchIdle)
	t1, c1, f1 := time.Now(), cpuTicks(b, pid), cpuTicks(b, fpid)
	secs := t1.Sub(t0).Seconds()
	pct, fpct := float64(c1-c0)/clockTicks/secs*100, float64(f1-f0)/clockTicks/secs*100
	b.ReportMetric(pct, "%cpu")
	b.ReportMetric(fpct, "%cpu-bare-framework")
	fmt.Printf("\nwallet idle on the wallet screen: %.2f%% of a core over %s (%d ticks of 10 ms); the bare framework beside it: %.2f%% (target < 1%%)\n",
		pct, t1.Sub(t0).Round(time.Second), c1-c0, fpct)
}

// seedHistory gives alice n resolved checks: one made through the ledger
// (which also opens the escrow account), the rest written straight into
// its SQLite file by a few INSERT … SELECT statements in one transaction,
// as the ledger writes them (checks, journal transactions and entries,
// balances), so that the audit still passes. A quarter each: paid out to
// bob, received from bob, expired, cancelled.
func seedHistory(b testing.TB, st ledger.Store, n int) {
	b.Helper()
	ctx := context.Background()
	alice, bob := benchUserID("alice"), benchUserID("bob")
	now := time.Now()
	r, err := st.CreateCheck(ctx, ledger.CreateCheck{UserID: alice, Amount: 100, Currency: "RUB", Now: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour)})
	if err == nil {
		_, err = st.CancelCheck(ctx, ledger.CancelCheck{UserID: alice, Number: r.Check.Number, Now: now.Add(-time.Second)})
	}
	if err != nil {
		b.Fatal(err)
	}
	sst, ok := st.(*sqlite.Store)
	if !ok {
		b.Fatalf("the server's store is a %T, not SQLite", st)
	}
	db, err := sql.Open("sqlite", sqlite.DSN(sst.Path()))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// This connection only; the audit checks what the keys would.
	for _, pragma := range []string{`PRAGMA synchronous = OFF`, `PRAGMA foreign_keys = OFF`, `PRAGMA cache_size = -262144`} {
		if _, err := db.ExecContext(ctx, pragma); err != nil {
			b.Fatal(err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	id := func(query string, args ...any) int64 {
		var v int64
		if err := tx.QueryRowContext(ctx, query, args...).Scan(&v); err != nil {
			b.Fatalf("%s: %v", query, err)
		}
		return v
	}
	aliceAcc := id(`SELECT id FROM accounts WHERE user_id = ?`, alice)
	bobAcc := id(`SELECT id FROM accounts WHERE user_id = ?`, bob)
	escrow := id(`SELECT id FROM accounts WHERE name = ? AND currency = 'RUB'`, ledger.AccountEscrow)
	checkBase := id(`SELECT coalesce(max(id), 0) FROM checks`)
	txBase := id(`SELECT coalesce(max(id), 0) FROM transactions`)
	entryBase := id(`SELECT coalesce(max(id), 0) FROM entries`)
	// Row i (1 ≤ i < n): check checkBase+i, its journal transactions
	// txBase+2i-1 (create) and txBase+2i (its resolution), their entries
	// entryBase+4i-3 … entryBase+4i. Kind i%4: 0 alice paid bob, 1 bob
	// paid alice, 2 alice's expired, 3 alice's cancelled. Times one
	// minute apart, ending now.
	const rows = `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n - 1),
		r AS (SELECT i, i % 4 AS k, :now - (:n - i) * 60000 AS created, 100 + (i * 37) % 90000 AS amount,
			900000000000 + i * 7919 AS num FROM seq),
		c AS MATERIALIZED (SELECT i, k, created, amount, num,
			CASE k WHEN 1 THEN :bob ELSE :alice END AS creator,
			CASE k WHEN 0 THEN :bob WHEN 1 THEN :alice END AS redeemer,
			CASE k WHEN 2 THEN 'expired' WHEN 3 THEN 'cancelled' ELSE 'used' END AS status,
			CASE k WHEN 2 THEN created + 60000 ELSE created + 604800000 END AS expires,
			CASE k WHEN 2 THEN created + 61000 ELSE created + 60000 END AS resolved,
			CASE k WHEN 2 THEN 'expire' WHEN 3 THEN 'cancel' ELSE 'accept' END AS rkind FROM r) `
	args := []any{sql.Named("n", n), sql.Named("now", now.UnixMilli()), sql.Named("alice", aliceAcc), sql.Named("bob", bobAcc),
		sql.Named("escrow", escrow), sql.Named("cb", checkBase), sql.Named("tb", txBase), sql.Named("eb", entryBase)}
	for _, q := range []string{
		`INSERT INTO checks (id, number, code, creator_account, redeemer_account, amount, currency, status, created_at, expires_at, resolved_at)
			SELECT :cb + i, printf('%04d-%04d-%04d', num / 100000000, (num / 10000) % 10000, num % 10000), printf('%04d', i % 10000),
				creator, redeemer, amount, 'RUB', status, created, expires, resolved FROM c`,
		// In id order: appending to the tables is what makes this fast.
		`INSERT INTO transactions (id, kind, check_id, created_at)
			SELECT :tb + 2 * i - 1 + j AS id, CASE j WHEN 0 THEN 'create' ELSE rkind END, :cb + i,
				CASE j WHEN 0 THEN created ELSE resolved END
			FROM c, (SELECT 0 AS j UNION ALL SELECT 1) ORDER BY id`,
		`INSERT INTO entries (id, tx_id, account_id, amount)
			SELECT :eb + 4 * i - 3 + j AS id, :tb + 2 * i - 1 + j / 2,
				CASE j WHEN 0 THEN creator WHEN 3 THEN coalesce(redeemer, creator) ELSE :escrow END,
				CASE j WHEN 0 THEN -amount WHEN 2 THEN -amount ELSE amount END
			FROM c, (SELECT 0 AS j UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) ORDER BY id`,
		`UPDATE accounts SET balance = balance + (SELECT coalesce(sum(CASE k WHEN 0 THEN -amount WHEN 1 THEN amount END), 0) FROM c) WHERE id = :alice`,
		`UPDATE accounts SET balance = balance + (SELECT coalesce(sum(CASE k WHEN 0 THEN amount WHEN 1 THEN -amount END), 0) FROM c) WHERE id = :bob`,
	} {
		if _, err := tx.ExecContext(ctx, rows+q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// The seeded history is a ledger that audits clean, and alice's history
// holds every row.
func TestSeedHistory(t *testing.T) {
	env := servertest.Start(t)
	const n = 200
	seedHistory(t, env.Store, n)
	ctx := context.Background()
	if rep, err := env.Store.Audit(ctx); err != nil || !rep.OK() {
		t.Fatalf("the seeded ledger does not audit: %v %v", err, rep.Violations)
	}
	h, err := env.Store.History(ctx, benchUserID("alice"), 0)
	if err != nil || len(h) != n {
		t.Fatalf("alice's history: %d rows, %v; want %d", len(h), err, n)
	}
	kinds := map[string]int{}
	for _, c := range h {
		kinds[c.Status]++
	}
	if kinds[ledger.StatusUsed] < n/2-2 || kinds[ledger.StatusExpired] < n/4-2 || kinds[ledger.StatusCancelled] < n/4-2 {
		t.Errorf("statuses %v", kinds)
	}
}

// BenchmarkWalletPeakMemory: the wallet's peak resident memory (VmHWM)
// after it has loaded a history of -tui.rows checks and shown it.
func BenchmarkWalletPeakMemory(b *testing.B) {
	bin := benchBin(b)
	env := servertest.Start(b)
	t0 := time.Now()
	seedHistory(b, env.Store, *benchRows)
	seeded := time.Since(t0)
	h := newBenchHome(b, bin, env.URL)
	w, _, id := loginShown(b, bin, h)
	from := w.mark()
	done := approve(b, demoPhone(b, env.URL, "alice"), id)
	histLabel := fmt.Sprintf("History (%d)", *benchRows)
	loaded := w.waitFor(b, "the history", from, 60*time.Second, func(s string) bool { return strings.Contains(s, histLabel) })
	from = w.mark()
	w.key("2")
	w.waitFor(b, "the history tab", from, 10*time.Second, func(s string) bool { return strings.Contains(s, "refunded") || strings.Contains(s, "paid out") })
	time.Sleep(500 * time.Millisecond)
	pid := w.cmd.Process.Pid
	hwm, rss := procStatusKB(b, pid, "VmHWM"), procStatusKB(b, pid, "VmRSS")
	// Then idle on the history tab, as BenchmarkWalletIdleCPU: with
	// -tui.idle over 30s the quiet refresh falls in the window.
	t1, c1 := time.Now(), cpuTicks(b, pid)
	time.Sleep(*benchIdle)
	t2, c2 := time.Now(), cpuTicks(b, pid)
	idle := float64(c2-c1) / clockTicks / t2.Sub(t1).Seconds() * 100
	hwm2 := procStatusKB(b, pid, "VmHWM")
	b.ReportMetric(float64(hwm)/1024, "MB-peak")
	b.ReportMetric(float64(rss)/1024, "MB-rss")
	b.ReportMetric(msOf(loaded.Sub(done)), "ms-to-history")
	b.ReportMetric(idle, "%cpu-idle")
	b.ReportMetric(float64(hwm2)/1024, "MB-peak-after-idle")
	fmt.Printf("\nwallet with %d history rows: peak %.1f MB (VmHWM), %.1f MB resident after; history on screen %.0f ms after the approval (seeding took %s) (target < 60 MB); then idle %.2f%% of a core over %s, peak %.1f MB after it\n",
		*benchRows, float64(hwm)/1024, float64(rss)/1024, msOf(loaded.Sub(done)), seeded.Round(time.Millisecond),
		idle, t2.Sub(t1).Round(time.Second), float64(hwm2)/1024)
}
