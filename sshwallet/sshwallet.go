// Package sshwallet serves the wallet over SSH (on wish): `ssh -p 23234
// host` opens a live wallet for each visitor.
//
// Every SSH session is isolated: its own Bubble Tea program and model
// (tui.NewContext with the session's context), its own lipgloss renderer
// and colour profile (bubbletea.MakeRenderer: the client's TERM and
// NO_COLOR), and its own Ed25519 signing key, made when the session starts
// and held in memory for that session only. The package keeps nothing
// user-specific at package level; the Server holds only what all sessions
// share: the API's address, the HTTP connection pool and the limits.
package sshwallet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/charmbracelet/wish/activeterm"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/charmbracelet/wish/logging"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"
)

// Config configures the SSH server.
type Config struct {
	// Addr is where it listens (default 127.0.0.1:23234).
	Addr string
	// HostKeyPath is the server's Ed25519 host key (OpenSSH PEM). It is
	// made, mode 0600, if missing. Required: keep it in the data dir, so
	// the host's fingerprint stays the same across restarts.
	HostKeyPath string
	// AuthorizedKeysPath, if set, is an authorized_keys file: only those
	// keys may connect. Empty: anyone may connect (a warning is logged).
	AuthorizedKeysPath string

	// ServerURL is the Fastcheck API every session's wallet talks to.
	ServerURL string
	// AllowInsecureHTTP allows http:// to a host that is not loopback.
	AllowInsecureHTTP bool

	// DemoUsers, if set, turns on the demo key on the login screen: it
	// approves the shown login as a demo user, standing in for the phone.
	// The visitor's SSH user name picks the account (ssh bob@host); any
	// other name gets the first. DemoApprove does the approving; hc sends
	// its request with the visitor's address in X-Forwarded-For. Only for
	// a demo server: anyone connecting can spend the demo accounts.
	DemoUsers   []string
	DemoApprove func(ctx context.Context, hc *http.Client, user, sessionID, fingerprint string) error

	// MaxSessions is how many sessions may run at once (default 100); one
	// more is refused with a message.
	MaxSessions int
	// ConnsPerMinute is how many new connections one IP address may open
	// a minute, with bursts of as many (default 20; negative: no limit).
	ConnsPerMinute float64
	// IdleTimeout ends a session after this long without a key press
	// (default 15 minutes), with a message.
	IdleTimeout time.Duration
	// ShutdownTimeout is how long a graceful shutdown waits for the
	// sessions to end before it closes their connections (default 10 s).
	ShutdownTimeout time.Duration

	// Logger receives connects, disconnects, refusals and warnings
	// (default: discarded).
	Logger *slog.Logger
	// MaxResponseBytes caps one API answer read by a wallet (default
	// 64 MiB: long histories).
	MaxResponseBytes int64
}

// Defaults of Config.
const (
	DefaultAddr           = "127.0.0.1:23234"
	DefaultMaxSessions    = 100
	DefaultConnsPerMinute = 20
	DefaultIdleTimeout    = 15 * time.Minute
	defaultShutdown       = 10 * time.Second
	defaultResponseCap    = 64 << 20
)

// Server serves the wallet over SSH.
type Server struct {
	cfg       Config
	log       *slog.Logger
	ssh       *ssh.Server
	transport *http.Transport // one connection pool to the API for every session
	limiter   *ipLimiter      // nil: no rate limit
	maxConns  int64           // TCP connections, authenticated or not

	conns    atomic.Int64 // open TCP connections
	sessions atomic.Int64 // running sessions (after the rate limit)
	closing  atomic.Bool  // a graceful shutdown has begun

	mu   sync.Mutex
	live map[ssh.Session]*session
}

