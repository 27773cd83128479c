package tui

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/i18n"
)

// The smallest terminal the wallet draws in; below it a "terminal too
// small" screen says what is needed.
const (
	MinWidth  = 60
	MinHeight = 18
)

type pageID int

const (
	pageSetup pageID = iota
	pageLogin
	pageWallet
	pageCreate
	pageAccept
	pageHandover
	pageTopup
	pageWithdraw
	pageSupport
	numPages
)

// page is one screen. Only the active page gets keys and mouse events;
// every page sees the other messages (answers to its own commands) and
// ignores what is not its own. A page polls only between enter and leave.
type page interface {
	help.KeyMap
	enter() tea.Cmd
	leave()
	update(tea.Msg) tea.Cmd
	view() string
	setSize(w, h int)
	// capturing: a text input has the focus, so every key goes to it
	// (q and ? must not fire while typing).
	capturing() bool
	title() string
}

// Model is the wallet: the root that owns the layout (header, banner,
// body, footer), routes messages, and keeps the server's availability.
type Model struct {
	c      *common
	cancel context.CancelFunc
	pinger *client.Client

	pages    [numPages]page
	login    *loginPage
	wallet   *walletPage
	create   *createPage
	accept   *acceptPage
	handover *handoverPage
	topup    *topupPage
	withdraw *withdrawPage
	support  *supportPage
	cur      pageID

	showHelp bool
	dialog   *confirmMsg

	flash struct {
		text string
		err  bool
		seq  int
	}
	ping struct {
		gen     int
		backoff time.Duration
	}

	ready    bool
	quitting bool
	exitErr  error
}

func newModel(ctx context.Context, o Options) *Model {
	if o.Renderer == nil {
		o.Renderer = lipgloss.DefaultRenderer()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RefreshInterval <= 0 {
		o.RefreshInterval = 30 * time.Second
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 15 * time.Second
	}
	if o.Lang == "" {
		o.Lang = i18n.FromEnv(os.Getenv)
	}
	if o.ServerURL == "" && o.Client != nil {
		o.ServerURL = o.Client.BaseURL()
	}
	ctx, cancel := context.WithCancel(ctx)
	tr := newLocale(o.Lang, o.Location)
	st := makeStyles(o.Renderer) // asks the terminal its background now, before the program reads input
	c := &common{ctx: ctx, client: o.Client, opts: o, st: st, tr: tr, keys: newKeyMap(tr), now: o.Now}
	m := &Model{c: c, cancel: cancel}
	c.send = func(msg tea.Msg) tea.Cmd {
		_, cmd := m.Update(msg)
		return cmd
	}
	// The ping goes through the session's client (its transport, its
	// base URL); its few quick retries end within pingTimeout.
	m.pinger = o.Client
	m.login = newLoginPage(c)
	m.wallet = newWalletPage(c)
	m.create = newCreatePage(c)
	m.accept = newAcceptPage(c)
	m.handover = newHandoverPage(c)
	m.topup = newTopupPage(c)
	m.withdraw = newWithdrawPage(c)
	m.support = newSupportPage(c, m.wallet.logoutCmd)
	m.pages = [numPages]page{newSetupPage(c), m.login, m.wallet, m.create, m.accept, m.handover, m.topup, m.withdraw, m.support}
	m.cur = pageSetup
	if o.Client != nil {
		m.cur = pageLogin
	}
	return m
}

// shutdown ends every command still running (long-polls, calls).
func (m *Model) shutdown() { m.cancel() }

// Init starts the first screen and the availability check.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.pages[m.cur].enter()}
	if m.pinger != nil {
		cmds = append(cmds, m.schedulePing(m.c.opts.PingInterval))
	}
	return tea.Batch(cmds...)
}

func (m *Model) active() page { return m.pages[m.cur] }

