package tui

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"fastcheck/api"
	"fastcheck/client"
)

const (
	tabActive = iota
	tabHistory
)

type sortKey int

const (
	sortDate sortKey = iota
	sortAmount
)

// activeRow is an active check with its times parsed.
type activeRow struct {
	api.ActiveCheck
	created, expires time.Time
}

// histRow is a history row reduced to what the list shows, with its times
// parsed once, so that sorting 100,000 rows never parses a time: 88 bytes
// and the number's 16 (currency and status strings are shared), 10 MB for
// 100,000 rows. The filter's keys are built only when a filter is typed.
type histRow struct {
	Fastcheck string
	Amount    int64
	Currency  string
	status    string
	// Unix seconds, 0 if none: created, settled, expiry.
	created, resolved, expires int64
	kind                       histKind
}

// when is when it settled, or else when it was created: the date shown
// and sorted by.
func (r *histRow) when() int64 {
	if r.resolved != 0 {
		return r.resolved
	}
	return r.created
}

func unixTime(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

func unixOf(s string) int64 {
	t := parseTime(s)
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// internCurrency shares one string per known currency among the rows.
func internCurrency(c string) string {
	for _, k := range allCurrencies {
		if c == k {
			return k
		}
	}
	return client.Sanitize(c)
}

// internStatus does the same for the check states.
func internStatus(s string) string {
	for _, k := range []string{api.CheckUsed, api.CheckExpired, api.CheckCancelled, api.CheckActive} {
		if s == k {
			return k
		}
	}
	return client.Sanitize(s)
}

type histKind uint8

const (
	histReceived histKind = iota // accepted by this user: money in
	histPaid                     // created and accepted by someone: money out
	histRefunded                 // created, then expired or cancelled: money back
	histOther
)

func classify(h api.HistoryCheck) histKind {
	switch {
	case h.Type == api.TypeAccepted:
		return histReceived
	case h.Type == api.TypeCreated && h.Status == api.CheckUsed:
		return histPaid
	case h.Type == api.TypeCreated && (h.Status == api.CheckExpired || h.Status == api.CheckCancelled):
		return histRefunded
	}
	return histOther
}

// Messages of the wallet.
type (
	activeMsg struct {
		rows []activeRow
		err  error
	}
	historyMsg struct {
		rows []histRow
		sig  string // historySig when it was asked for ("" unknown)
		err  error
	}
	walletTickMsg  struct{ gen int }
	walletClockMsg struct{ gen, seq int }
	cancelledMsg   struct {
		res api.CancelCheckResponse
		err error
	}
)

// walletPage is the header's balance plus two tabs, Active checks and
// History, each a windowed list with a details pane for the selection.
type walletPage struct {
	c    *common
	w, h int
	on   bool
	gen  int

	tab      int
	active   []activeRow
	hist     []histRow
	search   []string // the filter's keys of hist, once asked for (searchKeys)
	order    []int32  // history rows shown: filtered and sorted indices
	aList    listState
	hList    listState
	loadedA  bool
	loadedH  bool
	histSig  string    // historySig of the history shown ("" unknown)
	histAt   time.Time // when it was read
	sortBy   sortKey
	sortAsc  bool
	filter   textinput.Model
	filterOn bool      // the filter input has the focus
	clockSeq int       // the countdown tick that counts (clock)
	clockAt  time.Time // when it was armed
	settled  bool      // Options.Settled was called
}

func newWalletPage(c *common) *walletPage {
	p := &walletPage{c: c}
	p.filter = newTextInput(c.st, "/ ", c.tr.T("wallet.filterph"), 40)
	return p
}

// newTextInput is a text input drawn with the session's styles, a steady
// cursor (no blink timer), and no clipboard key (ctrl+v would read the
// clipboard of the machine running the program, not the user's; a
// terminal's paste still arrives as typed text).
func newTextInput(st *styles, prompt, placeholder string, limit int) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Placeholder = placeholder
	in.CharLimit = limit
	in.KeyMap.Paste.SetEnabled(false)
	in.Cursor.SetMode(cursor.CursorStatic)
	st.styleInput(&in)
	return in
}

func (p *walletPage) title() string   { return p.c.tr.T("wallet.title") }
func (p *walletPage) capturing() bool { return p.filterOn }

func (p *walletPage) reset() {
	p.active, p.hist, p.order, p.search = nil, nil, nil, nil
	p.loadedA, p.loadedH = false, false
	p.histSig, p.histAt = "", time.Time{}
	p.aList, p.hList = listState{height: p.aList.height}, listState{height: p.hList.height}
	p.filter.SetValue("")
	p.filter.Blur()
	p.filterOn = false
	p.tab = tabActive
}

func (p *walletPage) enter() tea.Cmd {
	p.on = true
	p.gen++
	return tea.Batch(p.load(false), p.tick(), p.clock())
}

func (p *walletPage) leave() {
	p.on = false
	p.gen++
	p.filterOn = false
	p.filter.Blur()
}

// tick is the quiet refresh, re-armed only while the wallet is on screen.
func (p *walletPage) tick() tea.Cmd {
	gen := p.gen
	return tea.Tick(p.c.opts.RefreshInterval, func(time.Time) tea.Msg { return walletTickMsg{gen: gen} })
}

// clock redraws the active checks' countdowns ("Expires in", "Time left")
// when the soonest of them next changes its text, and only then: every
// second in a check's last hour, every minute in its last day, every hour
// before. One tick at a time, only while the wallet is on screen; none
// when no check counts down.
func (p *walletPage) clock() tea.Cmd {
	p.clockSeq++
	if !p.on {
		return nil
	}
	now := p.c.now()
	p.clockAt = now
	var next time.Duration
	for i := range p.active {
		if p.active[i].expires.IsZero() {
			continue
		}
		if d := untilChange(p.active[i].expires.Sub(now)); d > 0 && (next == 0 || d < next) {
			next = d
		}
	}
	if next == 0 {
		return nil
	}
	gen, seq := p.gen, p.clockSeq
	return tea.Tick(next, func(time.Time) tea.Msg { return walletClockMsg{gen: gen, seq: seq} })
}

// untilChange is how long until a time left of d, as Locale.Duration
// writes it ("6d 23h", "5h 02m", "4m 10s"), shows another text: just past
// the next whole unit it shows. 0: it will not change (under a second).
func untilChange(d time.Duration) time.Duration {
	var step time.Duration
	switch {
	case d < time.Second:
		return 0 // "0s" until the sweeper takes it
	case d >= 24*time.Hour:
		step = time.Hour
	case d >= time.Hour:
		step = time.Minute
	default:
		step = time.Second
	}
	return d%step + time.Millisecond
}

// refresh loads the balance and both lists (r, and after an action).
func (p *walletPage) refresh() tea.Cmd { return p.load(true) }

// histMaxAge is how old the history may grow while nothing else changes
// (see load).
const histMaxAge = 10 * time.Minute

// load fetches the balance and the active checks in parallel, then the
// history: always when full, otherwise only when it can have changed
// since it was read. A check enters the history only by leaving its
// creator's active checks or by moving a balance, so while the balance
// and the active checks are what they were when the history was read, so
// is the history: a long history is not downloaded again at every quiet
// refresh or every return to the wallet. What this could miss (a check
// created and cancelled elsewhere between two looks) is caught within
// histMaxAge.
func (p *walletPage) load(full bool) tea.Cmd {
	cl, ctx := p.c.client, p.c.ctx
	prev := p.histSig
	if p.histAt.IsZero() || time.Since(p.histAt) > histMaxAge {
		full = true
	}
	history := func(sig string) tea.Cmd {
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(ctx, callTimeout)
			defer cancel()
			var rows []histRow
			err := cl.HistoryEach(ctx, func() { rows = rows[:0] }, func(h api.HistoryCheck) {
				rows = append(rows, toHistRow(h))
			})
			if err != nil {
				return historyMsg{err: err}
			}
			rows = slices.Clip(rows)
			sortHistRows(rows)
			return historyMsg{rows: rows, sig: sig}
		}
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		var (
			bal    api.Balance
			balErr error
			wg     sync.WaitGroup
		)
		wg.Add(1)
		go func() {
			defer wg.Done()
			bal, balErr = cl.Balance(ctx)
		}()
		list, err := cl.ActiveChecks(ctx)
		wg.Wait()
		act := activeMsg{err: err}
		if err == nil {
			act.rows = toActiveRows(list)
		}
		cmds := []tea.Cmd{msgCmd(balanceMsg{bal: bal, err: balErr}), msgCmd(act)}
		sig := ""
		if balErr == nil && err == nil {
			sig = historySig(bal, list)
		}
		if full || sig == "" || sig != prev {
			cmds = append(cmds, history(sig))
		}
		return tea.BatchMsg(cmds)
	}
}