// New checks the config and builds the server; it does not listen yet.
func New(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.HostKeyPath == "" {
		return nil, errors.New("sshwallet: HostKeyPath is required")
	}
	if cfg.ServerURL == "" {
		return nil, errors.New("sshwallet: ServerURL is required")
	}
	if len(cfg.DemoUsers) > 0 && cfg.DemoApprove == nil {
		return nil, errors.New("sshwallet: DemoUsers needs DemoApprove")
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.ConnsPerMinute == 0 {
		cfg.ConnsPerMinute = DefaultConnsPerMinute
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = defaultShutdown
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = defaultResponseCap
	}
	s := &Server{cfg: cfg, log: cfg.Logger, live: map[ssh.Session]*session{}}
	s.maxConns = int64(cfg.MaxSessions + cfg.MaxSessions/2 + 16)
	if cfg.ConnsPerMinute > 0 {
		s.limiter = newIPLimiter(cfg.ConnsPerMinute/60, cfg.ConnsPerMinute)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxResponseHeaderBytes = 64 << 10
	// Every session talks to the same API: keep enough idle connections
	// for all of them, or each call would open a new one.
	t.MaxIdleConns = cfg.MaxSessions + 16
	t.MaxIdleConnsPerHost = cfg.MaxSessions + 16
	s.transport = t

	if err := os.MkdirAll(filepath.Dir(cfg.HostKeyPath), 0o700); err != nil {
		return nil, fmt.Errorf("sshwallet: host key directory: %w", err)
	}
	opts := []ssh.Option{
		wish.WithAddress(cfg.Addr),
		wish.WithVersion("fastcheck"),
		wish.WithHostKeyPath(cfg.HostKeyPath),
		// The transport's own idle timeout is a backstop behind the
		// session's (which says goodbye first); it also ends connections
		// that never open a session.
		wish.WithIdleTimeout(cfg.IdleTimeout + 30*time.Second),
		func(srv *ssh.Server) error { srv.ConnCallback = s.onConnect; return nil },
		wish.WithMiddleware(
			bm.MiddlewareWithProgramHandler(s.newProgram, termenv.Ascii), // innermost: one program per session; Ascii forces nothing
			s.scope,                 // the session's state: idle watchdog, shutdown, goodbye
			activeterm.Middleware(), // no PTY: "Requires an active PTY"
			s.explainNoPTY,          // ... with what to do about it
			s.sessionLimit,          // --max-sessions
			s.rateLimit,             // per-IP new connections
			logging.MiddlewareWithLogger(printfLogger{s.log}), // outermost: connect and disconnect
		),
	}
	if cfg.AuthorizedKeysPath != "" {
		n, err := countAuthorizedKeys(cfg.AuthorizedKeysPath)
		if err != nil {
			return nil, fmt.Errorf("sshwallet: authorized keys: %w", err)
		}
		if n == 0 {
			s.log.Warn("the authorized keys file lists no keys: nobody can connect", "file", cfg.AuthorizedKeysPath)
		}
		opts = append(opts, wish.WithAuthorizedKeys(cfg.AuthorizedKeysPath))
	}
	srv, err := wish.NewServer(opts...)
	if err != nil {
		return nil, fmt.Errorf("sshwallet: %w", err)
	}
	s.ssh = srv
	return s, nil
}

// ListenAndServe serves until ctx ends, then shuts down gracefully: it stops
// accepting, tells every session the server is going away, waits up to
// ShutdownTimeout for them to end, then closes what is left. ready, if
// set, receives the bound address once listening.
func (s *Server) ListenAndServe(ctx context.Context, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	if s.cfg.AuthorizedKeysPath == "" {
		s.log.Warn("no --authorized-keys: anyone who can reach this address may connect", "addr", ln.Addr().String())
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- s.ssh.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return s.shutdown()
}

func (s *Server) shutdown() error {
	s.closing.Store(true)
	s.mu.Lock()
	n := len(s.live)
	for _, st := range s.live {
		st.end(endShutdown)
	}
	s.mu.Unlock()
	s.log.Info("shutting down", "sessions", n)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	// Shutdown closes the listener, then waits for every connection to
	// close. Clients close theirs when their session ends; one that stays
	// open with no session left is idle, and is closed shortly after.
	done := make(chan error, 1)
	go func() { done <- s.ssh.Shutdown(ctx) }()
	for s.sessions.Load() > 0 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	var err error
	waited := false
	select {
	case err = <-done: // every connection closed, or the timeout
		waited = true
	case <-time.After(250 * time.Millisecond): // time for the exit statuses to go out
	}
	if !waited || err != nil {
		if ctx.Err() != nil {
			s.log.Warn("sessions still open after the shutdown timeout; closing them", "timeout", s.cfg.ShutdownTimeout)
		}
		err = s.ssh.Close()
		if !waited {
			<-done
		}
	}
	s.transport.CloseIdleConnections()
	if errors.Is(err, ssh.ErrServerClosed) || errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	return err
}

// Sessions is how many sessions are running now.
func (s *Server) Sessions() int { return int(s.sessions.Load()) }

// Connection-level checks.

type ctxKey struct{ name string }

var rateLimitedKey = &ctxKey{"rate-limited"}

// onConnect runs for every TCP connection before the SSH handshake. It
// caps open connections (above the cap they are dropped at once: an SSH
// handshake costs CPU) and applies the per-IP rate limit, whose refusal
// waits for the session so it can be said politely.
func (s *Server) onConnect(ctx ssh.Context, conn net.Conn) net.Conn {
	if s.closing.Load() {
		return nil
	}
	if n := s.conns.Add(1); n > s.maxConns {
		s.conns.Add(-1)
		s.log.Warn("too many open connections; dropped one", "remote", conn.RemoteAddr().String(), "open", n-1)
		return nil
	}
	if s.limiter != nil && !s.limiter.allow(hostOf(conn.RemoteAddr()), time.Now()) {
		ctx.SetValue(rateLimitedKey, true)
	}
	return &countedConn{Conn: conn, n: &s.conns}
}

// countedConn gives its place back once closed.
type countedConn struct {
	net.Conn
	n    *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.n.Add(-1) })
	return c.Conn.Close()
}

func hostOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// refuse tells the visitor why and ends the session with exit status 1.
func refuse(sess ssh.Session, msg string) {
	fmt.Fprintln(sess.Stderr(), msg)
	_ = sess.Exit(1)
}

// Middleware, outermost first after logging.

func (s *Server) rateLimit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if limited, _ := sess.Context().Value(rateLimitedKey).(bool); limited {
			s.log.Warn("refused: rate limit", "remote", sess.RemoteAddr().String())
			refuse(sess, trOf(sess).Tf("ssh.ratelimited", hostOf(sess.RemoteAddr())))
			return
		}
		next(sess)
	}
}

