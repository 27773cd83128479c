package tui

import (
	"context"
	"os/exec"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"fastcheck/api"
	"fastcheck/client"
)

// Top-ups and withdrawals: two screens opened from the wallet (t and w).
// Each polls its top-up or withdrawal only while it is on screen.

// paymentPoll is the pace of GET /topup/{id} and GET /withdraw/{ref} while
// the screen waits, as the CLI and client.WaitTopup do (Options.PaymentPollInterval
// overrides it). Status reads are not rate-limited; starting a payment is.
const paymentPoll = time.Second

func (c *common) pollEvery() time.Duration {
	if c.opts.PaymentPollInterval > 0 {
		return c.opts.PaymentPollInterval
	}
	return paymentPoll
}

// accountCurrency is the currency amounts are typed in: the account's.
func (c *common) accountCurrency() string {
	if c.bal != nil && c.bal.Currency != "" {
		return c.bal.Currency
	}
	return "RUB"
}

type payStep int

const (
	payForm payStep = iota
	payConfirm
	paySending
	payShown
)

type (
	topupStartedMsg struct {
		t   api.Topup
		err error
	}
	topupStatusMsg struct {
		gen int
		t   api.Topup
		err error
	}
	topupPollMsg struct{ gen int }
	openedMsg    struct{ err error }
	withdrawnMsg struct {
		w   api.Withdrawal
		err error
	}
	withdrawStatusMsg struct {
		gen int
		w   api.Withdrawal
		err error
	}
	withdrawPollMsg struct{ gen int }
)

// topupPage: the method and the amount, then the bank's payment page or
// the Briacoin wallet, with the live status until the money is credited.
type topupPage struct {
	c    *common
	w, h int
	on   bool
	gen  int

	step    payStep
	method  int // 0 bank, 1 briacoin
	field   int // 0 method, 1 amount
	amount  textinput.Model
	value   int64
	problem string
	errText string

	t   api.Topup
	qr  qrImage
	qok bool
}

var topupMethods = []string{api.MethodBank, api.MethodBriacoin}

func newTopupPage(c *common) *topupPage {
	p := &topupPage{c: c}
	p.amount = newTextInput(c.st, "", "", 24)
	return p
}

func (p *topupPage) title() string    { return p.c.tr.T("topup.title") }
func (p *topupPage) setSize(w, h int) { p.w, p.h = w, h }
func (p *topupPage) capturing() bool  { return p.step == payForm && p.field == 1 }
func (p *topupPage) leave()           { p.on = false; p.gen++; p.amount.Blur() }

func (p *topupPage) enter() tea.Cmd {
	p.on = true
	p.gen++
	p.step, p.field, p.method = payForm, 0, 0
	p.value, p.problem, p.errText = 0, "", ""
	p.amount.SetValue("")
	p.t, p.qok = api.Topup{}, false
	return p.c.fetchBalance()
}

func (p *topupPage) validate() {
	tr := p.c.tr
	s := strings.TrimSpace(p.amount.Value())
	p.value, p.problem = 0, ""
	if s == "" {
		p.problem = tr.T("create.empty")
		return
	}
	cur := p.c.accountCurrency()
	v, err := api.ParseMajor(s, cur)
	if err != nil {
		p.problem = amountProblem(tr, s, cur)
		return
	}
	p.value = v
}

func (p *topupPage) poll(after time.Duration) tea.Cmd {
	gen := p.gen
	return tea.Tick(after, func(time.Time) tea.Msg { return topupPollMsg{gen: gen} })
}

func (p *topupPage) status() tea.Cmd {
	gen, cl, ctx, id := p.gen, p.c.client, p.c.ctx, p.t.ID
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		t, err := cl.TopupStatus(ctx, id)
		return topupStatusMsg{gen: gen, t: t, err: err}
	}
}