// historySig sums up what every change of the history also changes: the
// balance and the set of active checks.
func historySig(bal api.Balance, active []api.ActiveCheck) string {
	var b strings.Builder
	b.WriteString(bal.Currency)
	b.WriteString(strconv.FormatInt(bal.Balance, 10))
	for _, a := range active {
		b.WriteByte(' ')
		b.WriteString(a.Fastcheck)
	}
	return b.String()
}

func toActiveRows(list []api.ActiveCheck) []activeRow {
	rows := make([]activeRow, len(list))
	for i, a := range list {
		a.Fastcheck = client.Sanitize(a.Fastcheck)
		a.Code = client.Sanitize(a.Code)
		a.Currency = client.Sanitize(a.Currency)
		rows[i] = activeRow{ActiveCheck: a, created: parseTime(a.CreatedAt), expires: parseTime(a.Expiration)}
	}
	// Soonest expiry first: those are the ones to hand over or cancel.
	slices.SortStableFunc(rows, func(a, b activeRow) int { return a.expires.Compare(b.expires) })
	return rows
}

func toHistRows(list []api.HistoryCheck) []histRow {
	rows := make([]histRow, len(list))
	for i, h := range list {
		rows[i] = toHistRow(h)
	}
	sortHistRows(rows)
	return rows
}