func (s *Server) sessionLimit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		max := int64(s.cfg.MaxSessions)
		if n := s.sessions.Add(1); n > max {
			s.sessions.Add(-1)
			s.log.Warn("refused: session limit", "remote", sess.RemoteAddr().String(), "max", max)
			refuse(sess, trOf(sess).Tf("ssh.full", max, max))
			return
		}
		defer s.sessions.Add(-1)
		next(sess)
	}
}

// explainNoPTY says what a session without a terminal should do instead;
// activeterm, next, then refuses it.
func (s *Server) explainNoPTY(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if _, _, ok := sess.Pty(); !ok {
			host, port, _ := net.SplitHostPort(sess.LocalAddr().String())
			// On stdout, like activeterm's line after it.
			fmt.Fprintln(sess, trOf(sess).Tf("ssh.nopty", port, host))
		}
		next(sess)
	}
}

// printfLogger feeds wish's logging middleware into slog.
type printfLogger struct{ log *slog.Logger }

func (l printfLogger) Printf(format string, v ...any) {
	l.log.Info("ssh " + strings.TrimSpace(fmt.Sprintf(format, v...)))
}

// countAuthorizedKeys parses an authorized_keys file line by line, as
// wish reads it on every login, and counts its keys. A line that does not
// parse is an error here: wish would stop reading the file at it.
func countAuthorizedKeys(path string) (int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n := 0
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, _, _, _, err := gossh.ParseAuthorizedKey([]byte(line)); err != nil {
			return n, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		n++
	}
	return n, nil
}
