//go:build linux

package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// BenchmarkSSHWallet: `fastcheck ssh --demo` (the real binary, built
// without the race detector) with 50 visitors at once on the wallet
// screen, each an in-process golang.org/x/crypto/ssh client with a PTY of
// TERM=dumb (no terminal queries), from its own loopback address. It
// reports, and never asserts:
//
//   - the server's memory per session: its RSS with 50 wallets open, less
//     its RSS after a warm-up, over 50; and its idle CPU with them open;
//   - keypress-to-frame latency: "?" (help on, help off) pressed by every
//     visitor, 20 times each, to the first bytes of the new frame;
//   - connect-to-QR during a burst of 40 logins: dial to the login QR on
//     screen, then the demo approve key to the wallet.
//
// Run it with:
//
//	go test -run '^$' -bench SSHWallet -benchtime 1x ./cmd/fastcheck/
//
// Targets: under 1 MB per session, key-to-frame p99 under 25 ms.
func BenchmarkSSHWallet(b *testing.B) {
	const (
		sessions = 50
		burst    = 40
		presses  = 20 // per session
	)
	bin := sshBenchBin(b)
	addr := freeAddr(b)
	pid := startBenchSSH(b, bin, addr).Process.Pid

	// Warm up: the code paths every session takes, once.
	type times struct{ shell, frame, qr, wallet time.Duration }
	open := func(n int, timeout time.Duration) (v *benchVisitor, tm times, err error) {
		t0 := time.Now()
		if v, err = dialBench(addr, n); err != nil {
			return nil, tm, err
		}
		tm.shell = time.Since(t0)
		if !v.waitFor(b, "the first frame", timeout, func(s string) bool { return strings.Contains(s, "Log in") }) {
			return v, tm, fmt.Errorf("no first frame")
		}
		tm.frame = time.Since(t0)
		if !v.waitFor(b, "the login QR", timeout, sshHasQR) {
			return v, tm, fmt.Errorf("no login QR")
		}
		tm.qr = time.Since(t0)
		t1 := time.Now()
		v.key("d")
		if !v.waitFor(b, "the wallet", timeout, sshOnWallet) {
			return v, tm, fmt.Errorf("no wallet")
		}
		tm.wallet = time.Since(t1)
		return v, tm, nil
	}
	for i := range 2 {
		v, _, err := open(i, 10*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		v.close()
	}
	time.Sleep(500 * time.Millisecond)
	rssBase := procStatusKBOf(b, pid, "VmRSS")

	// The burst: 40 logins at once.
	vs := make([]*benchVisitor, sessions)
	tms := make([]times, burst)
	var wg sync.WaitGroup
	startLine := make(chan struct{})
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startLine
			var err error
			if vs[i], tms[i], err = open(10+i, 30*time.Second); err != nil {
				b.Errorf("visitor %d: %v", i, err)
			}
		}()
	}
	close(startLine)
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	// The other 10, then every one of the 50 is on the wallet screen.
	for i := burst; i < sessions; i++ {
		var err error
		if vs[i], _, err = open(10+i, 10*time.Second); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(time.Second)
	rss50 := procStatusKBOf(b, pid, "VmRSS")
	perSession := float64(rss50-rssBase) / 1024 / sessions
	// The server's CPU with every session idle on the wallet screen.
	const idleFor = 3 * time.Second
	c0 := sshCPUTicks(b, pid)
	time.Sleep(idleFor)
	idleCPU := float64(sshCPUTicks(b, pid)-c0) / 100 / idleFor.Seconds() * 100 // % of one core (100 ticks a second)

	// Key to frame: every visitor presses "?" 20 times, all at once, with
	// a random pause of 20-80 ms between presses.
	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	for _, v := range vs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, presses)
			for range presses {
				time.Sleep(*sshPause/2 + time.Duration(rand.Int64N(int64(*sshPause))))
				d, ok := v.keyToFrame("?", 5*time.Second)
				if !ok {
					b.Errorf("no frame within 5 s of a key press")
					return
				}
				mine = append(mine, d)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	rssAfter := procStatusKBOf(b, pid, "VmRSS")
	for _, v := range vs {
		v.close()
	}

	var shell, frame, qr, login []time.Duration
	for _, tm := range tms {
		shell, frame, qr, login = append(shell, tm.shell), append(frame, tm.frame), append(qr, tm.qr), append(login, tm.wallet)
	}
	p := func(ds []time.Duration, q float64) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		if len(s) == 0 {
			return 0
		}
		return float64(s[min(len(s)-1, int(q*float64(len(s))))].Microseconds()) / 1000
	}
	b.ReportMetric(perSession, "MB/session")
	b.ReportMetric(p(lat, 0.50), "key-p50-ms")
	b.ReportMetric(p(lat, 0.99), "key-p99-ms")
	b.ReportMetric(p(qr, 0.50), "qr-p50-ms")
	b.ReportMetric(idleCPU, "idle-cpu-%")
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("ssh wallet, %d sessions on the wallet screen (TERM=dumb); %d CPUs, load average %s", sessions, runtime.NumCPU(), load)
	fmt.Printf("  server memory:    RSS %.1f MB after warm-up, %.1f MB with %d sessions (%.1f MB after the key presses): %.2f MB per session (target < 1)\n",
		float64(rssBase)/1024, float64(rss50)/1024, sessions, float64(rssAfter)/1024, perSession)
	fmt.Printf("  idle:             %.1f%% of one core for %d sessions idle on the wallet screen\n", idleCPU, sessions)
	fmt.Printf("  key to frame:     p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms over %d presses (target p99 < 25)\n",
		p(lat, 0.5), p(lat, 0.9), p(lat, 0.99), p(lat, 1), len(lat))
	fmt.Printf("  burst of %d:      connect to QR p50 %.0f ms, p90 %.0f ms, max %.0f ms (SSH session up p50 %.0f ms, first frame p50 %.0f ms); demo approve to wallet p50 %.0f ms, max %.0f ms\n",
		burst, p(qr, 0.5), p(qr, 0.9), p(qr, 1), p(shell, 0.5), p(frame, 0.5), p(login, 0.5), p(login, 1))
}