func sortHistRows(rows []histRow) {
	slices.SortStableFunc(rows, func(a, b histRow) int { return cmp.Compare(b.when(), a.when()) })
}

func toHistRow(h api.HistoryCheck) histRow {
	r := histRow{
		Fastcheck: client.Sanitize(h.Fastcheck), Amount: h.Amount, Currency: internCurrency(h.Currency),
		status: internStatus(h.Status), kind: classify(h), created: unixOf(h.CreatedAt), expires: unixOf(h.Expiration),
	}
	for _, s := range []string{h.AcceptedAt, h.UsedAt, h.ResolvedAt} {
		if t := unixOf(s); t != 0 {
			r.resolved = t
			break
		}
	}
	return r
}

// searchKeys are the lower-case texts the filter matches, one per history
// row: the number with and without dashes, the amount with and without
// thousands separators, what happened and the state. Built on the first
// filter after the history loads.
func (p *walletPage) searchKeys() []string {
	if len(p.search) == len(p.hist) {
		return p.search
	}
	tr := p.c.tr
	p.search = make([]string, len(p.hist))
	var b strings.Builder
	for i := range p.hist {
		r := &p.hist[i]
		b.Reset()
		b.WriteString(r.Fastcheck)
		b.WriteByte(0)
		b.WriteString(strings.ReplaceAll(r.Fastcheck, "-", ""))
		b.WriteByte(0)
		b.WriteString(api.FormatMinor(r.Amount, r.Currency)) // 1,580.00 RUB
		b.WriteByte(0)
		b.WriteString(strings.ReplaceAll(api.FormatMinor(r.Amount, r.Currency), ",", "")) // 1580.00 RUB
		b.WriteByte(0)
		b.WriteString(tr.T(kindText(r.kind)))
		b.WriteByte(0)
		b.WriteString(r.status)
		p.search[i] = strings.ToLower(b.String())
	}
	return p.search
}

func kindText(k histKind) string {
	switch k {
	case histReceived:
		return "hist.received"
	case histPaid:
		return "hist.paid"
	case histRefunded:
		return "hist.refunded"
	}
	return "hist.other"
}

