package tui

import (
	"context"
	"errors"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"fastcheck/api"
	"fastcheck/client"
)

// common is the one struct every view shares: the session's client,
// styles, language, keys and the data that outlives a view. It is only
// touched from Update and View (the program's goroutine); commands get
// copies of what they need.
type common struct {
	ctx    context.Context // ends when the program quits
	client *client.Client
	opts   Options
	st     *styles
	tr     *locale
	keys   *keyMap
	now    func() time.Time

	width, height int

	// send hands a message to the root at once, inside the current
	// Update: navigation and dialogs take effect before the next key, so
	// keys typed right after "a" land on the accept form, not the wallet.
	send func(tea.Msg) tea.Cmd

	// Session data shown by several views.
	userID string
	bal    *api.Balance // nil until loaded
	down   bool         // the server does not answer
}

// Timeouts of one call (the client retries inside them).
const (
	callTimeout = 15 * time.Second
	pingTimeout = 4 * time.Second
)

// Messages shared by the views.
type (
	// flashMsg shows a message in place of the footer for a while.
	flashMsg struct {
		text string
		err  bool
	}
	flashClearMsg struct{ seq int }
	// navMsg switches to another view.
	navMsg struct {
		to   pageID
		back bool // returning to a page, which keeps its state
	}
	// showCheckMsg opens the handover view of a check.
	showCheckMsg struct {
		check handoverCheck
		back  pageID
	}
	// confirmMsg asks a yes/no question; yes runs on confirmation.
	confirmMsg struct {
		title, body string
		yes         tea.Cmd
	}
	// loggedInMsg: the phone approved a login (or a saved session resumed).
	loggedInMsg struct {
		sessionID, userID string
		resumed           bool // a saved session: nothing to save
	}
	// sessionEndedMsg: the server no longer accepts the session (401).
	sessionEndedMsg struct{}
	// loggedOutMsg: the user logged out; err says whether the server heard.
	loggedOutMsg struct{ err error }
	// serverSuspectMsg: a call found the server unreachable; ping now.
	serverSuspectMsg struct{}
	// serverUpMsg: the server answers again after an outage.
	serverUpMsg struct{}
	// balanceMsg is a fresh balance for every view.
	balanceMsg struct {
		bal api.Balance
		err error
	}
	// copiedMsg reports an OSC 52 copy.
	copiedMsg struct{}
	// demoApprovedMsg is the answer of Options.DemoApprove.
	demoApprovedMsg struct{ err error }
)

func msgCmd(m tea.Msg) tea.Cmd { return func() tea.Msg { return m } }

// fetchBalance loads the balance (GET /balance).
func (c *common) fetchBalance() tea.Cmd {
	cl := c.client
	ctx := c.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		b, err := cl.Balance(ctx)
		return balanceMsg{bal: b, err: err}
	}
}

// copyCmd copies text to the clipboard with OSC 52 through the session's
// output (so it works over SSH too).
func (c *common) copyCmd(text string) tea.Cmd {
	out := c.opts.Renderer.Output()
	return func() tea.Msg {
		out.Copy(text)
		return copiedMsg{}
	}
}

// sessionSavedMsg reports SaveSession or ClearSession.
type sessionSavedMsg struct{ err error }

func (c *common) saveSessionCmd(id string) tea.Cmd {
	save := c.opts.SaveSession
	if save == nil {
		return nil
	}
	return func() tea.Msg { return sessionSavedMsg{err: save(id)} }
}

func (c *common) clearSessionCmd() tea.Cmd {
	clear := c.opts.ClearSession
	if clear == nil {
		return nil
	}
	return func() tea.Msg { return sessionSavedMsg{err: clear()} }
}

// kindOf is the client.Kind of err, and whether it has one.
func kindOf(err error) (client.Kind, bool) {
	var e *client.Error
	if errors.As(err, &e) {
		return e.Kind, true
	}
	return 0, false
}