func (p *topupPage) show(t api.Topup) {
	t.PaymentURL = client.Sanitize(t.PaymentURL)
	t.Wallet = client.Sanitize(t.Wallet)
	t.Coins = client.Sanitize(t.Coins)
	t.CoinsPaid = client.Sanitize(t.CoinsPaid)
	t.Status = client.Sanitize(t.Status)
	t.TransactionID = client.Sanitize(t.TransactionID)
	text := t.PaymentURL
	if t.Method == api.MethodBriacoin {
		text = t.Wallet
	}
	if text != p.qrText() || !p.qok {
		var err error
		p.qr, err = makeQR(p.c.st, text, false)
		p.qok = err == nil && text != ""
	}
	p.t = t
}

func (p *topupPage) qrText() string {
	if p.t.Method == api.MethodBriacoin {
		return p.t.Wallet
	}
	return p.t.PaymentURL
}

func (p *topupPage) update(msg tea.Msg) tea.Cmd {
	c := p.c
	switch msg := msg.(type) {
	case balanceMsg:
		if p.step == payForm && p.amount.Value() != "" {
			p.validate()
		}
	case topupStartedMsg:
		if p.step != paySending || !p.on {
			return nil
		}
		if msg.err != nil {
			p.step, p.field = payForm, 1
			p.errText = c.errText(msg.err)
			var cmd tea.Cmd
			if unreachable(msg.err) || isKind(msg.err, client.ErrNotLoggedIn) {
				cmd = c.fail(msg.err)
			}
			return tea.Batch(cmd, p.amount.Focus())
		}
		p.step = payShown
		p.show(msg.t)
		return p.poll(c.pollEvery())
	case topupPollMsg:
		if msg.gen != p.gen || !p.on || p.step != payShown {
			return nil
		}
		return p.status()
	case topupStatusMsg:
		if msg.gen != p.gen || !p.on || p.step != payShown {
			return nil
		}
		if msg.err != nil {
			p.errText = c.errText(msg.err)
			if isKind(msg.err, client.ErrNotLoggedIn) {
				return c.fail(msg.err)
			}
			return p.poll(c.pollEvery())
		}
		p.errText = ""
		was := p.t
		p.show(msg.t)
		var cmds []tea.Cmd
		if msg.t.Credited != was.Credited {
			cmds = append(cmds, c.fetchBalance())
		}
		if !msg.t.Done() {
			cmds = append(cmds, p.poll(c.pollEvery()))
		}
		return tea.Batch(cmds...)
	case openedMsg:
		if msg.err != nil {
			return c.send(flashMsg{text: c.tr.T("topup.openfailed"), err: true})
		}
	case tea.KeyMsg:
		if p.on {
			return p.key(msg)
		}
	}
	return nil
}