// reorder recomputes the shown history rows after data, filter or sort
// changed (never in View). The selected check stays selected if it is
// still shown.
func (p *walletPage) reorder() {
	keep := ""
	if r := p.selectedHist(); r != nil {
		keep = r.Fastcheck
	}
	q := strings.ToLower(strings.TrimSpace(p.filter.Value()))
	p.order = p.order[:0]
	var keys []string
	if q != "" {
		keys = p.searchKeys()
	}
	for i := range p.hist {
		if q == "" || strings.Contains(keys[i], q) {
			p.order = append(p.order, int32(i))
		}
	}
	if p.sortBy == sortAmount || p.sortAsc {
		hist, asc, byAmount := p.hist, p.sortAsc, p.sortBy == sortAmount
		slices.SortStableFunc(p.order, func(a, b int32) int {
			var c int
			if byAmount {
				c = cmp.Compare(hist[a].Amount, hist[b].Amount)
			} else {
				c = cmp.Compare(hist[a].when(), hist[b].when())
			}
			if !asc {
				c = -c
			}
			return c
		})
	}
	p.hList.setN(len(p.order))
	if keep != "" {
		for i, idx := range p.order {
			if p.hist[idx].Fastcheck == keep {
				p.hList.cursor = i
				p.hList.clamp()
				break
			}
		}
	}
}

func (p *walletPage) selectedActive() *activeRow {
	if p.aList.cursor < len(p.active) {
		return &p.active[p.aList.cursor]
	}
	return nil
}

func (p *walletPage) selectedHist() *histRow {
	if p.hList.cursor < len(p.order) {
		return &p.hist[p.order[p.hList.cursor]]
	}
	return nil
}

func (p *walletPage) list() *listState {
	if p.tab == tabHistory {
		return &p.hList
	}
	return &p.aList
}

func (p *walletPage) update(msg tea.Msg) tea.Cmd {
	c := p.c
	switch msg := msg.(type) {
	case activeMsg:
		if msg.err != nil {
			return p.failed(msg.err)
		}
		keep := ""
		if r := p.selectedActive(); r != nil {
			keep = r.Fastcheck
		}
		p.active, p.loadedA = msg.rows, true
		p.aList.setN(len(p.active))
		for i := range p.active {
			if p.active[i].Fastcheck == keep {
				p.aList.cursor = i
				p.aList.clamp()
			}
		}
		return p.clock()
	case historyMsg:
		if msg.err != nil {
			return p.failed(msg.err)
		}
		p.hist, p.loadedH, p.search = msg.rows, true, nil
		p.histSig, p.histAt = msg.sig, time.Now()
		p.reorder()
		if s := c.opts.Settled; s != nil && !p.settled {
			p.settled = true
			s()
		}
	case walletTickMsg:
		if msg.gen == p.gen && p.on {
			return tea.Batch(p.load(false), p.tick())
		}
	case walletClockMsg:
		// A clock that has not moved since the tick was armed (a test's)
		// changes no countdown: no further ticks.
		if msg.gen == p.gen && msg.seq == p.clockSeq && p.on && !p.c.now().Equal(p.clockAt) {
			return p.clock()
		}
	case serverUpMsg:
		if p.on {
			return p.load(false)
		}
	case cancelledMsg:
		if msg.err != nil {
			return c.fail(msg.err)
		}
		var cmds []tea.Cmd
		cmds = append(cmds, msgCmd(flashMsg{text: c.tr.Tf("flash.cancelled", client.Sanitize(msg.res.Fastcheck), c.tr.Money(msg.res.Amount, client.Sanitize(msg.res.Currency)))}))
		if p.on {
			cmds = append(cmds, p.refresh())
		}
		return tea.Batch(cmds...)
	case tea.KeyMsg:
		return p.key(msg)
	case mouseMsg:
		return p.mouse(msg)
	}
	return nil
}

// failed reports a list that did not load, once per refresh: only while
// the wallet is on screen.
func (p *walletPage) failed(err error) tea.Cmd {
	if !p.on {
		return nil
	}
	return p.c.fail(err)
}

