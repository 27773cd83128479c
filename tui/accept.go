package tui

import (
	"context"
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"fastcheck/api"
	"fastcheck/client"
)

type acceptStep int

const (
	acceptForm acceptStep = iota
	acceptSending
	acceptDone
)

type (
	previewMsg struct {
		number string
		st     api.CheckStatus
		err    error
	}
	acceptedMsg struct {
		number string
		res    api.AcceptCheckResponse
		err    error
	}
)

// acceptPage: the number formats itself as it is typed, the code takes 4
// digits; the public status look-up previews the check (amount and expiry,
// or why it cannot be accepted) before anything moves.
type acceptPage struct {
	c    *common
	w, h int
	on   bool

	step   acceptStep
	number textinput.Model
	code   textinput.Model
	field  int // 0 number, 1 code

	pvNumber  string // the number previewed (or being looked up)
	pvLoading bool
	pv        *api.CheckStatus
	pvErr     error

	errText   string
	res       api.AcceptCheckResponse
	resNumber string
}

func newAcceptPage(c *common) *acceptPage {
	p := &acceptPage{c: c}
	p.number = newTextInput(c.st, "", "____-____-____", 0)
	p.code = newTextInput(c.st, "", "____", 0)
	return p
}

func (p *acceptPage) title() string    { return p.c.tr.T("accept.title") }
func (p *acceptPage) setSize(w, h int) { p.w, p.h = w, h; p.number.Width = 16; p.code.Width = 6 }
func (p *acceptPage) capturing() bool  { return p.step == acceptForm }
func (p *acceptPage) leave()           { p.on = false; p.number.Blur(); p.code.Blur() }

func (p *acceptPage) enter() tea.Cmd {
	p.on = true
	p.reset()
	return tea.Batch(p.number.Focus(), p.c.fetchBalance())
}

func (p *acceptPage) reset() {
	p.step, p.field = acceptForm, 0
	p.number.SetValue("")
	p.code.SetValue("")
	p.code.Blur()
	p.pvNumber, p.pvLoading, p.pv, p.pvErr = "", false, nil, nil
	p.errText = ""
}