func (p *topupPage) key(k tea.KeyMsg) tea.Cmd {
	c, keys := p.c, p.c.keys
	switch p.step {
	case payForm:
		switch {
		case key.Matches(k, keys.Back):
			return c.send(navMsg{to: pageWallet})
		case key.Matches(k, keys.Submit):
			p.validate()
			if p.problem != "" {
				p.field = 1
				return p.amount.Focus()
			}
			p.step = paySending
			p.errText = ""
			p.amount.Blur()
			cl, ctx := c.client, c.ctx
			method, amount, cur := topupMethods[p.method], p.value, c.accountCurrency()
			return func() tea.Msg {
				ctx, cancel := context.WithTimeout(ctx, callTimeout+70*time.Second)
				defer cancel()
				t, err := cl.Topup(ctx, method, amount, cur)
				return topupStartedMsg{t: t, err: err}
			}
		case k.Type == tea.KeyTab || k.Type == tea.KeyShiftTab || k.Type == tea.KeyDown || k.Type == tea.KeyUp:
			p.field = 1 - p.field
			if p.field == 1 {
				return p.amount.Focus()
			}
			p.amount.Blur()
			return nil
		}
		if p.field == 0 {
			switch k.String() {
			case "right", "l", " ", "left", "h":
				p.method = 1 - p.method
			case "b":
				p.method = 0
			case "c":
				p.method = 1
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
	case payShown:
		switch {
		case key.Matches(k, keys.Open) && p.canOpen():
			open, u := c.opts.OpenURL, p.t.PaymentURL
			return func() tea.Msg { return openedMsg{err: open(u)} }
		case key.Matches(k, keys.Copy):
			return c.copyCmd(p.qrText())
		case key.Matches(k, keys.Done):
			return c.send(navMsg{to: pageWallet})
		}
	}
	return nil
}

func (p *topupPage) canOpen() bool {
	return p.c.opts.OpenURL != nil && p.step == payShown && p.t.Method == api.MethodBank && p.t.PaymentURL != "" && !p.t.Done()
}

func (p *topupPage) ShortHelp() []key.Binding {
	k, tr := p.c.keys, p.c.tr
	switch p.step {
	case payForm:
		out := []key.Binding{with(k.Submit, "enter", tr.T("key.topupgo")), with(k.NextField, "tab", tr.T("key.nextfield"))}
		if p.field == 0 {
			out = append(out, with(k.Cycle, "←/→", tr.T("key.method")))
		}
		return append(out, with(k.Back, "esc", tr.T("key.cancelform")))
	case payShown:
		var out []key.Binding
		if p.canOpen() {
			out = append(out, k.Open)
		}
		return append(out, with(k.Copy, "y", tr.T("short.copy")), with(k.Done, "enter/esc", tr.T("key.done")))
	}
	return nil
}

func (p *topupPage) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *topupPage) view() string {
	if p.w <= 0 || p.h <= 0 {
		return ""
	}
	st, tr := p.c.st, p.c.tr
	cur := p.c.accountCurrency()
	var lines []string
	switch p.step {
	case payForm, paySending:
		lines = append(lines, st.bold.Render(tr.T("topup.heading")), "")
		mark := func(f int) string {
			if p.field == f && p.step == payForm {
				return st.accent.Render("› ")
			}
			return "  "
		}
		name := tr.T("topup.bankname")
		if p.method == 1 {
			name = tr.T("topup.coinname")
		}
		m := "‹ " + name + " ›"
		if p.field == 0 && p.step == payForm {
			m = st.accent.Render(m) + st.muted.Render("  ←/→")
		} else {
			m = st.value.Render(m)
		}
		lines = append(lines, mark(0)+st.label.Render(padRight(tr.T("topup.method"), 10))+m)
		lines = append(lines, mark(1)+st.label.Render(padRight(tr.T("create.amount"), 10))+p.amount.View()+" "+st.muted.Render(cur), "")
		lines = append(lines, amountStatus(p.c, p.step == paySending, "topup.sending", "create.hint", p.amount.Value(), p.problem, p.value, cur)...)
		p.errLines(&lines, 60)
		return placeBlock(lines, p.w, p.h, min(p.w-4, 60))
	}
	return p.shownView()
}

func (p *topupPage) errLines(lines *[]string, w int) {
	if p.errText == "" {
		return
	}
	*lines = append(*lines, "")
	for _, l := range wrap(p.errText, min(p.w-4, w)) {
		*lines = append(*lines, p.c.st.err.Render(l))
	}
}

// statusLine says where the top-up is, in words.
func (p *topupPage) statusLine() string {
	st, tr, t := p.c.st, p.c.tr, p.t
	switch t.Status {
	case api.TopupNew:
		return st.muted.Render("… " + tr.T("topup.waiting"))
	case api.TopupPart:
		s := st.accent.Render("◐ " + tr.Tf("topup.part", tr.Money(t.Paid, t.Currency), tr.Money(t.Amount, t.Currency)))
		if t.CoinsPaid != "" {
			s += "\n  " + st.muted.Render(tr.Tf("topup.coinspaid", t.CoinsPaid, t.Coins))
		}
		return s
	case api.TopupClose:
		if t.Credited < t.Paid {
			return st.muted.Render("… " + tr.T("topup.crediting"))
		}
		return st.ok.Render("✓ " + tr.Tf("topup.closed", tr.Money(t.Credited, t.Currency)))
	case api.TopupDeclined:
		return st.err.Render("✗ " + tr.T("topup.declined"))
	case api.TopupExpired:
		return st.err.Render("✗ " + tr.T("topup.expired"))
	}
	return st.muted.Render(t.Status)
}

func (p *topupPage) shownView() string {
	st, tr, t := p.c.st, p.c.tr, p.t
	var text []string
	tw := 36
	if t.Method == api.MethodBriacoin {
		text = append(text, st.bold.Render(tr.T("topup.coinheading")), "",
			st.label.Render(tr.T("create.amount")), st.big.Render(t.Coins+" BRC"),
			st.muted.Render("= "+tr.Money(t.Amount, t.Currency)), "",
			st.label.Render(tr.T("topup.wallet")))
		for _, l := range chunk(t.Wallet, tw) {
			text = append(text, st.value.Render(l))
		}
	} else {
		text = append(text, st.bold.Render(tr.T("topup.bankheading")), "",
			st.value.Render(tr.Money(t.Amount, t.Currency)), "",
			st.label.Render(tr.T("topup.url")))
		for _, l := range chunk(t.PaymentURL, tw) {
			text = append(text, st.value.Render(l))
		}
	}
	text = append(text, "")
	text = append(text, strings.Split(p.statusLine(), "\n")...)
	if b := p.c.bal; b != nil && t.Done() && t.Status == api.TopupClose {
		text = append(text, st.muted.Render(tr.Tf("create.newbalance", tr.Money(b.Balance, b.Currency))))
	}
	if p.errText != "" {
		text = append(text, "")
		for _, l := range wrap(p.errText, tw) {
			text = append(text, st.err.Render(l))
		}
	}
	return besideQR(p.qr, p.qok && !t.Done(), text, st.muted.Render(tr.T("topup.qrhidden")), p.w, p.h)
}

// besideQR draws the QR with the text on its right if they fit, else the
// text alone, with hint (that a larger window shows the QR) below it if
// there is room.
func besideQR(img qrImage, ok bool, text []string, hint string, w, h int) string {
	tw := maxWidth(text)
	if ok && (w < img.w+2+tw || h < img.h) {
		if len(text)+2 <= h {
			text = append(text, "", hint)
		}
		return centerBlock(text, w, h)
	}
	if ok {
		var lines []string
		ty := max((img.h-len(text))/2, 0)
		for i := 0; i < max(img.h, ty+len(text)); i++ {
			row := strings.Repeat(" ", img.w)
			if i < img.h {
				row = img.lines[i]
			}
			if j := i - ty; j >= 0 && j < len(text) {
				row += "  " + text[j]
			}
			lines = append(lines, row)
		}
		return centerBlock(lines, w, h)
	}
	return centerBlock(text, w, h)
}

// chunk cuts s (an URL or an address, no spaces) into lines of w runes.
func chunk(s string, w int) []string {
	r := []rune(s)
	var out []string
	for len(r) > w {
		out = append(out, string(r[:w]))
		r = r[w:]
	}
	return append(out, string(r))
}

// withdrawPage: a Briacoin wallet and an amount, a confirmation, then the
// withdrawal's status until it is sent (with its txid) or failed.
type withdrawPage struct {
	c    *common
	w, h int
	on   bool
	gen  int

	step    payStep
	field   int // 0 wallet, 1 amount
	wallet  textinput.Model
	amount  textinput.Model
	value   int64
	problem string
	errText string
	res     api.Withdrawal
}

func newWithdrawPage(c *common) *withdrawPage {
	p := &withdrawPage{c: c}
	p.wallet = newTextInput(c.st, "", "", 128)
	p.wallet.Width = 40
	p.amount = newTextInput(c.st, "", "", 24)
	return p
}

func (p *withdrawPage) title() string    { return p.c.tr.T("withdraw.title") }
func (p *withdrawPage) setSize(w, h int) { p.w, p.h = w, h }
func (p *withdrawPage) capturing() bool  { return p.step == payForm }
func (p *withdrawPage) leave() {
	p.on = false
	p.gen++
	p.wallet.Blur()
	p.amount.Blur()
}

func (p *withdrawPage) enter() tea.Cmd {
	p.on = true
	p.gen++
	p.step, p.field = payForm, 0
	p.value, p.problem, p.errText = 0, "", ""
	p.wallet.SetValue("")
	p.amount.SetValue("")
	p.amount.Blur()
	p.res = api.Withdrawal{}
	return tea.Batch(p.wallet.Focus(), p.c.fetchBalance())
}

func (p *withdrawPage) validate() {
	tr := p.c.tr
	p.value, p.problem = 0, ""
	w := strings.TrimSpace(p.wallet.Value())
	if w == "" {
		p.problem = tr.T("withdraw.nowallet")
		return
	}
	if strings.ContainsAny(w, " \t") {
		p.problem = tr.T("withdraw.badwallet")
		return
	}
	s := strings.TrimSpace(p.amount.Value())
	if s == "" {
		p.problem = tr.T("create.empty")
		return
	}
	cur := p.c.accountCurrency()
	v, err := api.ParseMajor(s, cur)
	if err != nil {
		p.problem = amountProblem(tr, s, cur)
		return
	}
	p.value = v
	if b := p.c.bal; b != nil && v > b.Balance {
		p.problem = tr.Tf("create.overbalance", tr.Money(b.Balance, b.Currency))
	}
}

func (p *withdrawPage) poll() tea.Cmd {
	gen := p.gen
	return tea.Tick(p.c.pollEvery(), func(time.Time) tea.Msg { return withdrawPollMsg{gen: gen} })
}

func (p *withdrawPage) update(msg tea.Msg) tea.Cmd {
	c := p.c
	switch msg := msg.(type) {
	case balanceMsg:
		if p.step == payForm && p.amount.Value() != "" {
			p.validate()
		}
	case withdrawnMsg:
		if p.step != paySending || !p.on {
			return nil
		}
		if msg.err != nil {
			p.step = payForm
			p.errText = c.errText(msg.err)
			var cmd tea.Cmd
			if unreachable(msg.err) || isKind(msg.err, client.ErrNotLoggedIn) {
				cmd = c.fail(msg.err)
			}
			return tea.Batch(cmd, p.focus())
		}
		p.step = payShown
		p.setRes(msg.w)
		cmds := []tea.Cmd{c.fetchBalance()}
		if !msg.w.Final() {
			cmds = append(cmds, p.poll())
		}
		return tea.Batch(cmds...)
	case withdrawPollMsg:
		if msg.gen != p.gen || !p.on || p.step != payShown {
			return nil
		}
		gen, cl, ctx, ref := p.gen, c.client, c.ctx, p.res.Ref
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(ctx, callTimeout)
			defer cancel()
			w, err := cl.WithdrawalStatus(ctx, ref)
			return withdrawStatusMsg{gen: gen, w: w, err: err}
		}
	case withdrawStatusMsg:
		if msg.gen != p.gen || !p.on || p.step != payShown {
			return nil
		}
		if msg.err != nil {
			if isKind(msg.err, client.ErrNotLoggedIn) {
				return c.fail(msg.err)
			}
			return p.poll()
		}
		was := p.res.Status
		p.setRes(msg.w)
		var cmds []tea.Cmd
		if msg.w.Status != was {
			cmds = append(cmds, c.fetchBalance())
		}
		if !msg.w.Final() {
			cmds = append(cmds, p.poll())
		}
		return tea.Batch(cmds...)
	case tea.KeyMsg:
		if p.on {
			return p.key(msg)
		}
	}
	return nil
}