func (p *walletPage) key(k tea.KeyMsg) tea.Cmd {
	c, keys := p.c, p.c.keys
	if p.filterOn {
		switch {
		case key.Matches(k, keys.ClearFilter):
			p.filter.SetValue("")
			p.filter.Blur()
			p.filterOn = false
			p.reorder()
		case key.Matches(k, keys.ApplyFilter), k.Type == tea.KeyUp, k.Type == tea.KeyDown:
			p.filter.Blur()
			p.filterOn = false
		default:
			before := p.filter.Value()
			var cmd tea.Cmd
			p.filter, cmd = p.filter.Update(k)
			if p.filter.Value() != before {
				p.reorder()
			}
			return cmd
		}
		return nil
	}
	switch {
	case p.list().navigate(k, keys):
	case key.Matches(k, keys.Tab1):
		p.tab = tabActive
	case key.Matches(k, keys.Tab2):
		p.tab = tabHistory
	case key.Matches(k, keys.NextTab), key.Matches(k, keys.PrevTab):
		p.tab = 1 - p.tab
	case key.Matches(k, keys.New):
		return c.send(navMsg{to: pageCreate})
	case key.Matches(k, keys.Accept):
		return c.send(navMsg{to: pageAccept})
	case key.Matches(k, keys.Refresh):
		return p.refresh()
	case key.Matches(k, keys.Logout):
		return c.send(confirmMsg{title: c.tr.T("logout.title"), body: c.tr.T("logout.body"), yes: p.logoutCmd()})
	case p.tab == tabActive && key.Matches(k, keys.Copy):
		if r := p.selectedActive(); r != nil {
			return c.copyCmd(r.Fastcheck + " " + r.Code)
		}
	case p.tab == tabActive && key.Matches(k, keys.Show):
		if r := p.selectedActive(); r != nil {
			return c.send(showCheckMsg{check: handoverFromActive(r), back: pageWallet})
		}
	case p.tab == tabActive && key.Matches(k, keys.Cancel):
		if r := p.selectedActive(); r != nil {
			return c.send(confirmMsg{
				title: c.tr.T("cancel.title"),
				body:  c.tr.Tf("cancel.body", r.Fastcheck, c.tr.Money(r.Amount, r.Currency)),
				yes:   p.cancelCmd(r.Fastcheck),
			})
		}
	case p.tab == tabHistory && key.Matches(k, keys.Filter):
		p.filterOn = true
		return p.filter.Focus()
	case p.tab == tabHistory && key.Matches(k, keys.ClearFilter) && p.filter.Value() != "":
		p.filter.SetValue("")
		p.reorder()
	case p.tab == tabHistory && key.Matches(k, keys.Sort):
		p.sortBy = 1 - p.sortBy
		p.sortAsc = false
		p.reorder()
	case p.tab == tabHistory && key.Matches(k, keys.Reverse):
		p.sortAsc = !p.sortAsc
		p.reorder()
	}
	return nil
}

func (p *walletPage) cancelCmd(number string) tea.Cmd {
	cl, ctx := p.c.client, p.c.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		res, err := cl.CancelCheck(ctx, number)
		return cancelledMsg{res: res, err: err}
	}
}

func (p *walletPage) logoutCmd() tea.Cmd {
	cl, ctx, clear := p.c.client, p.c.ctx, p.c.opts.ClearSession
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		err := cl.DeleteWebsession(ctx, cl.Session())
		cl.SetSession("")
		if clear != nil {
			if cerr := clear(); err == nil {
				err = cerr
			}
		}
		return loggedOutMsg{err: err}
	}
}

// Geometry. Rows of the body: 0 tabs, 1 filter or rule, 2 column heads,
// then the list; the details pane sits below the list, or beside it when
// the terminal is wide.

const (
	wideAt   = 100
	detailsW = 36
	listTop  = 3
)

func (p *walletPage) wide() bool { return p.w >= wideAt }

// detailsHeight is the pane's height below the list: two columns of up to
// four pairs from 70 columns on, one column of seven below that.
func (p *walletPage) detailsHeight() int {
	if p.w >= 70 {
		return 4
	}
	return 7
}

func (p *walletPage) listWidth() int {
	if p.wide() {
		return p.w - detailsW - 3
	}
	return p.w
}

func (p *walletPage) setSize(w, h int) {
	p.w, p.h = w, h
	lh := h - listTop
	if !p.wide() {
		lh -= p.detailsHeight() + 1
	}
	p.aList.setHeight(lh)
	p.hList.setHeight(lh)
	p.filter.Width = max(p.listWidth()-30, 10)
}

// tabSpans are the cells of each tab title on row 0, for clicks.
func (p *walletPage) tabLabels() [2]string {
	tr := p.c.tr
	return [2]string{
		tr.Tf("wallet.tabactive", len(p.active)),
		tr.Tf("wallet.tabhistory", len(p.hist)),
	}
}

