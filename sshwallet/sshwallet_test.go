package sshwallet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"fastcheck/api"
	"fastcheck/assets"
	"fastcheck/client"
	"fastcheck/i18n"
	"fastcheck/server/servertest"
)

// These tests run the SSH server in-process against the real reference
// server (servertest), with golang.org/x/crypto/ssh as the visitor's
// client. The real `ssh` client in tmux, against the real binary, is in
// cmd/fastcheck/ssh_e2e_test.go.

// testServer starts a server with the demo users; mod adjusts its config.
func testServer(t *testing.T, mod func(*Config)) (*Server, string) {
	t.Helper()
	env := servertest.Start(t)
	cfg := Config{
		Addr:           "127.0.0.1:0",
		HostKeyPath:    filepath.Join(t.TempDir(), "host_key"),
		ServerURL:      env.URL,
		DemoUsers:      []string{"alice", "bob"},
		DemoApprove:    approveAs(env.URL),
		ConnsPerMinute: -1,
	}
	if mod != nil {
		mod(&cfg)
	}
	return startServer(t, cfg)
}

func startServer(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe(ctx, func(a net.Addr) { ready <- a }) }()
	var addr string
	select {
	case a := <-ready:
		addr = a.String()
	case err := <-served:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("ListenAndServe: %v", err)
		}
	})
	return srv, addr
}

func approveAs(base string) func(ctx context.Context, hc *http.Client, user, id, fp string) error {
	return func(ctx context.Context, hc *http.Client, user, id, fp string) error {
		u, ok := assets.FindDemoUser(user)
		if !ok {
			return errors.New("no such demo user")
		}
		phone, err := client.New(client.Options{BaseURL: base, Key: u.PhoneKey(), HTTPClient: hc})
		if err != nil {
			return err
		}
		_, err = phone.Approve(ctx, id, fp)
		return err
	}
}

// visitor is one SSH client session, its output collected.
type visitor struct {
	t     *testing.T
	conn  *gossh.Client
	sess  *gossh.Session
	stdin io.WriteCloser

	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{} // the session ended
	err  error         // sess.Wait's answer, once done
}

type visit struct {
	user   string
	term   string // "" for no PTY
	env    map[string]string
	key    gossh.Signer // nil: no key (the server lets anyone in)
	answer bool         // answer the background-colour query like a terminal
	noSize bool         // a 0×0 window, as ssh -tt sends without a terminal
}

func dialErr(addr string, v visit) (*gossh.Client, error) {
	cfg := &gossh.ClientConfig{User: v.user, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second}
	if v.key != nil {
		cfg.Auth = []gossh.AuthMethod{gossh.PublicKeys(v.key)}
	}
	return gossh.Dial("tcp", addr, cfg)
}

