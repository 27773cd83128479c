package sshwallet

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	bm "github.com/charmbracelet/wish/bubbletea"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/i18n"
	"fastcheck/tui"
)

// Why a session was ended by the server rather than by its visitor.
const (
	endNone int32 = iota
	endIdle
	endShutdown
)

// session is the state of one SSH session: it lives from scope's start to
// its end and is reachable only through the Server's live map.
type session struct {
	ctx    context.Context // ends with the session: the wallet's calls stop
	cancel context.CancelFunc
	idle   time.Duration

	lastInput atomic.Int64 // unix nanoseconds of the last byte from the visitor
	reason    atomic.Int32 // endIdle or endShutdown, once the server ends it

	mu        sync.Mutex // guards timer, prog and quitAsked
	prog      *tea.Program
	quitAsked bool
	timer     *time.Timer
}

// scope makes the session's state around its program: the idle watchdog,
// the graceful end on shutdown, and the goodbye once the program is gone.
func (s *Server) scope(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		ctx, cancel := context.WithCancel(sess.Context())
		st := &session{ctx: ctx, cancel: cancel, idle: s.cfg.IdleTimeout}
		st.lastInput.Store(time.Now().UnixNano())
		s.mu.Lock()
		closing := s.closing.Load()
		if !closing {
			s.live[sess] = st
		}
		s.mu.Unlock()
		if closing {
			cancel()
			refuse(sess, trOf(sess).T("ssh.shuttingdown"))
			return
		}
		st.mu.Lock()
		st.timer = time.AfterFunc(st.idle, st.checkIdle)
		st.mu.Unlock()
		defer func() {
			st.mu.Lock()
			st.timer.Stop()
			st.mu.Unlock()
			cancel()
			s.mu.Lock()
			delete(s.live, sess)
			s.mu.Unlock()
		}()
		next(sess)
		switch st.reason.Load() {
		case endIdle:
			s.log.Info("session ended: idle", "remote", sess.RemoteAddr().String(), "idle", st.idle)
			tr := trOf(sess)
			fmt.Fprintln(sess, tr.Tf("ssh.idle", humanDuration(tr, st.idle)))
		case endShutdown:
			fmt.Fprintln(sess, trOf(sess).T("ssh.goodbye"))
		}
	}
}

func (s *Server) sessionOf(sess ssh.Session) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live[sess]
}

// end asks the program to quit, once, for the given reason.
func (st *session) end(reason int32) {
	if !st.reason.CompareAndSwap(endNone, reason) {
		return
	}
	st.mu.Lock()
	p := st.prog
	st.quitAsked = true
	st.mu.Unlock()
	if p != nil {
		go p.Quit() // Quit waits for the program's loop; never block the caller
	}
}

func (st *session) setProgram(p *tea.Program) {
	st.mu.Lock()
	st.prog = p
	quit := st.quitAsked
	st.mu.Unlock()
	if quit {
		go p.Quit()
	}
}

func (st *session) checkIdle() {
	since := time.Since(time.Unix(0, st.lastInput.Load()))
	if since >= st.idle {
		st.end(endIdle)
		return
	}
	st.mu.Lock()
	st.timer.Reset(st.idle - since)
	st.mu.Unlock()
}

// inputReader is the program's input: the session, noting when the
// visitor last typed.
type inputReader struct {
	r  io.Reader
	st *session
}

func (in *inputReader) Read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	if n > 0 {
		in.st.lastInput.Store(time.Now().UnixNano())
	}
	return n, err
}