func (p *walletPage) mouse(e mouseMsg) tea.Cmd {
	if e.Action != tea.MouseActionPress {
		return nil
	}
	l := p.list()
	switch e.Button {
	case tea.MouseButtonWheelUp:
		l.scroll(-3)
		return nil
	case tea.MouseButtonWheelDown:
		l.scroll(3)
		return nil
	case tea.MouseButtonLeft:
	default:
		return nil
	}
	if e.Y == 0 {
		x := 1
		for i, label := range p.tabLabels() {
			w := cellWidth(label) + 2
			if e.X >= x && e.X < x+w {
				p.tab = i
				return nil
			}
			x += w + 3
		}
		return nil
	}
	if e.X < p.listWidth() {
		l.clickRow(e.Y - listTop)
	}
	return nil
}

func (p *walletPage) ShortHelp() []key.Binding {
	k, tr := p.c.keys, p.c.tr
	if p.filterOn {
		return []key.Binding{k.ApplyFilter, k.ClearFilter}
	}
	out := []key.Binding{with(k.NextTab, "tab", tr.T("short.tab")), with(k.New, "n", tr.T("short.new")), with(k.Accept, "a", tr.T("short.accept"))}
	if p.tab == tabActive && p.selectedActive() != nil {
		out = append(out, with(k.Copy, "y", tr.T("short.copy")), with(k.Show, "v", tr.T("short.show")), with(k.Cancel, "x", tr.T("short.cancel")))
	}
	if p.tab == tabHistory && len(p.hist) > 0 {
		out = append(out, with(k.Filter, "/", tr.T("short.filter")), with(k.Sort, "s", tr.T("short.sort")))
		if p.filter.Value() != "" {
			out = append(out, k.ClearFilter)
		}
	}
	return out
}

func (p *walletPage) FullHelp() [][]key.Binding {
	k := p.c.keys
	if p.filterOn {
		return [][]key.Binding{{k.ApplyFilter, k.ClearFilter}}
	}
	nav := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.NextTab, k.Tab1, k.Tab2}
	checks := []key.Binding{k.New, k.Accept}
	if p.tab == tabActive && p.selectedActive() != nil {
		checks = append(checks, k.Copy, k.Show, k.Cancel)
	}
	groups := [][]key.Binding{nav, checks}
	if p.tab == tabHistory && len(p.hist) > 0 {
		hist := []key.Binding{k.Filter, k.Sort, k.Reverse}
		if p.filter.Value() != "" {
			hist = append(hist, k.ClearFilter)
		}
		groups = append(groups, hist)
	}
	return append(groups, []key.Binding{k.Refresh, k.Logout})
}

// View.