func (p *withdrawPage) setRes(w api.Withdrawal) {
	w.Status = client.Sanitize(w.Status)
	w.TxID = client.Sanitize(w.TxID)
	w.Wallet = client.Sanitize(w.Wallet)
	w.Coins = client.Sanitize(w.Coins)
	w.Reason = client.Sanitize(w.Reason)
	w.Currency = client.Sanitize(w.Currency)
	p.res = w
}

func (p *withdrawPage) focus() tea.Cmd {
	if p.field == 0 {
		p.amount.Blur()
		return p.wallet.Focus()
	}
	p.wallet.Blur()
	return p.amount.Focus()
}

func (p *withdrawPage) key(k tea.KeyMsg) tea.Cmd {
	c, keys := p.c, p.c.keys
	switch p.step {
	case payForm:
		switch {
		case key.Matches(k, keys.Back):
			return c.send(navMsg{to: pageWallet})
		case key.Matches(k, keys.Submit):
			p.validate()
			if p.problem == "" {
				p.step = payConfirm
				p.errText = ""
				p.wallet.Blur()
				p.amount.Blur()
				return nil
			}
			if strings.TrimSpace(p.wallet.Value()) != "" && p.field == 0 {
				p.field = 1
				return p.focus()
			}
			return nil
		case k.Type == tea.KeyTab || k.Type == tea.KeyShiftTab || k.Type == tea.KeyDown || k.Type == tea.KeyUp:
			p.field = 1 - p.field
			return p.focus()
		}
		in := &p.wallet
		if p.field == 1 {
			in = &p.amount
		}
		before := in.Value()
		var cmd tea.Cmd
		*in, cmd = in.Update(k)
		if in.Value() != before {
			p.errText = ""
			if p.amount.Value() != "" {
				p.validate()
			}
		}
		return cmd
	case payConfirm:
		switch {
		case key.Matches(k, keys.Yes):
			p.step = paySending
			cl, ctx := c.client, c.ctx
			wallet, amount := strings.TrimSpace(p.wallet.Value()), p.value
			return func() tea.Msg {
				ctx, cancel := context.WithTimeout(ctx, callTimeout+70*time.Second)
				defer cancel()
				w, err := cl.Withdraw(ctx, wallet, amount)
				return withdrawnMsg{w: w, err: err}
			}
		case key.Matches(k, keys.No):
			p.step = payForm
			return p.focus()
		}
	case payShown:
		switch {
		case key.Matches(k, keys.Copy) && p.res.TxID != "":
			return c.copyCmd(p.res.TxID)
		case key.Matches(k, keys.Done):
			return c.send(navMsg{to: pageWallet})
		}
	}
	return nil
}