// newProgram builds the session's wallet: its renderer and colour profile
// from the client's terminal, a fresh signing key, a client whose requests
// carry the visitor's address, and the program on the session's streams.
func (s *Server) newProgram(sess ssh.Session) *tea.Program {
	st := s.sessionOf(sess)
	if st == nil {
		return nil
	}
	// The renderer asks the client's terminal for its background colour
	// (unless TERM is dumb) and takes the colour profile from the client's
	// TERM and NO_COLOR. It is also where OSC 52 copies go: to this client.
	r := bm.MakeRenderer(sess)
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		s.log.Error("cannot make a session key", "err", err)
		fmt.Fprintln(sess.Stderr(), trOf(sess).T("ssh.nokey"))
		return nil
	}
	hc := &http.Client{Transport: forwardedFor{base: s.transport, ip: hostOf(sess.RemoteAddr())}}
	c, err := client.New(client.Options{BaseURL: s.cfg.ServerURL, Key: key, HTTPClient: hc,
		AllowInsecureHTTP: s.cfg.AllowInsecureHTTP, MaxResponseBytes: s.cfg.MaxResponseBytes})
	if err != nil {
		s.log.Error("cannot make the session's client", "err", err)
		fmt.Fprintln(sess.Stderr(), trOf(sess).Tf("ssh.cannotstart", err))
		return nil
	}
	env := sess.Environ()
	getenv := envLookup(env)
	opts := tui.Options{Client: c, Renderer: r, Lang: i18n.FromEnv(getenv)}
	if tz := getenv("TZ"); tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			opts.Location = loc
		}
	}
	demo := ""
	if len(s.cfg.DemoUsers) > 0 {
		demo = s.demoUser(sess.User())
		approve := s.cfg.DemoApprove
		opts.DemoUser = demo
		opts.DemoApprove = func(ctx context.Context, id, fingerprint string) error {
			return approve(ctx, hc, demo, id, fingerprint)
		}
	}
	pty, _, _ := sess.Pty()
	s.log.Info("wallet session", "remote", sess.RemoteAddr().String(), "user", sess.User(), "term", pty.Term,
		"profile", r.ColorProfile().Name(), "lang", opts.Lang, "demo", demo, "key", api.Fingerprint(pub))
	m := sizeGuard{tui.NewContext(st.ctx, opts)}
	p := tea.NewProgram(m,
		tea.WithInput(&inputReader{r: sess, st: st}),
		tea.WithOutput(sess),
		tea.WithAltScreen(),
		tea.WithMouseCellMotion(),
		tea.WithFPS(120),
		// SIGINT and SIGTERM are the server's, not this visitor's: ctrl+c
		// arrives as a key, and shutdown ends every session with a goodbye.
		tea.WithoutSignalHandler(),
		tea.WithEnvironment(env),
	)
	st.setProgram(p)
	return p
}

// sizeGuard gives the wallet 80×24 when the client reports a window of
// 0×0, as ssh -tt does without a local terminal: better a screen that may
// be cropped than none.
type sizeGuard struct{ tea.Model }

func (g sizeGuard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok && ws.Width == 0 && ws.Height == 0 {
		msg = tea.WindowSizeMsg{Width: 80, Height: 24}
	}
	m, cmd := g.Model.Update(msg)
	return sizeGuard{m}, cmd
}

// demoUser is the demo account for an SSH user name: the one of that name,
// else the first.
func (s *Server) demoUser(name string) string {
	for _, u := range s.cfg.DemoUsers {
		if strings.EqualFold(u, name) {
			return u
		}
	}
	return s.cfg.DemoUsers[0]
}

// forwardedFor adds the visitor's address to every API request, so that
// the API's per-IP limits (and the approve page) see the visitor rather
// than this server. A server trusts it only with --trust-proxy.
type forwardedFor struct {
	base http.RoundTripper
	ip   string
}

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.ip)
	return f.base.RoundTrip(r)
}

func envLookup(env []string) func(string) string {
	return func(k string) string {
		v := ""
		for _, e := range env { // the last one wins, as in a shell
			if rest, ok := strings.CutPrefix(e, k+"="); ok {
				v = rest
			}
		}
		return v
	}
}

// trOf is the language of the visitor's session, from the LANG and LC_*
// its client sent.
func trOf(sess ssh.Session) *i18n.Locale {
	return i18n.New(i18n.FromEnv(envLookup(sess.Environ())), nil)
}

// humanDuration: "15 minutes", "90 seconds", "1 hour" ("15 минут").
func humanDuration(tr *i18n.Locale, d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		n := int64(d / time.Hour)
		return tr.N("ssh.hours", n, n)
	case d >= time.Minute && d%time.Minute == 0:
		n := int64(d / time.Minute)
		return tr.N("ssh.minutes", n, n)
	case d >= time.Second:
		n := int64(d.Round(time.Second) / time.Second)
		return tr.N("ssh.seconds", n, n)
	}
	return d.String()
}