// formatNumber keeps up to 12 digits of s and groups them 4-4-4 as they
// come: "12345" is "1234-5".
func formatNumber(s string) string {
	var d []byte
	for i := 0; i < len(s) && len(d) < 12; i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d = append(d, s[i])
		}
	}
	var b strings.Builder
	for i, c := range d {
		if i == 4 || i == 8 {
			b.WriteByte('-')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func digitsOnly(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < n; i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func (p *acceptPage) numberDone() bool { return api.ValidCheckNumber(p.number.Value()) }

// blocked says why the preview forbids accepting ("" if it does not).
func (p *acceptPage) blocked() string {
	tr := p.c.tr
	switch {
	case p.pvErr != nil && isKind(p.pvErr, client.ErrNotFound):
		return tr.T("accept.nosuch")
	case p.pv != nil && !p.pv.Status:
		return p.stateText(p.pv.State)
	}
	return ""
}

func (p *acceptPage) stateText(state string) string {
	tr := p.c.tr
	switch state {
	case api.CheckUsed:
		return tr.T("accept.used")
	case api.CheckExpired:
		return tr.T("accept.expired")
	case api.CheckCancelled:
		return tr.T("accept.cancelled")
	case api.CheckLocked:
		return tr.T("accept.locked")
	}
	return tr.T("accept.unavailable")
}

func (p *acceptPage) preview(number string) tea.Cmd {
	p.pvNumber, p.pvLoading, p.pv, p.pvErr = number, true, nil, nil
	cl, ctx := p.c.client, p.c.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		st, err := cl.CheckStatus(ctx, number)
		return previewMsg{number: number, st: st, err: err}
	}
}

func (p *acceptPage) update(msg tea.Msg) tea.Cmd {
	c := p.c
	switch msg := msg.(type) {
	case previewMsg:
		if msg.number != p.pvNumber {
			return nil
		}
		p.pvLoading = false
		if msg.err != nil {
			p.pvErr = msg.err
			if unreachable(msg.err) {
				return c.fail(msg.err)
			}
			return nil
		}
		st := msg.st
		st.Currency = client.Sanitize(st.Currency)
		p.pv = &st
	case acceptedMsg:
		if p.step != acceptSending {
			return nil
		}
		if msg.err != nil {
			p.step = acceptForm
			p.errText = p.acceptErr(msg.err)
			var cmd tea.Cmd
			if unreachable(msg.err) || isKind(msg.err, client.ErrNotLoggedIn) {
				cmd = c.fail(msg.err)
			}
			if isKind(msg.err, client.ErrNotFoundOrWrongCode) {
				p.code.SetValue("")
			}
			// Look again: the check may have locked or expired meanwhile.
			return tea.Batch(cmd, p.focus(1), p.preview(p.number.Value()))
		}
		p.step = acceptDone
		p.res, p.resNumber = msg.res, msg.number
		p.res.Currency = client.Sanitize(p.res.Currency)
		if msg.res.Balance != nil && msg.res.Currency != "" {
			c.bal = &api.Balance{Balance: *msg.res.Balance, Currency: p.res.Currency}
			return nil
		}
		return c.fetchBalance()
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

func (p *acceptPage) acceptErr(err error) string {
	tr := p.c.tr
	var e *client.Error
	if errors.As(err, &e) {
		switch e.Kind {
		case client.ErrNotFoundOrWrongCode:
			return tr.T("accept.wrongcode")
		case client.ErrLocked:
			return tr.T("accept.locked")
		case client.ErrRateLimited:
			return tr.Tf("accept.ratelimited", retrySeconds(e.RetryAfter))
		case client.ErrGone:
			if strings.Contains(e.Message, "expired") {
				return tr.T("accept.expired")
			}
			return tr.T("accept.used")
		case client.ErrConflict:
			if strings.Contains(e.Message, "own check") {
				return tr.T("accept.own")
			}
		}
	}
	return p.c.errText(err)
}

func (p *acceptPage) focus(f int) tea.Cmd {
	p.field = f
	if f == 0 {
		p.code.Blur()
		return p.number.Focus()
	}
	p.number.Blur()
	return p.code.Focus()
}

func (p *acceptPage) key(k tea.KeyMsg) tea.Cmd {
	c, keys := p.c, p.c.keys
	switch p.step {
	case acceptSending:
		return nil
	case acceptDone:
		switch {
		case key.Matches(k, keys.AcceptAnother):
			p.reset()
			return p.focus(0)
		case key.Matches(k, keys.Done):
			return c.send(navMsg{to: pageWallet})
		}
		return nil
	}
	switch {
	case key.Matches(k, keys.Back):
		return c.send(navMsg{to: pageWallet})
	case k.Type == tea.KeyTab || k.Type == tea.KeyShiftTab || k.Type == tea.KeyUp || k.Type == tea.KeyDown:
		return p.focus(1 - p.field)
	case k.Type == tea.KeyEnter:
		if p.field == 0 {
			if p.numberDone() {
				return p.focus(1)
			}
			p.errText = c.tr.T("accept.numberneeded")
			return nil
		}
		return p.submit()
	}
	p.errText = ""
	if p.field == 1 {
		var cmd tea.Cmd
		p.code, cmd = p.code.Update(k)
		if v := digitsOnly(p.code.Value(), 4); v != p.code.Value() {
			p.code.SetValue(v)
			p.code.CursorEnd()
		}
		return cmd
	}
	var cmd tea.Cmd
	p.number, cmd = p.number.Update(k)
	if v := formatNumber(p.number.Value()); v != p.number.Value() {
		p.number.SetValue(v)
		p.number.CursorEnd()
	}
	cmds := []tea.Cmd{cmd}
	switch n := p.number.Value(); {
	case api.ValidCheckNumber(n) && n != p.pvNumber:
		cmds = append(cmds, p.preview(n))
		if p.code.Value() == "" {
			cmds = append(cmds, p.focus(1))
		}
	case !api.ValidCheckNumber(n):
		p.pvNumber, p.pvLoading, p.pv, p.pvErr = "", false, nil, nil
	}
	return tea.Batch(cmds...)
}

func (p *acceptPage) submit() tea.Cmd {
	tr := p.c.tr
	switch {
	case !p.numberDone():
		p.errText = tr.T("accept.numberneeded")
		return p.focus(0)
	case !api.ValidCheckCode(p.code.Value()):
		p.errText = tr.T("accept.codeneeded")
		return nil
	case p.blocked() != "":
		p.errText = p.blocked()
		return nil
	}
	p.step = acceptSending
	p.errText = ""
	cl, ctx := p.c.client, p.c.ctx
	number, code := p.number.Value(), p.code.Value()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		res, err := cl.AcceptCheck(ctx, number, code)
		return acceptedMsg{number: number, res: res, err: err}
	}
}

func (p *acceptPage) ShortHelp() []key.Binding {
	k, tr := p.c.keys, p.c.tr
	switch p.step {
	case acceptForm:
		enter := tr.T("key.nextfield")
		if p.field == 1 {
			enter = tr.T("key.acceptit")
		}
		return []key.Binding{with(k.Submit, "enter", enter), with(k.NextField, "tab", tr.T("key.switchfield")), with(k.Back, "esc", tr.T("key.cancelform"))}
	case acceptDone:
		return []key.Binding{k.AcceptAnother, with(k.Done, "enter", tr.T("key.done"))}
	}
	return nil
}

func (p *acceptPage) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *acceptPage) view() string {
	if p.w <= 0 || p.h <= 0 {
		return ""
	}
	st, tr := p.c.st, p.c.tr
	var lines []string
	if p.step == acceptDone {
		amount := p.res.Amount
		lines = append(lines, st.ok.Render("✓ "+tr.Tf("accept.done", p.resNumber)), "")
		if amount > 0 {
			lines = append(lines, "  "+st.label.Render(padRight(tr.T("details.amount"), 14))+st.big.Render("+"+tr.Money(amount, p.res.Currency)))
		}
		if b := p.c.bal; b != nil {
			lines = append(lines, "  "+st.label.Render(padRight(tr.T("accept.newbalance"), 14))+st.value.Render(tr.Money(b.Balance, b.Currency)))
		}
		return placeBlock(lines, p.w, p.h, min(p.w-4, 56))
	}
	mark := func(f int) string {
		if p.field == f {
			return st.accent.Render("› ")
		}
		return "  "
	}
	lines = append(lines, st.bold.Render(tr.T("accept.heading")), "")
	lines = append(lines, mark(0)+st.label.Render(padRight(tr.T("details.number"), 8))+p.number.View())
	lines = append(lines, mark(1)+st.label.Render(padRight(tr.T("details.code"), 8))+p.code.View())
	lines = append(lines, "")
	tw := min(p.w-4, 60)
	switch {
	case p.step == acceptSending:
		lines = append(lines, st.muted.Render(tr.T("accept.sending")))
	case p.pvLoading:
		lines = append(lines, st.muted.Render(tr.T("accept.looking")))
	case p.blocked() != "":
		for _, l := range wrap(p.blocked(), tw) {
			lines = append(lines, st.warn.Render(l))
		}
	case p.pvErr != nil:
		for _, l := range wrap(tr.Tf("accept.lookupfailed", p.c.errText(p.pvErr)), tw) {
			lines = append(lines, st.err.Render(l))
		}
	case p.pv != nil:
		line := st.ok.Render("✓ ") + st.big.Render(tr.Money(p.pv.Amount, p.pv.Currency))
		if exp := parseTime(p.pv.Expiration); !exp.IsZero() {
			line += st.muted.Render("  ·  " + tr.Tf("accept.expiresin", tr.Duration(exp.Sub(p.c.now()))))
		}
		lines = append(lines, line)
	default:
		lines = append(lines, st.muted.Render(tr.T("accept.hint")))
	}
	if p.errText != "" {
		lines = append(lines, "")
		for _, l := range wrap(p.errText, tw) {
			lines = append(lines, st.err.Render(l))
		}
	}
	return placeBlock(lines, p.w, p.h, min(p.w-4, 56))
}
