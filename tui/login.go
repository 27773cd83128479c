package tui

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"fastcheck/api"
	"fastcheck/client"
)

type loginState int

const (
	loginIdle     loginState = iota
	loginResuming            // checking a saved session
	loginCreating            // asking for a websession
	loginWaiting             // the QR is up; long-polling for the phone
	loginApproved            // the phone approved; the wallet opens
	loginExpired             // the QR expired; waiting for user activity
	loginFailed              // no websession (server down, refused)
)

// defaultQRLifetime is assumed when the server's "expires" is not a time
// (the spec's example holds a placeholder there).
const defaultQRLifetime = 120 * time.Second

// loginPage shows the websession QR, its fingerprint and URL, counts down
// to expiry and long-polls for the phone's approval (spec README §15, §16).
type loginPage struct {
	c    *common
	w, h int

	state      loginState
	resumeTry  bool // a saved session was tried
	resumeFail bool // ... and the server could not be reached
	gen        int
	ws         api.Websession
	url        string
	expires    time.Time // local clock
	qr         qrImage
	qrOK       bool
	cancelWait context.CancelFunc
	failText   string
	demoBusy   bool
}

type (
	resumeMsg struct {
		id  string
		ws  api.Websession
		err error
	}
	wsCreatedMsg struct {
		gen int
		ws  api.Websession
		err error
	}
	loginDoneMsg struct {
		gen int
		ws  api.Websession
		err error
	}
	loginTickMsg  struct{ gen int }
	loginRetryMsg struct{ gen int }
)

func newLoginPage(c *common) *loginPage { return &loginPage{c: c} }

func (l *loginPage) title() string    { return l.c.tr.T("login.title") }
func (l *loginPage) setSize(w, h int) { l.w, l.h = w, h }
func (l *loginPage) capturing() bool  { return false }

func (l *loginPage) enter() tea.Cmd {
	if l.c.client.Session() != "" && !l.resumeTry {
		l.resumeTry = true
		return l.resume()
	}
	return l.newCode()
}

func (l *loginPage) leave() {
	l.gen++
	l.stopWait()
	l.state = loginIdle
}

// resume checks that a saved session is still approved (and learns its
// userId) before the wallet opens.
func (l *loginPage) resume() tea.Cmd {
	l.state = loginResuming
	cl, ctx := l.c.client, l.c.ctx
	id := cl.Session()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		ws, err := cl.Websession(ctx, id, 0)
		return resumeMsg{id: id, ws: ws, err: err}
	}
}

// newCode asks for a new websession; its QR replaces the old one.
func (l *loginPage) newCode() tea.Cmd {
	l.stopWait()
	l.gen++
	l.state = loginCreating
	l.failText = ""
	gen := l.gen
	cl, ctx := l.c.client, l.c.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		ws, err := cl.CreateWebsession(ctx)
		return wsCreatedMsg{gen: gen, ws: ws, err: err}
	}
}

func (l *loginPage) stopWait() {
	if l.cancelWait != nil {
		l.cancelWait()
		l.cancelWait = nil
	}
}

// wait long-polls (client.WaitForLogin: ?wait=, or polling at the
// server's pace against a server without the extension).
func (l *loginPage) wait() tea.Cmd {
	l.stopWait()
	ctx, cancel := context.WithCancel(l.c.ctx)
	l.cancelWait = cancel
	cl, id, gen := l.c.client, l.ws.SessionID, l.gen
	return func() tea.Msg {
		ws, err := cl.WaitForLogin(ctx, id)
		return loginDoneMsg{gen: gen, ws: ws, err: err}
	}
}

// tick comes just after the countdown's next change, so that it shows
// every second once, however late the previous tick was handled.
func (l *loginPage) tick() tea.Cmd {
	gen := l.gen
	return tea.Tick(untilClockChange(l.remaining()), func(time.Time) tea.Msg { return loginTickMsg{gen: gen} })
}

// untilClockChange is how long until a countdown of d, as Locale.Clock
// writes it (whole seconds rounded up), shows another text.
func untilClockChange(d time.Duration) time.Duration {
	w := d % time.Second
	if w <= 0 {
		w += time.Second
	}
	return w + time.Millisecond
}

func (l *loginPage) expire() {
	l.state = loginExpired
	l.stopWait()
}

// remaining is the time left on the QR.
func (l *loginPage) remaining() time.Duration { return l.expires.Sub(l.c.now()) }