// Update routes a message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.quitting {
		return m, nil
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.width, m.c.height = max(msg.Width, 0), max(msg.Height, 0)
		m.ready = true
		m.layout()
		return m, nil
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	case tea.MouseMsg:
		return m, m.handleMouse(msg)
	case flashMsg:
		return m, m.setFlash(msg.text, msg.err)
	case flashClearMsg:
		if msg.seq == m.flash.seq {
			m.flash.text = ""
		}
		return m, nil
	case copiedMsg:
		return m, m.setFlash(m.c.tr.T("flash.copied"), false)
	case pingDueMsg:
		if msg.gen != m.ping.gen {
			return m, nil
		}
		return m, m.pingNow()
	case pingMsg:
		return m, m.pinged(msg)
	case serverSuspectMsg:
		if m.pinger == nil {
			return m, nil
		}
		return m, m.pingNow()
	case navMsg:
		if msg.back {
			return m, m.goBack(msg.to)
		}
		return m, m.goTo(msg.to)
	case showCheckMsg:
		m.handover.set(msg.check, msg.back)
		return m, m.goTo(pageHandover)
	case confirmMsg:
		m.dialog = &msg
		return m, nil
	case loggedInMsg:
		m.c.userID = msg.userID
		var save tea.Cmd
		if !msg.resumed {
			save = m.c.saveSessionCmd(msg.sessionID)
		}
		return m, tea.Batch(save, m.goTo(m.home()))
	case sessionEndedMsg:
		if m.cur == pageLogin || m.cur == pageSetup {
			return m, nil
		}
		m.endSession()
		return m, tea.Batch(m.c.clearSessionCmd(), m.goTo(pageLogin), m.setFlash(m.c.tr.T("flash.sessionended"), true))
	case loggedOutMsg:
		m.endSession()
		cmds := []tea.Cmd{m.goTo(pageLogin)}
		if msg.err != nil && !isKind(msg.err, client.ErrNotLoggedIn) {
			cmds = append(cmds, m.setFlash(m.c.tr.T("flash.logoutlocal"), true))
		} else {
			cmds = append(cmds, m.setFlash(m.c.tr.T("flash.loggedout"), false))
		}
		return m, tea.Batch(cmds...)
	case sessionSavedMsg:
		if msg.err != nil {
			return m, m.setFlash(m.c.tr.Tf("flash.savefailed", client.Sanitize(msg.err.Error())), true)
		}
		return m, nil
	case balanceMsg:
		if msg.err != nil {
			return m, m.c.fail(msg.err)
		}
		b := msg.bal
		m.c.bal = &b
	case demoRequestedMsg:
		m.exitErr = ErrDemoRequested
		return m, m.quit()
	}
	// Everything else is an answer to some page's command.
	var cmds []tea.Cmd
	for _, p := range m.pages {
		cmds = append(cmds, p.update(msg))
	}
	return m, tea.Batch(cmds...)
}

// layout gives every page the body's size.
func (m *Model) layout() {
	w, h := m.bodySize()
	for _, p := range m.pages {
		p.setSize(w, h)
	}
}

// bodySize is what is left between the header (and banner) and the footer.
func (m *Model) bodySize() (int, int) {
	return m.c.width, max(m.c.height-2-m.bannerHeight(), 0)
}

func (m *Model) bannerHeight() int {
	if m.c.down {
		return 1
	}
	return 0
}

// home is the first screen after the login: the wallet, or in support
// mode the staff view.
func (m *Model) home() pageID {
	if m.c.opts.Support {
		return pageSupport
	}
	return pageWallet
}

func (m *Model) goTo(to pageID) tea.Cmd {
	if to == m.cur || m.c.opts.Support && !supportMayOpen(to) {
		return nil
	}
	m.active().leave()
	m.cur = to
	m.showHelp = false
	return m.active().enter()
}

// goBack returns to a page that keeps its state (a result screen), if it
// can; otherwise it enters it afresh.
func (m *Model) goBack(to pageID) tea.Cmd {
	r, ok := m.pages[to].(interface{ resume() tea.Cmd })
	if !ok || to == m.cur {
		return m.goTo(to)
	}
	m.active().leave()
	m.cur = to
	m.showHelp = false
	return r.resume()
}

func (m *Model) quit() tea.Cmd {
	withdraw := m.login.withdrawCmd()
	m.quitting = true
	m.shutdown()
	if withdraw == nil {
		return tea.Quit
	}
	return func() tea.Msg {
		withdraw()
		return tea.QuitMsg{}
	}
}

// endSession forgets everything of the logged-in user.
func (m *Model) endSession() {
	if m.c.client != nil {
		m.c.client.SetSession("")
	}
	m.c.userID = ""
	m.c.bal = nil
	m.wallet.reset()
	m.support.reset()
	m.dialog = nil
}

// flashFor is how long a footer message stays.
const flashFor = 5 * time.Second

