package tui

import (
	"context"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"fastcheck/api"
	"fastcheck/client"
)

type createStep int

const (
	createForm createStep = iota
	createConfirm
	createSending
	createDone
)

// allCurrencies is the allow-list of package api, in a stable order.
var allCurrencies = []string{"RUB", "USD", "EUR", "GBP", "KZT", "BYN", "CNY", "JPY", "KWD"}

type createdMsg struct {
	res      api.CreateCheckResponse
	amount   int64
	currency string
	err      error
}

// createPage: a form for amount and currency validated as you type, a
// confirmation with the balance before and after, and the result with the
// number and code large, ready to copy or show as a QR.
type createPage struct {
	c    *common
	w, h int
	on   bool

	step     createStep
	amount   textinput.Model
	field    int // 0 amount, 1 currency
	curIdx   int
	value    int64  // parsed amount, 0 if none
	problem  string // why the amount cannot be sent ("" if it can)
	errText  string // the server's refusal of the last try
	res      api.CreateCheckResponse
	resAmt   int64
	resCur   string
	balAfter *int64
}

func newCreatePage(c *common) *createPage {
	p := &createPage{c: c}
	p.amount = newTextInput(c.st, "", "", 24)
	return p
}

func (p *createPage) title() string    { return p.c.tr.T("create.title") }
func (p *createPage) setSize(w, h int) { p.w, p.h = w, h; p.amount.Width = 24 }
func (p *createPage) capturing() bool  { return p.step == createForm && p.field == 0 }
func (p *createPage) leave()           { p.on = false; p.amount.Blur() }

func (p *createPage) currencies() []string {
	// The account's currency first: checks in another one are refused.
	out := slices.Clone(allCurrencies)
	if p.c.bal != nil {
		if i := slices.Index(out, p.c.bal.Currency); i > 0 {
			out = append([]string{out[i]}, append(out[:i:i], out[i+1:]...)...)
		}
	}
	return out
}

func (p *createPage) currency() string { return p.currencies()[p.curIdx] }

// resume comes back from the handover view to the result.
func (p *createPage) resume() tea.Cmd {
	p.on = true
	return nil
}

func (p *createPage) enter() tea.Cmd {
	p.on = true
	p.step, p.field, p.curIdx = createForm, 0, 0
	p.value, p.problem, p.errText = 0, "", ""
	p.amount.SetValue("")
	p.balAfter = nil
	return tea.Batch(p.amount.Focus(), p.c.fetchBalance())
}

// validate parses the amount as typed (api.ParseMajor, exact) and says
// what is wrong, in words.
func (p *createPage) validate() {
	tr := p.c.tr
	s := strings.TrimSpace(p.amount.Value())
	p.value, p.problem = 0, ""
	if s == "" {
		p.problem = tr.T("create.empty")
		return
	}
	cur := p.currency()
	v, err := api.ParseMajor(s, cur)
	if err != nil {
		p.problem = amountProblem(tr, s, cur)
		return
	}
	p.value = v
	if b := p.c.bal; b != nil && b.Currency == cur && v > b.Balance {
		p.problem = tr.Tf("create.overbalance", tr.Money(b.Balance, b.Currency))
	}
}

// amountProblem explains why api.ParseMajor refused s.
func amountProblem(tr *locale, s, currency string) string { return tr.AmountProblem(s, currency) }