// withdrawCmd deletes a QR nobody approved yet when the program quits; nil
// when there is none.
func (l *loginPage) withdrawCmd() func() {
	if l.state != loginWaiting || l.c.client == nil {
		return nil
	}
	cl, id := l.c.client, l.ws.SessionID
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_ = cl.DeleteWebsession(ctx, id)
	}
}

func (l *loginPage) update(msg tea.Msg) tea.Cmd {
	c := l.c
	switch msg := msg.(type) {
	case resumeMsg:
		if l.state != loginResuming {
			return nil
		}
		if msg.err == nil && (msg.ws.Status || msg.ws.State == api.StateApproved) {
			l.state = loginApproved
			return msgCmd(loggedInMsg{sessionID: msg.id, userID: msg.ws.UserID, resumed: true})
		}
		if unreachable(msg.err) {
			l.state, l.resumeFail = loginFailed, true
			l.failText = c.errText(msg.err)
			return c.fail(msg.err)
		}
		// Expired, deleted or refused: forget it and show a QR.
		c.client.SetSession("")
		return tea.Batch(c.clearSessionCmd(), l.newCode())

	case wsCreatedMsg:
		if msg.gen != l.gen || l.state != loginCreating {
			return nil
		}
		if msg.err != nil {
			l.state = loginFailed
			l.failText = c.errText(msg.err)
			if unreachable(msg.err) {
				return c.fail(msg.err)
			}
			return nil
		}
		l.ws = msg.ws
		l.url = c.client.LoginURL(msg.ws)
		l.qr, l.qrOK = qrImage{}, false
		if img, err := makeQR(c.st, l.url, false); err == nil {
			l.qr, l.qrOK = img, true
		}
		if t := parseTime(msg.ws.Expires); !t.IsZero() {
			l.expires = t.Add(-c.client.ClockOffset())
		} else {
			l.expires = c.now().Add(defaultQRLifetime)
		}
		l.state = loginWaiting
		return tea.Batch(l.wait(), l.tick())

	case loginDoneMsg:
		if msg.gen != l.gen || l.state != loginWaiting {
			return nil
		}
		switch {
		case msg.err == nil:
			l.state = loginApproved
			l.stopWait()
			id := msg.ws.SessionID
			if id == "" {
				id = l.ws.SessionID
			}
			return msgCmd(loggedInMsg{sessionID: id, userID: msg.ws.UserID})
		case errors.Is(msg.err, context.Canceled):
			return nil
		case isKind(msg.err, client.ErrGone), isKind(msg.err, client.ErrNotFound):
			l.expire()
			return nil
		}
		// The server went away or refused for a while: try again shortly
		// (the banner tells the user meanwhile).
		gen := l.gen
		return tea.Batch(c.fail(msg.err),
			tea.Tick(2*time.Second, func(time.Time) tea.Msg { return loginRetryMsg{gen: gen} }))

	case loginRetryMsg:
		if msg.gen == l.gen && l.state == loginWaiting {
			return l.wait()
		}

	case loginTickMsg:
		if msg.gen != l.gen || l.state != loginWaiting {
			return nil
		}
		if l.remaining() <= 0 {
			l.expire()
			return nil
		}
		return l.tick()

	case serverUpMsg:
		if l.state == loginFailed {
			if l.resumeFail {
				l.resumeFail = false
				return l.resume()
			}
			return l.newCode()
		}

	case demoApprovedMsg:
		l.demoBusy = false
		if msg.err != nil {
			return msgCmd(flashMsg{text: c.tr.Tf("login.demofailed", client.Sanitize(msg.err.Error())), err: true})
		}

	case tea.KeyMsg:
		switch l.state {
		case loginExpired, loginFailed:
			// Any key asks for a new code (spec: only after user activity).
			if l.resumeFail {
				l.resumeFail = false
				return l.resume()
			}
			return l.newCode()
		case loginWaiting:
			if key.Matches(msg, c.keys.Demo) && c.opts.DemoApprove != nil && !l.demoBusy {
				l.demoBusy = true
				approve, ctx := c.opts.DemoApprove, c.ctx
				id, fp := l.ws.SessionID, c.client.Fingerprint()
				return func() tea.Msg {
					ctx, cancel := context.WithTimeout(ctx, callTimeout)
					defer cancel()
					return demoApprovedMsg{err: approve(ctx, id, fp)}
				}
			}
		}

	case mouseMsg:
		if msg.Action != tea.MouseActionPress || msg.Button != tea.MouseButtonLeft {
			return nil
		}
		if l.state == loginExpired || l.state == loginFailed {
			if x, y, ok := l.qrPos(); ok && msg.X >= x && msg.X < x+l.qr.w && msg.Y >= y && msg.Y < y+l.qr.h {
				return l.newCode()
			}
			if !l.qrOK || l.state == loginFailed {
				return l.newCode() // no code on screen: any click will do
			}
		}
	}
	return nil
}