func (m *Model) setFlash(text string, isErr bool) tea.Cmd {
	m.flash.seq++
	m.flash.text, m.flash.err = text, isErr
	seq := m.flash.seq
	return tea.Tick(flashFor, func(time.Time) tea.Msg { return flashClearMsg{seq: seq} })
}

// Keys.

func (m *Model) handleKey(k tea.KeyMsg) tea.Cmd {
	keys := m.c.keys
	if key.Matches(k, keys.ForceQuit) {
		return m.quit()
	}
	if !m.ready {
		if key.Matches(k, keys.Quit) {
			return m.quit()
		}
		return nil
	}
	if m.dialog != nil {
		switch {
		case key.Matches(k, keys.Yes):
			yes := m.dialog.yes
			m.dialog = nil
			return yes
		case key.Matches(k, keys.No):
			m.dialog = nil
		}
		return nil
	}
	p := m.active()
	if p.capturing() {
		return p.update(k)
	}
	if m.showHelp {
		switch {
		case key.Matches(k, keys.Help), key.Matches(k, keys.Back):
			m.showHelp = false
		case key.Matches(k, keys.Quit):
			return m.quit()
		}
		return nil
	}
	switch {
	case key.Matches(k, keys.Help):
		m.showHelp = true
		return nil
	case key.Matches(k, keys.Quit):
		return m.quit()
	case m.cur == pageWallet && m.c.client != nil && key.Matches(k, keys.Topup):
		return m.goTo(pageTopup)
	case m.cur == pageWallet && m.c.client != nil && key.Matches(k, keys.Withdraw):
		return m.goTo(pageWithdraw)
	}
	return p.update(k)
}

// mouseMsg is a mouse event in body coordinates.
type mouseMsg struct{ tea.MouseMsg }

func (m *Model) handleMouse(e tea.MouseMsg) tea.Cmd {
	if !m.ready || m.dialog != nil || m.showHelp || m.tooSmall() {
		return nil
	}
	e.Y -= 1 + m.bannerHeight()
	_, h := m.bodySize()
	if e.Y < 0 || e.Y >= h {
		return nil
	}
	return m.active().update(mouseMsg{e})
}

// Server availability: GET /ping at a quiet pace while it answers, with
// backoff while it does not. The banner shows while it does not.

type (
	pingDueMsg struct{ gen int }
	pingMsg    struct {
		gen int
		err error
	}
)

func (m *Model) schedulePing(d time.Duration) tea.Cmd {
	m.ping.gen++
	gen := m.ping.gen
	return tea.Tick(d, func(time.Time) tea.Msg { return pingDueMsg{gen: gen} })
}

func (m *Model) pingNow() tea.Cmd {
	m.ping.gen++
	gen := m.ping.gen
	pinger, ctx := m.pinger, m.c.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, pingTimeout)
		defer cancel()
		return pingMsg{gen: gen, err: pinger.Ping(ctx)}
	}
}

// Backoff of the ping while the server is down.
const (
	pingBackoffMin = time.Second
	pingBackoffMax = 15 * time.Second
)

func (m *Model) pinged(msg pingMsg) tea.Cmd {
	if msg.gen != m.ping.gen || errors.Is(msg.err, context.Canceled) {
		return nil
	}
	wasDown := m.c.down
	if msg.err == nil {
		m.ping.backoff = 0
		m.c.down = false
		if !wasDown {
			return m.schedulePing(m.c.opts.PingInterval)
		}
		m.layout()
		cmds := []tea.Cmd{m.schedulePing(m.c.opts.PingInterval)}
		for _, p := range m.pages {
			cmds = append(cmds, p.update(serverUpMsg{}))
		}
		return tea.Batch(cmds...)
	}
	m.ping.backoff = min(max(2*m.ping.backoff, pingBackoffMin), pingBackoffMax)
	if !wasDown {
		m.c.down = true
		m.layout()
	}
	return m.schedulePing(m.ping.backoff)
}

// View draws the screen: header, banner, body, footer. Nothing before the
// first size; a notice below the minimum size.
func (m *Model) View() string {
	if !m.ready || m.quitting || m.c.width == 0 || m.c.height == 0 {
		return ""
	}
	if m.tooSmall() {
		return m.tooSmallView()
	}
	w, h := m.bodySize()
	var b strings.Builder
	b.WriteString(m.headerView())
	b.WriteByte('\n')
	if m.c.down {
		b.WriteString(m.bannerView())
		b.WriteByte('\n')
	}
	var body string
	switch {
	case m.dialog != nil:
		body = m.dialogView(w, h)
	case m.showHelp:
		body = m.helpView(w, h)
	default:
		body = m.active().view()
	}
	b.WriteString(fit(body, w, h))
	b.WriteByte('\n')
	b.WriteString(m.footerView())
	return b.String()
}