func (p *createPage) update(msg tea.Msg) tea.Cmd {
	c := p.c
	switch msg := msg.(type) {
	case balanceMsg:
		if p.step == createForm && p.amount.Value() != "" {
			p.validate()
		}
	case createdMsg:
		if p.step != createSending {
			return nil
		}
		if msg.err != nil {
			p.step = createForm
			p.field = 0
			p.errText = c.errText(msg.err)
			var cmd tea.Cmd
			if unreachable(msg.err) || isKind(msg.err, client.ErrNotLoggedIn) {
				cmd = c.fail(msg.err)
			}
			return tea.Batch(cmd, p.amount.Focus())
		}
		p.step = createDone
		p.res, p.resAmt, p.resCur = msg.res, msg.amount, msg.currency
		p.res.Fastcheck = client.Sanitize(p.res.Fastcheck)
		p.res.Code = client.Sanitize(p.res.Code)
		if b := c.bal; b != nil && b.Currency == msg.currency {
			after := b.Balance - msg.amount
			p.balAfter = &after
			// The header shows the new balance at once; the fetch below
			// confirms it from the server.
			nb := *b
			nb.Balance = after
			c.bal = &nb
		}
		return c.fetchBalance()
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

func (p *createPage) key(k tea.KeyMsg) tea.Cmd {
	c, keys := p.c, p.c.keys
	switch p.step {
	case createForm:
		switch {
		case key.Matches(k, keys.Back):
			return c.send(navMsg{to: pageWallet})
		case key.Matches(k, keys.Submit):
			p.validate()
			if p.problem == "" {
				p.step = createConfirm
				p.errText = ""
				p.amount.Blur()
			}
			return nil
		case k.Type == tea.KeyTab || k.Type == tea.KeyShiftTab || k.Type == tea.KeyDown || k.Type == tea.KeyUp:
			p.field = 1 - p.field
			if p.field == 0 {
				return p.amount.Focus()
			}
			p.amount.Blur()
			return nil
		}
		if p.field == 1 {
			switch k.String() {
			case "right", "l", " ":
				p.curIdx = (p.curIdx + 1) % len(allCurrencies)
			case "left", "h":
				p.curIdx = (p.curIdx + len(allCurrencies) - 1) % len(allCurrencies)
			}
			if p.amount.Value() != "" {
				p.validate()
			}
			return nil
		}
		before := p.amount.Value()
		var cmd tea.Cmd
		p.amount, cmd = p.amount.Update(k)
		if p.amount.Value() != before {
			p.errText = ""
			p.validate()
		}
		return cmd
	case createConfirm:
		switch {
		case key.Matches(k, keys.Yes):
			p.step = createSending
			cl, ctx := c.client, c.ctx
			amount, cur := p.value, p.currency()
			return func() tea.Msg {
				ctx, cancel := context.WithTimeout(ctx, callTimeout)
				defer cancel()
				res, err := cl.CreateCheck(ctx, amount, cur)
				return createdMsg{res: res, amount: amount, currency: cur, err: err}
			}
		case key.Matches(k, keys.No):
			p.step = createForm
			p.field = 0
			return p.amount.Focus()
		}
	case createDone:
		switch {
		case key.Matches(k, keys.Copy):
			return c.copyCmd(p.result().text())
		case key.Matches(k, keys.Show) && k.String() == "v":
			return c.send(showCheckMsg{check: p.result(), back: pageCreate})
		case key.Matches(k, keys.Done):
			return c.send(navMsg{to: pageWallet})
		case key.Matches(k, keys.New):
			return p.enter()
		}
	}
	return nil
}

func (p *createPage) result() handoverCheck {
	cur := p.res.Currency
	if cur == "" {
		cur = p.resCur
	}
	amt := p.res.Amount
	if amt == 0 {
		amt = p.resAmt
	}
	return handoverCheck{number: p.res.Fastcheck, code: p.res.Code, amount: amt, currency: client.Sanitize(cur), expires: parseTime(p.res.Expiration)}
}

func (p *createPage) ShortHelp() []key.Binding {
	k, tr := p.c.keys, p.c.tr
	switch p.step {
	case createForm:
		out := []key.Binding{with(k.Submit, "enter", tr.T("key.continue")), with(k.NextField, "tab", tr.T("key.nextfield"))}
		if p.field == 1 {
			out = append(out, k.Cycle)
		}
		return append(out, with(k.Back, "esc", tr.T("key.cancelform")))
	case createConfirm:
		return []key.Binding{with(k.Yes, "y/enter", tr.T("key.create")), with(k.No, "n/esc", tr.T("key.back"))}
	case createDone:
		return []key.Binding{with(k.Copy, "y", tr.T("short.copy")), with(k.Show, "v", tr.T("short.show")), with(k.New, "n", tr.T("key.another")), with(k.Done, "enter", tr.T("key.done"))}
	}
	return nil
}

func (p *createPage) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *createPage) view() string {
	if p.w <= 0 || p.h <= 0 {
		return ""
	}
	st, tr := p.c.st, p.c.tr
	var lines []string
	switch p.step {
	case createForm, createSending:
		lines = append(lines, st.bold.Render(tr.T("create.heading")), "")
		mark := func(f int) string {
			if p.field == f && p.step == createForm {
				return st.accent.Render("› ")
			}
			return "  "
		}
		lines = append(lines, mark(0)+st.label.Render(padRight(tr.T("create.amount"), 10))+p.amount.View())
		cur := "‹ " + p.currency() + " ›"
		if p.field == 1 && p.step == createForm {
			cur = st.accent.Render(cur) + st.muted.Render("  ←/→")
		} else {
			cur = st.value.Render(cur)
		}
		lines = append(lines, mark(1)+st.label.Render(padRight(tr.T("create.currency"), 10))+cur, "")
		switch {
		case p.step == createSending:
			lines = append(lines, st.muted.Render(tr.T("create.sending")))
		case p.amount.Value() == "":
			lines = append(lines, st.muted.Render(tr.T("create.hint")))
		case p.problem != "":
			lines = append(lines, st.err.Render("✗ "+p.problem))
		default:
			lines = append(lines, st.ok.Render("✓ "+tr.Money(p.value, p.currency())))
		}
		if b := p.c.bal; b != nil {
			line := tr.Tf("create.balance", tr.Money(b.Balance, b.Currency))
			if b.Currency != p.currency() {
				line += "  " + tr.Tf("create.othercurrency", b.Currency)
			}
			lines = append(lines, st.muted.Render(line))
		}
		if p.errText != "" {
			lines = append(lines, "")
			for _, l := range wrap(p.errText, min(p.w-4, 60)) {
				lines = append(lines, st.err.Render(l))
			}
		}
	case createConfirm:
		lines = append(lines, st.bold.Render(tr.T("create.confirm")), "")
		cur := p.currency()
		rows := [][2]string{{tr.T("create.amount"), st.big.Render(tr.Money(p.value, cur))}}
		if b := p.c.bal; b != nil && b.Currency == cur {
			rows = append(rows,
				[2]string{tr.T("create.before"), tr.Money(b.Balance, b.Currency)},
				[2]string{tr.T("create.after"), tr.Money(b.Balance-p.value, b.Currency)})
		}
		lw := 0
		for _, r := range rows {
			lw = max(lw, len([]rune(r[0])))
		}
		for _, r := range rows {
			lines = append(lines, "  "+st.label.Render(padRight(r[0], lw))+"   "+r[1])
		}
		lines = append(lines, "")
		for _, l := range wrap(tr.T("create.warning"), min(p.w-4, 56)) {
			lines = append(lines, st.muted.Render(l))
		}
	case createDone:
		r := p.result()
		lines = append(lines, st.ok.Render("✓ "+tr.T("create.done")), "")
		box := st.bigBox.Render(
			st.label.Render(padRight(tr.T("details.number"), 8)) + st.big.Render(r.number) + "\n" +
				st.label.Render(padRight(tr.T("details.code"), 8)) + st.big.Render(r.code))
		lines = append(lines, strings.Split(box, "\n")...)
		lines = append(lines, "", st.value.Render(tr.Money(r.amount, r.currency))+
			st.muted.Render("  ·  "+tr.Tf("handover.expires", tr.DateTime(r.expires))))
		if p.balAfter != nil {
			lines = append(lines, st.muted.Render(tr.Tf("create.newbalance", tr.Money(*p.balAfter, r.currency))))
		}
		lines = append(lines, "")
		for _, l := range wrap(tr.T("create.donehint"), min(p.w-4, 60)) {
			lines = append(lines, st.muted.Render(l))
		}
	}
	return placeBlock(lines, p.w, p.h, min(p.w-4, 60))
}