func (l *loginPage) ShortHelp() []key.Binding {
	k, tr := l.c.keys, l.c.tr
	switch l.state {
	case loginExpired, loginFailed:
		return []key.Binding{with(k.NewCode, tr.T("key.anykey"), tr.T("key.newcode"))}
	case loginWaiting:
		if l.c.opts.DemoApprove != nil {
			return []key.Binding{with(k.Demo, "d", tr.Tf("key.demoas", l.demoUser()))}
		}
	}
	return nil
}

func (l *loginPage) FullHelp() [][]key.Binding {
	if s := l.ShortHelp(); len(s) > 0 {
		return [][]key.Binding{s}
	}
	return nil
}

func (l *loginPage) demoUser() string {
	if l.c.opts.DemoUser != "" {
		return client.Sanitize(l.c.opts.DemoUser)
	}
	return "demo"
}

// Layout: the QR on the left and the text beside it when both fit, the
// text below it when only the height allows, and the text alone (with the
// size the QR needs) when the code does not fit.

const loginTextMin = 28

type loginLayout int

const (
	layoutSide loginLayout = iota
	layoutStacked
	layoutTextOnly
)

func (l *loginPage) layout() (loginLayout, int) {
	if !l.qrOK {
		return layoutTextOnly, min(l.w-4, 60)
	}
	if l.w >= l.qr.w+3+loginTextMin && l.h >= l.qr.h {
		return layoutSide, min(l.w-l.qr.w-3, 44)
	}
	if l.w >= l.qr.w && l.h >= l.qr.h+6 {
		return layoutStacked, l.w
	}
	return layoutTextOnly, min(l.w-4, 60)
}

// qrPos is where the QR is drawn in the body (for clicks).
func (l *loginPage) qrPos() (x, y int, ok bool) {
	if l.state != loginWaiting && l.state != loginExpired {
		return 0, 0, false
	}
	lay, tw := l.layout()
	switch lay {
	case layoutSide:
		text := l.textLines(tw, lay)
		bw := l.qr.w + 3 + maxWidth(text)
		bh := max(l.qr.h, len(text))
		return max((l.w-bw)/2, 0), max((l.h-bh)/2, 0), true
	case layoutStacked:
		text := l.textLines(tw, lay)
		return max((l.w-l.qr.w)/2, 0), max((l.h-l.qr.h-1-len(text))/2, 0), true
	}
	return 0, 0, false
}

func maxWidth(lines []string) int {
	w := 0
	for _, s := range lines {
		w = max(w, cellWidth(s))
	}
	return w
}

func (l *loginPage) view() string {
	if l.w <= 0 || l.h <= 0 {
		return ""
	}
	st, tr := l.c.st, l.c.tr
	switch l.state {
	case loginIdle, loginCreating:
		return l.centered([]string{st.muted.Render(tr.T("login.creating"))})
	case loginResuming:
		return l.centered([]string{st.muted.Render(tr.T("login.resuming"))})
	case loginApproved:
		return l.centered([]string{st.ok.Render("✓ " + tr.T("login.approved"))})
	case loginFailed:
		lines := []string{st.err.Render(tr.T("login.failed"))}
		for _, s := range wrap(l.failText, min(l.w-4, 60)) {
			lines = append(lines, st.muted.Render(s))
		}
		lines = append(lines, "", st.muted.Render(tr.T("login.failedhint")))
		return l.centered(lines)
	}
	lay, tw := l.layout()
	text := l.textLines(tw, lay)
	qrLines := l.qr.lines
	if l.state == loginExpired {
		qrLines = l.qr.dim
	}
	x, y, _ := l.qrPos()
	var out []string
	for i := 0; i < y; i++ {
		out = append(out, "")
	}
	pad := strings.Repeat(" ", x)
	switch lay {
	case layoutSide:
		ty := max((l.qr.h-len(text))/2, 0)
		for i := 0; i < max(l.qr.h, ty+len(text)); i++ {
			row := pad
			if i < len(qrLines) {
				row += qrLines[i]
			} else {
				row += strings.Repeat(" ", l.qr.w)
			}
			if j := i - ty; j >= 0 && j < len(text) {
				row += "   " + text[j]
			}
			out = append(out, row)
		}
	case layoutStacked:
		for _, q := range qrLines {
			out = append(out, pad+q)
		}
		out = append(out, "")
		for _, t := range text {
			out = append(out, center(t, l.w))
		}
	default:
		return l.centered(text)
	}
	return strings.Join(out, "\n")
}