func (m *Model) tooSmall() bool {
	return m.c.width < MinWidth || m.c.height < MinHeight
}

func (m *Model) tooSmallView() string {
	w, h := m.c.width, m.c.height
	tr, st := m.c.tr, m.c.st
	lines := []string{
		st.bold.Render(truncate(tr.T("small.title"), w)),
		truncate(tr.Tf("small.need", MinWidth, MinHeight, w, h), w),
	}
	top := max((h-len(lines))/2, 0)
	var out []string
	for i := 0; i < top; i++ {
		out = append(out, "")
	}
	for _, l := range lines {
		out = append(out, center(l, w))
	}
	return fit(strings.Join(out, "\n"), w, h)
}

func (m *Model) headerView() string {
	w := m.c.width
	st, tr := m.c.st, m.c.tr
	left := st.badge.Render("fastcheck") + " " + st.bold.Render(m.active().title())
	if m.c.opts.Support {
		left = st.badge.Render("fastcheck") + " " + m.support.headerBadge() + " " + st.bold.Render(m.active().title())
	}
	var right string
	switch {
	case m.c.userID != "" || m.c.bal != nil:
		var parts []string
		if m.c.bal != nil {
			parts = append(parts, st.accent.Render(tr.Money(m.c.bal.Balance, m.c.bal.Currency)))
		}
		if m.c.userID != "" {
			parts = append(parts, st.muted.Render(api.ShortUserID(client.Sanitize(m.c.userID))))
		}
		if m.c.opts.Support {
			parts = append([]string{st.warn.Render(tr.T("staff.readonly"))}, parts...)
		}
		right = strings.Join(parts, st.faint.Render(" · "))
	case m.c.opts.ServerURL != "":
		right = st.muted.Render(client.Sanitize(m.c.opts.ServerURL))
	}
	lw, rw := cellWidth(left), cellWidth(right)
	if lw+1+rw > w {
		right = truncate(right, max(w-lw-1, 0))
		rw = cellWidth(right)
	}
	return truncate(left+strings.Repeat(" ", max(w-lw-rw, 1))+right, w)
}

func (m *Model) bannerView() string {
	w := m.c.width
	text := " ! " + m.c.tr.Tf("banner.down", client.Sanitize(m.c.opts.ServerURL))
	return m.c.st.banner.Render(padRight(truncate(text, w), w))
}

func (m *Model) footerView() string {
	w := m.c.width
	st := m.c.st
	if m.flash.text != "" {
		s := st.flashInfo
		prefix := "✓ "
		if m.flash.err {
			s, prefix = st.flashErr, "✗ "
		}
		return s.Render(truncate(prefix+m.flash.text, w))
	}
	left, right := m.footerKeys()
	r := m.shortHelp(right, w)
	l := m.shortHelp(left, w-cellWidth(r)-3)
	gap := w - cellWidth(l) - cellWidth(r)
	if r == "" || gap < 3 {
		return truncate(l, w)
	}
	return l + strings.Repeat(" ", gap) + r
}

// shortHelp is one line of "key desc • key desc" that fits w cells: the
// items that do not fit are dropped, with an ellipsis.
func (m *Model) shortHelp(ks []key.Binding, w int) string {
	st := m.c.st
	sep := st.helpSep.Render(" • ")
	var b strings.Builder
	used := 0
	for i, k := range ks {
		if !k.Enabled() {
			continue
		}
		item := st.helpKey.Render(k.Help().Key) + " " + st.helpDesc.Render(k.Help().Desc)
		if used > 0 {
			item = sep + item
		}
		iw := cellWidth(item)
		last := i == len(ks)-1
		if used+iw > w || (!last && used+iw+2 > w) {
			if used+2 <= w {
				b.WriteString(st.helpSep.Render(" …"))
			}
			break
		}
		b.WriteString(item)
		used += iw
	}
	return b.String()
}