var sshPause = flag.Duration("ssh.pause", 50*time.Millisecond, "BenchmarkSSHWallet: mean pause between one visitor's key presses (each pause is 0.5-1.5 times it)")

var (
	sshBenchOnce sync.Once
	sshBenchPath string
	sshBenchErr  error
)

// sshBenchBin is the binary as users get it (TestMain's has -race).
func sshBenchBin(b *testing.B) string {
	b.Helper()
	sshBenchOnce.Do(func() {
		sshBenchPath = filepath.Join(filepath.Dir(binPath), "fastcheck-ssh-bench")
		out, err := exec.Command("go", "build", "-o", sshBenchPath, ".").CombinedOutput()
		if err != nil {
			sshBenchErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if sshBenchErr != nil {
		b.Fatal(sshBenchErr)
	}
	return sshBenchPath
}

// startBenchSSH runs `fastcheck ssh --demo` with limits out of the way.
func startBenchSSH(b *testing.B, bin, addr string) *exec.Cmd {
	b.Helper()
	dir := b.TempDir()
	cmd := exec.Command(bin, "ssh", "--demo", "--addr", addr, "--demo-addr", "127.0.0.1:0",
		"--max-sessions", "200", "--rate-limit", "0", "--idle-timeout", "1h")
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+filepath.Join(dir, "data"))
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	b.Cleanup(func() { cmd.Process.Kill(); <-done })
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "ssh wallet listening"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("fastcheck ssh did not start:\n%s", out.String())
		}
	}
	return cmd
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// sshCPUTicks is the process's user+system CPU time, in clock ticks.
func sshCPUTicks(b *testing.B, pid int) int64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // after "pid (comm) "
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ut + st
}

// procStatusKBOf is a "VmXxx:  N kB" line of /proc/<pid>/status.
func procStatusKBOf(b *testing.B, pid int, field string) int64 {
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

func sshHasQR(s string) bool {
	return strings.Contains(s, "Waiting for your phone") && strings.ContainsAny(s, "▀▄")
}

func sshOnWallet(s string) bool { return strings.Contains(s, "Active checks (") }

// benchVisitor is one SSH session with a PTY (TERM=dumb, 80×24).
type benchVisitor struct {
	conn   *gossh.Client
	sess   *gossh.Session
	stdin  io.WriteCloser
	mu     sync.Mutex
	out    bytes.Buffer
	chunks chan time.Time // when each read of output arrived
}

// dialBench connects from 127.0.0.<n> (each visitor its own address, as
// on the internet) and opens the wallet.
func dialBench(addr string, n int) (*benchVisitor, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(n/250), byte(2+n%250))}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	cc, chans, reqs, err := gossh.NewClientConn(c, addr, &gossh.ClientConfig{User: "alice", HostKeyCallback: gossh.InsecureIgnoreHostKey()})
	if err != nil {
		return nil, err
	}
	v := &benchVisitor{conn: gossh.NewClient(cc, chans, reqs), chunks: make(chan time.Time, 256)}
	if v.sess, err = v.conn.NewSession(); err != nil {
		return nil, err
	}
	if err := v.sess.RequestPty("dumb", 24, 80, gossh.TerminalModes{}); err != nil {
		return nil, err
	}
	v.stdin, _ = v.sess.StdinPipe()
	out, _ := v.sess.StdoutPipe()
	if err := v.sess.Shell(); err != nil {
		return nil, err
	}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				now := time.Now()
				v.mu.Lock()
				v.out.Write(buf[:n])
				v.mu.Unlock()
				select {
				case v.chunks <- now:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return v, nil
}

func (v *benchVisitor) key(k string) { v.stdin.Write([]byte(k)) }

// waitFor polls the output until ok holds; false (and an error) if it
// does not within timeout.
func (v *benchVisitor) waitFor(b *testing.B, what string, timeout time.Duration, ok func(string) bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		v.mu.Lock()
		s := v.out.String()
		v.mu.Unlock()
		if ok(s) {
			return true
		}
		if time.Now().After(deadline) {
			b.Errorf("waiting for %s: not there after %s; the last output:\n%q", what, timeout, s[max(0, len(s)-2000):])
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// keyToFrame presses k and times the first output after it.
func (v *benchVisitor) keyToFrame(k string, timeout time.Duration) (time.Duration, bool) {
	for drained := false; !drained; {
		select {
		case <-v.chunks:
		default:
			drained = true
		}
	}
	t0 := time.Now()
	v.key(k)
	select {
	case t := <-v.chunks:
		return t.Sub(t0), true
	case <-time.After(timeout):
		return 0, false
	}
}

func (v *benchVisitor) close() {
	v.key("q")
	time.Sleep(20 * time.Millisecond)
	v.sess.Close()
	v.conn.Close()
}