func connect(t *testing.T, addr string, v visit) *visitor {
	t.Helper()
	conn, err := dialErr(addr, v)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for k, val := range v.env {
		if err := sess.Setenv(k, val); err != nil {
			t.Fatalf("setenv %s: %v", k, err)
		}
	}
	if v.term != "" {
		h, w := 24, 80
		if v.noSize {
			h, w = 0, 0
		}
		if err := sess.RequestPty(v.term, h, w, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
	}
	vi := &visitor{t: t, conn: conn, sess: sess, done: make(chan struct{})}
	if vi.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, _ := sess.StdoutPipe()
	stderr, _ := sess.StderrPipe()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	read := func(r io.Reader) {
		defer wg.Done()
		buf := make([]byte, 32<<10)
		answered := false
		for {
			n, err := r.Read(buf)
			vi.mu.Lock()
			vi.out.Write(buf[:n])
			ask := v.answer && !answered && bytes.Contains(vi.out.Bytes(), []byte("\x1b]11;?"))
			vi.mu.Unlock()
			if ask {
				answered = true
				vi.stdin.Write([]byte("\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;c"))
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go read(stdout)
	go read(stderr)
	go func() {
		wg.Wait()
		vi.err = sess.Wait()
		close(vi.done)
	}()
	return vi
}

func (v *visitor) raw() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.out.String()
}

func (v *visitor) text() string { return ansi.Strip(v.raw()) }

func (v *visitor) waitText(timeout time.Duration, texts ...string) string {
	v.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := v.text()
		ok := true
		for _, x := range texts {
			ok = ok && strings.Contains(s, x)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("waiting for %q; the output so far:\n%s", texts, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// key sends one key (one write: one KeyMsg).
func (v *visitor) key(k string) {
	v.t.Helper()
	if _, err := v.stdin.Write([]byte(k)); err != nil {
		v.t.Fatalf("key %q: %v", k, err)
	}
	time.Sleep(5 * time.Millisecond)
}

func (v *visitor) keys(ks ...string) {
	v.t.Helper()
	for _, k := range ks {
		v.key(k)
	}
}

// wait waits for the session to end and returns its exit status.
func (v *visitor) wait(timeout time.Duration) int {
	v.t.Helper()
	select {
	case <-v.done:
	case <-time.After(timeout):
		v.t.Fatalf("the session did not end within %s; output:\n%s", timeout, v.text())
	}
	var ee *gossh.ExitError
	switch {
	case v.err == nil:
		return 0
	case errors.As(v.err, &ee):
		return ee.ExitStatus()
	}
	v.t.Fatalf("session: %v", v.err)
	return -1
}

var fingerprintRE = regexp.MustCompile(`[0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4}`)

func shortID(t *testing.T, name string) string {
	t.Helper()
	u, _ := assets.FindDemoUser(name)
	return api.ShortUserID(api.UserID(u.PhoneKey().Public().(ed25519.PublicKey)))
}

// Two visitors at once: each has their own key, demo account and screen,
// and an OSC 52 copy reaches only the visitor who asked for it.
func TestSessionsAreIsolated(t *testing.T) {
	t.Parallel()
	_, addr := testServer(t, nil)
	const wait = 10 * time.Second
	a := connect(t, addr, visit{user: "alice", term: "dumb"})
	b := connect(t, addr, visit{user: "Bob", term: "dumb"})
	sa := a.waitText(wait, "Waiting for your phone", "press d to approve as alice")
	sb := b.waitText(wait, "Waiting for your phone", "press d to approve as bob")
	fa, fb := fingerprintRE.FindString(sa), fingerprintRE.FindString(sb)
	if fa == "" || fb == "" || fa == fb {
		t.Fatalf("key fingerprints: alice %q, bob %q: want two different keys", fa, fb)
	}
	a.key("d")
	b.key("d")
	a.waitText(wait, "Active checks (0)", "RUB 150,000.00", shortID(t, "alice"))
	b.waitText(wait, "Active checks (0)", "RUB 150,000.00", shortID(t, "bob"))
	if strings.Contains(a.text(), shortID(t, "bob")) || strings.Contains(b.text(), shortID(t, "alice")) {
		t.Fatal("a visitor saw the other's account")
	}

	a.keys("n", "1", "0", "0", "\r")
	a.waitText(wait, "Create this check?")
	a.key("y")
	a.waitText(wait, "Check created")
	a.key("y")
	deadline := time.Now().Add(wait)
	for !strings.Contains(a.raw(), "\x1b]52;c;") {
		if time.Now().After(deadline) {
			t.Fatalf("no OSC 52 copy in alice's output:\n%q", a.raw())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(b.raw(), "\x1b]52;") {
		t.Fatal("alice's copy reached bob's terminal")
	}
	a.key("q")
	b.key("\x03") // ctrl+c is a key over SSH
	if st := a.wait(wait); st != 0 {
		t.Errorf("alice's session exited %d", st)
	}
	if st := b.wait(wait); st != 0 {
		t.Errorf("bob's session exited %d", st)
	}
}

// The client's TERM and NO_COLOR decide the colours; TERM=dumb gets none.
func TestColourFollowsTheClient(t *testing.T) {
	t.Parallel()
	_, addr := testServer(t, nil)
	colour := regexp.MustCompile(`\x1b\[[0-9;]*(38|48);`)
	for _, c := range []struct {
		name  string
		term  string
		env   map[string]string
		color bool
	}{
		{"xterm-256color", "xterm-256color", nil, true},
		{"NO_COLOR", "xterm-256color", map[string]string{"NO_COLOR": "1"}, false},
		{"dumb", "dumb", nil, false},
	} {
		v := connect(t, addr, visit{user: "alice", term: c.term, env: c.env, answer: true})
		v.waitText(10*time.Second, "Waiting for your phone")
		if got := colour.MatchString(v.raw()); got != c.color {
			t.Errorf("%s: colour sequences %v, want %v", c.name, got, c.color)
		}
		v.key("q")
		v.wait(10 * time.Second)
	}
}

// A session without a PTY is told what to do, and exits 1.
func TestNoPTY(t *testing.T) {
	t.Parallel()
	_, addr := testServer(t, nil)
	v := connect(t, addr, visit{user: "alice"})
	if st := v.wait(10 * time.Second); st != 1 {
		t.Errorf("exit status %d, want 1", st)
	}
	out := v.text()
	for _, want := range []string{"needs a terminal (PTY)", "ssh -t -p ", "Requires an active PTY"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// A client that reports a 0×0 window still gets a screen (80×24).
func TestZeroWindow(t *testing.T) {
	t.Parallel()
	_, addr := testServer(t, nil)
	v := connect(t, addr, visit{user: "alice", term: "dumb", noSize: true})
	v.waitText(10*time.Second, "Waiting for your phone", "press d to approve as alice")
	v.key("q")
	v.wait(10 * time.Second)
}

// One session over --max-sessions is refused with a message; its place is
// free again once a session ends. Past the per-IP rate, a connection is
// refused with a message too.
func TestLimits(t *testing.T) {
	t.Parallel()
	srv, addr := testServer(t, func(c *Config) { c.MaxSessions = 1 })
	first := connect(t, addr, visit{user: "alice", term: "dumb"})
	first.waitText(10*time.Second, "Waiting for your phone")
	over := connect(t, addr, visit{user: "bob", term: "dumb"})
	if st := over.wait(10 * time.Second); st != 1 {
		t.Errorf("over the limit: exit status %d, want 1", st)
	}
	if out := over.text(); !strings.Contains(out, "the wallet is full (1 of 1 sessions in use)") {
		t.Errorf("over the limit:\n%s", out)
	}
	first.key("q")
	first.wait(10 * time.Second)
	for deadline := time.Now().Add(5 * time.Second); srv.Sessions() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions still counted", srv.Sessions())
		}
	}
	again := connect(t, addr, visit{user: "bob", term: "dumb"})
	again.waitText(10*time.Second, "Waiting for your phone")
	again.key("q")
	again.wait(10 * time.Second)

	_, addr = testServer(t, func(c *Config) { c.ConnsPerMinute = 2 })
	for i := range 2 {
		v := connect(t, addr, visit{user: "alice"}) // no PTY: quick
		if st := v.wait(10 * time.Second); st != 1 || !strings.Contains(v.text(), "Requires an active PTY") {
			t.Fatalf("connection %d within the rate: %d\n%s", i+1, st, v.text())
		}
	}
	v := connect(t, addr, visit{user: "alice", term: "dumb"})
	if st := v.wait(10 * time.Second); st != 1 || !strings.Contains(v.text(), "Too many new connections from 127.0.0.1") {
		t.Fatalf("over the rate: exit %d\n%s", st, v.text())
	}
}

// A session without key presses for IdleTimeout is ended with a message;
// typing keeps it alive.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	_, addr := testServer(t, func(c *Config) { c.IdleTimeout = 600 * time.Millisecond })
	v := connect(t, addr, visit{user: "alice", term: "dumb"})
	v.waitText(10*time.Second, "Waiting for your phone")
	for range 8 { // 1.2 s of typing: twice the timeout
		v.key("?")
		time.Sleep(150 * time.Millisecond)
	}
	select {
	case <-v.done:
		t.Fatalf("the session ended while the visitor typed:\n%s", v.text())
	default:
	}
	if st := v.wait(5 * time.Second); st != 0 {
		t.Errorf("exit status %d", st)
	}
	if out := v.text(); !strings.Contains(out, "No key pressed for 600ms: disconnected") {
		t.Errorf("no goodbye:\n%s", out)
	}
}

// Cancelling the server's context ends every session with a goodbye,
// returns, and accepts nothing more.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	srv, err := New(Config{Addr: "127.0.0.1:0", HostKeyPath: filepath.Join(t.TempDir(), "k"), ServerURL: env.URL, ShutdownTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe(ctx, func(a net.Addr) { ready <- a }) }()
	addr := (<-ready).String()
	v := connect(t, addr, visit{user: "x", term: "dumb"})
	v.waitText(10*time.Second, "Waiting for your phone")
	if strings.Contains(v.text(), "press d") {
		t.Error("the demo key is offered without demo users")
	}
	t0 := time.Now()
	cancel()
	v.wait(5 * time.Second)
	if out := v.text(); !strings.Contains(out, "The server is shutting down. Goodbye.") {
		t.Errorf("no goodbye:\n%s", out)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe did not return")
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("shutdown with one session took %v", d)
	}
	if _, err := dialErr(addr, visit{user: "x"}); err == nil {
		t.Error("still accepting after shutdown")
	}
}

// The host key is made once, 0600, and kept: a restart has the same one.
func TestHostKeyKept(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	path := filepath.Join(t.TempDir(), "data", "ssh_host_ed25519_key")
	hostKey := func() []byte {
		_, addr := startServer(t, Config{Addr: "127.0.0.1:0", HostKeyPath: path, ServerURL: env.URL})
		var got []byte
		conn, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "x", HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			got = k.Marshal()
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		return got
	}
	k1, k2 := hostKey(), hostKey()
	if len(k1) == 0 || !bytes.Equal(k1, k2) {
		t.Fatal("the host key changed between two servers on the same path")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v, want 0600", fi.Mode().Perm())
	}
}

// With an authorized_keys file only its keys get in; a file that does not
// parse is refused at start.
func TestAuthorizedKeys(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	dir := t.TempDir()
	signer := func() gossh.Signer {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		s, err := gossh.NewSignerFromKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	allowed, other := signer(), signer()
	file := filepath.Join(dir, "authorized_keys")
	os.WriteFile(file, append([]byte("# the team\n\n"), gossh.MarshalAuthorizedKey(allowed.PublicKey())...), 0o600)
	_, addr := startServer(t, Config{Addr: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "k"), ServerURL: env.URL, AuthorizedKeysPath: file})
	v := connect(t, addr, visit{user: "x", term: "dumb", key: allowed})
	v.waitText(10*time.Second, "Waiting for your phone")
	v.key("q")
	v.wait(10 * time.Second)
	if _, err := dialErr(addr, visit{user: "x", key: other}); err == nil {
		t.Error("a key not in authorized_keys got in")
	}
	if _, err := dialErr(addr, visit{user: "x"}); err == nil {
		t.Error("a client without a key got in")
	}

	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("ssh-ed25519 not-base64\n"), 0o600)
	if _, err := New(Config{HostKeyPath: filepath.Join(dir, "k"), ServerURL: env.URL, AuthorizedKeysPath: bad}); err == nil || !strings.Contains(err.Error(), "bad:1") {
		t.Errorf("a malformed authorized_keys: %v", err)
	}
	if _, err := New(Config{HostKeyPath: filepath.Join(dir, "k"), ServerURL: env.URL, AuthorizedKeysPath: filepath.Join(dir, "missing")}); err == nil {
		t.Error("a missing authorized_keys file was accepted")
	}
}

func TestIPLimiter(t *testing.T) {
	l := newIPLimiter(1, 2)
	now := time.Unix(1000, 0)
	for i, want := range []bool{true, true, false} {
		if got := l.allow("a", now); got != want {
			t.Fatalf("call %d at once: %v, want %v (a burst of 2)", i+1, got, want)
		}
	}
	if !l.allow("b", now) {
		t.Fatal("another IP has its own bucket")
	}
	for i, want := range []bool{true, false} {
		if got := l.allow("a", now.Add(time.Second)); got != want {
			t.Fatalf("call %d a second later: %v, want %v (one token a second)", i+1, got, want)
		}
	}
	l.prune(now.Add(time.Hour))
	if len(l.buckets) != 0 {
		t.Fatalf("%d buckets left after they all refilled", len(l.buckets))
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		15 * time.Minute: "15 minutes", time.Minute: "1 minute", 2 * time.Hour: "2 hours",
		90 * time.Second: "90 seconds", 600 * time.Millisecond: "600ms",
	} {
		if got := humanDuration(i18n.New("en", nil), d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{
		15 * time.Minute: "15 минут", time.Minute: "1 минуту", 2 * time.Hour: "2 часа",
		21 * time.Second: "21 секунду", 5 * time.Hour: "5 часов",
	} {
		if got := humanDuration(i18n.New("ru", nil), d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}