// footerKeys are the keys valid right now: the view's on the left, the
// global ones on the right.
func (m *Model) footerKeys() (left, right []key.Binding) {
	keys := m.c.keys
	switch {
	case m.dialog != nil:
		return []key.Binding{keys.Yes, keys.No}, nil
	case m.showHelp:
		return []key.Binding{with(keys.Help, "?/esc", m.c.tr.T("key.closehelp"))}, []key.Binding{keys.Quit}
	}
	p := m.active()
	if p.capturing() {
		return p.ShortHelp(), nil
	}
	left, right = p.ShortHelp(), []key.Binding{keys.Help, keys.Quit}
	// The wallet's top-up and withdraw keys when they fit whole (they are
	// always in the full help).
	if pay := m.walletPayKeys(); pay != nil {
		all := append(slices.Clone(left), pay...)
		if cellWidth(m.shortHelp(all, 1<<20))+3+cellWidth(m.shortHelp(right, 1<<20)) <= m.c.width {
			left = all
		}
	}
	return left, right
}

// walletPayKeys are the wallet's top-up and withdraw keys (handled here,
// not by the wallet page).
func (m *Model) walletPayKeys() []key.Binding {
	if m.cur != pageWallet || m.c.client == nil {
		return nil
	}
	return []key.Binding{m.c.keys.Topup, m.c.keys.Withdraw}
}

func (m *Model) helpView(w, h int) string {
	st, tr := m.c.st, m.c.tr
	var items []key.Binding
	for _, g := range m.active().FullHelp() {
		items = append(items, g...)
	}
	items = append(items, m.walletPayKeys()...)
	items = append(items, m.c.keys.Help, m.c.keys.Quit, m.c.keys.ForceQuit)
	lines := []string{"", "  " + st.bold.Render(tr.T("help.title")), ""}
	for _, l := range fullHelp(st, items, w-4, h-len(lines)) {
		lines = append(lines, "  "+l)
	}
	return strings.Join(lines, "\n")
}

// fullHelp lays "key  description" items out in columns, top to bottom
// then left to right: the fewest columns that fit the height, as long as
// they fit the width.
func fullHelp(st *styles, items []key.Binding, w, h int) []string {
	var ks []key.Binding
	for _, k := range items {
		if k.Enabled() {
			ks = append(ks, k)
		}
	}
	if len(ks) == 0 || h <= 0 {
		return nil
	}
	const gap = 4
	layout := func(ncols int) (rows int, cols [][]string, width int) {
		rows = (len(ks) + ncols - 1) / ncols
		for c := 0; c*rows < len(ks); c++ {
			part := ks[c*rows : min((c+1)*rows, len(ks))]
			kw := 0
			for _, k := range part {
				kw = max(kw, cellWidth(k.Help().Key))
			}
			var col []string
			cw := 0
			for _, k := range part {
				line := st.fullKey.Render(padRight(k.Help().Key, kw)) + "  " + st.fullDesc.Render(k.Help().Desc)
				col = append(col, line)
				cw = max(cw, cellWidth(line))
			}
			for i := range col {
				col[i] = padRight(col[i], cw)
			}
			if c > 0 {
				width += gap
			}
			width += cw
			cols = append(cols, col)
		}
		return rows, cols, width
	}
	// Columns of at most 10 rows read best; fewer columns when the width
	// forbids, as long as the height allows.
	best := 1
	for _, limit := range []int{min(h, 10), h} {
		found := false
		for n := 1; n <= len(ks); n++ {
			rows, _, width := layout(n)
			if width > w && n > 1 {
				break
			}
			best = n
			if rows <= limit {
				found = true
				break
			}
		}
		if found {
			break
		}
	}
	rows, cols, _ := layout(best)
	out := make([]string, rows)
	for i := 0; i < rows; i++ {
		var b strings.Builder
		for c, col := range cols {
			if c > 0 {
				b.WriteString(strings.Repeat(" ", gap))
			}
			if i < len(col) {
				b.WriteString(col[i])
			}
		}
		out[i] = strings.TrimRight(b.String(), " ")
	}
	return out
}

func (m *Model) dialogView(w, h int) string {
	st := m.c.st
	d := m.dialog
	bw := min(w-4, 56)
	var lines []string
	lines = append(lines, st.bold.Render(d.title), "")
	for _, p := range strings.Split(d.body, "\n") {
		lines = append(lines, wrap(p, bw-8)...)
	}
	lines = append(lines, "", st.muted.Render(m.c.tr.T("dialog.hint")))
	box := st.dialog.Width(bw).Render(strings.Join(lines, "\n"))
	return m.c.opts.Renderer.Place(w, h, lipgloss.Center, lipgloss.Center, box)
}