// unreachable: the call failed because the server (or the network) did not
// answer, as opposed to the server refusing it.
func unreachable(err error) bool {
	if k, ok := kindOf(err); ok {
		return k == client.ErrUnavailable
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// errText is a failure in words, in the session's language. Server text is
// sanitized before it is shown.
func (c *common) errText(err error) string {
	tr := c.tr
	var e *client.Error
	if errors.As(err, &e) {
		detail := client.Sanitize(e.Message)
		switch e.Kind {
		case client.ErrUnavailable:
			return tr.T("err.unavailable")
		case client.ErrNotLoggedIn:
			return tr.T("err.notloggedin")
		case client.ErrInsufficientFunds:
			return tr.T("err.funds")
		case client.ErrForbidden:
			return tr.T("err.forbidden")
		case client.ErrNotFound:
			return tr.T("err.notfound")
		case client.ErrNotFoundOrWrongCode:
			return tr.T("err.wrongcode")
		case client.ErrGone:
			return tr.T("err.gone")
		case client.ErrLocked:
			return tr.T("err.locked")
		case client.ErrRateLimited:
			return tr.Tf("err.ratelimited", retrySeconds(e.RetryAfter))
		case client.ErrConflict:
			return tr.Tf("err.conflict", detail)
		case client.ErrBadRequest:
			return tr.Tf("err.badrequest", detail)
		case client.ErrBadResponse:
			return tr.T("err.badresponse")
		case client.ErrUnexpected:
			return tr.T("err.unexpected")
		}
		if detail == "" {
			detail = e.Kind.String()
		}
		return tr.Tf("err.other", detail)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return tr.T("err.timeout")
	}
	return tr.Tf("err.other", client.Sanitize(err.Error()))
}

func retrySeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// fail is what every view does with an error it does not show itself:
// a 401 ends the session, an unreachable server raises the banner (the
// ping takes over), anything else flashes in place of the footer.
func (c *common) fail(err error) tea.Cmd {
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return nil
	case isKind(err, client.ErrNotLoggedIn):
		return msgCmd(sessionEndedMsg{})
	case unreachable(err):
		return msgCmd(serverSuspectMsg{})
	}
	return msgCmd(flashMsg{text: c.errText(err), err: true})
}

func isKind(err error, k client.Kind) bool { return errors.Is(err, k) }

// Text helpers. Widths are terminal cells.

// truncate cuts s (which may hold ANSI styles) to w cells.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if cellWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// padRight pads plain or styled s with spaces to w cells (cutting if longer).
func padRight(s string, w int) string {
	sw := cellWidth(s)
	if sw > w {
		return truncate(s, w)
	}
	return s + strings.Repeat(" ", w-sw)
}

// padLeft right-aligns s in w cells.
func padLeft(s string, w int) string {
	sw := cellWidth(s)
	if sw > w {
		return truncate(s, w)
	}
	return strings.Repeat(" ", w-sw) + s
}

// center centres s in w cells.
func center(s string, w int) string {
	sw := cellWidth(s)
	if sw >= w {
		return truncate(s, w)
	}
	return strings.Repeat(" ", (w-sw)/2) + s
}

// fit makes a block exactly h lines of at most w cells.
func fit(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// wrap word-wraps plain text to w cells.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(s, w, ""), "\n")
}

// parseTime reads an RFC 3339 time from the server; zero if it is not one.
func parseTime(s string) time.Time {
	t, err := api.ParseTime(s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// placeBlock draws lines as a block bw cells wide, centred in w×h; lines
// keep their left edge, so the block does not move as its text changes.
func placeBlock(lines []string, w, h, bw int) string {
	bw = min(bw, w)
	x := max((w-bw)/2, 0)
	y := max((h-len(lines))/2, 0)
	var b strings.Builder
	for i := 0; i < y; i++ {
		b.WriteByte('\n')
	}
	pad := strings.Repeat(" ", x)
	for i, s := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(pad)
		b.WriteString(truncate(s, w-x))
	}
	return b.String()
}