func (p *withdrawPage) ShortHelp() []key.Binding {
	k, tr := p.c.keys, p.c.tr
	switch p.step {
	case payForm:
		return []key.Binding{with(k.Submit, "enter", tr.T("key.continue")), with(k.NextField, "tab", tr.T("key.nextfield")), with(k.Back, "esc", tr.T("key.cancelform"))}
	case payConfirm:
		return []key.Binding{with(k.Yes, "y/enter", tr.T("key.withdrawgo")), with(k.No, "n/esc", tr.T("key.back"))}
	case payShown:
		var out []key.Binding
		if p.res.TxID != "" {
			out = append(out, with(k.Copy, "y", tr.T("key.copytxid")))
		}
		return append(out, with(k.Done, "enter/esc", tr.T("key.done")))
	}
	return nil
}

func (p *withdrawPage) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *withdrawPage) view() string {
	if p.w <= 0 || p.h <= 0 {
		return ""
	}
	st, tr := p.c.st, p.c.tr
	cur := p.c.accountCurrency()
	bw := min(p.w-4, 64)
	var lines []string
	switch p.step {
	case payForm, paySending:
		lines = append(lines, st.bold.Render(tr.T("withdraw.heading")), "")
		mark := func(f int) string {
			if p.field == f && p.step == payForm {
				return st.accent.Render("› ")
			}
			return "  "
		}
		lines = append(lines, mark(0)+st.label.Render(padRight(tr.T("withdraw.wallet"), 10))+p.wallet.View())
		lines = append(lines, mark(1)+st.label.Render(padRight(tr.T("create.amount"), 10))+p.amount.View()+" "+st.muted.Render(cur), "")
		lines = append(lines, amountStatus(p.c, p.step == paySending, "withdraw.sending", "withdraw.hint", p.amount.Value(), p.problem, p.value, cur)...)
		if p.errText != "" {
			lines = append(lines, "")
			for _, l := range wrap(p.errText, bw) {
				lines = append(lines, st.err.Render(l))
			}
		}
	case payConfirm:
		lines = append(lines, st.bold.Render(tr.T("withdraw.confirm")), "")
		rows := [][2]string{
			{tr.T("create.amount"), st.big.Render(tr.Money(p.value, cur))},
			{tr.T("withdraw.wallet"), strings.TrimSpace(p.wallet.Value())},
		}
		if b := p.c.bal; b != nil {
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
		for _, l := range wrap(tr.T("withdraw.warning"), bw) {
			lines = append(lines, st.muted.Render(l))
		}
	case payShown:
		w := p.res
		switch w.Status {
		case api.WithdrawSent:
			lines = append(lines, st.ok.Render("✓ "+tr.T("withdraw.sent")))
		case api.WithdrawFailed:
			lines = append(lines, st.err.Render("✗ "+tr.T("withdraw.failed")))
		case api.WithdrawUnknown:
			lines = append(lines, st.accent.Render("? "+tr.T("withdraw.unknown")))
		default:
			lines = append(lines, st.muted.Render("… "+tr.T("withdraw.pending")))
		}
		lines = append(lines, "")
		rows := [][2]string{{tr.T("create.amount"), st.value.Render(tr.Money(w.Amount, w.Currency))}}
		if w.Coins != "" {
			rows = append(rows, [2]string{tr.T("withdraw.coins"), w.Coins + " BRC"})
		}
		rows = append(rows, [2]string{tr.T("withdraw.wallet"), w.Wallet})
		lw := 0
		for _, r := range rows {
			lw = max(lw, len([]rune(r[0])))
		}
		for _, r := range rows {
			lines = append(lines, "  "+st.label.Render(padRight(r[0], lw))+"   "+r[1])
		}
		if w.TxID != "" {
			lines = append(lines, "", "  "+st.label.Render("txid"))
			for _, l := range chunk(w.TxID, bw) {
				lines = append(lines, st.big.Render(l))
			}
		}
		lines = append(lines, "")
		var note string
		switch w.Status {
		case api.WithdrawFailed:
			note = tr.T("withdraw.failednote")
			if w.Reason != "" {
				note += " (" + w.Reason + ")"
			}
		case api.WithdrawUnknown:
			note = tr.T("withdraw.unknownnote")
		case api.WithdrawPending:
			note = tr.T("withdraw.pendingnote")
		}
		if note != "" {
			for _, l := range wrap(note, bw) {
				lines = append(lines, st.muted.Render(l))
			}
		}
		if b := p.c.bal; b != nil {
			lines = append(lines, st.muted.Render(tr.Tf("create.newbalance", tr.Money(b.Balance, b.Currency))))
		}
	}
	return placeBlock(lines, p.w, p.h, bw)
}

// xdgOpen opens URLs with xdg-open, or is nil when it is not installed.
func xdgOpen() func(string) error {
	path, err := exec.LookPath("xdg-open")
	if err != nil {
		return nil
	}
	return func(u string) error {
		cmd := exec.Command(path, u)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
		if err := cmd.Start(); err != nil {
			return err
		}
		go cmd.Wait()
		return nil
	}
}

// amountStatus is what the top-up and withdraw forms show under the
// amount: sending, a hint, the problem, or the parsed amount; then the
// balance.
func amountStatus(c *common, sending bool, sendingKey, hintKey, typed, problem string, value int64, cur string) []string {
	st, tr := c.st, c.tr
	var lines []string
	switch {
	case sending:
		lines = append(lines, st.muted.Render(tr.T(sendingKey)))
	case typed == "":
		lines = append(lines, st.muted.Render(tr.T(hintKey)))
	case problem != "":
		lines = append(lines, st.err.Render("✗ "+problem))
	default:
		lines = append(lines, st.ok.Render("✓ "+tr.Money(value, cur)))
	}
	if b := c.bal; b != nil {
		lines = append(lines, st.muted.Render(tr.Tf("create.balance", tr.Money(b.Balance, b.Currency))))
	}
	return lines
}