// textLines is the text beside (or instead of) the QR, tw cells wide.
func (l *loginPage) textLines(tw int, lay loginLayout) []string {
	st, tr := l.c.st, l.c.tr
	var out []string
	add := func(s lineStyle, text string) {
		for _, line := range wrap(text, tw) {
			out = append(out, s(line))
		}
	}
	if l.state == loginExpired {
		add(st.warn.Render, tr.T("login.expired"))
		out = append(out, "")
		add(st.base.Render, tr.T("login.expiredhint"))
		return out
	}
	add(st.bold.Render, tr.T("login.heading"))
	out = append(out, "")
	if lay == layoutTextOnly && l.qrOK {
		add(st.warn.Render, tr.Tf("login.qrtoosmall", l.qr.w+3+loginTextMin, l.qr.h+2))
		out = append(out, "")
		add(st.muted.Render, tr.T("login.openlink"))
	} else {
		add(st.muted.Render, tr.T("login.scan"))
	}
	for _, part := range splitURL(client.Sanitize(l.url), tw) {
		out = append(out, st.accent.Render(part))
	}
	out = append(out, "")
	add(st.muted.Render, tr.T("login.fingerprint"))
	out = append(out, st.big.Render(l.c.client.Fingerprint()))
	out = append(out, "")
	out = append(out, st.base.Render(tr.Tf("login.expiresin", tr.Clock(l.remaining()))))
	if l.demoBusy {
		out = append(out, st.muted.Render("… "+tr.T("login.demobusy")))
	} else {
		out = append(out, st.ok.Render("● ")+st.base.Render(tr.T("login.waiting")))
	}
	if l.c.opts.DemoApprove != nil {
		// The demo stands in for the phone: a key here, or the phone CLI
		// in a second terminal.
		out = append(out, "")
		add(st.muted.Render, tr.Tf("login.demohint", l.demoUser()))
		add(st.accent.Render, "fastcheck phone approve --demo "+l.demoUser())
		if base := l.c.client.BaseURL(); base != defaultServer {
			add(st.accent.Render, "  --server "+base) // the phone CLI's default is defaultServer
		}
		add(st.accent.Render, "  "+l.ws.SessionID)
	}
	return out
}

type lineStyle func(...string) string

// defaultServer is where `fastcheck phone approve` sends a bare session id
// (store.DefaultServer).
const defaultServer = "http://127.0.0.1:8080/api"

// splitURL breaks the approve URL after "/approve/" and then hard, so the
// id stays whole on its own line when it can.
func splitURL(u string, w int) []string {
	if cellWidth(u) <= w {
		return []string{u}
	}
	var parts []string
	if i := strings.Index(u, "/approve/"); i >= 0 {
		parts = []string{u[:i+len("/approve/")], u[i+len("/approve/"):]}
	} else {
		parts = []string{u}
	}
	var out []string
	for _, p := range parts {
		out = append(out, strings.Split(ansi.Hardwrap(p, w, false), "\n")...)
	}
	return out
}

// centered centres lines in the body.
func (l *loginPage) centered(lines []string) string {
	return centerBlock(lines, l.w, l.h)
}

// centerBlock centres a block of lines (left-aligned among themselves).
func centerBlock(lines []string, w, h int) string {
	bw := maxWidth(lines)
	x := max((w-bw)/2, 0)
	y := max((h-len(lines))/2, 0)
	var out []string
	for i := 0; i < y; i++ {
		out = append(out, "")
	}
	pad := strings.Repeat(" ", x)
	for _, s := range lines {
		out = append(out, pad+s)
	}
	return strings.Join(out, "\n")
}