func (p *walletPage) view() string {
	if p.w <= 0 || p.h <= 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(p.w * p.h * 2)
	b.WriteString(p.tabsLine())
	b.WriteByte('\n')
	b.WriteString(p.infoLine())
	b.WriteByte('\n')
	lw := p.listWidth()
	list := p.listLines(lw)
	if p.wide() {
		det := p.detailLines(detailsW)
		rule := p.c.st.rule.Render("│")
		for i, l := range list {
			b.WriteString(padRight(l, lw))
			b.WriteString(" ")
			b.WriteString(rule)
			b.WriteString(" ")
			if i < len(det) {
				b.WriteString(det[i])
			}
			b.WriteByte('\n')
		}
	} else {
		for _, l := range list {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		b.WriteString(p.c.st.rule.Render(strings.Repeat("─", p.w)))
		for _, l := range p.detailLines(p.w) {
			b.WriteByte('\n')
			b.WriteString(l)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// tabsText draws tab titles, the active one marked ▸, gap apart.
func tabsText(st *styles, labels []string, active int, gap string) string {
	var b strings.Builder
	b.WriteString(" ")
	for i, label := range labels {
		if i > 0 {
			b.WriteString(gap)
		}
		if i == active {
			b.WriteString(st.tabActive.Render("▸ " + label))
		} else {
			b.WriteString(st.tabInactive.Render("  " + label))
		}
	}
	return b.String()
}

func (p *walletPage) tabsLine() string {
	st := p.c.st
	labels := p.tabLabels()
	left := tabsText(st, labels[:], p.tab, "   ")
	if p.tab != tabHistory {
		return left
	}
	tr := p.c.tr
	by := tr.T("wallet.sortdate")
	if p.sortBy == sortAmount {
		by = tr.T("wallet.sortamount")
	}
	arrow := "↓"
	if p.sortAsc {
		arrow = "↑"
	}
	right := st.muted.Render(tr.Tf("wallet.sort", by, arrow))
	gap := p.w - cellWidth(left) - cellWidth(right) - 1
	if gap < 2 {
		return left
	}
	return left + strings.Repeat(" ", gap) + right
}

func (p *walletPage) infoLine() string {
	st, tr := p.c.st, p.c.tr
	lw := p.listWidth()
	if p.tab == tabHistory && (p.filterOn || p.filter.Value() != "") {
		count := st.muted.Render(tr.Tf("wallet.matches", len(p.order), len(p.hist)))
		var left string
		if p.filterOn {
			left = " " + p.filter.View()
		} else {
			left = " " + st.accent.Render("/ "+client.Sanitize(p.filter.Value()))
		}
		return padRight(left, max(lw-cellWidth(count)-1, 0)) + count
	}
	return st.rule.Render(strings.Repeat("─", lw))
}

// Column widths of the lists.
const (
	colNumber = 14
	colAmount = 17
	colDate   = 16
	colIn     = 10
)

// narrow lists drop the creation date (active) and the time of day
// (history), so every column stays whole at the minimum width.
func narrow(w int) bool { return w < 70 }

func (p *walletPage) listLines(w int) []string {
	st, tr := p.c.st, p.c.tr
	l := p.list()
	out := make([]string, 0, l.height+1)
	var empty string
	switch {
	case p.tab == tabActive && !p.loadedA, p.tab == tabHistory && !p.loadedH:
		empty = tr.T("wallet.loading")
	case p.tab == tabActive && len(p.active) == 0:
		empty = tr.T("wallet.noactive")
	case p.tab == tabHistory && len(p.hist) == 0:
		empty = tr.T("wallet.nohistory")
	case p.tab == tabHistory && len(p.order) == 0:
		empty = tr.Tf("wallet.nomatch", client.Sanitize(p.filter.Value()))
	}
	if p.tab == tabActive {
		head := "  " + padRight(tr.T("col.number"), colNumber) + "  " + padLeft(tr.T("col.amount"), colAmount) + "  " + padRight(tr.T("col.expiresin"), colIn)
		if !narrow(w) {
			head += "  " + tr.T("col.created")
		}
		out = append(out, st.rowHeader.Render(truncate(head, w)))
	} else {
		dw := colDate
		if narrow(w) {
			dw = 10
		}
		out = append(out, st.rowHeader.Render(truncate("  "+padRight(tr.T("col.date"), dw)+"  "+
			padRight(tr.T("col.number"), colNumber)+"  "+padLeft(tr.T("col.amount"), colAmount)+"  "+tr.T("col.what"), w)))
	}
	if empty != "" {
		out = append(out, "", "  "+st.muted.Render(truncate(empty, w-2)))
	} else {
		from, to := l.window()
		now := p.c.now()
		for i := from; i < to; i++ {
			sel := i == l.cursor
			if p.tab == tabActive {
				out = append(out, p.activeLine(&p.active[i], sel, w, now))
			} else {
				out = append(out, p.histLine(&p.hist[p.order[i]], sel, w))
			}
		}
	}
	for len(out) < l.height+1 {
		out = append(out, "")
	}
	return out
}

func (p *walletPage) activeLine(r *activeRow, sel bool, w int, now time.Time) string {
	st, tr := p.c.st, p.c.tr
	in := tr.Duration(r.expires.Sub(now))
	if r.expires.IsZero() {
		in = "—"
	}
	created := ""
	if !narrow(w) {
		created = "  " + tr.DateTime(r.created)
	}
	flag := ""
	if r.Locked {
		flag = "  " + tr.T("check.locked")
	}
	if sel {
		line := "› " + padRight(r.Fastcheck, colNumber) + "  " + padLeft(tr.Money(r.Amount, r.Currency), colAmount) +
			"  " + padRight(in, colIn) + created + flag
		return st.rowSel.Render(padRight(line, w))
	}
	line := "  " + padRight(r.Fastcheck, colNumber) + "  " + st.value.Render(padLeft(tr.Money(r.Amount, r.Currency), colAmount)) +
		"  " + st.muted.Render(padRight(in, colIn)+created)
	if flag != "" {
		line += st.warn.Render(flag)
	}
	return truncate(line, w)
}

func (p *walletPage) histLine(r *histRow, sel bool, w int) string {
	st, tr := p.c.st, p.c.tr
	amount := tr.Money(r.Amount, r.Currency)
	switch r.kind {
	case histReceived:
		amount = "+" + amount
	case histPaid:
		amount = "−" + amount
	}
	when := tr.DateTime(unixTime(r.when()))
	if narrow(w) {
		when = tr.Date(unixTime(r.when()))
	}
	what := tr.T(kindText(r.kind))
	if sel {
		line := "› " + when + "  " + padRight(r.Fastcheck, colNumber) + "  " + padLeft(amount, colAmount) + "  " + what
		return st.rowSel.Render(padRight(line, w))
	}
	as := st.value
	switch r.kind {
	case histReceived:
		as = st.ok
	case histRefunded, histOther:
		as = st.muted
	}
	line := "  " + st.muted.Render(when) + "  " + r.Fastcheck + "  " + as.Render(padLeft(amount, colAmount)) + "  " + st.muted.Render(what)
	return truncate(line, w)
}

// detailLines is the details pane of the selected check.
func (p *walletPage) detailLines(w int) []string {
	st, tr := p.c.st, p.c.tr
	type kv struct{ k, v string }
	var rows []kv
	if p.tab == tabActive {
		r := p.selectedActive()
		if r == nil {
			return []string{" " + st.muted.Render(truncate(tr.T("wallet.nodetails"), w-1))}
		}
		left := "—"
		if !r.expires.IsZero() {
			left = tr.Duration(r.expires.Sub(p.c.now()))
		}
		state := tr.T("check.active")
		if r.Locked {
			state = tr.T("check.lockedlong")
		}
		rows = []kv{
			{tr.T("details.number"), st.big.Render(r.Fastcheck)},
			{tr.T("details.code"), st.big.Render(r.Code)},
			{tr.T("details.amount"), tr.Money(r.Amount, r.Currency)},
			{tr.T("details.state"), state},
			{tr.T("details.created"), tr.DateTime(r.created)},
			{tr.T("details.expires"), tr.DateTime(r.expires)},
			{tr.T("details.left"), left},
		}
	} else {
		r := p.selectedHist()
		if r == nil {
			return []string{" " + st.muted.Render(truncate(tr.T("wallet.nodetails"), w-1))}
		}
		rows = []kv{
			{tr.T("details.number"), st.big.Render(r.Fastcheck)},
			{tr.T("details.amount"), tr.Money(r.Amount, r.Currency)},
			{tr.T("details.what"), tr.T(kindText(r.kind))},
		}
		if r.created != 0 {
			rows = append(rows, kv{tr.T("details.created"), tr.DateTime(unixTime(r.created))})
		}
		if r.resolved != 0 {
			rows = append(rows, kv{tr.T("details.resolved"), tr.DateTime(unixTime(r.resolved))})
		}
		if r.expires != 0 {
			rows = append(rows, kv{tr.T("details.expires"), tr.DateTime(unixTime(r.expires))})
		}
	}
	lw := 0
	for _, r := range rows {
		lw = max(lw, cellWidth(r.k))
	}
	out := make([]string, 0, len(rows))
	if p.wide() || w < 70 {
		for _, r := range rows {
			out = append(out, truncate(" "+st.label.Render(padRight(r.k, lw))+"  "+r.v, w))
		}
		return out
	}
	// Two columns below a narrow list: three rows of two pairs.
	half := (len(rows) + 1) / 2
	leftW := 0
	for _, r := range rows[:half] {
		leftW = max(leftW, 1+lw+2+cellWidth(r.v))
	}
	colW := min(w/2, leftW+4)
	lw2 := 0
	for _, r := range rows[half:] {
		lw2 = max(lw2, cellWidth(r.k))
	}
	for i := 0; i < half; i++ {
		left := " " + st.label.Render(padRight(rows[i].k, lw)) + "  " + rows[i].v
		line := padRight(truncate(left, colW-1), colW)
		if j := half + i; j < len(rows) {
			line += st.label.Render(padRight(rows[j].k, lw2)) + "  " + rows[j].v
		}
		out = append(out, truncate(line, w))
	}
	return out
}
